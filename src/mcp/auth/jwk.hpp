#pragma once
// Public keys from a JSON Web Key Set (RFC 7517) that verify JWS signatures
// (RFC 7515): RSA keys for RS256 and EC P-256 keys for ES256, nothing else.
// Each key verifies exactly one algorithm, fixed when the key is parsed, so
// a token cannot choose how its signature is checked.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcp/auth/strict_json.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth {

inline constexpr std::size_t kMaxJwksKeys = 100;  // keys beyond this are ignored
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

class Jwk {
 public:
  // Builds a key from one JWK object. The error says why a key is not usable
  // (parse_jwks skips such keys).
  static util::Expected<std::shared_ptr<const Jwk>, std::string> from_json(const Json& jwk);

  const std::string& kid() const;
  // Exactly "RS256" or "ES256": the one algorithm this key verifies.
  const std::string& algorithm() const;
  // `signature` is the raw JWS signature: for ES256 the 64-byte R||S, for
  // RS256 the RSASSA-PKCS1-v1_5 SHA-256 signature. Safe to call
  // concurrently.
  bool verify(std::string_view signing_input, std::string_view signature) const;

  struct Impl;
  explicit Jwk(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

struct JwkSet {
  std::vector<std::shared_ptr<const Jwk>> keys;
  // The key with this kid, or null. Kids are unique within a set.
  const Jwk* find(std::string_view kid) const;
};

// Parses {"keys":[...]} with parse_strict_json. Keys that are not signature
// keys, lack a kid, repeat an earlier kid, or have an unsupported type,
// curve, size or alg are skipped; an error means the document is not strict
// JSON, has no "keys" array, or has no usable key.
util::Expected<JwkSet, std::string> parse_jwks(std::string_view json);

}  // namespace mcp::auth
