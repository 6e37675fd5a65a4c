#include "server_url.hpp"

namespace mcp_cli {

std::string normalize_server_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto path_start = url.find_first_of("/?#", authority_start);
  const std::string_view authority = url.substr(
      authority_start, path_start == std::string_view::npos ? url.npos : path_start - authority_start);
  if (authority.find(".execute-api.") == std::string_view::npos) return std::string(url);
  if (path_start == std::string_view::npos || url[path_start] != '/') return std::string(url);
  // Query or fragment on a gateway URL: leave it alone rather than guess.
  if (url.find_first_of("?#", path_start) != std::string_view::npos) return std::string(url);

  std::string_view path = url.substr(path_start);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const bool single_segment = path.size() > 1 && path.find('/', 1) == std::string_view::npos;
  if (!single_segment) return std::string(url);
  std::string result(url.substr(0, path_start));
  result += path;
  result += "/mcp";
  return result;
}

}  // namespace mcp_cli
