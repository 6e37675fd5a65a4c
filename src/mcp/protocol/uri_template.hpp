#pragma once
// RFC 6570 level-1 URI template matching ({var} captures up to the next
// literal, never across '/'), enough for MCP resource templates.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::protocol {

std::optional<std::map<std::string, std::string>> match_uri_template(std::string_view tmpl,
                                                                     std::string_view uri);

}  // namespace mcp::protocol
