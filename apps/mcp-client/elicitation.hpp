#pragma once
// Answers to elicitation/create: asking a person field by field from the
// requested schema, or (non-interactive) accepting the schema's defaults.
#include <nlohmann/json.hpp>

#include "console.hpp"
#include "line_reader.hpp"

namespace mcp_cli {

// {"action":"accept","content":{every field that has a default}} when each
// required field has a default, else {"action":"decline"}.
nlohmann::json answer_with_defaults(const nlohmann::json& params);

// Asks for each field of params.requestedSchema (defaults prefilled: empty
// input takes them), validating types, enums and bounds. "/decline" or
// "/cancel" at any field, or Ctrl-C / end of input (cancel), refuse.
nlohmann::json ask_user(const nlohmann::json& params, Console& console, LineReader& reader);

}  // namespace mcp_cli
