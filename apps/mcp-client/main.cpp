// mcp-client: an interactive (REPL) and scriptable (one command per run) MCP
// client, and the client side of the MCP conformance suite.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "commands.hpp"
#include "config_paths.hpp"
#include "conformance.hpp"
#include "connection.hpp"
#include "line_reader.hpp"
#include "render.hpp"
#include "repl.hpp"
#include "server_url.hpp"
#include "settings.hpp"

namespace {

using mcp_cli::ExitCode;

// Set by SIGINT (Ctrl-C): cancels the running request, a prompt, or the line
// being typed. A signal handler can only reach static state, hence this one
// process-wide flag; everything else receives it by reference.
std::atomic<bool> interrupt_flag{false};

void on_sigint(int /*signo*/) {
  // A second Ctrl-C before the first was handled: the user wants out now.
  if (interrupt_flag.exchange(true)) ::_exit(130);
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: poll() and read() return EINTR
  ::sigaction(SIGINT, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

constexpr const char* kFooter = R"(
Without a command, mcp-client starts an interactive session. With one, it runs
that command and exits; options go before the command. The JSON arguments of
call-tool and get-prompt may span several arguments (they are joined with spaces).

Exit codes:
  0  ok
  1  the operation failed (a tool result with isError, a JSON-RPC error)
  2  usage error (bad options, unknown command, bad arguments or JSON)
  3  connection, HTTP or protocol failure
  4  authorization failure (401/403, login failed)
  5  timed out or cancelled (Ctrl-C)

Environment:
  MCP_SERVER_URL       server URL (--url)
  MCP_CLIENT_DEBUG     true or 1: like --debug
  ACCESS_TOKEN         bearer token to use as is (wins over stored tokens)
  OAUTH_CLIENT_ID      pre-registered OAuth client (else metadata document or registration)
  OAUTH_CLIENT_SECRET  its secret, for confidential clients
  OAUTH_ISSUER         the authorization server the secret belongs to; it is sent nowhere else
  OAUTH_REDIRECT_URI   loopback redirect for the browser login (default http://localhost:8000/callback)
  XDG_CONFIG_HOME      configuration directory base (history, tokens)
Tokens are never taken from the command line, where other users could see them.

Conformance: mcp-client --conformance <url> runs MCP_CONFORMANCE_SCENARIO.
)";

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string join(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& w : words) {
    if (!line.empty()) line += ' ';
    line += w;
  }
  return line;
}

int run(int argc, char** argv) {
  CLI::App app{
      "mcp-client: an interactive and scriptable MCP client\n"
      "Usage: mcp-client [OPTIONS] [COMMAND [ARGS...]]",
      "mcp-client"};
  app.prefix_command();  // everything from the command name on belongs to the command
  app.footer(mcp_cli::commands_help() + kFooter);

  mcp_cli::Settings settings;
  double timeout_seconds = 60;
  std::string protocol = "auto";
  std::string config_dir;
  bool conformance = false;
  app.add_option("--url", settings.url, "MCP server URL")->envname("MCP_SERVER_URL")->capture_default_str();
  app.add_option("--timeout", timeout_seconds, "seconds to wait for a response (reset by progress)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--json", settings.json,
               "machine-readable output: result JSON on stdout, errors as JSON on stderr");
  app.add_flag("--debug", settings.debug,
               "trace HTTP exchanges and messages on stderr (tokens are never shown)");
  app.add_flag("--no-browser", settings.no_browser,
               "log in by pasting the redirect URL instead of a browser");
  app.add_option("--protocol-version", protocol, "protocol revision to use")
      ->check(CLI::IsMember({"auto", "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"}))
      ->capture_default_str();
  // debug by default: show whatever the server logs (2026-07-28 servers send
  // log messages only when asked for a level).
  settings.log_level = "debug";
  app.add_option("--log-level", settings.log_level, "server log messages shown: this level and above")
      ->check(
          CLI::IsMember({"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}))
      ->capture_default_str();
  app.add_option("--config-dir", config_dir, "configuration directory (default $XDG_CONFIG_HOME/mcp-client)");
  app.add_flag("--conformance", conformance,
               "run the conformance scenario named by MCP_CONFORMANCE_SCENARIO");
  app.set_version_flag("--version", std::string("mcp-client ") + MCP_PROJECT_VERSION);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : mcp_cli::to_int(ExitCode::kUsage);
  }

  const std::string debug_env = env("MCP_CLIENT_DEBUG");
  settings.debug = settings.debug || debug_env == "true" || debug_env == "1";
  settings.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  settings.url = mcp_cli::normalize_server_url(settings.url);
  if (protocol != "auto") settings.version = mcp::protocol::parse_version(protocol);
  settings.config_dir =
      config_dir.empty() ? mcp_cli::default_config_dir() : std::filesystem::path(config_dir);
  settings.oauth_client_id = env("OAUTH_CLIENT_ID");
  settings.oauth_client_secret = env("OAUTH_CLIENT_SECRET");
  settings.oauth_issuer = env("OAUTH_ISSUER");
  if (const std::string redirect = env("OAUTH_REDIRECT_URI"); !redirect.empty()) {
    settings.oauth_redirect_uri = redirect;
  }
  settings.access_token = env("ACCESS_TOKEN");

  mcp_cli::Console console;
  console.set_json(settings.json);
  std::vector<std::string> words = app.remaining();

  if (conformance) {
    const std::string url = words.empty() ? settings.url : words.back();
    return mcp_cli::run_conformance(url, console, settings.debug);
  }

  install_signal_handlers();
  mcp_cli::LineReader reader(interrupt_flag);
  if (words.empty()) {
    mcp_cli::Connection connection(settings, console, interrupt_flag, reader, true);
    mcp_cli::CommandContext context{connection, console, true};
    mcp_cli::Repl repl(context, interrupt_flag, reader, mcp_cli::history_file(settings.config_dir));
    return repl.run();
  }

  console.set_notes_to_stderr(true);
  mcp_cli::Connection connection(settings, console, interrupt_flag, reader, false);
  mcp_cli::CommandContext context{connection, console, false};
  const mcp_cli::CommandResult result = mcp_cli::run_command_line(context, join(words));
  // A one-shot run leaves no session behind on the server.
  if (connection.connected() && !connection.server()->session_id.empty()) {
    interrupt_flag.store(false);
    connection.terminate();
  }
  return mcp_cli::to_int(result.code);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-client: %s\n", e.what());
    return mcp_cli::to_int(ExitCode::kFailed);
  }
}
