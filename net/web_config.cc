// No sockets: the web config file, its PEM files checked with libcrypto,
// and basic auth with libxcrypt's bcrypt.
#include "net/web_config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>

#include "model/file.h"
#include "model/yaml_reader.h"

namespace cogwatch::net {
namespace {

// Go's tls.CipherSuites() names for TLS 1.0-1.2 and OpenSSL's.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kCiphers{{
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}};
constexpr std::array<std::string_view, 3> kTls13Ciphers{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                        "TLS_CHACHA20_POLY1305_SHA256"};
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kCurves{{
    {"CurveP256", "P-256"}, {"CurveP384", "P-384"}, {"CurveP521", "P-521"}, {"X25519", "X25519"}}};
constexpr std::array<std::pair<std::string_view, int>, 4> kVersions{{
    {"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", 0x0303}, {"TLS13", 0x0304}}};

// exporter-toolkit's extraHTTPHeaders: the headers that may be set, and
// their values when they are an enumeration.
const std::map<std::string, std::vector<std::string>, std::less<>>& allowed_headers() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> headers{
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return headers;
}

// A bcrypt hash of "fakepassword", checked for unknown users (as
// exporter-toolkit) so that their answer takes as long.
constexpr const char* kFakeHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

bool is_bcrypt(const std::string& hash) {
  if (hash.size() != 60 || !(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))) {
    return false;
  }
  return crypt_checksalt(hash.c_str()) == CRYPT_SALT_OK;
}

std::string join_dir(const std::string& dir, const std::string& path) {
  if (path.empty() || path.starts_with("/") || dir.empty()) return path;
  return dir + "/" + path;
}

template <size_t N, typename V>
const V* lookup(const std::array<std::pair<std::string_view, V>, N>& table, std::string_view key) {
  for (const auto& [k, v] : table) {
    if (k == key) return &v;
  }
  return nullptr;
}

// Every certificate in a PEM text; 0 when none parses.
int count_certificates(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int n = 0;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(x);
    ++n;
  }
  BIO_free(bio);
  return n;
}

// What tls.X509KeyPair checks: a certificate, a key, and that they match.
std::string check_key_pair(const std::string& cert_pem, const std::string& key_pem) {
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  if (cert == nullptr) return "failed to find any PEM data in certificate input";
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  std::string err;
  if (key == nullptr) {
    err = "failed to find any PEM data in key input";
  } else if (X509_check_private_key(cert, key) != 1) {
    err = "private key does not match public key";
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  return err;
}

struct TlsReader {
  const YamlReader& r;
  std::string dir;

  // Inline PEM or the file's, read now.
  std::string pem(const YamlReader::Fields& f, const char* inline_key, const char* file_key) const {
    const std::string file = join_dir(dir, f.string(file_key));
    if (file.empty()) return f.string(inline_key);
    if (f.has(inline_key)) r.fail(f.get(inline_key), std::string("at most one of ") + inline_key + " and " + file_key + " may be set");
    auto text = read_file(file);
    if (!text) r.fail(f.get(file_key), std::string("failed to read ") + file_key + " (" + file + "): " + text.error().message);
    return *text;
  }

  std::shared_ptr<const TlsServerConfig> read(const YAML::Node& node) const {
    YamlReader::Fields f(r, node, "tls_server_config",
                         {"cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file",
                          "cipher_suites", "curve_preferences", "min_version", "max_version",
                          "prefer_server_cipher_suites", "client_allowed_sans"});
    if (f.has("client_allowed_sans")) {
      r.fail(f.get("client_allowed_sans"), "client_allowed_sans is not supported by cogwatch");
    }
    const bool enabled = f.has("cert") || f.has("key") || f.has("client_ca") || f.has("cert_file") ||
                         f.has("key_file") || f.has("client_ca_file") || !f.string("client_auth_type").empty();
    if (!enabled) {
      if (node.size() > 0) {
        r.fail(node, "tls_server_config without cert_file and key_file: its settings would be ignored and "
                     "cogwatch would serve plain HTTP");
      }
      return nullptr;
    }
    if (!f.has("cert") && !f.has("cert_file")) r.fail(node, "missing one of cert or cert_file");
    if (!f.has("key") && !f.has("key_file")) r.fail(node, "missing one of key or key_file");
    auto t = std::make_shared<TlsServerConfig>();
    t->cert_pem = pem(f, "cert", "cert_file");
    t->key_pem = pem(f, "key", "key_file");
    if (std::string err = check_key_pair(t->cert_pem, t->key_pem); !err.empty()) {
      r.fail(f.has("cert_file") ? f.get("cert_file") : f.get("cert"), "failed to load X509KeyPair: " + err);
    }
    t->client_ca_pem = pem(f, "client_ca", "client_ca_file");
    if (!t->client_ca_pem.empty() && count_certificates(t->client_ca_pem) == 0) {
      r.fail(f.has("client_ca_file") ? f.get("client_ca_file") : f.get("client_ca"), "no certificates found in the client CA");
    }
    const std::string auth = f.string("client_auth_type");
    if (auth == "RequestClientCert") {
      t->client_auth = ClientAuth::kRequest;
    } else if (auth == "RequireAnyClientCert" || auth == "RequireClientCert") {
      t->client_auth = ClientAuth::kRequireAny;
    } else if (auth == "VerifyClientCertIfGiven") {
      t->client_auth = ClientAuth::kVerifyIfGiven;
    } else if (auth == "RequireAndVerifyClientCert") {
      t->client_auth = ClientAuth::kRequireAndVerify;
    } else if (auth.empty() || auth == "NoClientCert") {
      t->client_auth = ClientAuth::kNone;
    } else {
      r.fail(f.get("client_auth_type"), "invalid ClientAuth: " + auth);
    }
    if (!t->client_ca_pem.empty() && t->client_auth == ClientAuth::kNone) {
      r.fail(node, "client CA's have been configured without a Client Auth Policy");
    }
    t->min_version = version(f, "min_version", 0x0303);
    t->max_version = version(f, "max_version", 0x0304);
    if (t->min_version > t->max_version) r.fail(f.get("min_version"), "min_version is above max_version");
    for (const std::string& name : f.strings("cipher_suites")) {
      if (std::find(kTls13Ciphers.begin(), kTls13Ciphers.end(), name) != kTls13Ciphers.end()) {
        r.fail(f.get("cipher_suites"), "cipher " + name + " is a TLS 1.3 suite, which cannot be chosen (Go ignores it)");
      }
      const std::string_view* ossl = lookup(kCiphers, name);
      if (ossl == nullptr) r.fail(f.get("cipher_suites"), "unknown cipher: " + name);
      t->cipher_list += (t->cipher_list.empty() ? "" : ":") + std::string(*ossl);
    }
    t->prefer_server_ciphers = f.boolean("prefer_server_cipher_suites", true);
    for (const std::string& name : f.strings("curve_preferences")) {
      const std::string_view* group = lookup(kCurves, name);
      if (group == nullptr) r.fail(f.get("curve_preferences"), "unknown curve: " + name);
      t->groups_list += (t->groups_list.empty() ? "" : ":") + std::string(*group);
    }
    return t;
  }

  int version(const YamlReader::Fields& f, const char* key, int fallback) const {
    if (!f.has(key)) return fallback;
    const std::string name = f.string(key);
    const int* v = lookup(kVersions, name);
    if (v == nullptr) r.fail(f.get(key), "unknown TLS version: " + name);
    return *v;
  }
};

HttpHeaders read_http_config(const YamlReader& r, const YAML::Node& node) {
  YamlReader::Fields f(r, node, "http_server_config", {"http2", "headers"});
  if (f.boolean("http2", false)) {
    r.fail(f.get("http2"), "http2: true is not supported: cogwatch serves HTTP/1.1 only (set http2: false)");
  }
  HttpHeaders headers;
  if (!f.has("headers")) return headers;
  const YAML::Node h = f.get("headers");
  if (!h.IsMap()) r.fail(h, "headers must be a mapping");
  for (const auto& kv : h) {
    const std::string name = kv.first.as<std::string>();
    if (!kv.second.IsScalar()) r.fail(kv.second, "header values must be strings");
    const std::string value = kv.second.as<std::string>();
    auto allowed = allowed_headers().find(name);
    if (allowed == allowed_headers().end()) r.fail(kv.first, "HTTP header \"" + name + "\" can not be configured");
    const auto& values = allowed->second;
    if (!values.empty() && std::find(values.begin(), values.end(), value) == values.end()) {
      std::string expected;
      for (const std::string& v : values) expected += (expected.empty() ? "\"" : " \"") + v + "\"";
      r.fail(kv.second, "invalid value for " + name + ". Expected one of: [" + expected + "], but got: \"" + value + "\"");
    }
    headers.emplace_back(name, value);
  }
  return headers;
}

// Go's base64.StdEncoding.DecodeString (padding required; CR and LF skipped).
std::optional<std::string> decode_base64(std::string_view in) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (char c : in) {
    if (c != '\r' && c != '\n') s += c;
  }
  if (s.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 4) {
    uint32_t acc = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = s[i + j];
      if (c == '=') {
        if (i + 4 != s.size() || j < 2) return std::nullopt;
        ++pad;
        acc <<= 6;
        continue;
      }
      if (pad > 0) return std::nullopt;
      const size_t v = kAlphabet.find(c);
      if (v == std::string_view::npos) return std::nullopt;
      acc = (acc << 6) | static_cast<uint32_t>(v);
    }
    out += static_cast<char>((acc >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((acc >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(acc & 0xff);
  }
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

Result<WebConfig> parse_web_config(std::string_view text, const std::string& filename) {
  return read_yaml_document(text, filename, [&](const YamlReader& r, const YAML::Node& root) {
    WebConfig c;
    if (!root || root.IsNull()) return c;
    YamlReader::Fields f(r, root, "the web config",
                         {"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"});
    if (f.has("rate_limit")) r.fail(f.get("rate_limit"), "rate_limit is not supported by cogwatch");
    if (f.has("tls_server_config")) {
      const std::string dir = std::filesystem::path(filename).parent_path().string();
      c.tls = TlsReader{r, dir}.read(f.get("tls_server_config"));
    }
    if (f.has("http_server_config")) c.headers = read_http_config(r, f.get("http_server_config"));
    if (f.has("basic_auth_users")) {
      const YAML::Node users = f.get("basic_auth_users");
      if (!users.IsMap()) r.fail(users, "basic_auth_users must be a mapping of users to bcrypt hashes");
      for (const auto& kv : users) {
        const std::string user = kv.first.as<std::string>();
        const std::string hash = kv.second.IsScalar() ? kv.second.as<std::string>() : "";
        if (!is_bcrypt(hash)) r.fail(kv.second, "the password of user \"" + user + "\" is not a bcrypt hash");
        if (!c.users.emplace(user, hash).second) r.fail(kv.first, "user \"" + user + "\" already set");
      }
    }
    return c;
  });
}

Result<WebConfig> load_web_config(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.take_error();
  return parse_web_config(*text, path);
}

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  // Text after a NUL would be lost to crypt(); bcrypt reads 72 bytes at most.
  if (password.find('\0') != std::string_view::npos || password.size() > 72) return false;
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  const std::string pw(password);
  const char* out = crypt_r(pw.c_str(), hash.c_str(), &data);
  if (out == nullptr || std::strlen(out) != hash.size()) return false;
  return CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
}

bool WebAuth::check_password(const std::string& user, const std::string& hash, std::string_view password) {
  const std::string key = sha256(user) + sha256(hash) + sha256(password);
  {
    std::lock_guard lock(cache_mu_);
    if (cache_.contains(key)) return true;
  }
  bool ok;
  {
    std::lock_guard lock(bcrypt_mu_);  // bcrypt is slow by design: one at a time
    ok = bcrypt_matches(password, hash);
  }
  if (!ok) return false;
  std::lock_guard lock(cache_mu_);
  if (cache_.size() >= kCacheSize) {
    auto oldest = std::min_element(cache_.begin(), cache_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    cache_.erase(oldest);
  }
  cache_.emplace(key, ++inserted_);
  return true;
}

size_t WebAuth::cached() const {
  std::lock_guard lock(cache_mu_);
  return cache_.size();
}

bool WebAuth::authorized(const WebConfig& config, const HttpRequest& request) {
  if (config.users.empty()) return true;
  // Go's Request.BasicAuth.
  const std::string_view header = request.header("Authorization");
  if (header.size() < 6 || strncasecmp(header.data(), "Basic ", 6) != 0) return false;
  auto decoded = decode_base64(header.substr(6));
  if (!decoded) return false;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  const std::string user = decoded->substr(0, colon);
  const std::string_view password = std::string_view(*decoded).substr(colon + 1);
  auto it = config.users.find(user);
  const bool known = it != config.users.end();
  const bool ok = check_password(user, known ? it->second : kFakeHash, password);
  return ok && known;
}

HttpResponse WebAuth::serve(const WebConfig& config, const HttpRequest& request, const HttpHandler& handler) {
  HttpResponse r;
  if (authorized(config, request)) {
    r = handler(request);
  } else {
    // Go's http.Error(w, "Unauthorized", 401).
    r.status = 401;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Unauthorized\n";
    r.headers = {{"WWW-Authenticate", "Basic"}, {"X-Content-Type-Options", "nosniff"}};
  }
  // Set before the handler runs in exporter-toolkit, so the handler's own
  // value of a header wins.
  for (const auto& [name, value] : config.headers) {
    if (find_header(r.headers, name).empty()) r.headers.emplace_back(name, value);
  }
  return r;
}

std::function<Result<ConnectionConfig>()> web_config_connections(std::string path, HttpHandler handler,
                                                                  std::function<void(const Error&)> on_error) {
  auto auth = std::make_shared<WebAuth>();
  return [path = std::move(path), handler = std::move(handler), on_error = std::move(on_error),
          auth]() -> Result<ConnectionConfig> {
    auto config = load_web_config(path);
    if (!config) {
      if (on_error) on_error(config.error());
      return config.take_error();
    }
    auto shared = std::make_shared<const WebConfig>(*std::move(config));
    return ConnectionConfig{
        .tls = shared->tls,
        .handler = [shared, auth, handler](const HttpRequest& r) { return auth->serve(*shared, r, handler); }};
  };
}

}  // namespace cogwatch::net
