#pragma once
// Everything the client writes to the terminal goes through one Console: it
// knows which streams are terminals (colour, live progress line) and keeps a
// progress line on stderr intact while other lines are printed.
#include <string>
#include <string_view>

namespace mcp_cli {

enum class Color { kNone, kRed, kGreen, kYellow, kBlue, kMagenta, kCyan, kDim, kBold };
enum class Stream { kOut, kErr };

class Console {
 public:
  Console();

  bool json() const { return json_; }
  void set_json(bool on) { json_ = on; }
  // Human chatter ("Connecting to ...") goes to stdout in the REPL and to
  // stderr in one-shot mode, where stdout carries only results.
  void set_notes_to_stderr(bool on) { notes_to_stderr_ = on; }
  bool is_tty(Stream s) const { return s == Stream::kOut ? out_tty_ : err_tty_; }

  // `text` wrapped in colour codes when that stream is a colour terminal.
  std::string paint(Color color, std::string_view text, Stream s = Stream::kOut) const;

  void out(std::string_view line);   // one line to stdout
  void err(std::string_view line);   // one line to stderr
  void note(std::string_view line);  // chatter; dropped in --json mode

  // A live line on a stderr terminal (a progress bar), redrawn in place;
  // cleared before other output and drawn again after it.
  void set_status(const std::string& line);
  void clear_status();
  bool status_active() const { return !status_.empty(); }

 private:
  void write(Stream s, std::string_view line);

  bool out_tty_ = false;
  bool err_tty_ = false;
  bool out_color_ = false;
  bool err_color_ = false;
  bool json_ = false;
  bool notes_to_stderr_ = false;
  std::string status_;
};

}  // namespace mcp_cli
