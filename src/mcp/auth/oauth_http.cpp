#include "mcp/auth/oauth_http.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mcp/auth/public_url.hpp"

namespace mcp::auth::oauth {

http::ClientResult OAuthHttp::send(http::ClientRequest request) const {
  request.timeout = timeout;
  request.max_response_bytes = kMaxResponseBytes;
  if (!call) return util::unexpected(std::string("no HTTP client"));
  auto result = call(request);
  if (!result) {
    log(fmt::format("{} {} failed: {}", request.method, request.url, result.error()));
    return util::unexpected(fmt::format("{} {}: {}", request.method, request.url, result.error()));
  }
  log(fmt::format("{} {} -> {}", request.method, request.url, result->status));
  if (result->body.size() > kMaxResponseBytes) {
    return util::unexpected(fmt::format("{} {}: response larger than 1 MiB", request.method, request.url));
  }
  return result;
}

util::Expected<Json, std::string> json_object_body(const http::ClientResponse& response,
                                                   std::string_view url) {
  auto parsed = parse_strict_json_or_error(response.body);
  if (!parsed) return util::unexpected(fmt::format("{}: {} in the response", url, parsed.error()));
  if (!parsed->is_object())
    return util::unexpected(fmt::format("{}: the response is not a JSON object", url));
  return std::move(*parsed);
}

util::Expected<std::string, std::string> string_member(const Json& doc, std::string_view name) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string()) return util::unexpected(fmt::format("\"{}\" is not a string", name));
  return it->get<std::string>();
}

util::Expected<std::vector<std::string>, std::string> string_list_member(const Json& doc,
                                                                         std::string_view name) {
  std::vector<std::string> out;
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return out;
  if (!it->is_array()) return util::unexpected(fmt::format("\"{}\" is not an array", name));
  for (const auto& item : *it) {
    if (!item.is_string()) return util::unexpected(fmt::format("\"{}\" holds a non-string", name));
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string sanitize_url(std::string_view url) {
  constexpr std::size_t kMaxShown = 200;
  std::string out;
  for (const char c : url.substr(0, kMaxShown)) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      out += fmt::format("%{:02X}", u);
    } else {
      out += c;
    }
  }
  if (url.size() > kMaxShown) out += "...";
  return out;
}

util::Expected<std::monostate, std::string> check_endpoint_url(std::string_view url, std::string_view what) {
  const auto fail = [&](std::string_view why) {
    return util::unexpected(fmt::format("the {} URL \"{}\" {}", what, sanitize_url(url), why));
  };
  if (url.empty()) return fail("is empty");
  // Such a URL was never meant for us, and would forge lines in logs and prompts.
  if (std::any_of(url.begin(), url.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
      })) {
    return fail("contains whitespace or control characters");
  }
  if (url.find('#') != std::string_view::npos) return fail("must not have a fragment");
  auto parsed = parse_url(url.substr(0, url.find('?')));
  if (!parsed) return fail(fmt::format("is not usable: {}", parsed.error()));
  if (!is_secure_or_loopback(*parsed)) {
    return fail("must use https (plain http only to localhost, 127.0.0.1 or [::1])");
  }
  return std::monostate{};
}

std::string redact(std::string_view secret) {
  if (secret.empty()) return "(none)";
  // Short values (test tokens) would be given away whole by a fixed prefix.
  return std::string(secret.substr(0, std::min<std::size_t>(6, secret.size() / 4))) + "\u2026";
}

}  // namespace mcp::auth::oauth
