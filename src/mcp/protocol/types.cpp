#include "mcp/protocol/types.hpp"

#include <array>

namespace mcp {

Json Implementation::to_json() const {
  Json j = {{"name", name}, {"version", version}};
  if (!title.empty()) j["title"] = title;
  if (!description.empty()) j["description"] = description;
  return j;
}

namespace {
constexpr std::array<std::string_view, 8> kLevelNames = {"debug", "info",     "notice", "warning",
                                                         "error", "critical", "alert",  "emergency"};
}

std::string_view to_string(LoggingLevel level) {
  return kLevelNames[static_cast<std::size_t>(level)];
}

std::optional<LoggingLevel> parse_logging_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == text) return static_cast<LoggingLevel>(i);
  }
  return std::nullopt;
}

Json ToolAnnotations::to_json() const {
  Json j = Json::object();
  if (!title.empty()) j["title"] = title;
  if (read_only_hint) j["readOnlyHint"] = *read_only_hint;
  if (destructive_hint) j["destructiveHint"] = *destructive_hint;
  if (idempotent_hint) j["idempotentHint"] = *idempotent_hint;
  if (open_world_hint) j["openWorldHint"] = *open_world_hint;
  return j;
}

bool ToolAnnotations::empty() const {
  return title.empty() && !read_only_hint && !destructive_hint && !idempotent_hint && !open_world_hint;
}

namespace content {

Json text(std::string text) {
  return {{"type", "text"}, {"text", std::move(text)}};
}
Json image(std::string data, std::string mime_type) {
  return {{"type", "image"}, {"data", std::move(data)}, {"mimeType", std::move(mime_type)}};
}
Json audio(std::string data, std::string mime_type) {
  return {{"type", "audio"}, {"data", std::move(data)}, {"mimeType", std::move(mime_type)}};
}
Json resource_text(std::string uri, std::string mime_type, std::string text) {
  Json r = {{"uri", std::move(uri)}, {"text", std::move(text)}};
  if (!mime_type.empty()) r["mimeType"] = std::move(mime_type);
  return {{"type", "resource"}, {"resource", std::move(r)}};
}
Json resource_blob(std::string uri, std::string mime_type, std::string blob) {
  Json r = {{"uri", std::move(uri)}, {"blob", std::move(blob)}};
  if (!mime_type.empty()) r["mimeType"] = std::move(mime_type);
  return {{"type", "resource"}, {"resource", std::move(r)}};
}
Json resource_link(std::string uri, std::string name, std::string mime_type, std::string description) {
  Json j = {{"type", "resource_link"}, {"uri", std::move(uri)}, {"name", std::move(name)}};
  if (!mime_type.empty()) j["mimeType"] = std::move(mime_type);
  if (!description.empty()) j["description"] = std::move(description);
  return j;
}

}  // namespace content

ToolResult ToolResult::text(std::string text) {
  ToolResult r;
  r.content.push_back(content::text(std::move(text)));
  return r;
}

ToolResult ToolResult::error(std::string message) {
  ToolResult r = text(std::move(message));
  r.is_error = true;
  return r;
}

ToolResult ToolResult::structured(Json value, std::string text_fallback) {
  ToolResult r = text(std::move(text_fallback));
  r.structured_content = std::move(value);
  return r;
}

ToolResult& ToolResult::add(Json block) {
  content.push_back(std::move(block));
  return *this;
}

ResourceContents ResourceContents::text(std::string uri, std::string mime_type, std::string text) {
  Json c = {{"uri", std::move(uri)}, {"text", std::move(text)}};
  if (!mime_type.empty()) c["mimeType"] = std::move(mime_type);
  return ResourceContents{{std::move(c)}};
}

ResourceContents ResourceContents::blob(std::string uri, std::string mime_type, std::string blob) {
  Json c = {{"uri", std::move(uri)}, {"blob", std::move(blob)}};
  if (!mime_type.empty()) c["mimeType"] = std::move(mime_type);
  return ResourceContents{{std::move(c)}};
}

}  // namespace mcp
