#pragma once
// The AWS Lambda Runtime API loop (custom runtime, no aws-lambda-cpp, which
// cannot stream): next -> decode the event -> the same handler as the HTTP
// server -> a streamed (HTTP-integration prelude, chunks flushed as written,
// error trailers) or buffered response. One invocation at a time, everything
// on one event-loop thread; Asio stays out of this header.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mcp/protocol/executor.hpp"
#include "mcp/transport/http_types.hpp"
#include "mcp/util/log.hpp"

namespace mcp::lambda {

enum class ResponseMode { kStreaming, kBuffered };

struct RuntimeOptions {
  std::string api;  // AWS_LAMBDA_RUNTIME_API: host:port
  ResponseMode mode = ResponseMode::kStreaming;
  // Handlers see a request deadline this long before the invocation's; the
  // loop ends a request that is still running at a quarter of it, with a
  // clear error, so that Lambda never has to kill the process.
  std::chrono::milliseconds deadline_margin{1000};
  std::size_t max_event_bytes = std::size_t{8} * 1024 * 1024;
  std::size_t max_buffered_response_bytes = std::size_t{6} * 1024 * 1024;  // Lambda's limit
  std::size_t max_queued_stream_bytes = std::size_t{16} * 1024 * 1024;
};

class Runtime {
 public:
  using Handler = std::function<void(http::Request, std::shared_ptr<http::Responder>)>;

  // Does no I/O: the first connection is made by run().
  Runtime(RuntimeOptions options, const util::Logger& log);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  Executor& executor();
  void set_handler(Handler handler);

  // Serves invocations until SIGTERM/SIGINT (exit code 0) or until the
  // Runtime API cannot be reached (1).
  int run();
  // After run(): runs the work that is ready (cancellations) once more.
  void poll();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reports a start-up failure to /runtime/init/error (blocking, a few seconds
// at most). False when the Runtime API did not accept it.
bool report_init_error(const std::string& api, std::string_view type, std::string_view message);

}  // namespace mcp::lambda
