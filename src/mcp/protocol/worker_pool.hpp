#pragma once
// Blocking work (AWS calls, file scans) off the event loop. A handler awaits
// run_blocking(); the work runs on a pool thread and the handler resumes on
// its executor. If the request is cancelled while the work runs, the work
// sees its cancel flag and its result is dropped; nothing touches the
// handler's frame after that.
//
//   Task<ToolResult> report(Context& ctx, const Json& args) {
//     Task<std::string> job = run_blocking<std::string>(ctx, pool, [](BlockingJob& job) {
//       return slow_scan(job.cancel_flag());
//     });
//     std::string text = co_await job;
//     co_return ToolResult::text(text);
//   }
#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "mcp/protocol/context.hpp"
#include "mcp/protocol/error.hpp"
#include "mcp/protocol/task.hpp"

namespace mcp {

// A bounded set of threads created on demand. Owned by the application and
// destroyed after the server: its destructor cancels nothing by itself (the
// transport cancels requests) but waits for running work to finish.
class WorkerPool {
 public:
  // At most `max_threads` jobs run at once; at most `max_queued` wait.
  WorkerPool(std::size_t max_threads, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full.
  bool submit(std::function<void()> job);

 private:
  void worker_loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  std::size_t max_threads_;
  std::size_t max_queued_;
  bool stopping_ = false;
};

namespace detail {
// State shared by the awaiting handler and the pool thread.
struct BlockingShared {
  std::mutex mutex;
  bool abandoned = false;  // the handler is gone (cancelled) or done
  std::atomic<bool> cancelled{false};
  Executor* executor = nullptr;
  std::coroutine_handle<> waiter;
  std::exception_ptr error;

  // Runs `fn` on the executor unless the handler has gone by then.
  void post(std::function<void()> fn, const std::shared_ptr<BlockingShared>& self);
};
}  // namespace detail

// What the work sees: its cancel flag, and a way to run something (progress,
// log messages) on the handler's executor while the handler still exists.
class BlockingJob {
 public:
  explicit BlockingJob(std::shared_ptr<detail::BlockingShared> shared) : shared_(std::move(shared)) {}
  bool cancelled() const { return shared_->cancelled.load(std::memory_order_relaxed); }
  const std::atomic<bool>& cancel_flag() const { return shared_->cancelled; }
  void on_handler_thread(std::function<void()> fn) const { shared_->post(std::move(fn), shared_); }

 private:
  std::shared_ptr<detail::BlockingShared> shared_;
};

namespace detail {
template <class T>
struct BlockingAwaiter {
  std::shared_ptr<BlockingShared> shared;
  WorkerPool* pool;
  std::function<T(BlockingJob&)> work;
  std::shared_ptr<std::optional<T>> value = std::make_shared<std::optional<T>>();

  BlockingAwaiter(std::shared_ptr<BlockingShared> s, WorkerPool* p, std::function<T(BlockingJob&)> w)
      : shared(std::move(s)), pool(p), work(std::move(w)) {}
  BlockingAwaiter(const BlockingAwaiter&) = delete;
  BlockingAwaiter& operator=(const BlockingAwaiter&) = delete;
  ~BlockingAwaiter() {
    std::lock_guard lock(shared->mutex);
    shared->abandoned = true;
    shared->cancelled = true;
  }

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> handle) {
    shared->waiter = handle;
    auto s = shared;
    auto v = value;
    auto fn = std::move(work);
    const bool queued = pool->submit([s, v, fn] {
      try {
        BlockingJob job(s);
        v->emplace(fn(job));
      } catch (...) {
        s->error = std::current_exception();
      }
      s->post([s] { s->waiter.resume(); }, s);
    });
    if (!queued) {
      shared->error = std::make_exception_ptr(
          McpError(json_rpc::code::kInternalError, "the server is busy; try again shortly"));
      return false;
    }
    return true;
  }
  T await_resume() {
    if (shared->error) std::rethrow_exception(shared->error);
    return std::move(**value);
  }
};
}  // namespace detail

// Runs `work` on `pool` and resumes the calling handler with its result (or
// rethrows its exception). Throws McpError when the pool's queue is full.
template <class T>
Task<T> run_blocking(Context& ctx, WorkerPool& pool, std::function<T(BlockingJob&)> work) {
  auto shared = std::make_shared<detail::BlockingShared>();
  shared->executor = &ctx.executor();
  // Named awaiter: GCC 12 mishandles temporaries that live across co_await.
  detail::BlockingAwaiter<T> awaiter(shared, &pool, std::move(work));
  T result = co_await awaiter;
  co_return result;
}

}  // namespace mcp
