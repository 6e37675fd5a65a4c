#pragma once
// The client's link to one MCP server: the Session, its OAuth provider, the
// handlers that show what the server sends, and the names (tools, prompts,
// resources) offered for tab completion.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "console.hpp"
#include "line_reader.hpp"
#include "mcp/client/oauth_provider.hpp"
#include "mcp/client/session.hpp"
#include "mcp/net/curl_client.hpp"
#include "settings.hpp"

namespace mcp_cli {

using mcp::client::Failure;
using Json = nlohmann::json;

struct ServerNames {
  std::vector<std::string> tools;
  std::vector<std::string> prompts;
  std::vector<std::string> resources;  // URIs
};

class Connection {
 public:
  // `interactive`: a person answers prompts on a terminal (REPL); otherwise
  // elicitations are answered with schema defaults.
  Connection(const Settings& settings, Console& console, std::atomic<bool>& interrupt, LineReader& reader,
             bool interactive);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& url() const { return url_; }
  // A new server: ends the local connection and switches the OAuth provider.
  void set_url(std::string url);

  bool connected() const;
  const mcp::client::ServerInfo* server() const;  // null unless connected
  // Connects; `announce` prints what was negotiated.
  std::optional<Failure> connect(bool announce);
  // Connects unless connected (commands that need the server call this).
  std::optional<Failure> ensure_connected();
  // A request with Ctrl-C cancellation and, when `progress`, a progress display.
  mcp::util::Expected<Json, Failure> request(const std::string& method, Json params, bool progress = true);
  // Legacy sessions: DELETE; always ends the local connection.
  std::optional<Failure> terminate();
  void disconnect();

  mcp::client::OAuthProvider& auth() { return *auth_; }
  bool debug() const { return debug_; }
  void set_debug(bool on) { debug_ = on; }

  // For the REPL's poll loop: readable while server messages wait; -1 when not connected.
  int wakeup_fd() const;
  void dispatch_pending();

  // Completion names are fetched after connecting and after list_changed
  // notifications, only when tracking is on (the REPL).
  void set_track_names(bool on) { track_names_ = on; }
  const ServerNames& names() const { return names_; }
  void refresh_names_if_stale();
  void remember_tools(const Json& tools_list_result);
  void remember_prompts(const Json& prompts_list_result);
  void remember_resources(const Json& resources_list_result);

 private:
  void make_auth();
  mcp::client::Handlers make_handlers();
  void on_notification(const mcp::json_rpc::Notification& notification);
  void say(std::string_view line);

  const Settings& settings_;
  Console& console_;
  std::atomic<bool>& interrupt_;
  LineReader& reader_;
  bool interactive_;
  bool debug_;
  std::string url_;
  mcp::net::CurlStreamingClient http_;
  std::unique_ptr<mcp::client::OAuthProvider> auth_;
  std::unique_ptr<mcp::client::Session> session_;  // declared after auth_: destroyed first
  bool track_names_ = false;
  bool names_stale_ = false;
  ServerNames names_;
};

// "2025-11-25 (session-based)" / "2026-07-28 (stateless)".
std::string describe_protocol(const mcp::client::ServerInfo& info);

}  // namespace mcp_cli
