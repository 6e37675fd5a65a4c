// Microbenchmarks of the hot path of one `tools/call greet` request, from the
// JSON-RPC codec up to a full in-memory Streamable HTTP round trip (no
// sockets). The end-to-end HTTP benchmark is bench/run (docs/PERFORMANCE.md).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "fake_http_client.hpp"
#include "jwt_test_support.hpp"
#include "mcp/auth/jwks_cache.hpp"
#include "mcp/auth/public_url.hpp"
#include "mcp/auth/resource_server.hpp"
#include "mcp/auth/token_verifier.hpp"
#include "mcp/json_rpc/message.hpp"
#include "mcp/protocol/executor.hpp"
#include "mcp/protocol/server.hpp"
#include "mcp/transport/http_types.hpp"
#include "mcp/transport/session_id.hpp"
#include "mcp/transport/sse.hpp"
#include "mcp/transport/streamable_http.hpp"
#include "mcp/util/log.hpp"

namespace {

using mcp::Json;

constexpr const char* kLegacyCall =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"bench"}}})";
constexpr const char* kModernCall =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"bench"},)"
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";
constexpr const char* kInitialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
    R"("clientInfo":{"name":"bench","version":"1"}}})";
constexpr const char* kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

// ------------------------------------------------------------ JSON-RPC codec

void BM_JsonRpc_ParseBody_EncodeResult(benchmark::State& state) {
  const std::string body = kLegacyCall;
  const Json result = {{"content", Json::array({{{"type", "text"}, {"text", "Hello, bench!"}}})}};
  for (auto _ : state) {
    auto parsed = mcp::json_rpc::parse_body(body);
    if (!parsed) {
      state.SkipWithError("parse_body failed");
      break;
    }
    const auto& req = std::get<mcp::json_rpc::Request>(parsed->messages.front());
    std::string out = mcp::json_rpc::encode_result(req.id, result);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_JsonRpc_ParseBody_EncodeResult);

void BM_JsonRpc_ParseBody(benchmark::State& state) {
  const std::string body = kModernCall;
  for (auto _ : state) {
    auto parsed = mcp::json_rpc::parse_body(body);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_JsonRpc_ParseBody);

// ------------------------------------------------------------ session ids

void BM_SessionId_IssueVerify(benchmark::State& state) {
  const mcp::transport::SessionIdCodec codec("bench-session-secret-0123456789abcdef");
  mcp::transport::SessionClaims claims;
  claims.capability_bits = mcp::transport::capability_bits(Json::object());
  claims.issued_at = 1'760'000'000;
  claims.subject_hash = mcp::transport::subject_hash({});
  for (auto _ : state) {
    std::string id = codec.issue(claims);
    auto verified = codec.verify(id);
    if (!verified) {
      state.SkipWithError("verify failed");
      break;
    }
    benchmark::DoNotOptimize(verified);
  }
}
BENCHMARK(BM_SessionId_IssueVerify);

void BM_SessionId_Verify(benchmark::State& state) {
  const mcp::transport::SessionIdCodec codec("bench-session-secret-0123456789abcdef");
  mcp::transport::SessionClaims claims;
  claims.issued_at = 1'760'000'000;
  claims.subject_hash = mcp::transport::subject_hash({});
  const std::string id = codec.issue(claims);
  for (auto _ : state) {
    auto verified = codec.verify(id);
    benchmark::DoNotOptimize(verified);
  }
}
BENCHMARK(BM_SessionId_Verify);

// ------------------------------------------------------------ SSE framing

void BM_Sse_FormatEvent(benchmark::State& state) {
  const std::string data =
      R"({"result":{"content":[{"type":"text","text":"Hello, bench!"}]},"jsonrpc":"2.0","id":1})";
  for (auto _ : state) {
    std::string ev = mcp::transport::format_sse_event(data, "p0_17", "message");
    benchmark::DoNotOptimize(ev);
  }
}
BENCHMARK(BM_Sse_FormatEvent);

void BM_Sse_FormatEvent_Multiline(benchmark::State& state) {
  std::string data;
  for (int i = 0; i < 8; ++i) data += R"({"line":)" + std::to_string(i) + "}\n";
  for (auto _ : state) {
    std::string ev = mcp::transport::format_sse_event(data, "p3_42", "message", 1000);
    benchmark::DoNotOptimize(ev);
  }
}
BENCHMARK(BM_Sse_FormatEvent_Multiline);

// ------------------------------------------------------------ in-memory transport

// Runs posted work when drained; timers are recorded but never fire. So the
// transport's periodic tick (keep-alives, pruning of finished exchanges) never
// runs here: state it prunes accumulates over the benchmark's iterations,
// which the timings tolerate but a memory measurement of this process would
// not (bench/run measures memory on the real server instead).
class ManualExecutor final : public mcp::Executor {
 public:
  void post(std::function<void()> fn) override { queue_.push_back(std::move(fn)); }
  TimerId post_after(std::chrono::milliseconds, std::function<void()>) override { return ++next_timer_; }
  void cancel(TimerId) override {}
  void drain() {
    while (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      fn();
    }
  }

 private:
  std::deque<std::function<void()>> queue_;
  TimerId next_timer_ = 0;
};

class NullStream final : public mcp::http::Stream {
 public:
  bool write(std::string chunk) override {
    bytes += chunk.size();
    return true;
  }
  void end() override { closed_ = true; }
  bool closed() const override { return closed_; }
  void on_close(std::function<void()>) override {}
  std::size_t bytes = 0;

 private:
  bool closed_ = false;
};

class CaptureResponder final : public mcp::http::Responder {
 public:
  void respond(mcp::http::Response response) override { captured = std::move(response); }
  std::shared_ptr<mcp::http::Stream> stream(int status, mcp::http::Headers) override {
    captured.status = status;
    return std::make_shared<NullStream>();
  }
  mcp::http::Response captured;
};

struct InMemoryServer {
  InMemoryServer() : log(mcp::util::LogLevel::kOff), server(make_options()) {
    const Json schema =
        Json::parse(R"({"type":"object","properties":{"name":{"type":"string",)"
                    R"("description":"Name to greet"}},"required":["name"],"additionalProperties":false})");
    server.add_tool({.name = "greet", .description = "A simple greeting tool", .input_schema = schema},
                    [](mcp::Context&, const Json& args) {
                      return mcp::ToolResult::text("Hello, " + args.at("name").get<std::string>() + "!");
                    });
    mcp::transport::TransportOptions options;
    options.session_secret = "session-id:bench-session-secret-0123456789";
    transport = std::make_unique<mcp::transport::StreamableHttpTransport>(server, executor, options, log);
  }

  static mcp::ServerOptions make_options() {
    mcp::ServerOptions o;
    o.info = {"bench", "1.0.0"};
    o.state_secret = "request-state:bench-session-secret-0123456789";
    return o;
  }

  mcp::http::Response post(const mcp::http::Request& prepared) {
    auto responder = std::make_shared<CaptureResponder>();
    transport->handle(prepared, responder);
    executor.drain();
    return std::move(responder->captured);
  }

  mcp::util::Logger log;
  mcp::Server server;
  ManualExecutor executor;
  std::unique_ptr<mcp::transport::StreamableHttpTransport> transport;
};

// The same server behind the OAuth gate (--auth oidc): a warm key set and a
// bearer token that every request carries, as a real client sends it.
struct AuthenticatedServer : InMemoryServer {
  static constexpr const char* kIssuer = "https://issuer.example.com";

  AuthenticatedServer()
      : key(mcp::testing::TestKey::rsa("bench")),
        public_url("", "/mcp", false),
        keys(jwks_options(), http, log),
        verifier(verifier_options(), keys),
        gate(gate_options(), public_url, verifier) {
    http.handler = [this](const mcp::http::ClientRequest&) {
      return mcp::testing::FakeHttpClient::ok(mcp::testing::jwks_json({&key}));
    };
    keys.prefetch();
    http.deliver();
    Json claims = mcp::testing::access_claims(
        kIssuer, "http://127.0.0.1:3000/mcp",
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count(),
        3600);
    claims["scope"] = "mcp:tools openid email";
    claims["client_id"] = "bench-client";
    authorization = "Bearer " + key.token(claims);
    transport->set_access_control(&gate);
  }

  static mcp::auth::JwksOptions jwks_options() {
    mcp::auth::JwksOptions o;
    o.jwks_url = "https://issuer.example.com/jwks.json";
    o.issuer = kIssuer;
    return o;
  }
  static mcp::auth::VerifierOptions verifier_options() {
    mcp::auth::VerifierOptions o;
    o.rules.issuer = kIssuer;
    return o;
  }
  static mcp::auth::ResourceServerOptions gate_options() {
    mcp::auth::ResourceServerOptions o;
    o.authorization_servers = {kIssuer};
    o.required_scopes = {"mcp:tools"};
    return o;
  }

  mcp::testing::TestKey key;
  mcp::testing::FakeHttpClient http;
  mcp::auth::PublicUrl public_url;
  mcp::auth::JwksCache keys;
  mcp::auth::TokenVerifier verifier;
  mcp::auth::ResourceServer gate;
  std::string authorization;
};

mcp::http::Request base_request(std::string body) {
  mcp::http::Request r;
  r.method = "POST";
  r.target = "/mcp";
  r.remote_address = "127.0.0.1";
  r.headers.add("Host", "127.0.0.1:3000");
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Accept", "application/json, text/event-stream");
  r.body = std::move(body);
  return r;
}

void check_greeting(benchmark::State& state, const mcp::http::Response& resp) {
  if (resp.status != 200 || resp.body.find("Hello, bench!") == std::string::npos) {
    state.SkipWithError(("unexpected response " + std::to_string(resp.status) + ": " + resp.body).c_str());
  }
}

void BM_Transport_Legacy_ToolsCall(benchmark::State& state) {
  InMemoryServer s;
  const auto init = s.post(base_request(kInitialize));
  const auto sid = init.headers.get("mcp-session-id");
  if (init.status != 200 || !sid) {
    state.SkipWithError("initialize failed");
    return;
  }
  const std::string session_id(*sid);
  auto initialized = base_request(kInitialized);
  initialized.headers.add("Mcp-Session-Id", session_id);
  initialized.headers.add("MCP-Protocol-Version", "2025-11-25");
  s.post(initialized);

  auto prepared = base_request(kLegacyCall);
  prepared.headers.add("Mcp-Session-Id", session_id);
  prepared.headers.add("MCP-Protocol-Version", "2025-11-25");
  check_greeting(state, s.post(prepared));
  for (auto _ : state) {
    auto resp = s.post(prepared);
    benchmark::DoNotOptimize(resp);
  }
}
BENCHMARK(BM_Transport_Legacy_ToolsCall);

void BM_Transport_Modern_ToolsCall(benchmark::State& state) {
  InMemoryServer s;
  auto prepared = base_request(kModernCall);
  prepared.headers.add("MCP-Protocol-Version", "2026-07-28");
  prepared.headers.add("Mcp-Method", "tools/call");
  prepared.headers.add("Mcp-Name", "greet");
  check_greeting(state, s.post(prepared));
  for (auto _ : state) {
    auto resp = s.post(prepared);
    benchmark::DoNotOptimize(resp);
  }
}
BENCHMARK(BM_Transport_Modern_ToolsCall);

void BM_Transport_Legacy_Initialize(benchmark::State& state) {
  InMemoryServer s;
  const auto prepared = base_request(kInitialize);
  for (auto _ : state) {
    auto resp = s.post(prepared);
    if (resp.status != 200) {
      state.SkipWithError("initialize failed");
      break;
    }
    benchmark::DoNotOptimize(resp);
  }
}
BENCHMARK(BM_Transport_Legacy_Initialize);

// The two authenticated variants are BM_Transport_*_ToolsCall plus the gate:
// their difference is what --auth oidc costs per request once the token's
// verification is cached.
void BM_Transport_Legacy_ToolsCall_Auth(benchmark::State& state) {
  AuthenticatedServer s;
  auto init = base_request(kInitialize);
  init.headers.add("Authorization", s.authorization);
  const auto resp = s.post(init);
  const auto sid = resp.headers.get("mcp-session-id");
  if (resp.status != 200 || !sid) {
    state.SkipWithError(("initialize failed: " + std::to_string(resp.status)).c_str());
    return;
  }
  auto prepared = base_request(kLegacyCall);
  prepared.headers.add("Mcp-Session-Id", std::string(*sid));
  prepared.headers.add("MCP-Protocol-Version", "2025-11-25");
  prepared.headers.add("Authorization", s.authorization);
  check_greeting(state, s.post(prepared));
  for (auto _ : state) {
    auto r = s.post(prepared);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Transport_Legacy_ToolsCall_Auth);

void BM_Transport_Modern_ToolsCall_Auth(benchmark::State& state) {
  AuthenticatedServer s;
  auto prepared = base_request(kModernCall);
  prepared.headers.add("MCP-Protocol-Version", "2026-07-28");
  prepared.headers.add("Mcp-Method", "tools/call");
  prepared.headers.add("Mcp-Name", "greet");
  prepared.headers.add("Authorization", s.authorization);
  check_greeting(state, s.post(prepared));
  for (auto _ : state) {
    auto r = s.post(prepared);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Transport_Modern_ToolsCall_Auth);

// The gate alone with a cached verification: header checks, the canonical
// resource URL, the cache lookup, required scopes.
void BM_Auth_Gate_Cached(benchmark::State& state) {
  AuthenticatedServer s;
  auto prepared = base_request(kLegacyCall);
  prepared.headers.add("Authorization", s.authorization);
  auto first = s.gate.try_authenticate(prepared);
  if (!first || !*first) {
    state.SkipWithError("the token was not accepted");
    return;
  }
  for (auto _ : state) {
    auto r = s.gate.try_authenticate(prepared);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Auth_Gate_Cached);

}  // namespace

BENCHMARK_MAIN();
