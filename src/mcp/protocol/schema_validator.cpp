#include "mcp/protocol/schema_validator.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace mcp::protocol {
namespace {

using Json = nlohmann::json;

// Bounds $ref chains so a self-referencing schema yields an error instead of a stack overflow.
constexpr int kMaxRefDepth = 64;
// Bounds the $anchor scan of the schema document, which recurses on its nesting.
constexpr int kMaxScanDepth = 256;
constexpr std::size_t kMaxQuotedChars = 120;

// libstdc++'s default backtracking regex executor recurses per input character and overflows the stack
// on long strings (GCC PR 86164); its polynomial mode runs iteratively but rejects backreferences.
#if defined(__GLIBCXX__)
constexpr auto kRegexFlags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
constexpr auto kRegexFlags = std::regex::ECMAScript;
#endif

const Json* find(const Json& schema, std::string_view key) {
  const auto it = schema.find(key);
  return it == schema.end() ? nullptr : &*it;
}

const Json* find_array(const Json& schema, std::string_view key) {
  const Json* j = find(schema, key);
  return j != nullptr && j->is_array() ? j : nullptr;
}

const Json* find_number(const Json& schema, std::string_view key) {
  const Json* j = find(schema, key);
  return j != nullptr && j->is_number() ? j : nullptr;
}

bool is_integral(const Json& j) {
  return j.is_number_integer() || (j.is_number_float() && std::isfinite(j.get<double>()) &&
                                   std::floor(j.get<double>()) == j.get<double>());
}

bool is_negative(const Json& n) {
  return !n.is_number_unsigned() && (n.is_number_integer() ? n.get<std::int64_t>() < 0 : n.get<double>() < 0);
}

bool is_schema(const Json* j) {
  return j != nullptr && (j->is_object() || j->is_boolean());
}

// Non-negative integer keyword (3.0 accepted); anything else counts as absent.
std::optional<std::uint64_t> find_count(const Json& schema, std::string_view key) {
  const Json* j = find_number(schema, key);
  if (j == nullptr || !is_integral(*j) || is_negative(*j)) return std::nullopt;
  // Clamped so absurd float counts such as 1e300 don't overflow the conversion.
  return j->is_number_float() ? static_cast<std::uint64_t>(std::min(j->get<double>(), 1e18))
                              : j->get<std::uint64_t>();
}

// Schema values quoted in messages; never throws on invalid UTF-8 and stays short.
std::string quote(const Json& j) {
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kMaxQuotedChars) s = s.substr(0, kMaxQuotedChars) + "...";
  return s;
}

std::size_t count_code_points(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (const char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::uint64_t magnitude(const Json& integer) {
  if (integer.is_number_unsigned()) return integer.get<std::uint64_t>();
  const std::int64_t v = integer.get<std::int64_t>();
  return v < 0 ? ~static_cast<std::uint64_t>(v) + 1 : static_cast<std::uint64_t>(v);
}

// Three-way numeric comparison; exact for two integers so 64-bit bounds don't round through double.
int compare(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_neg = is_negative(a);
    if (a_neg != is_negative(b)) return a_neg ? -1 : 1;
    const std::uint64_t ma = magnitude(a), mb = magnitude(b);
    const int c = ma < mb ? -1 : ma > mb ? 1 : 0;
    return a_neg ? -c : c;
  }
  const double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : x > y ? 1 : 0;
}

bool is_multiple_of(const Json& value, const Json& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer())
    return magnitude(value) % magnitude(divisor) == 0;
  const double q = value.get<double>() / divisor.get<double>();
  // Tolerate a few ulps of rounding so decimal steps such as 0.3 / 0.1 still count as multiples.
  return std::isfinite(q) && std::abs(q - std::round(q)) <= 4 * DBL_EPSILON * std::max(1.0, std::abs(q));
}

// nullopt when `type` is not a JSON Schema type name.
std::optional<bool> has_type(const Json& v, const Json& type) {
  if (!type.is_string()) return std::nullopt;
  const auto& t = type.get_ref<const std::string&>();
  if (t == "integer") return is_integral(v);
  if (t == "number") return v.is_number();
  if (t == "string") return v.is_string();
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return std::nullopt;
}

class Validator {
 public:
  Validator(const Json& root, std::size_t max_errors) : root_(root), max_errors_(max_errors) {}

  // Checks `instance` against `schema`, recording errors located at `path` ("" is the root).
  bool check(const Json& schema, const Json& instance, const std::string& path, int refs) {
    if (schema.is_boolean()) return schema.get<bool>() || fail(path, "no value is allowed here");
    if (!schema.is_object()) return true;  // malformed schema: constrains nothing
    using Step = bool (Validator::*)(const Json&, const Json&, const std::string&, int);
    static constexpr Step kSteps[] = {&Validator::check_ref,    &Validator::check_generic,
                                      &Validator::check_number, &Validator::check_string,
                                      &Validator::check_array,  &Validator::check_object,
                                      &Validator::check_logic};
    bool ok = true;
    for (const Step step : kSteps) {
      ok = (this->*step)(schema, instance, path, refs) && ok;
      if (!ok && full()) return false;  // nothing more can be recorded, and the result is known
    }
    return ok;
  }

  std::vector<std::string> take_errors() { return std::move(errors_); }

 private:
  bool full() const { return errors_.size() >= max_errors_; }

  bool fail(const std::string& path, const std::string& message) {
    if (!full()) errors_.push_back((path.empty() ? "/" : path) + ": " + message);
    return false;
  }

  // Validity only, for applicators whose failing branches are not errors themselves (anyOf, not, if...).
  bool matches(const Json& schema, const Json& instance, const std::string& path, int refs) {
    std::vector<std::string> saved;
    saved.swap(errors_);
    const std::size_t saved_max = std::exchange(max_errors_, 1);
    const bool ok = check(schema, instance, path, refs);
    errors_.swap(saved);
    max_errors_ = saved_max;
    return ok;
  }

  bool check_ref(const Json& schema, const Json& instance, const std::string& path, int refs) {
    const Json* ref = find(schema, "$ref");
    if (ref == nullptr || !ref->is_string()) return true;
    if (refs >= kMaxRefDepth) {
      return fail(path,
                  "$ref nesting exceeds " + std::to_string(kMaxRefDepth) + " levels (recursive schema?)");
    }
    const Json* target = resolve(ref->get<std::string>());
    // Remote or dangling references are the schema author's problem; don't reject arguments for them.
    return target == nullptr || check(*target, instance, path, refs + 1);
  }

  bool check_generic(const Json& schema, const Json& instance, const std::string& path, int) {
    bool ok = true;
    if (const Json* type = find(schema, "type")) {
      // The common single-type case allocates nothing; the message is built
      // only when the check fails.
      bool known = false;
      bool matched = false;
      const auto consider = [&](const Json& t) {
        const auto has = has_type(instance, t);
        if (!has) return;
        known = true;
        matched = matched || *has;
      };
      if (type->is_array()) {
        for (const Json& t : *type) consider(t);
      } else {
        consider(*type);
      }
      if (known && !matched) {
        std::string expected;
        for (const Json& t : type->is_array() ? *type : Json::array({*type})) {
          if (!has_type(instance, t)) continue;
          expected += (expected.empty() ? "" : " or ") + t.get<std::string>();
        }
        ok = fail(path, "expected " + expected + ", got " + instance.type_name());
      }
    }
    if (const Json* e = find_array(schema, "enum");
        e != nullptr && std::find(e->begin(), e->end(), instance) == e->end()) {
      ok = fail(path, "must be one of " + quote(*e));
    }
    if (const Json* c = find(schema, "const"); c != nullptr && *c != instance)
      ok = fail(path, "must equal " + quote(*c));
    return ok;
  }

  bool check_number(const Json& schema, const Json& instance, const std::string& path, int) {
    if (!instance.is_number()) return true;
    bool ok = true;
    // `sign` is the side of the bound the value must stay on; `exclusive` forbids equality.
    const auto bound = [&](const Json* limit, bool exclusive, int sign) {
      if (limit == nullptr) return;
      const int c = compare(instance, *limit) * sign;
      if (c < 0 || (exclusive && c == 0)) {
        ok = fail(path, std::string("must be ") + (sign > 0 ? ">" : "<") + (exclusive ? " " : "= ") +
                            quote(*limit));
      }
    };
    // Draft-04 spelled exclusivity as a boolean modifier of minimum/maximum.
    const Json* ex_min = find(schema, "exclusiveMinimum");
    const Json* ex_max = find(schema, "exclusiveMaximum");
    bound(find_number(schema, "minimum"), ex_min != nullptr && *ex_min == true, 1);
    bound(find_number(schema, "maximum"), ex_max != nullptr && *ex_max == true, -1);
    bound(find_number(schema, "exclusiveMinimum"), true, 1);
    bound(find_number(schema, "exclusiveMaximum"), true, -1);
    if (const Json* m = find_number(schema, "multipleOf");
        m != nullptr && compare(*m, Json(0)) > 0 && !is_multiple_of(instance, *m)) {
      ok = fail(path, "must be a multiple of " + quote(*m));
    }
    return ok;
  }

  bool check_string(const Json& schema, const Json& instance, const std::string& path, int) {
    if (!instance.is_string()) return true;
    const auto& s = instance.get_ref<const std::string&>();
    bool ok = true;
    if (const auto min = find_count(schema, "minLength"); min && count_code_points(s) < *min) {
      ok = fail(path, "must be at least " + std::to_string(*min) + " characters long");
    }
    if (const auto max = find_count(schema, "maxLength"); max && count_code_points(s) > *max) {
      ok = fail(path, "must be at most " + std::to_string(*max) + " characters long");
    }
    if (const Json* p = find(schema, "pattern");
        p != nullptr && p->is_string() && search(p->get<std::string>(), s) == false) {
      ok = fail(path, "must match pattern " + quote(*p));
    }
    return ok;
  }

  bool check_array(const Json& schema, const Json& instance, const std::string& path, int refs) {
    if (!instance.is_array()) return true;
    bool ok = true;
    const std::size_t size = instance.size();
    if (const auto min = find_count(schema, "minItems"); min && size < *min) {
      ok = fail(path, "must have at least " + std::to_string(*min) + " items");
    }
    if (const auto max = find_count(schema, "maxItems"); max && size > *max) {
      ok = fail(path, "must have at most " + std::to_string(*max) + " items");
    }
    if (const Json* unique = find(schema, "uniqueItems"); unique != nullptr && *unique == true) {
      bool duplicate = false;
      for (std::size_t i = 0; i < size && !duplicate; ++i) {
        for (std::size_t j = i + 1; j < size && !duplicate; ++j) {
          if (instance[i] != instance[j]) continue;
          duplicate = true;
          ok = fail(path, "items must be unique (items " + std::to_string(i) + " and " + std::to_string(j) +
                              " are equal)");
        }
      }
    }
    // 2020-12 prefixItems + items; earlier drafts spelled the same as array-form items + additionalItems.
    const Json* items = find(schema, "items");
    const Json* prefix = find_array(schema, "prefixItems");
    const Json* rest = items;
    if (prefix == nullptr && items != nullptr && items->is_array()) {
      prefix = items;
      rest = find(schema, "additionalItems");
    }
    for (std::size_t i = 0; i < size && !(full() && !ok); ++i) {
      const Json* item_schema = prefix != nullptr && i < prefix->size() ? &(*prefix)[i] : rest;
      if (is_schema(item_schema))
        ok = check(*item_schema, instance[i], path + "/" + std::to_string(i), refs) && ok;
    }
    return ok;
  }

  bool check_object(const Json& schema, const Json& instance, const std::string& path, int refs) {
    if (!instance.is_object()) return true;
    bool ok = true;
    if (const Json* required = find_array(schema, "required")) {
      for (const Json& name : *required) {
        if (name.is_string() && !instance.contains(name.get<std::string>())) {
          ok = fail(path, "missing required property " + quote(name));
        }
      }
    }
    if (const auto min = find_count(schema, "minProperties"); min && instance.size() < *min) {
      ok = fail(path, "must have at least " + std::to_string(*min) + " properties");
    }
    if (const auto max = find_count(schema, "maxProperties"); max && instance.size() > *max) {
      ok = fail(path, "must have at most " + std::to_string(*max) + " properties");
    }
    const Json* properties = find(schema, "properties");
    const Json* patterns = find(schema, "patternProperties");
    const Json* additional = find(schema, "additionalProperties");
    for (const auto& [key, value] : instance.items()) {
      if (full() && !ok) break;
      const std::string child = path + "/" + escape_pointer_token(key);
      bool known = false;
      if (properties != nullptr && properties->is_object()) {
        if (const Json* sub = find(*properties, key); is_schema(sub)) {
          known = true;
          ok = check(*sub, value, child, refs) && ok;
        }
      }
      if (patterns != nullptr && patterns->is_object()) {
        for (const auto& [pattern, sub] : patterns->items()) {
          if (is_schema(&sub) && search(pattern, key) == true) {
            known = true;
            ok = check(sub, value, child, refs) && ok;
          }
        }
      }
      if (known || !is_schema(additional)) continue;
      if (*additional == false)
        ok = fail(child, "property not allowed");
      else
        ok = check(*additional, value, child, refs) && ok;
    }
    return ok;
  }

  bool check_logic(const Json& schema, const Json& instance, const std::string& path, int refs) {
    bool ok = true;
    if (const Json* all = find_array(schema, "allOf")) {
      for (const Json& sub : *all) {
        ok = check(sub, instance, path, refs) && ok;
        if (!ok && full()) return false;
      }
    }
    // Empty anyOf/oneOf arrays are malformed and therefore ignored rather than rejecting everything.
    if (const Json* any = find_array(schema, "anyOf"); any != nullptr && !any->empty()) {
      const bool matched = std::any_of(any->begin(), any->end(),
                                       [&](const Json& sub) { return matches(sub, instance, path, refs); });
      if (!matched) ok = fail(path, "must match at least one schema in anyOf");
    }
    if (const Json* one = find_array(schema, "oneOf"); one != nullptr && !one->empty()) {
      int matched = 0;
      for (auto it = one->begin(); it != one->end() && matched < 2; ++it)
        matched += matches(*it, instance, path, refs);
      if (matched != 1) {
        ok = fail(path, "must match exactly one schema in oneOf (matched " +
                            std::string(matched ? "several" : "none") + ")");
      }
    }
    if (const Json* n = find(schema, "not"); is_schema(n) && matches(*n, instance, path, refs)) {
      ok = fail(path, "must not match the schema in \"not\"");
    }
    if (const Json* cond = find(schema, "if"); is_schema(cond)) {
      const Json* branch = find(schema, matches(*cond, instance, path, refs) ? "then" : "else");
      if (is_schema(branch)) ok = check(*branch, instance, path, refs) && ok;
    }
    return ok;
  }

  // nullopt for unusable patterns (bad syntax, backreferences, executor limits), which callers ignore.
  std::optional<bool> search(const std::string& pattern, const std::string& text) {
    auto [it, inserted] = regexes_.try_emplace(pattern);  // a pattern that fails to compile stays nullopt
    try {
      if (inserted) it->second.emplace(pattern, kRegexFlags);
      return it->second ? std::optional(std::regex_search(text, *it->second)) : std::nullopt;
    } catch (const std::regex_error&) {
      return std::nullopt;
    }
  }

  // Resolves "#", "#/json/pointer" and "#anchor" against the root schema; nullptr when not local or absent.
  const Json* resolve(const std::string& ref) {
    if (ref.empty() || ref[0] != '#') return nullptr;
    const std::string fragment = ref.substr(1);
    if (fragment.empty()) return &root_;
    if (fragment[0] == '/') {
      try {
        return &root_.at(Json::json_pointer(fragment));
      } catch (const Json::exception&) {  // malformed pointer or no such location
        return nullptr;
      }
    }
    if (!anchors_) {
      anchors_.emplace();
      index_anchors(root_, 0);
    }
    const auto it = anchors_->find(fragment);
    return it == anchors_->end() ? nullptr : it->second;
  }

  void index_anchors(const Json& node, int depth) {
    if (depth > kMaxScanDepth) return;
    if (node.is_array()) {
      for (const Json& child : node) index_anchors(child, depth + 1);
      return;
    }
    if (!node.is_object()) return;
    // First definition wins; draft-07 spelled anchors as "$id": "#name".
    if (const Json* a = find(node, "$anchor"); a != nullptr && a->is_string())
      anchors_->try_emplace(a->get<std::string>(), &node);
    if (const Json* id = find(node, "$id"); id != nullptr && id->is_string()) {
      const auto& s = id->get_ref<const std::string&>();
      if (s.size() > 1 && s[0] == '#') anchors_->try_emplace(s.substr(1), &node);
    }
    for (const auto& [key, child] : node.items()) {
      // Literal data, not subschemas: an "$anchor" key inside a const value is not an anchor.
      if (key != "enum" && key != "const" && key != "default" && key != "examples")
        index_anchors(child, depth + 1);
    }
  }

  const Json& root_;
  std::size_t max_errors_;
  std::vector<std::string> errors_;
  std::map<std::string, std::optional<std::regex>> regexes_;
  std::optional<std::unordered_map<std::string, const Json*>> anchors_;
};

}  // namespace

std::vector<std::string> validate_json_schema(const nlohmann::json& schema, const nlohmann::json& instance,
                                              std::size_t max_errors) {
  try {
    Validator validator(schema, std::max<std::size_t>(max_errors, 1));
    validator.check(schema, instance, "", 0);
    return validator.take_errors();
  } catch (const std::exception& e) {
    // Only resource exhaustion should land here; refuse rather than let unchecked arguments through.
    return {std::string("/: schema validation failed: ") + e.what()};
  } catch (...) {
    return {"/: schema validation failed"};
  }
}

}  // namespace mcp::protocol
