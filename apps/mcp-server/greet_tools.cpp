#include "mcp-server/greet_tools.hpp"

#include <chrono>

namespace bedrock_usage {

using mcp::Context;
using mcp::Json;
using mcp::LoggingLevel;
using mcp::Task;
using mcp::ToolResult;

namespace {

Json name_schema() {
  return Json::parse(R"({
    "type": "object",
    "properties": {"name": {"type": "string", "description": "Name to greet"}},
    "required": ["name"],
    "additionalProperties": false
  })");
}

// Three log messages a second apart, then the greeting. With a progress
// token the client also sees 0/3 .. 3/3.
Task<ToolResult> multi_greet(Context& ctx, const Json& args) {
  const std::string name = args.at("name").get<std::string>();
  ctx.progress(0, 3, "starting");
  ctx.log(LoggingLevel::kDebug, "Starting multi-greet for " + name);
  // Named tasks: GCC 12 mishandles temporaries that live across co_await.
  Task<void> first_pause = ctx.sleep(std::chrono::milliseconds(1000));
  co_await first_pause;
  ctx.progress(1, 3, "first greeting");
  ctx.log(LoggingLevel::kInfo, "Sending first greeting to " + name);
  Task<void> second_pause = ctx.sleep(std::chrono::milliseconds(1000));
  co_await second_pause;
  ctx.progress(2, 3, "second greeting");
  ctx.log(LoggingLevel::kInfo, "Sending second greeting to " + name);
  ctx.progress(3, 3, "done");
  co_return ToolResult::text("Good morning, " + name + "!");
}

}  // namespace

void register_greet_features(mcp::Server& server) {
  server.add_tool({.name = "greet", .description = "A simple greeting tool", .input_schema = name_schema()},
                  [](Context&, const Json& args) {
                    return ToolResult::text("Hello, " + args.at("name").get<std::string>() + "!");
                  });

  server.add_tool({.name = "multi-greet",
                   .description = "A tool that sends different greetings with delays between them",
                   .input_schema = name_schema()},
                  mcp::ToolHandler(multi_greet));

  server.add_prompt(
      {.name = "greeting-template",
       .description = "A simple greeting prompt template",
       .arguments = {{.name = "name", .description = "Name to include in greeting", .required = true}}},
      [](Context&, const mcp::PromptArguments& args) {
        mcp::PromptResult r;
        r.messages.push_back(
            {"user", mcp::content::text("Please greet " + args.at("name") + " in a friendly manner.")});
        return r;
      });

  server.add_resource({.uri = "https://example.com/greetings/default",
                       .name = "greeting-resource",
                       .description = "A simple greeting resource",
                       .mime_type = "text/plain"},
                      [](Context&, const std::string& uri) {
                        return mcp::ResourceContents::text(uri, "text/plain", "Hello, world!");
                      });
}

}  // namespace bedrock_usage
