#include "mcp/auth/facade_clients.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "mcp/auth/public_url.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::auth {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxRedirectUris = 8;
constexpr std::size_t kMaxRedirectUriLength = 512;
constexpr std::size_t kMaxRedirectUrisTotal = 2048;  // keeps client ids (and URLs carrying them) short
constexpr std::size_t kMaxClientName = 200;
constexpr std::size_t kMaxBody = std::size_t{16} * 1024;

// Schemes that would run script, show attacker data or reach local files
// when a browser "redirects" to them; never a native app's callback.
constexpr std::array<std::string_view, 15> kForbiddenSchemes = {
    "javascript", "data", "vbscript", "file", "about", "blob",   "filesystem", "ftp",
    "ws",         "wss",  "mailto",   "tel",  "sms",   "intent", "view-source"};

// The scheme of an absolute URI (RFC 3986 §3.1), lower-cased; empty if none.
std::string scheme_of(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  const auto scheme = uri.substr(0, colon);
  if (std::isalpha(static_cast<unsigned char>(scheme.front())) == 0) return {};
  const bool ok = std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.';
  });
  return ok ? util::to_lower(scheme) : std::string();
}

// An http(s) URI split into its parsed origin and the path plus query.
struct HttpParts {
  ParsedUrl url;
  std::string path_and_query;
};

std::optional<HttpParts> split_http(std::string_view uri) {
  const auto q = uri.find('?');
  auto parsed = parse_url(uri.substr(0, q));
  if (!parsed) return std::nullopt;
  HttpParts out{std::move(*parsed), {}};
  out.path_and_query = out.url.path + std::string(q == std::string_view::npos ? "" : uri.substr(q));
  return out;
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

util::Unexpected<RegistrationError> reject(std::string error, std::string description) {
  return util::unexpected(RegistrationError{std::move(error), std::move(description)});
}

// RFC 7591 lists (grant_types, response_types) must stay within what we do.
bool subset_of(const Json& list, std::initializer_list<std::string_view> allowed) {
  if (!list.is_array()) return false;
  return std::all_of(list.begin(), list.end(), [&](const Json& v) {
    return v.is_string() &&
           std::find(allowed.begin(), allowed.end(), v.get_ref<const std::string&>()) != allowed.end();
  });
}

}  // namespace

util::Expected<RedirectKind, std::string> classify_redirect_uri(std::string_view uri) {
  if (uri.empty() || uri.size() > kMaxRedirectUriLength) return util::unexpected(std::string("bad length"));
  if (!printable_ascii(uri)) return util::unexpected(std::string("must be printable ASCII without spaces"));
  if (uri.find('#') != std::string_view::npos)
    return util::unexpected(std::string("must not have a fragment"));
  const auto scheme = scheme_of(uri);
  if (scheme.empty()) return util::unexpected(std::string("not an absolute URI"));
  if (scheme == "http" || scheme == "https") {
    auto parts = split_http(uri);
    if (!parts || parts->url.host.empty()) return util::unexpected(std::string("not a valid http(s) URL"));
    if (is_loopback_host(parts->url.host)) return RedirectKind::kLoopback;
    if (scheme == "https") return RedirectKind::kHttps;
    return util::unexpected(std::string("http is allowed only for loopback hosts"));
  }
  if (std::find(kForbiddenSchemes.begin(), kForbiddenSchemes.end(), scheme) != kForbiddenSchemes.end()) {
    return util::unexpected("scheme '" + scheme + "' is not allowed");
  }
  if (uri.size() == scheme.size() + 1) return util::unexpected(std::string("empty URI after the scheme"));
  return RedirectKind::kPrivateScheme;
}

bool redirect_uri_matches(std::string_view registered, std::string_view presented) {
  if (registered == presented) return true;
  auto kind = classify_redirect_uri(registered);
  if (!kind || *kind != RedirectKind::kLoopback) return false;
  auto a = split_http(registered);
  auto b = split_http(presented);
  if (!a || !b || presented.find('#') != std::string_view::npos) return false;
  return a->url.scheme == b->url.scheme && a->url.host == b->url.host &&
         a->path_and_query == b->path_and_query;
}

util::Expected<FacadeClient, RegistrationError> parse_registration(std::string_view body, std::int64_t now) {
  if (body.size() > kMaxBody) return reject("invalid_client_metadata", "request body too large");
  Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return reject("invalid_client_metadata", "the body must be a JSON object");
  }
  FacadeClient client;
  client.issued_at = now;
  const auto uris = doc.find("redirect_uris");
  if (uris == doc.end() || !uris->is_array() || uris->empty()) {
    return reject("invalid_redirect_uri", "redirect_uris must be a non-empty array");
  }
  if (uris->size() > kMaxRedirectUris) return reject("invalid_redirect_uri", "too many redirect_uris");
  std::size_t total = 0;
  for (const auto& u : *uris) {
    if (!u.is_string()) return reject("invalid_redirect_uri", "redirect_uris must be strings");
    const auto& s = u.get_ref<const std::string&>();
    if (auto kind = classify_redirect_uri(s); !kind) {
      return reject("invalid_redirect_uri", "redirect URI rejected: " + kind.error());
    }
    total += s.size();
    if (std::find(client.redirect_uris.begin(), client.redirect_uris.end(), s) ==
        client.redirect_uris.end()) {
      client.redirect_uris.push_back(s);
    }
  }
  if (total > kMaxRedirectUrisTotal) return reject("invalid_redirect_uri", "redirect_uris too long");
  if (auto m = doc.find("token_endpoint_auth_method"); m != doc.end() && *m != "none") {
    return reject("invalid_client_metadata",
                  "only public clients are supported: token_endpoint_auth_method must be none");
  }
  if (auto g = doc.find("grant_types");
      g != doc.end() && !subset_of(*g, {"authorization_code", "refresh_token"})) {
    return reject("invalid_client_metadata",
                  "grant_types may only contain authorization_code and refresh_token");
  }
  if (auto r = doc.find("response_types"); r != doc.end() && !subset_of(*r, {"code"})) {
    return reject("invalid_client_metadata", "response_types may only contain code");
  }
  if (auto n = doc.find("client_name"); n != doc.end() && !n->is_null()) {
    if (!n->is_string() || n->get_ref<const std::string&>().size() > kMaxClientName) {
      return reject("invalid_client_metadata", "client_name must be a string of at most 200 bytes");
    }
    client.client_name = n->get<std::string>();
  }
  return client;
}

std::string ClientIds::issue(const FacadeClient& client) const {
  Json doc = {{"r", client.redirect_uris}, {"t", client.issued_at}};
  if (!client.client_name.empty()) doc["n"] = client.client_name;
  return box_.seal(doc.dump());
}

std::optional<FacadeClient> ClientIds::open(std::string_view client_id) const {
  if (client_id.size() > 4096) return std::nullopt;
  auto plain = box_.open(client_id);
  if (!plain) return std::nullopt;
  Json doc = Json::parse(*plain, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  FacadeClient out;
  try {
    out.redirect_uris = doc.at("r").get<std::vector<std::string>>();
    out.issued_at = doc.at("t").get<std::int64_t>();
    out.client_name = doc.value("n", std::string());
  } catch (const Json::exception&) {
    return std::nullopt;
  }
  return out;
}

std::string ClientIds::digest(std::string_view client_id) {
  const auto h = util::sha256(client_id);
  return util::base64url_encode(std::string_view(reinterpret_cast<const char*>(h.data()), 16));
}

}  // namespace mcp::auth
