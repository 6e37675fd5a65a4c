#pragma once
// The front channel of the authorization-code grant: building the
// authorization URL and reading the redirect it ends in (state, RFC 9207
// iss, error responses).
#include <string>
#include <string_view>

#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

struct AuthorizationRequest {
  std::string endpoint;  // may already carry a query
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;  // S256
  std::string state;
  std::string scope;     // empty: omitted
  std::string resource;  // RFC 8707; empty: omitted (2025-03-26 servers)
};

std::string build_authorization_url(const AuthorizationRequest& request);

struct RedirectCheck {
  std::string state;          // as sent
  std::string issuer;         // the authorization server's issuer
  bool iss_required = false;  // authorization_response_iss_parameter_supported
};

// The authorization code from a redirect URL (or just its query). Errors
// explain: a state mismatch, an iss mismatch, or the server's error and
// error_description.
util::Expected<std::string, std::string> read_authorization_response(std::string_view redirected,
                                                                     const RedirectCheck& check);

}  // namespace mcp::auth::oauth
