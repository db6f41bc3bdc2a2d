// The JavaScript objects the addon hands out: a program (NativeProgramHandle)
// and a loaded method (NativeMethodHandle), over shared native state so a
// method keeps its program alive after the program handle is closed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <napi.h>

#include <executorch/devtools/etdump/etdump_flatcc.h>
#include <executorch/extension/flat_tensor/flat_tensor_data_map.h>
#include <executorch/extension/memory_allocator/malloc_memory_allocator.h>
#include <executorch/extension/named_data_map/merged_data_map.h>
#include <executorch/runtime/executor/method.h>
#include <executorch/runtime/executor/program.h>

#include "shared_data_file.h"
#include "values.h"

namespace pte_native {

struct ProgramState {
  std::string path;
  std::vector<uint8_t> bundled_file;  // a .bpte's bytes; the program is inside
  const void* bundled = nullptr;
  std::shared_ptr<executorch::runtime::DataLoader> loader;
  std::unique_ptr<executorch::runtime::Program> program;
  std::vector<std::shared_ptr<SharedDataFile>> data_files;  // shared with other programs naming the same .ptd
  std::vector<std::unique_ptr<executorch::extension::FlatTensorDataMap>> data_maps;
  std::unique_ptr<executorch::extension::ET_MERGED_DATA_MAP_NAMESPACE::MergedDataMap> merged;

  const executorch::runtime::NamedDataMap* data_map() const { return merged.get(); }
  /** Test cases the bundled program holds for `method` (0 when not bundled). */
  size_t bundled_case_count(const std::string& method) const;
};

struct MethodState {
  std::shared_ptr<ProgramState> program;
  std::string name;
  bool profile = false;
  size_t debug_buffer_bytes = 0;
  std::unique_ptr<executorch::extension::MallocMemoryAllocator> method_allocator;
  std::unique_ptr<executorch::extension::MallocMemoryAllocator> temp_allocator;
  std::vector<std::vector<uint8_t>> planned;
  std::vector<executorch::runtime::Span<uint8_t>> planned_spans;
  std::unique_ptr<executorch::runtime::HierarchicalAllocator> planned_allocator;
  std::unique_ptr<executorch::runtime::MemoryManager> memory;
  std::unique_ptr<executorch::etdump::ETDumpGen> etdump;
  std::vector<uint8_t> debug_buffer;
  std::vector<std::unique_ptr<InputTensor>> inputs;
  std::unique_ptr<executorch::runtime::Method> method;

  /** (Re)loads the method with a fresh memory plan; the ETDump tracer is kept. */
  executorch::runtime::Error load();
  void unload();
};

class ProgramHandle : public Napi::ObjectWrap<ProgramHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ProgramHandle(const Napi::CallbackInfo& info);
  void Attach(std::shared_ptr<ProgramState> state) { state_ = std::move(state); }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value LoadMethod(const Napi::CallbackInfo& info);
  Napi::Value BundledCaseCount(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  std::shared_ptr<ProgramState> state_;
};

class MethodHandle : public Napi::ObjectWrap<MethodHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MethodHandle(const Napi::CallbackInfo& info);
  void Attach(std::unique_ptr<MethodState> state) { state_ = std::move(state); }

 private:
  Napi::Value Execute(const Napi::CallbackInfo& info);
  Napi::Value RunBundledCase(const Napi::CallbackInfo& info);
  Napi::Value TakeEtdump(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  /** Sets inputs from JS (validated), returns false with a pending exception on failure. */
  bool SetInputs(Napi::Env env, const Napi::Value& inputs);
  Napi::Value RunAndCollect(Napi::Env env);
  std::unique_ptr<MethodState> state_;
};

/** Per-addon-instance data: the constructors of the handle classes. */
struct AddonData {
  Napi::FunctionReference program_ctor;
  Napi::FunctionReference method_ctor;
};

/** Opens a .pte/.bpte with its .ptd files; throws on failure. */
Napi::Value open_program(const Napi::CallbackInfo& info);

}  // namespace pte_native
