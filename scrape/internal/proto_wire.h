// Reading the protobuf wire format, for the streaming decoder of scrape
// bodies (scrape/protobuf_parser.cc): varints, zigzag, fixed 64-bit values,
// length-delimited fields as views into the input, and skipping what is not
// read. Nothing is copied or allocated.
//
//   WireReader r(message);
//   WireField f;
//   while (r.next(f)) {
//     if (f.number == 1 && f.type == WireType::kLen) name = f.bytes;
//     // fields not read are already skipped
//   }
//   if (!r.ok()) fail(r.error());  // "truncated varint", ...
//
// Thread-safety: plain values over a view the caller keeps alive.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cogwatch::scrape::internal {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,  // strings, bytes, embedded messages, packed repeated numbers
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// One field as read: its number, wire type and value (the member for its
// type; `bytes` points into the reader's input).
struct WireField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;     // kVarint, and the bits of kFixed64 / kFixed32
  std::string_view bytes;  // kLen
};

// Decodes a base-128 varint of up to 10 bytes at s[pos], advancing pos.
// False when it runs past the end or is longer than 10 bytes.
inline bool read_varint(std::string_view s, size_t& pos, uint64_t& out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (pos >= s.size()) return false;
    const auto b = static_cast<uint8_t>(s[pos++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      out = v;
      return true;
    }
  }
  return false;
}

// sint64 / sint32 as protobuf encodes them (zigzag); a sint32 is the low 32
// bits of its varint, as Go's decoders take it.
inline int64_t zigzag64(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }
inline int32_t zigzag32(uint64_t v) {
  const auto u = static_cast<uint32_t>(v);
  return static_cast<int32_t>(u >> 1) ^ -static_cast<int32_t>(u & 1);
}
inline double fixed64_to_double(uint64_t bits) { return std::bit_cast<double>(bits); }

class WireReader {
 public:
  explicit WireReader(std::string_view message) : s_(message) {}

  // Reads the next field into f; false at the end of the message or at an
  // error (then ok() is false). Groups (wire types 3 and 4, deprecated) are
  // skipped whole, as Go's decoders skip them.
  bool next(WireField& f) {
    while (pos_ < s_.size()) {
      uint64_t tag;
      if (!read_varint(s_, pos_, tag)) return fail("truncated field tag");
      const uint64_t number = tag >> 3;
      if (number == 0 || number > 0x1fffffff) return fail("invalid field number");
      f.number = static_cast<uint32_t>(number);
      f.type = static_cast<WireType>(tag & 7);
      switch (f.type) {
        case WireType::kVarint:
          if (!read_varint(s_, pos_, f.varint)) return fail("truncated varint");
          return true;
        case WireType::kFixed64:
          if (s_.size() - pos_ < 8) return fail("truncated fixed64");
          f.varint = load_le(8);
          return true;
        case WireType::kFixed32:
          if (s_.size() - pos_ < 4) return fail("truncated fixed32");
          f.varint = load_le(4);
          return true;
        case WireType::kLen: {
          uint64_t len;
          if (!read_varint(s_, pos_, len)) return fail("truncated length");
          if (len > s_.size() - pos_) return fail("length-delimited field runs past its message");
          f.bytes = s_.substr(pos_, static_cast<size_t>(len));
          pos_ += static_cast<size_t>(len);
          return true;
        }
        case WireType::kStartGroup:
          if (!skip_group(f.number, 1)) return false;
          continue;
        case WireType::kEndGroup:
          return fail("unexpected end of group");
        default:
          return fail("invalid wire type " + std::to_string(static_cast<int>(f.type)));
      }
    }
    return false;
  }

  bool ok() const { return !failed_; }
  // What went wrong ("truncated varint"), when !ok().
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string what) {
    failed_ = true;
    error_ = std::move(what);
    pos_ = s_.size();
    return false;
  }

  uint64_t load_le(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(s_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }

  // Skips to the end-group tag matching `number`; nested groups too, at
  // most 64 deep (a hostile body cannot recurse without bound).
  bool skip_group(uint32_t number, int depth) {
    if (depth > 64) return fail("groups nested too deep");
    while (pos_ < s_.size()) {
      uint64_t tag;
      if (!read_varint(s_, pos_, tag)) return fail("truncated field tag");
      const auto inner = static_cast<uint32_t>(tag >> 3);
      uint64_t skipped;
      switch (static_cast<WireType>(tag & 7)) {
        case WireType::kVarint:
          if (!read_varint(s_, pos_, skipped)) return fail("truncated varint");
          break;
        case WireType::kFixed64:
          if (s_.size() - pos_ < 8) return fail("truncated fixed64");
          pos_ += 8;
          break;
        case WireType::kFixed32:
          if (s_.size() - pos_ < 4) return fail("truncated fixed32");
          pos_ += 4;
          break;
        case WireType::kLen:
          if (!read_varint(s_, pos_, skipped)) return fail("truncated length");
          if (skipped > s_.size() - pos_) return fail("length-delimited field runs past its message");
          pos_ += static_cast<size_t>(skipped);
          break;
        case WireType::kStartGroup:
          if (!skip_group(inner, depth + 1)) return false;
          break;
        case WireType::kEndGroup:
          if (inner != number) return fail("unexpected end of group");
          return true;
        default:
          return fail("invalid wire type " + std::to_string(tag & 7));
      }
    }
    return fail("unterminated group");
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace cogwatch::scrape::internal
