#pragma once
// The one outbound HTTP interface (DESIGN.md §3): JWKS and discovery fetches,
// the OAuth facade's token proxy, later AWS calls. Implemented once with
// libcurl (net/curl_client); unit tests substitute an in-memory peer.
#include <chrono>
#include <functional>
#include <string>

#include "mcp/transport/http_types.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};                // whole exchange, connect included
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

}  // namespace mcp::http
