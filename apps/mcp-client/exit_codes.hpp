#pragma once
// Process exit codes of mcp-client (documented in --help) and how a client
// Failure maps onto them.
#include "mcp/client/failure.hpp"

namespace mcp_cli {

enum class ExitCode : int {
  kOk = 0,
  kFailed = 1,      // the operation failed: a tool result with isError, a JSON-RPC error
  kUsage = 2,       // bad command line or command arguments
  kConnection = 3,  // connection, HTTP or protocol failure
  kAuth = 4,        // authorization failed
  kTimeout = 5,     // timed out or cancelled (Ctrl-C)
};

inline int to_int(ExitCode code) {
  return static_cast<int>(code);
}

inline ExitCode exit_code_for(const mcp::client::Failure& failure) {
  using Kind = mcp::client::Failure::Kind;
  switch (failure.kind) {
    case Kind::kRpcError:
      return ExitCode::kFailed;
    case Kind::kHttp:
      return failure.http_status == 401 || failure.http_status == 403 ? ExitCode::kAuth
                                                                      : ExitCode::kConnection;
    case Kind::kTransport:
      return failure.transport.kind == mcp::http::FailureKind::kTimeout ||
                     failure.transport.kind == mcp::http::FailureKind::kAborted
                 ? ExitCode::kTimeout
                 : ExitCode::kConnection;
    case Kind::kTimeout:
    case Kind::kCancelled:
      return ExitCode::kTimeout;
    case Kind::kAuth:
      return ExitCode::kAuth;
    case Kind::kProtocol:
      return ExitCode::kConnection;
  }
  return ExitCode::kFailed;
}

}  // namespace mcp_cli
