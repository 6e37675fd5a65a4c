#pragma once
// Waiting between attempts: full-jitter exponential backoff, and sleeps that
// honour the caller's deadline and cancellation.
#include <chrono>
#include <mutex>
#include <random>

#include "aws/transport.hpp"

namespace aws {

enum class WaitResult { kDone, kCancelled, kDeadline };

// Sleeps `duration` in steps of at most 100 ms, looking at the cancel flag
// between steps. Returns kDeadline at once, without sleeping, when the sleep
// would end past the deadline.
WaitResult sleep_within(std::chrono::milliseconds duration, const CallContext& call);

// Full jitter ("Exponential Backoff and Jitter", AWS Architecture Blog):
// uniform in [0, min(cap, base * 2^attempt)]. Thread-safe.
class Jitter {
 public:
  Jitter();
  std::chrono::milliseconds delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap);

 private:
  std::mutex mutex_;
  std::mt19937_64 rng_;
};

}  // namespace aws
