#pragma once
#include "mcp/protocol/server.hpp"

namespace everything {

// Registers every fixture the conformance scenarios call (0.1.16 and the
// 2025-11-25 / 2026-07-28 requirement runs of 0.2.0-alpha.12).
void register_fixtures(mcp::Server& server);

// The fixtures that wait: timed notifications and questions to the client
// (interactive_fixtures.cpp). register_fixtures calls them in list order.
void register_timed_tools(mcp::Server& server);
void register_client_request_tools(mcp::Server& server);
void register_input_required_tools(mcp::Server& server);
void register_input_required_prompt(mcp::Server& server);
// Tools of the tasks extension (task_fixtures.cpp).
void register_task_tools(mcp::Server& server);

}  // namespace everything
