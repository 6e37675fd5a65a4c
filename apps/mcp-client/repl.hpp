#pragma once
// The interactive client: a libedit prompt with history and tab completion,
// driven by poll() on stdin and the session's wakeup fd so that messages the
// server sends while the user is typing are printed at once (the prompt and
// the half-typed line are redrawn below them). When stdin is not a terminal
// the same commands are read line by line without editing.
#include <atomic>
#include <filesystem>
#include <string>

#include "commands.hpp"
#include "line_reader.hpp"

namespace mcp_cli {

class Repl {
 public:
  Repl(CommandContext& context, std::atomic<bool>& interrupt, LineReader& reader,
       std::filesystem::path history_path);
  // Runs until quit/exit or end of input; returns the process exit code.
  int run();

  // libedit callbacks (plain function pointers, no user data) reach the
  // running Repl through these.
  void accept_line(char* line);
  char** complete(const char* text, int start, int end);

 private:
  int run_terminal();
  int run_plain();
  void print_banner();
  // Runs one line; true when the REPL should end.
  bool execute(const std::string& line);
  void remember(const std::string& line);
  // Prints what the server sent while the prompt was shown, then redraws it.
  void show_server_messages();

  CommandContext& context_;
  std::atomic<bool>& interrupt_;
  LineReader& reader_;
  std::filesystem::path history_path_;
  std::string last_history_line_;
  std::string pending_line_;
  bool line_ready_ = false;
  bool end_of_input_ = false;
  bool typing_ = false;  // keys were read since the prompt was drawn
};

}  // namespace mcp_cli
