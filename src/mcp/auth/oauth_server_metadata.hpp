#pragma once
// Authorization-server metadata (RFC 8414, OpenID Connect Discovery 1.0) in
// the order the MCP specification prescribes, the issuer check, and the
// 2025-03-26 fallbacks for servers without protected-resource metadata.
#include <string>
#include <string_view>
#include <vector>

#include "mcp/auth/oauth_http.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

struct AuthServerMetadata {
  std::string url;  // where it was fetched; empty for default endpoints
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string registration_endpoint;
  std::string revocation_endpoint;
  std::vector<std::string> scopes_supported;
  std::vector<std::string> code_challenge_methods_supported;
  std::vector<std::string> token_endpoint_auth_methods_supported;
  std::vector<std::string> grant_types_supported;
  // RFC 9449 §5.1: the JWS algorithms it accepts in DPoP proofs (empty: no DPoP).
  std::vector<std::string> dpop_signing_alg_values_supported;
  bool client_id_metadata_document_supported = false;
  bool authorization_response_iss_parameter_supported = false;
};

// The metadata URLs for an issuer, in order. With a path (/t):
// /.well-known/oauth-authorization-server/t, /.well-known/openid-configuration/t,
// /t/.well-known/openid-configuration. Without: the two root documents.
std::vector<std::string> authorization_server_metadata_urls(std::string_view issuer);

// Tries the candidates, stopping at the first 2xx; a 4xx moves on, anything
// else is an error. nullopt when every candidate answered 4xx. With
// `require_issuer_match` the document's issuer must equal `issuer`
// (RFC 8414 §3.3); 2025-03-26 servers are read without that check.
util::Expected<std::optional<AuthServerMetadata>, std::string> discover_authorization_server(
    const OAuthHttp& http, std::string_view issuer, bool require_issuer_match);

util::Expected<AuthServerMetadata, std::string> parse_authorization_server_metadata(const Json& doc,
                                                                                    std::string_view url);

// 2025-03-26 "Fallbacks for Servers without Metadata Discovery": /authorize,
// /token and /register at the MCP server's origin.
AuthServerMetadata default_endpoints(std::string_view origin);

bool supports_pkce_s256(const AuthServerMetadata& metadata);

}  // namespace mcp::auth::oauth
