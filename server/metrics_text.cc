#include "server/metrics_text.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "model/value.h"

namespace cogwatch::server {

void MetricsWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) {  // HELP escapes \ and newlines only
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsWriter::begin_sample(std::string_view name) { out_ += name; }

void MetricsWriter::add_label(bool& first, std::string_view name, std::string_view value) {
  out_ += first ? '{' : ',';
  first = false;
  out_ += name;
  out_ += "=\"";
  for (char c : value) {
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '"') {
      out_ += "\\\"";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  out_ += '"';
}

void MetricsWriter::end_sample(bool had_labels, double value) {
  if (had_labels) out_ += '}';
  out_ += ' ';
  out_ += format_float(value);
  out_ += '\n';
}

void MetricsWriter::sample(std::string_view name, MetricLabels labels, double value) {
  begin_sample(name);
  bool first = true;
  for (const auto& [n, v] : labels) add_label(first, n, v);
  end_sample(!first, value);
}

void MetricsWriter::sample(std::string_view name, const std::vector<std::pair<std::string, std::string>>& labels,
                           double value) {
  begin_sample(name);
  bool first = true;
  for (const auto& [n, v] : labels) add_label(first, n, v);
  end_sample(!first, value);
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.bounds = bounds_;
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    s.buckets.push_back(cumulative);
  }
  s.count = cumulative;  // consistent with the buckets, even mid-observe
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

void write_histogram(MetricsWriter& w, std::string_view name,
                     const std::vector<std::pair<std::string, std::string>>& labels, const HistogramSnapshot& h) {
  const std::string bucket = std::string(name) + "_bucket";
  auto with_le = labels;
  with_le.emplace_back("le", "");
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    with_le.back().second = i < h.bounds.size() ? format_float(h.bounds[i]) : "+Inf";
    w.sample(bucket, with_le, static_cast<double>(h.buckets[i]));
  }
  w.sample(std::string(name) + "_sum", labels, h.sum);
  w.sample(std::string(name) + "_count", labels, static_cast<double>(h.count));
}

namespace {

// Fields of /proc/self/stat after the command name: utime is field 14,
// stime 15, vsize 23, rss 24 (in pages).
struct ProcStat {
  double cpu_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

ProcStat read_proc_stat() {
  ProcStat s;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return s;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  // f[0] is field 3 (state).
  auto field = [&](size_t n) { return n - 3 < f.size() ? std::stod(f[n - 3]) : 0.0; };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_seconds = (field(14) + field(15)) / ticks;
  s.virtual_bytes = field(23);
  s.resident_bytes = field(24) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return s;
}

}  // namespace

uint64_t resident_memory_bytes() { return static_cast<uint64_t>(read_proc_stat().resident_bytes); }

uint64_t peak_resident_memory_bytes() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

void write_process_metrics(MetricsWriter& w, Timestamp start_time) {
  const ProcStat s = read_proc_stat();
  w.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  w.sample("process_cpu_seconds_total", {}, s.cpu_seconds);
  size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  w.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  w.sample("process_max_fds", {}, static_cast<double>(limit.rlim_cur));
  w.family("process_open_fds", "gauge", "Number of open file descriptors.");
  w.sample("process_open_fds", {}, static_cast<double>(fds));
  w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  w.sample("process_resident_memory_bytes", {}, s.resident_bytes);
  w.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  w.sample("process_start_time_seconds", {}, static_cast<double>(start_time) / 1000);
  w.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  w.sample("process_virtual_memory_bytes", {}, s.virtual_bytes);
}

}  // namespace cogwatch::server
