#pragma once
// ISO 8601 timestamps as AWS spells credential expirations:
// 2026-11-21T12:00:00Z, 2026-11-21T12:00:00.123Z, 2026-11-21T12:00:00+00:00.
#include <chrono>
#include <optional>
#include <string_view>

namespace aws {

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace aws
