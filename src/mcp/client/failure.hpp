#pragma once
// Why a client request produced no result: one value the CLI can explain and
// map to an exit code, whatever layer the problem came from.
#include <optional>
#include <string>

#include "mcp/json_rpc/message.hpp"
#include "mcp/transport/http_client.hpp"
#include "mcp/transport/http_types.hpp"

namespace mcp::client {

struct Failure {
  enum class Kind {
    kRpcError,   // the server answered with a JSON-RPC error (`rpc`)
    kHttp,       // a non-2xx HTTP status (`http_status`, `http_headers`, `http_body`)
    kTransport,  // no HTTP response at all (`transport`: refused, DNS, TLS, ...)
    kTimeout,    // no response within the request timeout (cancellation was sent)
    kCancelled,  // the caller cancelled (Ctrl-C); cancellation was sent
    kProtocol,   // the server broke the protocol (bad JSON, wrong content type, unsupported version)
    kAuth,       // authorization failed or was refused (message says why)
  };
  Kind kind = Kind::kProtocol;
  std::string message;  // one readable line, never a token
  std::optional<json_rpc::Error> rpc;
  int http_status = 0;
  http::Headers http_headers;
  std::string http_body;  // at most a few KiB, for explanations
  http::TransportFailure transport;

  static Failure protocol(std::string message) { return {Kind::kProtocol, std::move(message)}; }
};

}  // namespace mcp::client
