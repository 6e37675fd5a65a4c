#pragma once
// Compact JWS tokens (RFC 7515/7519) signed with RS256 or ES256: structural
// decoding with strict rules, and signature verification against a JWK.
// Claims are checked separately (claims.hpp).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/auth/jwk.hpp"
#include "mcp/auth/strict_json.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth {

struct DecodedJwt {
  Json header;                // a JSON object
  Json payload;               // a JSON object
  std::string alg;            // "RS256" or "ES256"
  std::string kid;            // non-empty
  std::string signing_input;  // the encoded header '.' encoded payload, as received
  std::string signature;      // raw bytes, non-empty
};

inline constexpr std::size_t kMaxTokenBytes = std::size_t{16} * 1024;

// Checks the token's shape and header: at most `max_bytes`, exactly three
// non-empty base64url parts without padding, header and payload strict JSON
// objects, alg RS256 or ES256, a kid, no crit, typ (if any) JWT or at+jwt.
// Error strings are short and never contain the token.
util::Expected<DecodedJwt, std::string> decode_jwt(std::string_view token,
                                                   std::size_t max_bytes = kMaxTokenBytes);

// False when the token's alg is not the key's algorithm or the signature does
// not verify.
bool verify_signature(const DecodedJwt& jwt, const Jwk& key);

// base64url as JWS uses it (RFC 7515 §2): URL alphabet only, no padding.
std::optional<std::string> base64url_decode_strict(std::string_view text);

}  // namespace mcp::auth
