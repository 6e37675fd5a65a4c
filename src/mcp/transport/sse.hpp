#pragma once
// Server-Sent Events framing (WHATWG HTML §9.2).
#include <optional>
#include <string>
#include <string_view>

namespace mcp::transport {

// One event. `data` may contain newlines: each line becomes a data: field.
// An empty `data` still produces a `data:` line (the priming event shape).
std::string format_sse_event(std::string_view data, std::string_view id = {}, std::string_view event = {},
                             std::optional<long> retry_ms = std::nullopt);
// A comment line that keeps idle connections (and proxies) alive.
std::string format_sse_comment(std::string_view text);

}  // namespace mcp::transport
