// The daemon's log: one line per event, logfmt (the default, as
// Prometheus's) or JSON, each naming the component it comes from:
//
//   ts=2026-12-01T08:00:00.123Z level=info component=scrape msg="Scrape failed" target=http://cog:5000/metrics err="..."
//   {"ts":"2026-12-01T08:00:00.123Z","level":"info","component":"scrape","msg":"Scrape failed",...}
//
//   auto log = Logger::create({.level = "info", .format = "logfmt"});
//   log->info("rules", "Rule evaluation failed", {{"group", g}, {"err", e}});
//
// spdlog does the levels and the locked, flushed writes to stderr; the
// formatting of a line is here. Libraries never log: they report events
// (callbacks, counters) and the daemon turns them into lines.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "model/error.h"

namespace spdlog {
class logger;
}

namespace cogwatch::cli {

enum class LogLevel : uint8_t { kDebug, kInfo, kWarn, kError };

// One key=value of a line.
struct LogField {
  std::string_view key;
  std::string value;
};

struct LoggerOptions {
  std::string level = "info";     // --log.level: debug, info, warn, error
  std::string format = "logfmt";  // --log.format: logfmt, json
};

class Logger {
 public:
  // Errors: kInvalidArgument naming the bad level or format in the words of
  // Prometheus's flag errors.
  static Result<std::shared_ptr<Logger>> create(const LoggerOptions& options);
  // Lines appended to `out` instead of stderr (tests).
  static std::shared_ptr<Logger> to_string_sink(std::shared_ptr<std::string> out, LogLevel level, bool json);
  ~Logger();

  void log(LogLevel level, std::string_view component, std::string_view msg,
           std::initializer_list<LogField> fields = {});
  void debug(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kDebug, c, m, f); }
  void info(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kInfo, c, m, f); }
  void warn(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kWarn, c, m, f); }
  void error(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kError, c, m, f); }

  bool enabled(LogLevel level) const { return level >= level_; }

 private:
  Logger(std::shared_ptr<spdlog::logger> out, LogLevel level, bool json);
  std::shared_ptr<spdlog::logger> out_;
  LogLevel level_;
  bool json_;
};

// One formatted line without its newline (exposed for tests).
std::string format_log_line(bool json, std::string_view time, LogLevel level, std::string_view component,
                            std::string_view msg, std::initializer_list<LogField> fields);

}  // namespace cogwatch::cli
