#pragma once
// URL query and application/x-www-form-urlencoded coding for the login
// facade: OAuth parameters arrive in both and leave in redirect URLs and in
// upstream token requests.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::auth::form {

using Params = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string encode(std::string_view text);
// Decodes %XX and '+' (as a space); nullopt on a malformed escape.
std::optional<std::string> decode(std::string_view text);

// Decoded name/value pairs in order; nullopt if any piece is malformed.
class Fields {
 public:
  static std::optional<Fields> parse(std::string_view text);

  // The value of a parameter sent exactly once; nullopt when absent or empty.
  std::optional<std::string_view> get(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  // RFC 6749 §3.1: the first parameter (of those named) sent more than once.
  std::optional<std::string> repeated(std::initializer_list<std::string_view> names) const;

 private:
  Params items_;
};

std::string build(const Params& params);
// Appends `params` to a URL that may already carry a query (redirect URIs may).
std::string append_query(std::string_view url, const Params& params);

}  // namespace mcp::auth::form
