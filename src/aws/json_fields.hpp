#pragma once
// Tolerant reads of AWS JSON answers: a missing or mistyped field yields a
// default instead of an exception (nothing may throw out of the module).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace aws {

// Parses without throwing; a discarded value (is_discarded()) on bad input.
inline nlohmann::json parse_json(std::string_view text) {
  return nlohmann::json::parse(text, nullptr, false);
}

// The member `key` of an object, or null.
inline const nlohmann::json* member(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(std::string(key));
  return it == j.end() ? nullptr : &*it;
}

inline std::string string_field(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* v = member(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

inline std::optional<double> number_field(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* v = member(j, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

inline std::optional<std::int64_t> integer_field(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* v = member(j, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  return static_cast<std::int64_t>(v->get<double>());
}

inline bool bool_field(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* v = member(j, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

// The array member `key`, or an empty array.
inline const nlohmann::json& array_field(const nlohmann::json& j, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json* v = member(j, key);
  return v != nullptr && v->is_array() ? *v : kEmpty;
}

}  // namespace aws
