#include "mcp/client/loopback_receiver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mcp/auth/facade_form.hpp"
#include "mcp/auth/public_url.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::client {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequestBytes = std::size_t{16} * 1024;
constexpr std::chrono::milliseconds kPollInterval{100};
// Browsers open spare connections; more than this many idle ones drop the oldest.
constexpr std::size_t kMaxPending = 32;

// A listening socket, or -1 with `error` set to errno.
int bind_listener(int family, const char* address, int port, int& error) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errno;
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = -1;
  if (family == AF_INET) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address, &sa.sin_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET6, address, &sa.sin6_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  if (rc != 0 || ::listen(fd, 8) != 0) {
    error = errno;
    ::close(fd);
    return -1;
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) return 0;
  return ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                          : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
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

bool head_complete(const std::string& head) {
  return head.find("\r\n\r\n") != std::string::npos || head.find("\n\n") != std::string::npos;
}

// The request target of a complete GET request head; empty otherwise.
std::string request_target(const std::string& head) {
  const auto line_end = head.find_first_of("\r\n");
  const std::string_view line(head.data(), line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return {};
  if (line.substr(0, sp1) != "GET") return {};
  return std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
}

// True when the target's query carries `state` exactly once, equal to `expected`.
bool state_matches(std::string_view target, std::string_view expected) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return false;
  auto query = target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  const auto fields = auth::form::Fields::parse(query);
  if (!fields || fields->count("state") != 1) return false;
  const auto state = fields->get("state");
  return state && util::constant_time_equal(*state, expected);
}

// An accepted connection whose request head is still arriving.
struct Pending {
  int fd = -1;
  std::string head;
  SteadyClock::time_point until;
};

// Closes whatever connections are still open when wait() returns.
struct PendingSet {
  std::vector<Pending> items;
  ~PendingSet() {
    for (const auto& p : items) ::close(p.fd);
  }
};

}  // namespace

util::Expected<std::unique_ptr<LoopbackReceiver>, std::string> LoopbackReceiver::listen(
    std::string_view redirect_uri) {
  auto url = auth::parse_url(redirect_uri);
  if (!url) return util::unexpected(fmt::format("bad redirect URI {}: {}", redirect_uri, url.error()));
  if (url->scheme != "http") {
    return util::unexpected(
        fmt::format("the redirect URI {} must be http:// on a loopback address", redirect_uri));
  }
  struct Address {
    int family;
    const char* address;
    bool optional;  // may be missing on this host (no IPv6)
  };
  std::vector<Address> addresses;
  if (url->host == "localhost") {
    addresses = {{AF_INET, "127.0.0.1", false}, {AF_INET6, "::1", true}};
  } else if (url->host == "127.0.0.1") {
    addresses = {{AF_INET, "127.0.0.1", false}};
  } else if (url->host == "[::1]") {
    addresses = {{AF_INET6, "::1", false}};
  } else {
    return util::unexpected(fmt::format(
        "the redirect URI {} must use localhost, 127.0.0.1 or [::1] to receive the login", redirect_uri));
  }
  std::unique_ptr<LoopbackReceiver> self(new LoopbackReceiver());
  self->port_ = url->port.empty() ? 80 : std::stoi(url->port);
  self->path_ = url->path.empty() ? "/" : url->path;
  const bool any_port = self->port_ == 0;
  for (const auto& [family, address, optional] : addresses) {
    int error = 0;
    const int fd = bind_listener(family, address, self->port_, error);
    if (fd >= 0) {
      self->fds_.push_back(fd);
      // Port 0 (tests) picks a free port; the other family must use the same one.
      if (self->port_ == 0) self->port_ = bound_port(fd);
      continue;
    }
    // No IPv6 here: the browser cannot reach ::1 either.
    if (optional && (error == EADDRNOTAVAIL || error == EAFNOSUPPORT)) continue;
    // Anything else, a port in use above all, could let another program on
    // this machine receive the redirect (and the code) in our place.
    if (error == EADDRINUSE) {
      return util::unexpected(fmt::format(
          "port {} on {} is already in use, so the login redirect to {} cannot be received safely; stop "
          "the program using it or set OAUTH_REDIRECT_URI to another port",
          self->port_, address, redirect_uri));
    }
    return util::unexpected(fmt::format("cannot listen on {} port {} for the login redirect: {}", address,
                                        self->port_, std::strerror(error)));
  }
  // A picked port must appear in the URL handed to the reader.
  self->base_ =
      any_port ? url->scheme + "://" + url->host + ":" + std::to_string(self->port_) : url->origin();
  return self;
}

LoopbackReceiver::~LoopbackReceiver() {
  for (const int fd : fds_) ::close(fd);
}

util::Expected<std::string, std::string> LoopbackReceiver::wait(SteadyClock::time_point deadline,
                                                                const std::atomic<bool>* cancel,
                                                                std::string_view expected_state,
                                                                const Reader& read) {
  PendingSet pending;
  std::vector<pollfd> polls;
  for (;;) {
    if (cancel != nullptr && cancel->load()) return util::unexpected(std::string("login cancelled"));
    const auto now = SteadyClock::now();
    if (now >= deadline) {
      return util::unexpected(std::string("timed out waiting for the browser to complete the login"));
    }
    // Connections that did not send a request head in time.
    std::erase_if(pending.items, [now](const Pending& p) {
      if (now < p.until) return false;
      ::close(p.fd);
      return true;
    });

    polls.clear();
    for (const int fd : fds_) polls.push_back({fd, POLLIN, 0});
    for (const auto& p : pending.items) polls.push_back({p.fd, POLLIN, 0});
    const int ready = ::poll(polls.data(), polls.size(), static_cast<int>(kPollInterval.count()));
    if (ready < 0 && errno != EINTR) {
      return util::unexpected(fmt::format("waiting for the login redirect: {}", std::strerror(errno)));
    }
    if (ready <= 0) continue;

    // Read what arrived first, then accept: `polls` indexes the connections
    // as they were before this round.
    std::vector<int> finished;  // indexes into pending.items
    for (std::size_t i = 0; i < pending.items.size(); ++i) {
      if ((polls[fds_.size() + i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      auto& p = pending.items[i];
      char buf[2048];
      const auto n = ::recv(p.fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) p.head.append(buf, static_cast<std::size_t>(n));
      if (n <= 0 || head_complete(p.head) || p.head.size() > kMaxRequestBytes) {
        finished.push_back(static_cast<int>(i));
      }
    }
    std::optional<util::Expected<std::string, std::string>> outcome;
    for (const int i : finished) {
      auto& p = pending.items[static_cast<std::size_t>(i)];
      const std::string target = head_complete(p.head) ? request_target(p.head) : std::string();
      const std::string_view path = std::string_view(target).substr(0, target.find('?'));
      if (outcome || target.empty() || path != path_) {
        if (!target.empty() || !p.head.empty()) {
          respond(p.fd, 404, "Not Found",
                  page("Not found", "This address only receives the login redirect."));
        }
      } else if (!state_matches(target, expected_state)) {
        respond(p.fd, 400, "Bad Request",
                page("Not this login",
                     "This response does not belong to the login in progress, which is still waiting."));
      } else {
        auto result = read(base_ + target);
        if (result) {
          respond(p.fd, 200, "OK",
                  page("Login complete", "You can close this tab and return to the terminal."));
        } else {
          respond(p.fd, 200, "OK", page("Login failed", html_escape(result.error())));
        }
        outcome = std::move(result);
      }
      ::close(p.fd);
      p.fd = -1;
    }
    std::erase_if(pending.items, [](const Pending& p) { return p.fd < 0; });
    if (outcome) return std::move(*outcome);

    for (std::size_t i = 0; i < fds_.size(); ++i) {
      if ((polls[i].revents & POLLIN) == 0) continue;
      const int client = ::accept4(fds_[i], nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      // The response is small; a peer that does not read it cannot block us long.
      const timeval send_timeout{2, 0};
      ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
      if (pending.items.size() >= kMaxPending) {
        ::close(pending.items.front().fd);
        pending.items.erase(pending.items.begin());
      }
      pending.items.push_back({client, {}, SteadyClock::now() + kRequestTimeout});
    }
  }
}

}  // namespace mcp::client
