#pragma once
// JSON typed on a command line (tool and prompt arguments).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mcp/util/expected.hpp"

namespace mcp_cli {

// Parses `text` as a JSON object; empty text is {}. The error names the
// position of a syntax error and shows it with a caret under the text.
mcp::util::Expected<nlohmann::json, std::string> parse_json_object(std::string_view text);

}  // namespace mcp_cli
