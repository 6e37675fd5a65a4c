#include "aws/transport.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "aws/backoff.hpp"
#include "aws/rate_limiter.hpp"

namespace aws {
namespace {

using namespace std::chrono_literals;

// A StreamingClient scripted by the test: it sees the request and the abort
// flag, and feeds the handler whatever the script says.
class ScriptedClient final : public mcp::http::StreamingClient {
 public:
  using Script = std::function<mcp::http::StreamResult(
      const mcp::http::ClientRequest&, const mcp::http::StreamHandler&, const std::atomic<bool>*)>;
  explicit ScriptedClient(Script s) : script_(std::move(s)) {}
  mcp::http::StreamResult stream(const mcp::http::ClientRequest& request,
                                 const mcp::http::StreamHandler& handler,
                                 const std::atomic<bool>* abort) override {
    seen = request;
    return script_(request, handler, abort);
  }
  mcp::http::ClientRequest seen;

 private:
  Script script_;
};

mcp::http::Headers headers_with_length(std::size_t n) {
  mcp::http::Headers h;
  h.add("Content-Length", std::to_string(n));
  h.add("x-amzn-RequestId", "r-1");
  return h;
}

// Waits (up to 5 s) for the abort flag, as libcurl would, and reports an abort.
mcp::http::StreamResult wait_for_abort(const std::atomic<bool>* abort) {
  for (int i = 0; i < 500 && !abort->load(); ++i) std::this_thread::sleep_for(10ms);
  return mcp::util::unexpected(mcp::http::TransportFailure{mcp::http::FailureKind::kAborted, "aborted"});
}

TEST(AwsTransport, CollectsTheBody) {
  auto client = std::make_shared<ScriptedClient>([](const auto&, const auto& h, const auto*) {
    h.on_headers(200, headers_with_length(11));
    h.on_data("hello ");
    h.on_data("world");
    return mcp::http::StreamResult(200);
  });
  const Transport t = streaming_transport(client);
  mcp::http::ClientRequest request;
  request.url = "https://logs.us-east-1.amazonaws.com";
  request.timeout = 5000ms;
  CallContext call;
  call.deadline = Clock::now() + 1000ms;
  auto r = t(request, call);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->headers.get("x-amzn-RequestId"), "r-1");
  EXPECT_LE(client->seen.timeout, 1000ms);  // bounded by the deadline
}

TEST(AwsTransport, CapsTheBody) {
  auto client = std::make_shared<ScriptedClient>([](const auto&, const auto& h, const auto*) {
    h.on_headers(200, mcp::http::Headers{});
    if (!h.on_data(std::string(8, 'x'))) return mcp::http::StreamResult(200);
    h.on_data(std::string(8, 'x'));
    return mcp::http::StreamResult(200);
  });
  mcp::http::ClientRequest request;
  request.max_response_bytes = 10;
  auto r = streaming_transport(client)(request, CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::string(kResponseTooLarge) + "10 bytes");
}

TEST(AwsTransport, MarksTlsFailures) {
  auto client = std::make_shared<ScriptedClient>([](const auto&, const auto&, const auto*) {
    return mcp::http::StreamResult(mcp::util::unexpected(
        mcp::http::TransportFailure{mcp::http::FailureKind::kTls, "certificate verify failed"}));
  });
  auto r = streaming_transport(client)(mcp::http::ClientRequest{}, CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::string(kTlsFailure) + "certificate verify failed");
}

TEST(AwsTransport, DetectsATruncatedBody) {
  auto client = std::make_shared<ScriptedClient>([](const auto&, const auto& h, const auto*) {
    h.on_headers(200, headers_with_length(100));
    h.on_data("partial");
    return mcp::http::StreamResult(200);  // the peer closed early
  });
  auto r = streaming_transport(client)(mcp::http::ClientRequest{}, CallContext{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("cut short"), std::string::npos);
}

TEST(AwsTransport, StalledBodyTimesOut) {
  auto client =
      std::make_shared<ScriptedClient>([](const auto&, const auto& h, const std::atomic<bool>* abort) {
        h.on_headers(200, headers_with_length(100));
        h.on_data("partial");
        return wait_for_abort(abort);
      });
  mcp::http::ClientRequest request;
  request.timeout = 50ms;
  auto r = streaming_transport(client)(request, CallContext{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no complete response within"), std::string::npos) << r.error();
}

TEST(AwsTransport, CancellationAborts) {
  std::atomic<bool> cancel{false};
  auto client =
      std::make_shared<ScriptedClient>([&](const auto&, const auto&, const std::atomic<bool>* abort) {
        cancel = true;
        return wait_for_abort(abort);
      });
  CallContext call;
  call.cancelled = &cancel;
  auto r = streaming_transport(client)(mcp::http::ClientRequest{}, call);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "cancelled");
}

TEST(AwsTransport, PassesFailuresOn) {
  auto client = std::make_shared<ScriptedClient>([](const auto&, const auto&, const auto*) {
    return mcp::http::StreamResult(mcp::util::unexpected(mcp::http::TransportFailure{
        mcp::http::FailureKind::kConnect, "POST https://x failed: Couldn't connect"}));
  });
  auto r = streaming_transport(client)(mcp::http::ClientRequest{}, CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "POST https://x failed: Couldn't connect");
}

TEST(AwsCallContext, Remaining) {
  CallContext open;
  EXPECT_EQ(open.remaining(5000ms), 5000ms);
  CallContext past;
  past.deadline = Clock::now() - 1s;
  EXPECT_EQ(past.remaining(5000ms), 1ms);
  CallContext soon;
  soon.deadline = Clock::now() + 2s;
  EXPECT_LE(soon.remaining(5000ms), 2000ms);
  EXPECT_GT(soon.remaining(5000ms), 1000ms);
  EXPECT_EQ(soon.remaining(10ms), 10ms);
}

TEST(AwsBackoff, SleepHonoursDeadlineAndCancellation) {
  CallContext call;
  call.deadline = Clock::now() + 10ms;
  EXPECT_EQ(sleep_within(10s, call), WaitResult::kDeadline);  // at once, without sleeping
  EXPECT_EQ(sleep_within(1ms, CallContext{}), WaitResult::kDone);
  std::atomic<bool> cancel{true};
  CallContext cancelled;
  cancelled.cancelled = &cancel;
  EXPECT_EQ(sleep_within(10s, cancelled), WaitResult::kCancelled);
}

TEST(AwsBackoff, FullJitterStaysInRange) {
  Jitter jitter;
  for (int attempt = 0; attempt < 40; ++attempt) {
    const auto d = jitter.delay(attempt, 100ms, 20000ms);
    EXPECT_GE(d, 0ms);
    EXPECT_LE(d, std::min<std::chrono::milliseconds>(20000ms, 100ms * (1LL << std::min(attempt, 20))));
  }
  EXPECT_EQ(jitter.delay(3, 0ms, 0ms), 0ms);
}

TEST(AwsRateLimiter, Bucket) {
  RateLimiter slow(0.5, 2);  // two at once, then one every two seconds
  EXPECT_TRUE(slow.acquire(CallContext{}));
  EXPECT_TRUE(slow.acquire(CallContext{}));
  CallContext soon;
  soon.deadline = Clock::now() + 20ms;
  EXPECT_FALSE(slow.acquire(soon));  // the wait would pass the deadline
  std::atomic<bool> cancel{true};
  CallContext cancelled;
  cancelled.cancelled = &cancel;
  EXPECT_FALSE(slow.acquire(cancelled));

  RateLimiter fast(1000, 1);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(fast.acquire(CallContext{}));

  RateLimiter unlimited(0, 1);
  EXPECT_TRUE(unlimited.acquire(CallContext{}));
}

TEST(AwsRateLimiter, SharedByThreads) {
  RateLimiter limiter(2000, 4);
  std::atomic<int> got{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 10; ++k) {
        if (limiter.acquire(CallContext{})) ++got;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(got, 40);
}

}  // namespace
}  // namespace aws
