#pragma once
// Wall-clock timestamps as protocol and log lines spell them.
#include <string>

namespace mcp::util {

// The current UTC time as ISO 8601 with milliseconds: 2026-11-21T03:44:30.123Z.
std::string iso8601_utc_now();

}  // namespace mcp::util
