#pragma once
// The blocking HTTP calls of the OAuth client (discovery, registration,
// token, revocation) share one shape: a bounded time, a bounded body, JSON
// answers whose parse errors name the URL, and trace lines without secrets.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mcp/auth/strict_json.hpp"
#include "mcp/transport/http_client.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

using HttpCall = std::function<http::ClientResult(const http::ClientRequest&)>;
using TraceFn = std::function<void(std::string_view)>;

inline constexpr std::size_t kMaxResponseBytes = std::size_t{1} << 20;

struct OAuthHttp {
  HttpCall call;
  std::chrono::milliseconds timeout{15000};
  TraceFn trace;

  // Sends `request` with this timeout and body limit; a body over the limit
  // fails even when the peer ignored it. The trace shows method, URL and status.
  http::ClientResult send(http::ClientRequest request) const;
  void log(std::string_view line) const {
    if (trace) trace(line);
  }
};

// The response body as a JSON object; errors read "<url>: invalid JSON ...".
util::Expected<Json, std::string> json_object_body(const http::ClientResponse& response,
                                                   std::string_view url);

// Members of a metadata document, tolerating absent ones; a present member of
// the wrong type is an error naming the member.
util::Expected<std::string, std::string> string_member(const Json& doc, std::string_view name);
util::Expected<std::vector<std::string>, std::string> string_list_member(const Json& doc,
                                                                         std::string_view name);

// Every URL the OAuth client talks to or opens beyond the MCP server itself
// (authorization-server endpoints, issuers, an advertised resource_metadata):
// https, or http only to a loopback host (tests, local servers), as the MCP
// specification requires; no fragment; no whitespace or control characters,
// which no valid URL holds. An endpoint may carry a query (RFC 6749 §3.1).
// The error names `what` and the URL, sanitised.
util::Expected<std::monostate, std::string> check_endpoint_url(std::string_view url, std::string_view what);
// `url` fit for an error message or a terminal: bytes outside printable
// ASCII as %XX, at most 200 characters.
std::string sanitize_url(std::string_view url);

// "abcdef…": enough of a secret to tell two apart in a trace, never the value.
std::string redact(std::string_view secret);

}  // namespace mcp::auth::oauth
