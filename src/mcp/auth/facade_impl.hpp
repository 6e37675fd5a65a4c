#pragma once
// Internal to the login facade: its state and the route handlers, split over
// facade.cpp (routing, metadata, registration), facade_authorize.cpp (the
// browser legs) and facade_token.cpp (the token endpoint).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mcp/auth/facade.hpp"
#include "mcp/auth/facade_blobs.hpp"
#include "mcp/auth/facade_clients.hpp"
#include "mcp/auth/facade_form.hpp"
#include "mcp/auth/facade_replay.hpp"
#include "mcp/auth/facade_upstream.hpp"

namespace mcp::auth {

namespace facade_paths {
inline constexpr std::string_view kAuthorize = "/oauth/authorize";
inline constexpr std::string_view kToken = "/oauth/token";
inline constexpr std::string_view kRegister = "/oauth/register";
inline constexpr std::string_view kCallback = "/oauth/callback";
inline constexpr std::string_view kJwks = "/oauth/jwks";
inline constexpr std::string_view kOAuthMetadata = "/.well-known/oauth-authorization-server";
inline constexpr std::string_view kOidcMetadata = "/.well-known/openid-configuration";
}  // namespace facade_paths

using ResponderPtr = std::shared_ptr<http::Responder>;

// Shared response shapes.
http::Response json_response(int status, const nlohmann::json& body);
// An OAuth error body ({"error","error_description"}) for the JSON endpoints.
http::Response oauth_error(int status, std::string_view error, std::string_view description);
// Access-Control-* for the endpoints browser-based clients call directly.
void add_cors(http::Headers& headers);
http::Response cors_preflight();
http::Response redirect(int status, std::string location);

// PKCE (RFC 7636 §4.1): 43-128 characters of [A-Za-z0-9-._~].
bool valid_pkce_value(std::string_view value);
std::string s256(std::string_view verifier);
// A fresh random identifier (128 bits, base64url).
std::string random_id();

struct Facade::Impl : std::enable_shared_from_this<Facade::Impl> {
  Impl(FacadeConfig c, const PublicUrl& p, http::Client& h, const util::Logger& l);

  FacadeConfig config;
  const PublicUrl& public_url;
  http::Client& client;
  const util::Logger& log;
  ClientIds clients;
  FacadeBlobs blobs;
  UpstreamDirectory upstream;
  UsedCodes used_codes;

  std::int64_t now() const;
  std::string issuer(const http::Request& request) const;

  // facade.cpp
  bool handle(const http::Request& request, const ResponderPtr& responder);
  http::Response metadata(const http::Request& request, bool oidc) const;
  http::Response register_client(const http::Request& request) const;

  // facade_authorize.cpp
  void authorize(const http::Request& request, const ResponderPtr& responder);
  void consent(const http::Request& request, const ResponderPtr& responder);
  http::Response callback(const http::Request& request) const;
  // Sends the browser on to the upstream authorization endpoint.
  void to_upstream(Transaction tx, int status, const ResponderPtr& responder);

  // facade_token.cpp
  void token(const http::Request& request, const ResponderPtr& responder);
  void code_grant(const form::Fields& form, const std::string& client_id, const ResponderPtr& responder);
  void refresh_grant(const http::Request& request, const form::Fields& form, const std::string& client_id,
                     const ResponderPtr& responder);
  // POSTs `params` (plus client authentication) to the upstream token
  // endpoint and relays the answer; refresh tokens come back wrapped for
  // `client_digest`.
  void exchange(form::Params params, std::string client_digest, const ResponderPtr& responder);
};

}  // namespace mcp::auth
