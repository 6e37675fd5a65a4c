#include "mcp/auth/oauth_client_assertion.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <array>
#include <cstring>
#include <optional>

#include "mcp/auth/openssl_handles.hpp"
#include "mcp/auth/strict_json.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::auth::oauth {
namespace {

constexpr std::size_t kP256ScalarBytes = 32;
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kJtiBytes = 16;

// OpenSSL's default callback would prompt on the terminal for an encrypted
// key; refusing keeps the client non-interactive.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

bool is_p256(EVP_PKEY* pkey) {
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) !=
      1) {
    return false;
  }
  return std::strcmp(group.data(), SN_X9_62_prime256v1) == 0;
}

// OpenSSL produces DER ECDSA-Sig-Value; JWS wants R||S, each left-padded to
// the curve size (RFC 7518 §3.4).
std::optional<std::string> der_to_raw_es256(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kP256ScalarBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kP256ScalarBytes) != static_cast<int>(kP256ScalarBytes) ||
      BN_bn2binpad(s, out + kP256ScalarBytes, kP256ScalarBytes) != static_cast<int>(kP256ScalarBytes)) {
    return std::nullopt;
  }
  return raw;
}

}  // namespace

struct SigningKey::Impl {
  PkeyPtr pkey;
  std::string alg;
};

util::Expected<SigningKey, std::string> SigningKey::from_pem(std::string_view pem) {
  using util::unexpected;
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return unexpected(std::string("the private key is not PEM text"));
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return unexpected(std::string("out of memory"));
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (pkey == nullptr) {
    return unexpected(
        std::string("the private key could not be read (an unencrypted PKCS#8 PEM is expected)"));
  }
  auto impl = std::make_shared<Impl>();
  if (EVP_PKEY_is_a(pkey.get(), "EC")) {
    if (!is_p256(pkey.get())) return unexpected(std::string("the EC private key is not on P-256 (ES256)"));
    impl->alg = "ES256";
  } else if (EVP_PKEY_is_a(pkey.get(), "RSA")) {
    if (EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits) {
      return unexpected(std::string("the RSA private key is shorter than 2048 bits"));
    }
    impl->alg = "RS256";
  } else {
    return unexpected(std::string("the private key is neither P-256 nor RSA"));
  }
  impl->pkey = std::move(pkey);
  return SigningKey(std::move(impl));
}

const std::string& SigningKey::algorithm() const {
  return impl_->alg;
}

util::Expected<std::string, std::string> SigningKey::sign(std::string_view signing_input) const {
  const auto failed = [] {
    return util::unexpected(std::string("signing the client assertion failed"));
  };
  MdCtxPtr ctx(EVP_MD_CTX_new());
  // RSA keys default to PKCS#1 v1.5 padding, which is what RS256 means.
  if (ctx == nullptr || EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                                              impl_->pkey.get(), nullptr) != 1) {
    return failed();
  }
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, signing_input.size()) != 1) return failed();
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, data,
                     signing_input.size()) != 1) {
    return failed();
  }
  signature.resize(len);
  if (impl_->alg == "RS256") return signature;
  auto raw = der_to_raw_es256(signature);
  if (!raw) return failed();
  return std::move(*raw);
}

util::Expected<std::string, std::string> make_client_assertion(const SigningKey& key,
                                                               std::string_view client_id,
                                                               std::string_view audience,
                                                               std::chrono::system_clock::time_point now) {
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const Json header = {{"alg", key.algorithm()}, {"typ", "JWT"}};
  const Json claims = {{"iss", std::string(client_id)},
                       {"sub", std::string(client_id)},
                       {"aud", std::string(audience)},
                       {"iat", iat},
                       {"exp", iat + kClientAssertionLifetime.count()},
                       {"jti", util::base64url_encode(util::random_bytes(kJtiBytes))}};
  const std::string signing_input =
      util::base64url_encode(header.dump()) + "." + util::base64url_encode(claims.dump());
  auto signature = key.sign(signing_input);
  if (!signature) return util::unexpected(std::move(signature.error()));
  return signing_input + "." + util::base64url_encode(*signature);
}

}  // namespace mcp::auth::oauth
