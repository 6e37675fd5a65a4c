#include "aws/backoff.hpp"

#include <algorithm>
#include <thread>

namespace aws {

using std::chrono::milliseconds;

WaitResult sleep_within(milliseconds duration, const CallContext& call) {
  const auto until = Clock::now() + duration;
  if (call.deadline != Clock::time_point::max() && until > call.deadline) return WaitResult::kDeadline;
  for (;;) {
    if (call.is_cancelled()) return WaitResult::kCancelled;
    const auto now = Clock::now();
    if (now >= until) return WaitResult::kDone;
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds{100}, until - now));
  }
}

Jitter::Jitter() : rng_(std::random_device{}()) {}

milliseconds Jitter::delay(int attempt, milliseconds base, milliseconds cap) {
  // 2^attempt overflows nothing below 2^30; beyond that the cap rules anyway.
  const int shift = std::clamp(attempt, 0, 30);
  const double ceiling = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * static_cast<double>(1LL << shift));
  if (ceiling <= 0) return milliseconds{0};
  std::uniform_real_distribution<double> pick(0.0, ceiling);
  std::lock_guard lock(mutex_);
  return milliseconds{static_cast<milliseconds::rep>(pick(rng_))};
}

}  // namespace aws
