// The inside of the template engine (template/template.h): values as Go's
// reflection sees them, the parse tree, and the function table. Shared by
// the engine's .cc files only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "model/error.h"
#include "model/labels.h"
#include "template/internal/strconv.h"

namespace cogwatch::tmpl::internal {

struct Value;

// A Go map or struct. Maps print as map[k:v ...] and give a zero value for
// a missing key (the empty string for map[string]string, nil otherwise:
// Prometheus runs templates with missingkey=zero); structs fail on an
// unknown field.
struct Object {
  enum class Kind : uint8_t { kStringMap, kInterfaceMap, kStruct, kSample } kind = Kind::kStringMap;
  std::map<std::string, Value> fields;
  std::string type_name;  // "map[string]string", "*template.sample", ...
  // What its String method returns, for a type that has one (a native
  // histogram): fmt prints that instead of the fields.
  std::optional<std::string> stringer;
};

struct Html {  // html/template.HTML, from safeHtml: prints as its text
  std::string text;
};

struct List {  // Prometheus's queryResult: []*sample
  std::vector<Value> items;
};

// time.Time, always in UTC (toTime's results and what their methods give):
// seconds since the Unix epoch and nanoseconds in [0, 1e9).
struct GoTime {
  int64_t unix_sec = 0;
  int32_t nsec = 0;
};

// time.Duration: nanoseconds.
struct GoDuration {
  int64_t ns = 0;
};

// complex128, from complex constants such as 1+2i.
struct GoComplex {
  double real = 0, imag = 0;
};

// *time.Time and *time.Duration, as toTime and toDuration return them: Go
// prints them as the value they point to, but they are not the value
// (humanize refuses *time.Duration; eq compares the pointers).
using TimePtr = std::shared_ptr<const GoTime>;
using DurationPtr = std::shared_ptr<const GoDuration>;

// A value as a reflect.Value holds it. monostate is nil: with `boxed` a
// nil interface{} (a missing key of a map[string]interface{}, which Go
// reports as "nil pointer evaluating interface {}.x"), without it no
// value at all (what a pipeline leaves of a nil interface{}: it prints
// "<no value>", and its fields are no value too). `boxed` also marks a
// non-nil value whose static type is interface{} (an element of such a
// map, the alert data's .Value), which field errors name that way.
struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::string, Html, std::shared_ptr<const Object>,
               std::shared_ptr<const List>, GoTime, GoDuration, TimePtr, DurationPtr, GoComplex>
      v;
  bool boxed = false;

  bool is_nil() const { return std::holds_alternative<std::monostate>(v); }
  // Go's %T, as error messages name types.
  std::string type_name() const;
  // Go's truth: false, 0, "", nil and empty maps/lists are false.
  bool truthy() const;
};

Value string_map(const Labels& labels);

// Byte offsets into the template text; errors turn them into line:col.
using Pos = uint32_t;

struct Pipe;

struct Operand {
  enum class Kind : uint8_t { kDot, kNil, kBool, kNumber, kString, kVariable, kField, kFunction, kPipe };
  Kind kind = Kind::kDot;
  Pos pos = 0;                      // a chain's is its first field's, as Go places it
  Pos term_pos = 0;                 // where the term before a chain's fields is (fn.X: fn)
  std::string text;                 // Go's String() of the node, as error contexts quote it
  std::string name;                 // variable ($x) or function name
  std::vector<std::string> fields;  // .a.b after a variable, a field, a function or (pipe)
  Value constant;                   // kBool, kString
  Number number;                    // kNumber (character constants included)
  std::shared_ptr<Pipe> pipe;  // kPipe
};

struct Command {
  Pos pos = 0;
  std::vector<Operand> args;
};

struct Pipe {
  Pos pos = 0;
  std::vector<std::string> decl;  // variables declared or assigned
  bool is_assign = false;         // $x = ... rather than $x := ...
  std::vector<Command> commands;
};

struct Node;
using NodeList = std::vector<Node>;

struct Node {
  enum class Kind : uint8_t { kText, kAction, kIf, kRange, kWith, kBreak, kContinue, kTemplate };
  Kind kind = Kind::kText;
  Pos pos = 0;
  std::string text;                 // kText; kTemplate: the template's name
  std::shared_ptr<Pipe> pipe;       // kAction, kIf, kRange, kWith; kTemplate: its dot (may be null)
  std::shared_ptr<NodeList> list;   // body
  std::shared_ptr<NodeList> else_list;  // may be null
};

// Templates named by {{define}} and {{block}}, and the template itself.
using Defines = std::map<std::string, std::shared_ptr<const NodeList>, std::less<>>;

// Go's parse.Parse as text/template's Parse runs it: the templates the text
// defines, and the text's own under `name` (unless it is empty and a
// {{define}} of that name is not). Errors: kParse, "template: NAME:LINE: what".
Result<Defines> parse_templates(std::string_view name, std::string_view text);

// Go's String() of a parse tree, as Go's parse tests compare it: text
// nodes quoted (%q) when quote_text, as they are otherwise.
std::string tree_string(const NodeList& nodes, bool quote_text);
std::string pipe_string(const Pipe& pipe);

// What functions may do besides computing: run a PromQL query, read the
// external URL and the evaluation time (`now`).
struct CallContext {
  std::function<Result<Value>(std::string_view query)> query;
  std::string external_url;
  int64_t eval_time_ms = 0;
};

// A function's result, or the error Go would report ("error calling
// humanize: ..." is added by the caller). Called only with an argument
// count its Builtin accepts, each argument converted to its Param.
using Function = std::function<Result<Value>(const std::vector<Value>& args, const CallContext& ctx)>;

// The Go type of a parameter, which decides how text/template converts an
// argument before the call (its evalArg and validateType): a constant must
// be of the parameter's kind ("expected string; found 1"), a computed value
// of its type ("wrong type for value; expected string; got int"; a pointer
// is followed once), and nil is accepted where Go accepts it.
enum class Param : uint8_t {
  kAny,          // interface{} and reflect.Value: anything, as it is
  kString,       // string
  kSample,       // *template.sample (nil allowed)
  kQueryResult,  // template.queryResult (nil is empty)
  kTime,         // time.Time (*time.Time followed)
  kDuration,     // time.Duration (*time.Duration followed; integer constants)
};

// A function or method a template may call, with its Go signature's
// parameters: `params`, the last of which is the element type of the ...
// part when `variadic`. The executor checks a call's count against it
// before evaluating any argument, as Go does ("wrong number of args for
// humanize: want 1 got 0"), then converts each argument to its parameter.
struct Builtin {
  Function fn;  // empty for and, or (lazy) and call: the executor's own
  std::vector<Param> params;
  bool variadic = false;

  // Parameters before the ... part.
  size_t fixed() const { return params.size() - (variadic ? 1 : 0); }
};

// The functions a template may call: Go's builtins (and, call, or, not,
// len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html,
// js, urlquery) and Prometheus's. nullptr for an unknown name.
const Builtin* find_function(std::string_view name);

// Prometheus's functions (prometheus_funcs.cc), which find_function also
// finds.
const std::unordered_map<std::string_view, Builtin>& prometheus_functions();

// The method `name` of a time.Time or time.Duration receiver (or a pointer
// to one), called with the receiver as it is as args[0], before the
// parameters; nullptr when the receiver has no such method.
const Builtin* find_method(const Value& receiver, std::string_view name);

// Go's float64 -> int64 conversion as amd64 does it (Prometheus's release
// builds): truncation, and INT64_MIN for NaN and values out of range.
int64_t go_float_to_int64(double v);
// time.Time.String() of a UTC time: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string go_time_string(const GoTime& t);
// time.Duration.String(): "1h2m3.5s", "0s", "-1.5s", "1.5µs".
std::string go_duration_string(int64_t ns);

// fmt.Sprint's rendering of one value (%v).
std::string format_value(const Value& v);
// fmt.Sprintf.
std::string go_sprintf(std::string_view format, const std::vector<Value>& args);
// Appends the UTF-8 encoding of code point r.
void append_utf8(std::string& out, uint32_t r);

}  // namespace cogwatch::tmpl::internal
