// The web config file (--web.config.file) and basic auth, without sockets:
// what each field becomes, every error at its place, and the 401s.
#include "net/web_config.h"

#include <unistd.h>
#include <crypt.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/net/tls_test_util.h"

namespace cogwatch::net {
namespace {

// A bcrypt hash of `password` at the lowest cost, so tests stay fast.
std::string bcrypt(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2y$", 4, nullptr, 0, setting, sizeof setting), nullptr);
  crypt_data data{};
  return crypt_r(password.c_str(), setting, &data);
}

std::string basic(const std::string& credentials) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < credentials.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(credentials[i]) << 16;
    if (i + 1 < credentials.size()) n |= static_cast<unsigned char>(credentials[i + 1]) << 8;
    if (i + 2 < credentials.size()) n |= static_cast<unsigned char>(credentials[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < credentials.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < credentials.size() ? kAlphabet[n & 63] : '=';
  }
  return "Basic " + out;
}

HttpRequest get(const std::string& authorization = "") {
  HttpRequest r{.method = "GET", .target = "/api/v1/query?query=up"};
  if (!authorization.empty()) r.headers.emplace_back("Authorization", authorization);
  return r;
}

class WebConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/cogwatch_web_config_" + std::to_string(getpid()));
    std::filesystem::create_directories(*dir_);
    pair_ = new testing::KeyPair(testing::make_self_signed());
    other_ = new testing::KeyPair(testing::make_self_signed());
    write("server.crt", pair_->cert_pem);
    write("server.key", pair_->key_pem);
    write("other.key", other_->key_pem);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete pair_;
    delete other_;
  }
  static void write(const std::string& name, const std::string& text) { std::ofstream(*dir_ + "/" + name) << text; }
  static Result<WebConfig> parse(const std::string& yaml) { return parse_web_config(yaml, *dir_ + "/web.yml"); }

  static std::string* dir_;
  static testing::KeyPair* pair_;
  static testing::KeyPair* other_;
};

std::string* WebConfigTest::dir_ = nullptr;
testing::KeyPair* WebConfigTest::pair_ = nullptr;
testing::KeyPair* WebConfigTest::other_ = nullptr;

TEST_F(WebConfigTest, EveryFieldAndRelativeFiles) {
  const std::string hash = bcrypt("secret");
  auto c = parse("tls_server_config:\n"
                 "  cert_file: server.crt\n"
                 "  key_file: " + *dir_ + "/server.key\n"
                 "  client_auth_type: VerifyClientCertIfGiven\n"
                 "  client_ca_file: server.crt\n"
                 "  min_version: TLS13\n"
                 "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]\n"
                 "  prefer_server_cipher_suites: false\n"
                 "  curve_preferences: [X25519, CurveP256]\n"
                 "http_server_config:\n"
                 "  http2: false\n"
                 "  headers: {X-Frame-Options: deny, Strict-Transport-Security: max-age=31536000}\n"
                 "basic_auth_users:\n"
                 "  alice: " + hash + "\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_NE(c->tls, nullptr);
  EXPECT_EQ(c->tls->cert_pem, pair_->cert_pem);
  EXPECT_EQ(c->tls->key_pem, pair_->key_pem);
  EXPECT_EQ(c->tls->client_ca_pem, pair_->cert_pem);
  EXPECT_EQ(c->tls->client_auth, ClientAuth::kVerifyIfGiven);
  EXPECT_EQ(c->tls->min_version, 0x0304);
  EXPECT_EQ(c->tls->max_version, 0x0304);
  EXPECT_EQ(c->tls->cipher_list, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_FALSE(c->tls->prefer_server_ciphers);
  EXPECT_EQ(c->tls->groups_list, "X25519:P-256");
  EXPECT_EQ(c->headers, (HttpHeaders{{"X-Frame-Options", "deny"}, {"Strict-Transport-Security", "max-age=31536000"}}));
  EXPECT_EQ(c->users, (std::map<std::string, std::string>{{"alice", hash}}));
}

TEST_F(WebConfigTest, DefaultsAndEmptyFiles) {
  for (const char* text : {"", "# nothing\n", "{}\n", "tls_server_config: {}\nbasic_auth_users: {}\n"}) {
    auto c = parse(text);
    ASSERT_TRUE(c.ok()) << text << ": " << c.error().message;
    EXPECT_EQ(c->tls, nullptr);
    EXPECT_TRUE(c->users.empty());
    EXPECT_TRUE(c->headers.empty());
  }
  auto tls = parse("tls_server_config: {cert_file: server.crt, key_file: server.key}\n");
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_EQ(tls->tls->client_auth, ClientAuth::kNone);
  EXPECT_EQ(tls->tls->min_version, 0x0303);  // TLS12, as exporter-toolkit
  EXPECT_EQ(tls->tls->max_version, 0x0304);
  EXPECT_TRUE(tls->tls->prefer_server_ciphers);
  EXPECT_TRUE(tls->tls->cipher_list.empty());
}

TEST_F(WebConfigTest, ErrorsAtTheirPlace) {
  const std::string tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
  const std::string web = *dir_ + "/web.yml:";
  const struct {
    std::string yaml;
    std::string error;
  } cases[] = {
      {"tls_config: {}\n", "1:1: unknown field \"tls_config\" in the web config"},
      {"rate_limit: {burst: 1}\n", "1:13: rate_limit is not supported by cogwatch"},
      {"http_server_config:\n  http2: true\n", "2:10: http2: true is not supported: cogwatch serves HTTP/1.1 only"},
      {"http_server_config:\n  headers: {X-Foo: bar}\n", "2:13: HTTP header \"X-Foo\" can not be configured"},
      {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
       "3:22: invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: \"allow\""},
      {"basic_auth_users:\n  alice: plaintext\n", "2:10: the password of user \"alice\" is not a bcrypt hash"},
      {"basic_auth_users:\n  alice: $6$salt$abc\n", "2:10: the password of user \"alice\" is not a bcrypt hash"},
      {"basic_auth_users: [alice]\n", "1:19: basic_auth_users must be a mapping"},
      {"tls_server_config:\n  min_version: TLS13\n",
       "2:3: tls_server_config without cert_file and key_file: its settings would be ignored"},
      {"tls_server_config:\n  cert_file: server.crt\n", "2:3: missing one of key or key_file"},
      {"tls_server_config:\n  key_file: server.key\n", "2:3: missing one of cert or cert_file"},
      {"tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
       "2:14: failed to read cert_file (" + *dir_ + "/missing.crt): "},
      {"tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n",
       "2:14: failed to load X509KeyPair: private key does not match public key"},
      {tls + "  client_auth_type: Sometimes\n", "4:21: invalid ClientAuth: Sometimes"},
      {tls + "  client_ca_file: server.crt\n",
       "2:3: client CA's have been configured without a Client Auth Policy"},
      {tls + "  min_version: TLS14\n", "4:16: unknown TLS version: TLS14"},
      {tls + "  min_version: TLS13\n  max_version: TLS12\n", "4:16: min_version is above max_version"},
      {tls + "  cipher_suites: [TLS_FOO]\n", "4:18: unknown cipher: TLS_FOO"},
      {tls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "4:18: cipher TLS_AES_128_GCM_SHA256 is a TLS 1.3 suite"},
      {tls + "  curve_preferences: [CurveP224]\n", "4:22: unknown curve: CurveP224"},
      {tls + "  client_allowed_sans: [a]\n", "4:24: client_allowed_sans is not supported by cogwatch"},
      {tls + "  cert_file: again.crt\n", "4:3: field \"cert_file\" already set in tls_server_config"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(r.error().message.starts_with(web + c.error)) << c.yaml << "\ngot:  " << r.error().message
                                                              << "\nwant: " << web + c.error;
  }
  auto missing = load_web_config(*dir_ + "/nope.yml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, *dir_ + "/nope.yml: cannot read file");
}

TEST(Bcrypt, Matches) {
  const std::string hash = bcrypt("s3cret");
  EXPECT_TRUE(bcrypt_matches("s3cret", hash));
  EXPECT_FALSE(bcrypt_matches("s3cret ", hash));
  EXPECT_FALSE(bcrypt_matches("", hash));
  EXPECT_FALSE(bcrypt_matches(std::string_view("s3cret\0x", 8), hash));
  EXPECT_FALSE(bcrypt_matches("s3cret", "s3cret"));
  EXPECT_FALSE(bcrypt_matches("s3cret", ""));
}

TEST(WebAuth, BasicAuthOnEveryRequest) {
  WebConfig config;
  config.users = {{"alice", bcrypt("wonderland")}, {"bob", bcrypt("b:o:b")}};
  config.headers = {{"X-Frame-Options", "deny"}};
  WebAuth auth;
  int served = 0;
  const HttpHandler handler = [&](const HttpRequest&) {
    ++served;
    return HttpResponse{.body = "ok"};
  };
  auto ok = auth.serve(config, get(basic("alice:wonderland")), handler);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok");
  EXPECT_EQ(find_header(ok.headers, "X-Frame-Options"), "deny");
  EXPECT_TRUE(auth.authorized(config, get(basic("bob:b:o:b"))));       // the password may hold colons
  EXPECT_TRUE(auth.authorized(config, get("basic " + basic("alice:wonderland").substr(6))));  // any case

  for (const std::string& refused : {std::string(), basic("alice:Wonderland"), basic("carol:wonderland"),
                                     basic("alice"), basic("alice:wonderland") + "!", std::string("Bearer abc"),
                                     std::string("Basic"), basic(":wonderland")}) {
    auto r = auth.serve(config, get(refused), handler);
    EXPECT_EQ(r.status, 401) << refused;
    EXPECT_EQ(r.body, "Unauthorized\n");
    EXPECT_EQ(find_header(r.headers, "WWW-Authenticate"), "Basic");
    EXPECT_EQ(find_header(r.headers, "X-Frame-Options"), "deny");
  }
  EXPECT_EQ(served, 1);

  // No users: everything passes.
  EXPECT_TRUE(auth.authorized(WebConfig{}, get()));
}

// Successes are cached per user, hash and password: a changed hash (the file
// was edited) is checked again, and the cache stays bounded.
TEST(WebAuth, CacheIsKeyedByTheHashAndBounded) {
  WebAuth auth;
  WebConfig config;
  config.users = {{"alice", bcrypt("one")}};
  ASSERT_TRUE(auth.authorized(config, get(basic("alice:one"))));
  EXPECT_EQ(auth.cached(), 1u);
  ASSERT_TRUE(auth.authorized(config, get(basic("alice:one"))));
  EXPECT_EQ(auth.cached(), 1u);
  EXPECT_FALSE(auth.authorized(config, get(basic("alice:two"))));
  EXPECT_EQ(auth.cached(), 1u) << "failures are not cached";

  config.users = {{"alice", bcrypt("two")}};
  EXPECT_FALSE(auth.authorized(config, get(basic("alice:one")))) << "the old password's success must not carry over";
  EXPECT_TRUE(auth.authorized(config, get(basic("alice:two"))));

  for (size_t i = 0; i < WebAuth::kCacheSize + 5; ++i) {
    const std::string user = "u" + std::to_string(i);
    config.users = {{user, bcrypt("p")}};
    ASSERT_TRUE(auth.authorized(config, get(basic(user + ":p"))));
  }
  EXPECT_EQ(auth.cached(), WebAuth::kCacheSize);
}

}  // namespace
}  // namespace cogwatch::net
