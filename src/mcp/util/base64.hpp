#pragma once
// Base64 (RFC 4648 §4) and base64url without padding (§5), as used by JWTs,
// PKCE and our signed identifiers.
#include <optional>
#include <string>
#include <string_view>

namespace mcp::util {

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);

// Decoders accept input with or without '=' padding; nullopt on any other
// character, on bad length or on non-zero trailing bits.
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace mcp::util
