#include <cstdlib>
#include <cstring>

#include <executorch/devtools/bundled_program/bundled_program.h>

#include "handles.h"
#include "runtime_log.h"

namespace pte_native {

using executorch::etdump::ETDumpGen;
using executorch::extension::MallocMemoryAllocator;
using executorch::runtime::Error;
using executorch::runtime::EValue;
using executorch::runtime::HierarchicalAllocator;
using executorch::runtime::MemoryManager;
using executorch::runtime::Method;
using executorch::runtime::Span;

Error MethodState::load() {
  unload();
  auto meta = program->program->method_meta(name.c_str());
  if (!meta.ok()) return meta.error();
  // The method's own memory plan: one arena per planned buffer (mem_id 1...).
  planned.clear();
  planned_spans.clear();
  for (size_t i = 0; i < meta->num_memory_planned_buffers(); ++i) {
    auto size = meta->memory_planned_buffer_size(i);
    if (!size.ok()) return size.error();
    planned.emplace_back(static_cast<size_t>(size.get()));
  }
  for (auto& buffer : planned) planned_spans.emplace_back(buffer.data(), buffer.size());
  planned_allocator = std::make_unique<HierarchicalAllocator>(Span<Span<uint8_t>>(planned_spans.data(), planned_spans.size()));
  method_allocator = std::make_unique<MallocMemoryAllocator>();
  temp_allocator = std::make_unique<MallocMemoryAllocator>();
  memory = std::make_unique<MemoryManager>(method_allocator.get(), planned_allocator.get(), temp_allocator.get());

  if ((profile || debug_buffer_bytes > 0) && !etdump) {
    etdump = std::make_unique<ETDumpGen>();
    if (debug_buffer_bytes > 0) {
      debug_buffer.assign(debug_buffer_bytes, 0);
      auto set = etdump->set_debug_buffer(Span<uint8_t>(debug_buffer.data(), debug_buffer.size()));
      if (!set.ok()) return set.error();
      etdump->set_event_tracer_debug_level(executorch::runtime::EventTracerDebugLogLevel::kIntermediateOutputs);
    }
  }
  auto loaded = program->program->load_method(name.c_str(), memory.get(), etdump.get(), program->data_map());
  if (!loaded.ok()) return loaded.error();
  method = std::make_unique<Method>(std::move(loaded.get()));
  return Error::Ok;
}

void MethodState::unload() {
  method.reset();  // before the memory it lives in
  inputs.clear();
  memory.reset();
  planned_allocator.reset();
  planned_spans.clear();
  planned.clear();
  method_allocator.reset();
  temp_allocator.reset();
}

Napi::Function MethodHandle::Define(Napi::Env env) {
  return DefineClass(env, "NativeMethod",
                     {InstanceMethod("execute", &MethodHandle::Execute),
                      InstanceMethod("runBundledCase", &MethodHandle::RunBundledCase),
                      InstanceMethod("takeEtdump", &MethodHandle::TakeEtdump), InstanceMethod("reset", &MethodHandle::Reset),
                      InstanceMethod("close", &MethodHandle::Close)});
}

MethodHandle::MethodHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MethodHandle>(info) {}

bool MethodHandle::SetInputs(Napi::Env env, const Napi::Value& value) {
  Method& method = *state_->method;
  auto meta = method.method_meta();
  if (!value.IsArray()) {
    throw_type_error(env, "execute(inputs): inputs must be an array");
    return false;
  }
  Napi::Array inputs = value.As<Napi::Array>();
  if (inputs.Length() != meta.num_inputs()) {
    throw_type_error(env, "method " + state_->name + " takes " + std::to_string(meta.num_inputs()) + " inputs, got " +
                              std::to_string(inputs.Length()));
    return false;
  }
  state_->inputs.clear();
  for (uint32_t i = 0; i < inputs.Length(); ++i) {
    EValue ev;
    std::string problem = input_from_js(inputs.Get(i), i, meta, state_->inputs, ev);
    if (!problem.empty()) {
      throw_type_error(env, "method " + state_->name + ": " + problem);
      return false;
    }
    Error err = method.set_input(ev, i);
    if (err != Error::Ok) {
      throw_runtime_error(env, "set_input " + std::to_string(i) + " of " + state_->name + " failed", err);
      return false;
    }
  }
  return true;
}

Napi::Value MethodHandle::RunAndCollect(Napi::Env env) {
  Method& method = *state_->method;
  Error err = method.execute();
  if (err != Error::Ok) return throw_runtime_error(env, "execute " + state_->name + " failed", err);
  Napi::Array outputs = Napi::Array::New(env, method.outputs_size());
  for (size_t i = 0; i < method.outputs_size(); ++i) outputs.Set(static_cast<uint32_t>(i), evalue_to_js(env, method.get_output(i)));
  return outputs;
}

Napi::Value MethodHandle::Execute(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!state_ || !state_->method) return throw_error(env, "the method is closed");
    clear_runtime_log();
    if (!SetInputs(env, info.Length() > 0 ? info[0] : env.Undefined())) return env.Undefined();
    return RunAndCollect(env);
  });
}

Napi::Value MethodHandle::RunBundledCase(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!state_ || !state_->method) return throw_error(env, "the method is closed");
    clear_runtime_log();
    const ProgramState& program = *state_->program;
    if (!program.bundled) return throw_error(env, "runBundledCase: " + program.path + " is not a bundled program");
    if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "runBundledCase(index, rtol, atol): index must be a number");
    double index = info[0].As<Napi::Number>().DoubleValue();
    double rtol = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 1e-5;
    double atol = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 1e-8;
    size_t count = program.bundled_case_count(state_->name);
    if (index < 0 || index >= static_cast<double>(count) || index != static_cast<double>(static_cast<size_t>(index)))
      return throw_type_error(env, "runBundledCase: test case " + std::to_string(index) + " does not exist; " + program.path +
                                       " holds " + std::to_string(count) + " for " + state_->name);
    size_t idx = static_cast<size_t>(index);
    Method& method = *state_->method;
    Error err = executorch::bundled_program::load_bundled_input(method, program.bundled, idx);
    if (err != Error::Ok) return throw_runtime_error(env, "load_bundled_input " + std::to_string(idx) + " failed", err);
    Napi::Value outputs = RunAndCollect(env);
    if (env.IsExceptionPending()) return env.Undefined();
    clear_runtime_log();
    Error verified = executorch::bundled_program::verify_method_outputs(method, program.bundled, idx, rtol, atol);
    Napi::Object result = Napi::Object::New(env);
    result.Set("outputs", outputs);
    result.Set("passed", verified == Error::Ok);
    std::string message = verified == Error::Ok ? "outputs match the bundled expected outputs"
                                                : std::string("outputs differ from the bundled expected outputs: ") +
                                                      (first_runtime_error().empty() ? error_name(verified) : first_runtime_error());
    result.Set("message", message);
    return result;
  });
}

Napi::Value MethodHandle::TakeEtdump(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!state_) return throw_error(env, "the method is closed");
    ETDumpGen* gen = state_->etdump.get();
    if (!gen) return env.Null();
    size_t debug_used = gen->get_data_sink() ? gen->get_data_sink()->get_used_bytes() : 0;
    auto result = gen->get_etdump_data();
    Napi::Object out = Napi::Object::New(env);
    out.Set("etdump", Napi::Uint8Array::New(env, result.size));
    if (result.buf && result.size) {
      std::memcpy(out.Get("etdump").As<Napi::Uint8Array>().Data(), result.buf, result.size);
      free(result.buf);
    }
    Napi::Uint8Array debug = Napi::Uint8Array::New(env, debug_used);
    if (debug_used) std::memcpy(debug.Data(), state_->debug_buffer.data(), debug_used);
    out.Set("debugBuffer", debug);
    // Start a new dump; reset() forgets the debug buffer, so give it back.
    gen->reset();
    if (!state_->debug_buffer.empty()) {
      auto set = gen->set_debug_buffer(Span<uint8_t>(state_->debug_buffer.data(), state_->debug_buffer.size()));
      if (!set.ok()) return throw_runtime_error(env, "resetting the debug buffer failed", set.error());
    }
    return out;
  });
}

Napi::Value MethodHandle::Reset(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!state_) return throw_error(env, "the method is closed");
    clear_runtime_log();
    Error err = state_->load();
    if (err != Error::Ok) return throw_runtime_error(env, "reloading " + state_->name + " failed", err);
    return env.Undefined();
  });
}

Napi::Value MethodHandle::Close(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (state_) state_->unload();
    state_.reset();
    return info.Env().Undefined();
  });
}

}  // namespace pte_native
