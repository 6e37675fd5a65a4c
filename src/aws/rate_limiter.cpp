#include "aws/rate_limiter.hpp"

#include <algorithm>
#include <thread>

namespace aws {

using std::chrono::milliseconds;

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(Clock::now()) {}

bool RateLimiter::acquire(const CallContext& call) {
  if (per_second_ <= 0) return !call.is_cancelled();  // no limit configured
  for (;;) {
    if (call.is_cancelled()) return false;
    Clock::duration wait{};
    {
      std::lock_guard lock(mutex_);
      const auto now = Clock::now();
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
      last_ = now;
      if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return true;
      }
      wait = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>((1.0 - tokens_) / per_second_));
    }
    // Sleep outside the lock, in short steps, so other callers and a
    // cancellation are not held up; a wait past the deadline fails at once.
    const auto now = Clock::now();
    if (call.deadline != Clock::time_point::max() && now + wait > call.deadline) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(wait, milliseconds{100}));
  }
}

}  // namespace aws
