#pragma once
// OAuth 2.1 authorization for the MCP client (spec 2025-11-25 / 2026-07-28
// "Authorization", client side): RFC 9728 protected-resource discovery,
// RFC 8414 / OIDC authorization-server discovery, client identity
// (pre-registered -> Client ID Metadata Document -> dynamic registration,
// remembered per authorization server), PKCE S256, state, RFC 9207 iss,
// RFC 8707 resource, the browser + loopback redirect login, refresh with
// rotation, step-up on insufficient_scope, revocation, and token storage in
// 0600 files. Tokens never reach a log line. Without a user: the
// client_credentials grant (secret or private_key_jwt) and enterprise-managed
// authorization (an ID-JAG from the enterprise IdP, SEP-990), and a workload
// identity JWT as a JWT bearer grant (SEP-1933). DPoP (RFC 9449, SEP-1932)
// when the authorization server offers ES256 proofs: a fresh P-256 key per
// login, a proof on every token request and every use of a DPoP-bound token,
// and the servers' nonces. The key is never written to disk, so DPoP-bound
// tokens are kept in memory only and a new process logs in again.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/client/auth_provider.hpp"
#include "mcp/transport/http_client.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::client {

// How the authorization request reaches the user and the code comes back.
enum class LoginMode {
  kBrowser,    // open the system browser (xdg-open / open; print the URL when none) and
               // receive the code on a loopback listener at the redirect URI
  kNoBrowser,  // print the URL; the user pastes the URL they were redirected to
  kHeadless,   // GET the authorization URL without following the redirect and take the
               // code from Location (authorization servers that need no user; conformance)
};

struct OAuthOptions {
  // Which grant obtains tokens. kAuto: an EnterpriseIdp wins, then a
  // jwt_bearer_assertion; else client_credentials when we hold client credentials and the authorization
  // server offers client_credentials but not authorization_code; else the
  // authorization-code login.
  enum class Grant { kAuto, kAuthorizationCode, kClientCredentials };
  // The user's enterprise IdP (SEP-990): the ID token is exchanged there for
  // an ID-JAG, which the authorization server takes as a JWT bearer grant
  // with client_id / client_secret (or private_key_jwt) as the client.
  struct EnterpriseIdp {
    std::string token_endpoint;
    std::string client_id;  // our client at the IdP
    std::string id_token;
  };

  std::string redirect_uri = "http://localhost:8000/callback";  // OAUTH_REDIRECT_URI
  std::string client_id;      // pre-registered client (OAUTH_CLIENT_ID); empty: CIMD or DCR
  std::string client_secret;  // with client_id, for confidential pre-registered clients
  // With client_id: a PKCS#8 PEM private key (P-256 or RSA) for
  // private_key_jwt client authentication in machine grants.
  std::string private_key_pem;
  Grant grant = Grant::kAuto;
  std::optional<EnterpriseIdp> enterprise_idp;
  // Workload identity federation (SEP-1933): a JWT from the workload's own
  // identity provider, sent as an RFC 7523 JWT bearer grant (with client_id
  // when set). Used when no EnterpriseIdp is set.
  std::string jwt_bearer_assertion;
  // The authorization server the pre-registered client belongs to
  // (OAUTH_ISSUER). The MCP server names the authorization server, so a
  // malicious one could otherwise collect our credentials. When set,
  // client_id and every credential (client_secret, private_key_pem,
  // jwt_bearer_assertion, the enterprise IdP's ID token) are used only if the
  // discovered issuer equals it exactly; with any other issuer the login
  // proceeds as without a pre-registered client (CIMD or dynamic
  // registration), and machine grants fail. When empty, a bare client_id
  // (public, not a secret) is used with any issuer, but a login that would
  // send a credential fails unless trust_any_issuer is set.
  std::string credentials_issuer;
  // Sends the credentials to whichever issuer is discovered when
  // credentials_issuer is empty. Only for test harnesses whose authorization
  // server is local and unnamed (the conformance suite).
  bool trust_any_issuer = false;
  // Client ID Metadata Document URL used as client_id when the authorization
  // server advertises client_id_metadata_document_supported; empty: never.
  std::string client_metadata_url;
  std::string client_name = "bedrock-usage-mcp client";
  // Where tokens (per MCP server) and registrations (per authorization server)
  // are kept, mode 0700/0600; empty keeps them in memory only.
  std::filesystem::path store_dir;
  LoginMode mode = LoginMode::kBrowser;
  std::chrono::seconds login_timeout{300};  // waiting for the browser redirect
  std::chrono::milliseconds http_timeout{15000};
  int max_authorizations = 3;  // authorization requests per operation (step-up bound)
  std::string access_token;    // ACCESS_TOKEN: used as is, wins over stored tokens, never refreshed
  // Talking to the user: messages ("Opening your browser ...") and, in
  // kNoBrowser mode, reading the pasted URL (nullopt: end of input).
  std::function<void(std::string_view)> say;
  std::function<std::optional<std::string>(std::string_view prompt)> ask;
  std::function<void(std::string_view)> trace;  // debug lines; tokens appear as a short prefix at most
  const std::atomic<bool>* cancel = nullptr;    // aborts a waiting login (Ctrl-C)
};

struct TokenStatus {
  bool authenticated = false;     // an access token is available
  bool from_environment = false;  // ACCESS_TOKEN
  std::string subject;            // from the id_token or a JWT access token, when readable
  std::string scope;
  std::optional<std::chrono::system_clock::time_point> expires_at;
  bool refreshable = false;
  std::string issuer;
  std::string client_id;
};

// Blocking HTTP for discovery and token calls (net::perform in the CLI; an
// in-memory peer in unit tests).
using BlockingHttp = std::function<http::ClientResult(const http::ClientRequest&)>;

class OAuthProvider final : public AuthProvider {
 public:
  OAuthProvider(std::string mcp_url, OAuthOptions options, BlockingHttp http);
  ~OAuthProvider() override;
  OAuthProvider(const OAuthProvider&) = delete;
  OAuthProvider& operator=(const OAuthProvider&) = delete;

  // AuthProvider: refreshes a token that expires within 60 s before handing
  // it out; on 401 refreshes (or logs in) and asks for one retry; on 403
  // insufficient_scope re-authorizes with the union of scopes, at most
  // max_authorizations times per operation; on a 401 use_dpop_nonce
  // (RFC 9449 §9) takes the server's nonce and asks for a retry.
  http::Headers request_headers(std::string_view method, std::string_view url) override;
  // The Authorization header value alone ("Bearer ..." or "DPoP ..."), or
  // nullopt. A DPoP-bound token also needs the proof request_headers() adds.
  std::optional<std::string> authorization();
  util::Expected<ChallengeOutcome, std::string> on_challenge(const Challenge& challenge) override;

  // `auth login`: discovery (from the challenge when given, else the
  // well-known URLs of the MCP URL), then an interactive login.
  util::Expected<TokenStatus, std::string> login(const std::optional<Challenge>& challenge = std::nullopt);
  // `auth refresh`.
  util::Expected<TokenStatus, std::string> refresh();
  // `auth logout`: revokes the tokens where the server has a revocation
  // endpoint, then deletes them; the result says what was done.
  util::Expected<std::string, std::string> logout();
  // `auth status`.
  TokenStatus status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::client
