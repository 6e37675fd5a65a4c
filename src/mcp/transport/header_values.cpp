#include "mcp/transport/header_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

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

std::string encode_header_value(std::string_view value) {
  bool plain = value.empty() ||
               (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' && value.back() != '\t');
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) plain = false;
  }
  if (plain && !value.starts_with("=?")) return std::string(value);
  return "=?base64?" + util::base64_encode(value) + "?=";
}

http::Headers param_headers(const nlohmann::json& input_schema, const nlohmann::json& arguments) {
  http::Headers out;
  if (!input_schema.is_object() || !arguments.is_object()) return out;
  const auto props = input_schema.find("properties");
  if (props == input_schema.end() || !props->is_object()) return out;
  for (const auto& [name, prop] : props->items()) {
    if (!prop.is_object()) continue;
    const auto h = prop.find("x-mcp-header");
    if (h == prop.end() || !h->is_string()) continue;
    const auto arg = arguments.find(name);
    if (arg == arguments.end() || arg->is_null()) continue;
    if (const auto text = expected_text(*arg)) {
      out.add("Mcp-Param-" + h->get<std::string>(), encode_header_value(*text));
    }
  }
  return out;
}

std::optional<std::string> invalid_param_annotations(const nlohmann::json& input_schema) {
  if (!input_schema.is_object()) return std::nullopt;
  const auto props = input_schema.find("properties");
  if (props == input_schema.end() || !props->is_object()) return std::nullopt;
  std::vector<std::string> seen;
  for (const auto& [name, prop] : props->items()) {
    if (!prop.is_object()) continue;
    const auto h = prop.find("x-mcp-header");
    if (h == prop.end()) continue;
    if (!h->is_string() || h->get_ref<const std::string&>().empty()) {
      return fmt::format("property '{}': x-mcp-header must be a non-empty string", name);
    }
    const std::string& header = h->get_ref<const std::string&>();
    // RFC 9110 token characters.
    const bool token = std::all_of(header.begin(), header.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
    if (!token)
      return fmt::format("property '{}': x-mcp-header '{}' is not a valid header name", name, header);
    for (const auto& other : seen) {
      if (util::iequals(other, header)) return fmt::format("x-mcp-header '{}' is used twice", header);
    }
    seen.push_back(header);
    if (const auto t = prop.find("type"); t != prop.end()) {
      // Not `number`: a float has no single text form to compare.
      const bool allowed = t->is_string() && (*t == "string" || *t == "integer" || *t == "boolean");
      if (!allowed)
        return fmt::format("property '{}': x-mcp-header needs a string, integer or boolean", name);
    }
  }
  return std::nullopt;
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
