#pragma once
// Dynamic client registration (RFC 7591) of a native public client, and the
// authentication method to ask for.
#include <string>
#include <string_view>
#include <vector>

#include "mcp/auth/oauth_http.hpp"
#include "mcp/auth/oauth_server_metadata.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

struct ClientRegistration {
  std::string client_id;
  std::string client_secret;               // empty for public clients
  std::string token_endpoint_auth_method;  // as returned; may be empty
};

struct RegistrationRequest {
  std::string client_name;
  std::vector<std::string> redirect_uris;
  std::string token_endpoint_auth_method = "none";
};

// "none" unless the server lists only secret-based methods.
std::string registration_auth_method(const AuthServerMetadata& metadata);

// The JSON body sent: client_name, redirect_uris, grant_types
// [authorization_code, refresh_token], response_types [code],
// token_endpoint_auth_method, application_type native.
Json registration_body(const RegistrationRequest& request);

util::Expected<ClientRegistration, std::string> register_client(const OAuthHttp& http,
                                                                std::string_view endpoint,
                                                                const RegistrationRequest& request);

}  // namespace mcp::auth::oauth
