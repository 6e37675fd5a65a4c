#pragma once
// The client's configuration: one value built at start-up from flags and the
// environment (main.cpp), read by every mode.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "mcp/protocol/version.hpp"

namespace mcp_cli {

inline constexpr const char* kDefaultServerUrl = "http://localhost:3000/mcp";
inline constexpr const char* kDefaultRedirectUri = "http://localhost:8000/callback";

struct Settings {
  std::string url = kDefaultServerUrl;
  std::chrono::milliseconds timeout{60000};
  bool json = false;
  bool debug = false;
  bool no_browser = false;
  std::optional<mcp::protocol::Version> version;  // nullopt: negotiate
  std::string log_level;                          // server log level; empty: server default
  std::filesystem::path config_dir;
  // OAuth (environment only; tokens never come from argv).
  std::string oauth_client_id;
  std::string oauth_client_secret;
  std::string oauth_issuer;  // OAUTH_ISSUER: where oauth_client_secret may be sent
  std::string oauth_redirect_uri = kDefaultRedirectUri;
  std::string access_token;
};

}  // namespace mcp_cli
