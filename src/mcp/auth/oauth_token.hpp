#pragma once
// The token endpoint (RFC 6749 §3.2, §4.1.3, §6): client authentication
// (none, client_secret_basic, client_secret_post, private_key_jwt), the
// authorization-code and refresh grants, the token response, and DPoP proofs
// of possession for the request (RFC 9449 §5, §8).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/auth/facade_form.hpp"
#include "mcp/auth/oauth_dpop.hpp"
#include "mcp/auth/oauth_http.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

struct ClientAuth {
  std::string client_id;
  std::string client_secret;
  // none, client_secret_basic, client_secret_post or private_key_jwt
  std::string method = "none";
  // private_key_jwt: a freshly signed assertion (oauth_client_assertion.hpp),
  // made just before the request since it expires within minutes.
  std::string client_assertion;
};

// The registered method when the server supports it; else, with a secret,
// client_secret_basic (if supported) then client_secret_post; else none. An
// empty `supported` list means the server did not say (RFC 8414 default:
// client_secret_basic).
std::string choose_token_auth_method(std::string_view registered_method, bool has_secret,
                                     const std::vector<std::string>& supported);

// Adds the client's credentials to a token-endpoint request.
void apply_client_auth(const ClientAuth& auth, form::Params& body, http::Headers& headers);
// "Basic base64(urlencode(id):urlencode(secret))" (RFC 6749 §2.3.1).
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

// The longest token lifetime believed: a larger (or absurd) expires_in reads
// as this, far from overflowing a time_point; a negative one as 0.
inline constexpr std::chrono::seconds kMaxTokenLifetime =
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::years{10});

struct TokenResponse {
  std::string access_token;
  std::string token_type;
  std::string refresh_token;  // empty when none was issued
  std::string scope;          // empty when the server did not say
  std::string id_token;
  std::optional<std::chrono::seconds> expires_in;  // within [0, kMaxTokenLifetime]
  // token_type DPoP: the token is bound to the proof key and must be sent
  // as "Authorization: DPoP" with a proof (RFC 9449 §5, §7.1).
  bool dpop_bound = false;
};

// DPoP at the token endpoint: each request carries a proof made with `key`.
struct TokenDpop {
  DpopKey key;
  // The authorization server's latest DPoP-Nonce (empty: none yet). A
  // use_dpop_nonce answer sets it and the request is sent once more; a
  // nonce on any other answer replaces it for the next request (§8).
  std::string nonce;
};

form::Params authorization_code_grant(std::string_view code, std::string_view redirect_uri,
                                      std::string_view code_verifier, std::string_view resource);
form::Params refresh_token_grant(std::string_view refresh_token, std::string_view resource);

// POSTs the grant; an OAuth error response becomes "token endpoint <url>:
// <error> (<description>)". With `dpop`, the request carries a proof and a
// DPoP token_type is accepted; without, only Bearer is.
util::Expected<TokenResponse, std::string> request_token(const OAuthHttp& http,
                                                         std::string_view token_endpoint,
                                                         const form::Params& grant, const ClientAuth& auth,
                                                         TokenDpop* dpop = nullptr);

// A form POST to an OAuth endpoint with the client's credentials.
http::ClientRequest form_request(std::string_view url, form::Params body, const ClientAuth& auth);
// The "error" member of an OAuth error body; empty when there is none.
std::string oauth_error_code(const http::ClientResponse& response);
// "<error> (<description>)" from an OAuth error body, or "HTTP <status>".
std::string oauth_error_text(const http::ClientResponse& response);

}  // namespace mcp::auth::oauth
