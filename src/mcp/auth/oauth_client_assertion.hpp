#pragma once
// private_key_jwt client authentication (RFC 7523 §2.2, OpenID Connect Core
// §9): a short-lived JWS about the client, signed with the client's private
// key, sent instead of a secret. ES256 for P-256 keys, RS256 for RSA keys.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

inline constexpr std::string_view kClientAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
inline constexpr std::chrono::seconds kClientAssertionLifetime{300};

// A private key that signs JWS: P-256 (ES256) or RSA of at least 2048 bits
// (RS256). Immutable once loaded; copies share the key.
class SigningKey {
 public:
  // PEM text: PKCS#8 "PRIVATE KEY" (or a traditional EC/RSA key). Encrypted
  // keys are refused rather than prompting for a passphrase.
  static util::Expected<SigningKey, std::string> from_pem(std::string_view pem);

  const std::string& algorithm() const;  // "ES256" or "RS256"
  // The raw JWS signature of `signing_input` (ES256: the 64-byte R||S).
  util::Expected<std::string, std::string> sign(std::string_view signing_input) const;

  struct Impl;
  explicit SigningKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

// A compact JWS: header {alg, typ:"JWT"}, claims iss = sub = client_id,
// aud = `audience` (the authorization server's issuer), iat = now,
// exp = now + kClientAssertionLifetime, and a random jti.
util::Expected<std::string, std::string> make_client_assertion(const SigningKey& key,
                                                               std::string_view client_id,
                                                               std::string_view audience,
                                                               std::chrono::system_clock::time_point now);

}  // namespace mcp::auth::oauth
