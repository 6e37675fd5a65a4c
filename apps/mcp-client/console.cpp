#include "console.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "terminal_text.hpp"

namespace mcp_cli {
namespace {

constexpr std::string_view kClearLine = "\r\x1b[K";

bool color_allowed() {
  if (const char* no_color = std::getenv("NO_COLOR"); no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

std::string_view code_for(Color color) {
  switch (color) {
    case Color::kRed:
      return "\x1b[31m";
    case Color::kGreen:
      return "\x1b[32m";
    case Color::kYellow:
      return "\x1b[33m";
    case Color::kBlue:
      return "\x1b[34m";
    case Color::kMagenta:
      return "\x1b[35m";
    case Color::kCyan:
      return "\x1b[36m";
    case Color::kDim:
      return "\x1b[2m";
    case Color::kBold:
      return "\x1b[1m";
    case Color::kNone:
      break;
  }
  return {};
}

void put(std::FILE* f, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), f);
}

}  // namespace

Console::Console()
    : out_tty_(::isatty(STDOUT_FILENO) == 1),
      err_tty_(::isatty(STDERR_FILENO) == 1),
      out_color_(out_tty_ && color_allowed()),
      err_color_(err_tty_ && color_allowed()) {}

std::string Console::paint(Color color, std::string_view text, Stream s) const {
  const bool on = s == Stream::kOut ? out_color_ : err_color_;
  if (!on || color == Color::kNone) return std::string(text);
  std::string result(code_for(color));
  result += text;
  result += "\x1b[0m";
  return result;
}

void Console::write(Stream s, std::string_view line) {
  std::fflush(s == Stream::kOut ? stdout : stderr);
  if (!status_.empty()) {
    put(stderr, kClearLine);
    std::fflush(stderr);
  }
  std::FILE* f = s == Stream::kOut ? stdout : stderr;
  // --json output is JSON text (control characters arrive escaped) for programs.
  put(f, json_ ? std::string(line) : terminal_safe(line));
  put(f, "\n");
  std::fflush(f);
  if (!status_.empty()) {
    put(stderr, status_);
    std::fflush(stderr);
  }
}

void Console::out(std::string_view line) {
  write(Stream::kOut, line);
}

void Console::err(std::string_view line) {
  write(Stream::kErr, line);
}

void Console::note(std::string_view line) {
  if (json_) return;
  write(notes_to_stderr_ ? Stream::kErr : Stream::kOut, line);
}

void Console::set_status(const std::string& line) {
  if (!err_tty_) return;
  status_ = terminal_safe(line);
  std::fflush(stdout);
  put(stderr, kClearLine);
  put(stderr, status_);
  std::fflush(stderr);
}

void Console::clear_status() {
  if (status_.empty()) return;
  status_.clear();
  put(stderr, kClearLine);
  std::fflush(stderr);
}

}  // namespace mcp_cli
