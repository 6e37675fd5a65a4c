#include "mcp/auth/oauth_authorize.hpp"

#include <fmt/format.h>

#include "mcp/auth/facade_form.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::auth::oauth {

std::string build_authorization_url(const AuthorizationRequest& r) {
  form::Params params = {
      {"response_type", "code"},         {"client_id", r.client_id},
      {"redirect_uri", r.redirect_uri},  {"code_challenge", r.code_challenge},
      {"code_challenge_method", "S256"}, {"state", r.state},
  };
  if (!r.scope.empty()) params.emplace_back("scope", r.scope);
  if (!r.resource.empty()) params.emplace_back("resource", r.resource);
  return form::append_query(r.endpoint, params);
}

util::Expected<std::string, std::string> read_authorization_response(std::string_view redirected,
                                                                     const RedirectCheck& check) {
  std::string_view query = util::trim(redirected);
  if (const auto q = query.find('?'); q != std::string_view::npos) {
    query = query.substr(q + 1);
  } else if (query.rfind("http://", 0) == 0 || query.rfind("https://", 0) == 0) {
    return util::unexpected(std::string("the redirect URL carries no authorization response"));
  }
  query = query.substr(0, query.find('#'));
  auto fields = form::Fields::parse(query);
  if (!fields) return util::unexpected(std::string("the redirect URL has a malformed query"));
  for (const char* name : {"code", "state", "iss", "error"}) {
    if (fields->count(name) > 1) return util::unexpected(fmt::format("the redirect repeats \"{}\"", name));
  }
  const auto state = fields->get("state");
  if (!state || !util::constant_time_equal(*state, check.state)) {
    return util::unexpected(
        std::string("the redirect's state does not match the request (possible CSRF); log in again"));
  }
  // RFC 9207: a response from another server (mix-up attack) names another issuer.
  const auto iss = fields->get("iss");
  if (iss && *iss != check.issuer) {
    return util::unexpected(
        fmt::format("the redirect's iss \"{}\" is not the authorization server \"{}\"", *iss, check.issuer));
  }
  if (!iss && check.iss_required) {
    return util::unexpected(fmt::format(
        "the redirect lacks iss although the authorization server {} promises it (RFC 9207)", check.issuer));
  }
  if (const auto error = fields->get("error")) {
    std::string message = fmt::format("the authorization server refused: {}", *error);
    if (const auto d = fields->get("error_description")) message += fmt::format(" ({})", *d);
    return util::unexpected(std::move(message));
  }
  const auto code = fields->get("code");
  if (!code) return util::unexpected(std::string("the redirect carries no authorization code"));
  return std::string(*code);
}

}  // namespace mcp::auth::oauth
