// The Streamable HTTP transport driven without sockets: every status and
// JSON-RPC error of the header and session rules, JSON vs SSE responses,
// priming, resumption, server->client requests and cancellation.
#include <gtest/gtest.h>

#include "mcp/protocol/server.hpp"
#include "mcp/transport/streamable_http.hpp"
#include "test_support.hpp"

using namespace mcp;
using mcp::testing::ManualExecutor;
using mcp::testing::RecordingResponder;

namespace {

constexpr const char* kAccept = "application/json, text/event-stream";

Task<ToolResult> slow_tool(Context& ctx, Json args) {
  ctx.log(LoggingLevel::kInfo, "working");
  co_await ctx.sleep(std::chrono::milliseconds(100));
  co_return ToolResult::text("done " + args.value("x", ""));
}

Task<ToolResult> asking_tool(Context& ctx, Json) {
  Json params = Json::parse(R"({"message":"name?","requestedSchema":{"type":"object"}})");
  Json answer = co_await ctx.elicit(std::move(params), "user_name");
  co_return ToolResult::text("hi " + answer["content"].value("name", "?"));
}

Task<ToolResult> polling_tool(Context& ctx, Json) {
  ctx.close_sse_stream(std::chrono::milliseconds(200));
  co_await ctx.sleep(std::chrono::milliseconds(50));
  co_return ToolResult::text("after reconnect");
}

class TransportTest : public ::testing::Test {
 protected:
  TransportTest() : server(ServerOptions{{"test", "1.0.0"}, {}, 0, "state-secret-0123456789", {}, 0}) {
    server.add_tool(
        {.name = "echo",
         .description = "echo",
         .input_schema = Json::parse(R"({"type":"object","properties":{"x":{"type":"string"}}})")},
        [](Context&, const Json& a) { return ToolResult::text(a.value("x", "")); });
    server.add_tool({.name = "slow", .description = "slow"}, ToolHandler(slow_tool));
    server.add_tool({.name = "ask", .description = "ask"}, ToolHandler(asking_tool));
    server.add_tool({.name = "poll", .description = "poll"}, ToolHandler(polling_tool));
    transport::TransportOptions o;
    o.session_secret = "session-secret-0123456789";
    o.max_body_bytes = 1024;
    transport = std::make_unique<transport::StreamableHttpTransport>(server, executor, o, log);
  }

  std::shared_ptr<RecordingResponder> send(http::Request req) {
    auto r = std::make_shared<RecordingResponder>();
    transport->handle(std::move(req), r);
    executor.run();
    return r;
  }

  using HeaderList = std::vector<std::pair<std::string, std::string>>;

  static http::Request request(std::string method, const HeaderList& headers) {
    http::Request req;
    req.method = std::move(method);
    req.target = "/mcp";
    req.headers.add("Host", "localhost:3000");
    for (const auto& [k, v] : headers) req.headers.set(k, v);
    return req;
  }

  static http::Request post(std::string body, const HeaderList& extra = {}) {
    http::Request req = request("POST", {{"Content-Type", "application/json"}, {"Accept", kAccept}});
    for (const auto& [k, v] : extra) req.headers.set(k, v);
    req.body = std::move(body);
    return req;
  }

  std::string initialize(const std::string& version = "2025-11-25", const std::string& caps = "{}") {
    auto r =
        send(post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" + version +
                  R"(","capabilities":)" + caps + R"(,"clientInfo":{"name":"t","version":"1"}}})"));
    EXPECT_EQ(r->r->response.status, 200);
    return std::string(r->r->response.headers.get("mcp-session-id").value_or(""));
  }

  static Json body_json(const RecordingResponder& r) { return Json::parse(r.r->response.body); }

  util::Logger log{util::LogLevel::kOff};
  ManualExecutor executor;
  Server server;
  std::unique_ptr<transport::StreamableHttpTransport> transport;
};

std::string modern_body(const std::string& method, const std::string& params_extra = "") {
  return R"({"jsonrpc":"2.0","id":9,"method":")" + method + R"(","params":{)" + params_extra +
         R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";
}

}  // namespace

TEST_F(TransportTest, InitializeNegotiatesAndIssuesSession) {
  auto r = send(post(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"));
  ASSERT_EQ(r->r->response.status, 200);
  EXPECT_EQ(body_json(*r)["result"]["protocolVersion"], "2025-03-26");
  EXPECT_TRUE(r->r->response.headers.get("mcp-session-id"));
}

TEST_F(TransportTest, JsonResponseWithoutNotifications) {
  const auto sid = initialize();
  auto r = send(post(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"x":"hi"}}})",
      {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2025-11-25"}}));
  ASSERT_TRUE(r->r->responded);
  EXPECT_EQ(body_json(*r)["result"]["content"][0]["text"], "hi");
  EXPECT_FALSE(body_json(*r)["result"].contains("resultType"));  // no 2026 fields on the legacy wire
}

TEST_F(TransportTest, UpgradesToSseWithPrimingWhenHandlerEmits) {
  const auto sid = initialize();
  auto r = send(
      post(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"x":"a"}}})",
           {{"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(r->r->streaming);
  EXPECT_EQ(r->r->stream_headers.get("content-type"), "text/event-stream");
  EXPECT_TRUE(r->r->stream_body.starts_with("id: p0_0\nretry: 1000\ndata: \n\n"));
  EXPECT_NE(r->r->stream_body.find("notifications/message"), std::string::npos);
  EXPECT_FALSE(r->r->ended);
  executor.advance(std::chrono::milliseconds(100));
  EXPECT_TRUE(r->r->ended);
  EXPECT_NE(r->r->stream_body.find(R"("id":2,"result")"), std::string::npos);
}

TEST_F(TransportTest, NoPrimingFor2025_03_26) {
  const auto sid = initialize("2025-03-26");
  auto r =
      send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{}}})",
                {{"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(r->r->streaming);
  EXPECT_TRUE(r->r->stream_body.starts_with("event: message\nid: p0_0\ndata: {"));
}

TEST_F(TransportTest, ServerToClientRequestRoundTrip) {
  const auto sid = initialize("2025-11-25", R"({"elicitation":{}})");
  auto call =
      send(post(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ask","arguments":{}}})",
                {{"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(call->r->streaming);
  EXPECT_NE(call->r->stream_body.find(R"("method":"elicitation/create")"), std::string::npos);
  auto reply = send(post(R"({"jsonrpc":"2.0","id":0,"result":{"action":"accept","content":{"name":"Ann"}}})",
                         {{"Mcp-Session-Id", sid}}));
  EXPECT_EQ(reply->r->response.status, 202);
  executor.run();
  EXPECT_NE(call->r->stream_body.find("hi Ann"), std::string::npos);
  EXPECT_TRUE(call->r->ended);
}

// Behind Lambda: no standalone GET stream, and a server-to-client request
// fails at once (its reply would reach another instance).
TEST_F(TransportTest, LambdaShapeRefusesGetStreamsAndClientRequests) {
  transport::TransportOptions o;
  o.session_secret = "session-secret-0123456789";
  o.standalone_get_streams = false;
  o.session_client_requests = false;
  transport = std::make_unique<transport::StreamableHttpTransport>(server, executor, o, log);
  const auto sid = initialize("2025-11-25", R"({"elicitation":{}})");
  auto get = send(request("GET", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(get->r->responded);
  EXPECT_EQ(get->r->response.status, 405);
  EXPECT_EQ(get->r->response.headers.get("allow"), "POST, DELETE");
  auto call =
      send(post(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ask","arguments":{}}})",
                {{"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(call->r->responded);
  EXPECT_EQ(body_json(*call)["error"]["code"], -32603);
  EXPECT_NE(body_json(*call)["error"]["message"].get<std::string>().find("AWS Lambda"), std::string::npos);
}

TEST_F(TransportTest, ElicitationWithoutCapabilityIsAnError) {
  const auto sid = initialize();
  auto r =
      send(post(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ask","arguments":{}}})",
                {{"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(r->r->responded);
  EXPECT_EQ(body_json(*r)["error"]["code"], -32600);
}

TEST_F(TransportTest, CancellationSendsNoResponse) {
  const auto sid = initialize();
  auto call =
      send(post(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{}}})",
                {{"Mcp-Session-Id", sid}}));
  auto cancel = send(post(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})",
                          {{"Mcp-Session-Id", sid}}));
  EXPECT_EQ(cancel->r->response.status, 202);
  executor.advance(std::chrono::milliseconds(500));
  EXPECT_TRUE(call->r->ended);
  EXPECT_EQ(call->r->stream_body.find(R"("id":7)"), std::string::npos);
}

TEST_F(TransportTest, PollingCloseAndResumeWithLastEventId) {
  const auto sid = initialize();
  auto call =
      send(post(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"poll","arguments":{}}})",
                {{"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(call->r->streaming);
  EXPECT_TRUE(call->r->ended);  // closed before the result, resumable
  EXPECT_NE(call->r->stream_body.find("retry: 200"), std::string::npos);
  auto resumed = send(
      request("GET", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}, {"Last-Event-ID", "p0_0"}}));
  ASSERT_TRUE(resumed->r->streaming);
  executor.advance(std::chrono::milliseconds(50));
  EXPECT_NE(resumed->r->stream_body.find("after reconnect"), std::string::npos);
  EXPECT_NE(resumed->r->stream_body.find("id: p0_1"), std::string::npos);
  EXPECT_TRUE(resumed->r->ended);
}

TEST_F(TransportTest, DeleteTerminatesThen404) {
  const auto sid = initialize();
  EXPECT_EQ(send(request("DELETE", {{"Mcp-Session-Id", sid}}))->r->response.status, 200);
  auto after = send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", {{"Mcp-Session-Id", sid}}));
  EXPECT_EQ(after->r->response.status, 404);
  EXPECT_EQ(body_json(*after)["error"]["code"], -32001);
}

TEST_F(TransportTest, SessionSurvivesInstanceRestart) {
  const auto sid = initialize();
  // A second transport with the same secret stands in for another instance.
  transport::TransportOptions o;
  o.session_secret = "session-secret-0123456789";
  transport::StreamableHttpTransport other(server, executor, o, log);
  auto r = std::make_shared<RecordingResponder>();
  other.handle(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", {{"Mcp-Session-Id", sid}}), r);
  executor.run();
  EXPECT_EQ(r->r->response.status, 200);
}

TEST_F(TransportTest, BatchesOnlyFor2025_03_26) {
  const auto old_sid = initialize("2025-03-26");
  auto r = send(post(
      R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":2,"method":"nope"}])",
      {{"Mcp-Session-Id", old_sid}}));
  ASSERT_EQ(r->r->response.status, 200);
  const auto arr = body_json(*r);
  ASSERT_TRUE(arr.is_array());
  EXPECT_EQ(arr.size(), 2u);
  const auto new_sid = initialize("2025-06-18");
  auto rejected =
      send(post(R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"}])", {{"Mcp-Session-Id", new_sid}}));
  EXPECT_EQ(rejected->r->response.status, 400);
  EXPECT_EQ(body_json(*rejected)["error"]["code"], -32600);
}

TEST_F(TransportTest, ModernRequestsAreStatelessAndDecorated) {
  auto r = send(post(modern_body("tools/list"),
                     {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/list"}}));
  ASSERT_EQ(r->r->response.status, 200);
  const auto result = body_json(*r)["result"];
  EXPECT_EQ(result["resultType"], "complete");
  EXPECT_EQ(result["cacheScope"], "private");
  EXPECT_TRUE(result["ttlMs"].is_number_integer());
  EXPECT_EQ(result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "test");
  EXPECT_FALSE(r->r->response.headers.get("mcp-session-id"));
}

TEST_F(TransportTest, HangingUpCancelsModernCallsButNotLegacyOnes) {
  const HeaderList modern = {
      {"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "slow"}};
  auto gone = send(post(modern_body("tools/call", R"("name":"slow","arguments":{"x":"m"},)"), modern));
  ASSERT_FALSE(gone->r->responded);
  gone->drop();
  executor.advance(std::chrono::milliseconds(500));
  // The handler was cancelled (its timer is gone); the exchange just ends.
  EXPECT_EQ(gone->r->response.body.find("done m"), std::string::npos);
  EXPECT_EQ(executor.timer_count(), 0U);

  const auto sid = initialize();
  auto legacy = send(
      post(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"x":"l"}}})",
           {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2025-11-25"}}));
  ASSERT_FALSE(legacy->r->responded);
  ASSERT_EQ(executor.timer_count(), 1U);
  legacy->drop();
  executor.advance(std::chrono::milliseconds(50));
  EXPECT_EQ(executor.timer_count(), 1U);  // legacy: a disconnect is not a cancellation
  executor.advance(std::chrono::milliseconds(500));
  EXPECT_EQ(executor.timer_count(), 0U);
}

TEST_F(TransportTest, ModernInputRequiredRoundTrip) {
  const std::string caps = R"("io.modelcontextprotocol/clientCapabilities":{"elicitation":{}})";
  auto body = [&](const std::string& extra) {
    return R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"ask","arguments":{},)" + extra +
           R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)" + caps + "}}}";
  };
  const std::vector<std::pair<std::string, std::string>> h = {
      {"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "ask"}};
  auto first = send(post(body(""), h));
  const auto r1 = body_json(*first)["result"];
  ASSERT_EQ(r1["resultType"], "input_required");
  ASSERT_TRUE(r1["inputRequests"].contains("user_name"));
  const std::string state = r1["requestState"];
  auto second = send(post(
      body(R"("inputResponses":{"user_name":{"action":"accept","content":{"name":"Zoe"}}},"requestState":")" +
           state + R"(",)"),
      h));
  EXPECT_EQ(body_json(*second)["result"]["content"][0]["text"], "hi Zoe");
  auto tampered = send(post(body(R"("requestState":")" + state + R"(x",)"), h));
  EXPECT_EQ(body_json(*tampered)["error"]["code"], -32602);
  auto not_object = send(post(body(R"("inputResponses":{"user_name":12345},)"), h));
  EXPECT_EQ(body_json(*not_object)["error"]["code"], -32602);
}

struct BadCase {
  const char* name;
  std::string method;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int status;
  int rpc_code;  // 0: body not checked
};

// gtest prints parameters as bytes unless told otherwise.
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class TransportBadInput : public TransportTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(TransportBadInput, GetsExactStatusAndError) {
  const auto& c = GetParam();
  auto req = post(c.body, c.headers);
  req.method = c.method;
  if (std::string_view(c.name) == "wrong_path") req.target = "/other";
  auto r = send(req);
  ASSERT_TRUE(r->r->responded) << c.name;
  EXPECT_EQ(r->r->response.status, c.status) << c.name;
  if (c.rpc_code != 0) {
    EXPECT_EQ(body_json(*r)["error"]["code"], c.rpc_code) << c.name;
  }
  // And the transport keeps serving.
  EXPECT_FALSE(initialize().empty());
}

const std::string kList = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";
const std::string kModernHeaders = "2026-07-28";

INSTANTIATE_TEST_SUITE_P(
    Table, TransportBadInput,
    ::testing::Values(
        BadCase{"malformed_json", "POST", "{oops", {}, 400, -32700},
        BadCase{"invalid_envelope", "POST", R"({"jsonrpc":"1.0","id":1,"method":"x"})", {}, 400, -32600},
        BadCase{"oversized", "POST", std::string(2048, ' ') + kList, {}, 413, -32000},
        BadCase{"wrong_content_type", "POST", kList, {{"Content-Type", "text/plain"}}, 415, -32000},
        BadCase{"wrong_accept", "POST", kList, {{"Accept", "application/json"}}, 406, -32000},
        BadCase{"unsupported_version_header",
                "POST",
                kList,
                {{"MCP-Protocol-Version", "1999-01-01"}},
                400,
                -32022},
        BadCase{"missing_session", "POST", kList, {}, 400, -32000},
        BadCase{"forged_session", "POST", kList, {{"Mcp-Session-Id", std::string(70, 'A')}}, 404, -32001},
        BadCase{"bad_origin", "POST", kList, {{"Origin", "http://evil.example.com"}}, 403, -32000},
        BadCase{"bad_host", "POST", kList, {{"Host", "evil.example.com"}}, 403, -32000},
        BadCase{"wrong_path", "POST", kList, {}, 404, 0},
        BadCase{"put_method", "PUT", kList, {}, 405, -32000},
        BadCase{
            "batched_initialize",
            "POST",
            R"([{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}])",
            {},
            400,
            -32600},
        BadCase{"modern_missing_meta",
                "POST",
                R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}})",
                {{"MCP-Protocol-Version", kModernHeaders}, {"Mcp-Method", "server/discover"}},
                400,
                -32602},
        BadCase{"modern_missing_header",
                "POST",
                modern_body("tools/list"),
                {{"Mcp-Method", "tools/list"}},
                400,
                -32020},
        BadCase{"modern_method_mismatch",
                "POST",
                modern_body("tools/list"),
                {{"MCP-Protocol-Version", kModernHeaders}, {"Mcp-Method", "prompts/list"}},
                400,
                -32020},
        BadCase{"modern_method_case",
                "POST",
                modern_body("tools/list"),
                {{"MCP-Protocol-Version", kModernHeaders}, {"Mcp-Method", "TOOLS/LIST"}},
                400,
                -32020},
        BadCase{"modern_removed_method",
                "POST",
                modern_body("ping"),
                {{"MCP-Protocol-Version", kModernHeaders}, {"Mcp-Method", "ping"}},
                404,
                -32601},
        BadCase{"modern_missing_name",
                "POST",
                modern_body("tools/call", R"("name":"echo",)"),
                {{"MCP-Protocol-Version", kModernHeaders}, {"Mcp-Method", "tools/call"}},
                400,
                -32020},
        BadCase{
            "modern_wrong_name",
            "POST",
            modern_body("tools/call", R"("name":"echo",)"),
            {{"MCP-Protocol-Version", kModernHeaders}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "other"}},
            400,
            -32020}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(TransportTest, WrongPathAndHealth) {
  http::Request health = request("GET", {});
  health.target = "/healthz";
  EXPECT_EQ(send(health)->r->response.status, 200);
}

TEST_F(TransportTest, SubscribedResourceUpdatesReachTheGetStream) {
  server.add_resource({.uri = "test://watched", .name = "watched"}, [](Context&, const std::string& uri) {
    return ResourceContents::text(uri, "text/plain", "v");
  });
  const auto sid = initialize();
  auto stream = send(request("GET", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}}));
  ASSERT_TRUE(stream->r->streaming);
  server.notify_resource_updated("test://watched");  // not subscribed yet
  EXPECT_EQ(stream->r->stream_body.find("resources/updated"), std::string::npos);
  auto sub = send(
      post(R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"test://watched"}})",
           {{"Mcp-Session-Id", sid}}));
  EXPECT_EQ(body_json(*sub)["result"], Json::object());
  server.notify_resource_updated("test://watched");
  EXPECT_NE(stream->r->stream_body.find(
                R"("method":"notifications/resources/updated","params":{"uri":"test://watched"})"),
            std::string::npos);
  EXPECT_TRUE(server.remove_tool("echo"));
  server.notify_list_changed("tools");
  EXPECT_NE(stream->r->stream_body.find("notifications/tools/list_changed"), std::string::npos);
  auto list = send(post(R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})", {{"Mcp-Session-Id", sid}}));
  EXPECT_EQ(body_json(*list)["result"]["tools"].size(), 3u);
}

TEST_F(TransportTest, ListenStreamAcknowledgesAndFilters) {
  auto listen =
      send(post(modern_body("subscriptions/listen", R"("notifications":{"toolsListChanged":true},)"),
                {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "subscriptions/listen"}}));
  ASSERT_TRUE(listen->r->streaming);
  EXPECT_NE(listen->r->stream_body.find("notifications/subscriptions/acknowledged"), std::string::npos);
  EXPECT_EQ(listen->r->stream_body.find("id: "), std::string::npos);  // no event ids in 2026-07-28
  server.notify_list_changed("prompts");
  EXPECT_EQ(listen->r->stream_body.find("prompts/list_changed"), std::string::npos);
  server.notify_list_changed("tools");
  EXPECT_NE(listen->r->stream_body.find("notifications/tools/list_changed"), std::string::npos);
  EXPECT_NE(listen->r->stream_body.find("io.modelcontextprotocol/subscriptionId"), std::string::npos);
  EXPECT_FALSE(transport->idle());
  listen->drop();  // the client goes away: the subscription ends and releases the exchange
  executor.run();
  EXPECT_TRUE(transport->idle());
}
