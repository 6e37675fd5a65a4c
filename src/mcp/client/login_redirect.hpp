#pragma once
// The front-channel leg of a login: getting the authorization URL to the
// user (browser, printed URL, or a plain GET for servers that need no user)
// and the redirect back to us.
#include <string>
#include <string_view>

#include "mcp/auth/oauth_http.hpp"
#include "mcp/client/loopback_receiver.hpp"
#include "mcp/client/oauth_provider.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::client {

// Runs the authorization request in `options.mode` and returns what `read`
// made of the redirected URL (the code, or why there is none). `state` is the
// request's: the loopback listener ignores redirects carrying another.
util::Expected<std::string, std::string> run_login_redirect(const std::string& authorization_url,
                                                            std::string_view state,
                                                            const OAuthOptions& options,
                                                            const auth::oauth::OAuthHttp& http,
                                                            const LoopbackReceiver::Reader& read);

}  // namespace mcp::client
