// Helpers for the kernel registration that native/codegen writes: reading a
// kernel's arguments out of the runtime's EValue stack without ET_CHECK aborts
// (a program whose argument types do not match the kernel is refused with an
// error instead), and logging a failure that names the operator.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>

#include <executorch/runtime/core/evalue.h>
#include <executorch/runtime/core/event_tracer_hooks.h>
#include <executorch/runtime/kernel/kernel_runtime_context.h>
#include <executorch/runtime/kernel/operator_registry.h>
#include <executorch/runtime/platform/log.h>
#include <executorch/runtime/platform/profiler.h>

namespace pte_native {

using ::executorch::runtime::Error;
using ::executorch::runtime::EValue;
using ::executorch::runtime::Result;

template <typename T>
struct ArgReader {
  static Result<T> read(const EValue& v) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, int64_t>) {
      auto r = v.tryTo<int64_t>();
      if (!r.ok()) return r.error();
      return static_cast<T>(r.get());
    } else if constexpr (std::is_same_v<T, float>) {
      auto r = v.tryTo<double>();
      if (!r.ok()) return r.error();
      return static_cast<float>(r.get());
    } else {
      return v.tryTo<T>();
    }
  }
};

template <typename T>
struct ArgReader<std::optional<T>> {
  static Result<std::optional<T>> read(const EValue& v) {
    if (v.isNone()) return std::optional<T>();
    auto r = ArgReader<T>::read(v);
    if (!r.ok()) return r.error();
    return std::optional<T>(std::move(r.get()));
  }
};

template <typename Param>
Result<std::remove_cv_t<std::remove_reference_t<Param>>> read_arg(const EValue* v) {
  using T = std::remove_cv_t<std::remove_reference_t<Param>>;
  if (v == nullptr) return Error::InvalidProgram;
  return ArgReader<T>::read(*v);
}

inline void fail_arity(::executorch::runtime::KernelRuntimeContext& ctx, const char* op, size_t want, size_t got) {
  ET_LOG(Error, "Operator %s: expected at least %zu arguments, the program passes %zu", op, want, got);
  ctx.fail(Error::InvalidProgram);
}

inline void fail_arg(::executorch::runtime::KernelRuntimeContext& ctx, const char* op, size_t index, const char* param,
                     const EValue* v, Error e) {
  ET_LOG(Error, "Operator %s: argument %zu (%s) has type tag %d, which the kernel cannot take (error 0x%x)", op, index,
         param, v ? static_cast<int>(v->tag) : -1, static_cast<unsigned>(e));
  ctx.fail(Error::InvalidArgument);
}

inline void fail_threw(::executorch::runtime::KernelRuntimeContext& ctx, const char* op, const char* what) {
  ET_LOG(Error, "Operator %s threw: %s", op, what);
  ctx.fail(Error::Internal);
}

}  // namespace pte_native
