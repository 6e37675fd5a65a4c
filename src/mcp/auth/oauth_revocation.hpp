#pragma once
// Token revocation (RFC 7009).
#include <string>
#include <string_view>
#include <variant>

#include "mcp/auth/oauth_http.hpp"
#include "mcp/auth/oauth_token.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth::oauth {

// `hint`: "refresh_token" or "access_token". A 200 means revoked (or already
// invalid, RFC 7009 §2.2).
util::Expected<std::monostate, std::string> revoke_token(const OAuthHttp& http, std::string_view endpoint,
                                                         std::string_view token, std::string_view hint,
                                                         const ClientAuth& auth);

}  // namespace mcp::auth::oauth
