// WorkerPool and run_blocking: blocking work off the event loop, with the
// handler resumed on its executor, and cancellation that never resumes a
// handler that is gone.
#include "mcp/protocol/worker_pool.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>

#include "mcp/protocol/server.hpp"

namespace {

using mcp::Json;

// A thread-safe executor the test thread drives.
class LockedExecutor final : public mcp::Executor {
 public:
  void post(std::function<void()> fn) override {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(fn));
    }
    wake_.notify_all();
  }
  TimerId post_after(std::chrono::milliseconds, std::function<void()> fn) override {
    post(std::move(fn));
    return 0;
  }
  void cancel(TimerId) override {}
  // Runs posted work until `done` holds or 5 s pass.
  bool run_until(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        if (!wake_.wait_until(lock, give_up, [this] { return !queue_.empty(); })) return false;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
    return true;
  }
  void drain() {
    for (;;) {
      std::function<void()> fn;
      {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) return;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
};

class NullChannel final : public mcp::RequestChannel {
 public:
  void notify(std::string_view, const Json&) override { ++notifications; }
  void request(std::string_view, const Json&, mcp::ReplyCallback, std::string_view) override {}
  void close_stream(std::chrono::milliseconds) override {}
  int notifications = 0;
};

mcp::json_rpc::Request tool_call(const std::string& name) {
  return mcp::json_rpc::Request{
      .id = 1, .method = "tools/call", .params = Json{{"name", name}, {"arguments", Json::object()}}};
}

TEST(WorkerPool, RunsJobsAndBoundsTheQueue) {
  mcp::WorkerPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.submit([gate, &ran] {
    gate.wait();
    ++ran;
  }));
  // One thread busy, one job may wait, the next is refused.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(pool.submit([&ran] { ++ran; }));
  EXPECT_FALSE(pool.submit([&ran] { ++ran; }));
  release.set_value();
  for (int i = 0; i < 500 && ran.load() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(ran.load(), 2);
}

TEST(RunBlocking, ResumesTheHandlerWithTheResult) {
  LockedExecutor executor;
  auto pool = std::make_shared<mcp::WorkerPool>(2, 4);
  mcp::Server server({});
  std::thread::id worker_thread;
  server.add_tool({.name = "slow"}, mcp::ToolHandler([pool, &worker_thread](mcp::Context& ctx, const Json&) {
                    return [](mcp::Context& c, std::shared_ptr<mcp::WorkerPool> p,
                              std::thread::id* seen) -> mcp::Task<mcp::ToolResult> {
                      mcp::Task<std::string> job =
                          mcp::run_blocking<std::string>(c, *p, [seen](mcp::BlockingJob&) {
                            *seen = std::this_thread::get_id();
                            return std::string("from the pool");
                          });
                      std::string text = co_await job;
                      co_return mcp::ToolResult::text(text);
                    }(ctx, pool, &worker_thread);
                  }));
  std::optional<mcp::CallOutcome> outcome;
  auto channel = std::make_shared<NullChannel>();
  auto handle = server.call(tool_call("slow"), {}, channel, executor,
                            [&](mcp::CallOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(executor.run_until([&] { return outcome.has_value(); }));
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ(outcome->value()["content"][0]["text"], "from the pool");
  EXPECT_NE(worker_thread, std::this_thread::get_id());
}

TEST(RunBlocking, CancellationStopsTheWorkAndNeverResumes) {
  LockedExecutor executor;
  auto pool = std::make_shared<mcp::WorkerPool>(1, 1);
  mcp::Server server({});
  std::atomic<bool> started{false};
  std::atomic<bool> saw_cancel{false};
  server.add_tool({.name = "stuck"}, mcp::ToolHandler([&, pool](mcp::Context& ctx, const Json&) {
                    return [](mcp::Context& c, std::shared_ptr<mcp::WorkerPool> p, std::atomic<bool>* go,
                              std::atomic<bool>* seen) -> mcp::Task<mcp::ToolResult> {
                      mcp::Task<int> job = mcp::run_blocking<int>(c, *p, [go, seen](mcp::BlockingJob& j) {
                        *go = true;
                        while (!j.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                        *seen = true;
                        // Relayed progress after cancellation must be dropped too.
                        j.on_handler_thread([] { ADD_FAILURE() << "ran after cancellation"; });
                        return 7;
                      });
                      const int value = co_await job;
                      ADD_FAILURE() << "resumed after cancellation with " << value;
                      co_return mcp::ToolResult::text("no");
                    }(ctx, pool, &started, &saw_cancel);
                  }));
  bool completed = false;
  auto channel = std::make_shared<NullChannel>();
  auto handle =
      server.call(tool_call("stuck"), {}, channel, executor, [&](mcp::CallOutcome) { completed = true; });
  for (int i = 0; i < 2000 && !started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(started.load());
  handle->cancel();
  for (int i = 0; i < 2000 && !saw_cancel; ++i) {
    executor.drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(saw_cancel.load());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the job returns and posts nothing
  executor.drain();
  EXPECT_FALSE(completed);
}

}  // namespace
