#pragma once
// What the function sends back through the Runtime API: the HTTP-integration
// prelude of a streamed response, the API Gateway proxy document of a
// buffered one, the error document and error trailers, and the answer to a
// request that reached the invocation deadline.
#include <string>
#include <string_view>

#include "mcp/lambda/event.hpp"
#include "mcp/transport/http_types.hpp"

namespace mcp::lambda {

// JSON prelude (statusCode, headers, multiValueHeaders or cookies) followed
// by the 8 NUL bytes that separate it from the body.
std::string streaming_prelude(int status, const http::Headers& headers, PayloadFormat format);

// The proxy integration response: 1.0 uses multiValueHeaders, 2.0 headers
// plus a cookies array. Bodies that are not UTF-8 text are base64-encoded.
std::string buffered_response(const http::Response& response, PayloadFormat format);

// {"errorMessage","errorType","stackTrace":[]} for /error and /init/error.
std::string error_document(std::string_view type, std::string_view message);

// The last chunk of a streamed body that failed after bytes were sent.
std::string error_trailers(std::string_view type, std::string_view message);

// The answer for a request whose invocation is about to end: a JSON-RPC
// error naming the request's id when there is one (504).
http::Response deadline_response(const http::Request& request);
// The same error as an SSE event for a stream already under way ("" when
// the request carried no JSON-RPC id, e.g. a GET stream).
std::string deadline_event(const http::Request& request);

}  // namespace mcp::lambda
