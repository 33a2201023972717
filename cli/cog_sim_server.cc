#include "cli/cog_sim_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ostream>
#include <thread>
#include <vector>

#include "model/clock.h"
#include "net/http_server.h"

namespace cogwatch::cli {
namespace {

constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kProtobufContentType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return std::tolower(static_cast<unsigned char>(c)); });
  return out;
}

// One clause of an Accept header: "type/subtype;name=value;q=0.5".
struct AcceptClause {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;
  double q = 1;
  std::string_view param(std::string_view name) const {
    for (const auto& [n, v] : params) {
      if (n == name) return v;
    }
    return {};
  }
};

std::vector<AcceptClause> parse_accept(std::string_view header) {
  std::vector<AcceptClause> out;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view clause = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    AcceptClause c;
    const size_t semicolon = clause.find(';');
    c.type = lower(trim(clause.substr(0, semicolon)));
    std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : clause.substr(semicolon + 1);
    while (!rest.empty()) {
      const size_t next = rest.find(';');
      const std::string_view param = rest.substr(0, next);
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
      const size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      std::string name = lower(trim(param.substr(0, eq)));
      std::string value(trim(param.substr(eq + 1)));
      if (name == "q") {
        char* end = nullptr;
        const double q = std::strtod(value.c_str(), &end);
        if (end != value.c_str()) c.q = q;
      } else {
        c.params.emplace_back(std::move(name), std::move(value));
      }
    }
    if (!c.type.empty()) out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const AcceptClause& a, const AcceptClause& b) { return a.q > b.q; });
  return out;
}

bool wants_protobuf(std::string_view accept) {
  for (const AcceptClause& c : parse_accept(accept)) {
    if (c.q <= 0) continue;
    if (c.type == "application/vnd.google.protobuf" && c.param("proto") == "io.prometheus.client.MetricFamily" &&
        c.param("encoding") == "delimited") {
      return true;
    }
    if (c.type == "text/plain") return false;
  }
  return false;
}

}  // namespace

net::HttpResponse metrics_response(const CogSimulator& sim, const net::HttpRequest& request, Timestamp now) {
  if (wants_protobuf(request.header("Accept"))) {
    return net::HttpResponse{.content_type = std::string(kProtobufContentType), .body = sim.protobuf_body(now)};
  }
  return net::HttpResponse{.content_type = std::string(kTextContentType), .body = sim.body(now)};
}

int run_cog_sim(const CogSimServerOptions& options, std::ostream& out, std::ostream& err) {
  if (options.once) {
    out << CogSimulator(options.sim).body(system_clock().now());
    return 0;
  }
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(options.listen.substr(colon + 1));
    } catch (...) {
      port = -1;
    }
  }
  if (colon == std::string::npos || port < 0 || port > 65535) {
    err << "cogwatch cog-sim: --listen must be host:port, got \"" << options.listen << "\"\n";
    return 2;
  }
  boost::asio::io_context io;
  const CogSimulator sim(options.sim);
  auto server = net::HttpServer::start(
      io, {.address = options.listen.substr(0, colon), .port = static_cast<uint16_t>(port)},
      [&sim](const net::HttpRequest& req) {
        if (req.target != "/metrics" && !req.target.starts_with("/metrics?")) {
          return net::HttpResponse{.status = 404, .body = "not found; try /metrics\n"};
        }
        return metrics_response(sim, req, system_clock().now());
      });
  if (!server) {
    err << "cogwatch cog-sim: " << server.error().message << "\n";
    return 1;
  }
  out << "cog-sim: serving /metrics on http://" << options.listen.substr(0, colon) << ":" << (*server)->port()
      << " (scenario " << scenario_name(options.sim.scenario) << ")" << std::endl;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  boost::asio::steady_timer timer(io);
  if (options.duration > 0) {
    timer.expires_after(std::chrono::milliseconds(options.duration));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) io.stop();
    });
  }
  io.run();
  return 0;
}

struct BackgroundCogSim::Impl {
  explicit Impl(CogSimOptions options) : sim(std::move(options)), work(io.get_executor()) {}
  CogSimulator sim;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::unique_ptr<net::HttpServer> server;
  std::thread thread;
};

Result<std::unique_ptr<BackgroundCogSim>> BackgroundCogSim::start(CogSimOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl* self = impl.get();
  auto server = net::HttpServer::start(self->io, {.address = "127.0.0.1", .port = 0}, [self](const net::HttpRequest& req) {
    return metrics_response(self->sim, req, system_clock().now());
  });
  if (!server) return server.error();
  self->server = std::move(*server);
  self->thread = std::thread([self] { self->io.run(); });
  return std::unique_ptr<BackgroundCogSim>(new BackgroundCogSim(std::move(impl)));
}

BackgroundCogSim::BackgroundCogSim(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BackgroundCogSim::~BackgroundCogSim() {
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

std::string BackgroundCogSim::address() const { return "127.0.0.1:" + std::to_string(impl_->server->port()); }

const CogSimulator& BackgroundCogSim::sim() const { return impl_->sim; }

}  // namespace cogwatch::cli
