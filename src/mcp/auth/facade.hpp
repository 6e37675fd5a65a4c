#pragma once
// The optional login facade (--auth-facade): an OAuth 2.1 authorization
// server at the MCP origin that off-the-shelf MCP clients can use (RFC 8414
// metadata, RFC 7591 registration, PKCE), and that logs users in through an
// upstream authorization server (Cognito, or any OIDC issuer) with ONE
// pre-registered client and ONE fixed redirect URI: <issuer>/oauth/callback.
//
// Routes (local paths; a public base path such as an API Gateway stage is
// already stripped, published URLs are issuer + path):
//   GET  /.well-known/oauth-authorization-server[<base path>]   RFC 8414 metadata
//   GET  /.well-known/openid-configuration[<base path>]         same, with the OIDC-required fields
//   POST /oauth/register    RFC 7591, public clients only
//   GET  /oauth/authorize   -> (consent page for non-loopback redirects) -> 302 upstream
//   POST /oauth/authorize   the consent form
//   GET  /oauth/callback    upstream -> 302 client redirect_uri with a facade code (RFC 9207 iss)
//   POST /oauth/token       authorization_code (PKCE) and refresh_token, proxied upstream
//   GET  /oauth/jwks        an empty key set (the OIDC document must name one; no ID tokens are issued)
//
// Rules (see facade_clients.hpp for redirect URIs):
//  - Registration: public clients only (token_endpoint_auth_method none);
//    redirect URIs may be http to a loopback host (any port), https, or a
//    private-use scheme (cursor://..., com.example.app:/cb); never fragments.
//  - Authorization: a loopback redirect URI matches on any port (RFC 8252
//    §7.3), others exactly. Until client id and redirect URI are verified,
//    errors are a 400 page, never a redirect. PKCE S256 is mandatory and end
//    to end: the client's challenge goes upstream, its verifier follows at
//    the token step (checked here first). Non-loopback redirect URIs get a
//    consent page first (anyone can register https://evil), bound to the
//    browser by a SameSite=Strict cookie; loopback ones go straight through.
//  - The client's `resource`, when sent, must be this MCP server.
//  - Codes live code_ttl, are bound to client, redirect URI, challenge and
//    resource, and are single-use per instance; refresh tokens are the
//    upstream's, sealed and bound to the client; ID tokens are dropped.
//
// Stateless across instances (AWS Lambda): client ids, login transactions,
// codes and refresh tokens are sealed (AES-256-GCM) with FACADE_SECRET. The
// only per-instance state is the set of codes already redeemed and the
// discovered upstream endpoints. handle() and the http::Client callbacks run
// on the executor thread, so none of it is locked.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp/auth/public_url.hpp"
#include "mcp/transport/http_client.hpp"
#include "mcp/transport/http_types.hpp"
#include "mcp/util/log.hpp"

namespace mcp::auth {

struct FacadeConfig {
  // For discovery (<issuer>/.well-known/openid-configuration, then RFC 8414)
  // of whichever endpoint below is empty.
  std::string upstream_issuer;
  std::string upstream_authorization_endpoint;  // e.g. https://<domain>/oauth2/authorize
  std::string upstream_token_endpoint;          // e.g. https://<domain>/oauth2/token
  std::string client_id;                        // the one client registered upstream
  std::string client_secret;                    // optional; sent with client_secret_basic
  std::string secret;                           // sealing secret; empty = random per process
  // Advertised, sent upstream when the client asks for no scope, and the
  // filter for scopes a client asks for (unknown scopes are dropped).
  std::vector<std::string> scopes_supported;
  bool forward_resource = false;  // pass the client's RFC 8707 resource upstream
  std::chrono::seconds code_ttl{120};
  std::chrono::seconds transaction_ttl{600};
  std::chrono::milliseconds upstream_timeout{10000};
  std::size_t max_used_codes = 10000;   // bound of the redeemed-code set
  std::function<std::int64_t()> clock;  // unix seconds; empty = system clock (tests inject one)
};

class Facade {
 public:
  // `public_url`, `client` and `log` must outlive the facade.
  Facade(FacadeConfig config, const PublicUrl& public_url, http::Client& client, const util::Logger& log);
  ~Facade();
  Facade(const Facade&) = delete;
  Facade& operator=(const Facade&) = delete;

  // A readable reason when `config` cannot work (no upstream client id, no
  // issuer and no endpoints, endpoints that are neither https nor loopback).
  static std::optional<std::string> config_error(const FacadeConfig& config);

  // Serves the facade's routes; returns false (touching nothing) when the
  // request is not for one of them. Token requests answer later, from the
  // http::Client callback.
  bool handle(const http::Request& request, const std::shared_ptr<http::Responder>& responder);

  // The facade's issuer for a request: public_url.base(request), e.g.
  // http://127.0.0.1:3000 or https://h/prod (for PRM authorization_servers).
  std::string issuer(const http::Request& request) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::auth
