// Labels: the identity of a series, a set of name="value" pairs sorted by
// name, as in Prometheus.
//
// A Labels is immutable and shares its storage: copying one is a single
// atomic increment, and its hash (xxHash3 over names and values) is computed
// once, when it is built. Names and values are Symbols, so labels interned
// through a SymbolTable share their strings with every other series.
//
// Invariants (kept by LabelsBuilder and the constructors): names are unique
// and sorted bytewise; no value is empty (setting a label to "" removes it,
// as in Prometheus, so {a=""} and {} are the same set).
//
//   Labels l{{"__name__", "up"}, {"job", "cog"}};
//   l.get("job");            // "cog"
//   l.to_string();           // {__name__="up", job="cog"}
//   Labels m = LabelsBuilder(l).del("job").set("instance", "a:1").build();
//
// Thread-safety: Labels is a value; copies may be used from any threads.
// LabelsBuilder is not thread-safe.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/symbol.h"

namespace cogwatch {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string_view name;
  std::string_view value;
  friend bool operator==(const Label&, const Label&) = default;
};

class Labels {
 public:
  class Iterator;

  Labels() = default;  // the empty set
  // Builds from pairs in any order. A later pair with the same name wins; an
  // empty value removes the name.
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  Labels(const Labels& other) noexcept : rep_(other.rep_) { ref(rep_); }
  Labels(Labels&& other) noexcept : rep_(other.rep_) { other.rep_ = nullptr; }
  Labels& operator=(Labels other) noexcept {
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~Labels() { unref(rep_); }

  size_t size() const { return rep_ ? rep_->size : 0; }
  bool empty() const { return size() == 0; }
  Label operator[](size_t i) const {
    return {rep_->syms()[2 * i].view(), rep_->syms()[2 * i + 1].view()};
  }
  Iterator begin() const;
  Iterator end() const;

  // The value of name, or "" when the set has no such label.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  // The metric name (value of __name__), or "".
  std::string_view metric_name() const { return get(kMetricNameLabel); }

  // A 64-bit hash of the names and values; equal sets hash equally.
  uint64_t hash() const { return rep_ ? rep_->hash : kEmptyHash; }

  // Prometheus's text form: {__name__="up", job="cog"}, values quoted with
  // Go's escaping; names that are not legacy identifiers are quoted too.
  std::string to_string() const;

  // The symbols of label i, for interning and for building derived sets
  // without copying strings.
  const Symbol& name_symbol(size_t i) const { return rep_->syms()[2 * i]; }
  const Symbol& value_symbol(size_t i) const { return rep_->syms()[2 * i + 1]; }

  // Bytes of this set's own storage (not counting shared symbols).
  size_t allocated_bytes() const { return rep_ ? sizeof(Rep) + 2 * rep_->size * sizeof(Symbol) : 0; }
  // True when both share storage (then they are equal).
  bool same_storage(const Labels& other) const { return rep_ == other.rep_; }

  friend bool operator==(const Labels& a, const Labels& b);
  // Prometheus's labels.Compare: pairwise by name, then value; a prefix sorts
  // first.
  friend std::strong_ordering operator<=>(const Labels& a, const Labels& b);

 private:
  friend class LabelsBuilder;
  static constexpr uint64_t kEmptyHash = 0;
  // One allocation: this header, then 2*size Symbols (name0, value0, ...).
  struct Rep {
    std::atomic<uint32_t> refs;
    uint32_t size;  // number of labels
    uint64_t hash;
    Symbol* syms() { return reinterpret_cast<Symbol*>(this + 1); }
  };
  // Takes ownership of sorted, unique, non-empty pairs.
  static Labels from_sorted(std::vector<std::pair<Symbol, Symbol>>&& pairs);
  static void ref(Rep* r) {
    if (r) r->refs.fetch_add(1, std::memory_order_relaxed);
  }
  static void unref(Rep* r);

  Rep* rep_ = nullptr;
};

class Labels::Iterator {
 public:
  using value_type = Label;
  using difference_type = std::ptrdiff_t;
  Iterator() = default;
  Iterator(const Labels* labels, size_t i) : labels_(labels), i_(i) {}
  Label operator*() const { return (*labels_)[i_]; }
  Iterator& operator++() {
    ++i_;
    return *this;
  }
  Iterator operator++(int) {
    Iterator old = *this;
    ++i_;
    return old;
  }
  friend bool operator==(const Iterator& a, const Iterator& b) { return a.i_ == b.i_; }

 private:
  const Labels* labels_ = nullptr;
  size_t i_ = 0;
};

inline Labels::Iterator Labels::begin() const { return Iterator(this, 0); }
inline Labels::Iterator Labels::end() const { return Iterator(this, size()); }

// Builds a Labels from a base set with changes. Setting a value of "" deletes
// the label. build() may be called repeatedly.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { reset(base); }

  LabelsBuilder& reset(const Labels& base);
  LabelsBuilder& set(std::string_view name, std::string_view value);
  LabelsBuilder& set(const Symbol& name, const Symbol& value);
  LabelsBuilder& del(std::string_view name);
  // The value name currently has in the builder, or "".
  std::string_view get(std::string_view name) const;
  // Keeps only the named labels (each name may or may not be present).
  LabelsBuilder& keep_only(const std::vector<std::string>& names);

  Labels build() const;

 private:
  std::vector<std::pair<Symbol, Symbol>>::iterator find(std::string_view name);
  // Sorted by name, unique, values non-empty.
  std::vector<std::pair<Symbol, Symbol>> pairs_;
};

// Interns every name and value of labels in table. Returns labels itself
// when all its symbols already are the table's.
Labels intern_labels(SymbolTable& table, const Labels& labels);

// Quotes s as Go's strconv.Quote does ("a\"b\n" -> "\"a\\\"b\\n\"").
std::string go_quote(std::string_view s);
// True for names Prometheus accepts without quoting: [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_legacy_metric_name(std::string_view name);
// The annotations of alerting rules and alerts: name/value pairs sorted by
// name, unique, and unlike Labels keeping empty values (Prometheus sends a
// rule's `empty: ''` to Alertmanager as "empty":"").
using Annotations = std::vector<std::pair<std::string, std::string>>;

// The value of an annotation, "" when absent (as Labels::get).
std::string_view annotation_value(const Annotations& annotations, std::string_view name);
// Labels with the non-empty annotations.
Labels annotations_as_labels(const Annotations& annotations);
// As Labels::to_string() prints them, empty values included:
// {empty="", summary="s"}.
std::string annotations_string(const Annotations& annotations);

// True for [a-zA-Z_][a-zA-Z0-9_]*
bool is_legacy_label_name(std::string_view name);
// Prometheus 3's rule for label names: any non-empty valid UTF-8.
bool is_valid_label_name(std::string_view name);

}  // namespace cogwatch
