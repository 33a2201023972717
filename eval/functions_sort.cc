// sort, sort_desc, sort_by_label and sort_by_label_desc. They order the
// series of a one-step evaluation (an instant query, a subquery of one step);
// the operators that keep their input's order keep it, so sort(x) * 2 is
// sorted too, as in Prometheus. Over more steps there is no one order to
// give (each step's differs): the input is passed on, and a range query's
// result is ordered by labels anyway.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "eval/internal/functions.h"

namespace cogwatch::eval::internal {
namespace {

// Natural order, as the natsort package Prometheus uses: runs of digits
// compare as numbers, the rest as text.
bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
    size_t ie = i, je = j;
    while (ie < a.size() && static_cast<bool>(std::isdigit(static_cast<unsigned char>(a[ie]))) == da) ++ie;
    while (je < b.size() && static_cast<bool>(std::isdigit(static_cast<unsigned char>(b[je]))) == db) ++je;
    std::string_view ca = a.substr(i, ie - i), cb = b.substr(j, je - j);
    if (da && db) {
      std::string_view na = ca, nb = cb;
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
    } else if (ca != cb) {
      return ca < cb;
    }
    i = ie;
    j = je;
  }
  return a.size() - i < b.size() - j;
}

// By value, NaN last in either direction.
bool value_before(double a, double b, bool desc) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return desc ? a > b : a < b;
}

}  // namespace

NodeValue eval_sort(Evaluator& ev, const parser::Call& call, const FunctionImpl& impl) {
  using parser::Function;
  NodeValue v = ev.eval(*call.args[0]);
  if (impl.f == Function::kSort || impl.f == Function::kSortDesc) {
    // Sorting by value passes histograms over, at every step.
    for (StepSeries& s : v.matrix) std::erase_if(s.points, [](const Point& p) { return bool(p.h); });
    std::erase_if(v.matrix, [](const StepSeries& s) { return s.points.empty(); });
  }
  if (ev.num_steps() != 1) return v;
  // One step: each series has its one point.
  auto value = [](const StepSeries& s) { return s.points.front().v; };
  StepMatrix& m = v.matrix;
  if (impl.f == Function::kSort || impl.f == Function::kSortDesc) {
    const bool desc = impl.f == Function::kSortDesc;
    std::stable_sort(m.begin(), m.end(),
                     [&](const StepSeries& a, const StepSeries& b) { return value_before(value(a), value(b), desc); });
    return v;
  }
  std::vector<std::string> names;
  for (size_t i = 1; i < call.args.size(); ++i) names.push_back(ev.eval(*call.args[i]).str);
  const bool desc = impl.f == Function::kSortByLabelDesc;
  std::stable_sort(m.begin(), m.end(), [&](const StepSeries& a, const StepSeries& b) {
    for (const std::string& name : names) {
      const std::string_view x = a.labels.get(name), y = b.labels.get(name);
      if (x == y) continue;
      return desc ? natural_less(y, x) : natural_less(x, y);
    }
    return desc ? b.labels < a.labels : a.labels < b.labels;  // ties by the whole label set, as Prometheus
  });
  return v;
}

}  // namespace cogwatch::eval::internal
