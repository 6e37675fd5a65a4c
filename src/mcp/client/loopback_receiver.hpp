#pragma once
// The redirect target of a native-app login (RFC 8252 §7.3): a one-shot HTTP
// listener on the loopback redirect URI that hands back the URL the browser
// was sent to and shows the user a short page.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/util/expected.hpp"

namespace mcp::client {

class LoopbackReceiver {
 public:
  // Binds the redirect URI's host (localhost, 127.0.0.1 or [::1]) and port.
  // localhost needs 127.0.0.1 and also ::1 where the host has IPv6: the
  // browser may use either, and a port another program holds on one of them
  // would hand it the authorization code.
  static util::Expected<std::unique_ptr<LoopbackReceiver>, std::string> listen(std::string_view redirect_uri);
  ~LoopbackReceiver();
  LoopbackReceiver(const LoopbackReceiver&) = delete;
  LoopbackReceiver& operator=(const LoopbackReceiver&) = delete;

  // Reads the full redirected URL into a result (the authorization code, or
  // why there is none); the browser page says which it was.
  using Reader = std::function<util::Expected<std::string, std::string>(std::string_view redirected_url)>;

  // Serves requests until one arrives for the redirect path with `state` =
  // `expected_state` and returns what `read` made of it. Other paths get 404;
  // the redirect path with another state (or none) gets 400 and the wait goes
  // on, so a stray or forged request cannot end the login. Connections are
  // read side by side, and one without a complete request head within
  // kRequestTimeout is dropped, so idle ones cannot hold up the redirect.
  // Gives up at `deadline` or when `cancel` becomes true (checked every 100 ms).
  util::Expected<std::string, std::string> wait(std::chrono::steady_clock::time_point deadline,
                                                const std::atomic<bool>* cancel,
                                                std::string_view expected_state, const Reader& read);

  static constexpr std::chrono::milliseconds kRequestTimeout{2000};

  int port() const { return port_; }

 private:
  LoopbackReceiver() = default;

  std::vector<int> fds_;
  std::string base_;  // scheme://host:port of the redirect URI
  std::string path_;
  int port_ = 0;
};

}  // namespace mcp::client
