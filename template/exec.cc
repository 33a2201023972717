// Executing a parsed template the way Go's text/template/exec.go does:
// pipelines, fields, variables and their scopes, control structures, and
// errors that name the place and the command ("executing \"x\" at <...>").
#include <algorithm>
#include <span>
#include <utility>

#include "template/internal/ast.h"
#include "template/internal/unicode.h"
#include "template/template.h"

namespace cogwatch::tmpl {
namespace internal {
namespace {

// Thrown while executing; becomes the template's error.
struct ExecError {
  Pos pos;
  std::string context;
  std::string message;
};

// break and continue unwind to their range.
struct BreakSignal {};
struct ContinueSignal {};

class Executor {
 public:
  Executor(const CallContext& ctx, const Defines& defines, std::string_view name, std::string_view text)
      : ctx_(ctx), defines_(defines), name_(name), text_(text) {}

  std::string run(const NodeList& nodes, const Value& dot) {
    vars_.emplace_back("$", dot);
    walk(nodes, dot);
    return std::move(out_);
  }

  Error error(const ExecError& e) const {
    const std::string_view before = text_.substr(0, e.pos);
    const size_t newline = before.rfind('\n');
    const uint32_t line = 1 + static_cast<uint32_t>(std::count(before.begin(), before.end(), '\n'));
    const size_t col = newline == std::string_view::npos ? e.pos : e.pos - newline - 1;
    return make_error(ErrorCode::kInvalidArgument, "template: " + std::string(name_) + ":" + std::to_string(line) + ":" +
                                                       std::to_string(col) + ": executing \"" + std::string(name_) +
                                                       "\" at <" + e.context + ">: " + e.message);
  }

 private:
  [[noreturn]] void fail(Pos pos, std::string context, std::string message) {
    throw ExecError{pos, std::move(context), std::move(message)};
  }

  void walk(const NodeList& nodes, const Value& dot) {
    for (const Node& n : nodes) walk(n, dot);
  }

  void walk(const Node& n, const Value& dot) {
    switch (n.kind) {
      case Node::Kind::kText: out_ += n.text; return;
      case Node::Kind::kAction: {
        const Value v = pipeline(*n.pipe, dot);
        if (n.pipe->decl.empty()) out_ += format_value(v);
        return;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        const size_t mark = vars_.size();
        const Value v = pipeline(*n.pipe, dot);
        if (v.truthy()) {
          walk(*n.list, n.kind == Node::Kind::kWith ? v : dot);
        } else if (n.else_list) {
          walk(*n.else_list, dot);
        }
        vars_.resize(mark);
        return;
      }
      case Node::Kind::kRange: range(n, dot); return;
      case Node::Kind::kBreak: throw BreakSignal{};
      case Node::Kind::kContinue: throw ContinueSignal{};
      case Node::Kind::kTemplate: call_template(n, dot); return;
    }
  }

  // {{template "name" pipeline}}: the named template with the pipeline's
  // value as dot and a variable scope of its own ($ only), as Go runs it.
  void call_template(const Node& n, const Value& dot) {
    std::string context = "{{template " + quote(n.text);
    if (n.pipe) {
      for (size_t i = 0; i < n.pipe->commands.size(); ++i) context += (i ? " | " : " ") + command_text(n.pipe->commands[i]);
    }
    context += "}}";
    auto it = defines_.find(n.text);
    if (it == defines_.end()) fail(n.pos, context, "template " + quote(n.text) + " not defined");
    // Go stops at 100000 nested calls; the C++ stack allows fewer.
    if (depth_ >= kMaxTemplateDepth) {
      fail(n.pos, context, "exceeded maximum template depth (" + std::to_string(kMaxTemplateDepth) + ")");
    }
    Value inner;
    if (n.pipe) {
      const size_t mark = vars_.size();
      inner = pipeline(*n.pipe, dot);
      vars_.resize(mark);
    }
    std::vector<std::pair<std::string, Value>> outer = std::exchange(vars_, {{"$", inner}});
    ++depth_;
    try {
      walk(*it->second, inner);
    } catch (...) {
      --depth_;
      vars_ = std::move(outer);
      throw;
    }
    --depth_;
    vars_ = std::move(outer);
  }

  // Go's walkRange: the pipeline's variables are declared (or assigned)
  // with its value, which the else branch sees, then set for each element
  // (one variable: the element; two: the index or key, then the element).
  void range(const Node& n, const Value& dot) {
    const size_t outer = vars_.size();
    Value v = pipeline(*n.pipe, dot);
    if (const auto* d = std::get_if<DurationPtr>(&v.v)) v = Value{**d};  // indirect
    const size_t mark = vars_.size();
    const Pipe& pipe = *n.pipe;
    // One element: false after {{break}}.
    auto iteration = [&](const Value& key, const Value& element) {
      if (!pipe.decl.empty()) {
        const bool two = pipe.decl.size() > 1;
        set_range_variable(pipe, two ? 1 : 0, element, mark);
        if (two) set_range_variable(pipe, 0, key, mark);
      }
      bool more = true;
      try {
        walk(*n.list, element);
      } catch (const BreakSignal&) {
        more = false;
      } catch (const ContinueSignal&) {
      }
      vars_.resize(mark);
      return more;
    };
    bool ran = false;
    if (const auto* list = std::get_if<std::shared_ptr<const List>>(&v.v)) {
      const std::shared_ptr<const List> items = *list;  // v's variable may be reassigned
      for (size_t i = 0; i < items->items.size(); ++i) {
        ran = true;
        if (!iteration(Value{static_cast<int64_t>(i)}, items->items[i])) break;
      }
    } else if (const auto* obj = std::get_if<std::shared_ptr<const Object>>(&v.v);
               obj != nullptr && (*obj)->kind != Object::Kind::kStruct && (*obj)->kind != Object::Kind::kSample) {
      const std::shared_ptr<const Object> map = *obj;
      for (const auto& [k, e] : map->fields) {  // sorted keys, as Go
        ran = true;
        if (!iteration(Value{k}, e)) break;
      }
    } else if (std::holds_alternative<int64_t>(v.v) || std::holds_alternative<GoDuration>(v.v)) {
      // Go 1.22's range over an integer: 0 .. n-1, of its type.
      if (pipe.decl.size() > 1) fail_here("can't use " + format_value(v) + " to iterate over more than one variable");
      const bool is_int = std::holds_alternative<int64_t>(v.v);
      const int64_t count = is_int ? std::get<int64_t>(v.v) : std::get<GoDuration>(v.v).ns;
      for (int64_t i = 0; i < count; ++i) {
        // Go would run them all; an alert template that loops for hours
        // would stall its rule group, so this stops it.
        if (++integer_iterations_ > kMaxIntegerIterations) {
          fail_here("range over integers: more than " + std::to_string(kMaxIntegerIterations) + " iterations");
        }
        ran = true;
        if (!iteration(Value{}, is_int ? Value{i} : Value{GoDuration{i}})) break;
      }
    } else if (!v.is_nil()) {
      fail_here("range can't iterate over " + format_value(v));
    }
    if (!ran && n.else_list) walk(*n.else_list, dot);
    vars_.resize(outer);
  }

  // Sets the range's i-th declared variable: the one its pipeline pushed
  // (below mark), or for "=" the variable it names.
  void set_range_variable(const Pipe& pipe, size_t i, const Value& v, size_t mark) {
    if (pipe.is_assign) {
      set_variable(pipe.decl[i], v, true);
    } else {
      vars_[mark - pipe.decl.size() + i].second = v;
    }
  }

  // $x := v pushes $x; $x = v sets the innermost $x, which the parser
  // does not check exists (Go's setVar reports it).
  void set_variable(const std::string& name, const Value& v, bool assign) {
    if (assign) {
      for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
        if (it->first == name) {
          it->second = v;
          return;
        }
      }
      fail_here("undefined variable: " + name);
    }
    vars_.emplace_back(name, v);
  }

  Value variable(const Operand& o) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == o.name) return it->second;
    }
    fail(o.pos, o.text, "undefined variable: " + o.name);
  }

  Value pipeline(const Pipe& pipe, const Value& dot) {
    Value v;
    bool have = false;
    for (const Command& c : pipe.commands) {
      v = command(c, dot, have ? &v : nullptr);
      have = true;
      // Go digs an interface{} down to the value inside; of a nil one
      // nothing is left: no value.
      v.boxed = false;
    }
    for (const std::string& name : pipe.decl) set_variable(name, v, pipe.is_assign);
    return v;
  }

  static std::string command_text(const Command& c) {
    std::string s;
    for (const Operand& o : c.args) {
      if (!s.empty()) s += ' ';
      s += o.text;
    }
    return s;
  }

  // Go's s.at(node): the node errors are reported at is the last one
  // text/template started evaluating, which may be inside an argument.
  void at(Pos pos, const std::string& text) {
    at_pos_ = pos;
    at_text_ = text;
  }
  void at(const Operand& o) { at(o.pos, o.text); }
  [[noreturn]] void fail_here(std::string message) { fail(at_pos_, at_text_, std::move(message)); }

  Value command(const Command& c, const Value& dot, const Value* final) {
    const Operand& first = c.args.front();
    const std::span<const Operand> args(c.args.begin() + 1, c.args.end());
    if (first.kind == Operand::Kind::kFunction && first.fields.empty()) return call_function(c, dot, final);
    if (!first.fields.empty()) {
      // .X.Y, $x.Y, (pipe).Y: the last field takes the arguments (a method).
      Value receiver = chain_base(first, dot);
      for (size_t i = 0; i + 1 < first.fields.size(); ++i) {
        receiver = field(receiver, first.fields[i], first, {}, nullptr, dot);
      }
      return field(receiver, first.fields.back(), first, args, final, dot);
    }
    at(first);
    if (!args.empty() || final != nullptr) fail_here("can't give argument to non-function " + first.text);
    if (first.kind == Operand::Kind::kNil) fail_here("nil is not a command");
    return operand(first, dot);
  }

  // The value a field chain starts from: a variable, a parenthesized
  // pipeline, a function called without arguments (fn.X), or dot (.X).
  Value chain_base(const Operand& o, const Value& dot) {
    at(o);
    switch (o.kind) {
      case Operand::Kind::kVariable:
        return variable(o);
      case Operand::Kind::kPipe:
        return parenthesized(o, dot);
      case Operand::Kind::kFunction: {
        Operand fn = o;
        fn.fields.clear();
        fn.text = fn.name;
        fn.pos = o.term_pos;
        return call_function(Command{fn.pos, {fn}}, dot, nullptr);
      }
      default:
        return dot;
    }
  }

  // A parenthesized pipeline: its variables end with it.
  Value parenthesized(const Operand& o, const Value& dot) {
    const size_t mark = vars_.size();
    Value v = pipeline(*o.pipe, dot);
    vars_.resize(mark);
    return v;
  }

  // An operand's value, before any conversion to a parameter's type.
  Value operand(const Operand& o, const Value& dot) {
    if (o.kind == Operand::Kind::kFunction && o.fields.empty()) return call_function(Command{o.pos, {o}}, dot, nullptr);
    if (!o.fields.empty()) {
      Value receiver = chain_base(o, dot);
      for (const std::string& name : o.fields) receiver = field(receiver, name, o, {}, nullptr, dot);
      return receiver;
    }
    at(o);
    switch (o.kind) {
      case Operand::Kind::kDot:
        return dot;
      case Operand::Kind::kVariable:
        return variable(o);
      case Operand::Kind::kPipe:
        return parenthesized(o, dot);
      case Operand::Kind::kNil: return Value{};
      case Operand::Kind::kNumber:
        return ideal_constant(o);
      default: return o.constant;
    }
  }

  // Go's idealConstant: a number where no type is asked for takes the
  // type its syntax says: complex128, float64 (written with . e or p, not
  // hex or a character), else int.
  Value ideal_constant(const Operand& o) {
    at(o);
    const Number& n = o.number;
    const bool hex_int = o.text.size() > 2 && o.text[0] == '0' && (o.text[1] == 'x' || o.text[1] == 'X') &&
                         o.text.find_first_of("pP") == std::string::npos;
    if (n.is_complex) return Value{GoComplex{n.real, n.imag}};
    if (n.is_float && !hex_int && o.text[0] != '\'' && o.text.find_first_of(".eEpP") != std::string::npos) {
      return Value{n.float_value};
    }
    if (n.is_int) return Value{n.int_value};
    fail_here(o.text + " overflows int");
  }

  // Go's evalField: a method of the receiver (given the arguments), a map
  // key or a struct field; `node` is the operand the chain belongs to.
  Value field(const Value& receiver, const std::string& name, const Operand& node, std::span<const Operand> args,
              const Value* final, const Value& dot) {
    // No value has no fields: missingkey=zero makes that no value too.
    if (receiver.is_nil() && !receiver.boxed) return Value{};
    if (const Builtin* method = find_method(receiver, name)) {
      return invoke(*method, name, args, final, dot, &receiver, node.pos, node.text);
    }
    const bool has_args = !args.empty() || final != nullptr;
    // The receiver's static type: interface {} for what an interface{} holds.
    const std::string type = receiver.boxed ? "interface {}" : receiver.type_name();
    const auto* obj = std::get_if<std::shared_ptr<const Object>>(&receiver.v);
    if (obj == nullptr) {
      if (receiver.is_nil()) fail_here("nil pointer evaluating " + type + "." + name);
      fail_here("can't evaluate field " + name + " in type " + type);
    }
    const Object& object = **obj;
    const auto it = object.fields.find(name);
    if (object.kind == Object::Kind::kStringMap || object.kind == Object::Kind::kInterfaceMap) {
      if (has_args) fail_here(name + " is not a method but has arguments");
      if (it != object.fields.end()) return it->second;
      // The element type's zero value: "" or a nil interface{}.
      return object.kind == Object::Kind::kStringMap ? Value{std::string()} : Value{{}, true};
    }
    if (it == object.fields.end()) fail_here("can't evaluate field " + name + " in type " + type);
    if (has_args) fail_here(name + " has arguments but cannot be invoked as function");
    return it->second;
  }

  Value call_function(const Command& c, const Value& dot, const Value* final) {
    const Operand& fn = c.args.front();
    at(fn);
    const Builtin& builtin = *find_function(fn.name);  // the parser accepted only known names
    return invoke(builtin, fn.name, std::span<const Operand>(c.args.begin() + 1, c.args.end()), final, dot, nullptr,
                  c.pos, command_text(c));
  }

  static std::string param_type(Param p) {
    switch (p) {
      case Param::kAny:
        return "interface {}";
      case Param::kString:
        return "string";
      case Param::kSample:
        return "*template.sample";
      case Param::kQueryResult:
        return "template.queryResult";
      case Param::kTime:
        return "time.Time";
      case Param::kDuration:
        return "time.Duration";
    }
    return "";
  }

  // Types an untyped nil converts to (interfaces, pointers, slices).
  static bool can_be_nil(Param p) { return p == Param::kAny || p == Param::kSample || p == Param::kQueryResult; }

  // Go's validateType: a computed value must be of the parameter's type;
  // a pointer to it is followed.
  Value validate(const Value& given, Param p) {
    Value v = given;
    v.boxed = false;  // what an interface{} holds is what is passed
    if (v.is_nil()) {
      // A nil interface{} is a value of type interface {}; no value is not.
      if (given.boxed && p != Param::kAny)
        fail_here("wrong type for value; expected " + param_type(p) + "; got interface {}");
      if (can_be_nil(p)) return Value{};
      fail_here("invalid value; expected " + param_type(p));
    }
    switch (p) {
      case Param::kAny:
        return v;
      case Param::kString:
        if (std::holds_alternative<std::string>(v.v)) return v;
        break;
      case Param::kSample:
        if (const auto* o = std::get_if<std::shared_ptr<const Object>>(&v.v);
            o && (*o)->kind == Object::Kind::kSample) {
          return v;
        }
        break;
      case Param::kQueryResult:
        if (std::holds_alternative<std::shared_ptr<const List>>(v.v)) return v;
        break;
      case Param::kTime:
        if (std::holds_alternative<GoTime>(v.v)) return v;
        if (const auto* t = std::get_if<TimePtr>(&v.v)) return Value{**t};
        break;
      case Param::kDuration:
        if (std::holds_alternative<GoDuration>(v.v)) return v;
        if (const auto* d = std::get_if<DurationPtr>(&v.v)) return Value{**d};
        break;
    }
    fail_here("wrong type for value; expected " + param_type(p) + "; got " + v.type_name());
  }

  // Go's evalArg: constants take the parameter's kind, computed values are
  // validated.
  Value argument(const Operand& o, Param p, const Value& dot) {
    at(o);
    switch (o.kind) {
      case Operand::Kind::kNil:
        if (can_be_nil(p)) return Value{};
        fail_here("cannot assign nil to " + param_type(p));
      case Operand::Kind::kBool:
      case Operand::Kind::kNumber:
      case Operand::Kind::kString:
        break;
      default:
        return validate(operand(o, dot), p);
    }
    switch (p) {
      case Param::kAny:
        return o.kind == Operand::Kind::kNumber ? ideal_constant(o) : o.constant;
      case Param::kString:
        if (o.kind == Operand::Kind::kString) return o.constant;
        fail_here("expected string; found " + o.text);
      case Param::kDuration: {
        // An integer constant (Go's parser makes an integral float such
        // as 1e9 one too).
        if (o.kind == Operand::Kind::kNumber && o.number.is_int) return Value{GoDuration{o.number.int_value}};
        fail_here("expected integer; found " + o.text);
      }
      default:
        fail_here("can't handle " + o.text + " for arg of type " + param_type(p));
    }
  }

  // Go's evalCall: the count against the signature (before any argument is
  // evaluated, reported at the function's name), each argument converted
  // to its parameter, the pipeline's value last; a failure of the call is
  // reported at `node` ("error calling humanize: ...").
  Value invoke(const Builtin& builtin, const std::string& name, std::span<const Operand> args, const Value* final,
               const Value& dot, const Value* receiver, Pos node_pos, const std::string& node_text) {
    const size_t n = args.size() + (final != nullptr ? 1 : 0);
    const size_t fixed = builtin.fixed();
    if (builtin.variadic && n < fixed) {
      fail_here("wrong number of args for " + name + ": want at least " + std::to_string(fixed) + " got " +
                std::to_string(args.size()));
    }
    if (!builtin.variadic && n != fixed) {
      fail_here("wrong number of args for " + name + ": want " + std::to_string(fixed) + " got " + std::to_string(n));
    }
    auto param = [&](size_t i) { return i < fixed ? builtin.params[i] : builtin.params.back(); };
    // and / or evaluate their arguments lazily and return one of them.
    if (!builtin.fn && name != "call") {
      Value v;
      for (const Operand& o : args) {
        v = argument(o, Param::kAny, dot);
        if (v.truthy() == (name == "or")) return v;
      }
      return final != nullptr ? *final : v;
    }
    std::vector<Value> argv;
    if (receiver != nullptr) argv.push_back(*receiver);
    for (size_t i = 0; i < args.size(); ++i) argv.push_back(argument(args[i], param(i), dot));
    if (final != nullptr) argv.push_back(validate(*final, param(n - 1)));
    if (!builtin.fn) {
      // call: templates here hold no function values.
      const Value& callee = argv.front();
      std::string callee_name;
      if (!args.empty()) {
        callee_name = args.front().text;
      } else {  // reflect.Value.String() of the piped value
        const auto* s = std::get_if<std::string>(&callee.v);
        callee_name = s != nullptr ? *s : "<" + callee.type_name() + " Value>";
      }
      fail(node_pos, node_text,
           "error calling call: " + (callee.is_nil()
                                         ? std::string("call of nil")
                                         : "non-function " + callee_name + " of type " + callee.type_name()));
    }
    auto r = builtin.fn(argv, ctx_);
    if (!r) fail(node_pos, node_text, "error calling " + name + ": " + r.error().message);
    return *std::move(r);
  }

  static constexpr int kMaxTemplateDepth = 1000;
  // Iterations of ranges over integers in one execution.
  static constexpr int64_t kMaxIntegerIterations = 1'000'000;
  int64_t integer_iterations_ = 0;

  const CallContext& ctx_;
  const Defines& defines_;
  int depth_ = 0;
  std::string_view name_;
  std::string_view text_;
  std::string out_;
  std::vector<std::pair<std::string, Value>> vars_;
  Pos at_pos_ = 0;
  std::string at_text_;
};

}  // namespace

Value string_map(const Labels& labels) {
  auto o = std::make_shared<Object>();
  o->kind = Object::Kind::kStringMap;
  o->type_name = "map[string]string";
  for (const Label l : labels) o->fields.emplace(std::string(l.name), Value{std::string(l.value)});
  return Value{std::shared_ptr<const Object>(std::move(o))};
}

// A native histogram as Prometheus hands it to templates: a
// *histogram.FloatHistogram, its exported fields readable.
Value histogram_value(const FloatHistogram& h) {
  auto o = std::make_shared<Object>();
  o->kind = Object::Kind::kStruct;
  o->type_name = "*histogram.FloatHistogram";
  o->fields["Count"] = Value{h.count};
  o->fields["Sum"] = Value{h.sum};
  o->fields["ZeroCount"] = Value{h.zero_count};
  o->fields["ZeroThreshold"] = Value{h.zero_threshold};
  o->fields["Schema"] = Value{static_cast<int64_t>(h.schema)};
  o->stringer = h.to_string();
  return Value{std::shared_ptr<const Object>(std::move(o)), true};
}

}  // namespace internal

Result<std::string> Template::execute(const TemplateData& data, const TemplateContext& context) const {
  auto dot = std::make_shared<internal::Object>();
  dot->kind = internal::Object::Kind::kStruct;
  dot->type_name =
      "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }";
  dot->fields["Labels"] = internal::string_map(data.labels);
  dot->fields["ExternalLabels"] = internal::string_map(data.external_labels);
  dot->fields["ExternalURL"] = internal::Value{data.external_url};
  // Value interface{}
  dot->fields["Value"] = data.histogram ? internal::histogram_value(*data.histogram) : internal::Value{data.value, true};

  internal::CallContext ctx;
  ctx.external_url = context.external_url;
  ctx.eval_time_ms = context.eval_time;
  if (context.query) {
    ctx.query = [&context](std::string_view q) -> Result<internal::Value> {
      auto samples = context.query(q);
      if (!samples) return samples.take_error();
      auto list = std::make_shared<internal::List>();
      for (const TemplateQuerySample& s : *samples) {
        auto sample = std::make_shared<internal::Object>();
        sample->kind = internal::Object::Kind::kSample;
        sample->type_name = "*template.sample";
        sample->fields["Labels"] = internal::string_map(s.labels);
        // Value interface{}
        sample->fields["Value"] = s.histogram ? internal::histogram_value(*s.histogram) : internal::Value{s.value, true};
        list->items.push_back(internal::Value{std::shared_ptr<const internal::Object>(std::move(sample))});
      }
      return internal::Value{std::shared_ptr<const internal::List>(std::move(list))};
    };
  }
  internal::Executor ex(ctx, *defines_, name_, text_);
  try {
    return ex.run(*root_, internal::Value{std::shared_ptr<const internal::Object>(std::move(dot))});
  } catch (const internal::ExecError& e) {
    return ex.error(e);
  }
}

namespace {
// Prometheus's convenience variables, prepended on the template's first
// line so that line numbers stay the user's.
constexpr std::string_view kAlertDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";
}  // namespace

AlertTemplate::AlertTemplate(std::string_view name, std::string_view text) : name_(name) {
  auto t = Template::parse(name, std::string(kAlertDefs) + std::string(text));
  if (t) {
    parsed_ = *std::move(t);
  } else {
    parse_error_ = "<error expanding template: error parsing template " + name_ + ": " + t.error().message + ">";
  }
}

std::string AlertTemplate::expand(const TemplateData& data, const TemplateContext& context) const {
  if (!parsed_) return parse_error_;
  auto out = parsed_->execute(data, context);
  if (!out) return "<error expanding template: error executing template " + name_ + ": " + out.error().message + ">";
  return *std::move(out);
}

std::string expand_alert_template(std::string_view name, std::string_view text, const TemplateData& data,
                                  const TemplateContext& context) {
  return AlertTemplate(name, text).expand(data, context);
}

std::optional<std::string> check_alert_template(std::string_view name, std::string_view text) {
  auto t = Template::parse(name, std::string(kAlertDefs) + std::string(text));
  if (!t) return t.error().message;
  return std::nullopt;
}

}  // namespace cogwatch::tmpl
