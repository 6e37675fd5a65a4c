#include "mcp/transport/header_values.hpp"

#include <fmt/format.h>

#include "mcp/util/base64.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::transport {

namespace {

bool strict_base64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) return false;  // '=' only at the end
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return pad <= 2;
}

// The text a header must carry for an argument value.
std::optional<std::string> expected_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_float()) return v.dump();
  return std::nullopt;
}

bool numbers_equal(const nlohmann::json& v, std::string_view text) {
  try {
    return v.get<double>() == std::stod(std::string(text));
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::optional<std::string> decode_header_value(std::string_view value) {
  constexpr std::string_view kPrefix = "=?base64?";
  constexpr std::string_view kSuffix = "?=";
  if (!(value.starts_with(kPrefix) && value.ends_with(kSuffix) &&
        value.size() >= kPrefix.size() + kSuffix.size())) {
    return std::string(value);
  }
  const auto payload = value.substr(kPrefix.size(), value.size() - kPrefix.size() - kSuffix.size());
  if (!strict_base64(payload)) return std::nullopt;
  return util::base64_decode(payload);
}

std::optional<std::string> check_param_headers(const nlohmann::json& input_schema,
                                               const nlohmann::json& arguments,
                                               const http::Headers& headers) {
  if (!input_schema.is_object()) return std::nullopt;
  const auto props = input_schema.find("properties");
  if (props == input_schema.end() || !props->is_object()) return std::nullopt;
  for (const auto& [name, prop] : props->items()) {
    if (!prop.is_object()) continue;
    const auto h = prop.find("x-mcp-header");
    if (h == prop.end() || !h->is_string()) continue;
    const std::string header = "Mcp-Param-" + h->get<std::string>();
    const auto arg = arguments.is_object() ? arguments.find(name) : arguments.end();
    const bool has_value = arguments.is_object() && arg != arguments.end() && !arg->is_null();
    const auto raw = headers.get(header);
    if (!has_value) continue;
    if (!raw) return fmt::format("{} header is required", header);
    const auto decoded = decode_header_value(util::trim(*raw));
    if (!decoded) return fmt::format("{} is not valid base64", header);
    const bool same = arg->is_number() ? numbers_equal(*arg, *decoded) : expected_text(*arg) == *decoded;
    if (!same) return fmt::format("{} does not match argument {}", header, name);
  }
  return std::nullopt;
}

}  // namespace mcp::transport
