#include "mcp/auth/oauth_revocation.hpp"

#include <fmt/format.h>

namespace mcp::auth::oauth {

util::Expected<std::monostate, std::string> revoke_token(const OAuthHttp& http, std::string_view endpoint,
                                                         std::string_view token, std::string_view hint,
                                                         const ClientAuth& auth) {
  if (auto ok = check_endpoint_url(endpoint, "revocation endpoint"); !ok) {
    return util::unexpected(std::move(ok.error()));
  }
  form::Params body = {{"token", std::string(token)}, {"token_type_hint", std::string(hint)}};
  auto res = http.send(form_request(endpoint, std::move(body), auth));
  if (!res) return util::unexpected(std::move(res.error()));
  if (res->status < 200 || res->status >= 300) {
    return util::unexpected(fmt::format("revocation endpoint {}: {}", endpoint, oauth_error_text(*res)));
  }
  return std::monostate{};
}

}  // namespace mcp::auth::oauth
