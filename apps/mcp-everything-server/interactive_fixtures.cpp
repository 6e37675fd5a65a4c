// Fixtures that suspend: timed notifications, and questions to the client.
//
// Questions go through Context, so one handler serves both wires: a legacy
// session gets server->client requests on the call's SSE stream, a 2026-07-28
// request gets an input_required result and the handler runs again from the
// start on the retry. Handlers therefore ask the same questions with the same
// keys on every run. (GCC 12: the coroutines below are free functions taking
// their arguments by value, and await named tasks rather than temporaries.)
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "mcp-everything-server/fixtures.hpp"

namespace everything {

using mcp::Context;
using mcp::InputRequest;
using mcp::Json;
using mcp::LoggingLevel;
using mcp::PromptArguments;
using mcp::PromptResult;
using mcp::Task;
using mcp::ToolResult;
using std::chrono::milliseconds;

namespace {

Json no_arguments() {
  return Json{{"type", "object"}, {"properties", Json::object()}};
}

// A form asking for one field of the given JSON type.
Json form(std::string message, const char* field, const char* type) {
  return Json{{"message", std::move(message)},
              {"requestedSchema",
               {{"type", "object"}, {"properties", {{field, {{"type", type}}}}}, {"required", {field}}}}};
}

Json sampling_params(std::string text, int max_tokens) {
  Json message = {{"role", "user"}, {"content", mcp::content::text(std::move(text))}};
  return Json{{"messages", Json::array({std::move(message)})}, {"maxTokens", max_tokens}};
}

// A string field of an accepted elicitation, or `fallback`.
std::string elicited(const Json& answer, const char* field, std::string fallback = "unknown") {
  if (answer.value("action", "") != "accept") return fallback;
  const auto c = answer.find("content");
  if (c == answer.end() || !c->is_object()) return fallback;
  const auto v = c->find(field);
  if (v == c->end()) return fallback;
  return v->is_string() ? v->get<std::string>() : v->dump();
}

// The text of a sampling result; `content` is a block or (2025-11-25) an array of blocks.
std::string sampled_text(const Json& answer) {
  const auto c = answer.find("content");
  if (c == answer.end()) return "no response";
  const Json& block = c->is_array() && !c->empty() ? c->front() : *c;
  return block.is_object() && block.value("type", "") == "text" ? block.value("text", "") : "no response";
}

std::size_t root_count(const Json& answer) {
  const auto r = answer.find("roots");
  return r != answer.end() && r->is_array() ? r->size() : 0;
}

std::string answer_summary(const Json& answer) {
  return "action=" + answer.value("action", "") +
         ", content=" + answer.value("content", Json::object()).dump();
}

// ---- timed tools ----

// Three progress notifications ~50 ms apart, before the result, echoing the
// caller's token (Context does that when the request has one).
Task<ToolResult> tool_with_progress(Context& ctx, Json) {
  for (int step = 0; step <= 2; ++step) {
    if (step > 0) {
      Task<void> pause = ctx.sleep(milliseconds(50));  // named: see docs/ARCHITECTURE.md (GCC 12)
      co_await pause;
    }
    const int done = step * 50;
    ctx.progress(done, 100, "Completed step " + std::to_string(done) + " of 100");
  }
  co_return ToolResult::text("Progress reported: 0, 50, 100 of 100");
}

Task<ToolResult> tool_with_logging(Context& ctx, Json) {
  ctx.log(LoggingLevel::kInfo, "Tool execution started");
  Task<void> first_pause = ctx.sleep(milliseconds(50));
  co_await first_pause;
  ctx.log(LoggingLevel::kInfo, "Tool processing data");
  Task<void> second_pause = ctx.sleep(milliseconds(50));
  co_await second_pause;
  ctx.log(LoggingLevel::kInfo, "Tool execution completed");
  co_return ToolResult::text("Tool with logging executed successfully");
}

// SEP-1699: end the POST stream at once; the result, produced later, reaches
// the client when it resumes the stream with Last-Event-ID.
Task<ToolResult> reconnection(Context& ctx, Json) {
  ctx.close_sse_stream();
  Task<void> pause = ctx.sleep(milliseconds(100));
  co_await pause;
  co_return ToolResult::text(
      "Reconnection test completed successfully. If you received this, the client properly reconnected after "
      "stream closure.");
}

// ---- legacy client requests ----

Task<ToolResult> sampling(Context& ctx, Json args) {
  Task<Json> pending =
      ctx.create_message(sampling_params(args.at("prompt").get<std::string>(), 100), "sampling");
  const Json answer = co_await pending;
  co_return ToolResult::text("LLM response: " + sampled_text(answer));
}

Json user_info_form(std::string message) {
  return Json{{"message", std::move(message)},
              {"requestedSchema",
               {{"type", "object"},
                {"properties",
                 {{"username", {{"type", "string"}, {"description", "User's response"}}},
                  {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                {"required", {"username", "email"}}}}};
}

Task<ToolResult> elicitation(Context& ctx, Json args) {
  Task<Json> pending = ctx.elicit(user_info_form(args.at("message").get<std::string>()), "user_info");
  const Json answer = co_await pending;
  co_return ToolResult::text("User response: " + answer_summary(answer));
}

// SEP-1034: a default for every primitive type; the suite compares types
// exactly (30 integer, 95.5 number).
Json defaults_form() {
  return Json::parse(R"({
    "message": "Please review and update the form fields with defaults",
    "requestedSchema": {
      "type": "object",
      "properties": {
        "name": {"type": "string", "description": "User name", "default": "John Doe"},
        "age": {"type": "integer", "description": "User age", "default": 30},
        "score": {"type": "number", "description": "User score", "default": 95.5},
        "status": {"type": "string", "description": "User status", "enum": ["active", "inactive", "pending"],
                   "default": "active"},
        "verified": {"type": "boolean", "description": "Verification status", "default": true}
      },
      "required": []
    }
  })");
}

// SEP-1330: the five enum shapes, each exactly as the suite expects.
Json enums_form() {
  return Json::parse(R"json({
    "message": "Please select options from the enum fields",
    "requestedSchema": {
      "type": "object",
      "properties": {
        "untitledSingle": {"type": "string", "description": "Select one option",
                           "enum": ["option1", "option2", "option3"]},
        "titledSingle": {"type": "string", "description": "Select one option with titles",
                         "oneOf": [{"const": "value1", "title": "First Option"},
                                   {"const": "value2", "title": "Second Option"},
                                   {"const": "value3", "title": "Third Option"}]},
        "legacyEnum": {"type": "string", "description": "Select one option (legacy)",
                       "enum": ["opt1", "opt2", "opt3"],
                       "enumNames": ["Option One", "Option Two", "Option Three"]},
        "untitledMulti": {"type": "array", "description": "Select multiple options", "minItems": 1,
                          "maxItems": 3,
                          "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
        "titledMulti": {"type": "array", "description": "Select multiple options with titles", "minItems": 1,
                        "maxItems": 3,
                        "items": {"anyOf": [{"const": "value1", "title": "First Choice"},
                                            {"const": "value2", "title": "Second Choice"},
                                            {"const": "value3", "title": "Third Choice"}]}}
      },
      "required": []
    }
  })json");
}

Task<ToolResult> elicitation_defaults(Context& ctx, Json) {
  Task<Json> pending = ctx.elicit(defaults_form(), "defaults");
  const Json answer = co_await pending;
  co_return ToolResult::text("Elicitation completed: " + answer_summary(answer));
}

Task<ToolResult> elicitation_enums(Context& ctx, Json) {
  Task<Json> pending = ctx.elicit(enums_form(), "enums");
  const Json answer = co_await pending;
  co_return ToolResult::text("Elicitation completed: " + answer_summary(answer));
}

// ---- multi-round-trip (SEP-2322) ----

Json name_form() {
  return form("What is your name?", "name", "string");
}
Json confirm_form() {
  return form("Please confirm", "ok", "boolean");
}

// A question answered in one frame: on the 2026 wire an input_required
// result, never a server->client request on the response stream.
Task<ToolResult> streaming_elicitation(Context& ctx, Json) {
  Task<Json> pending = ctx.elicit(form("Confirm to continue", "confirm", "boolean"), "streaming_confirm");
  const Json answer = co_await pending;
  co_return ToolResult::text("Streaming complete: " + answer_summary(answer));
}

Task<ToolResult> input_required_elicitation(Context& ctx, Json) {
  Task<Json> pending = ctx.elicit(name_form(), "user_name");
  const Json answer = co_await pending;
  co_return ToolResult::text("Hello, " + elicited(answer, "name") + "!");
}

Task<ToolResult> input_required_sampling(Context& ctx, Json) {
  Task<Json> pending =
      ctx.create_message(sampling_params("What is the capital of France?", 100), "sample_request");
  const Json answer = co_await pending;
  co_return ToolResult::text("Sampling result: " + sampled_text(answer));
}

Task<ToolResult> input_required_list_roots(Context& ctx, Json) {
  Task<Json> pending = ctx.list_roots("roots_request");
  const Json answer = co_await pending;
  co_return ToolResult::text("Found " + std::to_string(root_count(answer)) + " root(s)");
}

// The core signs the answers so far into requestState; getting here on the
// 2026 wire means the state it was given verified.
Task<ToolResult> input_required_request_state(Context& ctx, Json) {
  Task<Json> pending = ctx.elicit(confirm_form(), "confirm");
  const Json answer = co_await pending;
  co_return ToolResult::text("state-ok: requestState validated (" + answer_summary(answer) + ")");
}

// Three questions in one round, one per kind of client request.
Task<ToolResult> input_required_multiple_inputs(Context& ctx, Json) {
  std::vector<InputRequest> questions;
  questions.push_back({"elicitation/create", name_form(), "user_name"});
  questions.push_back({"sampling/createMessage", sampling_params("Generate a greeting", 50), "greeting"});
  questions.push_back({"roots/list", Json::object(), "client_roots"});
  Task<std::vector<Json>> pending = ctx.ask(std::move(questions));
  const std::vector<Json> answers = co_await pending;
  co_return ToolResult::text("Name: " + elicited(answers[0], "name") + "; Greeting: " +
                             sampled_text(answers[1]) + "; Roots: " + std::to_string(root_count(answers[2])));
}

// Two rounds of questions; each input_required carries a different
// requestState because it holds the answers collected so far.
Task<ToolResult> input_required_multi_round(Context& ctx, Json) {
  Task<Json> first = ctx.elicit(form("Step 1: What is your name?", "name", "string"), "step1");
  const Json name = co_await first;
  Task<Json> second = ctx.elicit(form("Step 2: What is your favorite color?", "color", "string"), "step2");
  const Json color = co_await second;
  co_return ToolResult::text("Multi-round complete for " + elicited(name, "name") + " who likes " +
                             elicited(color, "color"));
}

// A tampered requestState fails the core's HMAC check (-32602) before this runs again.
Task<ToolResult> input_required_tampered_state(Context& ctx, Json) {
  Task<Json> pending = ctx.elicit(confirm_form(), "confirm");
  const Json answer = co_await pending;
  co_return ToolResult::text("integrity-ok: state verified (" + answer_summary(answer) + ")");
}

// Asks only what the request's client capabilities allow.
Task<ToolResult> input_required_capabilities(Context& ctx, Json) {
  const Json& caps = ctx.client_capabilities();
  std::vector<InputRequest> questions;
  if (caps.contains("elicitation")) {
    questions.push_back({"elicitation/create", form("Elicitation input", "value", "string"), "elicit_input"});
  }
  if (caps.contains("sampling")) {
    questions.push_back({"sampling/createMessage", sampling_params("Sample request", 50), "sample_input"});
  }
  if (questions.empty()) co_return ToolResult::text("No supported capabilities declared");
  std::string keys;
  for (const auto& q : questions) keys += (keys.empty() ? "" : ",") + q.key;
  Task<std::vector<Json>> pending = ctx.ask(std::move(questions));
  const std::vector<Json> answers = co_await pending;
  co_return ToolResult::text("capabilities-ok: received " + keys + " (" + std::to_string(answers.size()) +
                             " answers)");
}

Task<PromptResult> input_required_prompt(Context& ctx, PromptArguments) {
  Task<Json> pending =
      ctx.elicit(form("What context should the prompt use?", "context", "string"), "user_context");
  const Json answer = co_await pending;
  PromptResult r;
  r.messages.push_back({"user", mcp::content::text("Prompt with context: " + elicited(answer, "context"))});
  co_return r;
}

void add(mcp::Server& server, const char* name, const char* description,
         Task<ToolResult> (*fn)(Context&, Json), Json schema = no_arguments()) {
  server.add_tool({.name = name, .description = description, .input_schema = std::move(schema)},
                  mcp::ToolHandler(fn));
}

}  // namespace

void register_timed_tools(mcp::Server& server) {
  add(server, "test_tool_with_progress", "Tests tool that reports progress notifications",
      tool_with_progress);
  add(server, "test_tool_with_logging", "Tests tool that emits log messages during execution",
      tool_with_logging);
  add(server, "test_reconnection",
      "Tests SSE stream disconnection and client reconnection (SEP-1699): closes the stream mid-call and "
      "sends "
      "the result after the client reconnects",
      reconnection);
}

void register_client_request_tools(mcp::Server& server) {
  add(server, "test_sampling", "Tests server-initiated sampling (LLM completion request)", sampling,
      Json::parse(R"({"type":"object","properties":{"prompt":{"type":"string",
                     "description":"The prompt to send to the LLM"}},"required":["prompt"]})"));
  add(server, "test_elicitation", "Tests server-initiated elicitation (user input request)", elicitation,
      Json::parse(R"({"type":"object","properties":{"message":{"type":"string",
                     "description":"The message to show the user"}},"required":["message"]})"));
  add(server, "test_elicitation_sep1034_defaults", "Tests elicitation with default values per SEP-1034",
      elicitation_defaults);
  add(server, "test_elicitation_sep1330_enums",
      "Tests elicitation with enum schema improvements per SEP-1330", elicitation_enums);
}

void register_input_required_tools(mcp::Server& server) {
  add(server, "test_streaming_elicitation", "Diagnostic tool: asks one question without streaming requests",
      streaming_elicitation);
  add(server, "test_input_required_result_elicitation",
      "MRTR: returns InputRequiredResult with elicitation request", input_required_elicitation);
  add(server, "test_input_required_result_sampling",
      "MRTR: returns InputRequiredResult with sampling request", input_required_sampling);
  add(server, "test_input_required_result_list_roots",
      "MRTR: returns InputRequiredResult with roots/list request", input_required_list_roots);
  add(server, "test_input_required_result_request_state",
      "MRTR: returns InputRequiredResult with requestState", input_required_request_state);
  add(server, "test_input_required_result_multiple_inputs",
      "MRTR: returns InputRequiredResult with multiple input requests", input_required_multiple_inputs);
  add(server, "test_input_required_result_multi_round", "MRTR: multi-round InputRequiredResult workflow",
      input_required_multi_round);
  add(server, "test_input_required_result_tampered_state", "MRTR: HMAC-signed requestState integrity test",
      input_required_tampered_state);
  add(server, "test_input_required_result_capabilities",
      "MRTR: respects client capabilities in inputRequests", input_required_capabilities);
}

void register_input_required_prompt(mcp::Server& server) {
  server.add_prompt({.name = "test_input_required_result_prompt",
                     .description = "MRTR: prompt that requires elicitation input"},
                    mcp::PromptHandler(input_required_prompt));
}

}  // namespace everything
