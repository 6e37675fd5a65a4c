#include "mcp/auth/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <unordered_set>
#include <utility>

#include "mcp/auth/jwt.hpp"
#include "mcp/auth/openssl_handles.hpp"

namespace mcp::auth {
namespace {

constexpr std::size_t kP256CoordinateBytes = 32;
constexpr std::size_t kMaxRsaExponentBytes = 8;  // OpenSSL refuses larger public exponents anyway

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// SHA-256 fetched once per process: an implicit fetch per digest (EVP_sha256)
// costs a lock and a lookup on every verification. Never mutated after init.
const EVP_MD* sha256_md() {
  static const EVP_MD* const kMd = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return kMd;
}

BnPtr to_bn(std::string_view big_endian) {
  return BnPtr(BN_bin2bn(bytes(big_endian), static_cast<int>(big_endian.size()), nullptr));
}

PkeyPtr pkey_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return PkeyPtr(pkey);
}

// A string member decoded as JWS base64url; nullopt when absent or malformed.
std::optional<std::string> b64_member(const Json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return std::nullopt;
  return base64url_decode_strict(it->get_ref<const std::string&>());
}

util::Expected<PkeyPtr, std::string> rsa_key(const Json& jwk) {
  auto n = b64_member(jwk, "n");
  auto e = b64_member(jwk, "e");
  if (!n || !e || n->empty() || e->empty())
    return util::unexpected(std::string("RSA key without valid n and e"));
  BnPtr n_bn = to_bn(*n);
  BnPtr e_bn = to_bn(*e);
  if (n_bn == nullptr || e_bn == nullptr) return util::unexpected(std::string("out of memory"));
  const int bits = BN_num_bits(n_bn.get());
  if (bits < kMinRsaBits) return util::unexpected(std::string("RSA modulus too small"));
  if (bits > kMaxRsaBits) return util::unexpected(std::string("RSA modulus too large"));
  // An even modulus or exponent, e = 1, or a huge e cannot be a real RSA
  // public key; huge exponents would also make verification slow.
  if (!BN_is_odd(n_bn.get()) || !BN_is_odd(e_bn.get()) || BN_is_one(e_bn.get()) ||
      BN_num_bytes(e_bn.get()) > static_cast<int>(kMaxRsaExponentBytes)) {
    return util::unexpected(std::string("invalid RSA key"));
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1) {
    return util::unexpected(std::string("out of memory"));
  }
  PkeyPtr pkey = pkey_from_params("RSA", bld.get());
  if (pkey == nullptr) return util::unexpected(std::string("invalid RSA key"));
  return pkey;
}

util::Expected<PkeyPtr, std::string> ec_p256_key(const Json& jwk) {
  auto x = b64_member(jwk, "x");
  auto y = b64_member(jwk, "y");
  if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return util::unexpected(std::string("EC key without valid x and y"));
  }
  // SEC 1 uncompressed point: 0x04 || X || Y.
  std::string point;
  point.reserve(1 + 2 * kP256CoordinateBytes);
  point += '\x04';
  point += *x;
  point += *y;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return util::unexpected(std::string("out of memory"));
  }
  PkeyPtr pkey = pkey_from_params("EC", bld.get());
  if (pkey == nullptr) return util::unexpected(std::string("invalid EC point"));
  // Decoding already refuses points off the curve; the full public check
  // also covers the point at infinity and the subgroup, once per key.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return util::unexpected(std::string("invalid EC point"));
  }
  return pkey;
}

// A verification context with padding and digest set, duplicated per
// verification: cheaper than setting one up from the key each time, and
// contexts are not shareable between threads.
PkeyCtxPtr verify_context(EVP_PKEY* pkey, bool rsa) {
  const EVP_MD* md = sha256_md();
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (md == nullptr || ctx == nullptr || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) {
    return nullptr;
  }
  if (rsa && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) return nullptr;
  return ctx;
}

// JWS ES256 signatures are R||S (RFC 7518 §3.4); OpenSSL wants DER.
std::optional<std::string> es256_to_der(std::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) return std::nullopt;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BnPtr r = to_bn(raw.substr(0, kP256CoordinateBytes));
  BnPtr s = to_bn(raw.substr(kP256CoordinateBytes));
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return std::nullopt;
  }
  (void)r.release();  // owned by sig now
  (void)s.release();
  std::array<unsigned char, 80> der{};  // 2 * (2 + 33) + 2 + slack
  unsigned char* out = der.data();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0 || static_cast<std::size_t>(len) > der.size() || i2d_ECDSA_SIG(sig.get(), &out) != len) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(der.data()), static_cast<std::size_t>(len));
}

}  // namespace

struct Jwk::Impl {
  std::string kid;
  std::string alg;
  bool rsa = false;
  std::size_t signature_size = 0;  // RS256: the modulus length; ES256: 64
  PkeyPtr pkey;
  PkeyCtxPtr verify_ctx;
};

util::Expected<std::shared_ptr<const Jwk>, std::string> Jwk::from_json(const Json& jwk) {
  using util::unexpected;
  if (!jwk.is_object()) return unexpected(std::string("key is not an object"));
  auto member = [&](const char* name) -> const Json* {
    auto it = jwk.find(name);
    return it == jwk.end() ? nullptr : &*it;
  };
  const Json* kty = member("kty");
  if (kty == nullptr || !kty->is_string()) return unexpected(std::string("missing kty"));
  if (const Json* use = member("use"); use != nullptr && *use != "sig") {
    return unexpected(std::string("not a signature key"));
  }
  if (const Json* ops = member("key_ops"); ops != nullptr) {
    if (!ops->is_array() || std::find(ops->begin(), ops->end(), Json("verify")) == ops->end()) {
      return unexpected(std::string("not a verification key"));
    }
  }
  const Json* kid = member("kid");
  if (kid == nullptr || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
    return unexpected(std::string("missing kid"));
  }
  std::string alg;
  if (const Json* a = member("alg"); a != nullptr) {
    if (!a->is_string()) return unexpected(std::string("unsupported alg"));
    alg = a->get<std::string>();
  }

  auto impl = std::make_shared<Impl>();
  impl->kid = kid->get<std::string>();
  const std::string& type = kty->get_ref<const std::string&>();
  if (type == "RSA") {
    if (!alg.empty() && alg != "RS256") return unexpected(std::string("unsupported alg"));
    auto pkey = rsa_key(jwk);
    if (!pkey) return unexpected(std::move(pkey.error()));
    impl->pkey = std::move(*pkey);
    impl->alg = "RS256";
    impl->rsa = true;
    impl->signature_size = static_cast<std::size_t>(EVP_PKEY_get_size(impl->pkey.get()));
  } else if (type == "EC") {
    const Json* crv = member("crv");
    if (crv == nullptr || *crv != "P-256") return unexpected(std::string("unsupported crv"));
    if (!alg.empty() && alg != "ES256") return unexpected(std::string("unsupported alg"));
    auto pkey = ec_p256_key(jwk);
    if (!pkey) return unexpected(std::move(pkey.error()));
    impl->pkey = std::move(*pkey);
    impl->alg = "ES256";
    impl->signature_size = 2 * kP256CoordinateBytes;
  } else {
    return unexpected(std::string("unsupported kty"));
  }
  impl->verify_ctx = verify_context(impl->pkey.get(), impl->rsa);
  if (impl->verify_ctx == nullptr) return unexpected(std::string("key unusable"));
  return std::make_shared<const Jwk>(std::move(impl));
}

const std::string& Jwk::kid() const {
  return impl_->kid;
}
const std::string& Jwk::algorithm() const {
  return impl_->alg;
}

bool Jwk::verify(std::string_view signing_input, std::string_view signature) const {
  if (signature.size() != impl_->signature_size) return false;
  std::string der;
  if (!impl_->rsa) {
    auto converted = es256_to_der(signature);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  if (EVP_Digest(signing_input.data(), signing_input.size(), digest.data(), &digest_len, sha256_md(),
                 nullptr) != 1) {
    return false;
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_dup(impl_->verify_ctx.get()));
  return ctx != nullptr &&
         EVP_PKEY_verify(ctx.get(), bytes(signature), signature.size(), digest.data(), digest_len) == 1;
}

const Jwk* JwkSet::find(std::string_view kid) const {
  for (const auto& key : keys) {
    if (key->kid() == kid) return key.get();
  }
  return nullptr;
}

util::Expected<JwkSet, std::string> parse_jwks(std::string_view json) {
  auto doc = parse_strict_json_or_error(json);
  if (!doc) return util::unexpected("JWKS: " + doc.error());
  auto it = doc->find("keys");
  if (!doc->is_object() || it == doc->end() || !it->is_array()) {
    return util::unexpected(std::string("JWKS has no keys array"));
  }
  JwkSet set;
  std::unordered_set<std::string_view> kids;
  std::size_t considered = 0;
  for (const Json& entry : *it) {
    if (considered++ == kMaxJwksKeys) break;
    auto key = Jwk::from_json(entry);
    if (!key) continue;
    // A repeated kid would make the key choice ambiguous; the first wins.
    if (!kids.insert((*key)->kid()).second) continue;
    set.keys.push_back(std::move(*key));
  }
  if (set.keys.empty()) return util::unexpected(std::string("JWKS has no usable keys"));
  return set;
}

}  // namespace mcp::auth
