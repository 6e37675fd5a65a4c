#pragma once
// Header checks of the Streamable HTTP transport that do not depend on
// session state: content negotiation and DNS-rebinding protection.
#include <string>
#include <string_view>
#include <vector>

namespace mcp::transport {

// True if an Accept header admits `media_type` (type/subtype), honouring
// wildcards and ignoring parameters; a q=0 entry refuses it.
bool accepts_media_type(std::string_view accept, std::string_view media_type);
// True for application/json with optional parameters (charset=utf-8).
bool is_json_content_type(std::string_view content_type);

// Host and Origin allow-lists (DNS rebinding protection). Entries are host
// names or host:port; "*" allows any. For a loopback bind with no explicit
// lists, localhost, 127.0.0.1 and [::1] on any port are allowed.
class HostPolicy {
 public:
  HostPolicy(std::string_view bind_address, std::vector<std::string> allowed_hosts,
             std::vector<std::string> allowed_origins);

  bool host_allowed(std::string_view host_header) const;
  // An absent Origin is allowed (non-browser clients); a present one must be
  // listed, be a loopback origin on a loopback bind, or match the Host.
  bool origin_allowed(std::string_view origin, std::string_view host_header) const;

  static bool is_loopback_host(std::string_view host);  // host without port
  static std::string_view strip_port(std::string_view host);

 private:
  bool loopback_bind_;
  std::vector<std::string> hosts_;
  std::vector<std::string> origins_;
};

}  // namespace mcp::transport
