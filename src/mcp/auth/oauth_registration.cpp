#include "mcp/auth/oauth_registration.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mcp::auth::oauth {

std::string registration_auth_method(const AuthServerMetadata& metadata) {
  const auto& m = metadata.token_endpoint_auth_methods_supported;
  const auto has = [&](std::string_view v) {
    return std::find(m.begin(), m.end(), v) != m.end();
  };
  if (m.empty() || has("none")) return "none";
  if (has("client_secret_basic")) return "client_secret_basic";
  if (has("client_secret_post")) return "client_secret_post";
  return "none";
}

Json registration_body(const RegistrationRequest& request) {
  return Json{
      {"client_name", request.client_name},
      {"redirect_uris", request.redirect_uris},
      {"grant_types", {"authorization_code", "refresh_token"}},
      {"response_types", {"code"}},
      {"token_endpoint_auth_method", request.token_endpoint_auth_method},
      {"application_type", "native"},
  };
}

util::Expected<ClientRegistration, std::string> register_client(const OAuthHttp& http,
                                                                std::string_view endpoint,
                                                                const RegistrationRequest& request) {
  if (auto ok = check_endpoint_url(endpoint, "registration endpoint"); !ok) {
    return util::unexpected(std::move(ok.error()));
  }
  http::ClientRequest req;
  req.method = "POST";
  req.url = std::string(endpoint);
  req.headers.add("Content-Type", "application/json");
  req.headers.add("Accept", "application/json");
  req.body = registration_body(request).dump();
  auto res = http.send(std::move(req));
  if (!res) return util::unexpected(fmt::format("client registration failed: {}", res.error()));
  auto doc = json_object_body(*res, endpoint);
  if (res->status != 200 && res->status != 201) {
    std::string why = fmt::format("client registration at {} failed: HTTP {}", endpoint, res->status);
    if (doc) {
      const auto error = string_member(*doc, "error");
      const auto description = string_member(*doc, "error_description");
      if (error && !error->empty()) why += ": " + *error;
      if (description && !description->empty()) why += " (" + *description + ")";
    }
    return util::unexpected(std::move(why));
  }
  if (!doc) return util::unexpected(std::move(doc.error()));
  ClientRegistration out;
  auto id = string_member(*doc, "client_id");
  auto secret = string_member(*doc, "client_secret");
  auto method = string_member(*doc, "token_endpoint_auth_method");
  if (!id || id->empty())
    return util::unexpected(fmt::format("client registration at {}: no client_id", endpoint));
  if (!secret || !method)
    return util::unexpected(fmt::format("client registration at {}: malformed", endpoint));
  out.client_id = std::move(*id);
  out.client_secret = std::move(*secret);
  out.token_endpoint_auth_method = std::move(*method);
  return out;
}

}  // namespace mcp::auth::oauth
