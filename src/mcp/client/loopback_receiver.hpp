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
  static util::Expected<std::unique_ptr<LoopbackReceiver>, std::string> listen(std::string_view redirect_uri);
  ~LoopbackReceiver();
  LoopbackReceiver(const LoopbackReceiver&) = delete;
  LoopbackReceiver& operator=(const LoopbackReceiver&) = delete;

  // Reads the full redirected URL into a result (the authorization code, or
  // why there is none); the browser page says which it was.
  using Reader = std::function<util::Expected<std::string, std::string>(std::string_view redirected_url)>;

  // Serves requests one at a time until one arrives for the redirect path and
  // returns what `read` made of it. Other paths get 404. Gives up at
  // `deadline` or when `cancel` becomes true (checked every 100 ms).
  util::Expected<std::string, std::string> wait(std::chrono::steady_clock::time_point deadline,
                                                const std::atomic<bool>* cancel, const Reader& read);

  int port() const { return port_; }

 private:
  LoopbackReceiver() = default;

  std::vector<int> fds_;
  std::string base_;  // scheme://host:port of the redirect URI
  std::string path_;
  int port_ = 0;
};

}  // namespace mcp::client
