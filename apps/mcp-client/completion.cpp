#include "completion.hpp"

#include <algorithm>
#include <cctype>

#include "commands.hpp"

namespace mcp_cli {
namespace {

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
    const std::size_t start = i;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) == 0) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

void add_matching(std::vector<std::string>& out, const std::vector<std::string>& options,
                  std::string_view word) {
  for (const std::string& option : options) {
    // Names come from the server; one with control characters would reach
    // the terminal raw through libedit's candidate list.
    const bool printable = std::none_of(option.begin(), option.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
    });
    if (printable && option.starts_with(word) && std::find(out.begin(), out.end(), option) == out.end())
      out.push_back(option);
  }
}

}  // namespace

std::vector<std::string> completion_candidates(std::string_view line_before_word, std::string_view word,
                                               const ServerNames& names) {
  const std::vector<std::string> before = words_of(line_before_word);
  std::vector<std::string> out;
  if (before.empty()) {
    std::vector<std::string> commands;
    for (const Command& command : command_table()) commands.emplace_back(command.name);
    add_matching(out, commands, word);
  } else if (before.size() == 1) {
    const std::string& command = before[0];
    if (command == "call-tool")
      add_matching(out, names.tools, word);
    else if (command == "get-prompt")
      add_matching(out, names.prompts, word);
    else if (command == "read-resource")
      add_matching(out, names.resources, word);
    else if (command == "auth")
      add_matching(out, {"login", "logout", "status", "refresh"}, word);
    else if (command == "debug")
      add_matching(out, {"on", "off"}, word);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mcp_cli
