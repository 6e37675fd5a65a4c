// Tools, prompts and resources.
#include <cerrno>
#include <cstdlib>

#include "command_handlers.hpp"
#include "json_args.hpp"
#include "json_fields.hpp"
#include "render.hpp"

namespace mcp_cli::handlers {
namespace {

constexpr int kMaxPages = 100;  // bounds pagination against a server that never ends it
constexpr const char* kDefaultName = "MCP User";
constexpr const char* kDefaultRegion = "us-east-1";
constexpr const char* kDefaultLogGroup = "/aws/bedrock/modelinvocations";
constexpr const char* kReportTool = "get_bedrock_usage_report";

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// Every page of a list method, merged into one result {list_key: [...]}.
mcp::util::Expected<Json, Failure> list_all(Connection& connection, const std::string& method,
                                            const char* list_key) {
  Json items = Json::array();
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    Json params = Json::object();
    if (!cursor.empty()) params["cursor"] = cursor;
    auto result = connection.request(method, params, false);
    if (!result) return result;
    if (const auto it = result->find(list_key); it != result->end() && it->is_array()) {
      for (Json& item : *it) items.push_back(std::move(item));
    }
    cursor = text_of(*result, "nextCursor");
    if (cursor.empty()) break;
  }
  return Json{{list_key, std::move(items)}};
}

CommandResult call(CommandContext& context, const std::string& name, Json arguments) {
  auto result =
      context.connection.request("tools/call", Json{{"name", name}, {"arguments", std::move(arguments)}});
  if (!result) return failed(context, result.error());
  return {render_tool_result(context.console, *result) ? ExitCode::kFailed : ExitCode::kOk};
}

// The rest of the line after the first word (a tool or prompt name).
std::string after_first_word(const std::string& rest) {
  const auto space = rest.find_first_of(" \t");
  return space == std::string::npos ? std::string() : rest.substr(space + 1);
}

}  // namespace

CommandResult list_tools(CommandContext& context, const CommandInput&) {
  auto result = list_all(context.connection, "tools/list", "tools");
  if (!result) return failed(context, result.error());
  context.connection.remember_tools(*result);
  Console& console = context.console;
  if (console.json()) {
    console.out(result->dump());
    return {};
  }
  console.out("Available tools:");
  const Json& tools = (*result)["tools"];
  if (tools.empty()) console.out("  No tools available");
  for (const Json& tool : tools) {
    const std::string desc = first_line(text_of(tool, "description"));
    console.out("  - " + text_of(tool, "name") + (desc.empty() ? "" : ": " + desc));
  }
  return {};
}

CommandResult call_tool(CommandContext& context, const CommandInput& input) {
  if (input.words.empty()) return usage(context, "Usage: call-tool <name> [json-arguments]");
  auto arguments = parse_json_object(after_first_word(input.rest));
  if (!arguments) return usage(context, arguments.error());
  return call(context, input.words[0], std::move(*arguments));
}

CommandResult greet(CommandContext& context, const CommandInput& input) {
  return call(context, "greet", Json{{"name", input.rest.empty() ? kDefaultName : input.rest}});
}

CommandResult multi_greet(CommandContext& context, const CommandInput& input) {
  context.console.note("Calling multi-greet tool with notifications...");
  return call(context, "multi-greet", Json{{"name", input.rest.empty() ? kDefaultName : input.rest}});
}

CommandResult bedrock_report(CommandContext& context, const CommandInput& input) {
  const auto& w = input.words;
  if (!w.empty() && w.size() < 3) {
    return usage(context,
                 "Usage: bedrock-report [region log_group_name days [aws_account_id]]\n"
                 "(Provide all 3 required args or none to use defaults)");
  }
  if (w.size() > 4)
    return usage(context, "Usage: bedrock-report [region log_group_name days [aws_account_id]]");
  Json arguments{{"region", w.empty() ? kDefaultRegion : w[0]},
                 {"log_group_name", w.empty() ? kDefaultLogGroup : w[1]}};
  long long days = 1;
  if (!w.empty()) {
    char* end = nullptr;
    errno = 0;
    days = std::strtoll(w[2].c_str(), &end, 10);
    if (*end != '\0' || end == w[2].c_str() || errno == ERANGE || days <= 0) {
      return usage(context, "Invalid number of days. Must be a positive integer.");
    }
  }
  arguments["days"] = days;
  std::string line = "Running bedrock-report with " + std::string(w.empty() ? "defaults" : "args") +
                     ": region=" + arguments["region"].get<std::string>() +
                     ", log_group=" + arguments["log_group_name"].get<std::string>() +
                     ", days=" + std::to_string(days);
  if (w.size() == 4) {
    arguments["aws_account_id"] = w[3];
    line += ", account=" + w[3];
  }
  context.console.note(line);
  return call(context, kReportTool, std::move(arguments));
}

CommandResult list_prompts(CommandContext& context, const CommandInput&) {
  auto result = list_all(context.connection, "prompts/list", "prompts");
  if (!result) return failed(context, result.error());
  context.connection.remember_prompts(*result);
  Console& console = context.console;
  if (console.json()) {
    console.out(result->dump());
    return {};
  }
  console.out("Available prompts:");
  const Json& prompts = (*result)["prompts"];
  if (prompts.empty()) console.out("  No prompts available");
  for (const Json& prompt : prompts) {
    const std::string desc = first_line(text_of(prompt, "description"));
    console.out("  - " + text_of(prompt, "name") + (desc.empty() ? "" : ": " + desc));
    for (const Json& arg : array_of(prompt, "arguments")) {
      if (!arg.is_object()) continue;
      std::string line = "      " + text_of(arg, "name");
      if (flag_of(arg, "required", false)) line += " (required)";
      if (const std::string d = text_of(arg, "description"); !d.empty()) line += " - " + d;
      console.out(line);
    }
  }
  return {};
}

CommandResult get_prompt(CommandContext& context, const CommandInput& input) {
  if (input.words.empty()) return usage(context, "Usage: get-prompt <name> [json-arguments]");
  auto parsed = parse_json_object(after_first_word(input.rest));
  if (!parsed) return usage(context, parsed.error());
  // Prompt arguments are strings on the wire.
  Json arguments = Json::object();
  for (const auto& [key, value] : parsed->items())
    arguments[key] = value.is_string() ? value : Json(value.dump());
  auto result =
      context.connection.request("prompts/get", Json{{"name", input.words[0]}, {"arguments", arguments}});
  if (!result) return failed(context, result.error());
  render_prompt(context.console, *result);
  return {};
}

CommandResult list_resources(CommandContext& context, const CommandInput&) {
  Connection& connection = context.connection;
  if (auto failure = connection.ensure_connected()) return failed(context, *failure);
  if (!connection.server()->capabilities.contains("resources")) {
    render_error(context.console, "Resources not supported by this server");
    return {ExitCode::kFailed};
  }
  auto result = list_all(connection, "resources/list", "resources");
  if (!result) return failed(context, result.error());
  connection.remember_resources(*result);
  Console& console = context.console;
  if (console.json()) {
    console.out(result->dump());
    return {};
  }
  console.out("Available resources:");
  const Json& resources = (*result)["resources"];
  if (resources.empty()) console.out("  No resources available");
  for (const Json& resource : resources) {
    std::string line = "  - " + text_of(resource, "name") + ": " + text_of(resource, "uri");
    if (const std::string mime = text_of(resource, "mimeType"); !mime.empty()) line += " (" + mime + ")";
    console.out(line);
  }
  return {};
}

CommandResult list_resource_templates(CommandContext& context, const CommandInput&) {
  auto result = list_all(context.connection, "resources/templates/list", "resourceTemplates");
  if (!result) return failed(context, result.error());
  Console& console = context.console;
  if (console.json()) {
    console.out(result->dump());
    return {};
  }
  console.out("Available resource templates:");
  const Json& templates = (*result)["resourceTemplates"];
  if (templates.empty()) console.out("  No resource templates available");
  for (const Json& t : templates) {
    const std::string desc = first_line(text_of(t, "description"));
    console.out("  - " + text_of(t, "name") + ": " + text_of(t, "uriTemplate") +
                (desc.empty() ? "" : " - " + desc));
  }
  return {};
}

CommandResult read_resource(CommandContext& context, const CommandInput& input) {
  if (input.words.size() != 1) return usage(context, "Usage: read-resource <uri>");
  auto result = context.connection.request("resources/read", Json{{"uri", input.words[0]}});
  if (!result) return failed(context, result.error());
  render_resource_contents(context.console, *result);
  return {};
}

}  // namespace mcp_cli::handlers
