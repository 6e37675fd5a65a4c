#pragma once
// `mcp-client --conformance <url>`: the client side of the official MCP
// conformance suite. The scenario comes from MCP_CONFORMANCE_SCENARIO, its
// context from MCP_CONFORMANCE_CONTEXT (JSON) and the protocol revision from
// MCP_CONFORMANCE_PROTOCOL_VERSION; the run is non-interactive and exits 0
// when every step worked.
#include <atomic>
#include <string>

#include "console.hpp"

namespace mcp_cli {

int run_conformance(const std::string& url, Console& console, bool debug);

}  // namespace mcp_cli
