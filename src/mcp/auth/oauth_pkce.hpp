#pragma once
// PKCE (RFC 7636) with S256, and the random `state` of an authorization
// request. Both come from the OS CSPRNG.
#include <string>
#include <string_view>

namespace mcp::auth::oauth {

struct Pkce {
  std::string verifier;   // 64 characters of [A-Za-z0-9-_]
  std::string challenge;  // BASE64URL(SHA256(verifier)), no padding
};

Pkce make_pkce();
std::string s256_challenge(std::string_view verifier);
// RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~].
bool valid_verifier(std::string_view verifier);
// An unguessable value for `state` (256 bits, base64url).
std::string random_state();

}  // namespace mcp::auth::oauth
