#include "mcp/auth/oauth_token.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "mcp/auth/oauth_client_assertion.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::auth::oauth {

namespace {

constexpr std::int64_t kMax = kMaxTokenLifetime.count();

// expires_in clamped into [0, kMaxTokenLifetime] without converting an
// out-of-range value (a double like 1e300, a 20-digit string) to an integer.
std::optional<std::chrono::seconds> read_expires_in(const Json& value) {
  const auto clamp = [](std::int64_t s) {
    return std::chrono::seconds(std::clamp<std::int64_t>(s, 0, kMax));
  };
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    return clamp(v > static_cast<std::uint64_t>(kMax) ? kMax : static_cast<std::int64_t>(v));
  }
  if (value.is_number_integer()) return clamp(value.get<std::int64_t>());
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (!(v > 0)) return std::chrono::seconds(0);  // also NaN
    if (v >= static_cast<double>(kMax)) return kMaxTokenLifetime;
    return std::chrono::seconds(static_cast<std::int64_t>(v));
  }
  if (value.is_string()) {
    // Some servers send the number as a string.
    const std::string_view text = util::trim(value.get_ref<const std::string&>());
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range) {
      return text.front() == '-' ? std::chrono::seconds(0) : kMaxTokenLifetime;
    }
    if (ec != std::errc()) return std::nullopt;
    return clamp(v);
  }
  return std::nullopt;
}

}  // namespace

std::string choose_token_auth_method(std::string_view registered_method, bool has_secret,
                                     const std::vector<std::string>& supported) {
  const auto has = [&](std::string_view m) {
    return supported.empty() || std::find(supported.begin(), supported.end(), m) != supported.end();
  };
  const bool secret_method =
      registered_method == "client_secret_basic" || registered_method == "client_secret_post";
  if (registered_method == "none" && has("none")) return "none";
  if (secret_method && has_secret && has(registered_method)) return std::string(registered_method);
  if (has_secret) {
    if (has("client_secret_basic")) return "client_secret_basic";
    if (has("client_secret_post")) return "client_secret_post";
  }
  return "none";
}

std::string basic_authorization(std::string_view client_id, std::string_view client_secret) {
  return "Basic " + util::base64_encode(form::encode(client_id) + ":" + form::encode(client_secret));
}

void apply_client_auth(const ClientAuth& auth, form::Params& body, http::Headers& headers) {
  if (auth.method == "client_secret_basic") {
    headers.set("Authorization", basic_authorization(auth.client_id, auth.client_secret));
    return;
  }
  if (auth.method == "private_key_jwt") {
    // RFC 7523 §2.2: the assertion names the client; client_id is optional.
    body.emplace_back("client_assertion_type", std::string(kClientAssertionType));
    body.emplace_back("client_assertion", auth.client_assertion);
    return;
  }
  // A workload identified by its assertion alone has no client_id.
  if (!auth.client_id.empty()) body.emplace_back("client_id", auth.client_id);
  if (auth.method == "client_secret_post") body.emplace_back("client_secret", auth.client_secret);
}

form::Params authorization_code_grant(std::string_view code, std::string_view redirect_uri,
                                      std::string_view code_verifier, std::string_view resource) {
  form::Params p = {{"grant_type", "authorization_code"},
                    {"code", std::string(code)},
                    {"redirect_uri", std::string(redirect_uri)},
                    {"code_verifier", std::string(code_verifier)}};
  if (!resource.empty()) p.emplace_back("resource", std::string(resource));
  return p;
}

form::Params refresh_token_grant(std::string_view refresh_token, std::string_view resource) {
  form::Params p = {{"grant_type", "refresh_token"}, {"refresh_token", std::string(refresh_token)}};
  if (!resource.empty()) p.emplace_back("resource", std::string(resource));
  return p;
}

http::ClientRequest form_request(std::string_view url, form::Params body, const ClientAuth& auth) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = std::string(url);
  req.headers.add("Content-Type", "application/x-www-form-urlencoded");
  req.headers.add("Accept", "application/json");
  apply_client_auth(auth, body, req.headers);
  req.body = form::build(body);
  return req;
}

std::string oauth_error_code(const http::ClientResponse& response) {
  auto doc = parse_strict_json(response.body);
  if (!doc || !doc->is_object()) return {};
  auto error = string_member(*doc, "error");
  return error ? std::move(*error) : std::string();
}

std::string oauth_error_text(const http::ClientResponse& response) {
  auto doc = parse_strict_json(response.body);
  if (doc && doc->is_object()) {
    const auto error = string_member(*doc, "error");
    if (error && !error->empty()) {
      std::string out = *error;
      const auto description = string_member(*doc, "error_description");
      if (description && !description->empty()) out += " (" + *description + ")";
      return out;
    }
  }
  return fmt::format("HTTP {}", response.status);
}

util::Expected<TokenResponse, std::string> request_token(const OAuthHttp& http,
                                                         std::string_view token_endpoint,
                                                         const form::Params& grant, const ClientAuth& auth,
                                                         TokenDpop* dpop) {
  // Checked here rather than at discovery: stored tokens carry their endpoint too.
  if (auto ok = check_endpoint_url(token_endpoint, "token endpoint"); !ok) {
    return util::unexpected(std::move(ok.error()));
  }
  http::ClientResponse res;
  // At most one resend, for the nonce the server asked for (RFC 9449 §8).
  for (int round = 0; round < 2; ++round) {
    auto request = form_request(token_endpoint, grant, auth);
    if (dpop != nullptr) {
      auto proof = make_dpop_proof(
          dpop->key, {"POST", token_endpoint, {}, dpop->nonce, std::chrono::system_clock::now()});
      if (!proof) return util::unexpected(std::move(proof.error()));
      request.headers.set(std::string(kDpopHeader), std::move(*proof));
    }
    auto sent = http.send(std::move(request));
    if (!sent) return util::unexpected(std::move(sent.error()));
    res = std::move(*sent);
    if (dpop == nullptr) break;
    const auto nonce = res.headers.get(kDpopNonceHeader);
    if (!nonce || nonce->empty()) break;
    const bool asked = res.status == 400 && oauth_error_code(res) == kUseDpopNonce;
    const bool changed = *nonce != dpop->nonce;
    dpop->nonce = std::string(*nonce);
    if (!asked || !changed) break;
    http.log(fmt::format("token endpoint {} asked for a DPoP nonce: retrying with it", token_endpoint));
  }
  if (res.status < 200 || res.status >= 300) {
    return util::unexpected(fmt::format("token endpoint {}: {}", token_endpoint, oauth_error_text(res)));
  }
  auto doc = json_object_body(res, token_endpoint);
  if (!doc) return util::unexpected(std::move(doc.error()));
  TokenResponse out;
  const std::pair<std::string_view, std::string*> fields[] = {
      {"access_token", &out.access_token},   {"token_type", &out.token_type},
      {"refresh_token", &out.refresh_token}, {"scope", &out.scope},
      {"id_token", &out.id_token},
  };
  for (const auto& [name, target] : fields) {
    auto v = string_member(*doc, name);
    if (!v) return util::unexpected(fmt::format("token endpoint {}: {}", token_endpoint, v.error()));
    *target = std::move(*v);
  }
  if (out.access_token.empty()) {
    return util::unexpected(
        fmt::format("token endpoint {}: no access_token in the response", token_endpoint));
  }
  out.dpop_bound = dpop != nullptr && util::iequals(out.token_type, kDpopScheme);
  if (!out.token_type.empty() && !out.dpop_bound && !util::iequals(out.token_type, "Bearer")) {
    return util::unexpected(
        fmt::format("token endpoint {}: unsupported token_type \"{}\"", token_endpoint, out.token_type));
  }
  if (const auto it = doc->find("expires_in"); it != doc->end()) out.expires_in = read_expires_in(*it);
  return out;
}

}  // namespace mcp::auth::oauth
