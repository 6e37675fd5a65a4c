#pragma once
// Text from a server reaches the user's terminal: tool results, log messages,
// error descriptions, URLs. Escape sequences in it could clear the screen,
// forge a login prompt, retitle the window or write the clipboard (OSC 52).
// terminal_safe() shows every control character visibly (^[, ^G, \u009b)
// and keeps only the colour codes the client itself paints.
#include <string>
#include <string_view>

namespace mcp_cli {

std::string terminal_safe(std::string_view text);

}  // namespace mcp_cli
