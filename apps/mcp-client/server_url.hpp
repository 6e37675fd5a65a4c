#pragma once
// Normalising the server URL a user gives.
#include <string>
#include <string_view>

namespace mcp_cli {

// An API Gateway execute-api URL that names only a stage ("…/prod" or
// "…/prod/") gets the MCP path appended ("…/prod/mcp"); any other URL is
// returned unchanged.
std::string normalize_server_url(std::string_view url);

}  // namespace mcp_cli
