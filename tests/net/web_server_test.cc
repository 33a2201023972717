// The HTTP server behind a web config file (--web.config.file) on
// 127.0.0.1: TLS with a certificate the test makes, basic auth, the file
// read again for each new connection, and a bad file refused at start.
#include <unistd.h>
#include <crypt.h>

#include <filesystem>
#include <fstream>

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/web_config.h"
#include "tests/net/test_util.h"
#include "tests/net/tls_test_util.h"

namespace cogwatch::net {
namespace {

std::string bcrypt(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2y$", 4, nullptr, 0, setting, sizeof setting), nullptr);
  crypt_data data{};
  return crypt_r(password.c_str(), setting, &data);
}

class WebServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cogwatch_web_server_" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    const testing::KeyPair pair = testing::make_self_signed();
    write("server.crt", pair.cert_pem);
    write("server.key", pair.key_pem);
    hash_ = bcrypt("wonderland");
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
  std::string path() const { return dir_ + "/web.yml"; }

  std::unique_ptr<testing::ServerThread> serve() {
    HttpServerOptions options{.port = 0};
    options.connection = web_config_connections(
        path(), [](const HttpRequest&) { return HttpResponse{.body = "up 1\n"}; },
        [this](const Error& e) { errors_.push_back(e.message); });
    return std::make_unique<testing::ServerThread>(std::move(options), HttpHandler{});
  }

  Result<HttpClientResponse> fetch(const std::string& scheme, uint16_t port, HttpClientConfig config) {
    auto r = make_http_request("GET", scheme + "://127.0.0.1:" + std::to_string(port) + "/metrics", config);
    EXPECT_TRUE(r.ok()) << r.error().message;
    r->timeout = 5 * kSecond;
    HttpClient client(io_);  // a new connection each time
    return testing::run_until_done<HttpClientResponse>(io_, [&](auto done) { client.send(*std::move(r), done); });
  }

  std::string dir_;
  std::string hash_;
  boost::asio::io_context io_;
  std::vector<std::string> errors_;
};

TEST_F(WebServerTest, HttpsWithBasicAuth) {
  write("web.yml", "tls_server_config: {cert_file: server.crt, key_file: server.key}\n"
                   "http_server_config: {headers: {X-Content-Type-Options: nosniff}}\n"
                   "basic_auth_users:\n  alice: " + hash_ + "\n");
  auto server = serve();
  ASSERT_NE(server->port(), 0);
  const TlsConfig tls{.ca_file = dir_ + "/server.crt"};

  auto ok = fetch("https", server->port(), {.basic_auth = BasicAuth{"alice", "wonderland", ""}, .tls = tls});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "up 1\n");

  auto anonymous = fetch("https", server->port(), {.tls = tls});
  ASSERT_TRUE(anonymous.ok()) << anonymous.error().message;
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->body, "Unauthorized\n");

  auto wrong = fetch("https", server->port(), {.basic_auth = BasicAuth{"alice", "oz", ""}, .tls = tls});
  ASSERT_TRUE(wrong.ok()) << wrong.error().message;
  EXPECT_EQ(wrong->status, 401);

  // Plain HTTP to the TLS port gets no answer.
  EXPECT_FALSE(fetch("http", server->port(), {}).ok());

  // The file is read again for each new connection: without users, no auth.
  write("web.yml", "tls_server_config: {cert_file: server.crt, key_file: server.key}\n");
  auto open = fetch("https", server->port(), {.tls = tls});
  ASSERT_TRUE(open.ok()) << open.error().message;
  EXPECT_EQ(open->status, 200);

  // A file broken meanwhile closes new connections and is reported.
  write("web.yml", "tls_server_config: {cert_file: server.crt}\n");
  EXPECT_FALSE(fetch("https", server->port(), {.tls = tls}).ok());
  server.reset();
  ASSERT_FALSE(errors_.empty());
  EXPECT_EQ(errors_.back(), path() + ":1:20: missing one of key or key_file");
}

TEST_F(WebServerTest, BasicAuthOverPlainHttp) {
  write("web.yml", "basic_auth_users:\n  alice: " + hash_ + "\n");
  auto server = serve();
  auto ok = fetch("http", server->port(), {.basic_auth = BasicAuth{"alice", "wonderland", ""}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  auto refused = fetch("http", server->port(), {});
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->status, 401);
}

TEST_F(WebServerTest, ABadFileFailsTheStart) {
  write("web.yml", "http_server_config:\n  http2: true\n");
  boost::asio::io_context io;
  HttpServerOptions options{.port = 0};
  options.connection = web_config_connections(path(), {}, {});
  auto server = HttpServer::start(io, std::move(options), [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(server.ok());
  EXPECT_TRUE(server.error().message.starts_with(path() + ":2:10: http2: true is not supported")) << server.error().message;
}

}  // namespace
}  // namespace cogwatch::net
