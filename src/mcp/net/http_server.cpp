#include "mcp/net/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <list>
#include <optional>
#include <stdexcept>
#include <utility>  // before Asio (GCC 12)

#include "mcp/net/asio_executor.hpp"

namespace mcp::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kMaxQueuedStreamBytes = 16 * 1024 * 1024;  // a reader this far behind is dropped
constexpr auto kWriteTimeout = std::chrono::seconds(30);

// What the connection coroutine and the transport share for one exchange.
struct ExchangeState {
  explicit ExchangeState(asio::any_io_executor ex) : executor(std::move(ex)) {}

  bool has_response = false;
  http::Response response;
  bool streaming = false;
  int stream_status = 200;
  http::Headers stream_headers;
  std::deque<std::string> chunks;
  std::size_t queued_bytes = 0;
  bool stream_end = false;
  bool peer_closed = false;
  std::vector<std::function<void()>> close_callbacks;
  asio::any_io_executor executor;
  // Created only when the connection has to wait: most answers are ready
  // as soon as the handler returns.
  std::optional<asio::steady_timer> wake;

  asio::steady_timer& timer() {
    if (!wake) wake.emplace(executor);
    return *wake;
  }
  void notify() {
    if (wake) wake->cancel();
  }
  void fire_close() {
    auto callbacks = std::move(close_callbacks);
    close_callbacks.clear();
    for (auto& cb : callbacks) cb();
  }
};

class BeastStream final : public http::Stream {
 public:
  explicit BeastStream(std::shared_ptr<ExchangeState> st) : st_(std::move(st)) {}
  bool write(std::string chunk) override {
    if (closed()) return false;
    st_->queued_bytes += chunk.size();
    if (st_->queued_bytes > kMaxQueuedStreamBytes) {
      st_->peer_closed = true;  // the connection loop closes it and fires on_close
      st_->notify();
      return false;
    }
    st_->chunks.push_back(std::move(chunk));
    st_->notify();
    return true;
  }
  void end() override {
    if (st_->stream_end) return;
    st_->stream_end = true;
    st_->close_callbacks.clear();  // on_close is for abnormal ends only
    st_->notify();
  }
  bool closed() const override { return st_->peer_closed || st_->stream_end; }
  void on_close(std::function<void()> fn) override {
    if (st_->stream_end) return;
    st_->close_callbacks.push_back(std::move(fn));
  }

 private:
  std::shared_ptr<ExchangeState> st_;
};

class BeastResponder final : public http::Responder {
 public:
  explicit BeastResponder(std::shared_ptr<ExchangeState> st) : st_(std::move(st)) {}
  void respond(http::Response response) override {
    if (used_) return;
    used_ = true;
    st_->close_callbacks.clear();  // on_close is for abnormal ends only
    st_->response = std::move(response);
    st_->has_response = true;
    st_->notify();
  }
  std::shared_ptr<http::Stream> stream(int status, http::Headers headers) override {
    used_ = true;
    st_->streaming = true;
    st_->stream_status = status;
    st_->stream_headers = std::move(headers);
    st_->notify();
    return std::make_shared<BeastStream>(st_);
  }
  void on_close(std::function<void()> fn) override {
    if (!used_) st_->close_callbacks.push_back(std::move(fn));
  }

 private:
  std::shared_ptr<ExchangeState> st_;
  bool used_ = false;
};

template <class Fields>
void copy_headers(const http::Headers& from, Fields& to) {
  for (const auto& h : from.items()) to.insert(h.name, h.value);
}

}  // namespace

// One connection's socket and its deadline. A single watchdog timer per
// connection enforces the deadline, so reads and writes arm no timers of
// their own (a timer per operation is measurable at tens of thousands of
// requests per second).
struct Conn {
  explicit Conn(tcp::socket s) : socket(std::move(s)), watchdog(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer watchdog;
  asio::steady_timer::time_point deadline = asio::steady_timer::time_point::max();
  asio::steady_timer::time_point armed =
      asio::steady_timer::time_point::max();  // what the watchdog waits for
  bool done = false;

  void expires_after(std::chrono::steady_clock::duration d) {
    deadline = asio::steady_timer::clock_type::now() + d;
    // Later deadlines are picked up when the watchdog wakes; an earlier one
    // must wake it now.
    if (deadline < armed) watchdog.cancel();
  }
  void expires_never() { deadline = asio::steady_timer::time_point::max(); }
};

struct HttpServer::Impl {
  Impl(HttpServerOptions o, const util::Logger& l)
      : options(std::move(o)), log(l), executor(ioc), acceptor(ioc), signals(ioc) {}

  struct Connection {
    tcp::socket* socket = nullptr;
    bool idle = true;  // waiting for the next request (safe to close on shutdown)
  };

  HttpServerOptions options;
  const util::Logger& log;
  // Declared before the io_context: coroutine frames destroyed with it still
  // unlink themselves from this list.
  std::list<Connection> connections;
  asio::io_context ioc{1};
  AsioExecutor executor;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  Handler handler;
  std::function<void()> on_shutdown;
  std::function<bool()> is_idle;
  bool stopping = false;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<bool> write_simple(Conn& conn, http::Response resp, unsigned version, bool keep_alive);
  asio::awaitable<void> watchdog(std::shared_ptr<Conn> conn);
  asio::awaitable<void> drain();
  void begin_stop();
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      log.warn("accept failed", {{"error", ec.message()}});
      continue;
    }
    if (connections.size() >= options.max_connections) {
      socket.close(ec);  // over the cap: refuse cheaply rather than queue without bound
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(ioc, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<bool> HttpServer::Impl::write_simple(Conn& conn, http::Response resp, unsigned version,
                                                     bool keep_alive) {
  // One buffer, one send: status line, headers and body.
  std::string out;
  out.reserve(128 + resp.body.size());
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(resp.status);
  out += ' ';
  out += http::reason_phrase(resp.status);
  out += "\r\n";
  for (const auto& h : resp.headers.items()) {
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(resp.body.size());
  out += "\r\n";
  if (version == 11 && !keep_alive) out += "Connection: close\r\n";
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  out += resp.body;
  error_code ec;
  conn.expires_after(kWriteTimeout);
  co_await asio::async_write(conn.socket, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<void> HttpServer::Impl::watchdog(std::shared_ptr<Conn> conn) {
  error_code ec;
  while (!conn->done) {
    conn->armed = conn->deadline;
    conn->watchdog.expires_at(conn->armed);
    co_await conn->watchdog.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (conn->done) break;
    if (asio::steady_timer::clock_type::now() >= conn->deadline) {
      conn->socket.close(ec);  // the pending read or write fails and the connection ends
      break;
    }
  }
}

namespace {
http::Response plain_error(int status, std::string_view message) {
  http::Response r;
  r.status = status;
  r.headers.add("Content-Type", "application/json");
  r.body = std::string(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":")") +
           std::string(message) + "\"}}";
  return r;
}
}  // namespace

asio::awaitable<void> HttpServer::Impl::serve(tcp::socket socket) {
  connections.push_back({nullptr, true});
  auto self_it = std::prev(connections.end());
  auto conn = std::make_shared<Conn>(std::move(socket));
  auto& stream = conn->socket;
  self_it->socket = &stream;
  struct Cleanup {
    Impl* impl;
    std::list<Connection>::iterator it;
    Conn* conn;
    ~Cleanup() {
      conn->done = true;
      conn->watchdog.cancel();
      impl->connections.erase(it);
    }
  } cleanup{this, self_it, conn.get()};
  asio::co_spawn(ioc, watchdog(conn), asio::detached);

  beast::flat_buffer buffer;
  error_code ec;
  bool first = true;
  std::string remote;
  if (auto ep = stream.remote_endpoint(ec); !ec) remote = ep.address().to_string();

  while (!stopping) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    self_it->idle = true;
    conn->expires_after(first ? options.header_timeout : options.idle_timeout);
    co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    self_it->idle = false;
    if (ec) {
      // Beast checks Content-Length against the body limit with the header.
      if (ec == bhttp::error::body_limit) {
        co_await write_simple(*conn, plain_error(413, "Request body too large"), 11, false);
      } else if (ec == bhttp::error::header_limit) {
        co_await write_simple(*conn, plain_error(431, "Request header too large"), 11, false);
      }
      break;
    }
    first = false;
    const unsigned version = parser.get().version();
    if (const auto len = parser.content_length(); len && *len > options.max_body_bytes) {
      co_await write_simple(*conn, plain_error(413, "Request body too large"), version, false);
      break;
    }
    if (!parser.is_done()) {
      conn->expires_after(options.body_timeout);
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == bhttp::error::body_limit) {
        co_await write_simple(*conn, plain_error(413, "Request body too large"), version, false);
        break;
      }
      if (ec) break;
    }
    conn->expires_never();

    auto breq = parser.release();
    const bool keep_alive = breq.keep_alive() && !stopping;
    http::Request req;
    req.method = std::string(breq.method_string());
    req.target = std::string(breq.target());
    for (const auto& f : breq) req.headers.add(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(breq.body());
    req.remote_address = remote;

    auto st = std::make_shared<ExchangeState>(stream.get_executor());
    try {
      handler(std::move(req), std::make_shared<BeastResponder>(st));
    } catch (const std::exception& e) {
      log.error("handler failed", {{"error", e.what()}});
      if (!st->has_response && !st->streaming) {
        st->response = plain_error(500, "Internal server error");
        st->has_response = true;
      }
    }

    // Wait for the handler's answer (it may already be there), noticing a
    // client that hangs up meanwhile so the handler can be cancelled.
    const auto deadline = asio::steady_timer::clock_type::now() + options.response_timeout;
    auto waiting = std::make_shared<bool>(true);
    if (!st->has_response && !st->streaming) {
      stream.async_wait(tcp::socket::wait_read, [st, waiting, &stream](const error_code& wec) {
        if (!*waiting) return;
        error_code aec;
        // Readable with nothing to read is an orderly close; bytes are a
        // pipelined request, which is not a hang-up.
        if (wec || stream.available(aec) == 0) {
          st->peer_closed = true;
          st->fire_close();
          st->notify();
        }
      });
    }
    while (!st->has_response && !st->streaming && !st->peer_closed) {
      st->timer().expires_at(deadline);
      co_await st->timer().async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec && asio::steady_timer::clock_type::now() >= deadline) {
        st->response = plain_error(504, "The request took too long");
        st->has_response = true;
      }
    }

    *waiting = false;
    if (st->peer_closed && !st->has_response && !st->streaming) break;
    if (st->has_response) {
      if (!co_await write_simple(*conn, std::move(st->response), version, keep_alive)) break;
      if (!keep_alive) break;
      continue;
    }

    // Streaming: chunked transfer, each chunk flushed as it comes.
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(st->stream_status), version};
    copy_headers(st->stream_headers, res);
    res.keep_alive(keep_alive);
    res.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    conn->expires_after(kWriteTimeout);
    co_await bhttp::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      st->peer_closed = true;
      st->fire_close();
      break;
    }
    // Notice a client that goes away while we have nothing to write.
    auto watching = std::make_shared<bool>(true);
    stream.async_wait(tcp::socket::wait_read, [st, watching, &stream](const error_code& wec) {
      if (!*watching) return;
      error_code aec;
      if (wec || stream.available(aec) == 0) {
        st->peer_closed = true;
        st->notify();
      }
    });
    bool ok = true;
    for (;;) {
      while (!st->chunks.empty() && !st->peer_closed) {
        std::string chunk = std::move(st->chunks.front());
        st->chunks.pop_front();
        st->queued_bytes -= chunk.size();
        conn->expires_after(kWriteTimeout);
        co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(chunk)),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) st->peer_closed = true;
      }
      if (st->peer_closed) {
        ok = false;
        break;
      }
      if (st->stream_end) {
        conn->expires_after(kWriteTimeout);
        co_await asio::async_write(stream, bhttp::make_chunk_last(),
                                   asio::redirect_error(asio::use_awaitable, ec));
        ok = !ec;
        break;
      }
      conn->expires_never();  // an idle stream is fine; keep-alive comments flow
      st->timer().expires_at(asio::steady_timer::time_point::max());
      co_await st->timer().async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    *watching = false;
    conn->expires_never();
    stream.cancel(ec);
    if (!ok) {
      st->fire_close();
      break;
    }
    if (!keep_alive) break;
  }
  stream.shutdown(tcp::socket::shutdown_both, ec);
  stream.close(ec);
}

asio::awaitable<void> HttpServer::Impl::drain() {
  const auto deadline = asio::steady_timer::clock_type::now() + options.shutdown_grace;
  asio::steady_timer timer(ioc);
  error_code ec;
  while ((is_idle && !is_idle()) && asio::steady_timer::clock_type::now() < deadline) {
    // Idle keep-alive connections would hold the loop open: close them.
    for (auto& c : connections) {
      if (c.idle && c.socket) c.socket->close(ec);
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  for (auto& c : connections) {
    if (c.socket) c.socket->close(ec);
  }
  timer.expires_after(std::chrono::milliseconds(20));
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  ioc.stop();
}

void HttpServer::Impl::begin_stop() {
  if (stopping) return;
  stopping = true;
  error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  if (on_shutdown) on_shutdown();
  asio::co_spawn(ioc, drain(), asio::detached);
}

HttpServer::HttpServer(HttpServerOptions options, const util::Logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), log)) {}
HttpServer::~HttpServer() = default;

Executor& HttpServer::executor() {
  return impl_->executor;
}
void HttpServer::set_handler(Handler handler) {
  impl_->handler = std::move(handler);
}
void HttpServer::set_shutdown_hooks(std::function<void()> begin, std::function<bool()> idle) {
  impl_->on_shutdown = std::move(begin);
  impl_->is_idle = std::move(idle);
}

std::uint16_t HttpServer::listen() {
  error_code ec;
  const auto address =
      asio::ip::make_address(impl_->options.host == "localhost" ? "127.0.0.1" : impl_->options.host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + impl_->options.host + "': " + ec.message());
  const tcp::endpoint ep(address, impl_->options.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + impl_->options.host + ":" +
                             std::to_string(impl_->options.port) + ": " + ec.message());
  }
  return acc.local_endpoint().port();
}

void HttpServer::run() {
  impl_->signals.add(SIGINT);
  impl_->signals.add(SIGTERM);
  impl_->signals.async_wait([this](const error_code& ec, int sig) {
    if (ec) return;
    impl_->log.info("shutting down", {{"signal", sig}});
    impl_->begin_stop();
  });
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  impl_->ioc.run();
}

void HttpServer::stop() {
  impl_->begin_stop();
}

void HttpServer::poll() {
  impl_->ioc.restart();
  impl_->ioc.poll();
}

}  // namespace mcp::net
