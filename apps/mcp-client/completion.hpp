#pragma once
// Tab-completion candidates for the REPL, independent of libedit.
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"

namespace mcp_cli {

// Candidates for `word`, the word being completed, given the text of the line
// before it: command names first, then tool, prompt or resource names and
// sub-commands after the commands that take them.
std::vector<std::string> completion_candidates(std::string_view line_before_word, std::string_view word,
                                               const ServerNames& names);

}  // namespace mcp_cli
