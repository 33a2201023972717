// Executing a parsed template the way Go's text/template/exec.go does:
// pipelines, fields, variables and their scopes, control structures, and
// errors that name the place and the command ("executing \"x\" at <...>").
#include <algorithm>
#include <utility>

#include "template/internal/ast.h"
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
    std::string context = "{{template " + go_quote(n.text);
    if (n.pipe) {
      for (size_t i = 0; i < n.pipe->commands.size(); ++i) context += (i ? " | " : " ") + command_text(n.pipe->commands[i]);
    }
    context += "}}";
    auto it = defines_.find(n.text);
    if (it == defines_.end()) fail(n.pos, context, "template " + go_quote(n.text) + " not defined");
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

  void range(const Node& n, const Value& dot) {
    const size_t mark = vars_.size();
    // The pipeline is evaluated without its declarations; they are set per
    // element ($i, $e := or $e :=).
    Pipe undeclared = *n.pipe;
    undeclared.decl.clear();
    const Value v = pipeline(undeclared, dot);
    std::vector<std::pair<Value, Value>> elements;  // key/index, element
    if (const auto* list = std::get_if<std::shared_ptr<const List>>(&v.v)) {
      for (size_t i = 0; i < (*list)->items.size(); ++i) elements.emplace_back(Value{static_cast<int64_t>(i)}, (*list)->items[i]);
    } else if (const auto* obj = std::get_if<std::shared_ptr<const Object>>(&v.v);
               obj != nullptr && (*obj)->kind != Object::Kind::kStruct && (*obj)->kind != Object::Kind::kSample) {
      for (const auto& [k, e] : (*obj)->fields) elements.emplace_back(Value{k}, e);  // sorted keys, as Go
    } else if (!v.is_nil()) {
      fail(n.pos, "range", "range can't iterate over " + format_value(v));
    }
    if (elements.empty()) {
      if (n.else_list) walk(*n.else_list, dot);
      vars_.resize(mark);
      return;
    }
    for (const auto& [key, element] : elements) {
      const size_t inner = vars_.size();
      if (n.pipe->decl.size() == 1) set_variable(n.pipe->decl[0], element, n.pipe->is_assign);
      if (n.pipe->decl.size() == 2) {
        set_variable(n.pipe->decl[0], key, n.pipe->is_assign);
        set_variable(n.pipe->decl[1], element, n.pipe->is_assign);
      }
      try {
        walk(*n.list, element);
      } catch (const BreakSignal&) {
        vars_.resize(inner);
        break;
      } catch (const ContinueSignal&) {
      }
      vars_.resize(inner);
    }
    vars_.resize(mark);
  }

  void set_variable(const std::string& name, const Value& v, bool assign) {
    if (assign) {
      for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
        if (it->first == name) {
          it->second = v;
          return;
        }
      }
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

  Value command(const Command& c, const Value& dot, const Value* final) {
    const Operand& first = c.args.front();
    if (first.kind == Operand::Kind::kFunction) return call(c, dot, final);
    if (c.args.size() > 1 || final != nullptr) {
      if (first.kind == Operand::Kind::kField && c.args.size() > 1) {
        fail(first.pos, first.text, first.fields.back() + " is not a method but has arguments");
      }
      fail(first.pos, first.text, "can't give argument to non-function " + first.text);
    }
    if (first.kind == Operand::Kind::kNil) fail(first.pos, first.text, "nil is not a command");
    return operand(first, dot);
  }

  Value operand(const Operand& o, const Value& dot) {
    Value base;
    switch (o.kind) {
      case Operand::Kind::kDot:
      case Operand::Kind::kField: base = dot; break;
      case Operand::Kind::kVariable: base = variable(o); break;
      case Operand::Kind::kPipe: {
        const size_t mark = vars_.size();
        base = pipeline(*o.pipe, dot);
        vars_.resize(mark);
        break;
      }
      case Operand::Kind::kFunction: {
        Command c{o.pos, {o}};
        c.args[0].fields.clear();
        base = call(c, dot, nullptr);
        break;
      }
      case Operand::Kind::kNil: return Value{};
      default: return o.constant;
    }
    for (const std::string& field : o.fields) base = field_of(base, field, o);
    return base;
  }

  Value field_of(const Value& v, const std::string& field, const Operand& o) {
    const auto* obj = std::get_if<std::shared_ptr<const Object>>(&v.v);
    if (obj == nullptr) {
      if (v.is_nil()) fail(o.pos, o.text, "nil pointer evaluating interface {}." + field);
      fail(o.pos, o.text, "can't evaluate field " + field + " in type " + v.type_name());
    }
    const Object& object = **obj;
    if (auto it = object.fields.find(field); it != object.fields.end()) return it->second;
    switch (object.kind) {
      case Object::Kind::kStringMap: return Value{std::string()};
      case Object::Kind::kInterfaceMap: return Value{};
      default: fail(o.pos, o.text, "can't evaluate field " + field + " in type " + object.type_name);
    }
  }

  Value call(const Command& c, const Value& dot, const Value* final) {
    const Operand& fn = c.args.front();
    const Builtin& builtin = *find_function(fn.name);  // the parser accepted only known names
    // Go checks the count against the signature before evaluating any
    // argument, and reports it at the function's name. The pipeline's value
    // counts as an argument; "want at least" reports the explicit ones.
    const size_t explicit_args = c.args.size() - 1;
    const size_t n = explicit_args + (final != nullptr ? 1 : 0);
    if (builtin.variadic && n < builtin.fixed) {
      fail(fn.pos, fn.text,
           "wrong number of args for " + fn.name + ": want at least " + std::to_string(builtin.fixed) + " got " +
               std::to_string(explicit_args));
    }
    if (!builtin.variadic && n != builtin.fixed) {
      fail(fn.pos, fn.text,
           "wrong number of args for " + fn.name + ": want " + std::to_string(builtin.fixed) + " got " +
               std::to_string(n));
    }
    // and / or evaluate their arguments lazily and return one of them.
    if (!builtin.fn) {
      Value v;
      for (size_t i = 1; i <= n; ++i) {
        v = i < c.args.size() ? operand(c.args[i], dot) : *final;
        if (v.truthy() != (fn.name == "and")) break;
      }
      return v;
    }
    std::vector<Value> args;
    for (size_t i = 1; i < c.args.size(); ++i) args.push_back(operand(c.args[i], dot));
    if (final != nullptr) args.push_back(*final);
    auto r = builtin.fn(args, ctx_);
    // Go reports an argument of the wrong type ("wrong type for value ...",
    // worded by wrong_type in funcs.cc) as it is, and wraps what the
    // function itself returned.
    if (!r) fail(c.pos, command_text(c), r.error().message.starts_with("wrong ")
                                             ? r.error().message
                                             : "error calling " + fn.name + ": " + r.error().message);
    return *std::move(r);
  }

  static constexpr int kMaxTemplateDepth = 1000;

  const CallContext& ctx_;
  const Defines& defines_;
  int depth_ = 0;
  std::string_view name_;
  std::string_view text_;
  std::string out_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace

Value string_map(const Labels& labels) {
  auto o = std::make_shared<Object>();
  o->kind = Object::Kind::kStringMap;
  o->type_name = "map[string]string";
  for (const Label l : labels) o->fields.emplace(std::string(l.name), Value{std::string(l.value)});
  return Value{std::shared_ptr<const Object>(std::move(o))};
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
  dot->fields["Value"] = internal::Value{data.value};

  internal::CallContext ctx;
  ctx.external_url = context.external_url;
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
        sample->fields["Value"] = internal::Value{s.value};
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

std::string expand_alert_template(std::string_view name, std::string_view text, const TemplateData& data,
                                  const TemplateContext& context) {
  const std::string full = std::string(kAlertDefs) + std::string(text);
  auto t = Template::parse(name, full);
  if (!t) return "<error expanding template: error parsing template " + std::string(name) + ": " + t.error().message + ">";
  auto out = t->execute(data, context);
  if (!out) {
    return "<error expanding template: error executing template " + std::string(name) + ": " + out.error().message + ">";
  }
  return *std::move(out);
}

std::optional<std::string> check_alert_template(std::string_view name, std::string_view text) {
  auto t = Template::parse(name, std::string(kAlertDefs) + std::string(text));
  if (!t) return t.error().message;
  return std::nullopt;
}

}  // namespace cogwatch::tmpl
