#pragma once
// Typed reads of JSON that came from a server. nlohmann's value() throws
// when a member exists with another type ({"level": 3}); these never throw:
// a missing or mistyped member gives the fallback.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace mcp_cli {

using Json = nlohmann::json;

inline const Json* member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

inline std::string text_of(const Json& obj, std::string_view key, std::string fallback = {}) {
  const Json* m = member(obj, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::move(fallback);
}

inline bool flag_of(const Json& obj, std::string_view key, bool fallback = false) {
  const Json* m = member(obj, key);
  return m != nullptr && m->is_boolean() ? m->get<bool>() : fallback;
}

inline double number_of(const Json& obj, std::string_view key, double fallback = 0) {
  const Json* m = member(obj, key);
  return m != nullptr && m->is_number() ? m->get<double>() : fallback;
}

// The member when it is an array (or object), else an empty one.
inline const Json& array_of(const Json& obj, std::string_view key) {
  static const Json kEmpty = Json::array();
  const Json* m = member(obj, key);
  return m != nullptr && m->is_array() ? *m : kEmpty;
}

inline const Json& object_of(const Json& obj, std::string_view key) {
  static const Json kEmpty = Json::object();
  const Json* m = member(obj, key);
  return m != nullptr && m->is_object() ? *m : kEmpty;
}

// Any member, null when absent.
inline Json any_of(const Json& obj, std::string_view key) {
  const Json* m = member(obj, key);
  return m != nullptr ? *m : Json();
}

}  // namespace mcp_cli
