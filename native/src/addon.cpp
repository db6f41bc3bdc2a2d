// The ExecuTorch Node-API addon: see runtime/exec/native/addonTypes.ts for
// the surface JavaScript sees.
#include <set>

#include <executorch/runtime/backend/interface.h>
#include <executorch/runtime/kernel/operator_registry.h>
#include <executorch/runtime/platform/runtime.h>

#include "handles.h"
#include "runtime_log.h"
#include "shared_data_file.h"

#ifndef ET_COMMIT
#define ET_COMMIT "unknown"
#endif

// Written by native/codegen/generate.js.
executorch::runtime::Error pte_register_generated_kernels();

namespace pte_native {
namespace {

Napi::Value build_info(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("executorchCommit", ET_COMMIT);
    std::set<std::string> names;
    for (const auto& kernel : executorch::runtime::get_registered_kernels()) names.insert(kernel.name_);
    Napi::Array operators = Napi::Array::New(env, names.size());
    uint32_t i = 0;
    for (const auto& name : names) operators.Set(i++, name);
    o.Set("operators", operators);
    Napi::Array backends = Napi::Array::New(env);
    for (size_t b = 0; b < executorch::runtime::get_num_registered_backends(); ++b) {
      auto name = executorch::runtime::get_backend_name(b);
      if (name.ok()) backends.Set(backends.Length(), name.get());
    }
    o.Set("backends", backends);
    return o;
  });
}

Napi::Value shared_data_files(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto files = SharedDataFile::open_files();
    Napi::Array list = Napi::Array::New(env, files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("path", files[i].path);
      o.Set("bytes", Napi::Number::New(env, static_cast<double>(files[i].bytes)));
      o.Set("programs", Napi::Number::New(env, static_cast<double>(files[i].users)));
      list.Set(static_cast<uint32_t>(i), o);
    }
    return list;
  });
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  static bool runtime_ready = false;
  static executorch::runtime::Error registered = executorch::runtime::Error::Ok;
  if (!runtime_ready) {
    runtime_ready = true;
    install_runtime_log();
    executorch::runtime::runtime_init();
    registered = pte_register_generated_kernels();
  }
  if (registered != executorch::runtime::Error::Ok) {
    throw_runtime_error(env, "registering the kernels failed", registered);
    return exports;
  }
  auto* data = new AddonData();
  data->program_ctor = Napi::Persistent(ProgramHandle::Define(env));
  data->method_ctor = Napi::Persistent(MethodHandle::Define(env));
  env.SetInstanceData(data);
  exports.Set("buildInfo", Napi::Function::New(env, build_info, "buildInfo"));
  exports.Set("sharedDataFiles", Napi::Function::New(env, shared_data_files, "sharedDataFiles"));
  exports.Set("openProgram", Napi::Function::New(env, open_program, "openProgram"));
  return exports;
}

}  // namespace
}  // namespace pte_native

static Napi::Object InitExecutorchAddon(Napi::Env env, Napi::Object exports) {
  return pte_native::init(env, exports);
}

NODE_API_MODULE(executorch, InitExecutorchAddon)
