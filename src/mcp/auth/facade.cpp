#include "mcp/auth/facade.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "mcp/auth/facade_impl.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::auth {

namespace {

using Json = nlohmann::json;
namespace paths = facade_paths;

constexpr std::size_t kMaxRegistrationBody = std::size_t{16} * 1024;

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool endpoint_ok(const std::string& url) {
  auto parsed = parse_url(url.substr(0, url.find('?')));
  return parsed && is_secure_or_loopback(*parsed);
}

http::Response method_not_allowed(std::string_view allow) {
  auto response = oauth_error(405, "invalid_request", "method not allowed");
  response.headers.set("Allow", std::string(allow));
  return response;
}

}  // namespace

// ---- shared helpers ------------------------------------------------------

http::Response json_response(int status, const Json& body) {
  http::Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.body = body.dump();
  return response;
}

http::Response oauth_error(int status, std::string_view error, std::string_view description) {
  auto response = json_response(status, {{"error", error}, {"error_description", description}});
  response.headers.set("Cache-Control", "no-store");
  add_cors(response.headers);
  return response;
}

void add_cors(http::Headers& headers) {
  headers.set("Access-Control-Allow-Origin", "*");
  headers.set("Access-Control-Expose-Headers", "WWW-Authenticate");
}

http::Response cors_preflight() {
  http::Response response;
  response.status = 204;
  add_cors(response.headers);
  response.headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  response.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version");
  response.headers.set("Access-Control-Max-Age", "86400");
  return response;
}

http::Response redirect(int status, std::string location) {
  http::Response response;
  response.status = status;
  response.headers.set("Location", std::move(location));
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("Referrer-Policy", "no-referrer");
  return response;
}

bool valid_pkce_value(std::string_view value) {
  if (value.size() < 43 || value.size() > 128) return false;
  return std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
  });
}

std::string s256(std::string_view verifier) {
  const auto digest = util::sha256(verifier);
  return util::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string random_id() {
  return util::base64url_encode(util::random_bytes(16));
}

// ---- Impl ----------------------------------------------------------------

Facade::Impl::Impl(FacadeConfig c, const PublicUrl& p, http::Client& h, const util::Logger& l)
    : config(std::move(c)),
      public_url(p),
      client(h),
      log(l),
      clients(config.secret),
      blobs(config.secret),
      upstream(config.upstream_issuer,
               UpstreamEndpoints{config.upstream_authorization_endpoint, config.upstream_token_endpoint}, h,
               l, config.upstream_timeout, [this] { return now(); }),
      used_codes(config.max_used_codes) {
  if (config.secret.empty()) {
    log.warn(
        "facade secret not set: client registrations and logins in progress are valid in this process only");
  }
}

std::int64_t Facade::Impl::now() const {
  return config.clock ? config.clock() : system_now();
}

std::string Facade::Impl::issuer(const http::Request& request) const {
  return public_url.base(request);
}

bool Facade::Impl::handle(const http::Request& request, const ResponderPtr& responder) {
  const std::string_view path = request.path();
  const std::string base_path = public_url.base_path(request);
  const bool oauth_metadata = path == paths::kOAuthMetadata ||
                              (!base_path.empty() && path == std::string(paths::kOAuthMetadata) + base_path);
  const bool oidc_metadata = path == paths::kOidcMetadata ||
                             (!base_path.empty() && path == std::string(paths::kOidcMetadata) + base_path);
  const std::string& method = request.method;

  if (oauth_metadata || oidc_metadata || path == paths::kJwks) {
    if (method == "OPTIONS") {
      responder->respond(cors_preflight());
    } else if (method != "GET" && method != "HEAD") {
      responder->respond(method_not_allowed("GET, HEAD, OPTIONS"));
    } else if (path == paths::kJwks) {
      auto response = json_response(200, {{"keys", Json::array()}});
      response.headers.set("Cache-Control", "public, max-age=3600");
      add_cors(response.headers);
      responder->respond(std::move(response));
    } else {
      responder->respond(metadata(request, oidc_metadata));
    }
    return true;
  }
  if (path == paths::kRegister) {
    if (method == "OPTIONS") {
      responder->respond(cors_preflight());
    } else if (method != "POST") {
      responder->respond(method_not_allowed("POST, OPTIONS"));
    } else {
      responder->respond(register_client(request));
    }
    return true;
  }
  if (path == paths::kToken) {
    if (method == "OPTIONS") {
      responder->respond(cors_preflight());
    } else if (method != "POST") {
      responder->respond(method_not_allowed("POST, OPTIONS"));
    } else {
      token(request, responder);
    }
    return true;
  }
  if (path == paths::kAuthorize) {
    if (method == "GET" || method == "HEAD") {
      authorize(request, responder);
    } else if (method == "POST") {
      consent(request, responder);
    } else {
      responder->respond(method_not_allowed("GET, POST"));
    }
    return true;
  }
  if (path == paths::kCallback) {
    if (method == "GET" || method == "HEAD") {
      responder->respond(callback(request));
    } else {
      responder->respond(method_not_allowed("GET"));
    }
    return true;
  }
  return false;
}

http::Response Facade::Impl::metadata(const http::Request& request, bool oidc) const {
  const std::string iss = issuer(request);
  Json doc = {
      {"issuer", iss},
      {"authorization_endpoint", iss + std::string(paths::kAuthorize)},
      {"token_endpoint", iss + std::string(paths::kToken)},
      {"registration_endpoint", iss + std::string(paths::kRegister)},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported", {"authorization_code", "refresh_token"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"token_endpoint_auth_methods_supported", {"none"}},
      {"authorization_response_iss_parameter_supported", true},
  };
  if (!config.scopes_supported.empty()) doc["scopes_supported"] = config.scopes_supported;
  if (oidc) {
    // Required by OpenID Connect Discovery (and by SDKs that validate the
    // document against it), although the facade issues no ID tokens.
    doc["jwks_uri"] = iss + std::string(paths::kJwks);
    doc["subject_types_supported"] = {"public"};
    doc["id_token_signing_alg_values_supported"] = {"RS256"};
  }
  auto response = json_response(200, doc);
  // Without MCP_PUBLIC_URL the document follows the request's Host (and
  // forwarded headers): a shared cache must not hand it to other clients.
  response.headers.set("Cache-Control", public_url.configured() ? "public, max-age=300" : "no-store");
  add_cors(response.headers);
  return response;
}

http::Response Facade::Impl::register_client(const http::Request& request) const {
  if (request.body.size() > kMaxRegistrationBody) {
    return oauth_error(400, "invalid_client_metadata", "request body too large");
  }
  auto parsed = parse_registration(request.body, now());
  if (!parsed) return oauth_error(400, parsed.error().error, parsed.error().description);
  const FacadeClient& c = *parsed;
  Json body = {
      {"client_id", clients.issue(c)},    {"client_id_issued_at", c.issued_at},
      {"redirect_uris", c.redirect_uris}, {"grant_types", {"authorization_code", "refresh_token"}},
      {"response_types", {"code"}},       {"token_endpoint_auth_method", "none"},
  };
  if (!c.client_name.empty()) body["client_name"] = c.client_name;
  log.info("facade client registered",
           {{"client_name", c.client_name}, {"redirect_uris", c.redirect_uris.size()}});
  auto response = json_response(201, body);
  response.headers.set("Cache-Control", "no-store");
  add_cors(response.headers);
  return response;
}

// ---- Facade --------------------------------------------------------------

Facade::Facade(FacadeConfig config, const PublicUrl& public_url, http::Client& client,
               const util::Logger& log)
    : impl_(std::make_shared<Impl>(std::move(config), public_url, client, log)) {}

Facade::~Facade() = default;

std::optional<std::string> Facade::config_error(const FacadeConfig& config) {
  if (config.client_id.empty()) return "the facade needs the upstream client id (FACADE_CLIENT_ID)";
  const bool configured =
      !config.upstream_authorization_endpoint.empty() && !config.upstream_token_endpoint.empty();
  if (!configured && config.upstream_issuer.empty()) {
    return "the facade needs the upstream issuer or both upstream endpoints";
  }
  if (!config.upstream_issuer.empty()) {
    auto parsed = parse_url(config.upstream_issuer);
    if (!parsed || !is_secure_or_loopback(*parsed))
      return "the upstream issuer must be an https (or loopback) URL";
  }
  for (const auto* url : {&config.upstream_authorization_endpoint, &config.upstream_token_endpoint}) {
    if (!url->empty() && !endpoint_ok(*url))
      return "upstream endpoint '" + *url + "' is not an https (or loopback) URL";
  }
  if (config.code_ttl.count() <= 0 || config.transaction_ttl.count() <= 0)
    return "facade lifetimes must be positive";
  return std::nullopt;
}

bool Facade::handle(const http::Request& request, const std::shared_ptr<http::Responder>& responder) {
  return impl_->handle(request, responder);
}

std::string Facade::issuer(const http::Request& request) const {
  return impl_->issuer(request);
}

}  // namespace mcp::auth
