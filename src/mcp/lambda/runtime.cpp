#include "mcp/lambda/runtime.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <deque>
#include <optional>
#include <utility>  // before Asio (GCC 12)

#include "mcp/lambda/crash_trailer.hpp"
#include "mcp/lambda/event.hpp"
#include "mcp/lambda/response_format.hpp"
#include "mcp/net/asio_executor.hpp"

namespace mcp::lambda {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kApiVersion = "/2018-06-01";
constexpr std::string_view kUserAgent = "bedrock-usage-mcp";
constexpr int kMaxNextFailures = 5;

// What the invocation loop and the transport share for one request.
struct Exchange {
  explicit Exchange(const asio::any_io_executor& ex) : wake(ex) {}

  bool has_response = false;
  http::Response response;
  bool streaming = false;
  int stream_status = 200;
  http::Headers stream_headers;
  std::deque<std::string> chunks;
  std::size_t queued_bytes = 0;
  std::size_t max_queued_bytes = 0;
  bool ended = false;
  // The invocation is over (answered, timed out, stopping): writes are refused.
  bool closed = false;
  // The stream failed after bytes were sent: finish with error trailers.
  bool failed = false;
  std::string failure_type;
  std::string failure_message;
  bool unanswered = false;  // the handler dropped the responder without an answer
  // Buffered mode gathers a stream into one response: the byte limit is then
  // Lambda's response size, not a lagging reader.
  bool gathering = false;
  std::vector<std::function<void()>> close_callbacks;
  asio::steady_timer wake;

  void notify() { wake.cancel(); }
  void fail(std::string type, std::string message) {
    if (failed || ended || closed) return;
    failed = true;
    failure_type = std::move(type);
    failure_message = std::move(message);
    notify();
  }
  // The invocation ends early: whoever is still working is told, as if the
  // client had gone away.
  void fire_close() {
    auto callbacks = std::move(close_callbacks);
    close_callbacks.clear();
    for (auto& cb : callbacks) cb();
  }
};

class LambdaStream final : public http::Stream {
 public:
  explicit LambdaStream(std::shared_ptr<Exchange> ex) : ex_(std::move(ex)) {}
  ~LambdaStream() override {
    // Dropped without end(): the handler died mid-stream.
    if (!ex_->ended && !ex_->closed) {
      ex_->fail("Runtime.StreamAbandoned", "The response stream was abandoned before it ended");
    }
  }
  LambdaStream(const LambdaStream&) = delete;
  LambdaStream& operator=(const LambdaStream&) = delete;

  bool write(std::string chunk) override {
    if (closed()) return false;
    ex_->queued_bytes += chunk.size();
    if (ex_->queued_bytes > ex_->max_queued_bytes) {
      if (ex_->gathering) {
        ex_->fail(
            "Runtime.ResponseTooLarge",
            "The streamed response outgrew Lambda's buffered response size; deploy with response streaming");
      } else {
        ex_->fail("Runtime.StreamBackpressure", "The response stream fell too far behind its reader");
      }
      return false;
    }
    ex_->chunks.push_back(std::move(chunk));
    ex_->notify();
    return true;
  }
  void end() override {
    if (ex_->ended || ex_->closed) return;
    ex_->ended = true;
    ex_->close_callbacks.clear();  // on_close is for abnormal ends only
    ex_->notify();
  }
  bool closed() const override { return ex_->closed || ex_->ended || ex_->failed; }
  void on_close(std::function<void()> fn) override {
    if (!closed()) ex_->close_callbacks.push_back(std::move(fn));
  }

 private:
  std::shared_ptr<Exchange> ex_;
};

class LambdaResponder final : public http::Responder {
 public:
  explicit LambdaResponder(std::shared_ptr<Exchange> ex) : ex_(std::move(ex)) {}
  ~LambdaResponder() override {
    if (!used_ && !ex_->closed) {
      ex_->unanswered = true;
      ex_->notify();
    }
  }
  LambdaResponder(const LambdaResponder&) = delete;
  LambdaResponder& operator=(const LambdaResponder&) = delete;

  void respond(http::Response response) override {
    if (used_ || ex_->closed) return;
    used_ = true;
    ex_->close_callbacks.clear();
    ex_->response = std::move(response);
    ex_->has_response = true;
    ex_->notify();
  }
  std::shared_ptr<http::Stream> stream(int status, http::Headers headers) override {
    used_ = true;
    if (!ex_->closed) {
      ex_->streaming = true;
      ex_->stream_status = status;
      ex_->stream_headers = std::move(headers);
      ex_->notify();
    }
    return std::make_shared<LambdaStream>(ex_);
  }
  void on_close(std::function<void()> fn) override {
    if (!used_ && !ex_->closed) ex_->close_callbacks.push_back(std::move(fn));
  }

 private:
  std::shared_ptr<Exchange> ex_;
  bool used_ = false;
};

struct Invocation {
  std::string id;
  std::string body;
  std::optional<std::int64_t> deadline_ms;  // epoch milliseconds
  std::string trace_id;
};

http::Response plain_json(int status, std::string_view message) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = nlohmann::json{{"message", std::string(message)}}.dump();
  return r;
}

std::string chunk(std::string_view data) {
  std::string out = fmt::format("{:x}\r\n", data.size());
  out.append(data);
  out += "\r\n";
  return out;
}

// host:port, as Lambda sets it (127.0.0.1:9001).
bool split_api(const std::string& api, std::string& host, std::string& port) {
  const auto colon = api.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == api.size()) return false;
  host = api.substr(0, colon);
  port = api.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return true;
}

}  // namespace

struct Runtime::Impl {
  Impl(RuntimeOptions o, const util::Logger& l)
      : options(std::move(o)), log(l), executor(ioc), signals(ioc) {}

  RuntimeOptions options;
  const util::Logger& log;
  asio::io_context ioc{1};
  net::AsioExecutor executor;
  asio::signal_set signals;
  Handler handler;
  std::optional<tcp::socket> socket;
  beast::flat_buffer buffer;
  std::shared_ptr<Exchange> current;
  bool stopping = false;
  int exit_code = 0;

  asio::awaitable<void> serve();
  asio::awaitable<error_code> connect();
  asio::awaitable<error_code> fetch_next(Invocation& inv);
  asio::awaitable<void> handle(Invocation& inv);
  asio::awaitable<error_code> send_whole(const std::string& id, const http::Response& response,
                                         PayloadFormat format);
  asio::awaitable<error_code> send_stream(const std::string& id, const std::shared_ptr<Exchange>& ex,
                                          PayloadFormat format, const http::Request& kept,
                                          SteadyClock::time_point deadline);
  asio::awaitable<void> gather_stream(const std::shared_ptr<Exchange>& ex, const http::Request& kept,
                                      SteadyClock::time_point deadline);
  asio::awaitable<error_code> post_error(const std::string& path, std::string_view type,
                                         std::string_view message);
  asio::awaitable<error_code> write(std::string_view bytes);
  asio::awaitable<error_code> read_reply(std::string_view what);
  void close_socket() {
    if (!socket) return;
    error_code ignored;
    socket->shutdown(tcp::socket::shutdown_both, ignored);
    socket->close(ignored);
    socket.reset();
    buffer.clear();
  }
  std::string head(std::string_view method, std::string_view path) const {
    return fmt::format("{} {}{} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\n", method, kApiVersion, path,
                       options.api, kUserAgent);
  }
};

asio::awaitable<error_code> Runtime::Impl::connect() {
  error_code ec;
  if (socket && socket->is_open()) co_return ec;
  std::string host;
  std::string port;
  if (!split_api(options.api, host, port)) co_return asio::error::invalid_argument;
  tcp::resolver resolver(ioc);
  auto endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  socket.emplace(ioc);
  co_await asio::async_connect(*socket, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    close_socket();
    co_return ec;
  }
  socket->set_option(tcp::no_delay(true), ec);
  co_return error_code{};
}

asio::awaitable<error_code> Runtime::Impl::write(std::string_view bytes) {
  error_code ec;
  if (!socket) co_return asio::error::not_connected;
  const bool streaming = crash_trailer::armed();
  if (streaming) crash_trailer::set_writing(true);
  co_await asio::async_write(*socket, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (streaming) crash_trailer::set_writing(false);
  co_return ec;
}

// Reads the Runtime API's answer to a POST; anything but 202 is logged.
asio::awaitable<error_code> Runtime::Impl::read_reply(std::string_view what) {
  error_code ec;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024);
  co_await bhttp::async_read(*socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  const auto& res = parser.get();
  if (res.result_int() != 202) {
    log.error("the Runtime API refused the " + std::string(what),
              {{"status", res.result_int()}, {"body", res.body().substr(0, 512)}});
  }
  if (!res.keep_alive()) close_socket();
  co_return error_code{};
}

asio::awaitable<error_code> Runtime::Impl::fetch_next(Invocation& inv) {
  error_code ec = co_await connect();
  if (ec) co_return ec;
  std::string request = head("GET", "/runtime/invocation/next");
  request += "\r\n";
  ec = co_await write(request);
  if (ec) {
    close_socket();
    co_return ec;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_event_bytes);
  // No timeout: Lambda freezes the process while it waits for an event.
  co_await bhttp::async_read(*socket, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    close_socket();
    co_return ec;
  }
  auto res = parser.release();
  if (!res.keep_alive()) close_socket();
  if (res.result_int() != 200) {
    log.error("the Runtime API answered next with an error",
              {{"status", res.result_int()}, {"body", res.body().substr(0, 512)}});
    co_return asio::error::connection_refused;
  }
  inv.id = std::string(res["Lambda-Runtime-Aws-Request-Id"]);
  inv.trace_id = std::string(res["Lambda-Runtime-Trace-Id"]);
  inv.body = std::move(res.body());
  inv.deadline_ms.reset();
  const auto deadline = res["Lambda-Runtime-Deadline-Ms"];
  std::int64_t ms = 0;
  if (std::from_chars(deadline.data(), deadline.data() + deadline.size(), ms).ec == std::errc{}) {
    inv.deadline_ms = ms;
  }
  if (inv.id.empty() || inv.id.find_first_of("/?# \r\n") != std::string::npos) {
    log.error("the Runtime API sent an invocation without a usable request id");
    co_return asio::error::invalid_argument;
  }
  co_return error_code{};
}

asio::awaitable<error_code> Runtime::Impl::post_error(const std::string& path, std::string_view type,
                                                      std::string_view message) {
  error_code ec = co_await connect();
  if (ec) co_return ec;
  const std::string body = error_document(type, message);
  std::string request = head("POST", path);
  request += fmt::format(
      "Lambda-Runtime-Function-Error-Type: {}\r\nContent-Type: application/json\r\nContent-Length: "
      "{}\r\n\r\n",
      type, body.size());
  request += body;
  ec = co_await write(request);
  if (!ec) ec = co_await read_reply("error report");
  if (ec) close_socket();
  co_return ec;
}

asio::awaitable<error_code> Runtime::Impl::send_whole(const std::string& id, const http::Response& response,
                                                      PayloadFormat format) {
  error_code ec = co_await connect();
  if (ec) co_return ec;
  const std::string path = "/runtime/invocation/" + id + "/response";
  std::string request = head("POST", path);
  if (options.mode == ResponseMode::kBuffered) {
    std::string doc = buffered_response(response, format);
    if (doc.size() > options.max_buffered_response_bytes) {
      log.error("the response is larger than a buffered Lambda response may be", {{"bytes", doc.size()}});
      const http::Response too_big = plain_json(
          502, "The response is larger than Lambda's buffered limit; deploy with response streaming");
      doc = buffered_response(too_big, format);
    }
    request += fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n", doc.size());
    request += doc;
    ec = co_await write(request);
    if (!ec) ec = co_await read_reply("response");
    if (ec) close_socket();
    co_return ec;
  }
  // Streaming mode answers every request in the HTTP-integration format,
  // which API Gateway requires of a streaming integration.
  request +=
      "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/vnd.awslambda.http-integration-response\r\n\r\n";
  std::string body = streaming_prelude(response.status, response.headers, format);
  body += response.body;
  request += chunk(body);
  request += "0\r\n\r\n";
  ec = co_await write(request);
  if (!ec) ec = co_await read_reply("response");
  close_socket();  // Lambda expects the connection closed after a streamed response
  co_return ec;
}

asio::awaitable<error_code> Runtime::Impl::send_stream(const std::string& id,
                                                       const std::shared_ptr<Exchange>& ex,
                                                       PayloadFormat format, const http::Request& kept,
                                                       SteadyClock::time_point deadline) {
  error_code ec = co_await connect();
  if (ec) co_return ec;
  std::string request = head("POST", "/runtime/invocation/" + id + "/response");
  request +=
      "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/vnd.awslambda.http-integration-response\r\n"
      "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n";
  const std::string prelude = streaming_prelude(ex->stream_status, ex->stream_headers, format);
  request += chunk(prelude);
  crash_trailer::arm(socket->native_handle());
  ec = co_await write(request);
  bool timed_out = false;
  while (!ec) {
    while (!ex->chunks.empty() && !ec) {
      const std::string data = chunk(ex->chunks.front());
      ex->queued_bytes -= ex->chunks.front().size();
      ex->chunks.pop_front();
      ec = co_await write(data);
    }
    if (ec) break;
    if (ex->failed) {
      log.error("the response stream failed",
                {{"errorType", ex->failure_type}, {"error", ex->failure_message}});
      const std::string trailers = error_trailers(ex->failure_type, ex->failure_message);
      ec = co_await write(trailers);
      break;
    }
    if (ex->ended) {
      ec = co_await write("0\r\n\r\n");
      break;
    }
    if (stopping || SteadyClock::now() >= deadline) {
      timed_out = !stopping;
      ex->closed = true;
      ex->fire_close();
      std::string last;
      if (timed_out) {
        log.warn("the invocation deadline ended a stream");
        const std::string event = deadline_event(kept);
        if (!event.empty()) last = chunk(event);
      }
      last += "0\r\n\r\n";
      ec = co_await write(last);
      break;
    }
    ex->wake.expires_at(deadline);
    error_code wait_ec;
    co_await ex->wake.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
  }
  crash_trailer::disarm();
  if (!ec) ec = co_await read_reply("streamed response");
  close_socket();
  co_return ec;
}

// Buffered mode: a streamed (SSE) answer is gathered until it ends and then
// sent whole; the client gets every event at once, as a buffered integration
// allows. A failed stream becomes an invocation error.
asio::awaitable<void> Runtime::Impl::gather_stream(const std::shared_ptr<Exchange>& ex,
                                                   const http::Request& kept,
                                                   SteadyClock::time_point deadline) {
  std::string body;
  while (true) {
    while (!ex->chunks.empty()) {
      body += ex->chunks.front();
      ex->chunks.pop_front();
    }
    if (ex->failed || ex->ended) break;
    if (stopping || SteadyClock::now() >= deadline) {
      ex->closed = true;
      ex->fire_close();
      if (!stopping) {
        log.warn("the invocation deadline ended a stream");
        body += deadline_event(kept);
      }
      break;
    }
    ex->wake.expires_at(deadline);
    error_code wait_ec;
    co_await ex->wake.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
  }
  if (ex->failed) co_return;
  ex->response.status = ex->stream_status;
  ex->response.headers = std::move(ex->stream_headers);
  ex->response.body = std::move(body);
  ex->has_response = true;
}

asio::awaitable<void> Runtime::Impl::handle(Invocation& inv) {
  log.set_context("requestId", inv.id);
  auto decoded = decode_event(inv.body);
  if (!decoded) {
    const EventError& problem = decoded.error();
    if (problem.unsupported) {
      log.error("unsupported event", {{"error", problem.message}});
      const std::string path = "/runtime/invocation/" + inv.id + "/error";
      error_code ec = co_await post_error(path, "Runtime.UnsupportedEvent", problem.message);
      if (ec) log.error("could not report the invocation error", {{"error", ec.message()}});
    } else {
      log.warn("malformed HTTP event", {{"error", problem.message}});
      const http::Response bad = plain_json(400, problem.message);
      error_code ec = co_await send_whole(inv.id, bad, PayloadFormat::kRest);
      if (ec) log.error("could not send the response", {{"error", ec.message()}});
    }
    log.clear_context();
    co_return;
  }
  Event& event = *decoded;
  const PayloadFormat format = event.format;

  SteadyClock::time_point deadline = SteadyClock::time_point::max();
  if (inv.deadline_ms) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    // Handlers aim to answer a full margin before Lambda's deadline; the
    // loop itself ends the request only at a quarter of it, so that a
    // handler's own, more specific error usually arrives first.
    const auto end = SteadyClock::now() + std::chrono::milliseconds(*inv.deadline_ms - now_ms);
    event.request.deadline = end - options.deadline_margin;
    deadline = end - options.deadline_margin / 4;
  }
  // What a deadline answer needs to name the JSON-RPC id.
  http::Request kept;
  kept.method = event.request.method;
  kept.body = event.request.body;

  auto ex = std::make_shared<Exchange>(ioc.get_executor());
  ex->gathering = options.mode == ResponseMode::kBuffered;
  ex->max_queued_bytes =
      ex->gathering ? options.max_buffered_response_bytes : options.max_queued_stream_bytes;
  current = ex;
  {
    auto responder = std::make_shared<LambdaResponder>(ex);
    try {
      handler(std::move(event.request), responder);
    } catch (const std::exception& e) {
      log.error("handler failed", {{"error", e.what()}});
      if (!ex->has_response && !ex->streaming) responder->respond(plain_json(500, "Internal server error"));
      ex->fail("Runtime.HandlerError", "The request handler failed");
    }
  }

  while (!ex->has_response && !ex->streaming) {
    if (ex->unanswered) {
      log.error("the handler dropped a request without answering");
      ex->response = plain_json(500, "Internal server error");
      ex->has_response = true;
      break;
    }
    if (stopping || SteadyClock::now() >= deadline) {
      if (!stopping) log.warn("the invocation deadline ended a request before its answer");
      ex->closed = true;
      ex->fire_close();
      ex->response = stopping ? plain_json(503, "The function is shutting down") : deadline_response(kept);
      ex->has_response = true;
      break;
    }
    ex->wake.expires_at(deadline);
    error_code wait_ec;
    co_await ex->wake.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
  }

  if (ex->streaming && ex->gathering) co_await gather_stream(ex, kept, deadline);

  error_code ec;
  if (ex->gathering && ex->streaming && ex->failed) {
    ex->closed = true;
    log.error("the response stream failed",
              {{"errorType", ex->failure_type}, {"error", ex->failure_message}});
    const std::string path = "/runtime/invocation/" + inv.id + "/error";
    ec = co_await post_error(path, ex->failure_type, ex->failure_message);
  } else if (ex->has_response) {
    ex->closed = true;
    ec = co_await send_whole(inv.id, ex->response, format);
  } else {
    ec = co_await send_stream(inv.id, ex, format, kept, deadline);
  }
  if (ec) log.error("could not send the response to the Runtime API", {{"error", ec.message()}});
  ex->closed = true;
  // A writer that is still running learns that nobody listens any more.
  ex->fire_close();
  current.reset();
  log.clear_context();
}

asio::awaitable<void> Runtime::Impl::serve() {
  int failures = 0;
  while (!stopping) {
    Invocation inv;
    const error_code ec = co_await fetch_next(inv);
    if (stopping) break;
    if (ec) {
      log.error("cannot get the next invocation from the Runtime API",
                {{"api", options.api}, {"error", ec.message()}});
      if (++failures >= kMaxNextFailures) {
        exit_code = 1;
        break;
      }
      asio::steady_timer pause(ioc, std::chrono::milliseconds(100 * failures));
      error_code wait_ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
      continue;
    }
    failures = 0;
    co_await handle(inv);
  }
}

Runtime::Runtime(RuntimeOptions options, const util::Logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), log)) {}

Runtime::~Runtime() = default;

Executor& Runtime::executor() {
  return impl_->executor;
}

void Runtime::set_handler(Handler handler) {
  impl_->handler = std::move(handler);
}

int Runtime::run() {
  Impl& s = *impl_;
  crash_trailer::install();
  s.signals.add(SIGTERM);
  s.signals.add(SIGINT);
  s.signals.async_wait([&s](const error_code& ec, int /*signal*/) {
    if (ec) return;
    s.log.info("stopping on signal");
    s.stopping = true;
    if (s.current) {
      s.current->notify();  // the invocation in flight ends now
    } else {
      s.close_socket();  // abandons the wait for the next event
    }
  });
  asio::co_spawn(s.ioc, s.serve(), [&s](const std::exception_ptr& error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        s.log.error("the runtime loop failed", {{"error", e.what()}});
      }
      s.exit_code = 1;
    }
    error_code ignored;
    s.signals.cancel(ignored);
    s.ioc.stop();
  });
  s.ioc.run();
  return s.exit_code;
}

void Runtime::poll() {
  impl_->ioc.restart();
  impl_->ioc.poll();
}

bool report_init_error(const std::string& api, std::string_view type, std::string_view message) {
  std::string host;
  std::string port;
  if (!split_api(api, host, port)) return false;
  try {
    asio::io_context ioc{1};
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(5));
    stream.connect(resolver.resolve(host, port));
    bhttp::request<bhttp::string_body> req{bhttp::verb::post,
                                           std::string(kApiVersion) + "/runtime/init/error", 11};
    req.set(bhttp::field::host, api);
    req.set(bhttp::field::user_agent, kUserAgent);
    req.set("Lambda-Runtime-Function-Error-Type", type);
    req.set(bhttp::field::content_type, "application/json");
    req.body() = error_document(type, message);
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return res.result_int() == 202;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace mcp::lambda
