#include "model/labels.h"

#include <algorithm>
#include <new>

#include <xxhash.h>

#include "model/utf8.h"

namespace cogwatch {
namespace {

// Appends the UTF-8 sequence starting at s[i] (valid, printable) or an escape
// for s[i], and returns the number of bytes consumed.
size_t append_quoted_rune(std::string& out, std::string_view s, size_t i) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto c = static_cast<unsigned char>(s[i]);
  switch (c) {
    case '\a': out += "\\a"; return 1;
    case '\b': out += "\\b"; return 1;
    case '\f': out += "\\f"; return 1;
    case '\n': out += "\\n"; return 1;
    case '\r': out += "\\r"; return 1;
    case '\t': out += "\\t"; return 1;
    case '\v': out += "\\v"; return 1;
    case '\\': out += "\\\\"; return 1;
    case '"': out += "\\\""; return 1;
    default: break;
  }
  if (c < 0x80) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
    return 1;
  }
  // Decode one UTF-8 sequence; invalid bytes are escaped one at a time.
  size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  uint32_t cp = len == 4 ? c & 0x07 : len == 3 ? c & 0x0f : c & 0x1f;
  bool valid = len != 0 && i + len <= s.size();
  for (size_t k = 1; valid && k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    valid = (cc & 0xc0) == 0x80;
    cp = (cp << 6) | (cc & 0x3f);
  }
  valid = valid && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) &&
          !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000);
  if (!valid) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
    return 1;
  }
  if (cp >= 0x80 && cp < 0xa0) {  // C1 controls are not printable
    out += "\\u00";
    out += kHex[cp >> 4];
    out += kHex[cp & 0xf];
    return len;
  }
  out.append(s.substr(i, len));
  return len;
}

}  // namespace

void Labels::unref(Rep* r) {
  if (!r || r->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  Symbol* syms = r->syms();
  for (uint32_t i = 0; i < 2 * r->size; ++i) syms[i].~Symbol();
  r->~Rep();
  ::operator delete(r);
}

Labels Labels::from_sorted(std::vector<std::pair<Symbol, Symbol>>&& pairs) {
  Labels out;
  if (pairs.empty()) return out;
  void* mem = ::operator new(sizeof(Rep) + 2 * pairs.size() * sizeof(Symbol));
  Rep* r = new (mem) Rep;
  r->refs.store(1, std::memory_order_relaxed);
  r->size = static_cast<uint32_t>(pairs.size());
  // Hash names and values with a 0xff separator, as Prometheus does, so that
  // {a="bc"} and {ab="c"} differ. One contiguous buffer hashes faster than
  // streaming the small pieces.
  thread_local std::string buf;
  buf.clear();
  Symbol* syms = r->syms();
  for (size_t i = 0; i < pairs.size(); ++i) {
    buf += pairs[i].first.view();
    buf += '\xff';
    buf += pairs[i].second.view();
    buf += '\xff';
    new (&syms[2 * i]) Symbol(std::move(pairs[i].first));
    new (&syms[2 * i + 1]) Symbol(std::move(pairs[i].second));
  }
  r->hash = XXH3_64bits(buf.data(), buf.size());
  out.rep_ = r;
  return out;
}

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  LabelsBuilder b;
  for (const auto& [name, value] : pairs) b.set(name, value);
  *this = b.build();
}

std::string_view Labels::get(std::string_view name) const {
  // Sets are small (typically < 10 labels): a linear scan beats a binary
  // search.
  for (size_t i = 0; i < size(); ++i) {
    const std::string_view n = rep_->syms()[2 * i].view();
    if (n == name) return rep_->syms()[2 * i + 1].view();
    if (n > name) break;
  }
  return {};
}

bool Labels::has(std::string_view name) const { return !get(name).empty(); }

std::string Labels::to_string() const {
  std::string out = "{";
  for (size_t i = 0; i < size(); ++i) {
    const Label l = (*this)[i];
    if (i > 0) out += ", ";
    out += is_legacy_label_name(l.name) ? std::string(l.name) : go_quote(l.name);
    out += '=';
    out += go_quote(l.value);
  }
  out += '}';
  return out;
}

bool operator==(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_) return true;
  if (a.hash() != b.hash() || a.size() != b.size()) return false;
  const Symbol* x = a.rep_->syms();
  const Symbol* y = b.rep_->syms();
  for (size_t i = 0; i < 2 * a.size(); ++i) {
    if (!x[i].same_storage(y[i]) && x[i].view() != y[i].view()) return false;
  }
  return true;
}

std::strong_ordering operator<=>(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_) return std::strong_ordering::equal;
  const size_t n = std::min(a.size(), b.size());
  const Symbol* x = a.size() ? a.rep_->syms() : nullptr;
  const Symbol* y = b.size() ? b.rep_->syms() : nullptr;
  for (size_t i = 0; i < 2 * n; ++i) {
    // Interned sets share symbols: equal pointers need no string compare.
    if (x[i].same_storage(y[i])) continue;
    if (auto c = x[i].view() <=> y[i].view(); c != 0) return c;
  }
  return a.size() <=> b.size();
}

LabelsBuilder& LabelsBuilder::reset(const Labels& base) {
  pairs_.clear();
  pairs_.reserve(base.size() + 2);
  for (size_t i = 0; i < base.size(); ++i) pairs_.emplace_back(base.name_symbol(i), base.value_symbol(i));
  return *this;
}

std::vector<std::pair<Symbol, Symbol>>::iterator LabelsBuilder::find(std::string_view name) {
  return std::lower_bound(pairs_.begin(), pairs_.end(), name,
                          [](const auto& p, std::string_view n) { return p.first.view() < n; });
}

LabelsBuilder& LabelsBuilder::set(const Symbol& name, const Symbol& value) {
  auto it = find(name.view());
  const bool present = it != pairs_.end() && it->first.view() == name.view();
  if (value.empty()) {
    if (present) pairs_.erase(it);
  } else if (present) {
    it->second = value;
  } else {
    pairs_.emplace(it, name, value);
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::set(std::string_view name, std::string_view value) {
  if (value.empty()) return del(name);
  auto it = find(name);
  if (it != pairs_.end() && it->first.view() == name) {
    if (it->second.view() != value) it->second = Symbol(value);
  } else {
    pairs_.emplace(it, Symbol(name), Symbol(value));
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::del(std::string_view name) {
  auto it = find(name);
  if (it != pairs_.end() && it->first.view() == name) pairs_.erase(it);
  return *this;
}

std::string_view LabelsBuilder::get(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const auto& p, std::string_view n) { return p.first.view() < n; });
  return it != pairs_.end() && it->first.view() == name ? it->second.view() : std::string_view();
}

LabelsBuilder& LabelsBuilder::keep_only(const std::vector<std::string>& names) {
  std::erase_if(pairs_, [&](const auto& p) {
    return std::find(names.begin(), names.end(), p.first.view()) == names.end();
  });
  return *this;
}

Labels LabelsBuilder::build() const {
  std::vector<std::pair<Symbol, Symbol>> copy = pairs_;
  return Labels::from_sorted(std::move(copy));
}

Labels intern_labels(SymbolTable& table, const Labels& labels) {
  std::vector<std::pair<Symbol, Symbol>> pairs;
  pairs.reserve(labels.size());
  bool changed = false;
  for (size_t i = 0; i < labels.size(); ++i) {
    Symbol name = table.intern(labels.name_symbol(i));
    Symbol value = table.intern(labels.value_symbol(i));
    changed = changed || !name.same_storage(labels.name_symbol(i)) ||
              !value.same_storage(labels.value_symbol(i));
    pairs.emplace_back(std::move(name), std::move(value));
  }
  if (!changed) return labels;
  LabelsBuilder b;
  for (auto& [name, value] : pairs) b.set(name, value);
  return b.build();
}

std::string go_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size();) i += append_quoted_rune(out, s, i);
  out += '"';
  return out;
}

bool is_legacy_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool is_valid_label_name(std::string_view name) {
  return !name.empty() && is_valid_utf8(name);
}

bool is_legacy_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string_view annotation_value(const Annotations& annotations, std::string_view name) {
  const auto it = std::lower_bound(annotations.begin(), annotations.end(), name,
                                   [](const auto& kv, std::string_view n) { return kv.first < n; });
  return it != annotations.end() && it->first == name ? std::string_view(it->second) : std::string_view();
}

std::string annotations_string(const Annotations& annotations) {
  std::string out = "{";
  for (size_t i = 0; i < annotations.size(); ++i) {
    const auto& [name, value] = annotations[i];
    if (i > 0) out += ", ";
    out += is_legacy_label_name(name) ? name : go_quote(name);
    out += '=';
    out += go_quote(value);
  }
  out += '}';
  return out;
}

Labels annotations_as_labels(const Annotations& annotations) {
  LabelsBuilder b;
  for (const auto& [name, value] : annotations) b.set(name, value);
  return b.build();
}

}  // namespace cogwatch
