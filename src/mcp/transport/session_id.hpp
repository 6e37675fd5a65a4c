#pragma once
// Signed legacy session ids (DESIGN.md §6). Everything an instance needs to
// serve a session travels in the id, so any process holding the secret can
// serve it and no shared store is needed:
//   format(1) | revision(1) | client capability bits(2) | issued-at(8)
//   | subject hash(8) | random(16) | HMAC-SHA256 tag, truncated (16)
// base64url-encoded (70 visible ASCII characters).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/protocol/version.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::transport {

struct SessionClaims {
  protocol::Version version = protocol::kLatestLegacyVersion;
  std::uint16_t capability_bits = 0;
  std::int64_t issued_at = 0;  // unix seconds
  std::string subject_hash;    // 8 raw bytes; zeros when unauthenticated
};

// Client capabilities that matter to the server, as bits (and back).
std::uint16_t capability_bits(const nlohmann::json& client_capabilities);
nlohmann::json capabilities_from_bits(std::uint16_t bits);
// First 8 bytes of SHA-256(subject); 8 zero bytes for an empty subject.
std::string subject_hash(std::string_view subject);

class SessionIdCodec {
 public:
  explicit SessionIdCodec(std::string_view secret) : signer_(secret) {}

  std::string issue(const SessionClaims& claims) const;
  // nullopt for anything not issued with this secret (or malformed).
  std::optional<SessionClaims> verify(std::string_view id) const;

 private:
  util::HmacSha256 signer_;
};

}  // namespace mcp::transport
