#include "tests/server/peer/peers.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "cli/cog_sim.h"
#include "cli/daemon.h"
#include "model/clock.h"
#include "net/http_server.h"
#include "tests/notify/peer/http_client.h"
#include "tests/notify/peer/process.h"
#include "tests/server/peer/prometheus_process.h"

namespace cogwatch::server::peer {
namespace {

using namespace std::chrono_literals;
using notify::peer::http_request;

constexpr int kSpeed = 60;  // simulated seconds per real second

// A simulated Cog predictor on its own io thread, running kSpeed times
// faster than the clock.
class CogSimServer {
 public:
  explicit CogSimServer(cli::Scenario scenario)
      : sim_({.scenario = scenario}), start_(system_clock().now()), work_(io_.get_executor()) {}
  Status start() {
    auto s = net::HttpServer::start(io_, {.port = 0}, [this](const net::HttpRequest&) {
      const Timestamp now = system_clock().now();
      return net::HttpResponse{.content_type = "text/plain; version=0.0.4",
                               .body = sim_.body(start_ + (now - start_) * kSpeed)};
    });
    if (!s) return s.take_error();
    server_ = std::move(*s);
    thread_ = std::thread([this] { io_.run(); });
    return {};
  }
  ~CogSimServer() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

 private:
  cli::CogSimulator sim_;
  Timestamp start_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
};

constexpr char kRules[] = R"yaml(groups:
- name: cog
  rules:
  - record: job:cog_predict_requests:rate5s
    expr: sum by (job) (rate(cog_predict_requests_total[5s]))
  - alert: PredictionErrorRate
    expr: sum by (instance) (rate(cog_predict_errors_total[5s])) / sum by (instance) (rate(cog_predict_requests_total[5s])) > 0.01
    for: 2s
    labels: {severity: critical}
    annotations:
      summary: "prediction errors on {{ $labels.instance }}"
      description: "error rate above 1%"
)yaml";

std::string config_text(const std::string& errors, const std::string& normal) {
  return "global:\n"
         "  scrape_interval: 1s\n"
         "  evaluation_interval: 1s\n"
         "  external_labels: {site: edge-1}\n"
         "scrape_configs:\n"
         "  - job_name: cog\n"
         "    static_configs:\n"
         "      - targets: ['" + errors + "', '" + normal + "']\n"
         "rule_files: [rules.yml]\n";
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return make_error(ErrorCode::kUnavailable, "cannot write " + path);
  return {};
}

// The number of series an instant query returns, -1 when it fails.
int series_count(const std::string& url) {
  auto r = http_request("GET", url, "", "", 2s);
  if (!r || r->status != 200) return -1;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r->body, ec);
  if (ec) return -1;
  const auto* result = v.at("data").at("result").if_array();
  return result == nullptr ? -1 : static_cast<int>(result->size());
}

std::unique_ptr<Peers>& instance() {
  static std::unique_ptr<Peers> peers;
  return peers;
}

class StopPeers : public ::testing::Environment {
 public:
  void TearDown() override { Peers::stop_all(); }
};
const auto* const kStopPeers = ::testing::AddGlobalTestEnvironment(new StopPeers);

}  // namespace

struct Peers::Impl {
  std::string dir;
  std::unique_ptr<CogSimServer> errors, normal;
  std::string errors_address, normal_address;
  std::unique_ptr<PrometheusProcess> prometheus;
  std::shared_ptr<std::string> log = std::make_shared<std::string>();
  std::unique_ptr<cli::Daemon> daemon;
  std::string start_error;  // set when starting failed: every get() reports it

  Status start();
};

Status Peers::Impl::start() {
  Result<std::string> d = notify::peer::make_temp_dir("api-peer");
  if (!d) return d.take_error();
  dir = *d;
  errors = std::make_unique<CogSimServer>(cli::Scenario::kErrors);
  normal = std::make_unique<CogSimServer>(cli::Scenario::kNormal);
  if (Status s = errors->start(); !s) return s;
  if (Status s = normal->start(); !s) return s;
  errors_address = errors->address();
  normal_address = normal->address();
  const std::string config = dir + "/prometheus.yml";
  if (Status s = write_file(config, config_text(errors_address, normal_address)); !s) return s;
  if (Status s = write_file(dir + "/rules.yml", kRules); !s) return s;

  cli::DaemonOptions o;
  o.config_file = config;
  o.config_file_given = true;
  o.listen_address = "127.0.0.1:0";
  o.log = cli::Logger::to_string_sink(log, cli::LogLevel::kInfo, false);
  // What `cogwatch run` would pass (run.cc fills every flag); a few suffice for the shape.
  o.flags = {{"config.file", config}, {"web.listen-address", o.listen_address}, {"query.timeout", "2m"},
             {"query.max-concurrency", "20"}, {"storage.tsdb.retention.time", "15d"}};
  daemon = std::make_unique<cli::Daemon>(std::move(o));
  if (Status s = daemon->start(); !s) {
    return make_error(ErrorCode::kUnavailable, "cogwatch did not start: " + s.error().message + "\n" + *log);
  }
  Result<std::unique_ptr<PrometheusProcess>> p =
      PrometheusProcess::start({.config_file = config, .work_dir = dir});
  if (!p) return p.take_error();
  prometheus = std::move(*p);

  // Both have scraped each target at least 9 times and show the alert
  // firing; the recording rule has a value.
  const std::string ready_queries[] = {
      "/api/v1/query?query=" + query_escape("min(count_over_time(up[1m])) >= 9"),
      "/api/v1/query?query=" + query_escape("ALERTS{alertstate=\"firing\"}"),
      "/api/v1/query?query=" + query_escape("job:cog_predict_requests:rate5s"),
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (const std::string& q : ready_queries) {
    while (series_count("http://127.0.0.1:" + std::to_string(daemon->port()) + q) != 1 ||
           series_count(prometheus->url(q)) != 1) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return make_error(ErrorCode::kTimeout, "the peers did not get to " + q + " within 30 s.\ncogwatch's log:\n" +
                                                   *log + "\nPrometheus's log:\n" + prometheus->log());
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  return {};
}

Peers::Peers() : impl_(std::make_unique<Impl>()) {}

Peers::~Peers() {
  if (impl_->daemon) impl_->daemon->shutdown();
  impl_->prometheus.reset();
  impl_->daemon.reset();
  impl_->errors.reset();
  impl_->normal.reset();
  if (!impl_->dir.empty()) notify::peer::remove_tree(impl_->dir);
}

Result<Peers*> Peers::get() {
  std::unique_ptr<Peers>& p = instance();
  if (!p) {
    p.reset(new Peers());
    if (Status s = p->impl_->start(); !s) p->impl_->start_error = s.error().message;
  }
  if (!p->impl_->start_error.empty()) return make_error(ErrorCode::kUnavailable, p->impl_->start_error);
  return p.get();
}

void Peers::stop_all() { instance().reset(); }

std::string Peers::cogwatch(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->daemon->port()) + std::string(path);
}
std::string Peers::prometheus(std::string_view path) const { return impl_->prometheus->url(path); }
const std::string& Peers::errors_target() const { return impl_->errors_address; }
const std::string& Peers::normal_target() const { return impl_->normal_address; }
const std::string& Peers::dir() const { return impl_->dir; }
std::string Peers::cogwatch_log() const { return *impl_->log; }
std::string Peers::prometheus_log() const { return impl_->prometheus ? impl_->prometheus->log() : ""; }

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace cogwatch::server::peer
