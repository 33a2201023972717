// Builds the remote-write requests that feed the fixture sequences
// (tests/tsdb/histogram_fixture_series.h) to Prometheus, and extracts the
// chunks Prometheus wrote to chunks_head/. Run by generate.sh; not part of
// the build (it needs only the model headers and libsnappy).
//
//   fixture_generator requests DIR       DIR/NNN.pb: snappy-compressed
//                                        prompb.WriteRequests, in order
//   fixture_generator extract CHUNKS OUT the histogram chunks in the files
//                                        of CHUNKS (a chunks_head/), as
//                                        OUT/<series>.<n>.chunk
#include <snappy.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "tests/tsdb/histogram_fixture_series.h"

using namespace cogwatch;
using namespace cogwatch::tsdb::fixtures;

namespace {

// ---- protobuf, by hand: only what prompb.WriteRequest needs ----

void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
void tag(std::string& out, int field, int wire) { varint(out, static_cast<uint64_t>(field) << 3 | wire); }
void uint_field(std::string& out, int field, uint64_t v) {
  tag(out, field, 0);
  varint(out, v);
}
void double_field(std::string& out, int field, double v) {
  tag(out, field, 1);
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out += static_cast<char>(bits >> (8 * i));
}
void bytes_field(std::string& out, int field, const std::string& b) {
  tag(out, field, 2);
  varint(out, b.size());
  out += b;
}

std::string spans(const HistogramSpan& s) {
  std::string out;
  uint_field(out, 1, zigzag(s.offset));  // sint32
  uint_field(out, 2, s.length);
  return out;
}

// prompb.Histogram (Prometheus 2.42's types.proto).
template <typename H>
std::string histogram(Timestamp t, const H& h) {
  constexpr bool kFloat = std::is_same_v<H, FloatHistogram>;
  std::string out;
  if constexpr (kFloat) {
    double_field(out, 2, h.count);
  } else {
    uint_field(out, 1, h.count);
  }
  double_field(out, 3, h.sum);
  uint_field(out, 4, zigzag(h.schema));
  double_field(out, 5, h.zero_threshold);
  if constexpr (kFloat) {
    double_field(out, 7, h.zero_count);
  } else {
    uint_field(out, 6, h.zero_count);
  }
  for (const auto& s : h.negative_spans) bytes_field(out, 8, spans(s));
  std::string packed;
  for (auto b : h.negative_buckets) {
    if constexpr (kFloat) {
      const uint64_t bits = std::bit_cast<uint64_t>(b);
      for (int i = 0; i < 8; ++i) packed += static_cast<char>(bits >> (8 * i));
    } else {
      varint(packed, zigzag(b));
    }
  }
  if (!packed.empty()) bytes_field(out, kFloat ? 10 : 9, packed);
  for (const auto& s : h.positive_spans) bytes_field(out, 11, spans(s));
  packed.clear();
  for (auto b : h.positive_buckets) {
    if constexpr (kFloat) {
      const uint64_t bits = std::bit_cast<uint64_t>(b);
      for (int i = 0; i < 8; ++i) packed += static_cast<char>(bits >> (8 * i));
    } else {
      varint(packed, zigzag(b));
    }
  }
  if (!packed.empty()) bytes_field(out, kFloat ? 13 : 12, packed);
  uint_field(out, 14, static_cast<uint64_t>(h.counter_reset_hint));
  uint_field(out, 15, static_cast<uint64_t>(t));
  return out;
}

std::string labels(const std::string& name) {
  std::string out, l;
  bytes_field(l, 1, "__name__");
  bytes_field(l, 2, name);
  bytes_field(out, 1, l);
  l.clear();
  bytes_field(l, 1, "job");
  bytes_field(l, 2, "fixture");
  bytes_field(out, 1, l);
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Request k carries sample k of every series that has one (so the series
// are created in fixture order: their refs ascend with it); the last one
// the float samples that close each series' last histogram chunk.
int requests(const std::string& dir) {
  const auto series = fixture_series();
  size_t longest = 0;
  for (const auto& s : series) longest = std::max({longest, s.integers.size(), s.floats.size()});
  for (size_t k = 0; k <= longest; ++k) {
    std::string req;
    for (const auto& s : series) {
      std::string ts = labels(s.name);
      const size_t n = std::max(s.integers.size(), s.floats.size());
      if (k < s.integers.size()) {
        bytes_field(ts, 4, histogram(s.integers[k].t, s.integers[k].h));
      } else if (k < s.floats.size()) {
        bytes_field(ts, 4, histogram(s.floats[k].t, s.floats[k].h));
      } else if (k == n) {
        std::string sample;
        double_field(sample, 1, 1.0);
        uint_field(sample, 2, static_cast<uint64_t>(s.float_t));
        bytes_field(ts, 2, sample);
      } else {
        continue;
      }
      bytes_field(req, 1, ts);
    }
    std::string compressed;
    snappy::Compress(req.data(), req.size(), &compressed);
    char name[32];
    std::snprintf(name, sizeof name, "/%03zu.pb", k);
    write_file(dir + name, compressed);
  }
  return 0;
}

uint64_t be(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

// tsdb/docs/format/head_chunks.md: magic u32 BE, version, 3 bytes padding;
// then ref u64 BE, mint u64 BE, maxt u64 BE, encoding u8, len uvarint,
// data, crc32 u32 BE.
int extract(const std::string& chunks_dir, const std::string& out_dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(chunks_dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  // (ref, mint) -> (encoding, bytes)
  std::map<std::pair<uint64_t, int64_t>, std::pair<int, std::string>> chunks;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(in)), {});
    const auto* b = reinterpret_cast<const uint8_t*>(all.data());
    if (all.size() < 8 || be(b, 4) != 0x0130BC91) {
      std::fprintf(stderr, "%s: not a head chunks file\n", f.c_str());
      return 1;
    }
    size_t at = 8;
    while (at + 25 < all.size()) {
      const uint64_t ref = be(b + at, 8);
      const auto mint = static_cast<int64_t>(be(b + at + 8, 8));
      const int encoding = b[at + 24];
      if (ref == 0 && encoding == 0) break;  // the unwritten rest
      at += 25;
      uint64_t len = 0;
      for (int shift = 0;; shift += 7) {
        const uint8_t byte = b[at++];
        len |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if (byte < 0x80) break;
      }
      chunks[{ref, mint}] = {encoding, all.substr(at, len)};
      at += len + 4;
    }
  }
  // Refs are given in creation order, which is fixture order.
  std::map<uint64_t, size_t> series_of;
  for (const auto& [key, chunk] : chunks) series_of.emplace(key.first, 0);
  const auto series = fixture_series();
  size_t i = 0;
  for (auto& [ref, index] : series_of) index = i++;
  std::map<size_t, int> count;
  for (const auto& [key, chunk] : chunks) {
    if (chunk.first != 2 && chunk.first != 3) continue;  // the closing float samples
    const size_t s = series_of[key.first];
    if (s >= series.size()) {
      std::fprintf(stderr, "more series than fixtures\n");
      return 1;
    }
    const std::string path = out_dir + "/" + series[s].name + "." + std::to_string(count[s]++) + ".chunk";
    write_file(path, chunk.second);
    std::printf("%s: encoding %d, %zu bytes\n", path.c_str(), chunk.first, chunk.second.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "requests" && argc == 3) return requests(argv[2]);
  if (mode == "extract" && argc == 4) return extract(argv[2], argv[3]);
  std::fprintf(stderr, "usage: fixture_generator requests DIR | extract CHUNKS_DIR OUT_DIR\n");
  return 2;
}
