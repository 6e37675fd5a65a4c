#pragma once
// The canonical public URL of the MCP endpoint (RFC 8707 resource, RFC 9728
// `resource`, the facade's issuer). Configured with MCP_PUBLIC_URL (e.g.
// https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp behind a stage);
// otherwise derived from the request's Host, trusting X-Forwarded-Proto,
// X-Forwarded-Host and X-Forwarded-Prefix only when told to.
#include <optional>
#include <string>
#include <string_view>

#include "mcp/transport/http_types.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth {

struct ParsedUrl {
  std::string scheme;  // lower case
  std::string host;    // lower case, IPv6 literals keep their brackets
  std::string port;    // empty when absent
  std::string path;    // "" or starting with '/'; no query, no fragment

  std::string origin() const;  // scheme://host[:port]
};

// Accepts absolute http(s) URLs without userinfo, query or fragment.
util::Expected<ParsedUrl, std::string> parse_url(std::string_view url);
// True for localhost, 127.0.0.0/8 and [::1].
bool is_loopback_host(std::string_view host);
// https, or http to a loopback host (the tests' issuers and key servers).
bool is_secure_or_loopback(const ParsedUrl& url);
// Lower-cases scheme and host and drops one trailing '/' so that audience
// and resource comparisons follow RFC 8707 §2 / RFC 3986 §6.2.2.
std::string normalize_resource(std::string_view url);

class PublicUrl {
 public:
  // `configured`: MCP_PUBLIC_URL or empty. `endpoint`: the local path of the
  // MCP endpoint (e.g. /mcp).
  PublicUrl(std::string configured, std::string endpoint, bool trust_proxy);

  // The canonical resource URL for a request to this server.
  std::string resource(const http::Request& request) const;
  // The resource URL without the endpoint path: origin plus any stage prefix
  // (https://host/prod). Published URLs of our other routes hang off it.
  std::string base(const http::Request& request) const;
  // The local path under which a published path arrives here: with
  // MCP_PUBLIC_URL=https://h/prod/mcp and endpoint /mcp, the public base path
  // is /prod and requests arrive without it.
  std::string base_path(const http::Request& request) const;
  bool configured() const { return !configured_.empty(); }

 private:
  std::string configured_;
  std::string configured_base_;
  std::string endpoint_;
  bool trust_proxy_;
};

}  // namespace mcp::auth
