#pragma once
// Where the login facade's upstream authorization server (Cognito or any
// OIDC issuer) takes authorization and token requests: configured, or
// learned once from the issuer's discovery document through http::Client.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mcp/transport/http_client.hpp"
#include "mcp/util/log.hpp"

namespace mcp::auth {

struct UpstreamEndpoints {
  std::string authorization_endpoint;
  std::string token_endpoint;
};

class UpstreamDirectory {
 public:
  using Clock = std::function<std::int64_t()>;  // unix seconds
  static constexpr std::int64_t kRetrySeconds = 30;

  // With both endpoints configured no discovery ever happens.
  UpstreamDirectory(std::string issuer, UpstreamEndpoints configured, http::Client& client,
                    const util::Logger& log, std::chrono::milliseconds timeout, Clock now);
  ~UpstreamDirectory();

  // Runs `done` with the endpoints, or with nullptr while they are unknown:
  // discovery failed (it is retried at most every kRetrySeconds). Runs at once
  // when the answer is known; otherwise after the discovery request(s), and
  // callers waiting meanwhile share one discovery.
  void get(std::function<void(const UpstreamEndpoints*)> done);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace mcp::auth
