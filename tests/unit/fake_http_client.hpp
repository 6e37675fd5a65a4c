#pragma once
// An in-memory http::Client for unit tests: records each request, answers it
// from a handler the test sets, and delivers answers only when the test
// drains the queue (like a real client answering later on the executor).
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "mcp/transport/http_client.hpp"

namespace mcp::testing {

class FakeHttpClient final : public http::Client {
 public:
  using Handler = std::function<http::ClientResult(const http::ClientRequest&)>;

  void send(http::ClientRequest request, std::function<void(http::ClientResult)> done) override {
    requests.push_back(request);
    pending_.push_back({std::move(request), std::move(done)});
  }
  // Answers every queued request (and any they cause) through `handler`.
  void deliver() {
    while (!pending_.empty()) {
      auto p = std::move(pending_.front());
      pending_.pop_front();
      http::ClientResult result =
          handler ? handler(p.request) : http::ClientResult(util::unexpected(std::string("no handler")));
      p.done(std::move(result));
    }
  }
  std::size_t pending() const { return pending_.size(); }

  static http::ClientResult ok(std::string body, int status = 200) {
    http::ClientResponse r;
    r.status = status;
    r.headers.add("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
  }
  static http::ClientResult down() { return util::unexpected(std::string("connection refused")); }

  Handler handler;
  std::vector<http::ClientRequest> requests;

 private:
  struct Pending {
    http::ClientRequest request;
    std::function<void(http::ClientResult)> done;
  };
  std::deque<Pending> pending_;
};

}  // namespace mcp::testing
