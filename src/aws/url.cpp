#include "aws/url.hpp"

#include <algorithm>
#include <charconv>

#include "mcp/util/strings.hpp"

namespace aws {

std::string Url::authority() const {
  const bool default_port =
      port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return default_port ? host : host + ":" + std::to_string(port);
}

std::string Url::origin() const {
  return scheme + "://" + authority();
}

std::optional<Url> parse_url(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  Url url;
  url.scheme = mcp::util::to_lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  const auto fragment = rest.find('#');
  rest = rest.substr(0, fragment);
  const auto path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view tail = path_at == std::string_view::npos ? std::string_view{} : rest.substr(path_at);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return std::nullopt;
  for (const char c : host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\\') return std::nullopt;
  }
  url.host = mcp::util::to_lower(host);
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), url.port);
    if (ec != std::errc{} || end != port.data() + port.size() || url.port < 1 || url.port > 65535)
      return std::nullopt;
  }

  const auto q = tail.find('?');
  const std::string_view path = tail.substr(0, q);
  url.path = path.empty() ? "/" : std::string(path);
  if (q != std::string_view::npos) url.query = std::string(tail.substr(q + 1));
  return url;
}

std::string redact_url(std::string_view text) {
  text = text.substr(0, std::min(text.find('?'), text.find('#')));
  const auto scheme_end = text.find("://");
  const auto authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto authority_end = std::min(text.find('/', authority_start), text.size());
  const auto at = text.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string(text);
  return std::string(text.substr(0, authority_start)) + "…@" + std::string(text.substr(at + 1));
}

}  // namespace aws
