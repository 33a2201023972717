#include "tsdb/internal/column_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

#include "tsdb/internal/encoding.h"

namespace cogwatch::tsdb::internal {
namespace {

// Decimal exponents tried: 10^0 .. 10^15 (all exact doubles).
constexpr int kMaxExponent = 15;
// Integers beyond 2^53 are not all doubles; m stays within it.
constexpr double kMaxInteger = 9007199254740992.0;

double pow10(int k) {
  double p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

// The double that m / 10^k decodes to: the same operation the reader does.
double decimal_value(int64_t m, int k, double scale) {
  return k == 0 ? static_cast<double>(m) : static_cast<double>(m) / scale;
}

// The integer m with m / 10^k == v bit for bit, if there is one.
bool to_decimal(double v, int k, double scale, int64_t& m) {
  const double x = v * scale;
  if (!(std::fabs(x) < kMaxInteger)) return false;  // NaN, infinities, too large
  m = static_cast<int64_t>(std::nearbyint(x));
  return std::bit_cast<uint64_t>(decimal_value(m, k, scale)) == std::bit_cast<uint64_t>(v);
}

void encode_xor_values(std::span<const double> values, std::vector<uint8_t>& out) {
  out.push_back(kModeXor);
  BitWriter w(out);
  auto emit = [&w](uint64_t v, unsigned n) { w.write_bits(v, n); };
  XorWindow window;
  uint64_t prev = std::bit_cast<uint64_t>(values[0]);
  w.write_bits(prev, 64);
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t bits = std::bit_cast<uint64_t>(values[i]);
    put_xor(window, bits ^ prev, emit);
    prev = bits;
  }
}

unsigned bit_length(uint64_t u) { return u == 0 ? 0 : 64 - static_cast<unsigned>(std::countl_zero(u)); }

// Writes the integers m as a decimal-mode column: as deltas (dod false) or
// deltas of deltas, minus their minimum, over their GCD, in the cheapest
// of a plain fixed width or a flagged width.
void encode_decimal_values(std::span<const int64_t> m, int exponent, bool dod,
                           std::span<const std::pair<uint32_t, uint64_t>> exceptions, std::vector<uint8_t>& out) {
  // The stream, modulo 2^64 (corrupt-free here; the reader wraps the same).
  std::vector<uint64_t> stream;
  uint64_t d1 = 0;
  for (size_t i = 1; i < m.size(); ++i) {
    const uint64_t delta = static_cast<uint64_t>(m[i]) - static_cast<uint64_t>(m[i - 1]);
    if (!dod) {
      stream.push_back(delta);
    } else if (i == 1) {
      d1 = delta;
    } else {
      const uint64_t prev = static_cast<uint64_t>(m[i - 1]) - static_cast<uint64_t>(m[i - 2]);
      stream.push_back(delta - prev);
    }
  }
  int64_t base = 0;
  if (!stream.empty()) {
    base = static_cast<int64_t>(*std::min_element(stream.begin(), stream.end(), [](uint64_t a, uint64_t b) {
      return static_cast<int64_t>(a) < static_cast<int64_t>(b);
    }));
  }
  uint64_t gcd = 0;
  for (uint64_t& s : stream) {
    s -= static_cast<uint64_t>(base);
    gcd = std::gcd(gcd, s);
  }
  unsigned count[65] = {};
  for (uint64_t& s : stream) {
    if (gcd > 1) s /= gcd;
    ++count[bit_length(s)];
  }
  unsigned max_bits = 0;
  for (unsigned b = 0; b <= 64; ++b) {
    if (count[b] > 0) max_bits = b;
  }
  uint64_t best_cost = static_cast<uint64_t>(max_bits) * stream.size();
  unsigned best_width = max_bits;
  bool flagged = false;
  for (unsigned w = 0; w < max_bits; ++w) {
    uint64_t cost = count[0];
    for (unsigned b = 1; b <= 64; ++b) cost += static_cast<uint64_t>(count[b]) * (b <= w ? 2 + w : 66);
    if (cost < best_cost) {
      best_cost = cost;
      best_width = w;
      flagged = true;
    }
  }

  out.push_back(kModeDecimal);
  out.push_back(static_cast<uint8_t>(exponent | (dod ? 0x10 : 0) | (flagged ? 0x20 : 0)));
  out.push_back(static_cast<uint8_t>(best_width));
  put_varint(out, base);
  put_uvarint(out, gcd);
  put_varint(out, m[0]);
  if (dod) put_varint(out, static_cast<int64_t>(d1));
  put_uvarint(out, exceptions.size());
  uint32_t next = 0;
  for (const auto& [index, bits] : exceptions) {
    put_uvarint(out, index - next);
    put_u64le(out, bits);
    next = index + 1;
  }
  BitWriter w(out);
  for (uint64_t s : stream) {
    if (!flagged) {
      w.write_bits(s, best_width);
    } else if (s == 0) {
      w.write_bits(0, 1);
    } else if (bit_length(s) <= best_width) {
      w.write_bits(0b10, 2);
      w.write_bits(s, best_width);
    } else {
      w.write_bits(0b11, 2);
      w.write_bits(s, 64);
    }
  }
}

// The smallest exponent k for which at most 1 value in 16 is not some
// integer over 10^k; -1 if there is none. Fills m (exceptions repeat the
// integer before them, so they do not disturb the deltas) and exceptions.
int find_decimal(std::span<const double> values, std::vector<int64_t>& m,
                 std::vector<std::pair<uint32_t, uint64_t>>& exceptions) {
  const size_t allowed = values.size() / 16;
  for (int k = 0; k <= kMaxExponent; ++k) {
    const double scale = pow10(k);
    m.clear();
    exceptions.clear();
    for (size_t i = 0; i < values.size() && exceptions.size() <= allowed; ++i) {
      int64_t x;
      if (!to_decimal(values[i], k, scale, x)) {
        exceptions.emplace_back(static_cast<uint32_t>(i), std::bit_cast<uint64_t>(values[i]));
        x = m.empty() ? 0 : m.back();
      }
      m.push_back(x);
    }
    if (exceptions.size() <= allowed) return k;
  }
  return -1;
}

}  // namespace

void encode_timestamp_column(std::span<const Timestamp> ts, std::vector<uint8_t>& out) {
  put_uvarint(out, ts.size());
  put_varint(out, ts.front());
  put_uvarint(out, static_cast<uint64_t>(ts.back()) - static_cast<uint64_t>(ts.front()));
  if (ts.size() < 2) return;
  uint64_t delta = static_cast<uint64_t>(ts[1]) - static_cast<uint64_t>(ts[0]);
  put_uvarint(out, delta);
  BitWriter w(out);
  for (size_t i = 2; i < ts.size(); ++i) {
    const uint64_t d = static_cast<uint64_t>(ts[i]) - static_cast<uint64_t>(ts[i - 1]);
    put_dod(static_cast<int64_t>(d - delta), [&w](uint64_t v, unsigned n) { w.write_bits(v, n); });
    delta = d;
  }
}

void encode_value_column(std::span<const double> values, std::vector<uint8_t>& out) {
  std::vector<uint8_t> best;
  encode_xor_values(values, best);
  std::vector<int64_t> m;
  std::vector<std::pair<uint32_t, uint64_t>> exceptions;
  const int k = find_decimal(values, m, exceptions);
  if (k >= 0) {
    for (bool dod : {false, true}) {
      if (dod && values.size() < 3) break;
      std::vector<uint8_t> candidate;
      encode_decimal_values(m, k, dod, exceptions, candidate);
      if (candidate.size() < best.size()) best = std::move(candidate);
    }
  }
  out.insert(out.end(), best.begin(), best.end());
}

namespace {

// n, t0 and the span, as encode_timestamp_column() wrote them; false if
// they do not decode or n is not 1..65535.
bool decode_timestamp_header(Decoder& d, TimestampColumnHeader& header) {
  const uint64_t n = d.uvarint();
  const int64_t t0 = d.varint();
  const uint64_t span = d.uvarint();
  if (!d.ok() || n == 0 || n > UINT16_MAX) return false;
  header.num_samples = static_cast<uint32_t>(n);
  header.min_time = t0;
  header.max_time = static_cast<Timestamp>(static_cast<uint64_t>(t0) + span);
  return true;
}

}  // namespace

bool read_timestamp_header(std::span<const uint8_t> column, TimestampColumnHeader& header) {
  Decoder d(column);
  return decode_timestamp_header(d, header) && header.max_time >= header.min_time;
}

bool TimestampColumnReader::init(std::span<const uint8_t> column) {
  Decoder d(column);
  TimestampColumnHeader h;
  if (!decode_timestamp_header(d, h)) return false;
  t_ = h.min_time;
  delta_ = h.num_samples > 1 ? d.uvarint() : 0;
  if (!d.ok()) return false;
  num_samples_ = h.num_samples;
  const size_t header = column.size() - d.remaining();
  in_ = BitReader(column.data() + header, column.size() - header);
  read_ = 0;
  return true;
}

bool ValueColumnReader::init(std::span<const uint8_t> column) {
  Decoder d(column);
  mode_ = d.u8();
  read_ = 0;
  if (mode_ == kModeDecimal) {
    const uint8_t flags = d.u8();
    exponent_ = flags & 0x0f;
    dod_ = (flags & 0x10) != 0;
    flagged_ = (flags & 0x20) != 0;
    width_ = d.u8();
    base_ = static_cast<uint64_t>(d.varint());
    gcd_ = d.uvarint();
    m_ = d.varint();
    delta_ = dod_ ? static_cast<uint64_t>(d.varint()) : 0;
    exceptions_left_ = d.uvarint();
    if (!d.ok() || exponent_ > kMaxExponent || width_ > 64 || (flags & 0xc0) != 0) return false;
    scale_ = pow10(exponent_);
    exceptions_ = column.data() + (column.size() - d.remaining());
    // Each exception takes at least 9 bytes: skip them to find the bits.
    for (uint64_t i = 0; i < exceptions_left_ && d.ok(); ++i) {
      d.uvarint();
      d.u64le();
    }
    if (!d.ok()) return false;
    exceptions_end_ = column.data() + (column.size() - d.remaining());
    next_exception_from_ = 0;
    if (!next_exception()) return false;
  } else if (mode_ != kModeXor || !d.ok()) {
    return false;
  } else {
    exceptions_left_ = 0;
    exception_index_ = UINT64_MAX;
  }
  const size_t header = column.size() - d.remaining();
  in_ = BitReader(column.data() + header, column.size() - header);
  window_ = XorWindow();
  return true;
}

bool ValueColumnReader::next_exception() {
  if (exceptions_left_ == 0) {
    exception_index_ = UINT64_MAX;
    return true;
  }
  Decoder d(std::span<const uint8_t>(exceptions_, exceptions_end_));
  const uint64_t gap = d.uvarint();
  exception_bits_ = d.u64le();
  if (!d.ok() || gap > UINT32_MAX) return false;
  exceptions_ = exceptions_end_ - d.remaining();
  --exceptions_left_;
  exception_index_ = next_exception_from_ + gap;
  return true;
}

}  // namespace cogwatch::tsdb::internal
