#pragma once
#include "mcp/protocol/server.hpp"

namespace everything {

// Registers every fixture the conformance scenarios call.
void register_fixtures(mcp::Server& server);

}  // namespace everything
