#pragma once
// Validation of a verified JWT's claims (RFC 7519 §4.1, RFC 9068) for a
// resource server, with a Cognito mode: Cognito access tokens carry no aud
// but token_use and client_id, and its ID tokens must not be accepted as
// access tokens.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mcp/auth/strict_json.hpp"
#include "mcp/protocol/context.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth {

struct ClaimRules {
  std::string issuer;                  // exact string match of "iss"; must not be empty
  std::vector<std::string> audiences;  // accepted "aud" values, compared after normalize_resource()
  bool audience_required =
      true;              // generic OIDC: aud must be present and match; Cognito: checked only when present
  bool cognito = false;  // token_use must be "access"; client_id must be in allowed_client_ids
  std::vector<std::string> allowed_client_ids;
  std::chrono::seconds leeway{60};
};

// `payload` is the token's claims object, its signature already verified.
// exp is required; nbf and iat are checked when present; sub is required;
// aud may be a string or an array of strings (one match suffices). Errors are
// short reasons ("token expired", "audience mismatch", ...).
util::Expected<AuthInfo, std::string> check_claims(const Json& payload, const ClaimRules& rules,
                                                   std::int64_t now_unix);

}  // namespace mcp::auth
