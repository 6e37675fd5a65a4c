#pragma once
// http::Client on libcurl: TLS verification on, proxies from the environment,
// HTTP/2 when offered, no redirects followed, response size capped. Each
// request runs on a short-lived worker thread (outbound calls are rare: key
// set refreshes, logins), and its result is handed back through the executor.
#include <cstddef>
#include <memory>

#include "mcp/protocol/executor.hpp"
#include "mcp/transport/http_client.hpp"

namespace mcp::net {

// One blocking exchange on the calling thread (start-up checks, the CLI).
http::ClientResult perform(const http::ClientRequest& request);

class CurlClient final : public http::Client {
 public:
  // `max_in_flight` bounds the worker threads; requests beyond it fail at once.
  explicit CurlClient(Executor& executor, std::size_t max_in_flight = 16);
  // Aborts transfers still running and waits for their threads.
  ~CurlClient() override;
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  void send(http::ClientRequest request, std::function<void(http::ClientResult)> done) override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// http::StreamingClient on libcurl (the MCP client's POST and GET streams):
// same settings as above, the body handed over as it arrives. Stateless and
// thread-safe: each stream() runs on its caller's thread.
class CurlStreamingClient final : public http::StreamingClient {
 public:
  http::StreamResult stream(const http::ClientRequest& request, const http::StreamHandler& handler,
                            const std::atomic<bool>* abort) override;
};

}  // namespace mcp::net
