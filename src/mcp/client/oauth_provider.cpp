#include "mcp/client/oauth_provider.hpp"

#include <fmt/format.h>

#include <mutex>

#include "mcp/auth/jwt.hpp"
#include "mcp/auth/oauth_authorize.hpp"
#include "mcp/auth/oauth_challenge.hpp"
#include "mcp/auth/oauth_client_assertion.hpp"
#include "mcp/auth/oauth_dpop.hpp"
#include "mcp/auth/oauth_grants.hpp"
#include "mcp/auth/oauth_pkce.hpp"
#include "mcp/auth/oauth_registration.hpp"
#include "mcp/auth/oauth_resource_metadata.hpp"
#include "mcp/auth/oauth_revocation.hpp"
#include "mcp/auth/oauth_scope.hpp"
#include "mcp/auth/oauth_server_metadata.hpp"
#include "mcp/auth/oauth_token.hpp"
#include "mcp/auth/public_url.hpp"
#include "mcp/client/login_redirect.hpp"
#include "mcp/client/token_store.hpp"

namespace mcp::client {

namespace oauth = auth::oauth;
using Clock = std::chrono::system_clock;

namespace {

// A token this close to expiry is refreshed before use.
constexpr std::chrono::seconds kRefreshMargin{60};
// Fresh resource-server DPoP nonces accepted per operation: one is normal, a
// second covers a rotation mid-operation; more means the server is looping.
constexpr int kMaxNonceRetries = 2;

// How a login obtains its tokens.
enum class Flow {
  kAuthorizationCode,  // the user logs in through the browser (or a pasted URL)
  kClientCredentials,  // the client itself, with a secret or a signed assertion
  kIdJag,              // the user's enterprise IdP vouches for them (SEP-990)
  kJwtBearer,          // a workload identity JWT (SEP-1933)
};

// Where the authorization server is and how to talk to it, for one login.
struct Discovery {
  std::optional<oauth::ProtectedResourceMetadata> resource_metadata;  // nullopt: 2025-03-26 server
  oauth::AuthServerMetadata server;
  std::string resource;  // RFC 8707 value; empty in 2025-03-26 mode
  // The issuer as verified: the metadata's, checked against the URL it was
  // found under (RFC 8414 §3.3); for 2025-03-26 servers, whose documents
  // are read unchecked, the origin they came from. Credentials and stored
  // registrations are bound to this, never to a name a document merely claims.
  std::string issuer;
};

// The subject of a JWT for display only: the signature is not checked.
std::string jwt_subject(std::string_view token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return {};
  const auto payload = auth::base64url_decode_strict(token.substr(first + 1, second - first - 1));
  if (!payload) return {};
  const auto doc = auth::parse_strict_json(*payload);
  if (!doc || !doc->is_object()) return {};
  for (const char* claim : {"email", "preferred_username", "username", "sub"}) {
    const auto it = doc->find(claim);
    if (it != doc->end() && it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
  }
  return {};
}

}  // namespace

struct OAuthProvider::Impl {
  Impl(std::string url, OAuthOptions opts, BlockingHttp call)
      : mcp_url(std::move(url)),
        options(std::move(opts)),
        http{std::move(call), options.http_timeout, options.trace},
        store(options.store_dir) {}

  std::string mcp_url;
  OAuthOptions options;
  oauth::OAuthHttp http;
  TokenStore store;

  mutable std::mutex mutex;
  bool loaded = false;
  std::optional<StoredTokens> tokens;
  std::string last_requested_scope;              // survives a store that cannot save
  std::optional<oauth::SigningKey> signing_key;  // parsed from options.private_key_pem on first use
  // DPoP (RFC 9449): the key made for the last login whose authorization
  // server offers ES256 proofs, with that server's nonce. Never written to
  // disk, so DPoP-bound tokens are never stored either (save()).
  std::optional<oauth::TokenDpop> dpop;
  bool dpop_bound = false;  // tokens->access_token goes out as "DPoP" with a proof
  std::string rs_nonce;     // the MCP server's latest DPoP-Nonce

  // The current operation (Challenge::attempt == 0 starts a new one).
  int authorizations = 0;
  bool fresh_login = false;          // the token in use came from a login in this operation
  int nonce_retries = 0;             // resource-server DPoP nonces taken in this operation
  bool refreshed = false;            // a refresh was tried in this operation
  std::string last_login_challenge;  // the challenge that caused the last login in this operation

  void trace(std::string_view line) const { http.log(line); }
  void say(std::string_view line) const {
    if (options.say) options.say(line);
  }

  void ensure_loaded() {
    if (loaded) return;
    loaded = true;
    auto result = store.load_tokens(mcp_url);
    if (!result) {
      trace(fmt::format("ignoring stored tokens: {}", result.error()));
      return;
    }
    tokens = std::move(*result);
    dpop_bound = false;  // only Bearer tokens are ever stored
    if (tokens) trace(fmt::format("stored token {} for {}", oauth::redact(tokens->access_token), mcp_url));
  }

  // A DPoP-bound token is useless without its key, which stays in memory:
  // such tokens are not stored (the next process logs in again), and an
  // older stored login is dropped so it cannot come back in their place.
  void save() {
    if (!tokens) return;
    if (dpop_bound) {
      if (auto removed = store.remove_tokens(mcp_url); !removed) {
        say(fmt::format("warning: the old stored tokens could not be deleted: {}", removed.error()));
      }
      return;
    }
    if (auto saved = store.save_tokens(*tokens); !saved) {
      say(fmt::format("warning: the tokens could not be saved: {}", saved.error()));
    }
  }

  bool refreshable() const {
    return tokens && !tokens->refresh_token.empty() && !tokens->token_endpoint.empty();
  }

  // Configured secrets, keys or assertions: these must reach only the
  // authorization server the user named (options.credentials_issuer).
  bool holds_credentials() const {
    return !options.client_secret.empty() || !options.private_key_pem.empty() ||
           !options.jwt_bearer_assertion.empty() || options.enterprise_idp.has_value();
  }

  // Whether the pre-configured client (and its credentials) may be used with
  // `issuer`: true to use it, false to proceed as if none were configured,
  // an error when credentials would go to an issuer nobody named.
  util::Expected<bool, std::string> use_preconfigured(std::string_view issuer) const {
    const bool credentials = holds_credentials();
    if (options.client_id.empty() && !credentials) return false;
    if (!options.credentials_issuer.empty()) return issuer == options.credentials_issuer;
    if (!credentials || options.trust_any_issuer) return true;
    return util::unexpected(fmt::format(
        "OAUTH_CLIENT_SECRET (or key/assertion) is only sent to the authorization server named by "
        "OAUTH_ISSUER; set OAUTH_ISSUER={}",
        oauth::sanitize_url(issuer)));
  }

  // The pre-configured client for a machine grant at `issuer`, which has no
  // CIMD or registration to fall back on.
  util::Expected<std::monostate, std::string> check_machine_issuer(std::string_view issuer) const {
    auto allowed = use_preconfigured(issuer);
    if (!allowed) return util::unexpected(std::move(allowed.error()));
    if (!*allowed) {
      return util::unexpected(fmt::format(
          "the OAuth client credentials are for the authorization server {} (OAUTH_ISSUER), but {} uses {}; "
          "refusing to send them there",
          options.credentials_issuer, mcp_url, oauth::sanitize_url(issuer)));
    }
    return std::monostate{};
  }

  oauth::ClientAuth stored_client() {
    oauth::ClientAuth client{tokens->client_id, tokens->client_secret,
                             tokens->auth_method.empty() ? "none" : tokens->auth_method};
    // The key signs only for the issuer it is configured for (the stored
    // issuer may predate a change of OAUTH_ISSUER).
    const auto allowed = use_preconfigured(tokens->issuer);
    if (client.method == "private_key_jwt" && !(allowed && *allowed)) {
      trace(fmt::format("not signing a client assertion for {}: not the configured issuer", tokens->issuer));
      return client;
    }
    // A failure leaves the assertion empty; the server's refusal explains it.
    if (auto assertion = sign_assertion(client, tokens->issuer); !assertion) trace(assertion.error());
    return client;
  }

  // private_key_jwt: a fresh assertion for each request (it expires and its
  // jti must not repeat). Other methods need nothing.
  util::Expected<std::monostate, std::string> sign_assertion(oauth::ClientAuth& client,
                                                             std::string_view audience) {
    if (client.method != "private_key_jwt") return std::monostate{};
    if (!signing_key) {
      auto key = oauth::SigningKey::from_pem(options.private_key_pem);
      if (!key) return util::unexpected("the OAuth client private key: " + key.error());
      signing_key = std::move(*key);
    }
    auto assertion = oauth::make_client_assertion(*signing_key, client.client_id, audience, Clock::now());
    if (!assertion) return util::unexpected(std::move(assertion.error()));
    client.client_assertion = std::move(*assertion);
    return std::monostate{};
  }

  util::Expected<std::monostate, std::string> refresh_locked() {
    if (!refreshable()) return util::unexpected(std::string("no refresh token is stored; log in again"));
    trace(fmt::format("refreshing with {}", oauth::redact(tokens->refresh_token)));
    // A DPoP-bound refresh token (public clients, RFC 9449 §5) needs a proof
    // with the same key; a Bearer one ignores it.
    auto response = oauth::request_token(http, tokens->token_endpoint,
                                         oauth::refresh_token_grant(tokens->refresh_token, tokens->resource),
                                         stored_client(), dpop ? &*dpop : nullptr);
    if (!response) return util::unexpected(std::move(response.error()));
    tokens->access_token = response->access_token;
    dpop_bound = response->dpop_bound;
    // Rotation: a new refresh token replaces the old one, which the server
    // may already have invalidated; without one the old one stays valid.
    if (!response->refresh_token.empty()) tokens->refresh_token = response->refresh_token;
    if (!response->id_token.empty()) tokens->id_token = response->id_token;
    if (!response->scope.empty()) tokens->scope = response->scope;
    tokens->expires_at.reset();
    if (response->expires_in) tokens->expires_at = Clock::now() + *response->expires_in;
    trace(fmt::format("refreshed: access token {}", oauth::redact(tokens->access_token)));
    save();
    return std::monostate{};
  }

  // A new key for a login at `server`, when it takes ES256 DPoP proofs.
  util::Expected<std::optional<oauth::TokenDpop>, std::string> new_dpop(
      const oauth::AuthServerMetadata& server) const {
    using Result = std::optional<oauth::TokenDpop>;
    if (!oauth::dpop_supported(server.dpop_signing_alg_values_supported)) return Result();
    auto key = oauth::DpopKey::generate();
    if (!key) return util::unexpected(std::move(key.error()));
    trace(fmt::format("DPoP: {} takes ES256 proofs; new key {}", server.issuer, key->thumbprint()));
    // The server's nonce outlives our key.
    return Result(oauth::TokenDpop{std::move(*key), dpop ? dpop->nonce : std::string()});
  }

  util::Expected<Discovery, std::string> discover(const std::optional<oauth::BearerChallenge>& bearer) {
    Discovery out;
    const std::string advertised = bearer ? bearer->resource_metadata : std::string();
    auto prm = oauth::discover_protected_resource(http, mcp_url, advertised);
    if (!prm) return util::unexpected(std::move(prm.error()));
    out.resource_metadata = std::move(*prm);
    if (out.resource_metadata) {
      const auto& r = *out.resource_metadata;
      if (!oauth::resource_matches(r.resource, mcp_url)) {
        return util::unexpected(fmt::format(
            "the protected resource metadata at {} is for \"{}\", not {}; refusing to send credentials to it",
            r.url, r.resource, mcp_url));
      }
      const std::string& issuer = r.authorization_servers.front();
      auto server = oauth::discover_authorization_server(http, issuer, true);
      if (!server) return util::unexpected(std::move(server.error()));
      if (!*server) {
        return util::unexpected(fmt::format("no authorization server metadata found for {}", issuer));
      }
      out.server = std::move(**server);
      out.resource = r.resource;
      out.issuer = out.server.issuer;
    } else {
      // 2025-03-26: the MCP server's origin is the authorization base URL.
      auto parsed = auth::parse_url(oauth::strip_query(mcp_url));
      if (!parsed) return util::unexpected(fmt::format("bad MCP URL {}: {}", mcp_url, parsed.error()));
      trace("no protected resource metadata: 2025-03-26 discovery at the server's origin");
      out.issuer = parsed->origin();
      auto server = oauth::discover_authorization_server(http, parsed->origin(), false);
      if (!server) return util::unexpected(std::move(server.error()));
      if (!*server) {
        trace("no authorization server metadata: default endpoints");
        out.server = oauth::default_endpoints(parsed->origin());
        return out;
      }
      out.server = std::move(**server);
      if (out.server.issuer.empty()) out.server.issuer = parsed->origin();
    }
    return out;
  }

  util::Expected<Flow, std::string> choose_flow(const oauth::AuthServerMetadata& server) const {
    using Grant = OAuthOptions::Grant;
    if (options.enterprise_idp) {
      if (options.client_id.empty()) {
        return util::unexpected(
            fmt::format("enterprise-managed authorization needs OAUTH_CLIENT_ID: the client registered at {}",
                        server.issuer));
      }
      return Flow::kIdJag;
    }
    if (!options.jwt_bearer_assertion.empty()) return Flow::kJwtBearer;
    const bool credentials =
        !options.client_id.empty() && (!options.client_secret.empty() || !options.private_key_pem.empty());
    if (options.grant == Grant::kClientCredentials) {
      if (!credentials) {
        return util::unexpected(std::string(
            "the client_credentials grant needs OAUTH_CLIENT_ID with a client secret or a private key"));
      }
      return Flow::kClientCredentials;
    }
    if (options.grant == Grant::kAuto && credentials && oauth::machine_only(server)) {
      return Flow::kClientCredentials;
    }
    return Flow::kAuthorizationCode;
  }

  // The pre-configured client for a machine grant. client_credentials has no
  // user to vouch for it, so it must prove who it is.
  util::Expected<oauth::ClientAuth, std::string> machine_client(const oauth::AuthServerMetadata& server,
                                                                bool needs_credential) {
    oauth::ClientAuth client{
        options.client_id, options.client_secret,
        oauth::machine_auth_method(!options.private_key_pem.empty(), !options.client_secret.empty(),
                                   server.token_endpoint_auth_methods_supported)};
    if (needs_credential && client.method == "none") {
      return util::unexpected(
          fmt::format("the authorization server {} accepts none of our client credentials "
                      "(token_endpoint_auth_methods_supported)",
                      server.issuer));
    }
    if (auto assertion = sign_assertion(client, server.issuer); !assertion) {
      return util::unexpected(std::move(assertion.error()));
    }
    return client;
  }

  util::Expected<oauth::ClientAuth, std::string> client_identity(const Discovery& discovery) {
    const auto& server = discovery.server;
    const auto& issuer = discovery.issuer;
    const auto& supported = server.token_endpoint_auth_methods_supported;
    auto preconfigured = use_preconfigured(issuer);
    if (!preconfigured) return util::unexpected(std::move(preconfigured.error()));
    if (!*preconfigured && !options.client_id.empty()) {
      trace(fmt::format("not using OAUTH_CLIENT_ID at {}: it belongs to {}", oauth::sanitize_url(issuer),
                        options.credentials_issuer));
    }
    if (*preconfigured && !options.client_id.empty()) {
      const bool secret = !options.client_secret.empty();
      return oauth::ClientAuth{options.client_id, options.client_secret,
                               oauth::choose_token_auth_method("", secret, supported)};
    }
    if (!options.client_metadata_url.empty() && server.client_id_metadata_document_supported) {
      return oauth::ClientAuth{options.client_metadata_url, "", "none"};
    }
    if (auto known = store.load_registration(issuer, options.redirect_uri)) {
      trace(fmt::format("reusing the client registered at {}", issuer));
      return oauth::ClientAuth{
          known->client_id, known->client_secret,
          oauth::choose_token_auth_method(known->auth_method, !known->client_secret.empty(), supported)};
    }
    if (server.registration_endpoint.empty()) {
      return util::unexpected(
          fmt::format("no client identity: set OAUTH_CLIENT_ID (the authorization server {} offers no "
                      "dynamic registration)",
                      server.issuer));
    }
    oauth::RegistrationRequest request;
    request.client_name = options.client_name;
    request.redirect_uris = {options.redirect_uri};
    request.token_endpoint_auth_method = oauth::registration_auth_method(server);
    auto registered = oauth::register_client(http, server.registration_endpoint, request);
    if (!registered) return util::unexpected(std::move(registered.error()));
    trace(fmt::format("registered client {} at {}", registered->client_id, issuer));
    StoredRegistration record{issuer, options.redirect_uri, registered->client_id, registered->client_secret,
                              registered->token_endpoint_auth_method};
    if (auto saved = store.save_registration(record); !saved) {
      say(fmt::format("warning: the client registration could not be saved: {}", saved.error()));
    }
    return oauth::ClientAuth{registered->client_id, registered->client_secret,
                             oauth::choose_token_auth_method(registered->token_endpoint_auth_method,
                                                             !registered->client_secret.empty(), supported)};
  }

  // The browser (or pasted-URL, or headless) authorization-code login.
  util::Expected<oauth::TokenResponse, std::string> authorization_code_tokens(const Discovery& discovery,
                                                                              const std::string& scope,
                                                                              oauth::ClientAuth& client,
                                                                              oauth::TokenDpop* proof) {
    const auto& server = discovery.server;
    if (!oauth::supports_pkce_s256(server)) {
      return util::unexpected(
          fmt::format("the authorization server {} does not advertise PKCE S256 "
                      "(code_challenge_methods_supported); refusing "
                      "to log in without it",
                      server.issuer));
    }
    // The browser is sent there, and in headless mode we GET it ourselves.
    if (auto ok = oauth::check_endpoint_url(server.authorization_endpoint, "authorization endpoint"); !ok) {
      return util::unexpected(std::move(ok.error()));
    }
    auto identity = client_identity(discovery);
    if (!identity) return util::unexpected(std::move(identity.error()));
    client = std::move(*identity);

    const auto pkce = oauth::make_pkce();
    oauth::AuthorizationRequest request{server.authorization_endpoint,
                                        client.client_id,
                                        options.redirect_uri,
                                        pkce.challenge,
                                        oauth::random_state(),
                                        scope,
                                        discovery.resource};
    const std::string url = oauth::build_authorization_url(request);
    trace(fmt::format("authorization request to {} (scope \"{}\")", server.authorization_endpoint, scope));

    const oauth::RedirectCheck check{request.state, server.issuer,
                                     server.authorization_response_iss_parameter_supported};
    auto code = run_login_redirect(url, request.state, options, http, [&check](std::string_view redirected) {
      return oauth::read_authorization_response(redirected, check);
    });
    if (!code) return util::unexpected(std::move(code.error()));

    return oauth::request_token(
        http, server.token_endpoint,
        oauth::authorization_code_grant(*code, options.redirect_uri, pkce.verifier, discovery.resource),
        client, proof);
  }

  // client_credentials, or the ID-JAG exchange followed by the JWT bearer
  // grant: no user interaction, so they work in every LoginMode.
  util::Expected<oauth::TokenResponse, std::string> machine_tokens(Flow flow, const Discovery& discovery,
                                                                   const std::string& scope,
                                                                   oauth::ClientAuth& client,
                                                                   oauth::TokenDpop* proof) {
    const auto& server = discovery.server;
    // Before anything is signed or sent, the IdP exchange included.
    if (auto ok = check_machine_issuer(discovery.issuer); !ok) return util::unexpected(std::move(ok.error()));
    auto identity = machine_client(server, flow == Flow::kClientCredentials);
    if (!identity) return util::unexpected(std::move(identity.error()));
    client = std::move(*identity);
    if (flow == Flow::kClientCredentials) {
      trace(fmt::format("client_credentials grant at {} ({}, scope \"{}\")", server.token_endpoint,
                        client.method, scope));
      return oauth::request_token(http, server.token_endpoint,
                                  oauth::client_credentials_grant(scope, discovery.resource), client, proof);
    }
    if (flow == Flow::kJwtBearer) {
      trace(fmt::format("JWT bearer grant with the workload assertion at {}", server.token_endpoint));
      return oauth::request_token(
          http, server.token_endpoint,
          oauth::jwt_bearer_grant(options.jwt_bearer_assertion, scope, discovery.resource), client, proof);
    }
    const auto& idp = *options.enterprise_idp;
    // The ID-JAG names the MCP server; a 2025-03-26 server has no resource
    // metadata, so its URL stands in.
    oauth::IdJagRequest exchange{
        idp.token_endpoint,
        idp.client_id,
        idp.id_token,
        server.issuer,
        discovery.resource.empty() ? std::string(oauth::strip_query(mcp_url)) : discovery.resource,
        scope};
    trace(fmt::format("token exchange for an ID-JAG at {}", idp.token_endpoint));
    auto id_jag = oauth::request_id_jag(http, exchange);
    if (!id_jag) return util::unexpected(std::move(id_jag.error()));
    trace(fmt::format("JWT bearer grant at {} ({})", server.token_endpoint, client.method));
    return oauth::request_token(http, server.token_endpoint,
                                oauth::jwt_bearer_grant(*id_jag, scope, discovery.resource), client, proof);
  }

  // A full login with the grant choose_flow picks. `counted`: part of an
  // operation's challenge handling, bounded by max_authorizations.
  util::Expected<std::monostate, std::string> login_locked(const std::optional<Challenge>& challenge,
                                                           bool step_up, bool counted) {
    std::optional<oauth::BearerChallenge> bearer;
    if (challenge) bearer = oauth::find_oauth_challenge(challenge->headers);
    auto discovery = discover(bearer);
    if (!discovery) return util::unexpected(std::move(discovery.error()));
    const auto& server = discovery->server;
    auto flow = choose_flow(server);
    if (!flow) return util::unexpected(std::move(flow.error()));

    oauth::ScopeInputs scope_inputs;
    if (bearer && !bearer->scope.empty()) scope_inputs.challenged = bearer->scope;
    if (discovery->resource_metadata)
      scope_inputs.resource_scopes = discovery->resource_metadata->scopes_supported;
    scope_inputs.server_scopes = server.scopes_supported;
    scope_inputs.previously_requested =
        tokens && !tokens->requested_scope.empty() ? tokens->requested_scope : last_requested_scope;
    scope_inputs.step_up = step_up;
    // Machine grants are simply run again, so offline_access buys nothing.
    scope_inputs.want_refresh_token = *flow == Flow::kAuthorizationCode;
    const std::string scope = oauth::select_scope(scope_inputs);

    if (counted) {
      if (authorizations >= options.max_authorizations) {
        return util::unexpected(
            fmt::format("gave up after {} authorization requests for one operation", authorizations));
      }
      ++authorizations;
    }
    last_requested_scope = scope;
    // Kept aside until the login succeeds: the tokens in use stay bound to the old key.
    auto login_dpop = new_dpop(server);
    if (!login_dpop) return util::unexpected(std::move(login_dpop.error()));
    oauth::TokenDpop* proof = *login_dpop ? &**login_dpop : nullptr;
    oauth::ClientAuth client;
    auto response = *flow == Flow::kAuthorizationCode
                        ? authorization_code_tokens(*discovery, scope, client, proof)
                        : machine_tokens(*flow, *discovery, scope, client, proof);
    if (!response) return util::unexpected(std::move(response.error()));

    StoredTokens fresh;
    fresh.mcp_url = mcp_url;
    fresh.access_token = response->access_token;
    fresh.refresh_token = response->refresh_token;
    fresh.id_token = response->id_token;
    fresh.scope = response->scope.empty() ? scope : response->scope;
    fresh.requested_scope = scope;
    if (response->expires_in) fresh.expires_at = Clock::now() + *response->expires_in;
    fresh.issuer = server.issuer;
    fresh.token_endpoint = server.token_endpoint;
    fresh.revocation_endpoint = server.revocation_endpoint;
    fresh.resource = discovery->resource;
    fresh.client_id = client.client_id;
    fresh.client_secret = client.client_secret;
    fresh.auth_method = client.method;
    tokens = std::move(fresh);
    dpop = std::move(*login_dpop);
    dpop_bound = response->dpop_bound;
    trace(fmt::format("logged in: {} access token {}", dpop_bound ? "DPoP-bound" : "Bearer",
                      oauth::redact(tokens->access_token)));
    save();
    return std::monostate{};
  }

  // The access token to present now (refreshed first when about to expire),
  // or nullopt when there is none.
  std::optional<std::string> usable_token() {
    if (!options.access_token.empty()) return options.access_token;
    ensure_loaded();
    if (!tokens || tokens->access_token.empty()) return std::nullopt;
    if (tokens->expires_at && *tokens->expires_at - kRefreshMargin <= Clock::now() && refreshable()) {
      if (auto r = refresh_locked(); !r) trace(fmt::format("refresh failed: {}", r.error()));
    }
    // An expired token only earns a 401; without one the server's challenge
    // starts a login straight away.
    if (tokens->expires_at && *tokens->expires_at <= Clock::now()) return std::nullopt;
    return tokens->access_token;
  }

  TokenStatus status_locked() {
    TokenStatus out;
    if (!options.access_token.empty()) {
      out.authenticated = true;
      out.from_environment = true;
      out.subject = jwt_subject(options.access_token);
      return out;
    }
    ensure_loaded();
    if (!tokens) return out;
    out.authenticated = !tokens->access_token.empty();
    out.subject = tokens->id_token.empty() ? std::string() : jwt_subject(tokens->id_token);
    if (out.subject.empty()) out.subject = jwt_subject(tokens->access_token);
    out.scope = tokens->scope;
    out.expires_at = tokens->expires_at;
    out.refreshable = refreshable();
    out.issuer = tokens->issuer;
    out.client_id = tokens->client_id;
    return out;
  }

  util::Expected<ChallengeOutcome, std::string> on_challenge_locked(const Challenge& c) {
    if (c.attempt == 0) {
      authorizations = 0;
      fresh_login = false;
      refreshed = false;
      last_login_challenge.clear();
      nonce_retries = 0;
    }
    const auto bearer = oauth::find_oauth_challenge(c.headers);
    if (c.status == 401 && dpop_bound) {
      // RFC 9449 §9: the proof lacked the nonce the server now requires.
      // The token is fine, so resend with the nonce rather than log in.
      const auto dpop_challenge = oauth::find_challenge(c.headers, oauth::kDpopScheme);
      const auto nonce = c.headers.get(oauth::kDpopNonceHeader);
      if (dpop_challenge && dpop_challenge->error == oauth::kUseDpopNonce && nonce && !nonce->empty()) {
        if (nonce_retries >= kMaxNonceRetries) {
          return util::unexpected(
              fmt::format("the server still asks for a new DPoP nonce after {} retries", nonce_retries));
        }
        ++nonce_retries;
        rs_nonce = std::string(*nonce);
        trace("the MCP server asked for a DPoP nonce: retrying with it");
        return ChallengeOutcome::kRetry;
      }
    }
    const std::string key =
        fmt::format("{} {}", c.status, c.headers.get_joined("WWW-Authenticate").value_or(std::string()));
    if (c.status == 401) {
      if (!options.access_token.empty())
        return util::unexpected(std::string("the ACCESS_TOKEN was rejected"));
      ensure_loaded();
      if (fresh_login) {
        return util::unexpected(
            fmt::format("the server rejected the token just issued by {}",
                        tokens ? tokens->issuer : std::string("the authorization server")));
      }
      if (tokens && !refreshed && refreshable()) {
        refreshed = true;
        if (auto r = refresh_locked()) return ChallengeOutcome::kRetry;
        trace("refresh failed; logging in again");
      }
      if (auto r = login_locked(c, false, true); !r) return util::unexpected(std::move(r.error()));
      fresh_login = true;
      last_login_challenge = key;
      return ChallengeOutcome::kRetry;
    }
    if (c.status == 403 && bearer && bearer->error == "insufficient_scope") {
      if (!options.access_token.empty()) {
        return util::unexpected(
            fmt::format("the ACCESS_TOKEN lacks the required scope \"{}\"", bearer->scope));
      }
      if (key == last_login_challenge) {
        return util::unexpected(
            fmt::format("the server still requires scope \"{}\" after re-authorization; the authorization "
                        "server did not grant "
                        "it",
                        bearer->scope));
      }
      ensure_loaded();
      if (auto r = login_locked(c, true, true); !r) return util::unexpected(std::move(r.error()));
      fresh_login = true;
      last_login_challenge = key;
      return ChallengeOutcome::kRetry;
    }
    return ChallengeOutcome::kGiveUp;
  }
};

OAuthProvider::OAuthProvider(std::string mcp_url, OAuthOptions options, BlockingHttp http)
    : impl_(std::make_unique<Impl>(std::move(mcp_url), std::move(options), std::move(http))) {}

OAuthProvider::~OAuthProvider() = default;

http::Headers OAuthProvider::request_headers(std::string_view method, std::string_view url) {
  std::lock_guard lock(impl_->mutex);
  auto& s = *impl_;
  http::Headers h;
  auto token = s.usable_token();
  if (!token) return h;
  const bool bound = s.options.access_token.empty() && s.dpop_bound && s.dpop;
  h.add("Authorization", fmt::format("{} {}", bound ? oauth::kDpopScheme : "Bearer", *token));
  if (!bound) return h;
  // A fresh proof per request, bound to its method and URL and to this token
  // (RFC 9449 §7.1), with the server's nonce once it gave one.
  auto proof = oauth::make_dpop_proof(s.dpop->key, {method, url, *token, s.rs_nonce, Clock::now()});
  if (!proof) {
    // The server's 401 then reports the failure; there is no better fallback.
    s.trace(proof.error());
    return h;
  }
  h.add(std::string(oauth::kDpopHeader), std::move(*proof));
  return h;
}

std::optional<std::string> OAuthProvider::authorization() {
  std::lock_guard lock(impl_->mutex);
  auto& s = *impl_;
  auto token = s.usable_token();
  if (!token) return std::nullopt;
  const bool bound = s.options.access_token.empty() && s.dpop_bound;
  return fmt::format("{} {}", bound ? oauth::kDpopScheme : "Bearer", *token);
}

util::Expected<ChallengeOutcome, std::string> OAuthProvider::on_challenge(const Challenge& challenge) {
  std::lock_guard lock(impl_->mutex);
  return impl_->on_challenge_locked(challenge);
}

util::Expected<TokenStatus, std::string> OAuthProvider::login(const std::optional<Challenge>& challenge) {
  std::lock_guard lock(impl_->mutex);
  auto& s = *impl_;
  if (!s.options.access_token.empty()) {
    return util::unexpected(std::string("ACCESS_TOKEN is set; unset it to log in"));
  }
  s.ensure_loaded();
  if (auto r = s.login_locked(challenge, false, false); !r) return util::unexpected(std::move(r.error()));
  return s.status_locked();
}

util::Expected<TokenStatus, std::string> OAuthProvider::refresh() {
  std::lock_guard lock(impl_->mutex);
  auto& s = *impl_;
  if (!s.options.access_token.empty()) {
    return util::unexpected(std::string("ACCESS_TOKEN is set; it is used as is and never refreshed"));
  }
  s.ensure_loaded();
  if (!s.tokens) return util::unexpected(fmt::format("not logged in to {}", s.mcp_url));
  if (auto r = s.refresh_locked(); !r) return util::unexpected(std::move(r.error()));
  return s.status_locked();
}

util::Expected<std::string, std::string> OAuthProvider::logout() {
  std::lock_guard lock(impl_->mutex);
  auto& s = *impl_;
  s.ensure_loaded();
  if (!s.tokens) return fmt::format("no stored tokens for {}", s.mcp_url);
  std::vector<std::string> done;
  if (s.tokens->revocation_endpoint.empty()) {
    done.push_back(
        "the authorization server has no revocation endpoint, so the tokens stay valid until they expire");
  } else {
    const auto client = s.stored_client();
    const std::pair<const std::string*, const char*> which[] = {{&s.tokens->refresh_token, "refresh_token"},
                                                                {&s.tokens->access_token, "access_token"}};
    for (const auto& [token, hint] : which) {
      if (token->empty()) continue;
      auto r = oauth::revoke_token(s.http, s.tokens->revocation_endpoint, *token, hint, client);
      const std::string name = std::string_view(hint) == "refresh_token" ? "refresh token" : "access token";
      done.push_back(r ? "revoked the " + name : "could not revoke the " + name + ": " + r.error());
    }
  }
  auto removed = s.store.remove_tokens(s.mcp_url);
  s.tokens.reset();
  s.dpop.reset();
  s.dpop_bound = false;
  if (!removed) return util::unexpected(std::move(removed.error()));
  done.push_back(s.store.persistent() ? "deleted the stored tokens" : "forgot the tokens");
  std::string out;
  for (const auto& line : done) {
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

TokenStatus OAuthProvider::status() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->status_locked();
}

}  // namespace mcp::client
