#include "aws/transport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace aws {

using std::chrono::milliseconds;

milliseconds CallContext::remaining(milliseconds cap) const {
  const milliseconds top = std::max(cap, milliseconds{1});
  if (deadline == Clock::time_point::max()) return top;
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return std::clamp(left, milliseconds{1}, top);
}

namespace {

// The streaming client bounds only connecting and the wait for headers, and
// stops when its abort flag turns true. This raises that flag when the
// caller cancels or the whole exchange outlives its timeout, so a body that
// stalls halfway cannot hold a thread forever.
class Watchdog {
 public:
  Watchdog(Clock::time_point until, const std::atomic<bool>* cancelled)
      : until_(until), cancelled_(cancelled), thread_([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  const std::atomic<bool>* flag() const { return &abort_; }
  bool timed_out() const { return timed_out_.load(); }
  bool cancelled() const { return cancelled_ != nullptr && cancelled_->load(); }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!done_) {
      if (cancelled()) {
        abort_ = true;
        return;
      }
      const auto now = Clock::now();
      if (now >= until_) {
        timed_out_ = true;
        abort_ = true;
        return;
      }
      wake_.wait_for(lock, std::min<Clock::duration>(milliseconds{20}, until_ - now));
    }
  }

  Clock::time_point until_;
  const std::atomic<bool>* cancelled_;
  std::atomic<bool> abort_{false};
  std::atomic<bool> timed_out_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

std::optional<std::size_t> content_length(const mcp::http::Headers& headers) {
  const auto v = headers.get("Content-Length");
  if (!v) return std::nullopt;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || end != v->data() + v->size()) return std::nullopt;
  return n;
}

mcp::http::ClientResult exchange(mcp::http::StreamingClient& client, mcp::http::ClientRequest request,
                                 const CallContext& call) {
  request.timeout = std::min(request.timeout, call.remaining(request.timeout));
  const std::size_t cap = request.max_response_bytes;
  mcp::http::ClientResponse response;
  bool too_large = false;
  mcp::http::StreamHandler handler;
  handler.on_headers = [&](int status, const mcp::http::Headers& headers) {
    response.status = status;
    response.headers = headers;
    return true;
  };
  handler.on_data = [&](std::string_view chunk) {
    if (response.body.size() + chunk.size() > cap) {
      too_large = true;
      return false;
    }
    response.body.append(chunk);
    return true;
  };
  const Watchdog watchdog(Clock::now() + request.timeout, call.cancelled);
  const auto result = client.stream(request, handler, watchdog.flag());
  if (too_large) return mcp::util::unexpected(fmt::format("{}{} bytes", kResponseTooLarge, cap));
  if (watchdog.cancelled()) return mcp::util::unexpected(std::string("cancelled"));
  if (watchdog.timed_out()) {
    return mcp::util::unexpected(fmt::format("{} {}: no complete response within {} ms", request.method,
                                             request.url, request.timeout.count()));
  }
  if (!result) {
    if (result.error().kind == mcp::http::FailureKind::kTls) {
      return mcp::util::unexpected(std::string(kTlsFailure) + result.error().message);
    }
    return mcp::util::unexpected(result.error().message);
  }
  response.status = *result;
  // A body that broke off early still "succeeds" in a streaming client.
  if (const auto expected = content_length(response.headers);
      expected && !response.headers.get("Content-Encoding") && *expected != response.body.size()) {
    return mcp::util::unexpected(fmt::format("{} {}: response cut short ({} of {} bytes)", request.method,
                                             request.url, response.body.size(), *expected));
  }
  return response;
}

}  // namespace

Transport streaming_transport(std::shared_ptr<mcp::http::StreamingClient> client) {
  return [client = std::move(client)](const mcp::http::ClientRequest& request, const CallContext& call) {
    return exchange(*client, request, call);
  };
}

}  // namespace aws
