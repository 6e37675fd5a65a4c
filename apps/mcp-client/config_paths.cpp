#include "config_paths.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "mcp/client/token_store.hpp"

namespace mcp_cli {
namespace {

std::filesystem::path home_dir() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) return pw->pw_dir;
  return ".";
}

}  // namespace

std::filesystem::path default_config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') {
    return std::filesystem::path(xdg) / "mcp-client";
  }
  return home_dir() / ".config" / "mcp-client";
}

std::optional<std::string> ensure_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return "cannot create " + dir.string() + ": " + std::strerror(errno);
  }
  // An existing directory that others own or can write may hold planted
  // tokens or history: refuse it rather than tighten it silently.
  if (auto ok = mcp::client::check_private_dir(dir); !ok) return ok.error();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return dir.string() + " is not a directory";
  // Ours and readable by others, e.g. from an old umask: nothing could have
  // been planted, so just close it.
  if ((st.st_mode & 077) != 0) ::chmod(dir.c_str(), 0700);
  return std::nullopt;
}

}  // namespace mcp_cli
