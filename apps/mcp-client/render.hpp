#pragma once
// Turning MCP results, notifications and failures into output a person (or,
// with --json, a script) wants.
#include <string>
#include <string_view>

#include "console.hpp"
#include "mcp/client/failure.hpp"
#include "mcp/client/session.hpp"
#include "mcp/json_rpc/message.hpp"

namespace mcp_cli {

using Json = nlohmann::json;

// Content blocks (text, image, audio, resource, resource_link), each line
// prefixed with `indent`; binary content is saved to files.
void render_content_blocks(Console& console, const Json& content, std::string_view indent);
// A tools/call result; returns true when it is an error result (isError).
bool render_tool_result(Console& console, const Json& result);
// A prompts/get result.
void render_prompt(Console& console, const Json& result);
// A resources/read result.
void render_resource_contents(Console& console, const Json& result);

// A notification from the server, as it arrives.
void render_notification(Console& console, const mcp::json_rpc::Notification& notification);
// The progress line (TTY) or progress lines (otherwise) of a running request.
void render_progress(Console& console, const mcp::client::Progress& progress);

// Why a request failed, with a hint; `auth_hint` is the command to log in
// ("auth login" in the REPL). --json: one JSON object on stderr.
void render_failure(Console& console, const mcp::client::Failure& failure, std::string_view auth_hint);
// An error without a Failure (bad arguments, local problems).
void render_error(Console& console, std::string_view message);

// A JSON value as one short line, cut at `max` characters.
std::string short_json(const Json& value, std::size_t max = 200);

}  // namespace mcp_cli
