// Fixtures of the tasks extension scenarios (io.modelcontextprotocol/tasks):
// tools that run as tasks, fail in both ways, ask questions while running,
// and one that gathers input before it becomes a task.
#include <chrono>

#include "mcp-everything-server/fixtures.hpp"

namespace everything {

using mcp::Context;
using mcp::Json;
using mcp::Task;
using mcp::TaskSupport;
using mcp::ToolResult;

namespace {

Task<ToolResult> slow_compute(Context& ctx, Json args) {
  const double seconds = args.value("seconds", 0.0);
  const std::string label = args.value("label", "");
  Task<void> pause = ctx.sleep(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
  co_await pause;
  co_return ToolResult::text("Computed for " + std::to_string(seconds) + " s" +
                             (label.empty() ? "" : " (" + label + ")"));
}

Task<ToolResult> failing_job(Context& ctx, Json) {
  Task<void> pause = ctx.sleep(std::chrono::milliseconds(1000));
  co_await pause;
  co_return ToolResult::error("The job failed (as designed for testing)");
}

Task<ToolResult> protocol_error_job(Context& ctx, Json) {
  Task<void> pause = ctx.sleep(std::chrono::milliseconds(200));
  co_await pause;
  throw mcp::McpError(mcp::json_rpc::code::kInternalError,
                      "The job hit a protocol error (as designed for testing)");
}

Json confirm_schema() {
  return Json::parse(
      R"({"type":"object","properties":{"confirm":{"type":"boolean"}},"required":["confirm"]})");
}

Task<ToolResult> confirm_delete(Context& ctx, Json args) {
  const std::string file = args.value("filename", "");
  Json params = {{"message", "Delete " + file + "?"}, {"requestedSchema", confirm_schema()}};
  Task<Json> asking = ctx.elicit(std::move(params), "confirm_delete");
  const Json answer = co_await asking;
  const bool yes = answer.value("action", "") == "accept" &&
                   answer.value("content", Json::object()).value("confirm", false);
  co_return ToolResult::text(yes ? "Deleted " + file : "Kept " + file);
}

Task<ToolResult> multi_input(Context& ctx, Json) {
  std::vector<mcp::InputRequest> questions;
  questions.push_back(
      {"elicitation/create",
       Json{
           {"message", "Your name?"},
           {"requestedSchema",
            Json::parse(R"({"type":"object","properties":{"name":{"type":"string"}},"required":["name"]})")}},
       "name"});
  questions.push_back({"elicitation/create",
                       Json{{"message", "Confirm?"}, {"requestedSchema", confirm_schema()}}, "confirm"});
  Task<std::vector<Json>> asking = ctx.ask(std::move(questions));
  const std::vector<Json> answers = co_await asking;
  const std::string name = answers[0].value("content", Json::object()).value("name", "?");
  co_return ToolResult::text(
      "Thanks, " + name +
      "; confirmed: " + (answers[1].value("content", Json::object()).value("confirm", false) ? "yes" : "no"));
}

// Input first (an ordinary input_required round trip), then the task.
Task<ToolResult> tool_with_task(Context& ctx, Json) {
  Json params = {
      {"message", "What is your name?"},
      {"requestedSchema",
       Json::parse(R"({"type":"object","properties":{"name":{"type":"string"}},"required":["name"]})")}};
  Task<Json> asking = ctx.elicit(std::move(params), "user_name");
  const Json answer = co_await asking;
  Task<void> becoming = ctx.become_task();
  co_await becoming;
  Task<void> pause = ctx.sleep(std::chrono::milliseconds(300));
  co_await pause;
  co_return ToolResult::text("Hello, " + answer.value("content", Json::object()).value("name", "?") +
                             "! (from a task)");
}

}  // namespace

void register_task_tools(mcp::Server& server) {
  server.add_tool(
      {.name = "slow_compute",
       .description = "Sleeps for the given seconds, then answers; runs as a task when the client can",
       .input_schema = Json::parse(
           R"({"type":"object","properties":{"seconds":{"type":"number"},"label":{"type":"string"}},"required":["seconds"]})"),
       .task_support = TaskSupport::kOptional},
      mcp::ToolHandler(slow_compute));
  server.add_tool({.name = "failing_job",
                   .description = "A task that completes with a tool error after about a second",
                   .input_schema = Json::parse(R"({"type":"object","properties":{}})"),
                   .task_support = TaskSupport::kRequired},
                  mcp::ToolHandler(failing_job));
  server.add_tool({.name = "protocol_error_job",
                   .description = "A task that fails with a JSON-RPC error",
                   .input_schema = Json::parse(R"({"type":"object","properties":{}})"),
                   .task_support = TaskSupport::kOptional},
                  mcp::ToolHandler(protocol_error_job));
  server.add_tool(
      {.name = "confirm_delete",
       .description = "A task that asks for confirmation before finishing",
       .input_schema = Json::parse(
           R"({"type":"object","properties":{"filename":{"type":"string"}},"required":["filename"]})"),
       .task_support = TaskSupport::kOptional},
      mcp::ToolHandler(confirm_delete));
  server.add_tool({.name = "multi_input",
                   .description = "A task that asks two questions at once",
                   .input_schema = Json::parse(R"({"type":"object","properties":{}})"),
                   .task_support = TaskSupport::kOptional},
                  mcp::ToolHandler(multi_input));
  server.add_tool({.name = "test_tool_with_task",
                   .description = "Asks for a name with input_required, then continues as a task",
                   .input_schema = Json::parse(R"({"type":"object","properties":{}})"),
                   .task_support = TaskSupport::kRequired,
                   .task_on_demand = true},
                  mcp::ToolHandler(tool_with_task));
}

}  // namespace everything
