// net::HttpClient over TLS: certificates verified against ca_file or
// inline PEM, server_name, insecure_skip_verify, client certificates, and
// the TLS connection kept alive. The certificates are made by the test
// (OpenSSL), the server runs on 127.0.0.1 for a bounded time.
#include "net/http_client.h"

#include <unistd.h>
#include <atomic>
#include <fstream>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <gtest/gtest.h>

#include "tests/net/test_util.h"
#include "tests/net/tls_test_util.h"

namespace cogwatch::net {
namespace {

using testing::KeyPair;
using testing::make_self_signed;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/cogwatch_https_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << content;
  return path;
}

class HttpsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pair_ = new KeyPair(make_self_signed()); }
  static void TearDownTestSuite() { delete pair_; }

  // Serves "tls_up 1" over TLS with the test certificate, on its own thread
  // for at most 15 s; with `require_client_cert`, only to clients presenting
  // a certificate the test certificate signed (itself).
  void start(bool require_client_cert = false) {
    server_ctx_.use_certificate_chain(asio::buffer(pair_->cert_pem));
    server_ctx_.use_private_key(asio::buffer(pair_->key_pem), ssl::context::pem);
    if (require_client_cert) {
      server_ctx_.add_certificate_authority(asio::buffer(pair_->cert_pem));
      server_ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    acceptor_.emplace(server_io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = acceptor_->local_endpoint().port();
    asio::co_spawn(server_io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { server_io_.run_for(std::chrono::seconds(15)); });
  }
  void TearDown() override {
    server_io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  asio::awaitable<void> accept_loop() {
    while (true) {
      auto [ec, socket] = co_await acceptor_->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(server_io_, session(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> session(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), server_ctx_);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (hec) co_return;
    beast::flat_buffer buffer;
    while (true) {
      http::request<http::string_body> req;
      auto [rec, n] = co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
      if (rec) co_return;
      http::response<http::string_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.body() = "tls_up 1\n";
      res.keep_alive(true);
      res.prepare_payload();
      auto [wec, m] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      if (wec) co_return;
    }
  }

  HttpClientRequest request(const TlsConfig& tls, const std::string& host = "127.0.0.1") {
    auto r = make_http_request("GET", "https://" + host + ":" + std::to_string(port_) + "/metrics", {.tls = tls});
    EXPECT_TRUE(r.ok()) << r.error().message;
    r->timeout = 5 * kSecond;
    return *r;
  }
  Result<HttpClientResponse> fetch(HttpClient& client, HttpClientRequest r) {
    return testing::run_until_done<HttpClientResponse>(io_, [&](auto done) { client.send(std::move(r), done); });
  }

  static KeyPair* pair_;
  asio::io_context io_;
  asio::io_context server_io_;
  ssl::context server_ctx_{ssl::context::tls_server};
  std::optional<tcp::acceptor> acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<int> connections_ = 0;
};

KeyPair* HttpsClientTest::pair_ = nullptr;

TEST_F(HttpsClientTest, VerifiedWithCaFileAndKeptAlive) {
  start();
  const std::string ca = write_temp("ca.pem", pair_->cert_pem);
  HttpClient client(io_);
  for (int i = 0; i < 3; ++i) {
    auto got = fetch(client, request({.ca_file = ca}));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->body, "tls_up 1\n");
  }
  EXPECT_EQ(connections_, 1);
  // The certificate names localhost too: by name, and with server_name.
  HttpClient by_name(io_);
  auto named = fetch(by_name, request({.ca = pair_->cert_pem}, "localhost"));
  EXPECT_TRUE(named.ok()) << named.error().message;
  HttpClient with_server_name(io_);
  auto sni = fetch(with_server_name, request({.ca_file = ca, .server_name = "localhost"}));
  EXPECT_TRUE(sni.ok()) << sni.error().message;
}

TEST_F(HttpsClientTest, CertificatesThatDoNotVerifyFail) {
  start();
  HttpClient system_cas(io_);
  auto unknown = fetch(system_cas, request({}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(unknown.error().message.find("certificate verify failed"), std::string::npos) << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("Get \"https://127.0.0.1:"), std::string::npos) << unknown.error().message;

  HttpClient wrong_name(io_);
  auto mismatch = fetch(wrong_name, request({.ca = pair_->cert_pem, .server_name = "cog.example"}));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("certificate verify failed"), std::string::npos) << mismatch.error().message;

  HttpClient insecure(io_);
  auto skipped = fetch(insecure, request({.insecure_skip_verify = true}));
  EXPECT_TRUE(skipped.ok()) << skipped.error().message;

  HttpClient missing(io_);
  auto no_file = fetch(missing, request({.ca_file = "/nonexistent/ca.pem"}));
  ASSERT_FALSE(no_file.ok());
  EXPECT_EQ(no_file.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(no_file.error().message.find("unable to load specified CA cert /nonexistent/ca.pem"), std::string::npos)
      << no_file.error().message;
}

TEST_F(HttpsClientTest, ClientCertificate) {
  start(/*require_client_cert=*/true);
  HttpClient anonymous(io_);
  EXPECT_FALSE(fetch(anonymous, request({.ca = pair_->cert_pem})).ok());
  const std::string cert = write_temp("client.pem", pair_->cert_pem);
  const std::string key = write_temp("client.key", pair_->key_pem);
  HttpClient identified(io_);
  auto got = fetch(identified, request({.ca = pair_->cert_pem, .cert_file = cert, .key_file = key}));
  EXPECT_TRUE(got.ok()) << got.error().message;
}

}  // namespace
}  // namespace cogwatch::net
