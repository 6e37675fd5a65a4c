#pragma once
// A token bucket shared by the threads calling one API, so a fan-out stays
// under the account's request rate (FilterLogEvents: ~5 TPS per account and
// region) instead of provoking throttling.
#include <chrono>
#include <mutex>

#include "aws/transport.hpp"

namespace aws {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst);
  // Blocks until a token is available; false when the deadline would pass
  // first or the call is cancelled.
  bool acquire(const CallContext& call);

 private:
  std::mutex mutex_;
  double per_second_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace aws
