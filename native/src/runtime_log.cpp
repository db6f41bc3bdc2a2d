#include "runtime_log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <executorch/runtime/platform/platform.h>

namespace pte_native {
namespace {

constexpr size_t kMaxLines = 200;

std::mutex log_mutex;
std::vector<std::string> lines;
std::string first_error;
bool missing_operator_seen = false;
bool echo_to_stderr = false;

void on_log(et_timestamp_t, et_pal_log_level_t level, const char* filename, const char*, size_t line,
            const char* message, size_t length) {
  std::string text(message, length);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const char* base = filename;
  for (const char* p = filename; p && *p; ++p) {
    if (*p == '/') base = p + 1;
  }
  std::string entry = std::string(1, static_cast<char>(level)) + " " + (base ? base : "?") + ":" +
                      std::to_string(line) + "] " + text;
  if (echo_to_stderr) fprintf(stderr, "%s\n", entry.c_str());
  std::lock_guard<std::mutex> guard(log_mutex);
  // The root cause is the first error; Method's "Missing operator: [i] name"
  // comes after the registry's lookup failure but says more.
  bool is_error = level == kError || level == kFatal;
  if (is_error && (first_error.empty() || (text.rfind("Missing operator", 0) == 0 && !missing_operator_seen))) {
    first_error = text;
    missing_operator_seen = text.rfind("Missing operator", 0) == 0;
  }
  if (lines.size() < kMaxLines) lines.push_back(std::move(entry));
}

// A runtime ET_CHECK failure ends the process; say why on stderr first so the
// parent of the host process can report it.
[[noreturn]] void on_abort() {
  {
    std::lock_guard<std::mutex> guard(log_mutex);
    fprintf(stderr, "executorch: runtime abort\n");
    for (const auto& l : lines) fprintf(stderr, "%s\n", l.c_str());
    fflush(stderr);
  }
  std::abort();
}

}  // namespace

void install_runtime_log() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  echo_to_stderr = std::getenv("PTE_EXPLORER_NATIVE_LOG") != nullptr;
  executorch::runtime::PalImpl impl = executorch::runtime::PalImpl::create(on_log, __FILE__);
  impl.abort = on_abort;
  executorch::runtime::register_pal(impl);
}

void clear_runtime_log() {
  std::lock_guard<std::mutex> guard(log_mutex);
  lines.clear();
  first_error.clear();
  missing_operator_seen = false;
}

const std::vector<std::string>& runtime_log_lines() { return lines; }

std::string first_runtime_error() {
  std::lock_guard<std::mutex> guard(log_mutex);
  return first_error;
}

const char* error_name(executorch::runtime::Error error) {
  using executorch::runtime::Error;
  switch (error) {
    case Error::Ok: return "Ok";
    case Error::Internal: return "Internal";
    case Error::InvalidState: return "InvalidState";
    case Error::EndOfMethod: return "EndOfMethod";
    case Error::NotSupported: return "NotSupported";
    case Error::NotImplemented: return "NotImplemented";
    case Error::InvalidArgument: return "InvalidArgument";
    case Error::InvalidType: return "InvalidType";
    case Error::OperatorMissing: return "OperatorMissing";
    case Error::NotFound: return "NotFound";
    case Error::MemoryAllocationFailed: return "MemoryAllocationFailed";
    case Error::AccessFailed: return "AccessFailed";
    case Error::InvalidProgram: return "InvalidProgram";
    case Error::InvalidExternalData: return "InvalidExternalData";
    case Error::OutOfResources: return "OutOfResources";
    case Error::DelegateInvalidCompatibility: return "DelegateInvalidCompatibility";
    case Error::DelegateMemoryAllocationFailed: return "DelegateMemoryAllocationFailed";
    case Error::DelegateInvalidHandle: return "DelegateInvalidHandle";
    default: {
      // Codes added upstream after this list: fall back to the runtime's own name.
      const char* name = executorch::runtime::to_string(error);
      return name ? (std::strncmp(name, "Error::", 7) == 0 ? name + 7 : name) : "Unknown";
    }
  }
}

Napi::Value throw_runtime_error(Napi::Env env, const std::string& what, executorch::runtime::Error error) {
  std::string reason = first_runtime_error();
  char code_text[16];
  snprintf(code_text, sizeof(code_text), "0x%x", static_cast<unsigned>(error));
  std::string message = what + ": " + (reason.empty() ? std::string(error_name(error)) : reason) + " (" +
                        error_name(error) + ", " + code_text + ")";
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::Number::New(env, static_cast<double>(error)));
  e.Set("codeName", Napi::String::New(env, error_name(error)));
  Napi::Array log = Napi::Array::New(env);
  {
    std::lock_guard<std::mutex> guard(log_mutex);
    for (size_t i = 0; i < lines.size(); ++i) log.Set(static_cast<uint32_t>(i), Napi::String::New(env, lines[i]));
  }
  e.Set("log", log);
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throw_type_error(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throw_error(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace pte_native
