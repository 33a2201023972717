// A self-signed certificate made at test time (no private key is
// committed), for the TLS tests of the client and the server.
#pragma once

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <string>
#include <utility>

namespace cogwatch::net::testing {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed certificate for localhost and 127.0.0.1 (CA:TRUE, so it can
// be its own trust anchor), with a fresh P-256 key.
inline KeyPair make_self_signed() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                                    {NID_basic_constraints, "critical,CA:TRUE"}};
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  auto to_pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(size));
    BIO_free(bio);
    return out;
  };
  KeyPair out{to_pem([&](BIO* b) { PEM_write_bio_X509(b, x); }),
              to_pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); })};
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace cogwatch::net::testing
