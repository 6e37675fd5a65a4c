#include "mcp/auth/oauth_pkce.hpp"

#include <algorithm>
#include <cctype>

#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::auth::oauth {

namespace {

std::string digest_string(const util::Sha256Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

std::string s256_challenge(std::string_view verifier) {
  return util::base64url_encode(digest_string(util::sha256(verifier)));
}

Pkce make_pkce() {
  Pkce out;
  // 48 random bytes encode to 64 unreserved characters without bias.
  out.verifier = util::base64url_encode(util::random_bytes(48));
  out.challenge = s256_challenge(out.verifier);
  return out;
}

bool valid_verifier(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  return std::all_of(verifier.begin(), verifier.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
  });
}

std::string random_state() {
  return util::base64url_encode(util::random_bytes(32));
}

}  // namespace mcp::auth::oauth
