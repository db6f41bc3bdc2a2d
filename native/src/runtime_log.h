// Captures the runtime's log lines (ExecuTorch's PAL log hook) so a failing
// call can attach them to the JavaScript error, and turns a runtime Error code
// into a thrown Napi::Error carrying `code`, `codeName` and `log`.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include <napi.h>

#include <executorch/runtime/core/error.h>

namespace pte_native {

/** Installs the PAL log hook and the abort hook (once). */
void install_runtime_log();

/** Starts capturing for one addon call: forgets the lines of the previous one. */
void clear_runtime_log();

/** The lines captured since the last clear, oldest first, as `E file:line] message`. */
const std::vector<std::string>& runtime_log_lines();

/**
 * The first Error-level message since the last clear (empty if none): the
 * root cause, since each caller up the stack logs its own, vaguer line.
 */
std::string first_runtime_error();

/** `OperatorMissing` for Error::OperatorMissing, etc. */
const char* error_name(executorch::runtime::Error error);

/**
 * Throws (as a pending JavaScript exception) an Error whose message is
 * `what failed: <runtime's reason>`; returns undefined for the caller to return.
 */
Napi::Value throw_runtime_error(Napi::Env env, const std::string& what, executorch::runtime::Error error);

/** Throws a TypeError / Error for bad arguments from JavaScript (no runtime code). */
Napi::Value throw_type_error(Napi::Env env, const std::string& message);
Napi::Value throw_error(Napi::Env env, const std::string& message);

/**
 * Runs the body of an addon entry point, turning a C++ exception (there should
 * be none; bad_alloc is the likely one) into a JavaScript Error so none
 * reaches Node.
 */
template <typename Body>
Napi::Value guarded(Napi::Env env, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return throw_error(env, std::string("ExecuTorch addon: internal error: ") + e.what());
  } catch (...) {
    return throw_error(env, "ExecuTorch addon: internal error");
  }
}

}  // namespace pte_native
