#include "mcp/lambda/crash_trailer.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <string>

#include "mcp/lambda/response_format.hpp"

namespace mcp::lambda::crash_trailer {

namespace {

// Formatted once at install(): the handler may not allocate.
struct State {
  std::atomic<int> fd{-1};
  std::atomic<bool> writing{false};
  std::string trailers;
};

State& state() {
  static State s;  // NOLINT: reachable from a signal handler only this way
  return s;
}

void on_fatal_signal(int signal) {
  State& s = state();
  const int fd = s.fd.exchange(-1);
  if (fd >= 0 && !s.writing.load()) {
    const char* p = s.trailers.data();
    std::size_t left = s.trailers.size();
    while (left > 0) {
      const ssize_t n = ::write(fd, p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

void install() {
  State& s = state();
  if (!s.trailers.empty()) return;
  s.trailers = error_trailers("Runtime.Crash", "The function process crashed while streaming the response");
  struct sigaction action {};
  action.sa_handler = on_fatal_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(signal, &action, nullptr);
}

void arm(int fd) {
  state().writing.store(false);
  state().fd.store(fd);
}

void disarm() {
  state().fd.store(-1);
}

bool armed() {
  return state().fd.load() >= 0;
}

void set_writing(bool writing) {
  state().writing.store(writing);
}

}  // namespace mcp::lambda::crash_trailer
