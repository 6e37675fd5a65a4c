#include "line_reader.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "terminal_text.hpp"

namespace mcp_cli {
namespace {

constexpr int kPollMs = 200;  // how often the interrupt flag is checked

}  // namespace

LineReader::LineReader(std::atomic<bool>& interrupt)
    : interrupt_(interrupt), interactive_(::isatty(STDIN_FILENO) == 1) {}

std::optional<std::string> LineReader::read_line(std::string_view prompt, int wake_fd,
                                                 const std::function<void()>& on_wake) {
  if (!prompt.empty()) {
    const std::string shown = terminal_safe(prompt);  // prompts quote server text (field names)
    std::fwrite(shown.data(), 1, shown.size(), stdout);
    std::fflush(stdout);
  }
  for (;;) {
    if (interrupt_.exchange(false)) {
      partial_.clear();
      if (interactive_) std::fputs("\n", stdout);
      return std::nullopt;
    }
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    const int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, kPollMs);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (wake_fd >= 0 && (fds[1].revents & POLLIN) != 0 && on_wake) on_wake();
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char c = 0;
    const ssize_t got = ::read(STDIN_FILENO, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {  // end of input: a last unterminated line still counts
      if (partial_.empty()) return std::nullopt;
      return std::exchange(partial_, {});
    }
    if (c == '\n') {
      std::string line = std::exchange(partial_, {});
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    partial_ += c;
  }
}

}  // namespace mcp_cli
