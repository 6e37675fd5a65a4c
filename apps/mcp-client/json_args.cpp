#include "json_args.hpp"

#include "mcp/util/strings.hpp"

namespace mcp_cli {
namespace {

constexpr std::size_t kMaxEcho = 120;  // longer input is not echoed with a caret

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 6: ..."; keep the
// explanation.
std::string explanation(const std::string& what) {
  const auto colon = what.find(": ");
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

mcp::util::Expected<nlohmann::json, std::string> parse_json_object(std::string_view text) {
  const std::string_view trimmed = mcp::util::trim(text);
  if (trimmed.empty()) return nlohmann::json::object();
  try {
    nlohmann::json value = nlohmann::json::parse(trimmed);
    if (!value.is_object()) {
      return mcp::util::unexpected("arguments must be a JSON object like {\"name\":\"value\"}, not " +
                                   std::string(value.type_name()));
    }
    return value;
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t position = e.byte == 0 ? 1 : e.byte;  // 1-based
    std::string message =
        "invalid JSON arguments at character " + std::to_string(position) + ": " + explanation(e.what());
    if (trimmed.size() <= kMaxEcho && trimmed.find('\n') == std::string_view::npos) {
      message += "\n  " + std::string(trimmed) + "\n  " +
                 std::string(std::min(position - 1, trimmed.size()), ' ') + "^";
    }
    return mcp::util::unexpected(std::move(message));
  }
}

}  // namespace mcp_cli
