#pragma once
// RFC 9728 protected-resource metadata as the MCP client finds it: from the
// challenge's resource_metadata, else the path-suffixed well-known URL, else
// (only after a 4xx) the root one; and the check that the document speaks for
// the MCP endpoint we are calling.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/auth/oauth_http.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

struct ProtectedResourceMetadata {
  std::string url;  // where it was fetched
  std::string resource;
  std::vector<std::string> authorization_servers;
  std::vector<std::string> scopes_supported;
};

// The well-known candidates for an MCP URL, in the order to try them.
std::vector<std::string> protected_resource_metadata_urls(std::string_view mcp_url);

// nullopt when no candidate has metadata (4xx everywhere): the server predates
// RFC 9728 (2025-03-26). An advertised `resource_metadata_url` is the only
// one fetched, and its failure is an error.
util::Expected<std::optional<ProtectedResourceMetadata>, std::string> discover_protected_resource(
    const OAuthHttp& http, std::string_view mcp_url, std::string_view resource_metadata_url);

util::Expected<ProtectedResourceMetadata, std::string> parse_protected_resource_metadata(
    const Json& doc, std::string_view url);

// True when `resource` has the MCP URL's scheme, host and port and its path is
// the MCP path or a whole-segment prefix of it.
bool resource_matches(std::string_view resource, std::string_view mcp_url);

// The MCP URL as an RFC 8707 resource: lower-case scheme and host, no query,
// no fragment.
std::string canonical_resource(std::string_view mcp_url);

// The URL without query and fragment.
std::string_view strip_query(std::string_view url);

}  // namespace mcp::auth::oauth
