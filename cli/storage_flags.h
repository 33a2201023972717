// The storage flags Prometheus users know, shared by every subcommand that
// opens a store:
//   --storage.tsdb.retention.time=15d   (durations as Prometheus writes them)
//   --storage.tsdb.retention.size=512MB (B, KB, MB, GB, TB, PB, EB; powers
//                                        of 1024 as in Prometheus)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "model/byte_size.h"
#include "model/error.h"
#include "tsdb/head.h"

namespace cogwatch::cli {

struct StorageFlags {
  std::string retention_time = "15d";
  std::string retention_size = "0";

  // Registers the flags on a (sub)command.
  void add_to(CLI::App& app);
  // HeadOptions from the flags, or the first invalid flag's error, naming
  // the flag.
  Result<tsdb::HeadOptions> head_options() const;
};

}  // namespace cogwatch::cli
