#include "repl.hpp"

#include <editline/readline.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "completion.hpp"
#include "config_paths.hpp"
#include "mcp/util/strings.hpp"

namespace mcp_cli {
namespace {

constexpr const char* kPrompt = "> ";
constexpr int kHistorySize = 1000;
constexpr int kPollMs = 200;  // how often the Ctrl-C flag is checked at the prompt

// libedit's readline interface takes plain function pointers without user
// data; the one running Repl is reachable through this pointer while
// run_terminal() is on the stack (single-threaded: only the owner thread
// runs libedit).
Repl* active_repl = nullptr;

void on_line(char* line) {
  if (active_repl != nullptr) active_repl->accept_line(line);
}

char** on_complete(const char* text, int start, int end) {
  return active_repl != nullptr ? active_repl->complete(text, start, end) : nullptr;
}

// A malloc'ed copy, as libedit frees completion strings with free().
char* c_copy(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out != nullptr) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

void install_prompt() {
  rl_callback_handler_install(kPrompt, on_line);
}

}  // namespace

Repl::Repl(CommandContext& context, std::atomic<bool>& interrupt, LineReader& reader,
           std::filesystem::path history_path)
    : context_(context), interrupt_(interrupt), reader_(reader), history_path_(std::move(history_path)) {}

int Repl::run() {
  context_.connection.set_track_names(true);
  return reader_.interactive() ? run_terminal() : run_plain();
}

void Repl::print_banner() {
  Console& console = context_.console;
  console.out("MCP Interactive Client");
  console.out("==============================================");
  console.out("Server: " + context_.connection.url());
  const auto token = context_.connection.auth().status();
  if (token.authenticated) {
    console.out("Authentication: " + console.paint(Color::kGreen, "token available") +
                (token.from_environment ? " (ACCESS_TOKEN)" : ""));
  } else {
    console.out(
        "Authentication: no token yet; if the server requires one you will be asked to log in "
        "(or run \"auth login\")");
  }
  console.out("Type \"help\" for the commands, \"quit\" to exit.");
}

void Repl::accept_line(char* line) {
  if (line == nullptr) {
    end_of_input_ = true;
    return;
  }
  pending_line_ = line;
  std::free(line);
  line_ready_ = true;
}

char** Repl::complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  const std::string before(rl_line_buffer != nullptr ? std::string_view(rl_line_buffer).substr(0, start)
                                                     : "");
  const auto candidates = completion_candidates(before, text, context_.connection.names());
  if (candidates.empty()) return nullptr;
  // matches[0] is the text that replaces the word: the common prefix.
  std::string common = candidates.front();
  for (const std::string& c : candidates) {
    std::size_t n = 0;
    while (n < common.size() && n < c.size() && common[n] == c[n]) ++n;
    common.resize(n);
  }
  const std::size_t count = candidates.size() == 1 ? 1 : candidates.size() + 1;
  auto** matches = static_cast<char**>(std::calloc(count + 1, sizeof(char*)));
  if (matches == nullptr) return nullptr;
  matches[0] = c_copy(candidates.size() == 1 ? candidates.front() : common);
  if (candidates.size() > 1) {
    for (std::size_t i = 0; i < candidates.size(); ++i) matches[i + 1] = c_copy(candidates[i]);
  }
  return matches;
}

void Repl::remember(const std::string& line) {
  if (line == last_history_line_) return;
  last_history_line_ = line;
  add_history(line.c_str());
  if (history_path_.empty() || ensure_private_dir(history_path_.parent_path())) return;
  // Created 0600 before libedit writes it, so it is never readable by others.
  const int fd = ::open(history_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  write_history(history_path_.c_str());
  ::chmod(history_path_.c_str(), 0600);
}

bool Repl::execute(const std::string& line) {
  const std::string trimmed(mcp::util::trim(line));
  if (trimmed.empty()) return false;
  if (reader_.interactive()) remember(trimmed);
  interrupt_.store(false);
  const CommandResult result = run_command_line(context_, trimmed);
  interrupt_.store(false);  // a Ctrl-C during the command was for the command
  context_.connection.refresh_names_if_stale();
  return result.quit;
}

void Repl::show_server_messages() {
  // rl_line_buffer keeps the last accepted line until a key is read, so only
  // a line typed since the prompt was drawn is worth restoring.
  std::string saved;
  if (typing_ && rl_line_buffer != nullptr && rl_end > 0) saved.assign(rl_line_buffer, rl_end);
  while (!saved.empty() && (saved.back() == '\n' || saved.back() == '\r')) saved.pop_back();
  std::fputs("\r\x1b[K", stdout);
  std::fflush(stdout);
  // Cooked terminal mode while handlers print or ask (elicitation).
  rl_callback_handler_remove();
  context_.connection.dispatch_pending();
  context_.connection.refresh_names_if_stale();
  install_prompt();
  typing_ = !saved.empty();
  if (typing_) {
    rl_insert_text(saved.c_str());
    rl_forced_update_display();
  }
}

int Repl::run_terminal() {
  active_repl = this;
  rl_catch_signals = 0;  // our SIGINT handler decides what Ctrl-C means
  rl_readline_name = "mcp-client";
  rl_attempted_completion_function = on_complete;
  using_history();
  stifle_history(kHistorySize);
  if (!history_path_.empty()) read_history(history_path_.c_str());

  print_banner();
  install_prompt();
  bool quit = false;
  while (!quit) {
    const int wake_fd = context_.connection.wakeup_fd();
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    // A timeout, because SIGINT may be delivered to one of the session's
    // threads and then interrupts no poll() here.
    const int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, kPollMs);
    if (interrupt_.exchange(false)) {  // Ctrl-C at the prompt: drop the line
      std::fputs("^C\n", stdout);
      std::fflush(stdout);
      rl_callback_handler_remove();
      install_prompt();
      typing_ = false;
      continue;
    }
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (wake_fd >= 0 && (fds[1].revents & POLLIN) != 0) show_server_messages();
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    rl_callback_read_char();
    typing_ = true;
    if (end_of_input_) {
      rl_callback_handler_remove();
      std::fputs("\n", stdout);
      execute("quit");
      break;
    }
    if (!line_ready_) continue;
    line_ready_ = false;
    rl_callback_handler_remove();
    quit = execute(pending_line_);
    typing_ = false;
    if (!quit) install_prompt();
  }
  rl_callback_handler_remove();
  active_repl = nullptr;
  return 0;
}

int Repl::run_plain() {
  for (;;) {
    const auto line = reader_.read_line("", context_.connection.wakeup_fd(),
                                        [this] { context_.connection.dispatch_pending(); });
    if (!line) {
      execute("quit");
      return 0;
    }
    if (execute(*line)) return 0;
  }
}

}  // namespace mcp_cli
