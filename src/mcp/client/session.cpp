#include "mcp/client/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <map>
#include <thread>
#include <vector>

#include "mcp/auth/oauth_http.hpp"
#include "mcp/client/inbox.hpp"
#include "mcp/client/stream_reader.hpp"
#include "mcp/transport/header_values.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::client {

namespace {

using Clock = std::chrono::steady_clock;
namespace code = json_rpc::code;

constexpr int kMaxAuthRetries = 4;  // challenges handled per operation (step-up is bounded by the provider)
// Requests wait for their response headers until request() gives up on them.
constexpr std::chrono::hours kNoHeaderDeadline{24};
// Exchanges in flight at once; server requests beyond it are dropped, so a
// flood of them cannot make the client start threads without bound.
constexpr std::size_t kMaxWorkers = 64;

// What one exchange produced, as seen by the owner thread.
struct Outcome {
  std::optional<json_rpc::Response> response;
  bool http_error = false;
  int status = 0;
  http::Headers headers;  // of the response (2xx or error)
  std::string body;
  std::optional<http::TransportFailure> transport;
  std::optional<std::string> ended;  // ended without a response: why
  bool timed_out = false;
  bool cancelled = false;
};

// Credentials in traces: the scheme and a short prefix (auth::oauth::redact).
std::string redact(std::string_view name, std::string_view value) {
  if (util::iequals(name, "DPoP")) return auth::oauth::redact(value);
  if (util::iequals(name, "Authorization")) {
    const auto space = value.find(' ');
    if (space == std::string_view::npos) return auth::oauth::redact(value);
    return fmt::format("{}{}", value.substr(0, space + 1), auth::oauth::redact(value.substr(space + 1)));
  }
  return std::string(value);
}

std::string excerpt(std::string_view text, std::size_t max = 1000) {
  if (text.size() <= max) return std::string(text);
  return fmt::format("{}... [{} more bytes]", text.substr(0, max), text.size() - max);
}

// The text of a JSON-RPC error carried in an HTTP error body, if any.
std::optional<json_rpc::Error> rpc_error_in(std::string_view body) {
  const Json j = Json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto e = j.find("error");
  if (e == j.end() || !e->is_object()) return std::nullopt;
  const auto c = e->find("code");
  if (c == e->end() || !c->is_number_integer()) return std::nullopt;
  json_rpc::Error err;
  err.code = c->get<int>();
  if (const auto m = e->find("message"); m != e->end() && m->is_string()) err.message = m->get<std::string>();
  if (const auto d = e->find("data"); d != e->end()) err.data = *d;
  return err;
}

// Whether an UnsupportedProtocolVersion error's data lists 2026-07-28.
bool supports_modern(const Json& data) {
  if (!data.is_object()) return false;
  const auto s = data.find("supported");
  return s != data.end() && s->is_array() && std::find(s->begin(), s->end(), Json("2026-07-28")) != s->end();
}

bool visible_ascii(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

std::string string_field(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

struct Session::Impl {
  Options opt;
  http::StreamingClient& http;
  Handlers handlers;
  AuthProvider* auth;
  Inbox inbox;

  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> abort;
    std::shared_ptr<std::atomic<bool>> done;
    ExchangeId exchange = 0;
  };
  std::vector<Worker> workers;
  ExchangeId next_exchange = 1;
  std::int64_t next_id = 1;
  std::int64_t next_progress = 1;

  bool connected = false;
  ServerInfo server;
  std::string session_id;  // legacy, once issued
  // The era and revision requests are currently shaped for (set before
  // connect() finishes, so the handshake itself is shaped right).
  Era era = Era::kLegacy;
  std::optional<protocol::Version> version;  // nullopt: no MCP-Protocol-Version header (initialize)

  std::thread get_thread;
  std::shared_ptr<std::atomic<bool>> get_stop;

  std::map<std::string, Json> tool_schemas;  // for Mcp-Param-* headers (2026-07-28)

  Impl(Options o, http::StreamingClient& h, Handlers hd, AuthProvider* a)
      : opt(std::move(o)), http(h), handlers(std::move(hd)), auth(a) {}

  void trace(std::string_view line) const {
    if (handlers.on_trace) handlers.on_trace(line);
  }

  // ------------------------------------------------------------ workers

  void reap() {
    std::erase_if(workers, [](Worker& w) {
      if (!w.done->load()) return false;
      w.thread.join();
      return true;
    });
  }

  void abort_exchange(ExchangeId ex) {
    for (auto& w : workers) {
      if (w.exchange == ex) w.abort->store(true);
    }
  }

  void stop_all() {
    if (get_stop) get_stop->store(true);
    for (auto& w : workers) w.abort->store(true);
    for (auto& w : workers) w.thread.join();
    workers.clear();
    if (get_thread.joinable()) get_thread.join();
    get_stop.reset();
  }

  // ------------------------------------------------------------ requests out

  // Authorization for one request (a DPoP proof is bound to method and URL).
  http::Headers auth_headers(std::string_view method) const {
    return auth != nullptr ? auth->request_headers(method, opt.url) : http::Headers{};
  }

  http::Headers common_headers(bool with_version, std::string_view method = "POST") {
    http::Headers h = opt.extra_headers;
    // Named: a range-for over a temporary's member would read freed memory.
    const http::Headers authorization = auth_headers(method);
    for (const auto& hdr : authorization.items()) h.set(hdr.name, hdr.value);
    if (era == Era::kLegacy && !session_id.empty()) h.set("Mcp-Session-Id", session_id);
    if (with_version && version) h.set("MCP-Protocol-Version", std::string(protocol::to_string(*version)));
    return h;
  }

  // Adds the 2026-07-28 routing headers for a message.
  void add_modern_headers(http::Headers& h, const std::string& method, const Json& params) {
    if (method.empty()) return;  // responses carry no method
    h.set("Mcp-Method", method);
    const char* key = nullptr;
    if (method == "tools/call" || method == "prompts/get") {
      key = "name";
    } else if (method == "resources/read") {
      key = "uri";
    } else if (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel") {
      key = "taskId";
    }
    if (key != nullptr) {
      const std::string name = string_field(params, key);
      if (!name.empty()) h.set("Mcp-Name", transport::encode_header_value(name));
    }
    if (method == "tools/call") {
      const auto schema = tool_schemas.find(string_field(params, "name"));
      const auto args = params.is_object() ? params.find("arguments") : params.end();
      if (schema != tool_schemas.end() && params.is_object() && args != params.end()) {
        const http::Headers params_headers = transport::param_headers(schema->second, *args);
        for (const auto& hdr : params_headers.items()) h.set(hdr.name, hdr.value);
      }
    }
  }

  // The 2026-07-28 `_meta` envelope (and the progress token for both eras).
  Json decorate(Json params, std::optional<std::int64_t> progress_token) {
    if (!params.is_object()) params = Json::object();
    Json& meta = params["_meta"];
    if (!meta.is_object()) meta = Json::object();
    if (era == Era::kModern) {
      meta[std::string(protocol::meta::kProtocolVersion)] =
          std::string(protocol::to_string(protocol::Version::k2026_07_28));
      meta[std::string(protocol::meta::kClientCapabilities)] = opt.capabilities;
      meta[std::string(protocol::meta::kClientInfo)] = opt.client_info.to_json();
      if (!opt.log_level.empty()) meta[std::string(protocol::meta::kLogLevel)] = opt.log_level;
    }
    if (progress_token) meta["progressToken"] = *progress_token;
    if (meta.empty()) params.erase("_meta");
    return params;
  }

  ExchangeId start_post(const std::string& method, const Json& params, std::string body,
                        bool expects_response, bool with_version = true) {
    reap();
    PostSpec spec;
    spec.exchange = next_exchange++;
    spec.expects_response = expects_response;
    spec.max_message_bytes = opt.max_message_bytes;
    spec.max_resume_attempts = opt.max_resume_attempts;
    http::Headers h = common_headers(with_version);
    if (era == Era::kModern) add_modern_headers(h, method, params);
    spec.request.method = "POST";
    spec.request.url = opt.url;
    // A server that answers with plain JSON sends no headers until the result
    // is ready: a request may wait as long as the owner allows (request() aborts
    // it at its own deadline). Notifications and responses are answered at once.
    spec.request.connect_timeout = opt.connect_timeout;
    spec.request.timeout = expects_response ? kNoHeaderDeadline : opt.connect_timeout;
    spec.request.headers = h;
    spec.request.headers.set("Content-Type", "application/json");
    spec.request.headers.set("Accept", "application/json, text/event-stream");
    if (era == Era::kLegacy) {  // 2026-07-28 removed resumption
      spec.resume_url = opt.url;
      spec.resume_headers = std::move(h);
      spec.resume_headers.set("Accept", "text/event-stream");
      spec.resume_auth = [this] {
        return auth_headers("GET");
      };
    }
    spec.request.body = std::move(body);
    if (handlers.on_trace) {
      trace(fmt::format("-------- REQUEST -------- POST {}", opt.url));
      for (const auto& hdr : spec.request.headers.items()) {
        // Extra headers are the caller's (API keys): shown by name only.
        const bool extra = opt.extra_headers.get(hdr.name).has_value();
        trace(
            fmt::format("  {}: {}", hdr.name, extra ? std::string("(hidden)") : redact(hdr.name, hdr.value)));
      }
      trace(fmt::format("  {}", excerpt(spec.request.body)));
    }
    Worker w;
    w.exchange = spec.exchange;
    w.abort = std::make_shared<std::atomic<bool>>(false);
    w.done = std::make_shared<std::atomic<bool>>(false);
    // Everything the thread uses is owned by it or outlives it (stop_all joins).
    w.thread = std::thread([this, spec = std::move(spec), abort = w.abort, done = w.done] {
      try {
        run_post(http, spec, inbox, *abort);
      } catch (const std::exception& e) {
        Incoming in;
        in.kind = Incoming::Kind::kEnded;
        in.exchange = spec.exchange;
        in.detail = fmt::format("internal error: {}", e.what());
        inbox.push(std::move(in));
      }
      done->store(true);
    });
    const ExchangeId id = w.exchange;
    workers.push_back(std::move(w));
    return id;
  }

  void send_response(const json_rpc::Id& id, const util::Expected<Json, json_rpc::Error>& result) {
    std::string body =
        result ? json_rpc::encode_result(id, *result) : json_rpc::encode_error(id, result.error());
    start_post({}, Json(), std::move(body), false);
  }

  // ------------------------------------------------------------ messages in

  void trace_incoming(const Incoming& in) {
    if (!handlers.on_trace) return;
    switch (in.kind) {
      case Incoming::Kind::kTrace:
        trace(in.detail);
        break;
      case Incoming::Kind::kHeaders:
      case Incoming::Kind::kHttpError:
        trace(fmt::format("-------- RESPONSE -------- HTTP {}", in.status));
        for (const auto& hdr : in.headers.items()) trace(fmt::format("  {}: {}", hdr.name, hdr.value));
        if (!in.body.empty()) trace(fmt::format("  {}", excerpt(in.body)));
        break;
      case Incoming::Kind::kMessage:
        std::visit(
            [this](const auto& m) {
              using T = std::decay_t<decltype(m)>;
              if constexpr (std::is_same_v<T, json_rpc::Request>) {
                trace(excerpt(json_rpc::encode_request(m.id, m.method, m.params)));
              } else if constexpr (std::is_same_v<T, json_rpc::Notification>) {
                trace(excerpt(json_rpc::encode_notification(m.method, m.params)));
              } else {
                trace(excerpt(m.result ? json_rpc::encode_result(m.id, *m.result)
                                       : json_rpc::encode_error(m.id, *m.error)));
              }
            },
            in.message);
        break;
      case Incoming::Kind::kTransportError:
        trace(fmt::format("transport failure: {}", in.failure.message));
        break;
      case Incoming::Kind::kEnded:
        if (!in.detail.empty()) trace(fmt::format("exchange {} ended: {}", in.exchange, in.detail));
        break;
    }
  }

  // Handlers see server-controlled JSON; a handler that throws on an
  // unexpected shape answers with an error instead of ending the program.
  util::Expected<Json, json_rpc::Error> answer_server_request(const json_rpc::Request& r) {
    if (r.method == "ping") return Json::object();
    if (!handlers.on_request) return util::unexpected(json_rpc::Error::method_not_found(r.method));
    try {
      return handlers.on_request(r.method, r.params);
    } catch (const std::exception& e) {
      trace(fmt::format("handling {} failed: {}", r.method, e.what()));
      return util::unexpected(json_rpc::Error::invalid_params(fmt::format("cannot handle {}", r.method)));
    }
  }

  // Handles what is not the awaited response: notifications, server
  // requests, traces, failures of fire-and-forget posts.
  void dispatch(Incoming& in) {
    if (auto* n = std::get_if<json_rpc::Notification>(&in.message);
        n && in.kind == Incoming::Kind::kMessage) {
      if (handlers.on_notification) {
        try {
          handlers.on_notification(*n);
        } catch (const std::exception& e) {
          trace(fmt::format("ignored malformed {}: {}", n->method, e.what()));
        }
      }
      return;
    }
    if (auto* r = std::get_if<json_rpc::Request>(&in.message); r && in.kind == Incoming::Kind::kMessage) {
      reap();
      if (workers.size() >= kMaxWorkers) {
        trace(fmt::format("dropped server request {} ({}): too many exchanges in flight", r->method,
                          r->id.to_string()));
        return;
      }
      send_response(r->id, answer_server_request(*r));
      return;
    }
    if (in.kind == Incoming::Kind::kHttpError) {
      trace(fmt::format("the server rejected a message: HTTP {}", in.status));
    }
  }

  // Waits for the response to request `id` sent on exchange `ex`.
  Outcome await(ExchangeId ex, const json_rpc::Id& id, const RequestOptions& ro,
                std::optional<std::int64_t> progress_token) {
    Outcome o;
    const auto timeout = ro.timeout.value_or(opt.request_timeout);
    const auto started = Clock::now();
    auto deadline = started + timeout;
    const auto hard_deadline = started + std::max<std::chrono::milliseconds>(timeout, opt.max_request_time);
    for (;;) {
      if (ro.cancel != nullptr && ro.cancel->load()) {
        o.cancelled = true;
        return o;
      }
      const auto now = Clock::now();
      if (now >= deadline || now >= hard_deadline) {
        o.timed_out = true;
        return o;
      }
      // Short waits keep cancellation responsive.
      auto item = inbox.pop_until(std::min({deadline, hard_deadline, now + std::chrono::milliseconds(50)}));
      if (!item) continue;
      Incoming& in = *item;
      trace_incoming(in);
      switch (in.kind) {
        case Incoming::Kind::kTrace:
          break;
        case Incoming::Kind::kHeaders:
          if (in.exchange == ex) {
            o.status = in.status;
            o.headers = std::move(in.headers);
          }
          break;
        case Incoming::Kind::kMessage:
          if (auto* resp = std::get_if<json_rpc::Response>(&in.message)) {
            if (resp->id == id) {
              o.response = std::move(*resp);
              return o;
            }
            trace(fmt::format("ignored a response to unknown request {}", resp->id.to_string()));
            break;
          }
          if (auto* n = std::get_if<json_rpc::Notification>(&in.message);
              n && progress_token && n->method == "notifications/progress" && ro.on_progress) {
            const Json& p = n->params;
            const auto tok = p.is_object() ? p.find("progressToken") : p.end();
            if (p.is_object() && tok != p.end() && *tok == Json(*progress_token)) {
              Progress pr;
              if (const auto v = p.find("progress"); v != p.end() && v->is_number())
                pr.progress = v->get<double>();
              if (const auto v = p.find("total"); v != p.end() && v->is_number()) pr.total = v->get<double>();
              pr.message = string_field(p, "message");
              ro.on_progress(pr);
              deadline = Clock::now() + timeout;  // progress resets the timeout, up to the hard cap
              break;
            }
          }
          dispatch(in);
          break;
        case Incoming::Kind::kHttpError:
          if (in.exchange == ex) {
            o.http_error = true;
            o.status = in.status;
            o.headers = std::move(in.headers);
            o.body = std::move(in.body);
            return o;
          }
          dispatch(in);
          break;
        case Incoming::Kind::kTransportError:
          if (in.exchange == ex) {
            o.transport = in.failure;
            return o;
          }
          break;
        case Incoming::Kind::kEnded:
          if (in.exchange == ex) {
            o.ended = in.detail.empty() ? "the exchange ended without a response" : in.detail;
            return o;
          }
          break;
      }
    }
  }

  // Sends a notification and waits until the server accepted it.
  std::optional<Failure> notify(const std::string& method, Json params, bool with_version = true) {
    if (era == Era::kModern) params = decorate(std::move(params), std::nullopt);
    const ExchangeId ex =
        start_post(method, params, json_rpc::encode_notification(method, params), false, with_version);
    const auto deadline = Clock::now() + opt.request_timeout;
    for (;;) {
      auto item = inbox.pop_until(deadline);
      if (!item) {
        abort_exchange(ex);
        return Failure{Failure::Kind::kTimeout,
                       fmt::format("{}: no answer within {} ms", method, opt.request_timeout.count())};
      }
      trace_incoming(*item);
      if (item->exchange != ex || item->kind == Incoming::Kind::kMessage ||
          item->kind == Incoming::Kind::kTrace) {
        if (item->kind != Incoming::Kind::kTrace) dispatch(*item);
        continue;
      }
      if (item->kind == Incoming::Kind::kHttpError) {
        Failure f{Failure::Kind::kHttp, fmt::format("{} was rejected: HTTP {}", method, item->status)};
        f.http_status = item->status;
        f.http_headers = std::move(item->headers);
        f.http_body = std::move(item->body);
        return f;
      }
      if (item->kind == Incoming::Kind::kTransportError) {
        Failure f{Failure::Kind::kTransport, item->failure.message};
        f.transport = item->failure;
        return f;
      }
      if (item->kind == Incoming::Kind::kEnded) return std::nullopt;
    }
  }

  void send_cancel(ExchangeId ex, const json_rpc::Id& id, const std::string& method,
                   const std::string& reason) {
    if (era == Era::kLegacy && method != "initialize") {  // initialize must not be cancelled
      // Fire and forget: the request is over for us either way.
      const Json params = {{"requestId", id.to_json()}, {"reason", reason}};
      start_post("notifications/cancelled", params,
                 json_rpc::encode_notification("notifications/cancelled", params), false);
    }
    abort_exchange(ex);  // 2026-07-28: closing the stream is the cancellation
  }

  // ------------------------------------------------------------ the request loop

  util::Expected<Json, Failure> call(const std::string& method, Json params, const RequestOptions& ro,
                                     bool allow_reinit, bool with_version = true) {
    if (!params.is_object()) params = Json::object();
    std::optional<std::int64_t> progress_token;
    if (ro.on_progress) progress_token = next_progress++;
    int auth_retries = 0;
    int rounds = 0;
    bool reinitialized = false;
    bool version_retried = false;
    for (;;) {
      const json_rpc::Id id(next_id++);
      const Json sent = decorate(params, progress_token);
      const ExchangeId ex =
          start_post(method, sent, json_rpc::encode_request(id, method, sent), true, with_version);
      Outcome o = await(ex, id, ro, progress_token);
      if (o.timed_out || o.cancelled) {
        send_cancel(ex, id, method, o.cancelled ? "cancelled by the user" : "request timed out");
        if (o.cancelled)
          return util::unexpected(Failure{Failure::Kind::kCancelled, fmt::format("{} cancelled", method)});
        return util::unexpected(Failure{
            Failure::Kind::kTimeout,
            fmt::format("{}: no response within {} s", method,
                        static_cast<double>(ro.timeout.value_or(opt.request_timeout).count()) / 1000.0)});
      }
      if (o.response) {
        if (o.response->error) {
          Failure f{Failure::Kind::kRpcError,
                    fmt::format("{} failed: {} (code {})", method, o.response->error->message,
                                o.response->error->code)};
          f.rpc = *o.response->error;
          return util::unexpected(std::move(f));
        }
        Json result = o.response->result ? std::move(*o.response->result) : Json::object();
        if (era == Era::kModern && string_field(result, "resultType") == "input_required") {
          if (++rounds > opt.max_input_rounds) {
            return util::unexpected(Failure::protocol(fmt::format(
                "{}: the server still needs input after {} rounds", method, opt.max_input_rounds)));
          }
          Json responses = Json::object();
          if (const auto reqs = result.find("inputRequests"); reqs != result.end() && reqs->is_object()) {
            for (const auto& [key, req] : reqs->items()) {
              json_rpc::Request r{json_rpc::Id(std::string(key)), string_field(req, "method"),
                                  req.is_object() && req.contains("params") ? req["params"] : Json::object()};
              auto answer = answer_server_request(r);
              // An input that cannot be given is reported in place of its result.
              responses[key] = answer ? *answer : Json{{"error", answer.error().to_json()}};
            }
          }
          params["inputResponses"] = std::move(responses);
          if (const auto st = result.find("requestState"); st != result.end()) {
            params["requestState"] = *st;
          } else {
            params.erase("requestState");
          }
          continue;
        }
        if (method == "tools/list") remember_tools(result);
        last_headers = std::move(o.headers);
        return result;
      }
      if (o.http_error) {
        if ((o.status == 401 || o.status == 403) && auth != nullptr && auth_retries < kMaxAuthRetries) {
          Challenge ch{o.status, o.headers, opt.url, auth_retries};
          auto outcome = auth->on_challenge(ch);
          if (!outcome) {
            Failure f{Failure::Kind::kAuth, outcome.error()};
            f.http_status = o.status;
            f.http_headers = std::move(o.headers);
            return util::unexpected(std::move(f));
          }
          if (*outcome == ChallengeOutcome::kRetry) {
            ++auth_retries;
            continue;
          }
        }
        if (o.status == 404 && era == Era::kLegacy && !session_id.empty() && allow_reinit && !reinitialized) {
          // The server forgot the session (restart, expiry): a new one, once.
          trace("session not found (404): re-initializing");
          reinitialized = true;
          session_id.clear();
          RequestOptions again_ro;
          again_ro.cancel = ro.cancel;
          if (auto again = initialize(server.version, again_ro); !again) {
            return util::unexpected(std::move(again.error()));
          }
          continue;
        }
        auto err = rpc_error_in(o.body);
        if (era == Era::kModern && err && err->code == code::kUnsupportedProtocolVersion &&
            !version_retried && supports_modern(err->data)) {
          // The server named 2026-07-28 among its versions: resend once (new id).
          version_retried = true;
          continue;
        }
        Failure f{Failure::Kind::kHttp, fmt::format("{}: HTTP {}", method, o.status)};
        if (err) {
          f.kind = Failure::Kind::kRpcError;
          f.message =
              fmt::format("{} failed: {} (code {}, HTTP {})", method, err->message, err->code, o.status);
          f.rpc = std::move(err);
        }
        f.http_status = o.status;
        f.http_headers = std::move(o.headers);
        f.http_body = std::move(o.body);
        return util::unexpected(std::move(f));
      }
      if (o.transport) {
        Failure f{Failure::Kind::kTransport, o.transport->message};
        f.transport = *o.transport;
        return util::unexpected(std::move(f));
      }
      return util::unexpected(
          Failure::protocol(fmt::format("{}: {}", method, o.ended.value_or("no response"))));
    }
  }

  http::Headers last_headers;

  // Keeps input schemas for Mcp-Param-* headers; 2026-07-28 tools whose
  // header annotations are invalid are dropped from the list (SEP-2243:
  // clients must not call them).
  void remember_tools(Json& result) {
    const auto tools = result.find("tools");
    if (tools == result.end() || !tools->is_array()) return;
    Json kept = Json::array();
    for (auto& t : *tools) {
      const std::string name = string_field(t, "name");
      const Json schema = t.is_object() && t.contains("inputSchema") ? t["inputSchema"] : Json();
      if (era == Era::kModern) {
        if (auto problem = transport::invalid_param_annotations(schema)) {
          trace(fmt::format("ignoring tool '{}': {}", name, *problem));
          continue;
        }
      }
      if (!name.empty() && !schema.is_null()) tool_schemas[name] = schema;
      kept.push_back(std::move(t));
    }
    *tools = std::move(kept);
  }

  // ------------------------------------------------------------ handshakes

  enum class Probe { kModern, kFallback, kFailed };

  // 2026-07-28: server/discover. A 400 that is not a modern error, a
  // JSON-RPC error, or a result without 2026-07-28 means "speak legacy".
  Probe try_modern(const RequestOptions& handshake, Failure& failure,
                   std::optional<protocol::Version>& legacy_hint) {
    era = Era::kModern;
    version = protocol::Version::k2026_07_28;
    auto r = call("server/discover", Json::object(), handshake, false);
    if (r) {
      const Json& res = *r;
      bool modern = false;
      if (const auto v = res.find("supportedVersions"); v != res.end() && v->is_array()) {
        modern = std::find(v->begin(), v->end(), Json("2026-07-28")) != v->end();
      }
      if (!modern) return Probe::kFallback;
      server = ServerInfo{};
      server.era = Era::kModern;
      server.version = protocol::Version::k2026_07_28;
      if (const auto si = res.find("serverInfo"); si != res.end() && si->is_object())
        server.implementation = *si;
      if (const auto c = res.find("capabilities"); c != res.end() && c->is_object()) server.capabilities = *c;
      server.instructions = string_field(res, "instructions");
      return Probe::kModern;
    }
    Failure& f = r.error();
    switch (f.kind) {
      case Failure::Kind::kRpcError:
        if (f.rpc && f.rpc->code == code::kUnsupportedProtocolVersion && f.rpc->data.is_object()) {
          // The server names what it speaks: take the newest legacy one we know.
          const Json& supported = f.rpc->data["supported"];
          if (supported.is_array()) {
            for (const auto v : protocol::kAllVersions) {
              if (!protocol::is_modern(v) && std::find(supported.begin(), supported.end(),
                                                       Json(protocol::to_string(v))) != supported.end()) {
                legacy_hint = v;
                break;
              }
            }
          }
        }
        return Probe::kFallback;
      case Failure::Kind::kHttp:
        if (f.http_status == 400 || f.http_status == 404 || f.http_status == 405 || f.http_status == 406 ||
            f.http_status == 415) {
          return Probe::kFallback;
        }
        failure = std::move(f);
        return Probe::kFailed;
      case Failure::Kind::kProtocol:
        return Probe::kFallback;
      default:
        failure = std::move(f);
        return Probe::kFailed;
    }
  }

  util::Expected<ServerInfo, Failure> initialize(protocol::Version offer, const RequestOptions& handshake) {
    era = Era::kLegacy;
    version.reset();  // initialize goes without MCP-Protocol-Version
    session_id.clear();
    const Json params = {{"protocolVersion", std::string(protocol::to_string(offer))},
                         {"capabilities", opt.capabilities},
                         {"clientInfo", opt.client_info.to_json()}};
    auto r = call("initialize", params, handshake, false, false);
    if (!r) return util::unexpected(std::move(r.error()));
    const Json& res = *r;
    const std::string answered = string_field(res, "protocolVersion");
    const auto v = protocol::parse_version(answered);
    if (!v || protocol::is_modern(*v)) {
      return util::unexpected(Failure::protocol(fmt::format(
          "the server answered protocol version '{}', which this client does not speak", answered)));
    }
    ServerInfo info;
    info.era = Era::kLegacy;
    info.version = *v;
    if (const auto si = res.find("serverInfo"); si != res.end() && si->is_object()) info.implementation = *si;
    if (const auto c = res.find("capabilities"); c != res.end() && c->is_object()) info.capabilities = *c;
    info.instructions = string_field(res, "instructions");
    if (const auto sid = last_headers.get("Mcp-Session-Id")) {
      if (!visible_ascii(*sid))
        return util::unexpected(Failure::protocol("the server sent an invalid Mcp-Session-Id"));
      session_id = std::string(*sid);
    }
    info.session_id = session_id;
    version = *v;
    server = info;
    if (auto f = notify("notifications/initialized", Json::object())) return util::unexpected(std::move(*f));
    if (!opt.log_level.empty() && server.capabilities.contains("logging")) {
      auto set = call("logging/setLevel", Json{{"level", opt.log_level}}, handshake, false);
      if (!set) trace(fmt::format("logging/setLevel failed: {}", set.error().message));
    }
    if (opt.standalone_stream) open_get_stream();
    return server;
  }

  // Opens the standalone GET stream and waits until the server accepted or
  // refused it, so that requests it routes there are not lost.
  void open_get_stream() {
    if (get_thread.joinable()) {
      get_stop->store(true);
      get_thread.join();
    }
    GetStreamSpec spec;
    spec.url = opt.url;
    spec.headers = common_headers(true, "GET");
    spec.headers.set("Accept", "text/event-stream");
    spec.auth = [this] {
      return auth_headers("GET");
    };
    spec.connect_timeout = opt.connect_timeout;
    spec.max_message_bytes = opt.max_message_bytes;
    get_stop = std::make_shared<std::atomic<bool>>(false);
    auto opened = std::make_shared<std::promise<std::pair<bool, int>>>();
    auto result = opened->get_future();
    get_thread = std::thread([this, spec = std::move(spec), stop = get_stop, opened] {
      bool told = false;
      try {
        run_get_stream(http, spec, inbox, *stop, [&](bool ok, int status) {
          if (!told) opened->set_value({ok, status});
          told = true;
        });
      } catch (const std::exception& e) {
        Incoming in;
        in.kind = Incoming::Kind::kTrace;
        in.detail = fmt::format("GET stream failed: {}", e.what());
        inbox.push(std::move(in));
      }
      if (!told) opened->set_value({false, 0});
    });
    if (result.wait_for(opt.connect_timeout + std::chrono::milliseconds(500)) == std::future_status::ready) {
      const auto [ok, status] = result.get();
      server.standalone_stream = ok;
      if (!ok) trace(fmt::format("no standalone GET stream (HTTP {})", status));
    }
  }

  util::Expected<ServerInfo, Failure> connect(const std::atomic<bool>* cancel) {
    disconnect();
    RequestOptions handshake;
    handshake.cancel = cancel;
    std::optional<protocol::Version> legacy_hint;
    if (!opt.version || protocol::is_modern(*opt.version)) {
      Failure failure;
      switch (try_modern(handshake, failure, legacy_hint)) {
        case Probe::kModern:
          connected = true;
          return server;
        case Probe::kFailed:
          return util::unexpected(std::move(failure));
        case Probe::kFallback:
          if (opt.version) {
            return util::unexpected(
                Failure::protocol("the server does not speak protocol version 2026-07-28"));
          }
          trace("the server does not speak 2026-07-28: falling back to initialize");
          break;
      }
    }
    auto info =
        initialize(opt.version.value_or(legacy_hint.value_or(protocol::kLatestLegacyVersion)), handshake);
    if (!info) {
      stop_all();
      return info;
    }
    connected = true;
    return info;
  }

  void disconnect() {
    stop_all();
    while (auto in = inbox.try_pop()) trace_incoming(*in);
    connected = false;
    session_id.clear();
    tool_schemas.clear();
  }

  std::optional<Failure> terminate() {
    std::optional<Failure> failure;
    if (connected && era == Era::kLegacy && !session_id.empty()) {
      http::ClientRequest del;
      del.method = "DELETE";
      del.url = opt.url;
      del.headers = common_headers(true, "DELETE");
      del.timeout = opt.connect_timeout;
      int status = 0;
      http::StreamHandler h;
      h.on_headers = [&](int s, const http::Headers&) {
        status = s;
        return false;
      };
      trace(fmt::format("-------- REQUEST -------- DELETE {}", opt.url));
      const std::atomic<bool> never{false};
      const auto r = http.stream(del, h, &never);
      if (!r) {
        failure = Failure{Failure::Kind::kTransport, r.error().message};
        failure->transport = r.error();
      } else if (!((status >= 200 && status < 300) || status == 404 || status == 405)) {
        failure = Failure{Failure::Kind::kHttp, fmt::format("DELETE of the session: HTTP {}", status)};
        failure->http_status = status;
      }
    }
    disconnect();
    return failure;
  }
};

Session::Session(Options options, http::StreamingClient& http, Handlers handlers, AuthProvider* auth)
    : impl_(std::make_unique<Impl>(std::move(options), http, std::move(handlers), auth)) {}

Session::~Session() {
  impl_->stop_all();
}

util::Expected<ServerInfo, Failure> Session::connect(const std::atomic<bool>* cancel) {
  return impl_->connect(cancel);
}

bool Session::connected() const {
  return impl_->connected;
}

const ServerInfo& Session::server() const {
  return impl_->server;
}

const std::string& Session::url() const {
  return impl_->opt.url;
}

util::Expected<Json, Failure> Session::request(const std::string& method, Json params,
                                               const RequestOptions& options) {
  if (!impl_->connected) return util::unexpected(Failure::protocol("not connected"));
  return impl_->call(method, std::move(params), options, true);
}

std::optional<Failure> Session::notify(const std::string& method, Json params) {
  if (!impl_->connected) return Failure::protocol("not connected");
  return impl_->notify(method, std::move(params));
}

void Session::dispatch_pending() {
  while (auto in = impl_->inbox.try_pop()) {
    impl_->trace_incoming(*in);
    impl_->dispatch(*in);
  }
  impl_->reap();
}

int Session::wakeup_fd() const {
  return impl_->inbox.fd();
}

std::optional<Failure> Session::terminate() {
  return impl_->terminate();
}

void Session::disconnect() {
  impl_->disconnect();
}

}  // namespace mcp::client
