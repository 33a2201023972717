#include "tsdb/internal/postings.h"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace cogwatch::tsdb::internal {

namespace {

// Refs almost always arrive in increasing order (they are handed out so);
// two appenders creating series at once, or a log replayed, can swap
// neighbours, which a sorted insert absorbs.
void insert_sorted(Postings& list, SeriesRef ref) {
  if (list.empty() || list.back() < ref) {
    list.push_back(ref);
  } else {
    list.insert(std::lower_bound(list.begin(), list.end(), ref), ref);
  }
}

}  // namespace

void PostingsIndex::add(SeriesRef ref, const Labels& labels) {
  insert_sorted(all_, ref);
  for (size_t i = 0; i < labels.size(); ++i) {
    const Symbol& name = labels.name_symbol(i);
    const Symbol& value = labels.value_symbol(i);
    auto [n, added_name] = names_.try_emplace(name.view());
    if (added_name) n->second.name = name;
    auto [v, added_value] = n->second.values.try_emplace(value.view());
    if (added_value) v->second.value = value;
    insert_sorted(v->second.refs, ref);
  }
}

void PostingsIndex::remove(const std::vector<std::pair<SeriesRef, Labels>>& series) {
  if (series.empty()) return;
  // Group the refs by list, so each affected list is filtered once.
  boost::unordered_flat_map<ValueEntry*, Postings> doomed;
  Postings refs;
  for (const auto& [ref, labels] : series) {
    refs.push_back(ref);
    for (const Label l : labels) {
      auto n = names_.find(l.name);
      if (n == names_.end()) continue;
      auto v = n->second.values.find(l.value);
      if (v != n->second.values.end()) doomed[&v->second].push_back(ref);
    }
  }
  for (auto& [entry, gone] : doomed) {
    sort_unique(gone);
    entry->refs = subtract(entry->refs, gone);
  }
  sort_unique(refs);
  all_ = subtract(all_, refs);
  // Drop lists and names left empty, so label_values() only shows live ones.
  boost::unordered::erase_if(names_, [](auto& n) {
    boost::unordered::erase_if(n.second.values, [](const auto& v) { return v.second.refs.empty(); });
    return n.second.values.empty();
  });
}

std::vector<const Postings*> PostingsIndex::lists_matching(const LabelMatcher& m) const {
  std::vector<const Postings*> lists;
  auto n = names_.find(std::string_view(m.name()));
  if (n == names_.end()) return lists;
  const auto& values = n->second.values;
  if (m.type() == MatchType::kEqual) {
    if (auto v = values.find(std::string_view(m.value())); v != values.end()) lists.push_back(&v->second.refs);
  } else if (!m.set_values().empty()) {
    for (const std::string& value : m.set_values()) {
      if (auto v = values.find(std::string_view(value)); v != values.end()) lists.push_back(&v->second.refs);
    }
  } else {
    for (const auto& [value, entry] : values) {
      if (m.matches(value)) lists.push_back(&entry.refs);
    }
  }
  return lists;
}

Postings PostingsIndex::select(const std::vector<LabelMatcher>& matchers) const {
  if (matchers.empty()) return {};
  // A label "must be set" when some matcher on it rejects the empty value.
  // Matchers on other labels, and negative matchers that accept the empty
  // value, select by subtracting what they reject from the rest.
  auto must_be_set = [&](const std::string& name) {
    return std::any_of(matchers.begin(), matchers.end(),
                       [&](const LabelMatcher& m) { return m.name() == name && !m.matches_empty(); });
  };
  auto subtracting = [&](const LabelMatcher& m) {
    return !must_be_set(m.name()) || (m.is_negative() && m.matches_empty());
  };

  struct Term {
    std::vector<const Postings*> lists;
    size_t size = 0;
  };
  std::vector<Term> intersecting;
  std::vector<const Postings*> subtracted;
  for (const LabelMatcher& m : matchers) {
    if (subtracting(m)) {
      for (const Postings* p : lists_matching(m.inverse())) subtracted.push_back(p);
    } else if (m.type() == MatchType::kRegexMatch && m.value() == ".*") {
      continue;  // matches every series
    } else {
      Term t{lists_matching(m)};
      for (const Postings* p : t.lists) t.size += p->size();
      if (t.size == 0) return {};
      intersecting.push_back(std::move(t));
    }
  }

  // Materialise only the smallest term; narrow it by the others without
  // ever building their (possibly huge) unions.
  Postings result;
  if (intersecting.empty()) {
    result = all_;
  } else {
    std::sort(intersecting.begin(), intersecting.end(),
              [](const Term& a, const Term& b) { return a.size < b.size; });
    result = merge_disjoint(intersecting.front().lists);
    for (size_t i = 1; i < intersecting.size() && !result.empty(); ++i) {
      result = intersect_any(result, intersecting[i].lists);
    }
  }
  for (const Postings* s : subtracted) {
    if (result.empty()) break;
    result = subtract(result, *s);
  }
  return result;
}

std::vector<std::string> PostingsIndex::label_names() const {
  std::vector<std::string> out;
  out.reserve(names_.size());
  for (const auto& [name, entry] : names_) out.emplace_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> PostingsIndex::label_values(std::string_view name) const {
  std::vector<std::string> out;
  auto n = names_.find(name);
  if (n == names_.end()) return out;
  out.reserve(n->second.values.size());
  for (const auto& [value, entry] : n->second.values) out.emplace_back(value);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// The `limit` largest rows seen, keyed by views into the index (valid while
// its lock is held); names are built only for the rows kept.
class TopN {
 public:
  explicit TopN(size_t limit) : limit_(limit) {}
  void push(std::string_view a, std::string_view b, uint64_t value) {
    if (limit_ == 0) return;
    Row row{value, a, b};
    if (rows_.size() < limit_) {
      rows_.push_back(row);
      std::push_heap(rows_.begin(), rows_.end(), better);
    } else if (better(row, rows_.front())) {
      std::pop_heap(rows_.begin(), rows_.end(), better);
      rows_.back() = row;
      std::push_heap(rows_.begin(), rows_.end(), better);
    }
  }
  // Largest first; `sep` joins a and b ("name=value") when b is set.
  std::vector<CardinalityStat> take(std::string_view sep = {}) {
    std::sort(rows_.begin(), rows_.end(), better);
    std::vector<CardinalityStat> out;
    out.reserve(rows_.size());
    for (const Row& r : rows_) {
      std::string name(r.a);
      if (!sep.empty()) (name += sep) += r.b;
      out.push_back({std::move(name), r.value});
    }
    return out;
  }

 private:
  struct Row {
    uint64_t value;
    std::string_view a, b;
  };
  // Larger values first, then names in order; the heap's front is the
  // worst row kept.
  static bool better(const Row& x, const Row& y) {
    if (x.value != y.value) return x.value > y.value;
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  }
  size_t limit_;
  std::vector<Row> rows_;
};

// Prometheus's stringlabels size of one string: its bytes and a length prefix.
uint64_t encoded_size(size_t len) { return len + (len < 255 ? 1 : 4); }

}  // namespace

void PostingsIndex::cardinality(size_t limit, CardinalityStats& stats) const {
  TopN metrics(limit), names(limit), bytes(limit), pairs(limit);
  uint64_t num_pairs = 0;
  for (const auto& [name, entry] : names_) {
    names.push(name, {}, entry.values.size());
    num_pairs += entry.values.size();
    uint64_t size = 0;
    const bool metric_name = name == kMetricNameLabel;
    for (const auto& [value, v] : entry.values) {
      const uint64_t series = v.refs.size();
      if (metric_name) metrics.push(value, {}, series);
      pairs.push(name, value, series);
      size += (encoded_size(name.size()) + encoded_size(value.size())) * series;
    }
    bytes.push(name, {}, size);
  }
  stats.num_label_pairs = num_pairs;
  stats.series_count_by_metric_name = metrics.take();
  stats.label_value_count_by_label_name = names.take();
  stats.memory_in_bytes_by_label_name = bytes.take();
  stats.series_count_by_label_value_pair = pairs.take("=");
}

size_t PostingsIndex::allocated_bytes() const {
  // A flat map slot is the element plus one byte of metadata.
  size_t bytes = all_.capacity() * sizeof(SeriesRef);
  bytes += names_.bucket_count() * (sizeof(std::string_view) + sizeof(NameEntry) + 1);
  for (const auto& [name, entry] : names_) {
    bytes += entry.values.bucket_count() * (sizeof(std::string_view) + sizeof(ValueEntry) + 1);
    for (const auto& [value, v] : entry.values) bytes += v.refs.capacity() * sizeof(SeriesRef);
  }
  return bytes;
}

namespace {

// Whether b is so much larger than a that binary searches beat a merge.
bool lopsided(size_t a, size_t b) { return b > 16 * a; }

}  // namespace

Postings intersect(const Postings& a, const Postings& b) {
  const Postings& small = a.size() <= b.size() ? a : b;
  const Postings& large = a.size() <= b.size() ? b : a;
  Postings out;
  out.reserve(small.size());
  if (lopsided(small.size(), large.size())) {
    auto from = large.begin();
    for (SeriesRef r : small) {
      from = std::lower_bound(from, large.end(), r);
      if (from == large.end()) break;
      if (*from == r) out.push_back(r);
    }
    return out;
  }
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings subtract(const Postings& a, const Postings& b) {
  Postings out;
  out.reserve(a.size());
  if (lopsided(a.size(), b.size())) {
    auto from = b.begin();
    for (SeriesRef r : a) {
      from = std::lower_bound(from, b.end(), r);
      if (from == b.end() || *from != r) out.push_back(r);
    }
    return out;
  }
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings intersect_any(const Postings& candidates, const std::vector<const Postings*>& lists) {
  if (lists.size() == 1) return intersect(candidates, *lists.front());
  Postings out;
  for (const Postings* l : lists) {
    Postings part = intersect(candidates, *l);
    out.insert(out.end(), part.begin(), part.end());
  }
  std::sort(out.begin(), out.end());  // disjoint lists: no duplicates
  return out;
}

Postings merge_disjoint(const std::vector<const Postings*>& lists) {
  if (lists.size() == 1) return *lists.front();
  Postings out;
  size_t total = 0;
  for (const Postings* l : lists) total += l->size();
  out.reserve(total);
  for (const Postings* l : lists) out.insert(out.end(), l->begin(), l->end());
  std::sort(out.begin(), out.end());
  return out;
}

void sort_unique(Postings& p) {
  std::sort(p.begin(), p.end());
  p.erase(std::unique(p.begin(), p.end()), p.end());
}

}  // namespace cogwatch::tsdb::internal
