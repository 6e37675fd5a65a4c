#include "mcp/protocol/worker_pool.hpp"

namespace mcp {

WorkerPool::WorkerPool(std::size_t max_threads, std::size_t max_queued)
    : max_threads_(max_threads == 0 ? 1 : max_threads), max_queued_(max_queued) {}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

bool WorkerPool::submit(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  const std::size_t pending = queue_.size();  // jobs no thread has taken yet
  const std::size_t spare = max_threads_ - threads_.size();
  if (pending >= idle_ + spare + max_queued_) return false;
  queue_.push_back(std::move(job));
  if (pending >= idle_ && spare > 0) {
    threads_.emplace_back([this] { worker_loop(); });
  } else {
    wake_.notify_one();
  }
  return true;
}

void WorkerPool::worker_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping and nothing left
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();  // jobs catch their own exceptions (run_blocking does)
    lock.lock();
  }
}

void detail::BlockingShared::post(std::function<void()> fn, const std::shared_ptr<BlockingShared>& self) {
  std::lock_guard lock(mutex);
  if (abandoned) return;
  // Checked again on the executor: the handler may be cancelled between the
  // post and the run (both happen on the executor thread, so no lock there).
  executor->post([self, fn = std::move(fn)] {
    if (!self->abandoned) fn();
  });
}

}  // namespace mcp
