#pragma once
// How the aws module reaches the network: one blocking exchange on the
// calling thread, abortable. Production wraps libcurl (net::CurlStreamingClient);
// unit tests pass a function.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "mcp/transport/http_client.hpp"

namespace aws {

using Clock = std::chrono::steady_clock;

// What every call carries: when to give up and whether the caller cancelled.
struct CallContext {
  Clock::time_point deadline = Clock::time_point::max();
  const std::atomic<bool>* cancelled = nullptr;  // may be null
  bool is_cancelled() const { return cancelled != nullptr && cancelled->load(std::memory_order_relaxed); }
  // Milliseconds left (at least 1), capped at `cap`.
  std::chrono::milliseconds remaining(std::chrono::milliseconds cap) const;
};

// Sends `request` (its timeout already bounded by the deadline), stopping
// early when `call.cancelled` becomes true.
using Transport =
    std::function<mcp::http::ClientResult(const mcp::http::ClientRequest& request, const CallContext& call)>;

// A Transport on an http::StreamingClient (libcurl in production): collects
// the body up to request.max_response_bytes, and bounds the whole exchange
// (body included) by request.timeout and the deadline.
Transport streaming_transport(std::shared_ptr<mcp::http::StreamingClient> client);

// How a Transport's error begins when the body exceeded max_response_bytes
// (not worth retrying, unlike the other transport failures).
inline constexpr std::string_view kResponseTooLarge = "response larger than ";
// How it begins when TLS failed (an untrusted certificate, a name mismatch):
// a configuration problem that a retry cannot fix.
inline constexpr std::string_view kTlsFailure = "TLS: ";

}  // namespace aws
