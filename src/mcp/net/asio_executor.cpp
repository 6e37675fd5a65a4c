#include "mcp/net/asio_executor.hpp"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <exception>

namespace mcp::net {

namespace {

// The last line of defence: work posted from a worker thread or a timer runs
// outside any handler's try block, and an exception escaping io_context::run
// would end the process. Callers handle their own errors; this only keeps a
// bug in one continuation from taking the server down.
void run_guarded(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "{\"level\":\"error\",\"msg\":\"unhandled exception in posted work\",\"error\":\"%s\"}\n",
                 e.what());
  } catch (...) {
    std::fprintf(stderr, "{\"level\":\"error\",\"msg\":\"unhandled exception in posted work\"}\n");
  }
}

}  // namespace

void AsioExecutor::post(std::function<void()> fn) {
  boost::asio::post(ioc_, [fn = std::move(fn)] { run_guarded(fn); });
}

Executor::TimerId AsioExecutor::post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  const TimerId id = next_++;
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, delay);
  timers_.emplace(id, timer);
  timer->async_wait([this, id, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the entry is already gone
    timers_.erase(id);
    run_guarded(fn);
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
