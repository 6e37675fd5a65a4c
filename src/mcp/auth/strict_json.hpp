#pragma once
// A JSON parser for security-sensitive input (JWT headers and payloads,
// JWKS documents). nlohmann's default parser lets the last duplicate member
// win, which lets two parties read different claims from the same token;
// this one rejects duplicates at any depth, deep nesting, invalid UTF-8
// (including unpaired surrogate escapes), a byte order mark and trailing
// data.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/util/expected.hpp"

namespace mcp {
using Json = nlohmann::json;
}

namespace mcp::auth {

inline constexpr std::size_t kDefaultMaxJsonDepth = 32;

// nullopt on any problem.
std::optional<Json> parse_strict_json(std::string_view text, std::size_t max_depth = kDefaultMaxJsonDepth);

// The same, with a short reason on failure: "duplicate JSON member",
// "JSON nesting too deep" or "invalid JSON".
util::Expected<Json, std::string> parse_strict_json_or_error(std::string_view text,
                                                             std::size_t max_depth = kDefaultMaxJsonDepth);

}  // namespace mcp::auth
