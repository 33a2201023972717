// The one error vocabulary of cogwatch.
//
// Errors a user can cause (bad PromQL, bad YAML, a rejected sample, a bad
// HTTP request) are values, never exceptions across a public header. An
// Error carries a code, a message worded for the user, and optionally the
// byte range in the input it is about; line:col is computed only when the
// error is printed (parser/parser.h's line_col() for PromQL).
//
//   Result<SeriesRef> r = app.append(labels, t, v);
//   if (!r) log(r.error().message);
//
// Thread-safety: plain values; safe to copy between threads.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace cogwatch {

enum class ErrorCode : uint8_t {
  kInvalidArgument,    // malformed input: labels, durations, regexes, ...
  kParse,              // a text (PromQL, YAML, exposition) does not parse
  kOutOfOrder,         // a sample older than the newest one of its series
  kDuplicateSample,    // same timestamp as the newest sample, other value
  kOutOfBounds,        // a sample older than the store's appendable window
  kNotFound,           // a series ref, file, or name that does not exist
  kResourceExhausted,  // a configured limit was hit
  kTimeout,
  kCanceled,
  kUnavailable,        // a peer could not be reached or answered with an error
  kInternal,           // a bug: an invariant did not hold
};

// A byte range [begin, end) in some input text. Empty when unknown.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool empty() const { return begin == end; }
  friend bool operator==(const Span&, const Span&) = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  Span span;  // where in the input, if the error is about an input text
};

// Result<T> holds either a T or an Error. Result<void> is a plain status.
// Accessing value() of a failed result (or error() of a good one) is a bug
// and asserts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error&& take_error() { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }
  Error&& take_error() { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error make_error(ErrorCode code, std::string message, Span span = {}) {
  return Error{code, std::move(message), span};
}

}  // namespace cogwatch
