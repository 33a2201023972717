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
#include "scrape/scrape_protocol.h"

namespace cogwatch::cli {
namespace {

constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

net::HttpResponse metrics_response(const CogSimulator& sim, const net::HttpRequest& request, Timestamp now) {
  if (scrape::accepts_protobuf(request.header("Accept"))) {
    return net::HttpResponse{.content_type = std::string(scrape::kProtobufMediaType), .body = sim.protobuf_body(now)};
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
