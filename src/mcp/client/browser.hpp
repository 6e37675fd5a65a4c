#pragma once
// Opens a URL in the user's browser: xdg-open (Linux) or open (macOS),
// started directly with posix_spawnp so no shell ever sees the URL.
#include <string>

namespace mcp::client {

// False when no opener could be started; the caller then shows the URL.
bool open_browser(const std::string& url);

}  // namespace mcp::client
