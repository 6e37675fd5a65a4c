#include "mcp/auth/oauth_grants.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mcp/auth/oauth_token.hpp"

namespace mcp::auth::oauth {
namespace {

bool lists(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

void add_optional(form::Params& p, const char* name, std::string_view value) {
  if (!value.empty()) p.emplace_back(name, std::string(value));
}

}  // namespace

bool advertises_grant(const AuthServerMetadata& server, std::string_view grant) {
  if (server.grant_types_supported.empty()) return grant == kGrantAuthorizationCode || grant == "implicit";
  return lists(server.grant_types_supported, grant);
}

bool machine_only(const AuthServerMetadata& server) {
  return advertises_grant(server, kGrantClientCredentials) &&
         !advertises_grant(server, kGrantAuthorizationCode);
}

std::string machine_auth_method(bool has_private_key, bool has_secret,
                                const std::vector<std::string>& supported) {
  if (has_private_key && (supported.empty() || lists(supported, "private_key_jwt"))) return "private_key_jwt";
  return choose_token_auth_method("", has_secret, supported);
}

form::Params client_credentials_grant(std::string_view scope, std::string_view resource) {
  form::Params p = {{"grant_type", std::string(kGrantClientCredentials)}};
  add_optional(p, "scope", scope);
  add_optional(p, "resource", resource);
  return p;
}

form::Params jwt_bearer_grant(std::string_view assertion, std::string_view scope, std::string_view resource) {
  form::Params p = {{"grant_type", std::string(kGrantJwtBearer)}, {"assertion", std::string(assertion)}};
  add_optional(p, "scope", scope);
  add_optional(p, "resource", resource);
  return p;
}

util::Expected<std::string, std::string> request_id_jag(const OAuthHttp& http, const IdJagRequest& request) {
  const std::string& url = request.token_endpoint;
  if (auto ok = check_endpoint_url(url, "IdP token endpoint"); !ok)
    return util::unexpected(std::move(ok.error()));
  form::Params body = {{"grant_type", std::string(kGrantTokenExchange)},
                       {"requested_token_type", std::string(kTokenTypeIdJag)},
                       {"audience", request.audience},
                       {"subject_token", request.id_token},
                       {"subject_token_type", std::string(kTokenTypeIdToken)}};
  add_optional(body, "resource", request.resource);
  add_optional(body, "scope", request.scope);
  auto res = http.send(form_request(url, std::move(body), ClientAuth{request.client_id, "", "none"}));
  if (!res) return util::unexpected(std::move(res.error()));
  if (res->status < 200 || res->status >= 300) {
    return util::unexpected(fmt::format("IdP token exchange at {}: {}", url, oauth_error_text(*res)));
  }
  auto doc = json_object_body(*res, url);
  if (!doc) return util::unexpected(std::move(doc.error()));
  auto token = string_member(*doc, "access_token");
  auto issued = string_member(*doc, "issued_token_type");
  if (!token) return util::unexpected(fmt::format("IdP token exchange at {}: {}", url, token.error()));
  if (!issued) return util::unexpected(fmt::format("IdP token exchange at {}: {}", url, issued.error()));
  if (token->empty()) {
    return util::unexpected(fmt::format("IdP token exchange at {}: no access_token in the response", url));
  }
  // RFC 8693 §2.2.1 requires issued_token_type; anything but an ID-JAG would
  // be sent to the authorization server as the wrong kind of assertion.
  if (*issued != kTokenTypeIdJag) {
    return util::unexpected(
        fmt::format("IdP token exchange at {}: issued_token_type \"{}\", not an ID-JAG", url, *issued));
  }
  http.log(fmt::format("ID-JAG {} from {}", redact(*token), url));
  return std::move(*token);
}

}  // namespace mcp::auth::oauth
