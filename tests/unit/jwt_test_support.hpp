#pragma once
// Test keys and token builders for JWT verification tests (unit tests, the
// resource-server tests and the JWT benchmark). Keys are generated with
// OpenSSL and cached per (kid, size), so asking for the same key twice is
// free; tokens are built by hand so tests can produce hostile ones.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "mcp/auth/strict_json.hpp"

namespace mcp::testing {

class TestKey {
 public:
  // A 2048-bit (or `bits`) RSA key whose JWK says alg RS256.
  static TestKey rsa(std::string kid, int bits = 2048);
  // A P-256 key whose JWK says alg ES256.
  static TestKey ec(std::string kid);

  // The same key pair under another kid (e.g. a different key that reuses a
  // trusted kid).
  TestKey with_kid(std::string kid) const;

  const std::string& kid() const { return kid_; }
  const std::string& alg() const;  // "RS256" or "ES256"

  // {"kty","kid","use":"sig","alg", n/e or crv/x/y}.
  Json public_jwk() const;
  // The SubjectPublicKeyInfo PEM text (what an HS256 key-confusion attack
  // uses as the HMAC secret).
  std::string public_pem() const;

  // Raw JWS signature of `signing_input` with this key's algorithm (ES256:
  // 64-byte R||S).
  std::string sign_raw(std::string_view signing_input) const;
  // A compact JWS of exactly these header and payload objects, signed with
  // this key's algorithm whatever the header says.
  std::string sign(const Json& header, const Json& payload) const;
  // sign() with header {"alg": alg(), "kid": kid(), "typ": "at+jwt"}.
  std::string token(const Json& payload) const;

  struct Pair;  // the OpenSSL key pair (jwt_test_support.cpp)

 private:
  TestKey(std::string kid, std::shared_ptr<const Pair> pair) : kid_(std::move(kid)), pair_(std::move(pair)) {}
  std::string kid_;
  std::shared_ptr<const Pair> pair_;
};

// b64url(header_text) '.' b64url(payload_text) '.' b64url(signature): raw
// text so tests can send duplicate members, bad JSON and the like.
std::string make_token(std::string_view header_text, std::string_view payload_text,
                       std::string_view signature);

// {"keys":[<public JWKs>]}.
std::string jwks_json(std::initializer_list<const TestKey*> keys);

// An HS256 token HMAC'd with `secret`.
std::string hs256_token(const Json& header, const Json& payload, std::string_view secret);
// The classic key-confusion attack: header {"alg":"HS256","kid":key.kid()},
// HMAC'd with the RSA key's public PEM.
std::string hs256_with_key(const TestKey& key, const Json& payload);

// Claims of a typical access token valid from `now` for `ttl` seconds.
Json access_claims(std::string_view issuer, std::string_view audience, std::int64_t now,
                   std::int64_t ttl = 300);

}  // namespace mcp::testing
