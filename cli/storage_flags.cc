#include "cli/storage_flags.h"

#include "model/byte_size.h"

#include "model/time.h"

namespace cogwatch::cli {

void StorageFlags::add_to(CLI::App& app) {
  app.add_option("--storage.tsdb.retention.time", retention_time,
                 "How long to keep samples, as a Prometheus duration; 0 keeps them forever")
      ->capture_default_str();
  app.add_option("--storage.tsdb.retention.size", retention_size,
                 "Most bytes of sample chunks to keep (e.g. 512MB); 0 means no limit")
      ->capture_default_str();
}

Result<tsdb::HeadOptions> StorageFlags::head_options() const {
  tsdb::HeadOptions opts;
  auto time = parse_duration(retention_time);
  if (!time) return make_error(ErrorCode::kInvalidArgument, "--storage.tsdb.retention.time: " + time.error().message);
  auto size = parse_byte_size(retention_size);
  if (!size) return make_error(ErrorCode::kInvalidArgument, "--storage.tsdb.retention.size: " + size.error().message);
  opts.retention_time = *time;
  opts.retention_bytes = *size;
  return opts;
}

}  // namespace cogwatch::cli
