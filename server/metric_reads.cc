#include "server/metric_reads.h"

#include <variant>
#include <vector>

#include "model/go_json.h"

namespace cogwatch::server {

namespace {

using Names = std::vector<std::string>;
using Patterns = std::vector<std::pair<std::string, std::string>>;

void collect(const std::vector<LabelMatcher>& matchers, Names& names, Patterns& patterns) {
  for (const LabelMatcher& m : matchers) {
    if (m.name() != kMetricNameLabel) continue;
    if (m.type() == MatchType::kEqual) {
      names.push_back(m.value());
    } else {
      patterns.emplace_back(
          m.type() == MatchType::kRegexMatch ? "=~" : m.type() == MatchType::kRegexNoMatch ? "!~" : "!=", m.value());
    }
  }
}

}  // namespace

void MetricReads::record(const parser::Expr& root) {
  Names names;
  Patterns patterns;
  std::vector<const parser::Expr*> todo{&root};
  while (!todo.empty()) {
    const parser::Expr* e = todo.back();
    todo.pop_back();
    if (const auto* s = std::get_if<parser::VectorSelector>(&e->node)) collect(s->matchers, names, patterns);
    for (const parser::Expr* c : parser::children(*e)) todo.push_back(c);
  }
  add(std::move(names), std::move(patterns));
}

void MetricReads::record(const std::vector<LabelMatcher>& matchers) {
  Names names;
  Patterns patterns;
  collect(matchers, names, patterns);
  add(std::move(names), std::move(patterns));
}

void MetricReads::add(std::vector<std::string> names, std::vector<std::pair<std::string, std::string>> patterns) {
  std::lock_guard lock(mu_);
  for (std::string& n : names) {
    if (names_.contains(n) || !room_for(n.size())) continue;
    names_.insert(std::move(n));
  }
  for (auto& p : patterns) {
    if (patterns_.contains(p) || !room_for(p.second.size())) continue;
    patterns_.insert(std::move(p));
  }
}

bool MetricReads::room_for(size_t bytes) {
  if (bytes > kMaxEntryBytes || names_.size() + patterns_.size() >= kMaxEntries || bytes_ + bytes > kMaxBytes) {
    truncated_ = true;
    return false;
  }
  bytes_ += bytes;
  return true;
}

std::string MetricReads::to_json() const {
  std::lock_guard lock(mu_);
  std::string out = "{\"names\":[";
  bool first = true;
  for (const std::string& n : names_) {
    out += (first ? "" : ",") + go_json_string(n);
    first = false;
  }
  out += "],\"patterns\":[";
  first = true;
  for (const auto& [type, value] : patterns_) {
    out += std::string(first ? "" : ",") + "{\"type\":" + go_json_string(type) +
           ",\"value\":" + go_json_string(value) + "}";
    first = false;
  }
  out += "],\"truncated\":";
  out += truncated_ ? "true}" : "false}";
  return out;
}

}  // namespace cogwatch::server
