#include "connection.hpp"

#include <algorithm>
#include <chrono>

#include "config_paths.hpp"
#include "json_fields.hpp"
#include "mcp/auth/public_url.hpp"
#include "render.hpp"
#include "server_requests.hpp"

namespace mcp_cli {
namespace {

bool same_origin(const std::string& a, const std::string& b) {
  const auto pa = mcp::auth::parse_url(a);
  const auto pb = mcp::auth::parse_url(b);
  return pa && pb && pa->origin() == pb->origin();
}

using mcp::client::Era;

constexpr int kMaxListPages = 50;  // bounds completion-name fetching

std::vector<std::string> names_from(const Json& result, const char* list_key, const char* name_key) {
  std::vector<std::string> names;
  for (const Json& item : array_of(result, list_key)) {
    if (item.is_object() && item.contains(name_key) && item[name_key].is_string()) {
      names.push_back(item[name_key].get<std::string>());
    }
  }
  return names;
}

}  // namespace

std::string describe_protocol(const mcp::client::ServerInfo& info) {
  return std::string(mcp::protocol::to_string(info.version)) +
         (info.era == Era::kModern ? " (stateless)" : " (session-based)");
}

Connection::Connection(const Settings& settings, Console& console, std::atomic<bool>& interrupt,
                       LineReader& reader, bool interactive)
    : settings_(settings),
      console_(console),
      interrupt_(interrupt),
      reader_(reader),
      interactive_(interactive),
      debug_(settings.debug),
      url_(settings.url) {
  make_auth();
}

Connection::~Connection() = default;

void Connection::say(std::string_view line) {
  // Login instructions must be seen even when stdout carries only results.
  if (interactive_)
    console_.out(line);
  else
    console_.err(line);
}

void Connection::make_auth() {
  mcp::client::OAuthOptions options;
  options.redirect_uri = settings_.oauth_redirect_uri;
  options.client_id = settings_.oauth_client_id;
  options.client_secret = settings_.oauth_client_secret;
  // A secret or key goes only to this authorization server (never to one a
  // server names, which could be anyone's).
  options.credentials_issuer = settings_.oauth_issuer;
  // ACCESS_TOKEN was given for the server named at start-up: it never follows
  // `connect <url>` to another origin.
  if (same_origin(url_, settings_.url)) options.access_token = settings_.access_token;
  options.mode = settings_.no_browser ? mcp::client::LoginMode::kNoBrowser : mcp::client::LoginMode::kBrowser;
  // A one-shot command must not wait the interactive five minutes for a
  // browser nobody may be watching: --timeout bounds the login too.
  if (!interactive_) {
    options.login_timeout = std::max(std::chrono::seconds(1),
                                     std::chrono::duration_cast<std::chrono::seconds>(settings_.timeout));
  }
  const auto store = oauth_store_dir(settings_.config_dir);
  // The configuration directory itself is private too (history, tokens).
  auto problem = ensure_private_dir(settings_.config_dir);
  if (!problem) problem = ensure_private_dir(store);
  if (problem) {
    console_.err(console_.paint(Color::kYellow, "Warning: ", Stream::kErr) + *problem +
                 "; tokens are kept in memory only");
  } else {
    options.store_dir = store;
  }
  options.say = [this](std::string_view line) {
    say(line);
  };
  options.ask = [this](std::string_view prompt) {
    if (interactive_) return reader_.read_line(prompt);
    console_.err(prompt);  // stdout carries only results in one-shot mode
    return reader_.read_line("");
  };
  options.trace = [this](std::string_view line) {
    if (debug_) console_.err(console_.paint(Color::kDim, "[auth] " + std::string(line), Stream::kErr));
  };
  options.cancel = &interrupt_;
  auth_ = std::make_unique<mcp::client::OAuthProvider>(
      url_, std::move(options),
      [](const mcp::http::ClientRequest& request) { return mcp::net::perform(request); });
}

void Connection::set_url(std::string url) {
  session_.reset();
  url_ = std::move(url);
  names_ = {};
  make_auth();
}

bool Connection::connected() const {
  return session_ != nullptr && session_->connected();
}

const mcp::client::ServerInfo* Connection::server() const {
  return connected() ? &session_->server() : nullptr;
}

mcp::client::Handlers Connection::make_handlers() {
  mcp::client::Handlers handlers;
  handlers.on_notification = [this](const mcp::json_rpc::Notification& n) {
    on_notification(n);
  };
  handlers.on_request = [this](const std::string& method, const Json& params) {
    const bool ask = interactive_ && reader_.interactive();
    return answer_server_request(method, params, console_, ask ? &reader_ : nullptr);
  };
  handlers.on_trace = [this](std::string_view line) {
    if (debug_) console_.err(console_.paint(Color::kDim, "[debug] " + std::string(line), Stream::kErr));
  };
  return handlers;
}

void Connection::on_notification(const mcp::json_rpc::Notification& notification) {
  const std::string& method = notification.method;
  if (method == "notifications/tools/list_changed" || method == "notifications/prompts/list_changed" ||
      method == "notifications/resources/list_changed") {
    names_stale_ = true;
  }
  render_notification(console_, notification);
}

std::optional<Failure> Connection::connect(bool announce) {
  session_.reset();
  mcp::client::Options options;
  options.url = url_;
  options.client_info = {"mcp-client", MCP_PROJECT_VERSION};
  options.version = settings_.version;
  options.request_timeout = settings_.timeout;
  options.connect_timeout = std::min(settings_.timeout, options.connect_timeout);
  options.log_level = settings_.log_level;
  session_ = std::make_unique<mcp::client::Session>(std::move(options), http_, make_handlers(), auth_.get());
  if (announce) console_.note("Connecting to " + url_ + " ...");
  auto info = session_->connect(&interrupt_);
  if (!info) {
    session_.reset();
    return info.error();
  }
  if (announce) {
    if (!info->session_id.empty()) console_.note("Session established with ID: " + info->session_id);
    const Json& impl = info->implementation;
    console_.note("Server info: " + text_of(impl, "name", std::string("?")) + " " + text_of(impl, "version"));
    console_.note("Protocol version: " + describe_protocol(*info));
    console_.note(console_.paint(Color::kGreen, "Successfully connected to MCP server"));
  }
  names_ = {};
  names_stale_ = true;
  refresh_names_if_stale();
  return std::nullopt;
}

std::optional<Failure> Connection::ensure_connected() {
  if (connected()) return std::nullopt;
  return connect(interactive_);
}

mcp::util::Expected<Json, Failure> Connection::request(const std::string& method, Json params,
                                                       bool progress) {
  if (auto failure = ensure_connected()) return mcp::util::unexpected(std::move(*failure));
  mcp::client::RequestOptions options;
  options.cancel = &interrupt_;
  if (progress)
    options.on_progress = [this](const mcp::client::Progress& p) {
      render_progress(console_, p);
    };
  auto result = session_->request(method, std::move(params), options);
  console_.clear_status();
  return result;
}

std::optional<Failure> Connection::terminate() {
  if (session_ == nullptr) return std::nullopt;
  auto failure = session_->terminate();
  session_.reset();
  return failure;
}

void Connection::disconnect() {
  if (session_ != nullptr) session_->disconnect();
  session_.reset();
}

int Connection::wakeup_fd() const {
  return session_ != nullptr ? session_->wakeup_fd() : -1;
}

void Connection::dispatch_pending() {
  if (session_ != nullptr) session_->dispatch_pending();
}

void Connection::remember_tools(const Json& result) {
  names_.tools = names_from(result, "tools", "name");
}
void Connection::remember_prompts(const Json& result) {
  names_.prompts = names_from(result, "prompts", "name");
}
void Connection::remember_resources(const Json& result) {
  names_.resources = names_from(result, "resources", "uri");
}

void Connection::refresh_names_if_stale() {
  if (!track_names_ || !names_stale_ || !connected()) return;
  names_stale_ = false;
  const Json caps = session_->server().capabilities;
  // Every page, so completion offers everything; failures just leave a list empty.
  auto fetch = [&](const char* method, const char* list_key) {
    Json all = Json::array();
    std::string cursor;
    for (int page = 0; page < kMaxListPages; ++page) {
      Json params = Json::object();
      if (!cursor.empty()) params["cursor"] = cursor;
      auto result = session_->request(method, params);
      if (!result) break;
      for (const Json& item : array_of(*result, list_key)) all.push_back(item);
      cursor = text_of(*result, "nextCursor");
      if (cursor.empty()) break;
    }
    return Json{{list_key, std::move(all)}};
  };
  if (caps.contains("tools")) remember_tools(fetch("tools/list", "tools"));
  if (caps.contains("prompts")) remember_prompts(fetch("prompts/list", "prompts"));
  if (caps.contains("resources")) remember_resources(fetch("resources/list", "resources"));
}

}  // namespace mcp_cli
