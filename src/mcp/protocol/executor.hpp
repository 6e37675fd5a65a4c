#pragma once
// The one thing the protocol core needs from an event loop: run a function
// soon, or after a delay. The HTTP server implements it with Asio, the Lambda
// loop with its own; tests with a manual queue.
#include <chrono>
#include <cstdint>
#include <functional>

namespace mcp {

class Executor {
 public:
  using TimerId = std::uint64_t;
  virtual ~Executor() = default;

  // Thread-safe: may be called from worker threads to hand results back.
  virtual void post(std::function<void()> fn) = 0;
  // Runs `fn` on the executor after `delay` unless cancelled first.
  virtual TimerId post_after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  virtual void cancel(TimerId id) = 0;
};

}  // namespace mcp
