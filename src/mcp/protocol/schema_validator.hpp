#pragma once
// Compact JSON Schema (2020-12 subset) validator for MCP tool arguments, so bad arguments can be
// reported as an `isError` tool result before the handler runs.
//
// Supported: boolean schemas, type, enum, const, properties, required, additionalProperties,
// patternProperties, items, prefixItems (and draft-04 array-form items / additionalItems), minItems,
// maxItems, uniqueItems, minLength, maxLength (code points), pattern (ECMAScript), minimum, maximum,
// exclusiveMinimum, exclusiveMaximum (numeric and draft-04 boolean forms), multipleOf, minProperties,
// maxProperties, allOf, anyOf, oneOf, not, if/then/else and local $ref ("#", JSON pointers, $anchor).
// Unknown keywords, `format`, non-local $refs and malformed keyword values are ignored.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mcp::protocol {

// Returns an empty vector when `instance` is valid against `schema`; otherwise human-readable problems,
// each prefixed with a JSON-pointer-like location, e.g. "/name: expected string, got number",
// "/: missing required property \"name\"", "/days: must be > 0". At most `max_errors` are collected
// (0 is treated as 1 so an invalid instance never looks valid). Never throws.
std::vector<std::string> validate_json_schema(const nlohmann::json& schema, const nlohmann::json& instance,
                                              std::size_t max_errors = 8);

}  // namespace mcp::protocol
