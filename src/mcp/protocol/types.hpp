#pragma once
// Value types of the MCP data model used by the server API: descriptions of
// tools, resources and prompts, and the results handlers return.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

using Json = nlohmann::json;

struct Implementation {
  std::string name;
  std::string version;
  std::string title;        // optional
  std::string description;  // optional (2025-11-25+)
  Json to_json() const;
};

// RFC 5424 levels used by `notifications/message` and `logging/setLevel`.
enum class LoggingLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
std::string_view to_string(LoggingLevel level);
std::optional<LoggingLevel> parse_logging_level(std::string_view text);

struct ToolAnnotations {
  std::optional<bool> read_only_hint, destructive_hint, idempotent_hint, open_world_hint;
  std::string title;
  Json to_json() const;
  bool empty() const;
};

// Whether a tool may run as a task (the io.modelcontextprotocol/tasks
// extension of 2026-07-28): a client that declares the extension gets a task
// handle at once and polls it; others get the result inline (optional) or a
// -32021 error (required).
enum class TaskSupport { kForbidden, kOptional, kRequired };

struct ToolSpec {
  std::string name;
  std::string title;
  std::string description;
  Json input_schema = Json{{"type", "object"}};  // passed through verbatim
  Json output_schema;                            // null when absent; verbatim otherwise
  ToolAnnotations annotations;
  Json meta;  // `_meta`, null when absent
  TaskSupport task_support = TaskSupport::kForbidden;
  // The handler decides when it becomes a task (ctx.become_task()), e.g.
  // after gathering input synchronously; otherwise it does before it starts.
  bool task_on_demand = false;
};

struct ResourceSpec {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::optional<std::int64_t> size;
  Json annotations;
};

struct ResourceTemplateSpec {
  std::string uri_template;  // RFC 6570 level 1: {var} expands to one path segment or more
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
};

struct PromptArgument {
  std::string name;
  std::string title;
  std::string description;
  bool required = false;
};

struct PromptSpec {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
};

// Content blocks (tool results, prompt messages).
namespace content {
Json text(std::string text);
Json image(std::string base64_data, std::string mime_type);
Json audio(std::string base64_data, std::string mime_type);
Json resource_text(std::string uri, std::string mime_type, std::string text);
Json resource_blob(std::string uri, std::string mime_type, std::string base64_blob);
Json resource_link(std::string uri, std::string name, std::string mime_type = {},
                   std::string description = {});
}  // namespace content

struct ToolResult {
  Json content = Json::array();
  Json structured_content;  // null when absent
  bool is_error = false;
  Json meta;

  static ToolResult text(std::string text);
  static ToolResult error(std::string message);
  static ToolResult structured(Json value, std::string text_fallback);
  ToolResult& add(Json block);
};

struct ResourceContents {
  std::vector<Json> contents;  // each {uri, mimeType?, text|blob}
  static ResourceContents text(std::string uri, std::string mime_type, std::string text);
  static ResourceContents blob(std::string uri, std::string mime_type, std::string base64_blob);
};

struct PromptMessage {
  std::string role;  // "user" | "assistant"
  Json content;
};

struct PromptResult {
  std::string description;
  std::vector<PromptMessage> messages;
};

using PromptArguments = std::map<std::string, std::string>;

// A request the server needs the client to answer before it can finish:
// sent as a server->client request in legacy sessions, or listed in an
// `input_required` result for modern requests.
struct InputRequest {
  std::string method;  // elicitation/create | sampling/createMessage | roots/list
  Json params;
  // Names the answer in a modern `input_required` round trip; must be stable
  // across runs of the handler. Empty: "input_<n>" by position.
  std::string key;
};

}  // namespace mcp
