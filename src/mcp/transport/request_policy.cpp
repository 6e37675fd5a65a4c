#include "mcp/transport/request_policy.hpp"

#include "mcp/util/strings.hpp"

namespace mcp::transport {

bool accepts_media_type(std::string_view accept, std::string_view media_type) {
  const auto slash = media_type.find('/');
  const auto type = media_type.substr(0, slash);
  // Walk the list in place: this runs on every request.
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const auto entry = util::trim(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    if (entry.empty()) continue;
    const auto semi = entry.find(';');
    const auto range = util::trim(entry.substr(0, semi));
    bool refused = false;
    if (semi != std::string_view::npos) {
      for (auto param : util::split_trimmed(entry.substr(semi + 1), ';')) {
        if (param == "q=0" || param == "q=0.0" || param == "q=0.00" || param == "q=0.000") refused = true;
      }
    }
    const bool match =
        util::iequals(range, media_type) || range == "*/*" ||
        (range.size() == type.size() + 2 && util::iequals(range.substr(0, type.size()), type) &&
         range.substr(type.size()) == "/*");
    if (match) return !refused;
  }
  return false;
}

bool is_json_content_type(std::string_view content_type) {
  const auto base = util::trim(content_type.substr(0, content_type.find(';')));
  return util::iequals(base, "application/json");
}

std::string_view HostPolicy::strip_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  const auto colon = host.find(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

bool HostPolicy::is_loopback_host(std::string_view host) {
  return util::iequals(host, "localhost") || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

HostPolicy::HostPolicy(std::string_view bind_address, std::vector<std::string> allowed_hosts,
                       std::vector<std::string> allowed_origins)
    : loopback_bind_(is_loopback_host(bind_address) || bind_address.starts_with("127.")),
      hosts_(std::move(allowed_hosts)),
      origins_(std::move(allowed_origins)) {}

namespace {
bool listed(const std::vector<std::string>& list, std::string_view value) {
  for (const auto& item : list) {
    if (item == "*" || util::iequals(item, value)) return true;
  }
  return false;
}
}  // namespace

bool HostPolicy::host_allowed(std::string_view host_header) const {
  const auto host = util::trim(host_header);
  if (host.empty()) return false;
  if (!hosts_.empty()) return listed(hosts_, host) || listed(hosts_, strip_port(host));
  // Without a list, a loopback bind accepts only loopback names; a public
  // bind accepts any Host (it sits behind a proxy or load balancer).
  return !loopback_bind_ || is_loopback_host(strip_port(host));
}

bool HostPolicy::origin_allowed(std::string_view origin, std::string_view host_header) const {
  origin = util::trim(origin);
  if (!origins_.empty() && listed(origins_, origin)) return true;
  std::string_view rest;
  if (origin.starts_with("http://"))
    rest = origin.substr(7);
  else if (origin.starts_with("https://"))
    rest = origin.substr(8);
  else
    return false;  // "null" and other schemes
  if (rest.find('/') != std::string_view::npos) return false;
  if (loopback_bind_ && origins_.empty()) return is_loopback_host(strip_port(rest));
  // Same-origin requests are always fine.
  return util::iequals(rest, util::trim(host_header));
}

}  // namespace mcp::transport
