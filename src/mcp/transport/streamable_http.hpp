#pragma once
// The Streamable HTTP transport (MCP 2025-03-26 .. 2026-07-28) as plain
// logic over the HTTP exchange model: era detection, header rules, signed
// sessions, JSON-or-SSE responses, resumable streams, server->client
// requests. Adapters (Beast, Lambda) only move bytes.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mcp/protocol/executor.hpp"
#include "mcp/protocol/server.hpp"
#include "mcp/transport/access_control.hpp"
#include "mcp/transport/http_types.hpp"
#include "mcp/util/log.hpp"

namespace mcp::transport {

class Exchange;

struct TransportOptions {
  std::string endpoint = "/mcp";
  std::string bind_address = "127.0.0.1";  // decides the default Host/Origin policy
  std::vector<std::string> allowed_hosts;  // empty: see HostPolicy
  std::vector<std::string> allowed_origins;
  std::size_t max_body_bytes = std::size_t{4} * 1024 * 1024;
  std::size_t max_sessions = 10'000;  // per-instance session states kept in memory
  std::size_t max_streams = 1'000;    // open SSE responses at once
  std::chrono::seconds session_idle_timeout{30 * 60};
  std::chrono::seconds session_max_age{24 * 60 * 60};
  std::size_t events_per_stream = 256;
  std::size_t streams_per_session = 32;
  std::chrono::milliseconds sse_retry{1000};
  std::chrono::seconds keepalive_interval{15};
  // Legacy sessions' standalone GET streams. Off behind AWS Lambda: an
  // invocation that only waits for notifications holds a billed instance
  // for the whole function timeout, and none can arrive from the other
  // instances that serve the session's POSTs. GET is then answered 405,
  // which the spec allows; resumption (Last-Event-ID) still works.
  bool standalone_get_streams = true;
  // Server-to-client requests (sampling, elicitation, roots) in legacy
  // sessions. Off behind AWS Lambda: the client POSTs its reply as a new
  // invocation, which never reaches the busy instance that waits for it, so
  // such a request fails at once with a clear error instead of waiting out
  // the deadline. 2026-07-28 clients answer through input_required instead.
  bool session_client_requests = true;
  // Signs session ids; every instance serving the same sessions needs the
  // same secret. Empty: a random per-process key.
  std::string session_secret;
};

class StreamableHttpTransport {
 public:
  StreamableHttpTransport(Server& server, Executor& executor, TransportOptions options,
                          const util::Logger& log);
  ~StreamableHttpTransport();
  StreamableHttpTransport(const StreamableHttpTransport&) = delete;
  StreamableHttpTransport& operator=(const StreamableHttpTransport&) = delete;

  // Handles one HTTP request on the executor thread. The responder is used
  // exactly once (respond, or stream ... end).
  void handle(http::Request request, std::shared_ptr<http::Responder> responder);

  // Puts every request to the endpoint behind `access` (not owned; must
  // outlive the transport). Without one, requests are not authenticated.
  void set_access_control(AccessControl* access);

  // Starts the periodic keep-alive and idle-session sweep.
  void start();
  // Graceful stop: refuse new work with 503, end open streams, let running
  // calls finish. `idle()` tells when nothing is left in flight.
  void begin_shutdown();
  bool idle() const;
  // Cancels whatever is still running (after the grace period); the executor
  // must then run once more so that the cancellations complete.
  void close();

  const TransportOptions& options() const;

 private:
  friend class Exchange;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::transport
