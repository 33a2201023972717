// Go's builtin template functions (text/template's funcs.go), with the
// argument checks and error texts Go's reflection gives, and the lookup of
// every function a template may call.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <unordered_map>

#include "model/url.h"
#include "template/internal/ast.h"

namespace cogwatch::tmpl::internal {

namespace {

std::string sprint(const std::vector<Value>& args, bool ln) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool is_string = std::holds_alternative<std::string>(args[i].v);
    const bool prev_string = i > 0 && std::holds_alternative<std::string>(args[i - 1].v);
    if (i > 0 && (ln || (!is_string && !prev_string))) out += ' ';
    out += args[i].is_nil() ? "<nil>" : format_value(args[i]);
  }
  if (ln) out += '\n';
  return out;
}

// Go's basicKind for comparisons.
enum class Kind : uint8_t { kBool, kInt, kFloat, kComplex, kString, kInvalid };
Kind kind_of(const Value& v) {
  if (std::holds_alternative<bool>(v.v)) return Kind::kBool;
  if (std::holds_alternative<int64_t>(v.v) || std::holds_alternative<GoDuration>(v.v)) return Kind::kInt;
  if (std::holds_alternative<double>(v.v)) return Kind::kFloat;
  if (std::holds_alternative<GoComplex>(v.v)) return Kind::kComplex;
  if (std::holds_alternative<std::string>(v.v) || std::holds_alternative<Html>(v.v)) return Kind::kString;
  return Kind::kInvalid;
}
int64_t int_of(const Value& v) {
  if (const auto* d = std::get_if<GoDuration>(&v.v)) return d->ns;
  return std::get<int64_t>(v.v);
}
std::string_view string_of(const Value& v) {
  if (const auto* h = std::get_if<Html>(&v.v)) return h->text;
  return std::get<std::string>(v.v);
}

// -1, 0, 1; errors as Go's lt/eq.
Result<int> compare(const Value& a, const Value& b, bool ordered) {
  const Kind ka = kind_of(a), kb = kind_of(b);
  if (ka == Kind::kInvalid || kb == Kind::kInvalid || (ordered && (ka == Kind::kBool || ka == Kind::kComplex))) {
    return make_error(ErrorCode::kInvalidArgument, "invalid type for comparison");
  }
  if (ka != kb) return make_error(ErrorCode::kInvalidArgument, "incompatible types for comparison");
  switch (ka) {
    case Kind::kBool: return std::get<bool>(a.v) == std::get<bool>(b.v) ? 0 : 1;
    case Kind::kInt: {
      const int64_t x = int_of(a), y = int_of(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case Kind::kFloat: {
      const double x = std::get<double>(a.v), y = std::get<double>(b.v);
      return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;  // NaN: unordered
    }
    case Kind::kComplex: {
      const GoComplex& x = std::get<GoComplex>(a.v);
      const GoComplex& y = std::get<GoComplex>(b.v);
      return x.real == y.real && x.imag == y.imag ? 0 : 1;
    }
    case Kind::kString: {
      const int c = string_of(a).compare(string_of(b));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case Kind::kInvalid: break;
  }
  return 0;
}

template <typename Test>
Function comparison(Test test) {
  return [test](const std::vector<Value>& args, const CallContext&) -> Result<Value> {
    auto c = compare(args[0], args[1], true);
    if (!c) return c.take_error();
    return Value{test(*c)};
  };
}

// Go's == on two values of the same non-basic type that are comparable:
// pointers by identity, time.Time by instant (all are UTC). Nothing for
// other pairs.
std::optional<bool> equal_non_basic(const Value& a, const Value& b) {
  if (const auto* x = std::get_if<TimePtr>(&a.v); x && std::holds_alternative<TimePtr>(b.v)) {
    return *x == std::get<TimePtr>(b.v);
  }
  if (const auto* x = std::get_if<DurationPtr>(&a.v); x && std::holds_alternative<DurationPtr>(b.v)) {
    return *x == std::get<DurationPtr>(b.v);
  }
  if (const auto* x = std::get_if<GoTime>(&a.v); x && std::holds_alternative<GoTime>(b.v)) {
    const GoTime& y = std::get<GoTime>(b.v);
    return x->unix_sec == y.unix_sec && x->nsec == y.nsec;
  }
  return std::nullopt;
}

// eq(arg1, arg2...): true when arg1 equals any of the others.
Result<Value> eq(const std::vector<Value>& args, const CallContext&) {
  if (args.size() == 1) return make_error(ErrorCode::kInvalidArgument, "missing argument for comparison");
  for (size_t i = 1; i < args.size(); ++i) {
    if (auto same = equal_non_basic(args[0], args[i])) {
      if (*same) return Value{true};
      continue;
    }
    auto c = compare(args[0], args[i], false);
    if (!c) return c.take_error();
    if (*c == 0) return Value{true};
  }
  return Value{false};
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c;
    }
  }
  return out;
}

std::string js_escape(std::string_view s) {
  std::string out;
  char buf[8];
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '<': out += "\\u003C"; break;
      case '>': out += "\\u003E"; break;
      case '&': out += "\\u0026"; break;
      case '=': out += "\\u003D"; break;
      default:
        if (c < ' ') {
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

Result<Value> not_func(const std::vector<Value>& a, const CallContext&) { return Value{!a[0].truthy()}; }

Result<Value> len_func(const std::vector<Value>& a, const CallContext&) {
  if (const auto* s = std::get_if<std::string>(&a[0].v)) return Value{static_cast<int64_t>(s->size())};
  if (const auto* l = std::get_if<std::shared_ptr<const List>>(&a[0].v)) {
    return Value{static_cast<int64_t>((*l)->items.size())};
  }
  if (const auto* o = std::get_if<std::shared_ptr<const Object>>(&a[0].v);
      o && (*o)->kind != Object::Kind::kStruct && (*o)->kind != Object::Kind::kSample) {
    return Value{static_cast<int64_t>((*o)->fields.size())};
  }
  return make_error(ErrorCode::kInvalidArgument, "len of type " + a[0].type_name());
}

// Go's indexArg: an integer index in [0, cap].
Result<int64_t> index_arg(const Value& index, size_t cap) {
  if (index.is_nil()) return make_error(ErrorCode::kInvalidArgument, "cannot index slice/array with nil");
  if (kind_of(index) != Kind::kInt) {
    return make_error(ErrorCode::kInvalidArgument, "cannot index slice/array with type " + index.type_name());
  }
  const int64_t x = int_of(index);
  if (x < 0 || static_cast<uint64_t>(x) > cap) {
    return make_error(ErrorCode::kInvalidArgument, "index out of range: " + std::to_string(x));
  }
  return x;
}

Result<Value> index_func(const std::vector<Value>& a, const CallContext&) {
  Value v = a[0];
  if (v.is_nil()) return make_error(ErrorCode::kInvalidArgument, "index of untyped nil");
  for (size_t i = 1; i < a.size(); ++i) {
    // Only a nil interface{} from an earlier step can be nil here.
    if (v.is_nil()) return make_error(ErrorCode::kInvalidArgument, "index of nil pointer");
    if (const auto* s = std::get_if<std::string>(&v.v)) {  // a byte (uint8)
      auto x = index_arg(a[i], s->size());
      if (!x) return x.take_error();
      if (static_cast<size_t>(*x) == s->size()) {
        return make_error(ErrorCode::kInvalidArgument, "index out of range: " + std::to_string(*x));
      }
      v = Value{static_cast<int64_t>(static_cast<unsigned char>((*s)[static_cast<size_t>(*x)]))};
      continue;
    }
    if (const auto* o = std::get_if<std::shared_ptr<const Object>>(&v.v);
        o && ((*o)->kind == Object::Kind::kStringMap || (*o)->kind == Object::Kind::kInterfaceMap)) {
      const auto* key = std::get_if<std::string>(&a[i].v);
      if (key == nullptr) {
        return make_error(ErrorCode::kInvalidArgument, "value has type " + a[i].type_name() + "; should be string");
      }
      auto it = (*o)->fields.find(*key);
      // A missing key gives the element type's zero value: "" or a nil interface{}.
      v = it != (*o)->fields.end()                 ? it->second
          : (*o)->kind == Object::Kind::kStringMap ? Value{std::string()}
                                                   : Value{{}, true};
    } else if (const auto* l = std::get_if<std::shared_ptr<const List>>(&v.v)) {
      auto x = index_arg(a[i], (*l)->items.size());
      if (!x) return x.take_error();
      if (static_cast<size_t>(*x) == (*l)->items.size()) {
        return make_error(ErrorCode::kInvalidArgument, "index out of range: " + std::to_string(*x));
      }
      v = (*l)->items[static_cast<size_t>(*x)];
    } else {
      return make_error(ErrorCode::kInvalidArgument, "can't index item of type " + v.type_name());
    }
  }
  return v;
}

// slice x 1 2 is x[1:2]: strings (by bytes) and query results.
Result<Value> slice_func(const std::vector<Value>& a, const CallContext&) {
  const Value& item = a[0];
  if (item.is_nil()) return make_error(ErrorCode::kInvalidArgument, "slice of untyped nil");
  const size_t n_indexes = a.size() - 1;
  if (n_indexes > 3) {
    return make_error(ErrorCode::kInvalidArgument, "too many slice indexes: " + std::to_string(n_indexes));
  }
  const auto* s = std::get_if<std::string>(&item.v);
  const auto* l = std::get_if<std::shared_ptr<const List>>(&item.v);
  if (s == nullptr && l == nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "can't slice item of type " + item.type_name());
  }
  if (s != nullptr && n_indexes == 3) return make_error(ErrorCode::kInvalidArgument, "cannot 3-index slice a string");
  const size_t len = s != nullptr ? s->size() : (*l)->items.size();
  int64_t idx[3] = {0, static_cast<int64_t>(len), 0};
  for (size_t i = 0; i < n_indexes; ++i) {
    auto x = index_arg(a[i + 1], len);
    if (!x) return x.take_error();
    idx[i] = *x;
  }
  for (size_t i = 0; i + 1 < std::max<size_t>(n_indexes, 2); ++i) {
    if (idx[i] > idx[i + 1]) {
      return make_error(ErrorCode::kInvalidArgument,
                        "invalid slice index: " + std::to_string(idx[i]) + " > " + std::to_string(idx[i + 1]));
    }
  }
  const auto from = static_cast<size_t>(idx[0]), to = static_cast<size_t>(idx[1]);
  if (s != nullptr) return Value{s->substr(from, to - from)};
  auto sliced = std::make_shared<List>();
  sliced->items.assign((*l)->items.begin() + static_cast<ptrdiff_t>(from),
                       (*l)->items.begin() + static_cast<ptrdiff_t>(to));
  return Value{std::shared_ptr<const List>(std::move(sliced))};
}

Result<Value> print_func(const std::vector<Value>& a, const CallContext&) { return Value{sprint(a, false)}; }

Result<Value> println_func(const std::vector<Value>& a, const CallContext&) { return Value{sprint(a, true)}; }

Result<Value> printf_func(const std::vector<Value>& a, const CallContext&) {
  return Value{go_sprintf(std::get<std::string>(a[0].v), std::vector<Value>(a.begin() + 1, a.end()))};
}

Result<Value> ne_func(const std::vector<Value>& a, const CallContext& c) {
  auto r = eq(a, c);
  if (!r) return r.take_error();
  return Value{!std::get<bool>(r->v)};
}

Result<Value> html_func(const std::vector<Value>& a, const CallContext&) {
  return Value{html_escape(sprint(a, false))};
}

Result<Value> js_func(const std::vector<Value>& a, const CallContext&) { return Value{js_escape(sprint(a, false))}; }

Result<Value> urlquery_func(const std::vector<Value>& a, const CallContext&) {
  return Value{query_escape(sprint(a, false))};
}

Builtin fixed(Function f, std::vector<Param> params) { return Builtin{std::move(f), std::move(params), false}; }
Builtin variadic(Function f, std::vector<Param> params) { return Builtin{std::move(f), std::move(params), true}; }

// Go's builtins with their signatures; reflect.Value and interface{}
// parameters are Param::kAny.
const std::unordered_map<std::string_view, Builtin>& go_builtins() {
  using P = Param;
  static const auto* table = new std::unordered_map<std::string_view, Builtin>{
      // and/or (lazy) and call (no function values exist here) are the
      // executor's.
      {"and", variadic(nullptr, {P::kAny, P::kAny})},
      {"or", variadic(nullptr, {P::kAny, P::kAny})},
      {"call", variadic(nullptr, {P::kAny, P::kAny})},
      {"not", fixed(not_func, {P::kAny})},
      {"len", fixed(len_func, {P::kAny})},
      {"index", variadic(index_func, {P::kAny, P::kAny})},
      {"slice", variadic(slice_func, {P::kAny, P::kAny})},
      {"print", variadic(print_func, {P::kAny})},
      {"println", variadic(println_func, {P::kAny})},
      {"printf", variadic(printf_func, {P::kString, P::kAny})},
      {"eq", variadic(eq, {P::kAny, P::kAny})},
      {"ne", fixed(ne_func, {P::kAny, P::kAny})},
      {"lt", fixed(comparison([](int c) { return c == -1; }), {P::kAny, P::kAny})},
      {"le", fixed(comparison([](int c) { return c == -1 || c == 0; }), {P::kAny, P::kAny})},
      {"gt", fixed(comparison([](int c) { return c == 1; }), {P::kAny, P::kAny})},
      {"ge", fixed(comparison([](int c) { return c == 1 || c == 0; }), {P::kAny, P::kAny})},
      {"html", variadic(html_func, {P::kAny})},
      {"js", variadic(js_func, {P::kAny})},
      {"urlquery", variadic(urlquery_func, {P::kAny})},
  };
  return *table;
}

}  // namespace

const Builtin* find_function(std::string_view name) {
  for (const auto* table : {&go_builtins(), &prometheus_functions()}) {
    if (auto it = table->find(name); it != table->end()) return &it->second;
  }
  return nullptr;
}

}  // namespace cogwatch::tmpl::internal
