#include "mcp/client/loopback_receiver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mcp/auth/public_url.hpp"

namespace mcp::client {

namespace {

constexpr std::size_t kMaxRequestBytes = 16 * 1024;
constexpr std::chrono::milliseconds kPollInterval{100};
constexpr std::chrono::seconds kRequestTimeout{10};

int bind_listener(int family, const std::string& address, int port, std::string& error) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = -1;
  if (family == AF_INET) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  if (rc != 0 || ::listen(fd, 8) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void respond(int fd, int status, std::string_view reason, std::string_view html) {
  send_all(fd,
           fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n"
                       "Cache-Control: no-store\r\nConnection: close\r\n\r\n{}",
                       status, reason, html.size(), html));
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string page(std::string_view title, std::string_view text) {
  return fmt::format(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title></head>"
      "<body style=\"font-family:sans-serif;margin:3em\"><h1>{0}</h1><p>{1}</p></body></html>",
      title, text);
}

// The request target of a request head, or empty when it cannot be read in time.
std::string read_target(int fd) {
  std::string head;
  const auto until = std::chrono::steady_clock::now() + kRequestTimeout;
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos) {
    if (head.size() > kMaxRequestBytes) return {};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
    char buf[2048];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {};
    head.append(buf, static_cast<std::size_t>(n));
  }
  const auto line_end = head.find_first_of("\r\n");
  const std::string_view line(head.data(), line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return {};
  if (line.substr(0, sp1) != "GET") return {};
  return std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
}

}  // namespace

util::Expected<std::unique_ptr<LoopbackReceiver>, std::string> LoopbackReceiver::listen(
    std::string_view redirect_uri) {
  auto url = auth::parse_url(redirect_uri);
  if (!url) return util::unexpected(fmt::format("bad redirect URI {}: {}", redirect_uri, url.error()));
  if (url->scheme != "http") {
    return util::unexpected(
        fmt::format("the redirect URI {} must be http:// on a loopback address", redirect_uri));
  }
  std::vector<std::pair<int, std::string>> addresses;
  if (url->host == "localhost") {
    addresses = {{AF_INET, "127.0.0.1"}, {AF_INET6, "::1"}};
  } else if (url->host == "127.0.0.1") {
    addresses = {{AF_INET, "127.0.0.1"}};
  } else if (url->host == "[::1]") {
    addresses = {{AF_INET6, "::1"}};
  } else {
    return util::unexpected(fmt::format(
        "the redirect URI {} must use localhost, 127.0.0.1 or [::1] to receive the login", redirect_uri));
  }
  std::unique_ptr<LoopbackReceiver> self(new LoopbackReceiver());
  self->port_ = url->port.empty() ? 80 : std::stoi(url->port);
  self->base_ = url->origin();
  self->path_ = url->path.empty() ? "/" : url->path;
  std::string first_error;
  for (const auto& [family, address] : addresses) {
    if (self->port_ == 0 && !self->fds_.empty()) break;  // a second free port would differ
    std::string error;
    const int fd = bind_listener(family, address, self->port_, error);
    if (fd >= 0) {
      self->fds_.push_back(fd);
    } else if (first_error.empty()) {
      first_error = error;
    }
  }
  // localhost may resolve to either family; one listener is enough.
  if (self->fds_.empty()) {
    return util::unexpected(
        fmt::format("cannot listen on {} for the login redirect: {}", self->base_, first_error));
  }
  // Port 0 (tests) picks a free port, which the redirect URL must then carry.
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (self->port_ == 0 && ::getsockname(self->fds_.front(), reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    self->port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                   : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    self->base_ = url->scheme + "://" + url->host + ":" + std::to_string(self->port_);
  }
  return self;
}

LoopbackReceiver::~LoopbackReceiver() {
  for (const int fd : fds_) ::close(fd);
}

util::Expected<std::string, std::string> LoopbackReceiver::wait(
    std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* cancel, const Reader& read) {
  std::vector<pollfd> polls;
  for (const int fd : fds_) polls.push_back({fd, POLLIN, 0});
  for (;;) {
    if (cancel != nullptr && cancel->load()) return util::unexpected(std::string("login cancelled"));
    if (std::chrono::steady_clock::now() >= deadline) {
      return util::unexpected(std::string("timed out waiting for the browser to complete the login"));
    }
    for (auto& p : polls) p.revents = 0;
    const int ready = ::poll(polls.data(), polls.size(), static_cast<int>(kPollInterval.count()));
    if (ready < 0 && errno != EINTR) {
      return util::unexpected(fmt::format("waiting for the login redirect: {}", std::strerror(errno)));
    }
    for (const auto& p : polls) {
      if ((p.revents & POLLIN) == 0) continue;
      const int client = ::accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const std::string target = read_target(client);
      const std::string_view path = std::string_view(target).substr(0, target.find('?'));
      if (target.empty() || path != path_) {
        respond(client, 404, "Not Found",
                page("Not found", "This address only receives the login redirect."));
        ::close(client);
        continue;
      }
      auto result = read(base_ + target);
      if (result) {
        respond(client, 200, "OK",
                page("Login complete", "You can close this tab and return to the terminal."));
      } else {
        respond(client, 200, "OK", page("Login failed", html_escape(result.error())));
      }
      ::close(client);
      return result;
    }
  }
}

}  // namespace mcp::client
