#pragma once
// The HTTP exchange model shared by every adapter (Beast server, Lambda
// Runtime API loop, tests): a request value in, and a Responder that either
// sends one complete response or opens a stream of chunks.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::http {

struct Header {
  std::string name;  // as sent; lookups are case-insensitive
  std::string value;
};

class Headers {
 public:
  std::optional<std::string_view> get(std::string_view name) const;
  // All values of a repeated header joined with ", " (RFC 9110 §5.3).
  std::optional<std::string> get_joined(std::string_view name) const;
  void add(std::string name, std::string value) { items_.push_back({std::move(name), std::move(value)}); }
  void set(std::string name, std::string value);
  const std::vector<Header>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }

 private:
  std::vector<Header> items_;
};

struct Request {
  std::string method;  // upper case
  std::string target;  // path and query as received
  Headers headers;
  std::string body;
  std::string remote_address;
  // When the answer must be complete: a Lambda invocation's deadline less a
  // safety margin. The plain HTTP server sets none.
  std::optional<std::chrono::steady_clock::time_point> deadline;

  std::string_view path() const;
  std::string_view query() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

// An open streaming response (chunked HTTP, or Lambda's streaming mode).
class Stream {
 public:
  virtual ~Stream() = default;
  // Queues bytes to be flushed as soon as possible; false once closed.
  virtual bool write(std::string chunk) = 0;
  // Ends the response normally.
  virtual void end() = 0;
  virtual bool closed() const = 0;
  // Runs once if the peer goes away before end(); never after end().
  virtual void on_close(std::function<void()> fn) = 0;
};

class Responder {
 public:
  virtual ~Responder() = default;
  virtual void respond(Response response) = 0;
  virtual std::shared_ptr<Stream> stream(int status, Headers headers) = 0;
  // Runs once if the peer goes away before the answer starts (adapters that
  // cannot tell, like Lambda's, never run it).
  virtual void on_close(std::function<void()> /*fn*/) {}  // NOLINT(performance-unnecessary-value-param)
};

std::string_view reason_phrase(int status);

}  // namespace mcp::http
