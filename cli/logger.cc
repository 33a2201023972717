#include "cli/logger.h"

#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "model/clock.h"
#include "model/go_json.h"
#include "model/time.h"

namespace cogwatch::cli {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

spdlog::level::level_enum spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

// go-logfmt's rule: a value is quoted when it is empty or holds a space,
// '=', '"', or a control character; inside quotes \ " and controls are
// escaped.
void append_logfmt_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (unsigned char c : v) {
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) quote = true;
  }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < ' ' || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Collects formatted lines into a string, for tests.
class StringSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StringSink(std::shared_ptr<std::string> out) : out_(std::move(out)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    out_->append(msg.payload.data(), msg.payload.size());
    out_->push_back('\n');
  }
  void flush_() override {}

 private:
  std::shared_ptr<std::string> out_;
};

}  // namespace

std::string format_log_line(bool json, std::string_view time, LogLevel level, std::string_view component,
                            std::string_view msg, std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(128);
  // One field, in the line's format: "k":"v" in a JSON object, k=v in logfmt.
  auto field = [&](std::string_view k, std::string_view v) {
    if (json) {
      line += line.empty() ? "{" : ",";
      append_go_json_string(line, k);
      line += ':';
      append_go_json_string(line, v);
      return;
    }
    if (!line.empty()) line += ' ';
    line += k;
    line += '=';
    append_logfmt_value(line, v);
  };
  field("ts", time);
  field("level", level_name(level));
  field("component", component);
  field("msg", msg);
  for (const LogField& f : fields) field(f.key, f.value);
  if (json) line += '}';
  return line;
}

Result<std::shared_ptr<Logger>> Logger::create(const LoggerOptions& options) {
  LogLevel level;
  if (options.level == "debug") {
    level = LogLevel::kDebug;
  } else if (options.level == "info") {
    level = LogLevel::kInfo;
  } else if (options.level == "warn") {
    level = LogLevel::kWarn;
  } else if (options.level == "error") {
    level = LogLevel::kError;
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      "--log.level: enum value must be one of debug,info,warn,error, got '" + options.level + "'");
  }
  if (options.format != "logfmt" && options.format != "json") {
    return make_error(ErrorCode::kInvalidArgument,
                      "--log.format: enum value must be one of logfmt,json, got '" + options.format + "'");
  }
  auto out = std::make_shared<spdlog::logger>("cogwatch", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  return std::shared_ptr<Logger>(new Logger(std::move(out), level, options.format == "json"));
}

std::shared_ptr<Logger> Logger::to_string_sink(std::shared_ptr<std::string> out, LogLevel level, bool json) {
  auto logger = std::make_shared<spdlog::logger>("cogwatch", std::make_shared<StringSink>(std::move(out)));
  return std::shared_ptr<Logger>(new Logger(std::move(logger), level, json));
}

Logger::Logger(std::shared_ptr<spdlog::logger> out, LogLevel level, bool json)
    : out_(std::move(out)), level_(level), json_(json) {
  out_->set_pattern("%v");  // the line is formatted here
  out_->set_level(spdlog_level(level));
  out_->flush_on(spdlog::level::trace);  // a line is on its way out before the next event
}

Logger::~Logger() = default;

void Logger::log(LogLevel level, std::string_view component, std::string_view msg,
                 std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  const std::string line =
      format_log_line(json_, format_rfc3339_millis(system_clock().now()), level, component, msg, fields);
  out_->log(spdlog_level(level), spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace cogwatch::cli
