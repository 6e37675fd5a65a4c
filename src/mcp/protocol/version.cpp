#include "mcp/protocol/version.hpp"

namespace mcp::protocol {

std::string_view to_string(Version v) {
  switch (v) {
    case Version::k2025_03_26:
      return "2025-03-26";
    case Version::k2025_06_18:
      return "2025-06-18";
    case Version::k2025_11_25:
      return "2025-11-25";
    case Version::k2026_07_28:
      return "2026-07-28";
  }
  return "2025-11-25";
}

std::optional<Version> parse_version(std::string_view text) {
  for (Version v : kAllVersions) {
    if (to_string(v) == text) return v;
  }
  return std::nullopt;
}

Version negotiate_initialize(std::string_view requested) {
  const auto v = parse_version(requested);
  if (v && !is_modern(*v)) return *v;
  return kLatestLegacyVersion;
}

}  // namespace mcp::protocol
