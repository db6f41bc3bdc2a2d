#include "values.h"

#include <cstring>

#include <executorch/runtime/core/exec_aten/util/dim_order_util.h>
#include <executorch/runtime/core/exec_aten/util/scalar_type_util.h>
#include <executorch/runtime/core/exec_aten/util/tensor_util.h>

namespace pte_native {

using executorch::aten::Tensor;
using executorch::aten::TensorImpl;
using executorch::runtime::EValue;
using executorch::runtime::MethodMeta;
using executorch::runtime::Tag;
using executorch::runtime::TensorInfo;

namespace {

struct DTypeEntry {
  ScalarType type;
  const char* name;
  napi_typedarray_type js;
};

const DTypeEntry kDTypes[] = {
    {ScalarType::Bool, "bool", napi_uint8_array},
    {ScalarType::Byte, "uint8", napi_uint8_array},
    {ScalarType::Char, "int8", napi_int8_array},
    {ScalarType::Short, "int16", napi_int16_array},
    {ScalarType::Int, "int32", napi_int32_array},
    {ScalarType::Long, "int64", napi_bigint64_array},
    {ScalarType::UInt16, "uint16", napi_uint16_array},
    {ScalarType::UInt32, "uint32", napi_uint32_array},
    {ScalarType::UInt64, "uint64", napi_biguint64_array},
    {ScalarType::Half, "float16", napi_uint16_array},
    {ScalarType::BFloat16, "bfloat16", napi_uint16_array},
    {ScalarType::Float, "float32", napi_float32_array},
    {ScalarType::Double, "float64", napi_float64_array},
};

const DTypeEntry* find_dtype(ScalarType type) {
  for (const auto& e : kDTypes) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

Napi::Array int_array(Napi::Env env, const int32_t* data, size_t n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, data[i]));
  return a;
}

std::string where(size_t index) { return "input " + std::to_string(index); }

std::string shape_text(const int32_t* sizes, size_t n) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

Napi::Value tensor_to_js(Napi::Env env, const Tensor& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", "tensor");
  const DTypeEntry* dt = find_dtype(t.scalar_type());
  size_t nbytes = t.nbytes();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, nbytes);
  if (nbytes > 0 && t.const_data_ptr() != nullptr) std::memcpy(buffer.Data(), t.const_data_ptr(), nbytes);
  if (dt) {
    o.Set("dtype", dt->name);
    size_t elem = executorch::runtime::elementSize(t.scalar_type());
    napi_value view;
    napi_create_typedarray(env, dt->js, nbytes / elem, buffer, 0, &view);
    o.Set("data", Napi::Value(env, view));
  } else {
    // A dtype JavaScript has no view for (complex, quantized, bits): raw bytes.
    o.Set("dtype", executorch::runtime::toString(t.scalar_type()));
    o.Set("data", Napi::Uint8Array::New(env, nbytes, buffer, 0));
  }
  Napi::Array shape = Napi::Array::New(env, t.dim());
  Napi::Array dim_order = Napi::Array::New(env, t.dim());
  std::vector<executorch::aten::DimOrderType> order(t.dim());
  bool have_order = t.dim() == 0 ||
                    executorch::runtime::get_dim_order(t, order.data(), order.size()) == executorch::runtime::Error::Ok;
  for (ssize_t i = 0; i < t.dim(); ++i) {
    shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
    dim_order.Set(static_cast<uint32_t>(i), Napi::Number::New(env, have_order ? order[i] : static_cast<double>(i)));
  }
  o.Set("shape", shape);
  o.Set("dimOrder", dim_order);
  return o;
}

}  // namespace

const char* dtype_name(ScalarType type) {
  const DTypeEntry* e = find_dtype(type);
  return e ? e->name : nullptr;
}

std::optional<ScalarType> dtype_from_name(const std::string& name) {
  for (const auto& e : kDTypes) {
    if (name == e.name) return e.type;
  }
  return std::nullopt;
}

const char* tag_name(Tag tag) {
  switch (tag) {
    case Tag::Tensor: return "tensor";
    case Tag::Int: return "int";
    case Tag::Double: return "double";
    case Tag::Bool: return "bool";
    case Tag::String: return "string";
    case Tag::None: return "none";
    default: return "other";
  }
}

Napi::Object tensor_meta_to_js(Napi::Env env, const TensorInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  const char* name = dtype_name(info.scalar_type());
  o.Set("dtype", name ? name : executorch::runtime::toString(info.scalar_type()));
  o.Set("shape", int_array(env, info.sizes().data(), info.sizes().size()));
  Napi::Array order = Napi::Array::New(env, info.dim_order().size());
  for (size_t i = 0; i < info.dim_order().size(); ++i) order.Set(static_cast<uint32_t>(i), Napi::Number::New(env, info.dim_order()[i]));
  o.Set("dimOrder", order);
  o.Set("nbytes", Napi::Number::New(env, static_cast<double>(info.nbytes())));
  return o;
}

std::string input_from_js(const Napi::Value& value, size_t index, const MethodMeta& meta,
                          std::vector<std::unique_ptr<InputTensor>>& keep, EValue& out) {
  auto tag_result = meta.input_tag(index);
  if (!tag_result.ok()) return where(index) + ": the method does not describe it";
  Tag tag = tag_result.get();
  if (!value.IsObject()) return where(index) + ": expected a NativeValue object";
  Napi::Object o = value.As<Napi::Object>();
  std::string kind = o.Get("kind").IsString() ? o.Get("kind").As<Napi::String>().Utf8Value() : "";
  switch (tag) {
    case Tag::Int:
      if (kind != "int" || !o.Get("value").IsNumber()) return where(index) + ": the method takes an int, got '" + kind + "'";
      out = EValue(static_cast<int64_t>(o.Get("value").As<Napi::Number>().Int64Value()));
      return "";
    case Tag::Double:
      if ((kind != "double" && kind != "int") || !o.Get("value").IsNumber())
        return where(index) + ": the method takes a double, got '" + kind + "'";
      out = EValue(o.Get("value").As<Napi::Number>().DoubleValue());
      return "";
    case Tag::Bool:
      if (kind != "bool" || !o.Get("value").IsBoolean()) return where(index) + ": the method takes a bool, got '" + kind + "'";
      out = EValue(o.Get("value").As<Napi::Boolean>().Value());
      return "";
    case Tag::None:
      if (kind != "none") return where(index) + ": the method takes None, got '" + kind + "'";
      out = EValue();
      return "";
    case Tag::Tensor:
      break;
    default:
      return where(index) + ": inputs of type '" + tag_name(tag) + "' are not supported";
  }
  if (kind != "tensor") return where(index) + ": the method takes a tensor, got '" + kind + "'";
  auto info_result = meta.input_tensor_meta(index);
  if (!info_result.ok()) return where(index) + ": no tensor metadata";
  const TensorInfo& info = info_result.get();

  std::string dtype = o.Get("dtype").IsString() ? o.Get("dtype").As<Napi::String>().Utf8Value() : "";
  auto type = dtype_from_name(dtype);
  const char* want = dtype_name(info.scalar_type());
  if (!type || *type != info.scalar_type())
    return where(index) + ": dtype " + (dtype.empty() ? "?" : dtype) + " does not match the method's " +
           (want ? want : executorch::runtime::toString(info.scalar_type()));

  if (!o.Get("shape").IsArray()) return where(index) + ": shape must be an array";
  Napi::Array shape = o.Get("shape").As<Napi::Array>();
  auto planned = info.sizes();
  if (shape.Length() != planned.size())
    return where(index) + ": rank " + std::to_string(shape.Length()) + " does not match the method's shape " +
           shape_text(planned.data(), planned.size());
  auto t = std::make_unique<InputTensor>();
  size_t numel = 1;
  for (uint32_t i = 0; i < shape.Length(); ++i) {
    Napi::Value d = shape.Get(i);
    if (!d.IsNumber()) return where(index) + ": shape[" + std::to_string(i) + "] is not a number";
    double v = d.As<Napi::Number>().DoubleValue();
    if (v < 0 || v != static_cast<double>(static_cast<int64_t>(v)) || v > planned[i])
      return where(index) + ": shape[" + std::to_string(i) + "] = " + std::to_string(static_cast<int64_t>(v)) +
             " is outside the method's shape " + shape_text(planned.data(), planned.size());
    t->sizes.push_back(static_cast<executorch::aten::SizesType>(v));
    numel *= static_cast<size_t>(v);
  }
  size_t elem = executorch::runtime::elementSize(info.scalar_type());
  Napi::Value data = o.Get("data");
  if (!data.IsTypedArray() && !data.IsDataView() && !data.IsBuffer())
    return where(index) + ": data must be an ArrayBufferView";
  size_t byte_length = 0;
  size_t byte_offset = 0;
  Napi::ArrayBuffer buffer;
  if (data.IsDataView()) {
    Napi::DataView dv = data.As<Napi::DataView>();
    byte_length = dv.ByteLength();
    byte_offset = dv.ByteOffset();
    buffer = dv.ArrayBuffer();
  } else {
    Napi::TypedArray ta = data.As<Napi::TypedArray>();
    byte_length = ta.ByteLength();
    byte_offset = ta.ByteOffset();
    buffer = ta.ArrayBuffer();
  }
  if (byte_length != numel * elem)
    return where(index) + ": data has " + std::to_string(byte_length) + " bytes, shape " +
           shape_text(t->sizes.data(), t->sizes.size()) + " of " + dtype + " needs " + std::to_string(numel * elem);
  // Keep the caller's layout only when it is the method's: inputs are dense in
  // the method's dim order.
  auto order = info.dim_order();
  t->dim_order.assign(order.begin(), order.end());
  t->strides.resize(t->sizes.size());
  if (!t->sizes.empty() &&
      executorch::runtime::dim_order_to_stride(t->sizes.data(), t->dim_order.data(), t->sizes.size(), t->strides.data()) !=
          executorch::runtime::Error::Ok)
    return where(index) + ": the method's dim order is invalid";
  t->data.resize(byte_length);
  if (byte_length) std::memcpy(t->data.data(), static_cast<uint8_t*>(buffer.Data()) + byte_offset, byte_length);
  t->impl = std::make_unique<TensorImpl>(info.scalar_type(), static_cast<ssize_t>(t->sizes.size()), t->sizes.data(),
                                         t->data.empty() ? nullptr : t->data.data(), t->dim_order.data(),
                                         t->strides.data(), executorch::aten::TensorShapeDynamism::DYNAMIC_BOUND);
  out = EValue(Tensor(t->impl.get()));
  keep.push_back(std::move(t));
  return "";
}

Napi::Value evalue_to_js(Napi::Env env, const EValue& value) {
  Napi::Object o = Napi::Object::New(env);
  switch (value.tag) {
    case Tag::Tensor:
      return tensor_to_js(env, value.toTensor());
    case Tag::Int:
      o.Set("kind", "int");
      o.Set("value", Napi::Number::New(env, static_cast<double>(value.toInt())));
      return o;
    case Tag::Double:
      o.Set("kind", "double");
      o.Set("value", Napi::Number::New(env, value.toDouble()));
      return o;
    case Tag::Bool:
      o.Set("kind", "bool");
      o.Set("value", Napi::Boolean::New(env, value.toBool()));
      return o;
    case Tag::String: {
      auto s = value.toString();
      o.Set("kind", "string");
      o.Set("value", Napi::String::New(env, s.data(), s.size()));
      return o;
    }
    case Tag::ListTensor: {
      auto list = value.toTensorList();
      Napi::Array items = Napi::Array::New(env, list.size());
      for (size_t i = 0; i < list.size(); ++i) items.Set(static_cast<uint32_t>(i), tensor_to_js(env, list[i]));
      o.Set("kind", "list");
      o.Set("items", items);
      return o;
    }
    case Tag::ListInt: {
      auto list = value.toIntList();
      Napi::Array items = Napi::Array::New(env, list.size());
      for (size_t i = 0; i < list.size(); ++i) {
        Napi::Object item = Napi::Object::New(env);
        item.Set("kind", "int");
        item.Set("value", Napi::Number::New(env, static_cast<double>(list[i])));
        items.Set(static_cast<uint32_t>(i), item);
      }
      o.Set("kind", "list");
      o.Set("items", items);
      return o;
    }
    default:
      o.Set("kind", "none");
      return o;
  }
}

}  // namespace pte_native
