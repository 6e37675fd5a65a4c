#pragma once
// OAuth configuration of the server executables: the --auth flags and their
// environment variables, validated at start with readable errors, and the
// objects they build (key cache, verifier, resource server, login facade).
#include <memory>
#include <string>

#include "mcp/protocol/executor.hpp"
#include "mcp/transport/access_control.hpp"
#include "mcp/transport/http_types.hpp"
#include "mcp/util/expected.hpp"
#include "mcp/util/log.hpp"

namespace CLI {
class App;
}

namespace mcp::app {

struct AuthFlags {
  std::string mode = "none";  // none | oidc | cognito
  bool allow_insecure_public = false;
  std::string public_url;
  bool trust_proxy = false;
  std::string issuer;
  std::string jwks_url;
  std::string audience;
  std::string required_scopes;
  std::string tool_scopes;
  std::string cognito_region;
  std::string cognito_user_pool_id;
  std::string cognito_allowed_client_ids;
  std::string cognito_domain;
  bool facade = false;
  std::string facade_upstream_issuer;
  std::string facade_client_id;
  std::string facade_scopes;
  bool facade_forward_resource = false;
  long jwks_cache_seconds = 3600;
  long jwks_min_refetch_seconds = 30;
  long jwks_timeout_ms = 5000;
};

// Registers the flags (each with its environment variable) on `cli`.
void add_auth_flags(CLI::App& cli, AuthFlags& flags);

class AuthStack {
 public:
  // Validates the flags; the error is one readable line. `host` is the bind
  // address (--auth none refuses non-loopback binds unless allowed).
  static util::Expected<std::unique_ptr<AuthStack>, std::string> create(const AuthFlags& flags,
                                                                        const std::string& endpoint,
                                                                        const std::string& host,
                                                                        Executor& executor,
                                                                        const util::Logger& log);
  ~AuthStack();
  AuthStack(const AuthStack&) = delete;
  AuthStack& operator=(const AuthStack&) = delete;

  // The transport's gate; null with --auth none.
  transport::AccessControl* access_control();
  // Serves the metadata and facade routes; false for any other request.
  bool route(const http::Request& request, const std::shared_ptr<http::Responder>& responder);
  // Starts fetching the key set so the first request finds it.
  void start();
  // One line for the start-up log ("oidc issuer=…").
  std::string describe() const;

 private:
  AuthStack();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::app
