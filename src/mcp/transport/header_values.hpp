#pragma once
// 2026-07-28 routing headers (SEP-2243): Mcp-Name values, and Mcp-Param-*
// headers that mirror tool arguments marked with "x-mcp-header" so proxies
// can route on them without parsing bodies.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/transport/http_types.hpp"

namespace mcp::transport {

// A header value is either literal text or "=?base64?<payload>?=" with a
// strictly padded RFC 4648 payload; nullopt when the encoded form is invalid.
std::optional<std::string> decode_header_value(std::string_view value);

// Checks every Mcp-Param-* header a tool's input schema asks for against the
// call's arguments; returns the first problem, or nullopt when they agree.
std::optional<std::string> check_param_headers(const nlohmann::json& input_schema,
                                               const nlohmann::json& arguments, const http::Headers& headers);

}  // namespace mcp::transport
