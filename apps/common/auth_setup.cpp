#include "common/auth_setup.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <regex>

#include "mcp/auth/facade.hpp"
#include "mcp/auth/jwks_cache.hpp"
#include "mcp/auth/public_url.hpp"
#include "mcp/auth/resource_server.hpp"
#include "mcp/auth/strict_json.hpp"
#include "mcp/auth/token_verifier.hpp"
#include "mcp/net/curl_client.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::app {

namespace {

std::vector<std::string> split_scopes(std::string_view s) {
  std::vector<std::string> out;
  std::string current;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == ',') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string env_or(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

bool is_loopback_bind(std::string_view host) {
  return host == "::1" || auth::is_loopback_host(host);
}

util::Expected<std::string, std::string> checked_url(std::string_view what, const std::string& url) {
  auto parsed = auth::parse_url(url);
  if (!parsed)
    return util::unexpected(fmt::format("{} '{}' is not a valid URL: {}", what, url, parsed.error()));
  if (!auth::is_secure_or_loopback(*parsed)) {
    return util::unexpected(
        fmt::format("{} must use https (http is allowed for loopback addresses only): {}", what, url));
  }
  return url;
}

}  // namespace

void add_auth_flags(CLI::App& cli, AuthFlags& f) {
  cli.add_option("--auth", f.mode, "Authentication: none, oidc or cognito")
      ->envname("MCP_AUTH")
      ->check(CLI::IsMember({"none", "oidc", "cognito"}))
      ->capture_default_str();
  cli.add_flag("--allow-insecure-public", f.allow_insecure_public,
               "Allow --auth none on a non-loopback address")
      ->envname("MCP_ALLOW_INSECURE_PUBLIC");
  cli.add_option("--public-url", f.public_url,
                 "Canonical public URL of the MCP endpoint (e.g. https://api.example.com/prod/mcp)")
      ->envname("MCP_PUBLIC_URL");
  cli.add_flag(
         "--trust-proxy", f.trust_proxy,
         "Derive the public URL from X-Forwarded-Proto/Host/Prefix (only behind a proxy that sets them)")
      ->envname("MCP_TRUST_PROXY");
  cli.add_option("--oauth-issuer", f.issuer,
                 "Token issuer (oidc: required; cognito: overrides the derived one)")
      ->envname("OAUTH_ISSUER");
  cli.add_option("--oauth-jwks-url", f.jwks_url, "JWKS URL (default: from the issuer's discovery document)")
      ->envname("OAUTH_JWKS_URL");
  cli.add_option("--oauth-audience", f.audience,
                 "Accepted token audience (default: the canonical resource URL)")
      ->envname("OAUTH_AUDIENCE");
  cli.add_option("--required-scopes", f.required_scopes, "Space-separated scopes every MCP request needs")
      ->envname("MCP_REQUIRED_SCOPES");
  cli.add_option("--tool-scopes", f.tool_scopes,
                 R"(JSON object of extra scopes per tool, e.g. {"bedrock_report":"usage:read"})")
      ->envname("MCP_TOOL_SCOPES");
  cli.add_option("--cognito-region", f.cognito_region, "Cognito user pool region")->envname("COGNITO_REGION");
  cli.add_option("--cognito-user-pool-id", f.cognito_user_pool_id,
                 "Cognito user pool id (e.g. us-east-1_AbC123)")
      ->envname("COGNITO_USER_POOL_ID");
  cli.add_option("--cognito-allowed-client-ids", f.cognito_allowed_client_ids,
                 "Comma-separated app client ids whose access tokens are accepted")
      ->envname("COGNITO_ALLOWED_CLIENT_IDS");
  cli.add_option("--cognito-domain", f.cognito_domain,
                 "Cognito domain prefix or full domain of the managed login pages")
      ->envname("COGNITO_DOMAIN");
  cli.add_flag("--auth-facade", f.facade,
               "Serve an OAuth authorization-server facade (metadata, registration) in front of the issuer")
      ->envname("MCP_AUTH_FACADE");
  cli.add_option("--facade-upstream-issuer", f.facade_upstream_issuer,
                 "Issuer the facade logs users in with (default: the token issuer)")
      ->envname("FACADE_UPSTREAM_ISSUER");
  cli.add_option("--facade-client-id", f.facade_client_id,
                 "Client id registered upstream with the facade's callback URL")
      ->envname("FACADE_CLIENT_ID");
  cli.add_option("--facade-scopes", f.facade_scopes, "Scopes the facade requests upstream by default")
      ->envname("FACADE_SCOPES");
  cli.add_flag("--facade-forward-resource", f.facade_forward_resource,
               "Pass the client's RFC 8707 resource to the upstream (Cognito: needs resource binding)")
      ->envname("FACADE_FORWARD_RESOURCE");
  cli.add_option("--jwks-cache-seconds", f.jwks_cache_seconds, "Refresh a cached key set after this long")
      ->envname("MCP_JWKS_CACHE_SECONDS")
      ->check(CLI::Range(1L, 86400L))
      ->capture_default_str();
  cli.add_option("--jwks-min-refetch-seconds", f.jwks_min_refetch_seconds,
                 "At most one key set fetch per this interval (unknown kid, outages)")
      ->envname("MCP_JWKS_MIN_REFETCH_SECONDS")
      ->check(CLI::Range(0L, 3600L))
      ->capture_default_str();
  cli.add_option("--jwks-timeout-ms", f.jwks_timeout_ms, "Timeout of one key set or discovery fetch")
      ->envname("MCP_JWKS_TIMEOUT_MS")
      ->check(CLI::Range(100L, 60000L))
      ->capture_default_str();
}

struct AuthStack::Impl {
  std::string mode = "none";
  std::string description;
  std::unique_ptr<auth::PublicUrl> public_url;
  // Two clients so that logins through the facade (which anyone signed in can
  // repeat) can never take the outbound slots the key set fetches need.
  std::unique_ptr<net::CurlClient> keys_client;
  std::unique_ptr<net::CurlClient> facade_client;
  std::unique_ptr<auth::JwksCache> keys;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<auth::Facade> facade;
  std::unique_ptr<auth::ResourceServer> resource;
};

AuthStack::AuthStack() : impl_(std::make_unique<Impl>()) {}
AuthStack::~AuthStack() = default;

transport::AccessControl* AuthStack::access_control() {
  return impl_->resource.get();
}

std::string AuthStack::describe() const {
  return impl_->description;
}

void AuthStack::start() {
  if (impl_->keys) impl_->keys->prefetch();
}

bool AuthStack::route(const http::Request& request, const std::shared_ptr<http::Responder>& responder) {
  if (impl_->facade && impl_->facade->handle(request, responder)) return true;
  return impl_->resource && impl_->resource->handle_metadata(request, responder);
}

util::Expected<std::unique_ptr<AuthStack>, std::string> AuthStack::create(const AuthFlags& f,
                                                                          const std::string& endpoint,
                                                                          const std::string& host,
                                                                          Executor& executor,
                                                                          const util::Logger& log) {
  using R = util::Expected<std::unique_ptr<AuthStack>, std::string>;
  const auto fail = [](std::string why) -> R {
    return util::unexpected(std::move(why));
  };
  std::unique_ptr<AuthStack> stack(new AuthStack());
  Impl& s = *stack->impl_;
  s.mode = f.mode;

  if (!f.public_url.empty()) {
    if (auto ok = checked_url("--public-url (MCP_PUBLIC_URL)", f.public_url); !ok) return fail(ok.error());
  }
  s.public_url = std::make_unique<auth::PublicUrl>(f.public_url, endpoint, f.trust_proxy);

  if (f.mode == "none") {
    if (!is_loopback_bind(host) && !f.allow_insecure_public) {
      return fail(
          fmt::format("--auth none serves anyone who can reach {}; bind a loopback address, configure --auth "
                      "oidc|cognito, "
                      "or pass --allow-insecure-public",
                      host));
    }
    if (f.facade) return fail("--auth-facade needs --auth oidc or --auth cognito");
    s.description = "none";
    return R(std::move(stack));
  }

  auth::ClaimRules rules;
  std::string issuer = f.issuer;
  std::string jwks_url = f.jwks_url;
  std::vector<std::string> extra_scopes;
  std::string facade_authorize;
  std::string facade_token;
  std::string facade_upstream = f.facade_upstream_issuer;
  std::string facade_client = f.facade_client_id;
  if (f.mode == "cognito") {
    if (f.cognito_region.empty()) return fail("--auth cognito needs COGNITO_REGION");
    if (f.cognito_user_pool_id.empty()) return fail("--auth cognito needs COGNITO_USER_POOL_ID");
    static const std::regex kRegion("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
    static const std::regex kPool("^[a-z]{2}(-[a-z]+)+-[0-9]+_[0-9A-Za-z]+$");
    if (!std::regex_match(f.cognito_region, kRegion))
      return fail(fmt::format("COGNITO_REGION '{}' is not an AWS region name", f.cognito_region));
    if (!std::regex_match(f.cognito_user_pool_id, kPool) ||
        f.cognito_user_pool_id.rfind(f.cognito_region + "_", 0) != 0) {
      return fail(fmt::format("COGNITO_USER_POOL_ID '{}' is not a user pool id of region {}",
                              f.cognito_user_pool_id, f.cognito_region));
    }
    rules.cognito = true;
    rules.audience_required = false;
    rules.allowed_client_ids = util::split_list(f.cognito_allowed_client_ids, ',');
    if (rules.allowed_client_ids.empty())
      return fail("--auth cognito needs COGNITO_ALLOWED_CLIENT_IDS (comma-separated app client ids)");
    const std::string pool_issuer =
        fmt::format("https://cognito-idp.{}.amazonaws.com/{}", f.cognito_region, f.cognito_user_pool_id);
    if (issuer.empty()) issuer = pool_issuer;
    if (jwks_url.empty() && f.issuer.empty()) jwks_url = pool_issuer + "/.well-known/jwks.json";
    if (!f.cognito_domain.empty()) {
      std::string domain = f.cognito_domain;
      if (domain.rfind("https://", 0) == 0) domain = domain.substr(8);
      while (!domain.empty() && domain.back() == '/') domain.pop_back();
      if (domain.find('.') == std::string::npos)
        domain = fmt::format("{}.auth.{}.amazoncognito.com", domain, f.cognito_region);
      static const std::regex kDomain("^[A-Za-z0-9.-]+$");
      if (!std::regex_match(domain, kDomain))
        return fail(fmt::format("COGNITO_DOMAIN '{}' is not a domain name or prefix", f.cognito_domain));
      facade_authorize = "https://" + domain + "/oauth2/authorize";
      facade_token = "https://" + domain + "/oauth2/token";
    }
    if (facade_client.empty()) facade_client = rules.allowed_client_ids.front();
    if (f.facade && std::find(rules.allowed_client_ids.begin(), rules.allowed_client_ids.end(),
                              facade_client) == rules.allowed_client_ids.end()) {
      return fail(
          fmt::format("FACADE_CLIENT_ID '{}' must be one of COGNITO_ALLOWED_CLIENT_IDS", facade_client));
    }
    if (f.facade && facade_upstream.empty() && facade_authorize.empty()) {
      return fail("--auth-facade with --auth cognito needs COGNITO_DOMAIN (or FACADE_UPSTREAM_ISSUER)");
    }
  } else {
    if (issuer.empty()) return fail("--auth oidc needs OAUTH_ISSUER (the token issuer URL)");
    if (facade_upstream.empty()) facade_upstream = issuer;
    if (f.facade && facade_client.empty()) return fail("--auth-facade needs FACADE_CLIENT_ID");
  }
  if (auto ok = checked_url("OAUTH_ISSUER", issuer); !ok) return fail(ok.error());
  if (!jwks_url.empty()) {
    if (auto ok = checked_url("OAUTH_JWKS_URL", jwks_url); !ok) return fail(ok.error());
  }
  if (f.facade && !facade_upstream.empty()) {
    if (auto ok = checked_url("FACADE_UPSTREAM_ISSUER", facade_upstream); !ok) return fail(ok.error());
  }
  rules.issuer = issuer;
  // Deriving the audience from Host (or X-Forwarded-*) lets a caller pick it:
  // a token for another API would pass with a matching Host header.
  if (f.audience.empty() && f.public_url.empty() && !is_loopback_bind(host)) {
    return fail(
        fmt::format("--auth {} on {} needs --public-url (MCP_PUBLIC_URL) or --oauth-audience "
                    "(OAUTH_AUDIENCE): the accepted "
                    "token audience must not come from request headers",
                    f.mode, host));
  }
  if (!f.audience.empty()) {
    rules.audiences = {f.audience};
  } else if (!f.public_url.empty()) {
    rules.audiences = {f.public_url};
  }

  auth::ResourceServerOptions rs;
  rs.endpoint = endpoint;
  rs.authorization_servers = {issuer};
  rs.required_scopes = split_scopes(f.required_scopes);
  if (!f.tool_scopes.empty()) {
    const auto doc = auth::parse_strict_json(f.tool_scopes);
    if (!doc || !doc->is_object())
      return fail(R"(MCP_TOOL_SCOPES must be a JSON object such as {"tool":"scope1 scope2"})");
    for (const auto& [tool, scopes] : doc->items()) {
      if (!scopes.is_string())
        return fail(
            fmt::format("MCP_TOOL_SCOPES: the scopes of '{}' must be a space-separated string", tool));
      rs.tool_scopes[tool] = split_scopes(scopes.get<std::string>());
    }
  }

  const std::string facade_secret = env_or("FACADE_SECRET");
  if (f.facade && !facade_secret.empty() && facade_secret.size() < 16)
    return fail("FACADE_SECRET must be at least 16 characters");

  s.keys_client = std::make_unique<net::CurlClient>(executor, 4);
  auth::JwksOptions jo;
  jo.jwks_url = jwks_url;
  jo.issuer = issuer;
  jo.cache_ttl = std::chrono::seconds(f.jwks_cache_seconds);
  jo.min_refetch = std::chrono::seconds(f.jwks_min_refetch_seconds);
  jo.timeout = std::chrono::milliseconds(f.jwks_timeout_ms);
  s.keys = std::make_unique<auth::JwksCache>(std::move(jo), *s.keys_client, log);
  auth::VerifierOptions vo;
  vo.rules = rules;
  s.verifier = std::make_unique<auth::TokenVerifier>(std::move(vo), *s.keys);

  std::function<std::string(const http::Request&)> as_for_request;
  if (f.facade) {
    auth::FacadeConfig fc;
    fc.upstream_issuer = facade_authorize.empty() ? facade_upstream : std::string();
    fc.upstream_authorization_endpoint = facade_authorize;
    fc.upstream_token_endpoint = facade_token;
    fc.client_id = facade_client;
    fc.client_secret = env_or("FACADE_CLIENT_SECRET");
    fc.secret = facade_secret;
    fc.scopes_supported = split_scopes(f.facade_scopes);
    fc.forward_resource = f.facade_forward_resource;
    if (auto problem = auth::Facade::config_error(fc)) return fail(*problem);
    s.facade_client = std::make_unique<net::CurlClient>(executor);
    s.facade = std::make_unique<auth::Facade>(std::move(fc), *s.public_url, *s.facade_client, log);
    auth::Facade* facade = s.facade.get();
    as_for_request = [facade](const http::Request& r) {
      return facade->issuer(r);
    };
    if (facade_secret.empty()) {
      log.warn(
          "FACADE_SECRET is not set: facade client ids and codes are sealed with a random per-process key, "
          "so "
          "registrations do not survive a restart or move between instances");
    }
  }
  s.resource = std::make_unique<auth::ResourceServer>(std::move(rs), *s.public_url, *s.verifier,
                                                      std::move(as_for_request));
  s.description = fmt::format("{} issuer={}{}", f.mode, issuer, f.facade ? " facade=on" : "");
  return R(std::move(stack));
}

}  // namespace mcp::app
