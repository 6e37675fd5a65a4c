#include "mcp/auth/public_url.hpp"

#include <algorithm>
#include <cctype>

#include "mcp/util/strings.hpp"

namespace mcp::auth {

namespace {

// The last value of a possibly comma-joined forwarded header: the one the
// nearest (trusted) proxy added; earlier values may come from the client.
std::string last_value(std::string_view v) {
  const auto comma = v.rfind(',');
  return std::string(util::trim(comma == std::string_view::npos ? v : v.substr(comma + 1)));
}

bool valid_host_chars(std::string_view host) {
  if (host.empty()) return false;
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
  });
}

}  // namespace

std::string ParsedUrl::origin() const {
  return port.empty() ? scheme + "://" + host : scheme + "://" + host + ":" + port;
}

util::Expected<ParsedUrl, std::string> parse_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return util::unexpected(std::string("not an absolute URL"));
  ParsedUrl out;
  out.scheme = util::to_lower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https")
    return util::unexpected(std::string("scheme must be http or https"));
  std::string_view rest = url.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return util::unexpected(std::string("must not have a query or fragment"));
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos)
    return util::unexpected(std::string("must not contain user information"));
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return util::unexpected(std::string("bad IPv6 literal"));
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return util::unexpected(std::string("bad authority"));
      out.port = std::string(after.substr(1));
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    out.port = std::string(authority.substr(colon + 1));
  }
  if (!valid_host_chars(host)) return util::unexpected(std::string("bad host"));
  if (!out.port.empty()) {
    const bool digits =
        std::all_of(out.port.begin(), out.port.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    if (!digits || out.port.size() > 5 || std::stoul(out.port) > 65535) {
      return util::unexpected(std::string("bad port"));
    }
  }
  out.host = util::to_lower(host);
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  // A dotted-quad address in 127.0.0.0/8; "127.0.0.1.example.com" is a name.
  if (host.rfind("127.", 0) != 0) return false;
  int parts = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    const std::size_t dot = std::min(host.find('.', i), host.size());
    const auto part = host.substr(i, dot - i);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) ||
        std::stoi(std::string(part)) > 255) {
      return false;
    }
    ++parts;
    i = dot + 1;
  }
  return parts == 4;
}

bool is_secure_or_loopback(const ParsedUrl& url) {
  return url.scheme == "https" || (url.scheme == "http" && is_loopback_host(url.host));
}

std::string normalize_resource(std::string_view url) {
  auto parsed = parse_url(url);
  if (!parsed) return std::string(url);
  std::string path = parsed->path;
  if (!path.empty() && path.back() == '/') path.pop_back();
  return parsed->origin() + path;
}

PublicUrl::PublicUrl(std::string configured, std::string endpoint, bool trust_proxy)
    : configured_(std::move(configured)), endpoint_(std::move(endpoint)), trust_proxy_(trust_proxy) {
  if (!configured_.empty()) {
    while (configured_.size() > 1 && configured_.back() == '/') configured_.pop_back();
    if (auto parsed = parse_url(configured_)) {
      std::string path = parsed->path;
      // The public path ends with the endpoint path when a proxy strips a
      // prefix (a stage); what precedes it is the public base path.
      if (path.size() >= endpoint_.size() &&
          path.compare(path.size() - endpoint_.size(), endpoint_.size(), endpoint_) == 0) {
        path.resize(path.size() - endpoint_.size());
      }
      configured_base_ = parsed->origin() + path;
    }
  }
}

std::string PublicUrl::base(const http::Request& request) const {
  if (!configured_.empty()) return configured_base_;
  std::string scheme = "http";
  std::string host(request.headers.get("host").value_or("localhost"));
  std::string prefix;
  if (trust_proxy_) {
    if (auto p = request.headers.get("x-forwarded-proto")) {
      const auto v = util::to_lower(last_value(*p));
      if (v == "http" || v == "https") scheme = v;
    }
    if (auto h = request.headers.get("x-forwarded-host")) {
      const auto v = last_value(*h);
      if (valid_host_chars(v)) host = v;
    }
    if (auto x = request.headers.get("x-forwarded-prefix")) {
      auto v = last_value(*x);
      while (!v.empty() && v.back() == '/') v.pop_back();
      if (!v.empty() && v.front() == '/' && v.find_first_of("?#\" ") == std::string::npos) prefix = v;
    }
  }
  if (!valid_host_chars(host)) host = "localhost";
  return scheme + "://" + util::to_lower(host) + prefix;
}

std::string PublicUrl::resource(const http::Request& request) const {
  if (!configured_.empty()) return configured_;
  return base(request) + endpoint_;
}

std::string PublicUrl::base_path(const http::Request& request) const {
  auto parsed = parse_url(base(request));
  return parsed ? parsed->path : std::string();
}

}  // namespace mcp::auth
