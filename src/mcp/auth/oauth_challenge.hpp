#pragma once
// WWW-Authenticate (RFC 9110 §11.6.1) as an OAuth client reads it: the
// parameters of a Bearer (RFC 6750 §3, RFC 9728 §5.1) or DPoP (RFC 9449
// §7.1) challenge, wherever it sits among other challenges and in whatever
// order its parameters come.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcp/transport/http_types.hpp"

namespace mcp::auth::oauth {

// A Bearer or DPoP challenge: both carry the same OAuth parameters.
struct BearerChallenge {
  std::string scheme;  // as received ("Bearer", "DPoP", ...)
  std::string resource_metadata;
  std::string scope;
  std::string error;
  std::string error_description;
  // Every parameter as received (names lower-cased, values unquoted).
  std::vector<std::pair<std::string, std::string>> params;

  std::optional<std::string_view> param(std::string_view name) const;
};

// The first Bearer challenge in a WWW-Authenticate value; nullopt when there
// is none. Quoted strings may contain commas and backslash escapes.
std::optional<BearerChallenge> parse_bearer_challenge(std::string_view header_value);

// The same over every WWW-Authenticate header of a response.
std::optional<BearerChallenge> find_bearer_challenge(const http::Headers& headers);

// The first challenge of `scheme` (case-insensitive), in one value or over
// every WWW-Authenticate header.
std::optional<BearerChallenge> parse_challenge(std::string_view header_value, std::string_view scheme);
std::optional<BearerChallenge> find_challenge(const http::Headers& headers, std::string_view scheme);

// The Bearer challenge, else the DPoP one: where the resource names its
// metadata and the scope it wants, whichever scheme it uses.
std::optional<BearerChallenge> find_oauth_challenge(const http::Headers& headers);

}  // namespace mcp::auth::oauth
