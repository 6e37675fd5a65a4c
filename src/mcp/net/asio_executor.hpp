#pragma once
// mcp::Executor on an Asio io_context. Internal to the net module: it is the
// only header of the project outside net/*.cpp that includes Asio.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <unordered_map>
#include <utility>

#include "mcp/protocol/executor.hpp"

namespace mcp::net {

class AsioExecutor final : public Executor {
 public:
  explicit AsioExecutor(boost::asio::io_context& ioc) : ioc_(ioc) {}
  void post(std::function<void()> fn) override;
  TimerId post_after(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void cancel(TimerId id) override;

 private:
  boost::asio::io_context& ioc_;
  TimerId next_ = 1;
  std::unordered_map<TimerId, std::shared_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace mcp::net
