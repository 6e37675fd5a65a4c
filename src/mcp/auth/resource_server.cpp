#include "mcp/auth/resource_server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mcp/auth/jwt.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::auth {

namespace {

constexpr std::string_view kMetadataPath = "/.well-known/oauth-protected-resource";

// RFC 6750 §3: quoted-string values; anything outside printable ASCII or a
// quote/backslash is dropped so a reason can never break the header.
std::string quote_param(std::string_view v) {
  std::string out;
  out.reserve(v.size() + 2);
  out.push_back('"');
  for (char c : v) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Scopes in first-seen order without repeats.
void add_unique(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& s : from) {
    if (std::find(into.begin(), into.end(), s) == into.end()) into.push_back(s);
  }
}

bool has_all(const AuthInfo& auth, const std::vector<std::string>& needed) {
  return std::all_of(needed.begin(), needed.end(), [&](const std::string& s) {
    return std::find(auth.scopes.begin(), auth.scopes.end(), s) != auth.scopes.end();
  });
}

// RFC 6750 §2.3 lets a client send the token as an `access_token` query
// parameter; we refuse that outright (tokens leak through logs and history).
bool query_has_token(std::string_view query) {
  for (auto part : util::split_trimmed(query, '&')) {
    const auto name = part.substr(0, part.find('='));
    if (name == "access_token") return true;
  }
  return false;
}

}  // namespace

ResourceServer::ResourceServer(ResourceServerOptions options, const PublicUrl& public_url,
                               TokenVerifier& verifier,
                               std::function<std::string(const http::Request&)> authorization_server)
    : options_(std::move(options)),
      public_url_(public_url),
      verifier_(verifier),
      authorization_server_(std::move(authorization_server)) {}

std::string ResourceServer::metadata_url(const http::Request& request) const {
  return public_url_.base(request) + std::string(kMetadataPath) + options_.endpoint;
}

std::vector<std::string> ResourceServer::scopes_supported() const {
  std::vector<std::string> out = options_.required_scopes;
  for (const auto& [tool, scopes] : options_.tool_scopes) add_unique(out, scopes);
  add_unique(out, options_.extra_scopes_supported);
  return out;
}

transport::AccessDenied ResourceServer::challenge(const http::Request& request, int status,
                                                  std::string_view error, std::string_view description,
                                                  const std::vector<std::string>& scopes) const {
  std::string header = "Bearer resource_metadata=" + quote_param(metadata_url(request));
  if (!scopes.empty()) header += ", scope=" + quote_param(util::join(scopes, ' '));
  if (!error.empty()) header += ", error=" + quote_param(error);
  if (!description.empty()) header += ", error_description=" + quote_param(description);
  std::string message;
  if (status == 401) {
    message = description.empty() ? "Unauthorized: a bearer token is required"
                                  : fmt::format("Unauthorized: {}", description);
  } else if (status == 403) {
    message = fmt::format("Forbidden: {}", description);
  } else {
    message = std::string(description);
  }
  return transport::AccessDenied{status, std::move(header), std::move(message)};
}

std::optional<transport::AccessDenied> ResourceServer::check_scopes(
    const http::Request& request, const AuthInfo& auth, const std::vector<std::string>& needed) const {
  if (has_all(auth, needed)) return std::nullopt;
  // The challenge names what is needed plus what the caller already has, so
  // a step-up authorization does not lose earlier grants.
  std::vector<std::string> scopes = needed;
  add_unique(scopes, auth.scopes);
  return challenge(request, 403, "insufficient_scope",
                   fmt::format("this request needs the scopes: {}", util::join(needed, ' ')), scopes);
}

util::Expected<std::string_view, transport::AccessDenied> ResourceServer::bearer_token(
    const http::Request& request) const {
  const auto bad_request = [&](std::string_view why) {
    return util::unexpected(challenge(request, 400, "invalid_request", why, options_.required_scopes));
  };
  if (query_has_token(request.query()))
    return bad_request("access tokens are not accepted in the query string");
  std::optional<std::string_view> header;
  for (const auto& h : request.headers.items()) {
    if (!util::iequals(h.name, "authorization")) continue;
    if (header) return bad_request("more than one Authorization header");
    header = h.value;
  }
  // No credentials (or another scheme, which is not ours): the plain challenge.
  const auto missing = [&] {
    return util::unexpected(challenge(request, 401, {}, {}, options_.required_scopes));
  };
  if (!header) return missing();
  const std::string_view value = util::trim(*header);
  const auto space = value.find(' ');
  if (!util::iequals(value.substr(0, space), "bearer")) return missing();
  const std::string_view token =
      space == std::string_view::npos ? std::string_view() : util::trim(value.substr(space + 1));
  const auto invalid = [&](std::string_view why) {
    return util::unexpected(challenge(request, 401, "invalid_token", why, options_.required_scopes));
  };
  if (token.empty()) return invalid("empty bearer token");
  // The token's characters are checked by the JWT decoder on a cache miss; a
  // hit means it equals a token that passed.
  if (token.size() > kMaxTokenBytes) return invalid("token too large");
  return token;
}

transport::AuthResult ResourceServer::conclude(const http::Request& request, VerifyResult result) const {
  if (!result) {
    const auto& r = result.error();
    if (r.kind == TokenRejection::Kind::kUnavailable) {
      return util::unexpected(transport::AccessDenied{
          503, {}, "Service Unavailable: the authorization server's keys cannot be fetched"});
    }
    return util::unexpected(challenge(request, 401, "invalid_token", r.reason, options_.required_scopes));
  }
  if (auto denied = check_scopes(request, *result.value(), options_.required_scopes)) {
    return util::unexpected(std::move(*denied));
  }
  return result.value();
}

std::optional<transport::AuthResult> ResourceServer::try_authenticate(const http::Request& request) {
  auto token = bearer_token(request);
  if (!token) return transport::AuthResult(util::unexpected(std::move(token.error())));
  auto verified = verifier_.verify_now(*token, public_url_.resource(request));
  if (!verified) return std::nullopt;
  return conclude(request, std::move(*verified));
}

void ResourceServer::authenticate(const http::Request& request,
                                  std::function<void(transport::AuthResult)> done) {
  auto token = bearer_token(request);
  if (!token) return done(util::unexpected(std::move(token.error())));
  // `request` outlives the answer: the transport keeps it in the continuation.
  verifier_.verify(*token, public_url_.resource(request),
                   [this, &request, done = std::move(done)](VerifyResult result) {
                     done(conclude(request, std::move(result)));
                   });
}

std::optional<transport::AccessDenied> ResourceServer::authorize(const http::Request& request,
                                                                 const AuthInfo& auth,
                                                                 std::string_view method,
                                                                 const Json& params) const {
  if (method != "tools/call" || options_.tool_scopes.empty() || !params.is_object()) return std::nullopt;
  const auto name = params.find("name");
  if (name == params.end() || !name->is_string()) return std::nullopt;
  const auto it = options_.tool_scopes.find(name->get<std::string>());
  if (it == options_.tool_scopes.end()) return std::nullopt;
  std::vector<std::string> needed = options_.required_scopes;
  add_unique(needed, it->second);
  return check_scopes(request, auth, needed);
}

bool ResourceServer::handle_metadata(const http::Request& request,
                                     const std::shared_ptr<http::Responder>& responder) const {
  const auto path = request.path();
  if (path.substr(0, kMetadataPath.size()) != kMetadataPath) return false;
  const auto suffix = path.substr(kMetadataPath.size());
  const std::string public_suffix = [&] {
    auto parsed = parse_url(public_url_.resource(request));
    return parsed ? parsed->path : std::string();
  }();
  if (!suffix.empty() && suffix != options_.endpoint && suffix != public_suffix) return false;

  http::Response r;
  r.headers.add("Access-Control-Allow-Origin", "*");
  if (request.method == "OPTIONS") {
    r.status = 204;
    r.headers.add("Access-Control-Allow-Methods", "GET, OPTIONS");
    r.headers.add("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version");
    r.headers.add("Access-Control-Max-Age", "86400");
    responder->respond(std::move(r));
    return true;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    r.status = 405;
    r.headers.add("Allow", "GET, HEAD, OPTIONS");
    responder->respond(std::move(r));
    return true;
  }
  Json servers = Json::array();
  if (authorization_server_) {
    servers.push_back(authorization_server_(request));
  } else {
    for (const auto& s : options_.authorization_servers) servers.push_back(s);
  }
  Json doc = {{"resource", public_url_.resource(request)},
              {"authorization_servers", std::move(servers)},
              {"bearer_methods_supported", {"header"}}};
  if (const auto scopes = scopes_supported(); !scopes.empty()) doc["scopes_supported"] = scopes;
  if (!options_.resource_name.empty()) doc["resource_name"] = options_.resource_name;
  r.status = 200;
  r.headers.add("Content-Type", "application/json");
  // Without MCP_PUBLIC_URL the document follows the request's Host (and
  // forwarded headers): a shared cache must not hand it to other clients.
  r.headers.add("Cache-Control", public_url_.configured() ? "public, max-age=300" : "no-store");
  if (request.method == "GET") r.body = doc.dump();
  responder->respond(std::move(r));
  return true;
}

}  // namespace mcp::auth
