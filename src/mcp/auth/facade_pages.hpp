#pragma once
// The login facade's only HTML: an error page for requests that must not be
// redirected anywhere, and the consent interstitial shown before a login
// result may be sent to a redirect URI that is not on this machine.
#include <string>
#include <string_view>

#include "mcp/transport/http_types.hpp"

namespace mcp::auth {

std::string html_escape(std::string_view text);

// Headers every facade page carries: no caching, no framing, no scripts.
void add_page_headers(http::Headers& headers);

http::Response error_page(int status, std::string_view title, std::string_view message);

struct ConsentView {
  std::string client_name;   // may be empty
  std::string redirect_uri;  // where the result will go
  std::string service;       // the issuer, shown as what is being signed in to
  std::string action;        // the form's target (issuer + /oauth/authorize)
  std::string transaction;   // sealed; posted back
  std::string set_cookie;    // the consent cookie binding the form to this browser
};

http::Response consent_page(const ConsentView& view);

}  // namespace mcp::auth
