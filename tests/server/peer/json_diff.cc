#include "tests/server/peer/json_diff.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace cogwatch::server::peer {
namespace {

namespace json = boost::json;

std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "bool";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "?";
}

bool is_sample_pair(const json::value& v) {
  const json::array* a = v.if_array();
  return a != nullptr && a->size() == 2 && (*a)[0].is_number() && (*a)[1].is_string();
}

// A copy without the keys whose values differ by nature, for sorting.
json::value canonical(const json::value& v, const DiffOptions& o) {
  if (const json::object* obj = v.if_object()) {
    json::object out;
    for (const auto& [k, x] : *obj) {
      if (o.times.contains(std::string(k)) || k == "value" || k == "values") continue;
      out[k] = canonical(x, o);
    }
    return out;
  }
  if (const json::array* arr = v.if_array()) {
    json::array out;
    for (const auto& x : *arr) out.push_back(canonical(x, o));
    return out;
  }
  return v;
}

class Differ {
 public:
  explicit Differ(const DiffOptions& o) : o_(o) {}
  std::vector<std::string> out;

  void value(const json::value& c, const json::value& p, const std::string& path) {
    if (kind_name(c) != kind_name(p)) {
      add(path, "cogwatch has a " + std::string(kind_name(c)) + " " + json::serialize(c) + ", Prometheus a " +
                    std::string(kind_name(p)) + " " + json::serialize(p));
      return;
    }
    switch (c.kind()) {
      case json::kind::object: object(c.get_object(), p.get_object(), path); break;
      case json::kind::array: array(c.get_array(), p.get_array(), path); break;
      case json::kind::string:
      case json::kind::bool_:
        if (c != p) add(path, "cogwatch " + json::serialize(c) + ", Prometheus " + json::serialize(p));
        break;
      default: break;  // numbers outside samples are counts or times: kind only
    }
  }

 private:
  void add(const std::string& path, const std::string& what) { out.push_back(path + ": " + what); }

  void object(const json::object& c, const json::object& p, const std::string& path) {
    for (const auto& [k, v] : c) {
      const std::string key(k);
      const std::string sub = path.empty() ? key : path + "." + key;
      const json::value* other = p.if_contains(k);
      if (other == nullptr) {
        if (!o_.added_in_3.contains(key)) add(sub, "only in cogwatch: " + json::serialize(v));
        continue;
      }
      if (o_.times.contains(key)) {
        if (kind_name(v) != kind_name(*other)) {
          add(sub, "cogwatch has a " + std::string(kind_name(v)) + ", Prometheus a " + std::string(kind_name(*other)));
        }
      } else if ((key == "value" || key == "result") && is_sample_pair(v) && is_sample_pair(*other)) {
        sample(v.get_array(), other->get_array(), sub);
      } else if (key == "value" && v.is_string() && other->is_string()) {
        sample_value(v.get_string(), other->get_string(), sub);  // an alert's value
      } else if (key == "values" && v.is_array() && other->is_array()) {
        const json::array& a = v.get_array();
        const json::array& b = other->get_array();
        if (a.size() != b.size()) {
          add(sub, std::to_string(a.size()) + " samples in cogwatch, " + std::to_string(b.size()) + " in Prometheus");
          continue;
        }
        for (size_t i = 0; i < a.size(); ++i) {
          const std::string at = sub + "[" + std::to_string(i) + "]";
          if (is_sample_pair(a[i]) && is_sample_pair(b[i])) {
            sample(a[i].get_array(), b[i].get_array(), at);
          } else {
            value(a[i], b[i], at);
          }
        }
      } else {
        value(v, *other, sub);
      }
    }
    for (const auto& [k, v] : p) {
      if (!c.contains(k)) add(path.empty() ? std::string(k) : path + "." + std::string(k), "only in Prometheus: " + json::serialize(v));
    }
  }

  void array(const json::array& c, const json::array& p, const std::string& path) {
    if (c.size() != p.size()) {
      add(path, std::to_string(c.size()) + " elements in cogwatch " + json::serialize(canonical(c, o_)) + ", " +
                    std::to_string(p.size()) + " in Prometheus " + json::serialize(canonical(p, o_)));
      return;
    }
    std::vector<const json::value*> a, b;
    for (const auto& x : c) a.push_back(&x);
    for (const auto& x : p) b.push_back(&x);
    const bool objects = !c.empty() && c[0].is_object();
    if (objects) {
      auto by_text = [&](const json::value* x, const json::value* y) {
        return json::serialize(canonical(*x, o_)) < json::serialize(canonical(*y, o_));
      };
      std::sort(a.begin(), a.end(), by_text);
      std::sort(b.begin(), b.end(), by_text);
    }
    for (size_t i = 0; i < a.size(); ++i) value(*a[i], *b[i], path + "[" + std::to_string(i) + "]");
  }

  void sample(const json::array& c, const json::array& p, const std::string& path) {
    sample_value(c[1].get_string(), p[1].get_string(), path + "[1]");
  }

  void sample_value(std::string_view c, std::string_view p, const std::string& path) {
    if (o_.tolerance < 0) return;
    const std::string cs(c), ps(p);
    char* c_end = nullptr;
    char* p_end = nullptr;
    const double x = std::strtod(cs.c_str(), &c_end);
    const double y = std::strtod(ps.c_str(), &p_end);
    const bool numbers = !cs.empty() && !ps.empty() && *c_end == '\0' && *p_end == '\0';
    if (!numbers) {
      if (c != p) add(path, "cogwatch \"" + cs + "\", Prometheus \"" + ps + "\"");
      return;
    }
    if (std::isnan(x) && std::isnan(y)) return;
    if (x == y) return;
    if (std::abs(x - y) <= o_.tolerance * std::max(std::abs(x), std::abs(y))) return;
    add(path, "cogwatch " + cs + ", Prometheus " + ps);
  }

  const DiffOptions& o_;
};

}  // namespace

std::vector<std::string> json_diff(const boost::json::value& cogwatch, const boost::json::value& prometheus,
                                   const DiffOptions& options) {
  Differ d(options);
  d.value(cogwatch, prometheus, "");
  return std::move(d.out);
}

}  // namespace cogwatch::server::peer
