// The inside of the template engine (rules/template.h): values as Go's
// reflection sees them, the parse tree, and the function table. Shared by
// template_parse.cc, template_exec.cc and template_funcs.cc only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/error.h"
#include "model/labels.h"

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
};

struct Html {  // html/template.HTML, from safeHtml: prints as its text
  std::string text;
};

struct List {  // Prometheus's queryResult: []*sample
  std::vector<Value> items;
};

struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::string, Html, std::shared_ptr<const Object>,
               std::shared_ptr<const List>>
      v;

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
  Pos pos = 0;
  std::string text;        // source text, for messages
  std::string name;        // variable ($x), function or first field name
  std::vector<std::string> fields;  // .a.b after a variable, dot or (pipe)
  Value constant;          // kBool, kNumber, kString
  bool number_is_int = false;
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

// Templates named by {{define}} and {{block}}.
using Defines = std::map<std::string, std::shared_ptr<const NodeList>, std::less<>>;

// What functions may do besides computing: run a PromQL query.
struct CallContext {
  std::function<Result<Value>(std::string_view query)> query;
  std::string external_url;
};

// A function's result, or the error Go would report ("error calling
// humanize: ..." is added by the caller). Called only with an argument
// count its Builtin accepts.
using Function = std::function<Result<Value>(const std::vector<Value>& args, const CallContext& ctx)>;

// A function a template may call, with the arity of its Go signature:
// `fixed` parameters, and any number after them when `variadic`. The
// executor checks a call's count against it before evaluating any argument,
// as Go does ("wrong number of args for humanize: want 1 got 0").
struct Builtin {
  Function fn;  // empty for and/or, which the executor evaluates itself (lazily)
  size_t fixed = 0;
  bool variadic = false;
};

// The functions a template may call: Go's builtins (and, or, not, len,
// index, print, printf, println, eq, ne, lt, le, gt, ge, html, js,
// urlquery) and Prometheus's. nullptr for an unknown name.
const Builtin* find_function(std::string_view name);

// fmt.Sprint's rendering of one value (%v).
std::string format_value(const Value& v);
// fmt.Sprintf.
std::string go_sprintf(std::string_view format, const std::vector<Value>& args);
// Appends the UTF-8 encoding of code point r.
void append_utf8(std::string& out, uint32_t r);

}  // namespace cogwatch::tmpl::internal
