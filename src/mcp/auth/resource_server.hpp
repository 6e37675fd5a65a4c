#pragma once
// The MCP server as an OAuth 2.1 resource server: RFC 9728 protected-resource
// metadata, RFC 6750 bearer challenges (401 with resource_metadata and scope,
// 403 insufficient_scope naming what is needed), token verification for every
// request to the endpoint, and scopes per request and per tool.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mcp/auth/public_url.hpp"
#include "mcp/auth/token_verifier.hpp"
#include "mcp/transport/access_control.hpp"
#include "mcp/util/log.hpp"

namespace mcp::auth {

struct ResourceServerOptions {
  std::string endpoint = "/mcp";                                // local path of the MCP endpoint
  std::vector<std::string> authorization_servers;               // issuers listed in the metadata
  std::vector<std::string> required_scopes;                     // for every request
  std::map<std::string, std::vector<std::string>> tool_scopes;  // extra scopes per tool (tools/call)
  std::vector<std::string> extra_scopes_supported;              // advertised besides the above
  std::string resource_name;                                    // human-readable, optional
};

class ResourceServer final : public transport::AccessControl {
 public:
  // `authorization_server`: when set (the login facade), it names the
  // authorization server for a request instead of the configured issuers.
  ResourceServer(ResourceServerOptions options, const PublicUrl& public_url, TokenVerifier& verifier,
                 std::function<std::string(const http::Request&)> authorization_server = {});

  std::optional<transport::AuthResult> try_authenticate(const http::Request& request) override;
  void authenticate(const http::Request& request, std::function<void(transport::AuthResult)> done) override;
  std::optional<transport::AccessDenied> authorize(const http::Request& request, const AuthInfo& auth,
                                                   std::string_view method,
                                                   const Json& params) const override;

  // Serves the RFC 9728 document (GET/HEAD/OPTIONS) at the root well-known
  // URL and its endpoint-suffixed forms; false when `request` is not for it.
  bool handle_metadata(const http::Request& request, const std::shared_ptr<http::Responder>& responder) const;

  // The metadata URL advertised in challenges.
  std::string metadata_url(const http::Request& request) const;
  std::vector<std::string> scopes_supported() const;

 private:
  transport::AccessDenied challenge(const http::Request& request, int status, std::string_view error,
                                    std::string_view description,
                                    const std::vector<std::string>& scopes) const;
  // The bearer token of a request, or the denial (query-string token, two
  // headers, no token, malformed token).
  util::Expected<std::string_view, transport::AccessDenied> bearer_token(const http::Request& request) const;
  transport::AuthResult conclude(const http::Request& request, VerifyResult result) const;
  std::optional<transport::AccessDenied> check_scopes(const http::Request& request, const AuthInfo& auth,
                                                      const std::vector<std::string>& needed) const;

  ResourceServerOptions options_;
  const PublicUrl& public_url_;
  TokenVerifier& verifier_;
  std::function<std::string(const http::Request&)> authorization_server_;
};

}  // namespace mcp::auth
