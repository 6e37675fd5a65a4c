// client::Session against a scripted in-memory server: era negotiation,
// session id echo and re-initialization, SSE resumption, input_required
// rounds, cancellation and timeouts. The real peers (our server, the TS SDK,
// the conformance suite) are exercised by the integration tests.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "mcp/client/session.hpp"

namespace mcp::client {
namespace {

struct Reply {
  int status = 200;
  http::Headers headers;
  std::vector<std::string> chunks;
  bool hang = false;  // keep the stream open until aborted
};

Reply json_reply(const Json& body, int status = 200) {
  Reply r;
  r.status = status;
  r.headers.add("Content-Type", "application/json");
  r.chunks.push_back(body.dump());
  return r;
}

Reply sse_reply(std::vector<std::string> events) {
  Reply r;
  r.headers.add("Content-Type", "text/event-stream");
  r.chunks = std::move(events);
  return r;
}

Reply accepted() {
  Reply r;
  r.status = 202;
  return r;
}

Json result_for(const Json& request, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", request["id"]}, {"result", std::move(result)}};
}

// A StreamingClient whose server is a function of the request.
class ScriptedServer final : public http::StreamingClient {
 public:
  std::function<Reply(const http::ClientRequest&, const Json& body)> handler;

  http::StreamResult stream(const http::ClientRequest& request, const http::StreamHandler& h,
                            const std::atomic<bool>* abort) override {
    Json body = request.body.empty() ? Json() : Json::parse(request.body);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    Reply reply = handler(request, body);
    if (!h.on_headers(reply.status, reply.headers)) return reply.status;
    for (const auto& c : reply.chunks) {
      if (!h.on_data(c)) return reply.status;
    }
    while (reply.hang && !abort->load()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return reply.status;
  }

  std::vector<http::ClientRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<http::ClientRequest> requests_;
};

// Options for a session against ScriptedServer (the URL is never dialled).
Options scripted_options() {
  Options opt;
  opt.url = "http://127.0.0.1:1/mcp";
  return opt;
}

Json initialize_result(const std::string& version) {
  return {{"protocolVersion", version},
          {"capabilities", {{"tools", Json::object()}}},
          {"serverInfo", {{"name", "scripted"}, {"version", "1"}}}};
}

// A legacy server: refuses server/discover with a plain 400, hands out
// session "s1" (then "s2" after a restart).
Reply legacy_server(const http::ClientRequest& req, const Json& body, std::string& sid, int& inits) {
  if (req.method == "GET") {
    Reply r;
    r.status = 405;
    return r;
  }
  const std::string method = body.value("method", "");
  if (method == "server/discover") return json_reply({{"error", "Bad Request"}}, 400);
  if (method == "initialize") {
    sid = "s" + std::to_string(++inits);
    Reply r = json_reply(result_for(body, initialize_result("2025-11-25")));
    r.headers.add("Mcp-Session-Id", sid);
    return r;
  }
  if (!body.contains("id")) return accepted();
  const auto got = req.headers.get("Mcp-Session-Id");
  if (!got || *got != sid) return json_reply({{"error", "unknown session"}}, 404);
  return json_reply(result_for(body, {{"tools", Json::array()}}));
}

TEST(ClientSession, FallsBackToInitializeAndEchoesTheSession) {
  ScriptedServer server;
  std::string sid;
  int inits = 0;
  server.handler = [&](const http::ClientRequest& r, const Json& b) {
    return legacy_server(r, b, sid, inits);
  };
  Options opt = scripted_options();
  Session s(opt, server, {});
  auto info = s.connect();
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->era, Era::kLegacy);
  EXPECT_EQ(info->version, protocol::Version::k2025_11_25);
  EXPECT_EQ(info->session_id, "s1");
  EXPECT_FALSE(info->standalone_stream);  // 405: no GET stream, not an error
  auto tools = s.request("tools/list", Json::object());
  ASSERT_TRUE(tools) << tools.error().message;
  const auto reqs = server.requests();
  const auto& last = reqs.back();
  EXPECT_EQ(last.headers.get("Mcp-Session-Id").value_or(""), "s1");
  EXPECT_EQ(last.headers.get("MCP-Protocol-Version").value_or(""), "2025-11-25");
  // initialize itself carries no version header and no session.
  const auto init = std::find_if(reqs.begin(), reqs.end(), [](const http::ClientRequest& r) {
    return r.body.find("\"initialize\"") != std::string::npos;
  });
  ASSERT_NE(init, reqs.end());
  EXPECT_FALSE(init->headers.get("MCP-Protocol-Version").has_value());
  EXPECT_FALSE(init->headers.get("Mcp-Session-Id").has_value());
}

TEST(ClientSession, ReinitializesOnceWhenTheSessionIsGone) {
  ScriptedServer server;
  std::string sid;
  int inits = 0;
  server.handler = [&](const http::ClientRequest& r, const Json& b) {
    return legacy_server(r, b, sid, inits);
  };
  Options opt = scripted_options();
  Session s(opt, server, {});
  ASSERT_TRUE(s.connect());
  sid = "restarted";  // the server forgot s1
  auto tools = s.request("tools/list", Json::object());
  ASSERT_TRUE(tools) << tools.error().message;
  EXPECT_EQ(inits, 2);
  EXPECT_EQ(s.server().session_id, "s2");
}

TEST(ClientSession, ModernServerGetsTheEnvelopeAndRoutingHeaders) {
  ScriptedServer server;
  server.handler = [&](const http::ClientRequest&, const Json& body) {
    const std::string method = body.value("method", "");
    if (method == "server/discover") {
      return json_reply(result_for(body, {{"supportedVersions", {"2026-07-28", "2025-11-25"}},
                                          {"capabilities", {{"tools", Json::object()}}},
                                          {"serverInfo", {{"name", "modern"}, {"version", "2"}}}}));
    }
    if (method == "tools/list") {
      Json schema = {{"type", "object"},
                     {"properties", {{"region", {{"type", "string"}, {"x-mcp-header", "Region"}}}}}};
      return json_reply(result_for(body, {{"tools", {{{"name", "t"}, {"inputSchema", schema}}}}}));
    }
    return json_reply(result_for(body, {{"content", Json::array()}}));
  };
  Options opt = scripted_options();
  opt.log_level = "info";
  Session s(opt, server, {});
  auto info = s.connect();
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->era, Era::kModern);
  EXPECT_EQ(info->implementation.value("name", ""), "modern");
  ASSERT_TRUE(s.request("tools/list", Json::object()));
  ASSERT_TRUE(s.request("tools/call", {{"name", "t"}, {"arguments", {{"region", "eu-west-1 "}}}}));
  const auto call = server.requests().back();
  EXPECT_EQ(call.headers.get("Mcp-Method").value_or(""), "tools/call");
  EXPECT_EQ(call.headers.get("Mcp-Name").value_or(""), "t");
  EXPECT_EQ(call.headers.get("MCP-Protocol-Version").value_or(""), "2026-07-28");
  // Trailing space: the value travels base64-encoded.
  EXPECT_EQ(call.headers.get("Mcp-Param-Region").value_or(""), "=?base64?ZXUtd2VzdC0xIA==?=");
  EXPECT_FALSE(call.headers.get("Mcp-Session-Id").has_value());
  const Json body = Json::parse(call.body);
  const Json& meta = body["params"]["_meta"];
  EXPECT_EQ(meta["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
  EXPECT_TRUE(meta.contains("io.modelcontextprotocol/clientCapabilities"));
  EXPECT_EQ(meta["io.modelcontextprotocol/clientInfo"]["name"], opt.client_info.name);
  EXPECT_EQ(meta["io.modelcontextprotocol/logLevel"], "info");
}

TEST(ClientSession, AnswersInputRequiredRoundsThroughTheHandler) {
  ScriptedServer server;
  Json second_params;
  server.handler = [&](const http::ClientRequest&, const Json& body) {
    const std::string method = body.value("method", "");
    if (method == "server/discover") {
      return json_reply(result_for(body, {{"supportedVersions", {"2026-07-28"}}}));
    }
    if (!body["params"].contains("inputResponses")) {
      return json_reply(result_for(
          body, {{"resultType", "input_required"},
                 {"requestState", "opaque"},
                 {"inputRequests",
                  {{"ask", {{"method", "elicitation/create"}, {"params", {{"message", "name?"}}}}}}}}));
    }
    second_params = body["params"];
    return json_reply(result_for(body, {{"resultType", "complete"}, {"content", Json::array()}}));
  };
  Handlers h;
  std::string asked;
  h.on_request = [&](const std::string& method, const Json& params) -> util::Expected<Json, json_rpc::Error> {
    asked = method + ":" + params.value("message", "");
    return Json{{"action", "accept"}, {"content", {{"name", "Ada"}}}};
  };
  Options opt = scripted_options();
  Session s(opt, server, h);
  ASSERT_TRUE(s.connect());
  auto r = s.request("tools/call", {{"name", "t"}, {"arguments", Json::object()}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(asked, "elicitation/create:name?");
  EXPECT_EQ(second_params["requestState"], "opaque");
  EXPECT_EQ(second_params["inputResponses"]["ask"]["content"]["name"], "Ada");
}

TEST(ClientSession, ResumesADroppedStreamWithLastEventId) {
  ScriptedServer server;
  std::string resumed_from;
  Json pending_id;
  server.handler = [&](const http::ClientRequest& req, const Json& body) {
    if (req.method == "GET") {
      if (!req.headers.get("Last-Event-ID")) {  // the standalone stream: idle
        Reply r = sse_reply({});
        r.hang = true;
        return r;
      }
      resumed_from = std::string(*req.headers.get("Last-Event-ID"));
      Json resp = {{"jsonrpc", "2.0"}, {"id", pending_id}, {"result", {{"ok", true}}}};
      return sse_reply({"id: e2\ndata: " + resp.dump() + "\n\n"});
    }
    const std::string method = body.value("method", "");
    if (method == "server/discover") return json_reply({{"error", "no"}}, 400);
    if (method == "initialize") return json_reply(result_for(body, initialize_result("2025-11-25")));
    if (!body.contains("id")) return accepted();
    // Primes, asks for a quick retry, then drops the connection.
    pending_id = body["id"];
    return sse_reply({"id: e1\nretry: 20\ndata: \n\n"});
  };
  Options opt = scripted_options();
  Session s(opt, server, {});
  ASSERT_TRUE(s.connect());
  auto r = s.request("tools/call", {{"name", "slow"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["ok"], true);
  EXPECT_EQ(resumed_from, "e1");
}

TEST(ClientSession, TimeoutCancelsTheRequest) {
  ScriptedServer server;
  std::atomic<bool> cancelled{false};
  server.handler = [&](const http::ClientRequest& req, const Json& body) {
    if (req.method == "GET") return Reply{405};
    const std::string method = body.value("method", "");
    if (method == "server/discover") return json_reply({{"error", "no"}}, 400);
    if (method == "initialize") return json_reply(result_for(body, initialize_result("2025-06-18")));
    if (method == "notifications/cancelled") {
      cancelled = body["params"]["requestId"].is_number() && body["params"]["reason"].is_string();
      return accepted();
    }
    if (!body.contains("id")) return accepted();
    Reply r = sse_reply({});
    r.hang = true;
    return r;
  };
  Options opt = scripted_options();
  Session s(opt, server, {});
  auto info = s.connect();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->version, protocol::Version::k2025_06_18);  // an older answer is accepted
  RequestOptions ro;
  ro.timeout = std::chrono::milliseconds(50);
  auto r = s.request("tools/call", {{"name", "never"}}, ro);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Failure::Kind::kTimeout);
  s.disconnect();  // joins the workers, so the cancellation was sent
  EXPECT_TRUE(cancelled.load());
}

TEST(ClientSession, JsonRpcErrorsAndHttpFailuresAreKeptApart) {
  ScriptedServer server;
  server.handler = [&](const http::ClientRequest& req, const Json& body) {
    if (req.method == "GET") return Reply{405};
    const std::string method = body.value("method", "");
    if (method == "server/discover") return json_reply({{"error", "no"}}, 400);
    if (method == "initialize") return json_reply(result_for(body, initialize_result("2025-11-25")));
    if (!body.contains("id")) return accepted();
    if (method == "tools/call") {
      return json_reply(
          {{"jsonrpc", "2.0"}, {"id", body["id"]}, {"error", {{"code", -32602}, {"message", "bad"}}}});
    }
    Reply r = json_reply({{"error", "slow down"}}, 429);
    r.headers.add("Retry-After", "7");
    return r;
  };
  Options opt = scripted_options();
  Session s(opt, server, {});
  ASSERT_TRUE(s.connect());
  auto call = s.request("tools/call", {{"name", "x"}});
  ASSERT_FALSE(call);
  EXPECT_EQ(call.error().kind, Failure::Kind::kRpcError);
  EXPECT_EQ(call.error().rpc->code, -32602);
  auto list = s.request("tools/list", Json::object());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, Failure::Kind::kHttp);
  EXPECT_EQ(list.error().http_status, 429);
  EXPECT_EQ(list.error().http_headers.get("Retry-After").value_or(""), "7");
}

TEST(ClientSession, RejectsAnUnsupportedVersionAnswer) {
  ScriptedServer server;
  server.handler = [&](const http::ClientRequest&, const Json& body) {
    const std::string method = body.value("method", "");
    if (method == "server/discover") return json_reply({{"error", "no"}}, 400);
    return json_reply(result_for(body, initialize_result("2024-11-05")));
  };
  Options opt = scripted_options();
  Session s(opt, server, {});
  auto info = s.connect();
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().kind, Failure::Kind::kProtocol);
  EXPECT_NE(info.error().message.find("2024-11-05"), std::string::npos);
}

}  // namespace
}  // namespace mcp::client

namespace mcp::client {
namespace {

TEST(ClientSession, RetriesOnceWithTheVersionTheServerNames) {
  ScriptedServer server;
  int posts = 0;
  server.handler = [&](const http::ClientRequest&, const Json& body) {
    if (++posts == 1) {  // the first request is refused, whatever it is
      return json_reply({{"jsonrpc", "2.0"},
                         {"id", body["id"]},
                         {"error",
                          {{"code", -32022},
                           {"message", "Unsupported protocol version"},
                           {"data", {{"supported", {"2026-07-28"}}, {"requested", "x"}}}}}},
                        400);
    }
    if (body["method"] == "server/discover") {
      return json_reply(result_for(body, {{"supportedVersions", {"2026-07-28"}}}));
    }
    Json schema_ok = {{"type", "object"},
                      {"properties", {{"r", {{"type", "string"}, {"x-mcp-header", "Region"}}}}}};
    Json schema_bad = {{"type", "object"},
                       {"properties",
                        {{"a", {{"type", "string"}, {"x-mcp-header", "Dup"}}},
                         {"b", {{"type", "string"}, {"x-mcp-header", "dup"}}}}}};
    Json schema_obj = {{"type", "object"},
                       {"properties", {{"o", {{"type", "object"}, {"x-mcp-header", "O"}}}}}};
    return json_reply(result_for(body, {{"tools",
                                         {{{"name", "good"}, {"inputSchema", schema_ok}},
                                          {{"name", "dup"}, {"inputSchema", schema_bad}},
                                          {{"name", "obj"}, {"inputSchema", schema_obj}}}}}));
  };
  Options opt = scripted_options();
  opt.version = protocol::Version::k2026_07_28;
  Session s(opt, server, {});
  auto info = s.connect();
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->era, Era::kModern);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(Json::parse(reqs[0].body)["id"], Json::parse(reqs[1].body)["id"]);  // a new id for the retry
  auto tools = s.request("tools/list", Json::object());
  ASSERT_TRUE(tools) << tools.error().message;
  ASSERT_EQ((*tools)["tools"].size(), 1u);  // invalid x-mcp-header tools are not offered
  EXPECT_EQ((*tools)["tools"][0]["name"], "good");
}

}  // namespace
}  // namespace mcp::client

namespace mcp::client {
namespace {

// A provider that hands out "Bearer t<n>" and moves to the next token on a 401.
class CountingAuth final : public AuthProvider {
 public:
  int token = 1;
  int challenges = 0;
  std::vector<std::string> methods;
  http::Headers request_headers(std::string_view method, std::string_view) override {
    methods.emplace_back(method);
    http::Headers h;
    h.add("Authorization", "Bearer t" + std::to_string(token));
    return h;
  }
  util::Expected<ChallengeOutcome, std::string> on_challenge(const Challenge& c) override {
    ++challenges;
    EXPECT_EQ(c.status, 401);
    EXPECT_TRUE(c.headers.get("WWW-Authenticate").has_value());
    ++token;
    return ChallengeOutcome::kRetry;
  }
};

TEST(ClientSession, AuthorizesEveryRequestAndRetriesAfterAChallenge) {
  ScriptedServer server;
  server.handler = [&](const http::ClientRequest& req, const Json& body) {
    if (req.headers.get("Authorization").value_or("") != "Bearer t2") {
      Reply r = json_reply({{"error", "invalid_token"}}, 401);
      r.headers.add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return r;
    }
    if (req.method == "GET") return Reply{405};
    if (req.method == "DELETE") return Reply{204};
    const std::string method = body.value("method", "");
    if (method == "server/discover") return json_reply({{"error", "no"}}, 400);
    if (method == "initialize") {
      Reply r = json_reply(result_for(body, initialize_result("2025-11-25")));
      r.headers.add("Mcp-Session-Id", "s");
      return r;
    }
    if (!body.contains("id")) return accepted();
    return json_reply(result_for(body, {{"tools", Json::array()}}));
  };
  CountingAuth auth;
  Options opt = scripted_options();
  Session s(opt, server, {}, &auth);
  ASSERT_TRUE(s.connect());
  ASSERT_TRUE(s.request("tools/list", Json::object()));
  EXPECT_EQ(auth.challenges, 1);
  for (const auto& r : server.requests()) {
    EXPECT_TRUE(r.headers.get("Authorization").has_value()) << r.method << " " << r.body;
  }
  // The standalone stream asked for its own (GET) authorization.
  EXPECT_NE(std::find(auth.methods.begin(), auth.methods.end(), "GET"), auth.methods.end());
  EXPECT_FALSE(s.terminate());
  EXPECT_EQ(auth.methods.back(), "DELETE");
}

}  // namespace
}  // namespace mcp::client
