#pragma once
// The one outbound HTTP interface (DESIGN.md §3): JWKS and discovery fetches,
// the OAuth facade's token proxy, later AWS calls. Implemented once with
// libcurl (net/curl_client); unit tests substitute an in-memory peer.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "mcp/transport/http_types.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};                // whole exchange, connect included
  std::chrono::milliseconds connect_timeout{0};           // TCP/TLS connect; 0: `timeout`
  std::size_t max_response_bytes = std::size_t{1} << 20;  // larger bodies fail the request
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// The error side is a readable one-line reason ("connect to 127.0.0.1:9 failed:
// Connection refused"); it never contains request headers (tokens).
using ClientResult = util::Expected<ClientResponse, std::string>;

class Client {
 public:
  virtual ~Client() = default;
  // Sends `request`; `done` runs exactly once, on the owner's executor thread,
  // never inside this call.
  virtual void send(ClientRequest request, std::function<void(ClientResult)> done) = 0;
};

// Why an exchange produced no HTTP response, so callers can explain it.
enum class FailureKind { kConnect, kDns, kTls, kTimeout, kAborted, kTooLarge, kOther };

struct TransportFailure {
  FailureKind kind = FailureKind::kOther;
  std::string message;  // one line, never request headers
};

// Receives a response as it arrives. on_headers runs once, before any
// on_data; returning false from either stops the transfer (not a failure).
struct StreamHandler {
  std::function<bool(int status, const Headers& headers)> on_headers;
  std::function<bool(std::string_view chunk)> on_data;
};

// The status of a response that was (at least partly) received.
using StreamResult = util::Expected<int, TransportFailure>;

// Streaming exchanges for long-lived responses (MCP's SSE streams). Blocking:
// each call runs the transfer on the calling thread. For streams,
// `request.timeout` bounds connecting and the wait for the response headers
// only; the body may last as long as the peer keeps it open, until `abort`
// becomes true (checked at least every 100 ms) or a handler returns false.
class StreamingClient {
 public:
  virtual ~StreamingClient() = default;
  virtual StreamResult stream(const ClientRequest& request, const StreamHandler& handler,
                              const std::atomic<bool>* abort) = 0;
};

}  // namespace mcp::http
