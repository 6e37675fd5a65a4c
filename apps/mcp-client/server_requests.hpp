#pragma once
// Answers to requests the server sends the client (Handlers::on_request).
#include <nlohmann/json.hpp>
#include <string>

#include "console.hpp"
#include "line_reader.hpp"
#include "mcp/json_rpc/message.hpp"
#include "mcp/util/expected.hpp"

namespace mcp_cli {

// elicitation/create: asks through `reader` when it is given (REPL on a
// terminal), else accepts the schema defaults (or declines).
// sampling/createMessage: declined, this client has no model.
// roots/list: an empty list. Anything else: method not found.
mcp::util::Expected<nlohmann::json, mcp::json_rpc::Error> answer_server_request(const std::string& method,
                                                                                const nlohmann::json& params,
                                                                                Console& console,
                                                                                LineReader* reader);

}  // namespace mcp_cli
