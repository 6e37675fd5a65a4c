#pragma once
// RFC 3986 percent-encoding, as OAuth forms (RFC 6749 Appendix B) and AWS
// SigV4 canonical requests both need it.
#include <optional>
#include <string>
#include <string_view>

namespace mcp::util {

// Everything but the unreserved characters (A-Z a-z 0-9 - . _ ~) as %XX in
// upper case; '/' is kept when `keep_slash` (URL paths).
std::string percent_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX, and '+' as a space when `plus_as_space` (form encoding);
// nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

}  // namespace mcp::util
