#pragma once
// DPoP (RFC 9449; MCP SEP-1932), client side: an ephemeral P-256 key and the
// proof JWTs that bind a token request and each use of the token to it.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/auth/strict_json.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

inline constexpr std::string_view kDpopAlgorithm = "ES256";
inline constexpr std::string_view kDpopScheme = "DPoP";
inline constexpr std::string_view kDpopHeader = "DPoP";
inline constexpr std::string_view kDpopNonceHeader = "DPoP-Nonce";
// The error a server answers when the proof lacks its (fresh) nonce (§8, §9).
inline constexpr std::string_view kUseDpopNonce = "use_dpop_nonce";

// Whether the authorization server's dpop_signing_alg_values_supported lets
// us use DPoP: we sign with ES256 only.
bool dpop_supported(const std::vector<std::string>& signing_algs);

// A P-256 key pair made for one login and never written anywhere. Immutable
// once made; copies share the key; safe to use from several threads.
class DpopKey {
 public:
  static util::Expected<DpopKey, std::string> generate();

  // {"kty":"EC","crv":"P-256","x":…,"y":…}: the public half only.
  const Json& public_jwk() const;
  // RFC 7638 SHA-256 thumbprint of public_jwk(), base64url (a token's cnf.jkt).
  std::string thumbprint() const;
  // The raw ES256 signature (64-byte R||S) of `signing_input`.
  util::Expected<std::string, std::string> sign(std::string_view signing_input) const;

  struct Impl;
  explicit DpopKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

// What one proof is for.
struct DpopProofInput {
  std::string_view method;        // htm
  std::string_view url;           // htu, after dpop_htu()
  std::string_view access_token;  // non-empty: ath (requests to the resource server)
  std::string_view nonce;         // non-empty: the server's DPoP-Nonce
  std::chrono::system_clock::time_point now;
};

// A compact JWS with header {typ:"dpop+jwt", alg:"ES256", jwk} and claims
// {jti (random), htm, htu, iat[, ath][, nonce]} (RFC 9449 §4.2).
util::Expected<std::string, std::string> make_dpop_proof(const DpopKey& key, const DpopProofInput& input);

// `url` without its query and fragment, as htu must be (RFC 9449 §4.2).
std::string dpop_htu(std::string_view url);
// base64url(SHA-256(access_token)), the ath claim (RFC 9449 §4.2).
std::string dpop_ath(std::string_view access_token);

}  // namespace mcp::auth::oauth
