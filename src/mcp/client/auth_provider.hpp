#pragma once
// The session's hook into authorization: it supplies the Authorization header
// for every HTTP request and reacts to 401/403 challenges (refresh, log in,
// step up). client/oauth_provider implements it with a real OAuth 2.1 flow;
// a fixed token (ACCESS_TOKEN) needs no more than header().
#include <optional>
#include <string>
#include <string_view>

#include "mcp/transport/http_types.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::client {

// What the session does after a challenge was handled.
enum class ChallengeOutcome {
  kRetry,  // new credentials are in place: resend the request
  kGiveUp  // nothing more to try: report the HTTP failure
};

struct Challenge {
  int status = 0;         // 401 or 403
  http::Headers headers;  // the response's headers (WWW-Authenticate, ...)
  std::string url;        // the MCP endpoint that answered
  // How many times this operation was already retried after a challenge
  // (0 on the first challenge); providers bound step-up with it.
  int attempt = 0;
};

class AuthProvider {
 public:
  virtual ~AuthProvider() = default;
  // The headers that authorize one HTTP request to the MCP server:
  // Authorization ("Bearer <token>", or "DPoP <token>" with a DPoP proof made
  // for `method` and `url`); empty to send none. May refresh an expiring
  // token first. Called for every request, from any of the session's threads
  // (a dropped stream reconnects on its worker).
  virtual http::Headers request_headers(std::string_view method, std::string_view url) = 0;
  // Handles a 401 or 403 for `challenge.url`. Runs on the thread that made
  // the request; may interact with the user (browser login).
  virtual util::Expected<ChallengeOutcome, std::string> on_challenge(const Challenge& challenge) = 0;
};

}  // namespace mcp::client
