#pragma once
// Why an AWS call failed, in a form both people and code can use. Every
// failure of the aws module (credentials, transport, service errors) is one of
// these values; nothing throws across the module boundary.
#include <string>

namespace aws {

enum class ErrorKind {
  kService,       // the service answered with an error document (`code` holds its __type)
  kThrottled,     // ThrottlingException / TooManyRequests / 429 after every retry
  kCredentials,   // no credentials, a provider failed, or they expired
  kAccessDenied,  // AccessDeniedException / UnauthorizedOperation / 403
  kNotFound,      // ResourceNotFoundException (a missing log group, ...)
  kTransport,     // no HTTP response (connect, DNS, TLS, timeout)
  kDeadline,      // the caller's deadline passed (retries stop)
  kCancelled,     // the caller cancelled
  kConfig,        // missing region, bad endpoint URL, unset role name, ...
  kProtocol,      // a response we could not understand
};

struct Error {
  ErrorKind kind = ErrorKind::kService;
  std::string code;     // AWS error code, sanitised ("ThrottlingException"); may be empty
  std::string message;  // one readable line for people; never contains secrets
  int http_status = 0;  // 0 when there was no HTTP response
};

}  // namespace aws
