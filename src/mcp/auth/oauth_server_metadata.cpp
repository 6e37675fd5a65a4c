#include "mcp/auth/oauth_server_metadata.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mcp/auth/public_url.hpp"

namespace mcp::auth::oauth {

namespace {

bool bool_member(const Json& doc, std::string_view name) {
  const auto it = doc.find(name);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::vector<std::string> authorization_server_metadata_urls(std::string_view issuer) {
  auto parsed = parse_url(issuer);
  if (!parsed) return {};
  std::string path = parsed->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  const std::string origin = parsed->origin();
  if (path.empty()) {
    return {origin + "/.well-known/oauth-authorization-server", origin + "/.well-known/openid-configuration"};
  }
  return {origin + "/.well-known/oauth-authorization-server" + path,
          origin + "/.well-known/openid-configuration" + path,
          origin + path + "/.well-known/openid-configuration"};
}

util::Expected<AuthServerMetadata, std::string> parse_authorization_server_metadata(const Json& doc,
                                                                                    std::string_view url) {
  AuthServerMetadata out;
  out.url = std::string(url);
  const auto fail = [&](const std::string& why) {
    return util::unexpected(fmt::format("authorization server metadata at {}: {}", url, why));
  };
  const std::pair<std::string_view, std::string*> strings[] = {
      {"issuer", &out.issuer},
      {"authorization_endpoint", &out.authorization_endpoint},
      {"token_endpoint", &out.token_endpoint},
      {"registration_endpoint", &out.registration_endpoint},
      {"revocation_endpoint", &out.revocation_endpoint},
  };
  for (const auto& [name, target] : strings) {
    auto v = string_member(doc, name);
    if (!v) return fail(v.error());
    *target = std::move(*v);
  }
  const std::pair<std::string_view, std::vector<std::string>*> lists[] = {
      {"scopes_supported", &out.scopes_supported},
      {"code_challenge_methods_supported", &out.code_challenge_methods_supported},
      {"token_endpoint_auth_methods_supported", &out.token_endpoint_auth_methods_supported},
      {"grant_types_supported", &out.grant_types_supported},
  };
  for (const auto& [name, target] : lists) {
    auto v = string_list_member(doc, name);
    if (!v) return fail(v.error());
    *target = std::move(*v);
  }
  // An optional extension: a malformed one means no DPoP, not a failed login.
  if (auto algs = string_list_member(doc, "dpop_signing_alg_values_supported")) {
    out.dpop_signing_alg_values_supported = std::move(*algs);
  }
  out.client_id_metadata_document_supported = bool_member(doc, "client_id_metadata_document_supported");
  out.authorization_response_iss_parameter_supported =
      bool_member(doc, "authorization_response_iss_parameter_supported");
  if (out.authorization_endpoint.empty()) return fail("no authorization_endpoint");
  if (out.token_endpoint.empty()) return fail("no token_endpoint");
  return out;
}

util::Expected<std::optional<AuthServerMetadata>, std::string> discover_authorization_server(
    const OAuthHttp& http, std::string_view issuer, bool require_issuer_match) {
  if (auto ok = check_endpoint_url(issuer, "authorization server"); !ok) {
    return util::unexpected(std::move(ok.error()));
  }
  const auto urls = authorization_server_metadata_urls(issuer);
  if (urls.empty()) return util::unexpected(fmt::format("bad authorization server URL {}", issuer));
  for (const auto& url : urls) {
    http::ClientRequest req;
    req.url = url;
    req.headers.add("Accept", "application/json");
    auto res = http.send(std::move(req));
    if (!res) return util::unexpected(std::move(res.error()));
    if (res->status >= 400 && res->status < 500) continue;
    if (res->status < 200 || res->status >= 300) {
      return util::unexpected(fmt::format("authorization server metadata at {}: HTTP {}", url, res->status));
    }
    auto doc = json_object_body(*res, url);
    if (!doc) return util::unexpected(std::move(doc.error()));
    auto metadata = parse_authorization_server_metadata(*doc, url);
    if (!metadata) return util::unexpected(std::move(metadata.error()));
    // A document naming another issuer could steer codes and tokens to a
    // server the resource never designated (RFC 8414 §3.3, mix-up attacks).
    if (require_issuer_match && metadata->issuer != issuer) {
      return util::unexpected(
          fmt::format("authorization server metadata at {} names issuer \"{}\", expected \"{}\"", url,
                      metadata->issuer, issuer));
    }
    return std::optional<AuthServerMetadata>(std::move(*metadata));
  }
  return std::optional<AuthServerMetadata>();
}

AuthServerMetadata default_endpoints(std::string_view origin) {
  AuthServerMetadata out;
  out.issuer = std::string(origin);
  out.authorization_endpoint = out.issuer + "/authorize";
  out.token_endpoint = out.issuer + "/token";
  out.registration_endpoint = out.issuer + "/register";
  out.code_challenge_methods_supported = {"S256"};
  return out;
}

bool supports_pkce_s256(const AuthServerMetadata& metadata) {
  const auto& m = metadata.code_challenge_methods_supported;
  return std::find(m.begin(), m.end(), "S256") != m.end();
}

}  // namespace mcp::auth::oauth
