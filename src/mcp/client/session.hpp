#pragma once
// An MCP client session over Streamable HTTP, for both protocol eras:
// 2026-07-28 (stateless, `_meta` envelope, input_required round trips) and
// 2025-11-25/06-18/03-26 (initialize, Mcp-Session-Id, GET stream, server->
// client requests, Last-Event-ID resumption).
//
// Threading: a Session is driven by one owner thread. HTTP exchanges run on
// worker threads that only parse and queue messages; notifications and
// server requests are dispatched to the Handlers on the owner thread, inside
// request() while it waits, or in dispatch_pending() when idle. So handlers
// may prompt the user or print without locking.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/client/auth_provider.hpp"
#include "mcp/client/failure.hpp"
#include "mcp/json_rpc/message.hpp"
#include "mcp/protocol/types.hpp"
#include "mcp/protocol/version.hpp"
#include "mcp/transport/http_client.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::client {

using Json = nlohmann::json;

enum class Era { kModern, kLegacy };

struct Options {
  std::string url;
  Implementation client_info{"bedrock-usage-mcp-client", "0.1.0"};
  // nullopt: try 2026-07-28 first (server/discover), fall back to initialize
  // offering 2025-11-25 and accepting 2025-06-18 / 2025-03-26 answers. A set
  // version is the only one offered.
  std::optional<protocol::Version> version;
  // Capabilities declared to the server (legacy initialize and modern _meta).
  Json capabilities = Json{{"elicitation", Json{{"form", Json::object()}}}};
  std::chrono::milliseconds request_timeout{60000};    // resets when progress arrives
  std::chrono::milliseconds max_request_time{600000};  // cap even while progress keeps arriving
  std::chrono::milliseconds connect_timeout{10000};    // TCP/TLS connect and response headers
  bool standalone_stream = true;                       // legacy: open the GET stream after initialize
  std::size_t max_message_bytes = std::size_t{16} << 20;
  int max_resume_attempts = 5;  // reconnects of one dropped stream (Last-Event-ID)
  int max_input_rounds = 8;     // modern input_required round trips per request
  std::string log_level;        // empty: server default; else legacy logging/setLevel / modern _meta logLevel
  http::Headers extra_headers;  // sent on every request (never logged)
};

struct ServerInfo {
  Era era = Era::kLegacy;
  protocol::Version version = protocol::Version::k2025_11_25;
  Json implementation = Json::object();  // serverInfo
  Json capabilities = Json::object();
  std::string instructions;
  std::string session_id;          // legacy sessions only; empty when the server issued none
  bool standalone_stream = false;  // a GET stream is open
};

struct Progress {
  double progress = 0;
  std::optional<double> total;
  std::string message;
};

struct RequestOptions {
  std::optional<std::chrono::milliseconds> timeout;  // default: Options::request_timeout
  // When set, a progressToken is sent and progress notifications for this
  // request come here instead of Handlers::on_notification.
  std::function<void(const Progress&)> on_progress;
  // Set to true (e.g. from a SIGINT handler) to cancel: the server is told
  // (notifications/cancelled, or the stream is closed for 2026-07-28) and
  // request() returns Failure::kCancelled.
  const std::atomic<bool>* cancel = nullptr;
};

struct Handlers {
  // Notifications that are not progress for a running request
  // (notifications/message, list_changed, resources/updated, ...).
  std::function<void(const json_rpc::Notification&)> on_notification;
  // Requests from the server: elicitation/create, sampling/createMessage,
  // roots/list (legacy server->client requests, or modern inputRequests).
  // ping is answered by the session itself. Unset: method not found.
  std::function<util::Expected<Json, json_rpc::Error>(const std::string& method, const Json& params)>
      on_request;
  // One line per HTTP exchange and message for debug output; credentials are
  // never included (Authorization shows a short prefix only).
  std::function<void(std::string_view line)> on_trace;
};

class Session {
 public:
  Session(Options options, http::StreamingClient& http, Handlers handlers, AuthProvider* auth = nullptr);
  ~Session();  // stops every stream and worker; does not DELETE (see terminate())
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Negotiates the era and revision (and authorizes through the provider on
  // 401/403). Legacy: initialize, notifications/initialized, GET stream.
  // `cancel` (e.g. set by Ctrl-C) abandons the handshake with kCancelled.
  util::Expected<ServerInfo, Failure> connect(const std::atomic<bool>* cancel = nullptr);
  bool connected() const;
  const ServerInfo& server() const;  // valid while connected()
  const std::string& url() const;

  // Sends a request and waits for its result, dispatching whatever else
  // arrives meanwhile. Handles 401/403 through the AuthProvider, re-initializes
  // once on 404 for an expired legacy session, resumes dropped SSE streams,
  // and completes 2026-07-28 input_required rounds through on_request.
  util::Expected<Json, Failure> request(const std::string& method, Json params,
                                        const RequestOptions& options = {});
  // Sends a notification; nullopt on success.
  std::optional<Failure> notify(const std::string& method, Json params);

  // Dispatches messages that arrived while no request was running (GET stream).
  void dispatch_pending();
  // Readable while messages wait for dispatch_pending(); for poll() loops.
  int wakeup_fd() const;

  // Legacy: DELETE the session (405 counts as success: the server keeps no
  // session to end). Always ends the local connection.
  std::optional<Failure> terminate();
  // Ends the local connection without telling the server.
  void disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::client
