#include "commands.hpp"

#include <algorithm>
#include <cctype>
#include <exception>

#include "command_handlers.hpp"
#include "render.hpp"

namespace mcp_cli {
namespace {

constexpr std::size_t kHelpColumn = 44;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

const Command* find_command(std::string_view name) {
  for (const Command& command : command_table()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

// The closest command name, when it is close enough to be a typo.
std::string_view suggestion_for(std::string_view name) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (const Command& command : command_table()) {
    const std::size_t d = edit_distance(name, command.name);
    if (d < best_distance) {
      best_distance = d;
      best = command.name;
    }
  }
  return best;
}

}  // namespace

const std::vector<Command>& command_table() {
  static const std::vector<Command> kCommands = {
      {"connect", "[url]", "connect to the server (default: the --url)", handlers::connect},
      {"disconnect", "", "forget the connection locally (the server session stays)", handlers::disconnect},
      {"reconnect", "", "disconnect, then connect again", handlers::reconnect},
      {"terminate-session", "", "end the server session (DELETE), then disconnect",
       handlers::terminate_session},
      {"status", "", "server, protocol, session, authorization and capabilities", handlers::status},
      {"ping", "", "check that the server answers", handlers::ping},
      {"list-tools", "", "list the server's tools", handlers::list_tools},
      {"call-tool", "<name> [json]", "call a tool; the rest of the line is its JSON arguments",
       handlers::call_tool},
      {"greet", "[name]", "call the greet tool (default name: MCP User)", handlers::greet},
      {"multi-greet", "[name]", "call multi-greet, showing its notifications", handlers::multi_greet},
      {"bedrock-report", "[region log_group days [account_id]]",
       "Bedrock usage report (defaults: us-east-1 /aws/bedrock/modelinvocations 1)",
       handlers::bedrock_report},
      {"list-prompts", "", "list the server's prompts", handlers::list_prompts},
      {"get-prompt", "<name> [json]", "get a prompt; the rest of the line is its JSON arguments",
       handlers::get_prompt},
      {"list-resources", "", "list the server's resources", handlers::list_resources},
      {"list-resource-templates", "", "list the server's resource templates",
       handlers::list_resource_templates},
      {"read-resource", "<uri>", "read a resource", handlers::read_resource},
      {"auth", "login|logout|status|refresh", "OAuth login, logout, token status, token refresh",
       handlers::auth},
      {"debug", "[on|off]", "show or switch the HTTP and message trace", handlers::debug},
      {"help", "", "this list", handlers::help},
      {"quit", "", "end the session and exit (also: exit, Ctrl-D)", handlers::quit},
      {"exit", "", "", handlers::quit},
  };
  return kCommands;
}

std::string commands_help() {
  std::string text = "Commands:\n";
  for (const Command& command : command_table()) {
    if (command.summary.empty()) continue;
    std::string left = "  " + std::string(command.name);
    if (!command.args.empty()) left.append(" ").append(command.args);
    if (left.size() + 2 > kHelpColumn) {
      text += left + "\n" + std::string(kHelpColumn, ' ');
    } else {
      text += left + std::string(kHelpColumn - left.size(), ' ');
    }
    text += std::string(command.summary) + "\n";
  }
  return text;
}

CommandResult run_command_line(CommandContext& context, std::string_view line) {
  std::size_t start = 0;
  while (start < line.size() && is_space(line[start])) ++start;
  std::size_t end = start;
  while (end < line.size() && !is_space(line[end])) ++end;
  if (end == start) return {};
  const std::string name = lower(line.substr(start, end - start));
  CommandInput input;
  std::size_t rest = end;
  while (rest < line.size() && is_space(line[rest])) ++rest;
  input.rest = std::string(line.substr(rest));
  while (!input.rest.empty() && is_space(input.rest.back())) input.rest.pop_back();
  input.words = split_words(input.rest);

  const Command* command = find_command(name);
  if (command == nullptr) {
    std::string message = "Unknown command: " + name;
    if (const auto guess = suggestion_for(name); !guess.empty()) {
      message += " (did you mean \"" + std::string(guess) + "\"?)";
    }
    if (context.console.json())
      render_error(context.console, message);
    else
      context.console.err(context.console.paint(Color::kRed, message, Stream::kErr));
    if (!context.console.json()) {
      context.console.err(context.repl ? "Type \"help\" to see the commands."
                                       : "Run \"mcp-client --help\" to see the commands.");
    }
    return {ExitCode::kUsage};
  }
  try {
    return command->run(context, input);
  } catch (const std::exception& e) {
    // Server data of an unexpected shape; the REPL carries on.
    context.console.clear_status();
    render_error(context.console, std::string("unexpected data from the server: ") + e.what());
    return {ExitCode::kConnection};
  }
}

namespace handlers {

CommandResult failed(CommandContext& context, const Failure& failure) {
  render_failure(context.console, failure, context.repl ? "auth login" : "mcp-client auth login");
  return {exit_code_for(failure)};
}

CommandResult usage(CommandContext& context, std::string_view message) {
  render_error(context.console, message);
  return {ExitCode::kUsage};
}

CommandResult help(CommandContext& context, const CommandInput&) {
  std::string text = commands_help();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  context.console.out(text);
  return {};
}

}  // namespace handlers
}  // namespace mcp_cli
