#include "tests/notify/peer/recording_webhook.h"

#include <strings.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/http_server.h"

namespace cogwatch::notify::peer {

std::string_view RecordedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return {};
}

RecordingWebhook::RecordingWebhook() : io_(std::make_unique<boost::asio::io_context>()) {}

Result<std::unique_ptr<RecordingWebhook>> RecordingWebhook::start() {
  std::unique_ptr<RecordingWebhook> hook(new RecordingWebhook());
  RecordingWebhook* self = hook.get();
  auto server =
      net::HttpServer::start(*hook->io_, {.address = "127.0.0.1", .port = 0}, [self](const net::HttpRequest& r) {
        const int status = self->record({.at = std::chrono::steady_clock::now(),
                                         .method = r.method,
                                         .target = r.target,
                                         .headers = r.headers,
                                         .body = r.body});
        return net::HttpResponse{.status = status};
      });
  if (!server) return server.take_error();
  hook->server_ = *std::move(server);
  hook->port_ = hook->server_->port();
  hook->thread_ = std::thread([io = hook->io_.get()] { io->run(); });
  return hook;
}

RecordingWebhook::~RecordingWebhook() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  boost::asio::post(*io_, [this] {
    server_->stop();
    io_->stop();
  });
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

std::string RecordingWebhook::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void RecordingWebhook::set_plan(std::vector<Reply> replies) {
  std::lock_guard lock(mu_);
  plan_ = std::move(replies);
  plan_next_ = 0;
}

std::vector<RecordedRequest> RecordingWebhook::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t RecordingWebhook::count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

bool RecordingWebhook::wait_for(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

int RecordingWebhook::record(RecordedRequest request) {
  std::unique_lock lock(mu_);
  const Reply reply = plan_next_ < plan_.size() ? plan_[plan_next_++] : Reply{};
  request.answered = reply.status;
  requests_.push_back(std::move(request));
  changed_.notify_all();
  if (reply.delay.count() > 0) {
    changed_.wait_for(lock, reply.delay, [&] { return stopping_; });
  }
  return reply.status;
}

}  // namespace cogwatch::notify::peer
