#include "mcp/client/stream_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "mcp/transport/sse_parser.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::client {

namespace {

using Json = nlohmann::json;
constexpr std::size_t kMaxErrorBody = 8192;
constexpr std::chrono::milliseconds kDefaultRetry{1000};
constexpr std::chrono::milliseconds kMaxBackoff{30000};
// A server's retry: hint is honoured within these bounds: no busy loop on
// `retry: 0`, no wait that overflows or outlives any sensible request.
constexpr std::chrono::milliseconds kMinRetry{100};
constexpr std::chrono::milliseconds kMaxRetry{300000};

std::optional<std::chrono::milliseconds> bounded(std::optional<std::chrono::milliseconds> retry) {
  if (!retry) return retry;
  return std::clamp(*retry, kMinRetry, kMaxRetry);
}

bool has_media_type(const http::Headers& headers, std::string_view type) {
  const auto ct = headers.get("Content-Type");
  if (!ct) return false;
  const auto media = util::trim(ct->substr(0, ct->find(';')));
  return util::iequals(media, type);
}

void trace(Inbox& inbox, ExchangeId exchange, std::string line) {
  Incoming in;
  in.kind = Incoming::Kind::kTrace;
  in.exchange = exchange;
  in.detail = std::move(line);
  inbox.push(std::move(in));
}

void ended(Inbox& inbox, ExchangeId exchange, std::string detail = {}) {
  Incoming in;
  in.kind = Incoming::Kind::kEnded;
  in.exchange = exchange;
  in.detail = std::move(detail);
  inbox.push(std::move(in));
}

// Parses one JSON text (a message or a batch) and queues its messages;
// returns whether one of them was a response.
bool push_messages(std::string_view text, ExchangeId exchange, Inbox& inbox) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    trace(inbox, exchange, fmt::format("ignored invalid JSON from the server: {:.200}", text));
    return false;
  }
  bool response = false;
  auto one = [&](const Json& v) {
    json_rpc::Parsed parsed = json_rpc::parse_message(v);
    if (auto* bad = std::get_if<json_rpc::Invalid>(&parsed)) {
      trace(inbox, exchange,
            fmt::format("ignored an invalid message ({}): {:.200}", bad->error.message, v.dump()));
      return;
    }
    Incoming in;
    in.kind = Incoming::Kind::kMessage;
    in.exchange = exchange;
    std::visit(
        [&](auto&& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (!std::is_same_v<T, json_rpc::Invalid>) {
            if constexpr (std::is_same_v<T, json_rpc::Response>) response = true;
            in.message = std::forward<decltype(m)>(m);
          }
        },
        parsed);
    inbox.push(std::move(in));
  };
  if (j.is_array()) {
    for (const auto& v : j) one(v);
  } else {
    one(j);
  }
  return response;
}

// Sleeps in small steps so that `abort` takes effect promptly.
void sleep_for(std::chrono::milliseconds delay, const std::atomic<bool>& abort) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (!abort.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(10)));
  }
}

// Reads one SSE body, queuing each message; priming events (empty data) only
// move the last event id.
struct SseReader {
  transport::SseParser parser;
  ExchangeId exchange;
  Inbox& inbox;
  bool got_response = false;
  std::size_t events = 0;  // including priming events

  SseReader(std::size_t max, ExchangeId ex, Inbox& in) : parser(max), exchange(ex), inbox(in) {}
  bool feed(std::string_view chunk) {
    return parser.feed(chunk, [this](transport::SseEvent&& ev) {
      ++events;
      if (ev.data.empty()) return;
      if (ev.type != "message") {
        trace(inbox, exchange, fmt::format("ignored SSE event of type '{}'", ev.type));
        return;
      }
      if (push_messages(ev.data, exchange, inbox)) got_response = true;
    });
  }
};

}  // namespace

void run_post(http::StreamingClient& http, const PostSpec& spec, Inbox& inbox,
              const std::atomic<bool>& abort) {
  enum class Mode { kOther, kJson, kSse };
  int status = 0;
  Mode mode = Mode::kOther;
  http::Headers headers;
  std::string body;
  bool too_large = false;
  SseReader sse(spec.max_message_bytes, spec.exchange, inbox);

  http::StreamHandler handler;
  handler.on_headers = [&](int s, const http::Headers& h) {
    status = s;
    headers = h;
    if (s >= 200 && s < 300) {
      Incoming in;
      in.kind = Incoming::Kind::kHeaders;
      in.exchange = spec.exchange;
      in.status = s;
      in.headers = h;
      inbox.push(std::move(in));
      if (has_media_type(h, "text/event-stream")) mode = Mode::kSse;
      if (has_media_type(h, "application/json")) mode = Mode::kJson;
    }
    // Notifications and responses only need the status.
    return spec.expects_response || s < 200 || s >= 300;
  };
  handler.on_data = [&](std::string_view chunk) {
    if (status < 200 || status >= 300 || mode == Mode::kOther) {
      body.append(chunk.substr(0, kMaxErrorBody - std::min(body.size(), kMaxErrorBody)));
      return body.size() < kMaxErrorBody;
    }
    if (mode == Mode::kSse) {
      if (!sse.feed(chunk)) too_large = true;
      return !too_large;
    }
    if (body.size() + chunk.size() > spec.max_message_bytes) {
      too_large = true;
      return false;
    }
    body.append(chunk);
    return true;
  };

  const http::StreamResult result = http.stream(spec.request, handler, &abort);
  if (!result) {
    Incoming in;
    in.kind = Incoming::Kind::kTransportError;
    in.exchange = spec.exchange;
    in.failure = result.error();
    inbox.push(std::move(in));
    return ended(inbox, spec.exchange);
  }
  status = *result;
  if (status < 200 || status >= 300) {
    Incoming in;
    in.kind = Incoming::Kind::kHttpError;
    in.exchange = spec.exchange;
    in.status = status;
    in.headers = std::move(headers);
    in.body = std::move(body);
    inbox.push(std::move(in));
    return ended(inbox, spec.exchange);
  }
  if (!spec.expects_response) return ended(inbox, spec.exchange);
  if (too_large) {
    return ended(inbox, spec.exchange, fmt::format("a message exceeds {} bytes", spec.max_message_bytes));
  }
  if (mode == Mode::kJson) {
    if (!body.empty() && push_messages(body, spec.exchange, inbox)) return ended(inbox, spec.exchange);
    return ended(inbox, spec.exchange, fmt::format("HTTP {} without a JSON-RPC response", status));
  }
  if (mode == Mode::kOther) {
    const auto ct = headers.get("Content-Type");
    return ended(inbox, spec.exchange,
                 fmt::format("HTTP {} with unexpected content type '{}'", status, ct ? *ct : "none"));
  }

  // SSE ended without the response: resume with GET + Last-Event-ID after
  // exactly the server's retry delay (SEP-1699), as long as it allows.
  std::string last_id = sse.parser.last_event_id();
  std::optional<std::chrono::milliseconds> retry = bounded(sse.parser.retry());
  bool got_response = sse.got_response;
  for (int attempt = 0; !got_response && !abort.load() && !spec.resume_url.empty() && !last_id.empty() &&
                        attempt < spec.max_resume_attempts;
       ++attempt) {
    const auto backoff = std::min(kMaxBackoff, kDefaultRetry * (1 << std::min(attempt, 5)));
    sleep_for(retry.value_or(backoff), abort);
    if (abort.load()) break;
    http::ClientRequest get;
    get.method = "GET";
    get.url = spec.resume_url;
    get.headers = spec.resume_headers;
    get.headers.set("Last-Event-ID", last_id);
    if (spec.resume_auth) {
      const http::Headers authorization = spec.resume_auth();
      for (const auto& hdr : authorization.items()) get.headers.set(hdr.name, hdr.value);
    }
    get.timeout = spec.request.timeout;
    trace(inbox, spec.exchange,
          fmt::format("stream ended before the response; resuming with Last-Event-ID {}", last_id));
    SseReader resumed(spec.max_message_bytes, spec.exchange, inbox);
    int resume_status = 0;
    bool is_stream = false;
    http::StreamHandler rh;
    rh.on_headers = [&](int s, const http::Headers& h) {
      resume_status = s;
      is_stream = s == 200 && has_media_type(h, "text/event-stream");
      return is_stream;
    };
    // Stop reading once the response is in: the GET may stay open forever.
    rh.on_data = [&](std::string_view chunk) {
      return resumed.feed(chunk) && !resumed.got_response;
    };
    const http::StreamResult r = http.stream(get, rh, &abort);
    got_response = resumed.got_response;
    if (!r || !is_stream) {
      if (!got_response) {
        return ended(inbox, spec.exchange,
                     r ? fmt::format("resuming the stream failed: GET answered HTTP {}", resume_status)
                       : fmt::format("resuming the stream failed: {}", r.error().message));
      }
      break;
    }
    if (!resumed.parser.last_event_id().empty()) last_id = resumed.parser.last_event_id();
    if (resumed.parser.retry()) retry = bounded(resumed.parser.retry());
  }
  if (got_response) return ended(inbox, spec.exchange);
  ended(inbox, spec.exchange, "the server ended the stream without a response");
}

void run_get_stream(http::StreamingClient& http, const GetStreamSpec& spec, Inbox& inbox,
                    const std::atomic<bool>& stop,
                    const std::function<void(bool opened, int status)>& opened) {
  std::string last_id;
  std::optional<std::chrono::milliseconds> retry;
  bool first = true;
  int failures = 0;
  while (!stop.load()) {
    http::ClientRequest get;
    get.method = "GET";
    get.url = spec.url;
    get.headers = spec.headers;
    if (!last_id.empty()) get.headers.set("Last-Event-ID", last_id);
    if (spec.auth && !first) {  // the first GET already carries fresh headers
      const http::Headers authorization = spec.auth();
      for (const auto& hdr : authorization.items()) get.headers.set(hdr.name, hdr.value);
    }
    get.timeout = spec.connect_timeout;
    SseReader reader(spec.max_message_bytes, 0, inbox);
    int status = 0;
    bool is_stream = false;
    http::StreamHandler h;
    h.on_headers = [&](int s, const http::Headers& hd) {
      status = s;
      is_stream = s == 200 && has_media_type(hd, "text/event-stream");
      if (first) {
        first = false;
        opened(is_stream, s);
      }
      return is_stream;
    };
    h.on_data = [&](std::string_view chunk) {
      return reader.feed(chunk);
    };
    const http::StreamResult r = http.stream(get, h, &stop);
    if (stop.load()) return;
    if (first) {  // no response at all
      opened(false, 0);
      return;
    }
    if (r && !is_stream) {  // refused (405, 404, ...): the server wants no GET stream
      if (status != 0) trace(inbox, 0, fmt::format("GET stream closed: HTTP {}", status));
      return;
    }
    // A stream that ended without a single event is a failed attempt too,
    // so a server that accepts and closes at once cannot spin the client.
    failures = r && reader.events > 0 ? 0 : failures + 1;
    if (failures > spec.max_reconnects) {
      trace(inbox, 0, fmt::format("GET stream given up: {}", r ? std::string("ended") : r.error().message));
      return;
    }
    if (!reader.parser.last_event_id().empty()) last_id = reader.parser.last_event_id();
    if (reader.parser.retry()) retry = bounded(reader.parser.retry());
    const auto backoff = std::min(kMaxBackoff, kDefaultRetry * (1 << std::min(failures, 5)));
    sleep_for(
        failures == 0 ? retry.value_or(kDefaultRetry) : std::max(retry.value_or(kDefaultRetry), backoff),
        stop);
  }
}

}  // namespace mcp::client
