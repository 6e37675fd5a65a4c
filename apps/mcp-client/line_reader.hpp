#pragma once
// Plain line input from stdin for prompts outside libedit (elicitation
// fields, a pasted OAuth redirect URL) and for the REPL when stdin is not a
// terminal. Reads byte by byte so nothing after the line is consumed, and
// gives up on Ctrl-C (the shared interrupt flag) or end of input.
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mcp_cli {

class LineReader {
 public:
  explicit LineReader(std::atomic<bool>& interrupt);

  bool interactive() const { return interactive_; }  // stdin is a terminal

  // Writes `prompt` to stdout and reads one line (without the newline).
  // nullopt at end of input, or when Ctrl-C was pressed (the interrupt is
  // consumed: it cancelled this prompt only). While waiting, `on_wake` runs
  // whenever `wake_fd` (if >= 0) becomes readable.
  std::optional<std::string> read_line(std::string_view prompt, int wake_fd = -1,
                                       const std::function<void()>& on_wake = {});

 private:
  std::atomic<bool>& interrupt_;
  bool interactive_;
  std::string partial_;  // bytes of a line interrupted by on_wake
};

}  // namespace mcp_cli
