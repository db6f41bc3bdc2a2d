#include <fstream>

#include <executorch/devtools/bundled_program/bundled_program.h>
#include <executorch/devtools/bundled_program/schema/bundled_program_schema_generated.h>
#include <executorch/extension/data_loader/buffer_data_loader.h>
#include <executorch/extension/data_loader/file_data_loader.h>
#include <executorch/runtime/backend/interface.h>

#include "handles.h"
#include "runtime_log.h"

namespace pte_native {

using executorch::extension::BufferDataLoader;
using executorch::extension::FileDataLoader;
using executorch::extension::FlatTensorDataMap;
using executorch::extension::ET_MERGED_DATA_MAP_NAMESPACE::MergedDataMap;
using executorch::runtime::Error;
using executorch::runtime::NamedDataMap;
using executorch::runtime::Program;
using executorch::runtime::Span;

size_t ProgramState::bundled_case_count(const std::string& method) const {
  if (!bundled) return 0;
  const auto* bp = bundled_program_flatbuffer::GetBundledProgram(bundled_file.data());
  if (!bp || !bp->method_test_suites()) return 0;
  for (const auto* suite : *bp->method_test_suites()) {
    if (suite && suite->method_name() && suite->method_name()->str() == method)
      return suite->test_cases() ? suite->test_cases()->size() : 0;
  }
  return 0;
}

namespace {

bool read_file(const std::string& path, std::vector<uint8_t>& out, size_t limit = SIZE_MAX) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return false;
  in.seekg(0);
  out.resize(std::min<size_t>(static_cast<size_t>(size), limit));
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  return static_cast<size_t>(in.gcount()) == out.size();
}

}  // namespace

Napi::Value open_program(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    clear_runtime_log();
    if (info.Length() < 1 || !info[0].IsString()) return throw_type_error(env, "openProgram(programPath, dataPaths): programPath must be a string");
    std::vector<std::string> data_paths;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsArray()) return throw_type_error(env, "openProgram: dataPaths must be an array of strings");
      Napi::Array a = info[1].As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) {
        if (!a.Get(i).IsString()) return throw_type_error(env, "openProgram: dataPaths[" + std::to_string(i) + "] is not a string");
        data_paths.push_back(a.Get(i).As<Napi::String>().Utf8Value());
      }
    }
    auto state = std::make_shared<ProgramState>();
    state->path = info[0].As<Napi::String>().Utf8Value();

    std::vector<uint8_t> head;
    if (!read_file(state->path, head, 128)) return throw_error(env, "cannot read " + state->path);
    if (executorch::bundled_program::is_bundled_program(head.data(), head.size())) {
      if (!read_file(state->path, state->bundled_file)) return throw_error(env, "cannot read " + state->path);
      const void* program_data = nullptr;
      size_t program_size = 0;
      Error err = executorch::bundled_program::get_program_data(state->bundled_file.data(), state->bundled_file.size(),
                                                                &program_data, &program_size);
      if (err != Error::Ok) return throw_runtime_error(env, "reading the bundled program " + state->path + " failed", err);
      state->bundled = state->bundled_file.data();
      state->loader = std::make_unique<BufferDataLoader>(program_data, program_size);
    } else {
      // A whole-file mapping whose regions are never freed, like the .ptd files: with XNNPACK's weights
      // cache on, ExecuTorch frees every named-data buffer a delegate loaded once its runtime exists,
      // also those of operands XNNPACK does not pack and reads on every call (Add, Maximum, ... with a
      // constant); upstream hands those to the executor only on the path without the cache.
      auto file = SharedDataFile::open(state->path);
      if (!file.ok()) return throw_runtime_error(env, "opening " + state->path + " failed", file.error());
      state->loader = std::move(file.get());
    }

    auto program = Program::load(state->loader.get(), Program::Verification::InternalConsistency);
    if (!program.ok()) return throw_runtime_error(env, "loading program " + state->path + " failed", program.error());
    state->program = std::make_unique<Program>(std::move(program.get()));

    for (const auto& path : data_paths) {
      auto file = SharedDataFile::open(path);
      if (!file.ok()) return throw_runtime_error(env, "opening data file " + path + " failed", file.error());
      state->data_files.push_back(std::move(file.get()));
      auto map = FlatTensorDataMap::load(state->data_files.back().get());
      if (!map.ok()) return throw_runtime_error(env, "loading data file " + path + " failed", map.error());
      state->data_maps.push_back(std::make_unique<FlatTensorDataMap>(std::move(map.get())));
    }
    if (!state->data_maps.empty()) {
      // Merged in the order given, as ExecuTorch's Module merges its data files.
      std::vector<const NamedDataMap*> maps;
      for (const auto& m : state->data_maps) maps.push_back(m.get());
      auto merged = MergedDataMap::load(Span<const NamedDataMap*>(maps.data(), maps.size()));
      if (!merged.ok()) return throw_runtime_error(env, "merging the data files failed", merged.error());
      state->merged = std::make_unique<MergedDataMap>(std::move(merged.get()));
    }

    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object handle = data->program_ctor.New({});
    ProgramHandle::Unwrap(handle)->Attach(std::move(state));
    return handle;
  });
}

Napi::Function ProgramHandle::Define(Napi::Env env) {
  return DefineClass(env, "NativeProgram",
                     {InstanceMethod("info", &ProgramHandle::Info), InstanceMethod("loadMethod", &ProgramHandle::LoadMethod),
                      InstanceMethod("bundledCaseCount", &ProgramHandle::BundledCaseCount),
                      InstanceMethod("close", &ProgramHandle::Close)});
}

ProgramHandle::ProgramHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProgramHandle>(info) {}

Napi::Value ProgramHandle::Info(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!state_) return throw_error(env, "the program is closed");
    clear_runtime_log();
    const Program& program = *state_->program;
    Napi::Array methods = Napi::Array::New(env);
    for (size_t m = 0; m < program.num_methods(); ++m) {
      auto name = program.get_method_name(m);
      if (!name.ok()) return throw_runtime_error(env, "reading method name " + std::to_string(m) + " failed", name.error());
      auto meta_result = program.method_meta(name.get());
      if (!meta_result.ok()) return throw_runtime_error(env, std::string("reading method ") + name.get() + " failed", meta_result.error());
      const auto& meta = meta_result.get();
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", name.get());
      auto describe = [&](size_t count, auto tag_of, auto tensor_of) {
        Napi::Array list = Napi::Array::New(env, count);
        for (size_t i = 0; i < count; ++i) {
          Napi::Object entry = Napi::Object::New(env);
          auto tag = tag_of(i);
          entry.Set("tag", tag.ok() ? tag_name(tag.get()) : "other");
          if (tag.ok() && tag.get() == executorch::runtime::Tag::Tensor) {
            auto t = tensor_of(i);
            if (t.ok()) entry.Set("tensor", tensor_meta_to_js(env, t.get()));
          }
          list.Set(static_cast<uint32_t>(i), entry);
        }
        return list;
      };
      o.Set("inputs", describe(meta.num_inputs(), [&](size_t i) { return meta.input_tag(i); },
                               [&](size_t i) { return meta.input_tensor_meta(i); }));
      o.Set("outputs", describe(meta.num_outputs(), [&](size_t i) { return meta.output_tag(i); },
                                [&](size_t i) { return meta.output_tensor_meta(i); }));
      Napi::Array planned = Napi::Array::New(env, meta.num_memory_planned_buffers());
      for (size_t i = 0; i < meta.num_memory_planned_buffers(); ++i) {
        auto size = meta.memory_planned_buffer_size(i);
        planned.Set(static_cast<uint32_t>(i), Napi::Number::New(env, size.ok() ? static_cast<double>(size.get()) : -1));
      }
      o.Set("plannedBuffers", planned);
      Napi::Array backends = Napi::Array::New(env);
      for (size_t i = 0; i < meta.num_backends(); ++i) {
        auto id = meta.get_backend_name(i);
        if (!id.ok()) continue;
        Napi::Object b = Napi::Object::New(env);
        b.Set("id", id.get());
        b.Set("available", executorch::runtime::get_backend_class(id.get()) != nullptr);
        backends.Set(backends.Length(), b);
      }
      o.Set("backends", backends);
      methods.Set(static_cast<uint32_t>(m), o);
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("methods", methods);
    return result;
  });
}

Napi::Value ProgramHandle::BundledCaseCount(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!state_) return throw_error(env, "the program is closed");
    if (info.Length() < 1 || !info[0].IsString()) return throw_type_error(env, "bundledCaseCount(method): method must be a string");
    return Napi::Number::New(env, static_cast<double>(state_->bundled_case_count(info[0].As<Napi::String>().Utf8Value())));
  });
}

Napi::Value ProgramHandle::LoadMethod(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!state_) return throw_error(env, "the program is closed");
    if (info.Length() < 1 || !info[0].IsString()) return throw_type_error(env, "loadMethod(name, options): name must be a string");
    clear_runtime_log();
    auto method = std::make_unique<MethodState>();
    method->program = state_;
    method->name = info[0].As<Napi::String>().Utf8Value();
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object options = info[1].As<Napi::Object>();
      method->profile = options.Get("profile").ToBoolean().Value();
      Napi::Value bytes = options.Get("debugBufferBytes");
      if (bytes.IsNumber()) {
        double n = bytes.As<Napi::Number>().DoubleValue();
        if (n < 0 || n > 4.0 * 1024 * 1024 * 1024) return throw_type_error(env, "loadMethod: debugBufferBytes must be between 0 and 4 GiB");
        method->debug_buffer_bytes = static_cast<size_t>(n);
      }
    }
    auto meta = state_->program->method_meta(method->name.c_str());
    if (!meta.ok()) return throw_runtime_error(env, "load_method " + method->name + " failed: no such method", meta.error());
    Error err = method->load();
    if (err != Error::Ok) return throw_runtime_error(env, "load_method " + method->name + " failed", err);
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object handle = data->method_ctor.New({});
    MethodHandle::Unwrap(handle)->Attach(std::move(method));
    return handle;
  });
}

Napi::Value ProgramHandle::Close(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    state_.reset();
    return info.Env().Undefined();
  });
}

}  // namespace pte_native
