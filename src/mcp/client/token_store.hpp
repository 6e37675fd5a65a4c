#pragma once
// Where the OAuth client keeps tokens (one file per MCP server URL) and
// client registrations (one file per authorization server), in a 0700
// directory with 0600 files written atomically. Without a directory it keeps
// them in memory for the life of the process. A directory someone else could
// have planted files in is refused.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mcp/util/expected.hpp"

namespace mcp::client {

struct StoredTokens {
  std::string mcp_url;
  std::string access_token;
  std::string refresh_token;
  std::string id_token;
  std::string scope;            // as granted (or requested, when the server did not say)
  std::string requested_scope;  // what we asked for: the base of a step-up union
  std::optional<std::chrono::system_clock::time_point> expires_at;
  std::string issuer;
  std::string token_endpoint;
  std::string revocation_endpoint;
  std::string resource;  // RFC 8707; empty for 2025-03-26 servers
  std::string client_id;
  std::string client_secret;
  std::string auth_method;
};

struct StoredRegistration {
  std::string issuer;
  std::string redirect_uri;  // registrations are bound to the redirect URI they listed
  std::string client_id;
  std::string client_secret;
  std::string auth_method;
};

using Done = util::Expected<std::monostate, std::string>;

// Fails for an existing `dir` that is not a directory, belongs to another
// user, or is writable by group or others: tokens or registrations found
// there could have been planted. A missing directory passes.
Done check_private_dir(const std::filesystem::path& dir);

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path dir);

  util::Expected<std::optional<StoredTokens>, std::string> load_tokens(std::string_view mcp_url) const;
  Done save_tokens(const StoredTokens& tokens);
  // True when there was something to delete.
  util::Expected<bool, std::string> remove_tokens(std::string_view mcp_url);

  std::optional<StoredRegistration> load_registration(std::string_view issuer,
                                                      std::string_view redirect_uri) const;
  Done save_registration(const StoredRegistration& registration);

  // tokens-<first 16 hex digits of sha256(url)>.json
  std::filesystem::path tokens_path(std::string_view mcp_url) const;
  std::filesystem::path registration_path(std::string_view issuer) const;
  bool persistent() const { return !dir_.empty(); }

 private:
  Done write_private(const std::filesystem::path& path, const std::string& content);

  std::filesystem::path dir_;
  std::map<std::string, StoredTokens, std::less<>> memory_tokens_;
  std::map<std::string, StoredRegistration, std::less<>> memory_registrations_;
};

}  // namespace mcp::client
