#include "mcp-everything-server/fixtures.hpp"

#include <array>
#include <string>
#include <string_view>

namespace everything {

using mcp::Context;
using mcp::Json;
using mcp::PromptArguments;
using mcp::PromptResult;
using mcp::ResourceContents;
using mcp::Task;
using mcp::ToolResult;
namespace content = mcp::content;

namespace {

// 1x1 PNG and a minimal WAV: the suites only check that data and mimeType exist.
constexpr std::string_view kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
constexpr std::string_view kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

// Passed through verbatim: json-schema-2020-12 compares every keyword.
constexpr std::string_view kJsonSchema202012 = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "$defs": {
    "address": {
      "$anchor": "addressDef",
      "type": "object",
      "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
    }
  },
  "properties": {
    "name": {"type": "string"},
    "address": {"$ref": "#/$defs/address"},
    "contactMethod": {"type": "string", "enum": ["phone", "email"]},
    "phone": {"type": "string"},
    "email": {"type": "string"}
  },
  "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
  "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
  "then": {"required": ["phone"]},
  "else": {"required": ["email"]},
  "additionalProperties": false
})";

// SEP-2243: the first tool with an x-mcp-header string property is the one
// http-custom-header-server-validation probes.
constexpr std::string_view kCustomHeaderSchema = R"({
  "type": "object",
  "properties": {"region": {"type": "string", "description": "Routing region", "x-mcp-header": "Region"}},
  "required": ["region"]
})";

Json no_arguments() {
  return Json{{"type", "object"}, {"properties", Json::object()}};
}

Json string_argument(const char* name) {
  return Json{{"type", "object"}, {"properties", {{name, {{"type", "string"}}}}}, {"required", {name}}};
}

void register_content_tools(mcp::Server& server) {
  // First: http-header-validation calls tools[0] with empty arguments.
  server.add_tool(
      {.name = "test_simple_text",
       .description = "Tests simple text content response",
       .input_schema = no_arguments()},
      [](Context&, const Json&) { return ToolResult::text("This is a simple text response for testing."); });
  server.add_tool({.name = "test_image_content",
                   .description = "Tests image content response",
                   .input_schema = no_arguments()},
                  [](Context&, const Json&) {
                    ToolResult r;
                    r.add(content::image(std::string(kPng), "image/png"));
                    return r;
                  });
  server.add_tool({.name = "test_audio_content",
                   .description = "Tests audio content response",
                   .input_schema = no_arguments()},
                  [](Context&, const Json&) {
                    ToolResult r;
                    r.add(content::audio(std::string(kWav), "audio/wav"));
                    return r;
                  });
  server.add_tool({.name = "test_embedded_resource",
                   .description = "Tests embedded resource content response",
                   .input_schema = no_arguments()},
                  [](Context&, const Json&) {
                    ToolResult r;
                    r.add(content::resource_text("test://embedded-resource", "text/plain",
                                                 "This is an embedded resource content."));
                    return r;
                  });
  server.add_tool({.name = "test_multiple_content_types",
                   .description = "Tests response with multiple content types (text, image, resource)",
                   .input_schema = no_arguments()},
                  [](Context&, const Json&) {
                    ToolResult r = ToolResult::text("Multiple content types test:");
                    r.add(content::image(std::string(kPng), "image/png"));
                    r.add(content::resource_text("test://mixed-content-resource", "application/json",
                                                 R"({"test":"data","value":123})"));
                    return r;
                  });
  // A tool execution error is a result with isError, never a JSON-RPC error.
  server.add_tool({.name = "test_error_handling",
                   .description = "Tests error response handling",
                   .input_schema = no_arguments()},
                  [](Context&, const Json&) {
                    return ToolResult::error("This tool intentionally returns an error for testing");
                  });
}

void register_diagnostic_tools(mcp::Server& server) {
  server.add_tool({.name = "json_schema_2020_12_tool",
                   .description = "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
                   .input_schema = Json::parse(kJsonSchema202012)},
                  [](Context&, const Json& args) {
                    return ToolResult::text("JSON Schema 2020-12 tool called with: " + args.dump());
                  });

  // 2026-07-28 requests carry their capabilities; a missing one is -32021
  // (HTTP 400), naming what is required.
  server.add_tool({.name = "test_missing_capability",
                   .description = "Test tool requiring the sampling client capability",
                   .input_schema = no_arguments()},
                  [](Context& ctx, const Json&) {
                    if (!ctx.client_capabilities().contains("sampling")) {
                      throw mcp::McpError(mcp::json_rpc::code::kMissingRequiredClientCapability,
                                          "Missing required client capability",
                                          Json{{"requiredCapabilities", {{"sampling", Json::object()}}}});
                    }
                    return ToolResult::text("Success: the client declares sampling");
                  });

  // Logs only reach the client when it asked for them (modern: the logLevel
  // _meta key; legacy: logging/setLevel); the core applies that rule.
  server.add_tool(
      {.name = "test_logging_tool",
       .description = "Diagnostic logging validator tool: logs only when the request sets a log level",
       .input_schema = no_arguments()},
      [](Context& ctx, const Json&) {
        ctx.log(mcp::LoggingLevel::kInfo, "test_logging_tool invoked");
        return ToolResult::text("Logging tool completed");
      });

  // The triggers announce a change without making one, so that three
  // consecutive tools/list calls stay identical (tools-list-deterministic-order).
  server.add_tool({.name = "test_trigger_tool_change",
                   .description = "Sends notifications/tools/list_changed to subscribed clients",
                   .input_schema = no_arguments()},
                  [&server](Context&, const Json&) {
                    server.notify_list_changed("tools");
                    return ToolResult::text("Sent notifications/tools/list_changed");
                  });
  server.add_tool({.name = "test_trigger_prompt_change",
                   .description = "Sends notifications/prompts/list_changed to subscribed clients",
                   .input_schema = no_arguments()},
                  [&server](Context&, const Json&) {
                    server.notify_list_changed("prompts");
                    return ToolResult::text("Sent notifications/prompts/list_changed");
                  });
}

void register_plain_tools(mcp::Server& server) {
  server.add_tool(
      {.name = "test_custom_header",
       .description = "Echoes the region argument, which is mirrored in the Mcp-Param-Region header",
       .input_schema = Json::parse(kCustomHeaderSchema)},
      [](Context&, const Json& args) {
        return ToolResult::text("Region: " + args.at("region").get<std::string>());
      });
  server.add_tool(
      {.name = "greet", .description = "A simple greeting tool", .input_schema = string_argument("name")},
      [](Context&, const Json& args) {
        return ToolResult::text("Hello, " + args.at("name").get<std::string>() + "!");
      });
}

Task<ResourceContents> read_template(Context&, std::string uri, mcp::TemplateVariables vars) {
  const std::string id = vars["id"];
  // Ordered so the text reads as in the reference fixture.
  const nlohmann::ordered_json data = {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
  co_return ResourceContents::text(std::move(uri), "application/json", data.dump());
}

void register_resources(mcp::Server& server) {
  // First: the caching scenario reads resources[0].
  server.add_resource({.uri = "test://static-text",
                       .name = "static-text",
                       .title = "Static Text Resource",
                       .description = "A static text resource for testing",
                       .mime_type = "text/plain"},
                      [](Context&, const std::string& uri) {
                        return ResourceContents::text(uri, "text/plain",
                                                      "This is the content of the static text resource.");
                      });
  server.add_resource({.uri = "test://static-binary",
                       .name = "static-binary",
                       .title = "Static Binary Resource",
                       .description = "A static binary resource (image) for testing",
                       .mime_type = "image/png"},
                      [](Context&, const std::string& uri) {
                        return ResourceContents::blob(uri, "image/png", std::string(kPng));
                      });
  server.add_resource({.uri = "test://watched-resource",
                       .name = "watched-resource",
                       .title = "Watched Resource",
                       .description = "A resource clients can subscribe to",
                       .mime_type = "text/plain"},
                      [](Context&, const std::string& uri) {
                        return ResourceContents::text(uri, "text/plain", "Watched resource content");
                      });
  server.add_resource_template({.uri_template = "test://template/{id}/data",
                                .name = "template",
                                .title = "Resource Template",
                                .description = "A resource template with parameter substitution",
                                .mime_type = "application/json"},
                               mcp::ResourceTemplateHandler(read_template));
}

void register_prompts(mcp::Server& server) {
  server.add_prompt({.name = "test_simple_prompt",
                     .title = "Simple Test Prompt",
                     .description = "A simple prompt without arguments"},
                    [](Context&, const PromptArguments&) {
                      PromptResult r;
                      r.messages.push_back({"user", content::text("This is a simple prompt for testing.")});
                      return r;
                    });
  server.add_prompt(
      {.name = "test_prompt_with_arguments",
       .title = "Prompt With Arguments",
       .description = "A prompt with required arguments",
       .arguments = {{.name = "arg1", .description = "First test argument", .required = true},
                     {.name = "arg2", .description = "Second test argument", .required = true}}},
      [](Context&, const PromptArguments& args) {
        PromptResult r;
        r.messages.push_back({"user", content::text("Prompt with arguments: arg1='" + args.at("arg1") +
                                                    "', arg2='" + args.at("arg2") + "'")});
        return r;
      });
  server.add_prompt(
      {.name = "test_prompt_with_embedded_resource",
       .title = "Prompt With Embedded Resource",
       .description = "A prompt that includes an embedded resource",
       .arguments = {{.name = "resourceUri",
                      .description = "URI of the resource to embed",
                      .required = true}}},
      [](Context&, const PromptArguments& args) {
        PromptResult r;
        r.messages.push_back({"user", content::resource_text(args.at("resourceUri"), "text/plain",
                                                             "Embedded resource content for testing.")});
        r.messages.push_back({"user", content::text("Please process the embedded resource above.")});
        return r;
      });
  server.add_prompt({.name = "test_prompt_with_image",
                     .title = "Prompt With Image",
                     .description = "A prompt that includes image content"},
                    [](Context&, const PromptArguments&) {
                      PromptResult r;
                      r.messages.push_back({"user", content::image(std::string(kPng), "image/png")});
                      r.messages.push_back({"user", content::text("Please analyze the image above.")});
                      return r;
                    });
}

// Suggestions for test_prompt_with_arguments: the candidates that start with
// what the user typed so far.
mcp::CompletionResult complete(const mcp::CompletionRequest& request) {
  static constexpr std::array<std::string_view, 4> kCandidates = {"testValue1", "testValue2", "sample",
                                                                  "example"};
  mcp::CompletionResult result;
  if (request.ref.value("type", "") != "ref/prompt" ||
      request.ref.value("name", "") != "test_prompt_with_arguments") {
    return result;
  }
  for (const auto candidate : kCandidates) {
    if (candidate.starts_with(request.argument_value)) result.values.emplace_back(candidate);
  }
  return result;
}

}  // namespace

void register_fixtures(mcp::Server& server) {
  register_content_tools(server);
  register_timed_tools(server);
  register_client_request_tools(server);
  register_diagnostic_tools(server);
  register_input_required_tools(server);
  register_plain_tools(server);
  register_task_tools(server);
  register_resources(server);
  register_prompts(server);
  register_input_required_prompt(server);
  server.set_completion_handler(complete);
}

}  // namespace everything
