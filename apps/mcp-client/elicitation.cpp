#include "elicitation.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "json_fields.hpp"
#include "mcp/util/expected.hpp"
#include "mcp/util/strings.hpp"

namespace mcp_cli {
namespace {

using Json = nlohmann::json;

struct Choice {
  Json value;
  std::string title;
};

enum class Refusal { kNone, kDecline, kCancel };

struct FieldAnswer {
  std::optional<Json> value;  // nullopt: leave the field out
  Refusal refusal = Refusal::kNone;
};

const Json& properties_of(const Json& params) {
  static const Json kEmpty = Json::object();
  const auto schema = params.find("requestedSchema");
  if (schema == params.end() || !schema->is_object()) return kEmpty;
  const auto props = schema->find("properties");
  return props != schema->end() && props->is_object() ? *props : kEmpty;
}

std::vector<std::string> required_of(const Json& params) {
  std::vector<std::string> names;
  const auto schema = params.find("requestedSchema");
  if (schema == params.end() || !schema->is_object()) return names;
  const auto required = schema->find("required");
  if (required == schema->end() || !required->is_array()) return names;
  for (const Json& name : *required) {
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  return names;
}

// Titled or plain enum options of a string schema (enum + enumNames, or
// oneOf/anyOf of {const, title}).
std::vector<Choice> choices_of(const Json& schema) {
  std::vector<Choice> choices;
  if (const auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    const Json names = array_of(schema, "enumNames");
    for (std::size_t i = 0; i < e->size(); ++i) {
      const Json& v = (*e)[i];
      const std::string title = i < names.size() && names[i].is_string() ? names[i].get<std::string>()
                                : v.is_string()                          ? v.get<std::string>()
                                                                         : v.dump();
      choices.push_back({v, title});
    }
    return choices;
  }
  for (const char* key : {"oneOf", "anyOf"}) {
    const auto list = schema.find(key);
    if (list == schema.end() || !list->is_array()) continue;
    for (const Json& option : *list) {
      if (!option.is_object() || !option.contains("const")) continue;
      const Json& v = option["const"];
      choices.push_back({v, text_of(option, "title", v.is_string() ? v.get<std::string>() : v.dump())});
    }
    if (!choices.empty()) return choices;
  }
  return choices;
}

std::string type_of(const Json& schema) {
  return text_of(schema, "type", "string");
}

std::string describe_default(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Matches input against choices by number (1-based), value or title.
std::optional<Json> pick(const std::vector<Choice>& choices, std::string_view input) {
  char* end = nullptr;
  const std::string text(input);
  const long n = std::strtol(text.c_str(), &end, 10);
  if (end != text.c_str() && *end == '\0' && n >= 1 && static_cast<std::size_t>(n) <= choices.size()) {
    return choices[static_cast<std::size_t>(n) - 1].value;
  }
  for (const Choice& c : choices) {
    if ((c.value.is_string() && c.value.get<std::string>() == input) || c.title == input) return c.value;
  }
  return std::nullopt;
}

// Parses and validates one answer; the error says what is wrong.
mcp::util::Expected<Json, std::string> parse_value(const Json& schema, std::string_view input) {
  const std::string type = type_of(schema);
  if (type == "boolean") {
    const std::string lower = [&] {
      std::string s(input);
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    }();
    if (lower == "y" || lower == "yes" || lower == "true" || lower == "1") return Json(true);
    if (lower == "n" || lower == "no" || lower == "false" || lower == "0") return Json(false);
    return mcp::util::unexpected(std::string("answer yes or no"));
  }
  if (type == "number" || type == "integer") {
    const std::string text(input);
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end == text.c_str() || *end != '\0' || errno == ERANGE) {
      return mcp::util::unexpected(std::string("enter a number"));
    }
    // The range check comes first: casting an out-of-range double is undefined.
    if (type == "integer" && (std::fabs(value) > 9.007199254740992e15 ||
                              value != static_cast<double>(static_cast<long long>(value)))) {
      return mcp::util::unexpected(std::string("enter a whole number"));
    }
    if (schema.contains("minimum") && schema["minimum"].is_number() &&
        value < schema["minimum"].get<double>()) {
      return mcp::util::unexpected("the minimum is " + schema["minimum"].dump());
    }
    if (schema.contains("maximum") && schema["maximum"].is_number() &&
        value > schema["maximum"].get<double>()) {
      return mcp::util::unexpected("the maximum is " + schema["maximum"].dump());
    }
    return type == "integer" ? Json(static_cast<long long>(value)) : Json(value);
  }
  if (type == "array") {
    const Json items = object_of(schema, "items");
    const std::vector<Choice> choices = choices_of(items);
    Json picked = Json::array();
    for (const std::string& part : mcp::util::split_list(input, ',')) {
      const auto value = choices.empty() ? std::optional<Json>(Json(part)) : pick(choices, part);
      if (!value) return mcp::util::unexpected("not one of the options: " + part);
      picked.push_back(*value);
    }
    if (schema.contains("minItems") && picked.size() < schema["minItems"].get<std::size_t>()) {
      return mcp::util::unexpected("choose at least " + schema["minItems"].dump());
    }
    if (schema.contains("maxItems") && picked.size() > schema["maxItems"].get<std::size_t>()) {
      return mcp::util::unexpected("choose at most " + schema["maxItems"].dump());
    }
    return picked;
  }
  // string
  if (const std::vector<Choice> choices = choices_of(schema); !choices.empty()) {
    if (auto value = pick(choices, input)) return *value;
    return mcp::util::unexpected(std::string("choose one of the options (number or value)"));
  }
  const std::size_t length = input.size();
  if (schema.contains("minLength") && length < schema["minLength"].get<std::size_t>()) {
    return mcp::util::unexpected("at least " + schema["minLength"].dump() + " characters");
  }
  if (schema.contains("maxLength") && length > schema["maxLength"].get<std::size_t>()) {
    return mcp::util::unexpected("at most " + schema["maxLength"].dump() + " characters");
  }
  const std::string format = text_of(schema, "format");
  if (format == "email" && (input.find('@') == 0 || input.find('@') == std::string_view::npos)) {
    return mcp::util::unexpected(std::string("enter an email address"));
  }
  if (format == "uri" && input.find(':') == std::string_view::npos) {
    return mcp::util::unexpected(std::string("enter an absolute URI"));
  }
  if (format == "date" && (input.size() != 10 || input[4] != '-' || input[7] != '-')) {
    return mcp::util::unexpected(std::string("enter a date as YYYY-MM-DD"));
  }
  return Json(std::string(input));
}

FieldAnswer ask_field(const std::string& name, const Json& schema, bool required, Console& console,
                      LineReader& reader) {
  const std::string type = type_of(schema);
  std::string label = text_of(schema, "title", name);
  const std::string description = text_of(schema, "description");
  if (!description.empty() && description != label) console.out("  " + label + ": " + description);

  std::vector<Choice> choices = type == "array" ? choices_of(object_of(schema, "items")) : choices_of(schema);
  for (std::size_t i = 0; i < choices.size(); ++i) {
    console.out("    " + std::to_string(i + 1) + ") " + choices[i].title);
  }
  std::string hint = type;
  if (type == "array") hint = "choices, comma-separated";
  if (required) hint += ", required";
  const auto def = schema.find("default");
  const bool has_default = def != schema.end();
  std::string prompt = "  " + label + " (" + hint + ")";
  if (has_default) {
    std::string shown;
    if (def->is_array()) {
      for (const Json& v : *def) shown += (shown.empty() ? "" : ",") + describe_default(v);
    } else {
      shown = describe_default(*def);
    }
    prompt += " [" + shown + "]";
  }
  prompt += ": ";

  for (;;) {
    const auto line = reader.read_line(prompt);
    if (!line) return {std::nullopt, Refusal::kCancel};
    const std::string input(mcp::util::trim(*line));
    if (input == "/decline") return {std::nullopt, Refusal::kDecline};
    if (input == "/cancel") return {std::nullopt, Refusal::kCancel};
    if (input.empty()) {
      if (has_default) return {*def};
      if (!required) return {std::nullopt};
      console.out("    A value is required (or /decline, /cancel).");
      continue;
    }
    auto value = parse_value(schema, input);
    if (value) return {*value};
    console.out("    Invalid: " + value.error());
  }
}

}  // namespace

Json answer_with_defaults(const Json& params) {
  const Json& props = properties_of(params);
  Json content = Json::object();
  for (const auto& [name, schema] : props.items()) {
    if (schema.is_object() && schema.contains("default")) content[name] = schema["default"];
  }
  for (const std::string& name : required_of(params)) {
    if (!content.contains(name)) return Json{{"action", "decline"}};
  }
  return Json{{"action", "accept"}, {"content", std::move(content)}};
}

Json ask_user(const Json& params, Console& console, LineReader& reader) {
  console.clear_status();
  if (text_of(params, "mode", "form") == "url") {
    console.out(console.paint(Color::kYellow, "The server asks you to open a URL: ") +
                text_of(params, "url"));
    if (const std::string message = text_of(params, "message"); !message.empty()) console.out("  " + message);
    console.out("  This client only answers form elicitations; declined.");
    return Json{{"action", "decline"}};
  }
  console.out(console.paint(Color::kBold, "The server asks for input: ") + text_of(params, "message"));
  console.out(
      console.paint(Color::kDim, "  (Enter takes the default in brackets; /decline or /cancel refuses)"));
  const std::vector<std::string> required = required_of(params);
  Json content = Json::object();
  for (const auto& [name, schema] : properties_of(params).items()) {
    if (!schema.is_object()) continue;
    const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
    FieldAnswer answer = ask_field(name, schema, is_required, console, reader);
    if (answer.refusal == Refusal::kDecline) {
      console.out("  Declined.");
      return Json{{"action", "decline"}};
    }
    if (answer.refusal == Refusal::kCancel) {
      console.out("  Cancelled.");
      return Json{{"action", "cancel"}};
    }
    if (answer.value) content[name] = *answer.value;
  }
  return Json{{"action", "accept"}, {"content", std::move(content)}};
}

}  // namespace mcp_cli
