#include "tsdb/internal/wal_records.h"

namespace cogwatch::tsdb::internal {

void encode_series_entry(std::vector<uint8_t>& out, SeriesRef ref, const Labels& labels) {
  put_uvarint(out, ref);
  put_uvarint(out, labels.size());
  for (const Label& l : labels) {
    put_bytes(out, l.name);
    put_bytes(out, l.value);
  }
}

void encode_chunk_entry(std::vector<uint8_t>& out, SeriesRef ref, bool open, std::span<const uint8_t> chunk) {
  put_uvarint(out, ref);
  put_uvarint(out, open ? 1 : 0);
  put_bytes(out, std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()));
}

}  // namespace cogwatch::tsdb::internal
