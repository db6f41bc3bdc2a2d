// Conversions between the JavaScript values of addonTypes.ts (NativeValue,
// NativeTensor) and the runtime's EValues / tensors.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <napi.h>

#include <executorch/runtime/core/evalue.h>
#include <executorch/runtime/core/exec_aten/exec_aten.h>
#include <executorch/runtime/executor/method_meta.h>

namespace pte_native {

using executorch::aten::ScalarType;

/** PyTorch dtype name (`float32`) for a scalar type, or nullptr if JavaScript has no view for it. */
const char* dtype_name(ScalarType type);
std::optional<ScalarType> dtype_from_name(const std::string& name);
/** `tensor`, `int`, ... for a runtime Tag, as NativeMethodMeta names them. */
const char* tag_name(executorch::runtime::Tag tag);

Napi::Object tensor_meta_to_js(Napi::Env env, const executorch::runtime::TensorInfo& info);

/**
 * One input tensor built from a JavaScript NativeTensor: owns its sizes,
 * dim order, strides and a copy of its data for as long as the method needs them.
 */
struct InputTensor {
  std::vector<executorch::aten::SizesType> sizes;
  std::vector<executorch::aten::DimOrderType> dim_order;
  std::vector<executorch::aten::StridesType> strides;
  std::vector<uint8_t> data;
  std::unique_ptr<executorch::aten::TensorImpl> impl;
};

/**
 * Builds input `index` from `value`, checked against the method's declared
 * input (tag, dtype, rank, sizes within the planned bounds, byte length).
 * Returns an error message (empty on success).
 */
std::string input_from_js(const Napi::Value& value, size_t index, const executorch::runtime::MethodMeta& meta,
                          std::vector<std::unique_ptr<InputTensor>>& keep, executorch::runtime::EValue& out);

/** A copy of an output (or any) EValue as a NativeValue. */
Napi::Value evalue_to_js(Napi::Env env, const executorch::runtime::EValue& value);

}  // namespace pte_native
