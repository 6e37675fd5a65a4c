#include "mcp/auth/oauth_dpop.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "mcp/auth/oauth_client_assertion.hpp"
#include "mcp/auth/openssl_handles.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::auth::oauth {
namespace {

constexpr int kCoordinateBytes = 32;  // P-256
constexpr std::size_t kJtiBytes = 16;

// One affine coordinate, left-padded to the curve size (RFC 7518 §6.2.1.2).
std::optional<std::string> coordinate(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return std::nullopt;
  const BnPtr bn(raw);
  std::string out(kCoordinateBytes, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), kCoordinateBytes) !=
      kCoordinateBytes) {
    return std::nullopt;
  }
  return out;
}

// The private key as PKCS#8 PEM, so SigningKey (which already makes raw
// R||S ES256 signatures) can take it. The text is wiped once read.
std::optional<std::string> pkcs8_pem(EVP_PKEY* pkey) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return std::nullopt;
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return std::nullopt;
  std::string pem(data, static_cast<std::size_t>(len));
  OPENSSL_cleanse(data, static_cast<std::size_t>(len));
  return pem;
}

}  // namespace

struct DpopKey::Impl {
  SigningKey signer;
  Json jwk;
};

bool dpop_supported(const std::vector<std::string>& signing_algs) {
  return std::find(signing_algs.begin(), signing_algs.end(), kDpopAlgorithm) != signing_algs.end();
}

util::Expected<DpopKey, std::string> DpopKey::generate() {
  const auto failed = [] {
    return util::unexpected(std::string("generating the DPoP key failed"));
  };
  const PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (pkey == nullptr) return failed();
  const auto x = coordinate(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  const auto y = coordinate(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  auto pem = pkcs8_pem(pkey.get());
  if (!x || !y || !pem) return failed();
  auto signer = SigningKey::from_pem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!signer) return util::unexpected("the DPoP key: " + signer.error());
  Json jwk = {
      {"kty", "EC"}, {"crv", "P-256"}, {"x", util::base64url_encode(*x)}, {"y", util::base64url_encode(*y)}};
  return DpopKey(std::make_shared<const Impl>(Impl{std::move(*signer), std::move(jwk)}));
}

const Json& DpopKey::public_jwk() const {
  return impl_->jwk;
}

std::string DpopKey::thumbprint() const {
  // RFC 7638 §3.2: the required members in lexicographic order, no spaces;
  // Json objects keep their keys sorted, so dump() is exactly that.
  const auto digest = util::sha256(impl_->jwk.dump());
  return util::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

util::Expected<std::string, std::string> DpopKey::sign(std::string_view signing_input) const {
  auto signature = impl_->signer.sign(signing_input);
  if (!signature) return util::unexpected(std::string("signing the DPoP proof failed"));
  return std::move(*signature);
}

std::string dpop_htu(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

std::string dpop_ath(std::string_view access_token) {
  const auto digest = util::sha256(access_token);
  return util::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

util::Expected<std::string, std::string> make_dpop_proof(const DpopKey& key, const DpopProofInput& input) {
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(input.now.time_since_epoch()).count();
  const Json header = {{"typ", "dpop+jwt"}, {"alg", kDpopAlgorithm}, {"jwk", key.public_jwk()}};
  // A fresh jti per proof: servers reject a replayed one (§11.1).
  Json claims = {{"jti", util::base64url_encode(util::random_bytes(kJtiBytes))},
                 {"htm", std::string(input.method)},
                 {"htu", dpop_htu(input.url)},
                 {"iat", iat}};
  if (!input.access_token.empty()) claims["ath"] = dpop_ath(input.access_token);
  if (!input.nonce.empty()) claims["nonce"] = std::string(input.nonce);
  const std::string signing_input =
      util::base64url_encode(header.dump()) + "." + util::base64url_encode(claims.dump());
  auto signature = key.sign(signing_input);
  if (!signature) return util::unexpected(std::move(signature.error()));
  return signing_input + "." + util::base64url_encode(*signature);
}

}  // namespace mcp::auth::oauth
