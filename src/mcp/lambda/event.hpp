#pragma once
// API Gateway and Lambda Function URL events turned into the HTTP exchange
// model: REST APIs (payload format 1.0, the stage in requestContext.path) and
// HTTP APIs / Function URLs (payload format 2.0). The public origin and stage
// prefix are carried as X-Forwarded-Proto/Host/Prefix taken from the event
// (never from the caller), so the public URL logic is the HTTP server's.
#include <string>
#include <string_view>

#include "mcp/transport/http_types.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::lambda {

enum class PayloadFormat { kRest, kHttp };  // 1.0 (REST proxy), 2.0 (HTTP API, Function URL)

struct Event {
  PayloadFormat format = PayloadFormat::kRest;
  http::Request request;
  std::string stage;  // "" when none ($default)
};

struct EventError {
  bool unsupported = false;  // not an HTTP event at all (a direct invoke, S3...)
  std::string message;
};

util::Expected<Event, EventError> decode_event(std::string_view json);

}  // namespace mcp::lambda
