#include "notify/label_set.h"

#include <cstdio>

#include "model/go_json.h"

namespace cogwatch::notify {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr unsigned char kSeparator = 0xff;  // model.SeparatorByte: never in UTF-8 text

uint64_t fnv_add(uint64_t h, std::string_view bytes) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return (h ^ kSeparator) * kFnvPrime;
}

}  // namespace

uint64_t fingerprint(const Labels& labels) {
  uint64_t h = kFnvOffset;
  for (const Label l : labels) {  // Labels iterate sorted by name
    h = fnv_add(h, l.name);
    h = fnv_add(h, l.value);
  }
  return h;
}

std::string fingerprint_string(uint64_t fp) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fp));
  return buf;
}

std::string fingerprint_string(const Labels& labels) { return fingerprint_string(fingerprint(labels)); }

namespace {

template <typename Pairs>
void append_pairs(std::string& out, const Pairs& pairs) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : pairs) {
    if (!first) out += ',';
    first = false;
    append_go_json_string(out, name);
    out += ':';
    append_go_json_string(out, value);
  }
  out += '}';
}

}  // namespace

void append_json_object(std::string& out, const Labels& labels) { append_pairs(out, labels); }
void append_json_object(std::string& out, const Annotations& annotations) { append_pairs(out, annotations); }

std::string label_set_string(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const Label l : labels) {
    if (!first) out += ", ";
    first = false;
    out += std::string(l.name) + "=" + go_quote(l.value);
  }
  return out + "}";
}

}  // namespace cogwatch::notify
