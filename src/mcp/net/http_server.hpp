#pragma once
// An HTTP/1.1 server on Boost.Beast that feeds the exchange model of
// transport/http_types.hpp: keep-alive, chunked streaming responses with
// immediate flushes, explicit limits and timeouts, TCP_NODELAY, and graceful
// shutdown on SIGTERM/SIGINT. One event-loop thread runs connections and
// handlers; Asio stays out of this header.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mcp/protocol/executor.hpp"
#include "mcp/transport/http_types.hpp"
#include "mcp/util/log.hpp"

namespace mcp::net {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;  // 0 picks a free port
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 10'000;
  std::chrono::seconds header_timeout{10};     // first byte to end of headers
  std::chrono::seconds body_timeout{30};       // reading the body
  std::chrono::seconds idle_timeout{75};       // keep-alive between requests
  std::chrono::seconds response_timeout{300};  // a non-streaming handler's answer
  std::chrono::seconds shutdown_grace{10};     // in-flight requests on SIGTERM
};

class HttpServer {
 public:
  using Handler = std::function<void(http::Request, std::shared_ptr<http::Responder>)>;

  HttpServer(HttpServerOptions options, const util::Logger& log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Executor& executor();
  void set_handler(Handler handler);
  // Called once when a shutdown signal arrives; `idle` is polled until it
  // returns true (or the grace period ends) before connections are closed.
  void set_shutdown_hooks(std::function<void()> begin, std::function<bool()> idle);

  // Binds and listens; returns the bound port. Throws std::runtime_error with
  // a readable message on failure (address in use, permission...).
  std::uint16_t listen();
  // Runs the event loop until shutdown completes.
  void run();
  // Starts a graceful shutdown from the event-loop thread.
  void stop();
  // After run(): runs the work that is ready (cancellations, closed sockets)
  // so that nothing is left pending when the server is destroyed.
  void poll();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::net
