#pragma once
// What a handler sees of its request: who is asking, in which revision, and
// the ways to talk back before the result (progress, log messages, questions
// to the client), plus cooperative timing and cancellation.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mcp/json_rpc/message.hpp"
#include "mcp/protocol/executor.hpp"
#include "mcp/protocol/task.hpp"
#include "mcp/protocol/types.hpp"
#include "mcp/protocol/version.hpp"
#include "mcp/util/expected.hpp"

namespace mcp {

using ReplyCallback = std::function<void(util::Expected<Json, json_rpc::Error>)>;

// Implemented by the transport for one in-flight request.
class RequestChannel {
 public:
  virtual ~RequestChannel() = default;
  // A notification related to this request; the transport decides the stream.
  virtual void notify(std::string_view method, const Json& params) = 0;
  // Legacy sessions only: a server->client request related to this request.
  // `on_reply` runs once on the executor with the client's result or error.
  // `key` names the question where the channel needs one (tasks).
  virtual void request(std::string_view method, const Json& params, ReplyCallback on_reply,
                       std::string_view key = {}) = 0;
  // SEP-1699 polling: end the HTTP response now, keeping the stream resumable.
  virtual void close_stream(std::chrono::milliseconds retry) = 0;
};

// State of a legacy session that the protocol core reads and updates. The
// transport owns it; modern requests have none.
struct SessionState {
  protocol::Version version = protocol::kLatestLegacyVersion;
  Json client_capabilities = Json::object();
  Json client_info = Json::object();
  std::optional<LoggingLevel> log_level;  // unset: send every level
  std::set<std::string> subscriptions;
};

// Verified identity of the caller, filled by the transport's auth gate.
struct AuthInfo {
  std::string subject;
  std::string client_id;
  std::vector<std::string> scopes;
  std::int64_t expires_at = 0;  // unix seconds (the token's exp)
  Json claims;
};

// Everything the core needs to know about one inbound request besides the
// JSON-RPC message itself.
struct RequestInfo {
  protocol::Version version = protocol::kLatestLegacyVersion;
  SessionState* session = nullptr;  // legacy session, else null
  std::string session_id;
  Json client_capabilities = Json::object();
  Json client_info = Json::object();
  bool logging_enabled = true;
  LoggingLevel min_log_level = LoggingLevel::kDebug;
  std::shared_ptr<const AuthInfo> auth;
  // The latest time the answer may arrive (a Lambda invocation deadline), if any.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

namespace detail {
struct CallState;
}

class Context {
 public:
  // The call state owns the handler's coroutine frames, so they only borrow it.
  explicit Context(detail::CallState* state) : state_(state) {}

  protocol::Version version() const;
  bool is_modern() const { return protocol::is_modern(version()); }
  const Json& client_capabilities() const;
  const Json& client_info() const;
  const Json& meta() const;  // the request's params._meta (null when absent)
  const std::string& session_id() const;
  const AuthInfo* auth() const;
  Executor& executor() const;
  bool cancelled() const;
  // When the answer must be complete (Lambda), if the transport knows; work
  // that could outlive it should stop early with a clear error.
  std::optional<std::chrono::steady_clock::time_point> deadline() const;

  bool has_progress_token() const;
  void progress(double progress, std::optional<double> total = std::nullopt, std::string message = {});
  void log(LoggingLevel level, Json data, std::string logger = {});

  // Suspends without blocking the event loop.
  Task<void> sleep(std::chrono::milliseconds delay);

  // Questions to the client. Legacy sessions send a server->client request on
  // this request's stream; modern requests return `input_required` and run the
  // handler again when the client retries with the answers (so a handler must
  // ask the same questions, with the same keys, on every run). Throws McpError
  // when the client lacks the capability, answers with an error, or sends an
  // answer that is not an object.
  Task<Json> elicit(Json params, std::string key = {});
  Task<Json> create_message(Json params, std::string key = {});
  Task<Json> list_roots(std::string key = {});
  Task<std::vector<Json>> ask(std::vector<InputRequest> requests);

  // Tasks extension: if this tool supports tasks and the client declared the
  // extension, answer the request now with a task handle and continue in the
  // background (the result is fetched with tasks/get). Otherwise nothing
  // happens. Called automatically before the handler unless the tool is
  // registered with task_on_demand.
  Task<void> become_task();
  bool in_task() const;

  // SEP-1699: close the SSE connection now; the result is delivered to a
  // client that resumes with Last-Event-ID. No effect for modern requests.
  void close_sse_stream(std::chrono::milliseconds retry = std::chrono::milliseconds(500));

  detail::CallState& state() const { return *state_; }

 private:
  detail::CallState* state_;
};

}  // namespace mcp
