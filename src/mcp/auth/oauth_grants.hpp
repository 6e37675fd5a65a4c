#pragma once
// The grants that need no user: client_credentials (RFC 6749 §4.4), the JWT
// bearer grant (RFC 7523 §2.1), and the Identity Assertion JWT Authorization
// Grant (ID-JAG, MCP SEP-990 "enterprise-managed authorization"): an
// RFC 8693 token exchange at the enterprise IdP turns the user's ID token
// into an ID-JAG, which the MCP authorization server takes as a JWT bearer
// assertion.
#include <string>
#include <string_view>
#include <vector>

#include "mcp/auth/facade_form.hpp"
#include "mcp/auth/oauth_http.hpp"
#include "mcp/auth/oauth_server_metadata.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

inline constexpr std::string_view kGrantAuthorizationCode = "authorization_code";
inline constexpr std::string_view kGrantClientCredentials = "client_credentials";
inline constexpr std::string_view kGrantJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
inline constexpr std::string_view kGrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr std::string_view kTokenTypeIdJag = "urn:ietf:params:oauth:token-type:id-jag";
inline constexpr std::string_view kTokenTypeIdToken = "urn:ietf:params:oauth:token-type:id_token";

// True when grant_types_supported lists `grant`. An absent list means the
// RFC 8414 default, ["authorization_code", "implicit"].
bool advertises_grant(const AuthServerMetadata& server, std::string_view grant);
// The server takes client_credentials and no authorization codes: a
// machine-to-machine server where a browser login cannot work.
bool machine_only(const AuthServerMetadata& server);

// How a confidential client authenticates for a machine grant:
// private_key_jwt when it has a key and the server accepts that method (or
// lists none), else a secret method as choose_token_auth_method picks it,
// else "none".
std::string machine_auth_method(bool has_private_key, bool has_secret,
                                const std::vector<std::string>& supported);

// Token-request bodies; empty scope / resource are omitted.
form::Params client_credentials_grant(std::string_view scope, std::string_view resource);
form::Params jwt_bearer_grant(std::string_view assertion, std::string_view scope, std::string_view resource);

struct IdJagRequest {
  std::string token_endpoint;  // the IdP's
  std::string client_id;       // our client at the IdP (public: sent in the body)
  std::string id_token;        // the user's ID token from the IdP: the subject
  std::string audience;        // the MCP authorization server's issuer
  std::string resource;        // the MCP server (RFC 8707)
  std::string scope;           // optional
};

// The token exchange at the IdP; returns the ID-JAG (the response's
// access_token, whose issued_token_type must be the ID-JAG type).
util::Expected<std::string, std::string> request_id_jag(const OAuthHttp& http, const IdJagRequest& request);

}  // namespace mcp::auth::oauth
