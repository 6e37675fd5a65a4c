#pragma once
// Where the client keeps its files: $XDG_CONFIG_HOME/mcp-client, else
// ~/.config/mcp-client; private (0700) because OAuth tokens live there.
#include <filesystem>
#include <optional>
#include <string>

namespace mcp_cli {

std::filesystem::path default_config_dir();

// Creates `dir` (and missing parents) with mode 0700; the error says why not.
std::optional<std::string> ensure_private_dir(const std::filesystem::path& dir);

inline std::filesystem::path history_file(const std::filesystem::path& config_dir) {
  return config_dir / "history";
}
inline std::filesystem::path oauth_store_dir(const std::filesystem::path& config_dir) {
  return config_dir / "oauth";
}

}  // namespace mcp_cli
