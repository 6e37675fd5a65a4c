#include "mcp/net/asio_executor.hpp"

#include <boost/asio/post.hpp>

namespace mcp::net {

void AsioExecutor::post(std::function<void()> fn) {
  boost::asio::post(ioc_, std::move(fn));
}

Executor::TimerId AsioExecutor::post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  const TimerId id = next_++;
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, delay);
  timers_.emplace(id, timer);
  timer->async_wait([this, id, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the entry is already gone
    timers_.erase(id);
    fn();
  });
  return id;
}

void AsioExecutor::cancel(TimerId id) {
  const auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

}  // namespace mcp::net
