#pragma once
// Protocol revisions and the two eras they fall into.
#include <array>
#include <optional>
#include <string_view>

namespace mcp::protocol {

// Ordered oldest to newest so that `>=` means "at least this revision".
enum class Version { k2025_03_26, k2025_06_18, k2025_11_25, k2026_07_28 };

inline constexpr Version kLatestVersion = Version::k2026_07_28;
inline constexpr Version kLatestLegacyVersion = Version::k2025_11_25;
inline constexpr std::array kAllVersions = {Version::k2026_07_28, Version::k2025_11_25, Version::k2025_06_18,
                                            Version::k2025_03_26};

std::string_view to_string(Version v);
std::optional<Version> parse_version(std::string_view text);

// Modern revisions are stateless: no initialize, a `_meta` envelope per request.
inline bool is_modern(Version v) {
  return v >= Version::k2026_07_28;
}

// `initialize` negotiation: echo a supported legacy revision, otherwise offer
// the newest legacy one (the client then decides whether to continue).
Version negotiate_initialize(std::string_view requested);

// `_meta` keys of the 2026-07-28 envelope.
namespace meta {
inline constexpr std::string_view kProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kServerInfo = "io.modelcontextprotocol/serverInfo";
inline constexpr std::string_view kLogLevel = "io.modelcontextprotocol/logLevel";
}  // namespace meta

}  // namespace mcp::protocol
