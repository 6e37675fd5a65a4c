#pragma once
// Test doubles for driving the protocol core and the transport without
// sockets: a manual executor with a fake clock, and a responder that records
// what the transport sends.
#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mcp/protocol/executor.hpp"
#include "mcp/transport/http_types.hpp"

namespace mcp::testing {

class ManualExecutor final : public Executor {
 public:
  // Like an event loop that is stopped: posted work still runs, so that
  // cancelled calls release what they hold.
  ~ManualExecutor() override { run(); }
  void post(std::function<void()> fn) override { queue_.push_back(std::move(fn)); }
  TimerId post_after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    const TimerId id = next_++;
    timers_.emplace(id, Timer{now_ + delay, std::move(fn)});
    return id;
  }
  void cancel(TimerId id) override { timers_.erase(id); }

  // Runs posted work until the queue is empty.
  void run() {
    while (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      fn();
    }
  }
  // Moves the fake clock forward, firing due timers in order.
  void advance(std::chrono::milliseconds d) {
    const auto until = now_ + d;
    for (;;) {
      run();
      auto due = std::min_element(timers_.begin(), timers_.end(),
                                  [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
      if (due == timers_.end() || due->second.at > until) break;
      now_ = due->second.at;
      auto fn = std::move(due->second.fn);
      timers_.erase(due);
      fn();
    }
    now_ = until;
    run();
  }
  std::size_t timer_count() const { return timers_.size(); }

 private:
  struct Timer {
    std::chrono::milliseconds at;
    std::function<void()> fn;
  };
  std::deque<std::function<void()>> queue_;
  std::map<TimerId, Timer> timers_;
  TimerId next_ = 1;
  std::chrono::milliseconds now_{0};
};

struct Recorded {
  bool responded = false;
  http::Response response;
  bool streaming = false;
  int stream_status = 0;
  http::Headers stream_headers;
  std::string stream_body;
  bool ended = false;
  bool peer_closed = false;
  std::vector<std::function<void()>> close_callbacks;
};

class RecordingStream final : public http::Stream {
 public:
  explicit RecordingStream(std::shared_ptr<Recorded> r) : r_(std::move(r)) {}
  bool write(std::string chunk) override {
    if (closed()) return false;
    r_->stream_body += chunk;
    return true;
  }
  void end() override {
    r_->ended = true;
    r_->close_callbacks.clear();
  }
  bool closed() const override { return r_->ended || r_->peer_closed; }
  void on_close(std::function<void()> fn) override { r_->close_callbacks.push_back(std::move(fn)); }

 private:
  std::shared_ptr<Recorded> r_;
};

class RecordingResponder final : public http::Responder {
 public:
  RecordingResponder() : r(std::make_shared<Recorded>()) {}
  void respond(http::Response response) override {
    r->responded = true;
    r->response = std::move(response);
    r->close_callbacks.clear();
  }
  void on_close(std::function<void()> fn) override { r->close_callbacks.push_back(std::move(fn)); }
  std::shared_ptr<http::Stream> stream(int status, http::Headers headers) override {
    r->streaming = true;
    r->stream_status = status;
    r->stream_headers = std::move(headers);
    return std::make_shared<RecordingStream>(r);
  }
  // Simulates the client going away (mid-stream, or before any answer).
  void drop() {
    r->peer_closed = true;
    auto cbs = std::move(r->close_callbacks);
    for (auto& cb : cbs) cb();
  }
  std::shared_ptr<Recorded> r;
};

}  // namespace mcp::testing
