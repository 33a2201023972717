#include "server/internal/ast_json.h"

#include <cstdio>

#include "model/go_json.h"
#include "model/value.h"
#include "parser/functions.h"
#include "parser/printer.h"

namespace cogwatch::server::internal {
namespace {

using namespace parser;

constexpr size_t kMaxCharactersPerLine = 100;

std::string indent(int level) { return std::string(2 * static_cast<size_t>(level), ' '); }

// The printer writes each node as Prometheus's String() does, so the parts
// Pretty() prints separately (an aggregation's "sum by (job) ", a binary
// operator with its modifiers, a subquery's "[5m:1m] offset 1m") are cut
// from the printed node around its printed children.
std::string pretty_at(const Expr& e, int level) {
  const std::string full = print(e);
  if (const auto* u = e.as<UnaryExpr>()) {
    std::string child = pretty_at(*u->expr, level);
    child.erase(0, child.find_first_not_of(" \n\t"));
    return indent(level) + "-" + child;
  }
  if (const auto* sq = e.as<SubqueryExpr>()) {
    if (full.size() <= kMaxCharactersPerLine) return full;  // no indent, as Prometheus
    return pretty_at(*sq->expr, level) + full.substr(print(*sq->expr).size());
  }
  if (full.size() <= kMaxCharactersPerLine || e.as<VectorSelector>() != nullptr || e.as<MatrixSelector>() != nullptr ||
      e.as<NumberLiteral>() != nullptr || e.as<StringLiteral>() != nullptr) {
    return indent(level) + full;
  }
  if (const auto* a = e.as<AggregateExpr>()) {
    const size_t inner = (a->param ? print(*a->param).size() + 2 : 0) + print(*a->expr).size();
    std::string out = indent(level) + full.substr(0, full.size() - inner - 2) + "(\n";
    if (a->param) out += pretty_at(*a->param, level + 1) + ",\n";
    return out + pretty_at(*a->expr, level + 1) + "\n" + indent(level) + ")";
  }
  if (const auto* b = e.as<BinaryExpr>()) {
    const size_t lhs = print(*b->lhs).size(), rhs = print(*b->rhs).size();
    const std::string op = full.substr(lhs + 1, full.size() - lhs - rhs - 2);
    return pretty_at(*b->lhs, level + 1) + "\n" + indent(level) + op + "\n" + pretty_at(*b->rhs, level + 1);
  }
  if (const auto* c = e.as<Call>()) {
    std::string out = indent(level) + std::string(function_info(c->func).name) + "(\n";
    for (size_t i = 0; i < c->args.size(); ++i) {
      if (i > 0) out += ",\n";
      out += pretty_at(*c->args[i], level + 1);
    }
    return out + "\n" + indent(level) + ")";
  }
  if (const auto* p = e.as<ParenExpr>()) {
    return indent(level) + "(\n" + pretty_at(*p->expr, level + 1) + "\n" + indent(level) + ")";
  }
  return indent(level) + full;
}

// Go's encoding/json writes a map's keys sorted; each writer below lists
// its keys in that order.
class Writer {
 public:
  std::string take() { return std::move(out_); }

  void node(const Expr& e) {
    if (const auto* a = e.as<AggregateExpr>()) return aggregate(*a);
    if (const auto* b = e.as<BinaryExpr>()) return binary(*b);
    if (const auto* c = e.as<Call>()) return call(*c);
    if (const auto* m = e.as<MatrixSelector>()) return selector(std::get<VectorSelector>(m->selector->node), m->range);
    if (const auto* s = e.as<SubqueryExpr>()) return subquery(*s);
    if (const auto* n = e.as<NumberLiteral>()) {
      out_ += "{\"type\":\"numberLiteral\",\"val\":";
      append_go_json_string(out_, format_float_plain(n->value));
      out_ += '}';
      return;
    }
    if (const auto* p = e.as<ParenExpr>()) {
      out_ += "{\"expr\":";
      node(*p->expr);
      out_ += ",\"type\":\"parenExpr\"}";
      return;
    }
    if (const auto* s = e.as<StringLiteral>()) {
      out_ += "{\"type\":\"stringLiteral\",\"val\":";
      append_go_json_string(out_, s->value);
      out_ += '}';
      return;
    }
    if (const auto* u = e.as<UnaryExpr>()) {
      out_ += "{\"expr\":";
      node(*u->expr);
      out_ += ",\"op\":\"-\",\"type\":\"unaryExpr\"}";
      return;
    }
    if (const auto* v = e.as<VectorSelector>()) return selector(*v, std::nullopt);
  }

 private:
  void strings(const std::vector<std::string>& list) {
    out_ += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out_ += ',';
      append_go_json_string(out_, list[i]);
    }
    out_ += ']';
  }

  void aggregate(const AggregateExpr& a) {
    out_ += "{\"expr\":";
    node(*a.expr);
    out_ += ",\"grouping\":";
    strings(a.grouping);
    out_ += ",\"op\":";
    append_go_json_string(out_, aggregate_op_string(a.op));
    out_ += ",\"param\":";
    if (a.param) {
      node(*a.param);
    } else {
      out_ += "null";
    }
    out_ += ",\"type\":\"aggregation\",\"without\":";
    out_ += a.without ? "true" : "false";
    out_ += '}';
  }

  void binary(const BinaryExpr& b) {
    out_ += "{\"bool\":";
    out_ += b.return_bool ? "true" : "false";
    out_ += ",\"lhs\":";
    node(*b.lhs);
    out_ += ",\"matching\":";
    // Prometheus keeps vector matching only between two vectors.
    if (type_of(*b.lhs) == ValueType::kVector && type_of(*b.rhs) == ValueType::kVector) {
      static constexpr const char* kCard[] = {"one-to-one", "many-to-one", "one-to-many", "many-to-many"};
      const Cardinality card = is_set_operator(b.op) ? Cardinality::kManyToMany : b.matching.card;
      out_ += "{\"card\":\"";
      out_ += kCard[static_cast<int>(card)];
      out_ += "\",\"fillValues\":{\"lhs\":null,\"rhs\":null},\"include\":";
      strings(b.matching.include);
      out_ += ",\"labels\":";
      strings(b.matching.labels);
      out_ += ",\"on\":";
      out_ += b.matching.on ? "true" : "false";
      out_ += '}';
    } else {
      out_ += "null";
    }
    out_ += ",\"op\":";
    append_go_json_string(out_, binary_op_string(b.op));
    out_ += ",\"rhs\":";
    node(*b.rhs);
    out_ += ",\"type\":\"binaryExpr\"}";
  }

  static const char* type_name(ValueType t) {
    switch (t) {
      case ValueType::kScalar: return "scalar";
      case ValueType::kVector: return "vector";
      case ValueType::kMatrix: return "matrix";
      case ValueType::kString: return "string";
      case ValueType::kNone: break;
    }
    return "none";
  }

  void call(const Call& c) {
    const FunctionInfo& f = function_info(c.func);
    out_ += "{\"args\":[";
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) out_ += ',';
      node(*c.args[i]);
    }
    out_ += "],\"func\":{\"argTypes\":[";
    for (size_t i = 0; i < f.num_args; ++i) {
      if (i > 0) out_ += ',';
      out_ += '"';
      out_ += type_name(f.arg_types[i]);
      out_ += '"';
    }
    out_ += "],\"name\":";
    append_go_json_string(out_, f.name);
    out_ += ",\"returnType\":\"";
    out_ += type_name(f.return_type);
    out_ += "\",\"variadic\":" + std::to_string(f.variadic) + "},\"type\":\"call\"}";
  }

  // "timestamp" and "startOrEnd" of an @ modifier (null when absent).
  void at(const std::optional<AtModifier>& at) {
    out_ += ",\"startOrEnd\":";
    if (at && at->kind != AtModifier::Kind::kTimestamp) {
      out_ += at->kind == AtModifier::Kind::kStart ? "\"start\"" : "\"end\"";
    } else {
      out_ += "null";
    }
  }
  void timestamp(const std::optional<AtModifier>& at) {
    out_ += ",\"timestamp\":";
    out_ += at && at->kind == AtModifier::Kind::kTimestamp ? std::to_string(at->timestamp) : "null";
  }

  void selector(const VectorSelector& vs, std::optional<Duration> range) {
    out_ += "{\"anchored\":false,\"matchers\":[";
    // Prometheus appends the matcher of a name written outside the braces.
    std::vector<const LabelMatcher*> order;
    for (const LabelMatcher& m : vs.matchers) order.push_back(&m);
    if (!vs.name.empty() && !order.empty()) {
      order.push_back(order.front());
      order.erase(order.begin());
    }
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0) out_ += ',';
      out_ += "{\"name\":";
      append_go_json_string(out_, order[i]->name());
      out_ += ",\"type\":";
      append_go_json_string(out_, match_type_string(order[i]->type()));
      out_ += ",\"value\":";
      append_go_json_string(out_, order[i]->value());
      out_ += '}';
    }
    out_ += "],\"name\":";
    append_go_json_string(out_, vs.name);
    out_ += ",\"offset\":" + std::to_string(vs.offset) + ",\"offsetExpr\":null";
    if (range) out_ += ",\"range\":" + std::to_string(*range) + ",\"rangeExpr\":null";
    out_ += ",\"smoothed\":false";
    at(vs.at);
    timestamp(vs.at);
    out_ += range ? ",\"type\":\"matrixSelector\"}" : ",\"type\":\"vectorSelector\"}";
  }

  void subquery(const SubqueryExpr& s) {
    out_ += "{\"expr\":";
    node(*s.expr);
    out_ += ",\"offset\":" + std::to_string(s.offset) + ",\"offsetExpr\":null,\"range\":" + std::to_string(s.range) +
            ",\"rangeExpr\":null";
    at(s.at);
    out_ += ",\"step\":" + std::to_string(s.step) + ",\"stepExpr\":null";
    timestamp(s.at);
    out_ += ",\"type\":\"subquery\"}";
  }

  std::string out_;
};

}  // namespace

std::string pretty(const Expr& e) { return pretty_at(e, 0); }

std::string ast_json(const Expr& e) {
  Writer w;
  w.node(e);
  return w.take();
}

}  // namespace cogwatch::server::internal
