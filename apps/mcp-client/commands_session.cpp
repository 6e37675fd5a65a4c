// Connection, status, authorization and local commands.
#include <chrono>

#include "command_handlers.hpp"
#include "json_fields.hpp"
#include "render.hpp"
#include "server_url.hpp"

namespace mcp_cli::handlers {
namespace {

using mcp::client::Era;
using mcp::client::TokenStatus;

Json server_json(const Connection& connection) {
  Json out{{"url", connection.url()}, {"connected", connection.connected()}};
  if (const auto* info = connection.server()) {
    out["era"] = info->era == Era::kModern ? "modern" : "legacy";
    out["protocolVersion"] = std::string(mcp::protocol::to_string(info->version));
    out["serverInfo"] = info->implementation;
    out["capabilities"] = info->capabilities;
    if (!info->session_id.empty()) out["sessionId"] = info->session_id;
    if (!info->instructions.empty()) out["instructions"] = info->instructions;
  }
  return out;
}

Json token_json(const TokenStatus& status) {
  Json out{{"authenticated", status.authenticated},
           {"fromEnvironment", status.from_environment},
           {"refreshable", status.refreshable}};
  if (!status.subject.empty()) out["subject"] = status.subject;
  if (!status.scope.empty()) out["scope"] = status.scope;
  if (!status.issuer.empty()) out["issuer"] = status.issuer;
  if (!status.client_id.empty()) out["clientId"] = status.client_id;
  if (status.expires_at) {
    out["expiresAt"] =
        std::chrono::duration_cast<std::chrono::seconds>(status.expires_at->time_since_epoch()).count();
  }
  return out;
}

void print_token_status(Console& console, const TokenStatus& status) {
  console.out("Authentication status: " + (status.authenticated
                                               ? console.paint(Color::kGreen, "Authenticated")
                                               : console.paint(Color::kRed, "Not authenticated")));
  if (!status.authenticated) return;
  if (status.from_environment) console.out("  Token from the ACCESS_TOKEN environment variable");
  if (status.expires_at) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(*status.expires_at -
                                                                       std::chrono::system_clock::now());
    if (left.count() <= 0) {
      console.out(status.refreshable ? "  Token is expired. Refresh is needed." : "  Token is expired.");
    } else {
      console.out("  Token expires in " + std::to_string((left.count() + 59) / 60) + " minutes");
    }
  }
  if (!status.subject.empty()) console.out("  Subject: " + status.subject);
  if (!status.scope.empty()) console.out("  Scope: " + status.scope);
  if (!status.issuer.empty()) console.out("  Issuer: " + status.issuer);
  if (!status.client_id.empty()) console.out("  Client ID: " + status.client_id);
  console.out(std::string("  Refresh token: ") + (status.refreshable ? "yes" : "no"));
}

void print_server_status(Console& console, const mcp::client::ServerInfo& info) {
  const Json& impl = info.implementation;
  std::string name = text_of(impl, "name") + " " + text_of(impl, "version");
  if (const std::string title = text_of(impl, "title"); !title.empty()) name += " (" + title + ")";
  console.out("Server: " + name);
  console.out("Protocol: " + describe_protocol(info));
  console.out("Session ID: " + (info.session_id.empty() ? std::string("(none)") : info.session_id));
  if (info.era == Era::kLegacy) {
    console.out(std::string("Notification stream (GET): ") + (info.standalone_stream ? "open" : "not open"));
  }
  std::string caps;
  for (const auto& [key, value] : info.capabilities.items()) {
    caps += (caps.empty() ? "" : ", ") + key;
    if (value.is_object() && !value.empty()) {
      std::string flags;
      for (const auto& [flag, on] : value.items()) {
        if (on.is_boolean() && on.get<bool>()) flags += (flags.empty() ? "" : ",") + flag;
      }
      if (!flags.empty()) caps += " (" + flags + ")";
    }
  }
  console.out("Capabilities: " + (caps.empty() ? std::string("(none)") : caps));
  if (!info.instructions.empty()) console.out("Instructions: " + info.instructions);
}

}  // namespace

CommandResult connect(CommandContext& context, const CommandInput& input) {
  Connection& connection = context.connection;
  if (connection.connected()) {
    context.console.out("Already connected. Disconnect first.");
    return {};
  }
  if (input.words.size() > 1) return usage(context, "Usage: connect [url]");
  if (!input.words.empty()) connection.set_url(normalize_server_url(input.words[0]));
  if (auto failure = connection.connect(!context.console.json())) return failed(context, *failure);
  if (context.console.json()) context.console.out(server_json(connection).dump());
  return {};
}

CommandResult disconnect(CommandContext& context, const CommandInput&) {
  Connection& connection = context.connection;
  if (!connection.connected()) {
    context.console.out("Not connected.");
    return {};
  }
  const bool has_session = !connection.server()->session_id.empty();
  context.console.note("Disconnecting from MCP server...");
  connection.disconnect();
  context.console.note("Disconnected from MCP server");
  if (has_session) {
    context.console.note(context.console.paint(
        Color::kDim, "(the server keeps the session; use terminate-session to end it on the server)"));
  }
  return {};
}

CommandResult reconnect(CommandContext& context, const CommandInput&) {
  context.connection.disconnect();
  if (auto failure = context.connection.connect(!context.console.json())) return failed(context, *failure);
  if (context.console.json()) context.console.out(server_json(context.connection).dump());
  return {};
}

CommandResult terminate_session(CommandContext& context, const CommandInput&) {
  Connection& connection = context.connection;
  if (!connection.connected()) {
    context.console.err("Not connected. Use connect first.");
    return {ExitCode::kFailed};
  }
  const std::string id = connection.server()->session_id;
  if (id.empty()) {
    connection.disconnect();
    context.console.note("The server issued no session (nothing to terminate); disconnected.");
    return {};
  }
  context.console.note("Terminating session with ID: " + id);
  if (auto failure = connection.terminate()) return failed(context, *failure);
  context.console.note("Session terminated successfully");
  return {};
}

CommandResult status(CommandContext& context, const CommandInput&) {
  Connection& connection = context.connection;
  // One-shot mode has no state to report before connecting.
  if (!context.repl && !connection.connected()) {
    if (auto failure = connection.connect(false)) return failed(context, *failure);
  }
  const TokenStatus token = connection.auth().status();
  if (context.console.json()) {
    Json out = server_json(connection);
    out["auth"] = token_json(token);
    context.console.out(out.dump());
    return {};
  }
  Console& console = context.console;
  console.out("URL: " + connection.url());
  if (const auto* info = connection.server()) {
    print_server_status(console, *info);
  } else {
    console.out("Not connected (commands connect automatically; or use connect).");
  }
  console.out(std::string("Debug trace: ") + (connection.debug() ? "on" : "off"));
  print_token_status(console, token);
  return {};
}

CommandResult ping(CommandContext& context, const CommandInput&) {
  const auto start = std::chrono::steady_clock::now();
  // 2026-07-28 has no ping; a server/discover round trip stands in for it.
  if (auto failure = context.connection.ensure_connected()) return failed(context, *failure);
  const bool modern = context.connection.server()->era == Era::kModern;
  auto result = context.connection.request(modern ? "server/discover" : "ping", Json::object(), false);
  if (!result) return failed(context, result.error());
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (context.console.json()) {
    context.console.out("{}");  // what ping answers, whichever request stood in for it
  } else {
    context.console.out("Pong (" + std::to_string(ms) + " ms)");
  }
  return {};
}

CommandResult auth(CommandContext& context, const CommandInput& input) {
  Console& console = context.console;
  auto& provider = context.connection.auth();
  const std::string sub = input.words.empty() ? "" : input.words[0];
  if (sub == "status") {
    const TokenStatus token = provider.status();
    if (console.json())
      console.out(token_json(token).dump());
    else
      print_token_status(console, token);
    return {};
  }
  if (sub == "login" || sub == "refresh") {
    auto result = sub == "login" ? provider.login() : provider.refresh();
    if (!result) {
      render_error(console, (sub == "login" ? "Login failed: " : "Refresh failed: ") + result.error());
      return {ExitCode::kAuth};
    }
    if (console.json()) {
      console.out(token_json(*result).dump());
    } else {
      console.out(console.paint(Color::kGreen, sub == "login" ? "Logged in." : "Token refreshed."));
      print_token_status(console, *result);
    }
    return {};
  }
  if (sub == "logout") {
    auto result = provider.logout();
    if (!result) {
      render_error(console, "Logout failed: " + result.error());
      return {ExitCode::kAuth};
    }
    if (console.json())
      console.out(Json{{"loggedOut", true}, {"detail", *result}}.dump());
    else
      console.out("Logged out successfully" + (result->empty() ? std::string() : " (" + *result + ")"));
    return {};
  }
  return usage(context, "Unknown auth subcommand. Use login, logout, status, or refresh.");
}

CommandResult debug(CommandContext& context, const CommandInput& input) {
  Connection& connection = context.connection;
  if (input.words.empty()) {
    context.console.out(std::string("Debug mode: ") + (connection.debug() ? "on" : "off"));
    return {};
  }
  if (input.words[0] == "on" || input.words[0] == "off") {
    connection.set_debug(input.words[0] == "on");
    context.console.out(connection.debug() ? "Debug mode enabled" : "Debug mode disabled");
    return {};
  }
  return usage(context, "Usage: debug [on|off]");
}

CommandResult quit(CommandContext& context, const CommandInput&) {
  Connection& connection = context.connection;
  if (connection.connected() && !connection.server()->session_id.empty()) {
    if (auto failure = connection.terminate()) {
      // Leaving anyway: the session expires on the server by itself.
      context.console.err("Could not end the server session: " + failure->message);
    }
  }
  connection.disconnect();
  context.console.note("Goodbye!");
  return {ExitCode::kOk, true};
}

}  // namespace mcp_cli::handlers
