#pragma once
// The hand-over point between a session's HTTP worker threads and its owner
// thread: workers push what they received, the owner pops and dispatches.
// An eventfd mirrors "not empty" so a REPL can poll() it next to stdin.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "mcp/json_rpc/message.hpp"
#include "mcp/transport/http_client.hpp"
#include "mcp/transport/http_types.hpp"

namespace mcp::client {

// Exchanges are numbered per session; 0 is the standalone GET stream.
using ExchangeId = std::uint64_t;

struct Incoming {
  enum class Kind {
    kHeaders,         // a 2xx response began (status, headers): session id, content type
    kMessage,         // one JSON-RPC message from the server
    kHttpError,       // a non-2xx response (status, headers, body excerpt)
    kTransportError,  // no response (failure)
    kEnded,           // the exchange finished; `detail` says why when no response came
    kTrace,           // a debug line (detail)
  };
  Kind kind = Kind::kTrace;
  ExchangeId exchange = 0;
  json_rpc::Message message;
  int status = 0;
  http::Headers headers;
  std::string body;
  http::TransportFailure failure;
  std::string detail;
};

class Inbox {
 public:
  // Past this many waiting items, notifications and trace lines are dropped
  // (and counted) so that a flooding server cannot grow memory while the
  // owner is busy, e.g. in a prompt; responses and failures always queue.
  static constexpr std::size_t kMaxItems = 10000;

  Inbox();
  ~Inbox();
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  void push(Incoming item);
  // The next item, waiting until `deadline` at most.
  std::optional<Incoming> pop_until(std::chrono::steady_clock::time_point deadline);
  std::optional<Incoming> try_pop();
  int fd() const { return fd_; }

 private:
  void sync_fd_locked();  // makes the eventfd readable exactly while items wait

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Incoming> items_;
  int fd_ = -1;
  bool signalled_ = false;
  std::size_t dropped_ = 0;  // since the last report
};

}  // namespace mcp::client
