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

// The header text for `value`: the value itself when it is visible ASCII
// without surrounding whitespace, else "=?base64?<payload>?=".
std::string encode_header_value(std::string_view value);

// The Mcp-Param-* headers a tools/call must carry for `arguments` under the
// tool's input schema (client side of check_param_headers).
http::Headers param_headers(const nlohmann::json& input_schema, const nlohmann::json& arguments);

// Why a tool's x-mcp-header annotations are unusable (empty or non-token
// names, names repeated ignoring case, annotations on properties that are
// not string, integer or boolean), or nullopt when they are fine. Clients must not call such tools.
std::optional<std::string> invalid_param_annotations(const nlohmann::json& input_schema);

// Checks every Mcp-Param-* header a tool's input schema asks for against the
// call's arguments; returns the first problem, or nullopt when they agree.
std::optional<std::string> check_param_headers(const nlohmann::json& input_schema,
                                               const nlohmann::json& arguments, const http::Headers& headers);

}  // namespace mcp::transport
