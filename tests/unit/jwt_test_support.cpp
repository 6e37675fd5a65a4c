#include "jwt_test_support.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::testing {

struct TestKey::Pair {
  EVP_PKEY* pkey = nullptr;
  bool rsa = false;
  std::string alg;
  ~Pair() { EVP_PKEY_free(pkey); }
};

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("jwt test support: ") + what);
}

std::string bn_param(const EVP_PKEY* pkey, const char* name, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) fail("get_bn_param");
  const int size = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(size), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
  BN_free(bn);
  return out;
}

// Key generation costs up to a second (more under sanitizers), so every
// (type, kid, bits) is generated once per process.
std::shared_ptr<const TestKey::Pair> cached_pair(bool rsa, const std::string& kid, int bits) {
  static std::mutex mutex;
  static std::map<std::tuple<bool, std::string, int>, std::shared_ptr<const TestKey::Pair>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[{rsa, kid, bits}];
  if (!slot) {
    auto pair = std::make_shared<TestKey::Pair>();
    pair->rsa = rsa;
    pair->alg = rsa ? "RS256" : "ES256";
    pair->pkey = rsa ? EVP_RSA_gen(static_cast<unsigned>(bits)) : EVP_EC_gen(SN_X9_62_prime256v1);
    if (pair->pkey == nullptr) fail("key generation");
    slot = std::move(pair);
  }
  return slot;
}

}  // namespace

TestKey TestKey::rsa(std::string kid, int bits) {
  auto pair = cached_pair(true, kid, bits);
  return TestKey(std::move(kid), std::move(pair));
}

TestKey TestKey::ec(std::string kid) {
  auto pair = cached_pair(false, kid, 256);
  return TestKey(std::move(kid), std::move(pair));
}

TestKey TestKey::with_kid(std::string kid) const {
  return TestKey(std::move(kid), pair_);
}

const std::string& TestKey::alg() const {
  return pair_->alg;
}

Json TestKey::public_jwk() const {
  Json jwk = {{"kid", kid_}, {"use", "sig"}, {"alg", alg()}};
  if (pair_->rsa) {
    jwk["kty"] = "RSA";
    jwk["n"] = util::base64url_encode(bn_param(pair_->pkey, OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = util::base64url_encode(bn_param(pair_->pkey, OSSL_PKEY_PARAM_RSA_E));
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = util::base64url_encode(bn_param(pair_->pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32));
    jwk["y"] = util::base64url_encode(bn_param(pair_->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  }
  return jwk;
}

std::string TestKey::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio, pair_->pkey) != 1) fail("PEM_write_bio_PUBKEY");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string TestKey::sign_raw(std::string_view signing_input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, pair_->pkey, nullptr) != 1 ||
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    fail("sign init");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    fail("sign");
  }
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  if (pair_->rsa) return sig;
  // DER ECDSA-Sig-Value -> R||S (RFC 7518 §3.4).
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (ecdsa == nullptr) fail("d2i_ECDSA_SIG");
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(ecdsa);
  return raw;
}

std::string TestKey::sign(const Json& header, const Json& payload) const {
  const std::string input =
      util::base64url_encode(header.dump()) + "." + util::base64url_encode(payload.dump());
  return input + "." + util::base64url_encode(sign_raw(input));
}

std::string TestKey::token(const Json& payload) const {
  return sign(Json{{"alg", alg()}, {"kid", kid_}, {"typ", "at+jwt"}}, payload);
}

std::string make_token(std::string_view header_text, std::string_view payload_text,
                       std::string_view signature) {
  return util::base64url_encode(header_text) + "." + util::base64url_encode(payload_text) + "." +
         util::base64url_encode(signature);
}

std::string jwks_json(std::initializer_list<const TestKey*> keys) {
  Json list = Json::array();
  for (const TestKey* key : keys) list.push_back(key->public_jwk());
  return Json{{"keys", std::move(list)}}.dump();
}

std::string hs256_token(const Json& header, const Json& payload, std::string_view secret) {
  const std::string input =
      util::base64url_encode(header.dump()) + "." + util::base64url_encode(payload.dump());
  const util::Sha256Digest mac = util::HmacSha256::sign(secret, input);
  return input + "." +
         util::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string hs256_with_key(const TestKey& key, const Json& payload) {
  return hs256_token(Json{{"alg", "HS256"}, {"kid", key.kid()}, {"typ", "JWT"}}, payload, key.public_pem());
}

Json access_claims(std::string_view issuer, std::string_view audience, std::int64_t now, std::int64_t ttl) {
  return Json{{"iss", issuer},
              {"sub", "user-123"},
              {"aud", audience},
              {"iat", now},
              {"nbf", now},
              {"exp", now + ttl},
              {"client_id", "client-abc"},
              {"scope", "mcp:read mcp:write"},
              {"jti", "id-" + std::to_string(now)}};
}

}  // namespace mcp::testing
