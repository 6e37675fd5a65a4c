#pragma once
// The command table shared by the REPL and one-shot mode.
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "console.hpp"
#include "exit_codes.hpp"

namespace mcp_cli {

struct CommandContext {
  Connection& connection;
  Console& console;
  bool repl = false;  // interactive session (vs one command from argv)
};

struct CommandResult {
  ExitCode code = ExitCode::kOk;
  bool quit = false;  // the REPL should end
};

struct CommandInput {
  std::vector<std::string> words;  // whitespace-separated arguments
  std::string rest;                // the raw text after the command name
};

struct Command {
  std::string_view name;
  std::string_view args;
  std::string_view summary;
  CommandResult (*run)(CommandContext&, const CommandInput&);
};

const std::vector<Command>& command_table();
// Help text listing every command (for `help` and --help).
std::string commands_help();

// Runs one command line ("call-tool greet {\"name\":\"x\"}"); reports its
// own errors. An empty line does nothing.
CommandResult run_command_line(CommandContext& context, std::string_view line);

}  // namespace mcp_cli
