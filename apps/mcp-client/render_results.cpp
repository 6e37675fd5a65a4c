// Results: tool results, prompts and resource contents.
#include "json_fields.hpp"
#include "mcp/util/base64.hpp"
#include "media_files.hpp"
#include "render.hpp"

namespace mcp_cli {
namespace {

// Prints `text` line by line under `indent`.
void print_indented(Console& console, std::string_view text, std::string_view indent) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
    console.out(std::string(indent) + std::string(line));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

// Decodes and saves base64 `data`; one line says where it went.
void save_blob(Console& console, std::string_view indent, std::string_view label, std::string_view kind,
               const std::string& data, const std::string& mime) {
  const auto bytes = mcp::util::base64_decode(data);
  if (!bytes) {
    console.out(std::string(indent) + "[" + std::string(label) + " " + mime + "] (invalid base64 data, " +
                std::to_string(data.size()) + " characters)");
    return;
  }
  const auto saved = save_media(*bytes, mime, kind);
  std::string line = std::string(indent) + "[" + std::string(label) + (mime.empty() ? "" : " " + mime) +
                     ", " + std::to_string(bytes->size()) + " bytes] ";
  line += saved ? "saved to " + saved->string() : "not saved: " + saved.error();
  console.out(line);
}

void render_resource(Console& console, const Json& resource, std::string_view indent) {
  const std::string uri = text_of(resource, "uri");
  const std::string mime = text_of(resource, "mimeType");
  console.out(std::string(indent) + "[resource] " + uri + (mime.empty() ? "" : " (" + mime + ")"));
  const std::string inner = std::string(indent) + "  ";
  if (resource.contains("text") && resource["text"].is_string()) {
    print_indented(console, resource["text"].get<std::string>(), inner);
  } else if (resource.contains("blob") && resource["blob"].is_string()) {
    save_blob(console, inner, "blob", "resource", resource["blob"].get<std::string>(), mime);
  }
}

void render_block(Console& console, const Json& block, std::string_view indent) {
  const std::string type = block.is_object() ? text_of(block, "type") : std::string();
  if (type == "text") {
    print_indented(console, text_of(block, "text"), indent);
  } else if (type == "image" || type == "audio") {
    save_blob(console, indent, type, type, text_of(block, "data"), text_of(block, "mimeType"));
  } else if (type == "resource" && block.contains("resource") && block["resource"].is_object()) {
    render_resource(console, block["resource"], indent);
  } else if (type == "resource_link") {
    std::string line =
        std::string(indent) + "[resource link] " + text_of(block, "name") + ": " + text_of(block, "uri");
    if (const std::string mime = text_of(block, "mimeType"); !mime.empty()) line += " (" + mime + ")";
    if (const std::string desc = text_of(block, "description"); !desc.empty()) line += " - " + desc;
    console.out(line);
  } else {
    console.out(std::string(indent) + (type.empty() ? "unknown" : type) + " content:");
    print_indented(console, block.dump(2), std::string(indent) + "  ");
  }
}

}  // namespace

void render_content_blocks(Console& console, const Json& content, std::string_view indent) {
  if (!content.is_array()) return;
  for (const Json& block : content) render_block(console, block, indent);
}

bool render_tool_result(Console& console, const Json& result) {
  const bool is_error = flag_of(result, "isError", false);
  if (console.json()) {
    console.out(result.dump());
    return is_error;
  }
  console.out(is_error ? console.paint(Color::kRed, "Tool error:") : "Tool result:");
  const Json content = array_of(result, "content");
  if (content.empty() && !result.contains("structuredContent")) console.out("  (no content)");
  render_content_blocks(console, content, "  ");
  if (result.contains("structuredContent")) {
    console.out("Structured content:");
    print_indented(console, result["structuredContent"].dump(2), "  ");
  }
  return is_error;
}

void render_prompt(Console& console, const Json& result) {
  if (console.json()) {
    console.out(result.dump());
    return;
  }
  if (const std::string desc = text_of(result, "description"); !desc.empty())
    console.out("Description: " + desc);
  const Json messages = array_of(result, "messages");
  if (messages.empty()) console.out("  (no messages)");
  for (const Json& message : messages) {
    console.out(console.paint(Color::kBold, std::string("[").append(text_of(message, "role")).append("]")));
    const Json content = object_of(message, "content");
    render_content_blocks(console, content.is_array() ? content : Json::array({content}), "  ");
  }
}

void render_resource_contents(Console& console, const Json& result) {
  if (console.json()) {
    console.out(result.dump());
    return;
  }
  const Json contents = array_of(result, "contents");
  if (contents.empty()) console.out("  (no contents)");
  for (const Json& item : contents) {
    if (item.is_object()) render_resource(console, item, "");
  }
}

std::string short_json(const Json& value, std::size_t max) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.size() > max) {
    text.resize(max);
    text += "...";
  }
  return text;
}

}  // namespace mcp_cli
