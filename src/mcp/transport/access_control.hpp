#pragma once
// The transport's authorization gate. The transport asks it to authenticate
// every request to the MCP endpoint (initialize included) and to authorize
// every JSON-RPC call in it; the OAuth resource server (mcp/auth) implements
// it. Denials are values; the transport maps them to HTTP in one place.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/protocol/context.hpp"
#include "mcp/transport/http_types.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::transport {

struct AccessDenied {
  int status = 401;              // 400, 401, 403 or 503
  std::string www_authenticate;  // full header value; empty: no header
  std::string message;           // readable reason, safe to log and return
};

using AuthResult = util::Expected<std::shared_ptr<const AuthInfo>, AccessDenied>;

class AccessControl {
 public:
  virtual ~AccessControl() = default;
  // Authenticates one HTTP request to the MCP endpoint when that needs no
  // waiting (the usual case: keys or the verification are cached); nullopt
  // means "call authenticate() and wait".
  virtual std::optional<AuthResult> try_authenticate(const http::Request& request) = 0;
  // The waiting path (a key set fetch). `done` runs exactly once on the
  // executor thread, inside this call or later.
  virtual void authenticate(const http::Request& request, std::function<void(AuthResult)> done) = 0;
  // Authorizes one JSON-RPC request (method and params) for an authenticated
  // caller; nullopt means allowed.
  virtual std::optional<AccessDenied> authorize(const http::Request& request, const AuthInfo& auth,
                                                std::string_view method, const Json& params) const = 0;
};

}  // namespace mcp::transport
