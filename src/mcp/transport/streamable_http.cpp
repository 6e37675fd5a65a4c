#include "mcp/transport/streamable_http.hpp"

#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "mcp/json_rpc/message.hpp"
#include "mcp/transport/event_store.hpp"
#include "mcp/transport/header_values.hpp"
#include "mcp/transport/request_policy.hpp"
#include "mcp/transport/session_id.hpp"
#include "mcp/transport/sse.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::transport {

using json_rpc::Error;
using json_rpc::Id;
using protocol::Version;
using Clock = std::chrono::steady_clock;
namespace code = json_rpc::code;

namespace {

// Legacy sessions are bound to the token subject; unauthenticated servers
// bind every session to the empty subject.
std::string_view subject_of(const std::shared_ptr<const AuthInfo>& auth) {
  return auth ? std::string_view(auth->subject) : std::string_view();
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.add("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// The single place where transport-level failures become HTTP responses.
http::Response error_response(int status, const std::optional<Id>& id, const Error& e) {
  return json_response(status, json_rpc::encode_error(id, e));
}

http::Response accepted() {
  http::Response r;
  r.status = 202;
  return r;
}

http::Headers sse_headers() {
  http::Headers h;
  h.add("Content-Type", "text/event-stream");
  h.add("Cache-Control", "no-cache, no-transform");
  h.add("X-Accel-Buffering", "no");
  return h;
}

Json supported_versions_json(bool modern_only) {
  Json out = Json::array();
  for (Version v : protocol::kAllVersions) {
    if (!modern_only || protocol::is_modern(v)) out.push_back(protocol::to_string(v));
  }
  return out;
}

Error unsupported_version(std::string_view requested, bool modern_only) {
  return Error{code::kUnsupportedProtocolVersion, fmt::format("Unsupported protocol version: {}", requested),
               Json{{"supported", supported_versions_json(modern_only)}, {"requested", requested}}};
}

const Json& object_or_empty(const Json& j) {
  static const Json kEmpty = Json::object();
  return j.is_object() ? j : kEmpty;
}

// The value a modern request must repeat in Mcp-Name, if its method has one.
std::optional<std::string> name_for_header(const json_rpc::Request& r) {
  const Json& p = object_or_empty(r.params);
  const char* key = nullptr;
  if (r.method == "tools/call" || r.method == "prompts/get")
    key = "name";
  else if (r.method == "resources/read")
    key = "uri";
  else if (r.method == "tasks/get" || r.method == "tasks/update" || r.method == "tasks/cancel")
    key = "taskId";
  if (key == nullptr) return std::nullopt;
  const auto it = p.find(key);
  if (it == p.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// 2026-07-28 maps a few JSON-RPC errors to HTTP statuses so that routers and
// clients can act on them without reading the body.
int modern_error_status(int rpc_code) {
  switch (rpc_code) {
    case code::kMethodNotFound:
      return 404;
    case code::kHeaderMismatch:
    case code::kMissingRequiredClientCapability:
    case code::kUnsupportedProtocolVersion:
      return 400;
    default:
      return 200;
  }
}

}  // namespace

// One logical SSE stream: a POST response or a GET stream. In legacy sessions
// its events get ids and are stored for resumption, and a new connection can
// take over the stream after the old one dropped.
struct OutStream {
  std::string key;  // event-id prefix; empty when events carry no ids
  std::weak_ptr<struct Session> session;
  std::shared_ptr<http::Stream> conn;
  bool finished = false;

  void send(const std::string& message);
  void write_raw(std::string chunk) {
    if (conn && !conn->closed()) conn->write(std::move(chunk));
  }
  void end_connection() {
    if (conn) {
      auto c = std::move(conn);
      c->end();
    }
  }
  void finish() {
    finished = true;
    end_connection();
  }
};

struct Session {
  Session(std::string sid, const SessionClaims& c, std::size_t events, std::size_t streams)
      : id(std::move(sid)), claims(c), store(events, streams) {
    state.version = c.version;
    state.client_capabilities = capabilities_from_bits(c.capability_bits);
  }
  std::string id;
  SessionClaims claims;
  std::string subject;  // the token subject the session is bound to ("" without auth)
  SessionState state;
  EventStore store;
  Clock::time_point last_seen = Clock::now();
  std::shared_ptr<OutStream> standalone;
  std::unordered_map<std::string, std::weak_ptr<OutStream>> streams;  // by key, for Last-Event-ID
  std::uint64_t next_stream = 0;
  std::int64_t next_request_id = 0;
  std::unordered_map<std::string, ReplyCallback> pending;            // server->client requests
  std::unordered_map<std::string, std::function<void()>> in_flight;  // client requests -> cancel
  Server::ListenerId listener = 0;
  std::size_t exchanges = 0;  // POSTs being answered

  bool busy() const {
    return exchanges > 0 || !pending.empty() ||
           (standalone && standalone->conn && !standalone->conn->closed());
  }
};

void OutStream::send(const std::string& message) {
  std::string id;
  if (!key.empty()) {
    if (auto s = session.lock()) id = s->store.append(key, message);
  }
  write_raw(format_sse_event(message, id, "message"));
}

struct StreamableHttpTransport::Impl : std::enable_shared_from_this<StreamableHttpTransport::Impl> {
  Impl(Server& s, Executor& e, TransportOptions o, const util::Logger& l)
      : server(s),
        executor(e),
        options(std::move(o)),
        log(l),
        hosts(options.bind_address, options.allowed_hosts, options.allowed_origins),
        ids(options.session_secret) {}

  Server& server;
  Executor& executor;
  TransportOptions options;
  const util::Logger& log;
  HostPolicy hosts;
  SessionIdCodec ids;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;
  std::unordered_map<std::string, std::int64_t> terminated;  // id -> unix expiry
  std::vector<std::weak_ptr<OutStream>> live_streams;
  // Every exchange still answering (it unlinks itself when destroyed), so
  // that shutdown can end listen streams and destruction can cancel the rest.
  std::unordered_set<Exchange*> live_exchanges;
  std::size_t open_streams = 0;
  std::size_t exchanges = 0;
  bool shutting_down = false;
  Executor::TimerId tick_timer = 0;
  AccessControl* access = nullptr;  // null: no authentication (--auth none)

  using Auth = std::shared_ptr<const AuthInfo>;
  void handle(http::Request req, std::shared_ptr<http::Responder> responder);
  void dispatch(http::Request& req, std::shared_ptr<http::Responder>& responder, Clock::time_point start,
                const Auth& auth);
  void handle_post(http::Request& req, std::shared_ptr<http::Responder>& responder, Clock::time_point start,
                   const Auth& auth);
  void handle_get(http::Request& req, std::shared_ptr<http::Responder>& responder, Clock::time_point start,
                  const Auth& auth);
  void handle_delete(http::Request& req, std::shared_ptr<http::Responder>& responder, Clock::time_point start,
                     const Auth& auth);
  void handle_initialize(const http::Request& req, json_rpc::Request& init,
                         std::shared_ptr<http::Responder>& responder, Clock::time_point start,
                         const Auth& auth);
  void handle_modern(http::Request& req, json_rpc::Parsed& msg, std::shared_ptr<http::Responder>& responder,
                     Clock::time_point start, const Auth& auth);
  void deny(const http::Request& req, std::shared_ptr<http::Responder>& responder, const AccessDenied& denied,
            Clock::time_point start);

  // Resolves a legacy session id: nullptr when forged, expired, terminated or
  // bound to another subject.
  std::shared_ptr<Session> resolve(std::string_view sid, std::string_view subject);
  std::shared_ptr<Session> add_session(std::string sid, const SessionClaims& claims,
                                       std::string_view subject);
  void drop_session(const std::shared_ptr<Session>& s, bool terminate);
  std::shared_ptr<http::Stream> open_stream(http::Responder& responder, const std::shared_ptr<OutStream>& os);
  void tick();
  // Weak references to live exchanges (only the listening ones if asked):
  // cancelling one may destroy others, so never iterate the set itself.
  std::vector<std::weak_ptr<Exchange>> exchanges_snapshot(bool listening_only) const;

  void finish(const http::Request& req, std::shared_ptr<http::Responder>& responder, http::Response resp,
              Clock::time_point start, std::string_view rpc = {}) {
    log_request(req, resp.status, start, rpc);
    responder->respond(std::move(resp));
  }
  void log_request(const http::Request& req, int status, Clock::time_point start, std::string_view rpc,
                   std::string_view mode = "json") const {
    if (!log.enabled(util::LogLevel::kInfo)) return;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    Json fields = {
        {"method", req.method}, {"path", req.path()}, {"status", status}, {"ms", std::round(ms * 100) / 100}};
    if (!rpc.empty()) fields["rpc"] = rpc;
    if (status == 200) fields["mode"] = mode;
    log.info("request", fields);
  }
};

// The answer to one POST that carries requests. It is the RequestChannel of
// every request in it, starts as a pending JSON response and upgrades itself
// to SSE the first time something must be sent before the result.
class Exchange : public RequestChannel, public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<StreamableHttpTransport::Impl> t, std::shared_ptr<http::Responder> responder,
           std::shared_ptr<Session> session, Version version, bool batch, std::size_t expected,
           http::Request req, Clock::time_point start)
      : t_(std::move(t)),
        responder_(std::move(responder)),
        session_(std::move(session)),
        version_(version),
        batch_(batch),
        remaining_(expected),
        req_(std::move(req)),
        start_(start) {
    ++t_->exchanges;
    if (session_) ++session_->exchanges;
  }
  // Registers with the transport so that teardown can cancel what is left.
  void track(bool listening = false) {
    listening_ = listening;
    t_->live_exchanges.insert(this);
  }
  bool listening() const { return listening_; }
  ~Exchange() override {
    t_->live_exchanges.erase(this);
    --t_->exchanges;
    if (session_) --session_->exchanges;
  }

  void start_call(json_rpc::Request request, RequestInfo info) {
    if (rpc_.empty()) rpc_ = request.method;
    if (slots_.empty()) {
      // A client that hangs up before the answer: for 2026-07-28 that is a
      // cancellation (as for a dropped stream); legacy handlers keep running.
      std::weak_ptr<Exchange> weak = shared_from_this();
      responder_->on_close([weak] {
        if (auto self = weak.lock(); self && !self->responded_ && !self->stream_ &&
                                     (protocol::is_modern(self->version_) || !self->session_)) {
          self->cancel_all();
        }
      });
    }
    auto slot = std::make_shared<Slot>();
    slot->id = request.id;
    slot->key = request.id.to_string();
    slots_.push_back(slot);
    std::weak_ptr<Exchange> weak = shared_from_this();
    auto handle = t_->server.call(std::move(request), std::move(info), shared_from_this(), t_->executor,
                                  [weak, slot](CallOutcome outcome) {
                                    slot->done = true;
                                    if (auto self = weak.lock()) self->on_done(*slot, std::move(outcome));
                                  });
    if (!slot->done && handle) {
      slot->handle = std::move(handle);
      if (session_) {
        session_->in_flight[slot->key] = [weak, key = slot->key] {
          if (auto self = weak.lock()) self->cancel(key);
        };
      }
    }
  }

  void notify(std::string_view method, const Json& params) override {
    if (responded_ && !stream_) return;
    ensure_sse();
    stream_->send(json_rpc::encode_notification(method, params));
  }

  void request(std::string_view method, const Json& params, ReplyCallback on_reply,
               std::string_view) override {
    if (!session_ || protocol::is_modern(version_) || (responded_ && !stream_)) {
      t_->executor.post([cb = std::move(on_reply)] {
        cb(util::unexpected(
            Error{code::kInvalidRequest, "server-to-client requests need a legacy session", nullptr}));
      });
      return;
    }
    if (!t_->options.session_client_requests) {
      t_->executor.post([cb = std::move(on_reply)] {
        cb(util::unexpected(Error{
            code::kInternalError,
            "This server runs on AWS Lambda without shared session state: a reply to a server-to-client "
            "request would reach another instance. Use protocol 2026-07-28, whose input_required rounds "
            "carry the answer",
            nullptr}));
      });
      return;
    }
    const Id id(session_->next_request_id++);
    session_->pending[id.to_string()] = std::move(on_reply);
    ensure_sse();
    stream_->send(json_rpc::encode_request(id, method, params));
  }

  void close_stream(std::chrono::milliseconds retry) override {
    if (!session_ || protocol::is_modern(version_)) return;
    ensure_sse();
    if (stream_->conn) {
      stream_->write_raw(fmt::format("retry: {}\n\n", retry.count()));
      t_->log_request(req_, 200, start_, rpc_, "sse-closed");
      stream_->end_connection();
    }
  }

  // An invalid member of a batch is answered in place with its error.
  void reply_error(const std::optional<Id>& id, const Error& error) {
    deliver(json_rpc::encode_error(id, error));
    settle_one();
  }

  // Cancellation by notifications/cancelled: no response is sent for it.
  void cancel(const std::string& key) {
    for (auto& s : slots_) {
      if (s->key != key || s->done) continue;
      s->done = true;
      if (auto h = std::move(s->handle)) h->cancel();
      if (session_) session_->in_flight.erase(key);
      settle_one();
    }
  }

  void cancel_all() {
    for (auto& s : slots_) {
      if (s->done) continue;
      s->done = true;
      if (auto h = std::move(s->handle)) h->cancel();
      if (session_) session_->in_flight.erase(s->key);
    }
    remaining_ = 0;
    complete();
  }

 private:
  struct Slot {
    Id id;
    std::string key;
    std::shared_ptr<CallHandle> handle;
    bool done = false;
  };

  void ensure_sse() {
    if (stream_) return;
    stream_ = std::make_shared<OutStream>();
    const bool legacy = session_ && !protocol::is_modern(version_);
    if (legacy) {
      stream_->key = fmt::format("p{}", session_->next_stream++);
      stream_->session = session_;
      session_->streams[stream_->key] = stream_;
    }
    responded_ = true;
    auto conn = t_->open_stream(*responder_, stream_);
    std::weak_ptr<Exchange> weak = shared_from_this();
    conn->on_close([weak] {
      if (auto self = weak.lock()) self->on_peer_closed();
    });
    // SEP-1699 priming: an id and a retry hint before anything else, only for
    // clients that understand empty events (2025-11-25 and later).
    if (legacy && version_ >= Version::k2025_11_25) {
      const std::string id = session_->store.append(stream_->key, {}, /*store=*/false);
      stream_->write_raw(format_sse_event({}, id, {}, static_cast<long>(t_->options.sse_retry.count())));
    }
  }

  void on_peer_closed() {
    if (!stream_) return;
    stream_->conn.reset();
    // A dropped 2026-07-28 response stream is a cancellation; legacy streams
    // stay resumable and the handler keeps running.
    if (protocol::is_modern(version_) || !session_) cancel_all();
  }

  void on_done(Slot& slot, CallOutcome outcome) {
    if (session_) session_->in_flight.erase(slot.key);
    slot.handle.reset();  // the call holds this exchange as its channel
    if (!outcome && protocol::is_modern(version_)) status_ = modern_error_status(outcome.error().code);
    deliver(outcome ? json_rpc::encode_result(slot.id, *outcome)
                    : json_rpc::encode_error(slot.id, outcome.error()));
    settle_one();
  }

  void deliver(std::string message) {
    if (stream_) {
      stream_->send(message);
    } else if (batch_) {
      batch_bodies_.push_back(std::move(message));
    } else if (!responded_) {
      responded_ = true;
      t_->finish(req_, responder_, json_response(status_, std::move(message)), start_, rpc_);
    }
  }

  void settle_one() {
    if (remaining_ > 0) --remaining_;
    if (remaining_ == 0) complete();
  }

  void complete() {
    if (completed_) return;
    completed_ = true;
    if (stream_) {
      if (stream_->conn) t_->log_request(req_, 200, start_, rpc_, "sse");
      stream_->finish();
    } else if (!responded_) {
      responded_ = true;
      if (batch_ && !batch_bodies_.empty()) {
        std::string body = "[";
        for (std::size_t i = 0; i < batch_bodies_.size(); ++i) {
          if (i > 0) body += ',';
          body += batch_bodies_[i];
        }
        body += ']';
        t_->finish(req_, responder_, json_response(200, std::move(body)), start_, rpc_);
      } else {
        // Everything was cancelled: nothing to say, but the HTTP exchange
        // still needs an end.
        t_->finish(req_, responder_, accepted(), start_, rpc_);
      }
    }
  }

  std::shared_ptr<StreamableHttpTransport::Impl> t_;
  std::shared_ptr<http::Responder> responder_;
  std::shared_ptr<Session> session_;
  Version version_;
  bool batch_;
  std::size_t remaining_;
  http::Request req_;
  Clock::time_point start_;
  std::string rpc_;
  std::vector<std::shared_ptr<Slot>> slots_;
  std::vector<std::string> batch_bodies_;
  std::shared_ptr<OutStream> stream_;
  bool responded_ = false;
  bool completed_ = false;
  bool listening_ = false;
  int status_ = 200;
};

std::vector<std::weak_ptr<Exchange>> StreamableHttpTransport::Impl::exchanges_snapshot(
    bool listening_only) const {
  std::vector<std::weak_ptr<Exchange>> out;
  for (Exchange* e : live_exchanges) {
    if (!listening_only || e->listening()) out.push_back(e->weak_from_this());
  }
  return out;
}

// ------------------------------------------------------------------ routing

void StreamableHttpTransport::Impl::handle(http::Request req, std::shared_ptr<http::Responder> responder) {
  const auto start = Clock::now();
  const auto path = req.path();
  if (path == "/healthz" && (req.method == "GET" || req.method == "HEAD")) {
    return finish(req, responder, json_response(200, R"({"status":"ok"})"), start);
  }
  if (shutting_down) {
    auto r = error_response(503, std::nullopt, Error{code::kServerError, "Server is shutting down", nullptr});
    r.headers.add("Retry-After", "1");
    return finish(req, responder, std::move(r), start);
  }
  // DNS-rebinding protection applies to every route of the MCP origin.
  const auto host = req.headers.get("host");
  if (!host || !hosts.host_allowed(*host)) {
    return finish(
        req, responder,
        error_response(403, std::nullopt, Error{code::kServerError, "Forbidden: Host not allowed", nullptr}),
        start);
  }
  if (const auto origin = req.headers.get("origin"); origin && !hosts.origin_allowed(*origin, *host)) {
    return finish(req, responder,
                  error_response(403, std::nullopt,
                                 Error{code::kServerError, "Forbidden: Origin not allowed", nullptr}),
                  start);
  }
  if (path != options.endpoint) {
    return finish(req, responder, json_response(404, R"({"error":"not_found"})"), start);
  }
  // CORS preflights carry no credentials by definition; they get the plain
  // method answer.
  if (access == nullptr || req.method == "OPTIONS") return dispatch(req, responder, start, nullptr);
  // Every request to the endpoint is authenticated, initialize included.
  if (auto now = access->try_authenticate(req)) {
    if (!*now) return deny(req, responder, now->error(), start);
    return dispatch(req, responder, start, now->value());
  }
  // The gate must wait (a key set fetch): the request moves into the
  // continuation.
  auto pending = std::make_shared<http::Request>(std::move(req));
  std::weak_ptr<Impl> weak = weak_from_this();
  access->authenticate(*pending, [weak, pending, responder, start](AuthResult result) mutable {
    auto self = weak.lock();
    if (!self) return;
    if (!result) return self->deny(*pending, responder, result.error(), start);
    // This runs from the executor, outside the adapter's own try block.
    try {
      self->dispatch(*pending, responder, start, result.value());
    } catch (const std::exception& e) {
      self->log.error("request failed", {{"error", e.what()}});
      self->finish(*pending, responder,
                   error_response(500, std::nullopt, Error{code::kInternalError, "Internal error", nullptr}),
                   start);
    }
  });
}

void StreamableHttpTransport::Impl::dispatch(http::Request& req, std::shared_ptr<http::Responder>& responder,
                                             Clock::time_point start, const Auth& auth) {
  if (req.method == "POST") return handle_post(req, responder, start, auth);
  if (req.method == "GET") return handle_get(req, responder, start, auth);
  if (req.method == "DELETE") return handle_delete(req, responder, start, auth);
  auto r = error_response(405, std::nullopt, Error{code::kServerError, "Method Not Allowed", nullptr});
  r.headers.add("Allow", "GET, POST, DELETE");
  finish(req, responder, std::move(r), start);
}

void StreamableHttpTransport::Impl::deny(const http::Request& req,
                                         std::shared_ptr<http::Responder>& responder,
                                         const AccessDenied& denied, Clock::time_point start) {
  auto r = error_response(denied.status, std::nullopt, Error{code::kServerError, denied.message, nullptr});
  if (!denied.www_authenticate.empty()) r.headers.add("WWW-Authenticate", denied.www_authenticate);
  if (denied.status == 503) r.headers.add("Retry-After", "5");
  if (log.enabled(util::LogLevel::kInfo)) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    log.info("request", {{"method", req.method},
                         {"path", req.path()},
                         {"status", denied.status},
                         {"ms", std::round(ms * 100) / 100},
                         {"auth", denied.message}});
  }
  responder->respond(std::move(r));
}

std::shared_ptr<http::Stream> StreamableHttpTransport::Impl::open_stream(
    http::Responder& responder, const std::shared_ptr<OutStream>& os) {
  auto conn = responder.stream(200, sse_headers());
  os->conn = conn;
  ++open_streams;
  live_streams.push_back(os);
  std::weak_ptr<Impl> weak = weak_from_this();
  // Count the stream until its connection ends, whichever side ends it.
  conn->on_close([weak] {
    if (auto self = weak.lock(); self && self->open_streams > 0) --self->open_streams;
  });
  return conn;
}

void StreamableHttpTransport::Impl::handle_post(http::Request& req,
                                                std::shared_ptr<http::Responder>& responder,
                                                Clock::time_point start, const Auth& auth) {
  const auto content_type = req.headers.get("content-type");
  if (!content_type || !is_json_content_type(*content_type)) {
    return finish(
        req, responder,
        error_response(415, std::nullopt,
                       Error{code::kServerError,
                             "Unsupported Media Type: Content-Type must be application/json", nullptr}),
        start);
  }
  const auto accept = req.headers.get_joined("accept").value_or("");
  if (!accepts_media_type(accept, "application/json") || !accepts_media_type(accept, "text/event-stream")) {
    return finish(
        req, responder,
        error_response(
            406, std::nullopt,
            Error{code::kServerError,
                  "Not Acceptable: Client must accept both application/json and text/event-stream", nullptr}),
        start);
  }
  if (req.body.size() > options.max_body_bytes) {
    return finish(
        req, responder,
        error_response(413, std::nullopt,
                       Error{code::kServerError,
                             fmt::format("Request body exceeds {} bytes", options.max_body_bytes), nullptr}),
        start);
  }
  auto body = json_rpc::parse_body(req.body);
  if (!body) return finish(req, responder, error_response(400, std::nullopt, body.error()), start);
  auto& messages = body->messages;
  if (access != nullptr && auth) {
    // Scopes per method and tool; one denied call denies the whole POST.
    for (const auto& m : messages) {
      if (const auto* r = std::get_if<json_rpc::Request>(&m)) {
        if (auto denied = access->authorize(req, *auth, r->method, r->params)) {
          return deny(req, responder, *denied, start);
        }
      }
    }
  }
  const auto header_version = req.headers.get("mcp-protocol-version");
  const auto parsed_header =
      header_version ? protocol::parse_version(util::trim(*header_version)) : std::nullopt;

  if (!body->is_batch) {
    auto& msg = messages.front();
    if (auto* invalid = std::get_if<json_rpc::Invalid>(&msg)) {
      return finish(req, responder, error_response(400, invalid->id, invalid->error), start);
    }
    // Era: a session header means legacy; otherwise a 2026-07-28 request
    // announces itself by its _meta envelope or a modern version header
    // (legacy initialize may carry MCP-Protocol-Version: 2025-11-25 too).
    if (!req.headers.get("mcp-session-id")) {
      const Json* params = nullptr;
      if (auto* r = std::get_if<json_rpc::Request>(&msg)) params = &r->params;
      if (auto* n = std::get_if<json_rpc::Notification>(&msg)) params = &n->params;
      const bool meta_version = params != nullptr && params->is_object() && params->contains("_meta") &&
                                (*params)["_meta"].is_object() &&
                                (*params)["_meta"].contains(protocol::meta::kProtocolVersion);
      if (meta_version || (parsed_header && protocol::is_modern(*parsed_header))) {
        return handle_modern(req, msg, responder, start, auth);
      }
    }
    if (header_version && !parsed_header) {
      std::optional<Id> id;
      if (auto* r = std::get_if<json_rpc::Request>(&msg)) id = r->id;
      return finish(req, responder, error_response(400, id, unsupported_version(*header_version, false)),
                    start);
    }
    if (auto* r = std::get_if<json_rpc::Request>(&msg); r && r->method == "initialize") {
      return handle_initialize(req, *r, responder, start, auth);
    }
  } else {
    if (header_version && !parsed_header) {
      return finish(req, responder,
                    error_response(400, std::nullopt, unsupported_version(*header_version, false)), start);
    }
    for (const auto& m : messages) {
      if (const auto* r = std::get_if<json_rpc::Request>(&m); r && r->method == "initialize") {
        return finish(
            req, responder,
            error_response(400, std::nullopt, Error::invalid_request("initialize cannot be part of a batch")),
            start);
      }
    }
  }

  // Legacy: everything but initialize belongs to a session.
  const auto sid = req.headers.get("mcp-session-id");
  if (!sid) {
    return finish(
        req, responder,
        error_response(400, std::nullopt,
                       Error{code::kServerError, "Bad Request: Mcp-Session-Id header is required", nullptr}),
        start);
  }
  auto session = resolve(*sid, subject_of(auth));
  if (!session) {
    return finish(
        req, responder,
        error_response(404, std::nullopt, Error{code::kSessionNotFound, "Session not found", nullptr}),
        start);
  }
  if (body->is_batch && session->state.version >= Version::k2025_06_18) {
    return finish(
        req, responder,
        error_response(400, std::nullopt,
                       Error::invalid_request(fmt::format("batches are not supported in protocol version {}",
                                                          protocol::to_string(session->state.version)))),
        start);
  }

  RequestInfo info;
  info.version = session->state.version;
  info.session = &session->state;
  info.session_id = session->id;
  info.client_capabilities = session->state.client_capabilities;
  info.client_info = session->state.client_info;
  info.logging_enabled = true;
  info.min_log_level = session->state.log_level.value_or(LoggingLevel::kDebug);
  info.auth = auth;
  info.deadline = req.deadline;

  std::vector<json_rpc::Request> requests;
  std::vector<std::pair<std::optional<Id>, Error>> invalid;
  for (auto& m : messages) {
    if (auto* r = std::get_if<json_rpc::Request>(&m)) {
      requests.push_back(std::move(*r));
    } else if (auto* n = std::get_if<json_rpc::Notification>(&m)) {
      if (n->method == "notifications/cancelled") {
        const Json& p = object_or_empty(n->params);
        if (const auto rid = p.contains("requestId") ? Id::from_json(p["requestId"]) : std::nullopt) {
          if (auto it = session->in_flight.find(rid->to_string()); it != session->in_flight.end()) {
            auto cancel = std::move(it->second);
            session->in_flight.erase(it);
            cancel();
          }
        }
      }
      // Other client notifications (initialized, roots/list_changed, progress)
      // need no action from this server.
    } else if (auto* resp = std::get_if<json_rpc::Response>(&m)) {
      if (auto it = session->pending.find(resp->id.to_string()); it != session->pending.end()) {
        auto cb = std::move(it->second);
        session->pending.erase(it);
        if (resp->error)
          cb(util::unexpected(*resp->error));
        else
          cb(*resp->result);
      }
    } else if (auto* inv = std::get_if<json_rpc::Invalid>(&m)) {
      invalid.emplace_back(inv->id, inv->error);
    }
  }
  if (requests.empty() && invalid.empty()) return finish(req, responder, accepted(), start);
  if (requests.empty())
    return finish(req, responder, error_response(400, invalid.front().first, invalid.front().second), start);

  auto exchange =
      std::make_shared<Exchange>(shared_from_this(), responder, session, session->state.version,
                                 body->is_batch, requests.size() + invalid.size(), std::move(req), start);
  exchange->track();
  for (auto& r : requests) exchange->start_call(std::move(r), info);
  for (auto& [id, err] : invalid) exchange->reply_error(id, err);
}

void StreamableHttpTransport::Impl::handle_initialize(const http::Request& req, json_rpc::Request& init,
                                                      std::shared_ptr<http::Responder>& responder,
                                                      Clock::time_point start, const Auth& auth) {
  const Json& params = object_or_empty(init.params);
  const auto requested = params.find("protocolVersion");
  if (requested == params.end() || !requested->is_string()) {
    return finish(
        req, responder,
        error_response(400, init.id, Error::invalid_params("initialize needs a protocolVersion string")),
        start, "initialize");
  }
  if (sessions.size() >= options.max_sessions) {
    // Make room from idle sessions first; they can be rebuilt from their ids.
    for (auto it = sessions.begin(); it != sessions.end() && sessions.size() >= options.max_sessions;) {
      if (!it->second->busy()) {
        auto s = it->second;
        ++it;
        drop_session(s, false);
      } else {
        ++it;
      }
    }
    if (sessions.size() >= options.max_sessions) {
      auto r = error_response(503, init.id, Error{code::kServerError, "Too many active sessions", nullptr});
      r.headers.add("Retry-After", "5");
      return finish(req, responder, std::move(r), start, "initialize");
    }
  }
  const Version version = protocol::negotiate_initialize(requested->get<std::string>());
  SessionClaims claims;
  claims.version = version;
  claims.capability_bits = capability_bits(params.value("capabilities", Json::object()));
  claims.issued_at = unix_now();
  claims.subject_hash = subject_hash(subject_of(auth));
  const std::string sid = ids.issue(claims);
  auto session = add_session(sid, claims, subject_of(auth));
  session->state.client_info = params.value("clientInfo", Json::object());
  if (const auto caps = params.find("capabilities"); caps != params.end() && caps->is_object()) {
    session->state.client_capabilities = *caps;
  }
  auto resp = json_response(200, json_rpc::encode_result(init.id, server.initialize_result(version)));
  resp.headers.add("Mcp-Session-Id", sid);
  finish(req, responder, std::move(resp), start, "initialize");
}

void StreamableHttpTransport::Impl::handle_modern(http::Request& req, json_rpc::Parsed& msg,
                                                  std::shared_ptr<http::Responder>& responder,
                                                  Clock::time_point start, const Auth& auth) {
  const Json* params = nullptr;
  std::optional<Id> id;
  std::string method;
  if (auto* r = std::get_if<json_rpc::Request>(&msg)) {
    params = &r->params;
    id = r->id;
    method = r->method;
  } else if (auto* n = std::get_if<json_rpc::Notification>(&msg)) {
    params = &n->params;
    method = n->method;
  } else {
    // Responses have no place in the stateless revision (MRTR replaced them).
    return finish(req, responder, accepted(), start);
  }
  auto reject = [&](int status, const Error& e) {
    finish(req, responder, error_response(status, id, e), start, method);
  };
  const auto mismatch = [](std::string detail) {
    return Error{code::kHeaderMismatch, "Header mismatch: " + std::move(detail), nullptr};
  };

  // The order below decides which error a request with several faults gets;
  // it follows the 2026-07-28 transport rules (and the conformance probes).
  const auto header_version = req.headers.get("mcp-protocol-version");
  if (!header_version) return reject(400, mismatch("MCP-Protocol-Version header is required"));
  const Json& p = object_or_empty(*params);
  const auto meta_it = p.find("_meta");
  if (meta_it == p.end() || !meta_it->is_object()) return reject(400, Error::invalid_params("missing _meta"));
  const Json& meta = *meta_it;
  const auto v = meta.find(protocol::meta::kProtocolVersion);
  if (v == meta.end() || !v->is_string()) {
    return reject(
        400, Error::invalid_params(fmt::format("missing _meta[\"{}\"]", protocol::meta::kProtocolVersion)));
  }
  const auto caps = meta.find(protocol::meta::kClientCapabilities);
  if (caps == meta.end() || !caps->is_object()) {
    return reject(400, Error::invalid_params(
                           fmt::format("missing _meta[\"{}\"]", protocol::meta::kClientCapabilities)));
  }
  const std::string& meta_version = v->get_ref<const std::string&>();
  if (util::trim(*header_version) != meta_version) {
    return reject(400, mismatch("MCP-Protocol-Version does not match _meta protocolVersion"));
  }
  const auto version = protocol::parse_version(meta_version);
  if (!version || !protocol::is_modern(*version)) return reject(400, unsupported_version(meta_version, true));
  const auto mcp_method = req.headers.get("mcp-method");
  if (!mcp_method) return reject(400, mismatch("Mcp-Method header is required"));
  if (util::trim(*mcp_method) != method)
    return reject(400, mismatch("Mcp-Method does not match the request method"));

  auto* request = std::get_if<json_rpc::Request>(&msg);
  if (request == nullptr) return finish(req, responder, accepted(), start, method);
  if (!server.handles_method(method, *version)) return reject(404, Error::method_not_found(method));
  if (const auto expected = name_for_header(*request)) {
    const auto mcp_name = req.headers.get("mcp-name");
    if (!mcp_name) return reject(400, mismatch("Mcp-Name header is required"));
    const auto decoded = decode_header_value(util::trim(*mcp_name));
    if (!decoded || *decoded != *expected)
      return reject(400, mismatch("Mcp-Name does not match the request"));
  }
  if (method == "tools/call") {
    const auto name = p.find("name");
    const auto* schema = name != p.end() && name->is_string()
                             ? server.tool_input_schema(name->get_ref<const std::string&>())
                             : nullptr;
    if (schema != nullptr) {
      if (auto problem = check_param_headers(*schema, p.value("arguments", Json::object()), req.headers)) {
        return reject(400, mismatch(*problem));
      }
    }
  }

  RequestInfo info;
  info.version = *version;
  info.client_capabilities = *caps;
  info.client_info = object_or_empty(meta.value(protocol::meta::kClientInfo, Json::object()));
  info.auth = auth;
  info.deadline = req.deadline;
  // Log notifications are opt-in per request in 2026-07-28.
  info.logging_enabled = false;
  if (const auto lvl = meta.find(protocol::meta::kLogLevel); lvl != meta.end() && lvl->is_string()) {
    if (const auto parsed = parse_logging_level(lvl->get<std::string>())) {
      info.logging_enabled = true;
      info.min_log_level = *parsed;
    }
  }
  auto exchange = std::make_shared<Exchange>(shared_from_this(), responder, nullptr, *version, false, 1,
                                             std::move(req), start);
  exchange->track(method == "subscriptions/listen");
  exchange->start_call(std::move(*request), std::move(info));
}

void StreamableHttpTransport::Impl::handle_get(http::Request& req,
                                               std::shared_ptr<http::Responder>& responder,
                                               Clock::time_point start, const Auth& auth) {
  const auto accept = req.headers.get_joined("accept").value_or("");
  if (!accepts_media_type(accept, "text/event-stream")) {
    return finish(req, responder,
                  error_response(406, std::nullopt,
                                 Error{code::kServerError,
                                       "Not Acceptable: Client must accept text/event-stream", nullptr}),
                  start);
  }
  const auto header_version = req.headers.get("mcp-protocol-version");
  const auto sid = req.headers.get("mcp-session-id");
  if (header_version) {
    const auto v = protocol::parse_version(*header_version);
    if (!v)
      return finish(req, responder,
                    error_response(400, std::nullopt, unsupported_version(*header_version, false)), start);
    if (protocol::is_modern(*v) && !sid) {
      // 2026-07-28 has no GET stream (subscriptions/listen replaces it).
      auto r = error_response(405, std::nullopt, Error{code::kServerError, "Method Not Allowed", nullptr});
      r.headers.add("Allow", "POST");
      return finish(req, responder, std::move(r), start);
    }
  }
  if (!sid) {
    return finish(
        req, responder,
        error_response(400, std::nullopt,
                       Error{code::kServerError, "Bad Request: Mcp-Session-Id header is required", nullptr}),
        start);
  }
  auto session = resolve(*sid, subject_of(auth));
  if (!session) {
    return finish(
        req, responder,
        error_response(404, std::nullopt, Error{code::kSessionNotFound, "Session not found", nullptr}),
        start);
  }
  if (open_streams >= options.max_streams) {
    auto r = error_response(503, std::nullopt, Error{code::kServerError, "Too many open streams", nullptr});
    r.headers.add("Retry-After", "5");
    return finish(req, responder, std::move(r), start);
  }

  // Resumption: replay what the stream missed, then carry on with it.
  if (const auto last = req.headers.get("last-event-id")) {
    if (auto replay = session->store.after(*last)) {
      std::shared_ptr<OutStream> os;
      if (auto it = session->streams.find(replay->stream); it != session->streams.end())
        os = it->second.lock();
      if (!os) {
        os = std::make_shared<OutStream>();
        os->key = replay->stream;
        os->session = session;
        os->finished = true;  // the request it belonged to is over
      }
      os->end_connection();
      log_request(req, 200, start, {}, "sse-resume");
      auto conn = open_stream(*responder, os);
      std::weak_ptr<OutStream> weak_os = os;
      std::weak_ptr<http::Stream> weak_conn = conn;
      conn->on_close([weak_os, weak_conn] {
        auto o = weak_os.lock();
        if (o && o->conn == weak_conn.lock()) o->conn.reset();
      });
      for (auto& e : replay->events) os->write_raw(format_sse_event(e.data, e.id, "message"));
      if (os->finished) os->end_connection();
      return;
    }
  }

  if (!options.standalone_get_streams) {
    auto r = error_response(405, std::nullopt, Error{code::kServerError, "Method Not Allowed", nullptr});
    r.headers.add("Allow", "POST, DELETE");
    return finish(req, responder, std::move(r), start);
  }
  // The standalone stream; a new one replaces an older one of the session.
  if (session->standalone) session->standalone->end_connection();
  auto os = std::make_shared<OutStream>();
  os->key = fmt::format("g{}", session->next_stream++);
  os->session = session;
  session->standalone = os;
  session->streams[os->key] = os;
  log_request(req, 200, start, {}, "sse-get");
  auto conn = open_stream(*responder, os);
  std::weak_ptr<OutStream> weak_os = os;
  std::weak_ptr<http::Stream> weak_conn = conn;
  conn->on_close([weak_os, weak_conn] {
    auto o = weak_os.lock();
    if (o && o->conn == weak_conn.lock()) o->conn.reset();
  });
  if (session->state.version >= Version::k2025_11_25) {
    const std::string id = session->store.append(os->key, {}, false);
    os->write_raw(format_sse_event({}, id, {}, static_cast<long>(options.sse_retry.count())));
  }
}

void StreamableHttpTransport::Impl::handle_delete(http::Request& req,
                                                  std::shared_ptr<http::Responder>& responder,
                                                  Clock::time_point start, const Auth& auth) {
  const auto sid = req.headers.get("mcp-session-id");
  if (!sid) {
    return finish(
        req, responder,
        error_response(400, std::nullopt,
                       Error{code::kServerError, "Bad Request: Mcp-Session-Id header is required", nullptr}),
        start);
  }
  auto session = resolve(*sid, subject_of(auth));
  if (!session) {
    return finish(
        req, responder,
        error_response(404, std::nullopt, Error{code::kSessionNotFound, "Session not found", nullptr}),
        start);
  }
  drop_session(session, true);
  http::Response r;
  r.status = 200;
  finish(req, responder, std::move(r), start);
}

// ----------------------------------------------------------------- sessions

std::shared_ptr<Session> StreamableHttpTransport::Impl::add_session(std::string sid,
                                                                    const SessionClaims& claims,
                                                                    std::string_view subject) {
  auto session =
      std::make_shared<Session>(sid, claims, options.events_per_stream, options.streams_per_session);
  session->subject = std::string(subject);
  std::weak_ptr<Session> weak = session;
  session->listener = server.add_listener(
      Server::Listener{[weak](std::string_view method, const Json& params) {
                         auto s = weak.lock();
                         if (!s || !s->standalone || !s->standalone->conn) return false;
                         if (method == "notifications/resources/updated") {
                           return s->state.subscriptions.contains(params.value("uri", ""));
                         }
                         return true;
                       },
                       [weak](std::string_view method, const Json& params) {
                         if (auto s = weak.lock(); s && s->standalone)
                           s->standalone->send(json_rpc::encode_notification(method, params));
                       }});
  sessions.emplace(std::move(sid), session);
  return session;
}

std::shared_ptr<Session> StreamableHttpTransport::Impl::resolve(std::string_view sid,
                                                                std::string_view subject) {
  const std::string key(sid);
  if (terminated.contains(key)) return nullptr;
  if (auto it = sessions.find(key); it != sessions.end()) {
    // The id's subject hash was checked when this state was built; comparing
    // the subject itself avoids hashing on every request.
    if (it->second->subject != subject) return nullptr;
    it->second->last_seen = Clock::now();
    return it->second;
  }
  const auto claims = ids.verify(sid);
  if (!claims) return nullptr;
  if (unix_now() - claims->issued_at > options.session_max_age.count()) return nullptr;
  if (claims->subject_hash != subject_hash(subject)) return nullptr;
  // A session created by another instance (or before a restart): rebuild its
  // per-instance state from the id.
  if (sessions.size() >= options.max_sessions) return nullptr;
  return add_session(key, *claims, subject);
}

void StreamableHttpTransport::Impl::drop_session(const std::shared_ptr<Session>& s, bool terminate) {
  server.remove_listener(s->listener);
  if (terminate) {
    terminated[s->id] = s->claims.issued_at + options.session_max_age.count();
    auto in_flight = std::move(s->in_flight);
    s->in_flight.clear();
    for (auto& [key, cancel] : in_flight) cancel();
    auto pending = std::move(s->pending);
    for (auto& [key, cb] : pending) {
      cb(util::unexpected(Error{code::kServerError, "Session terminated", nullptr}));
    }
    for (auto& [key, weak] : s->streams) {
      if (auto os = weak.lock()) os->finish();
    }
  }
  sessions.erase(s->id);
}

void StreamableHttpTransport::Impl::tick() {
  // Keep idle SSE connections (and proxies in front of them) alive.
  const std::string ping = format_sse_comment("keepalive");
  std::vector<std::weak_ptr<OutStream>> still;
  for (auto& weak : live_streams) {
    auto os = weak.lock();
    if (!os || !os->conn || os->conn->closed()) continue;
    os->write_raw(ping);
    still.push_back(weak);
  }
  live_streams.swap(still);
  // Forget idle sessions (they come back from their ids) and old tombstones.
  const auto cutoff = Clock::now() - options.session_idle_timeout;
  std::vector<std::shared_ptr<Session>> idle;
  for (auto& [id, s] : sessions) {
    if (!s->busy() && s->last_seen < cutoff) idle.push_back(s);
  }
  for (auto& s : idle) drop_session(s, false);
  const auto now = unix_now();
  std::erase_if(terminated, [now](const auto& kv) { return kv.second < now; });
}

// ------------------------------------------------------------------- facade

StreamableHttpTransport::StreamableHttpTransport(Server& server, Executor& executor, TransportOptions options,
                                                 const util::Logger& log)
    : impl_(std::make_shared<Impl>(server, executor, std::move(options), log)) {}

StreamableHttpTransport::~StreamableHttpTransport() {
  close();
}

void StreamableHttpTransport::close() {
  if (impl_->tick_timer != 0) impl_->executor.cancel(std::exchange(impl_->tick_timer, 0));
  // Calls still running own their exchanges (and through them this
  // transport): cancel them so that everything is released.
  for (auto& weak : impl_->exchanges_snapshot(false)) {
    if (auto e = weak.lock()) e->cancel_all();
  }
  for (auto& [id, s] : impl_->sessions) impl_->server.remove_listener(s->listener);
  impl_->sessions.clear();
}

void StreamableHttpTransport::set_access_control(AccessControl* access) {
  impl_->access = access;
}

void StreamableHttpTransport::handle(http::Request request, std::shared_ptr<http::Responder> responder) {
  impl_->handle(std::move(request), std::move(responder));
}

void StreamableHttpTransport::start() {
  std::weak_ptr<Impl> weak = impl_;
  auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.keepalive_interval);
  if (interval.count() <= 0) interval = std::chrono::milliseconds(15000);
  // Re-arms itself; the weak pointer ends the cycle with the transport.
  struct Ticker {
    std::weak_ptr<Impl> weak;
    std::chrono::milliseconds interval;
    void operator()() const {
      auto self = weak.lock();
      if (!self || self->shutting_down) return;
      self->tick();
      self->tick_timer = self->executor.post_after(interval, Ticker{weak, interval});
    }
  };
  impl_->tick_timer = impl_->executor.post_after(interval, Ticker{weak, interval});
}

void StreamableHttpTransport::begin_shutdown() {
  impl_->shutting_down = true;
  if (impl_->tick_timer != 0) impl_->executor.cancel(impl_->tick_timer);
  // GET streams carry no pending answers: end them now. POST streams end
  // when their requests finish.
  for (auto& [id, s] : impl_->sessions) {
    if (s->standalone) s->standalone->finish();
  }
  for (auto& weak : impl_->exchanges_snapshot(true)) {
    if (auto e = weak.lock()) e->cancel_all();
  }
}

bool StreamableHttpTransport::idle() const {
  return impl_->exchanges == 0;
}

const TransportOptions& StreamableHttpTransport::options() const {
  return impl_->options;
}

}  // namespace mcp::transport
