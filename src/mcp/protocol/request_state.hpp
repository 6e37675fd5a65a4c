#pragma once
// The tamper-proof `requestState` of multi-round-trip (input_required)
// results. The server keeps nothing between rounds: the answers collected so
// far travel with the client, signed with HMAC-SHA256 and bound to the method
// and its target (tool name, prompt name or resource URI) and an expiry.
#include <chrono>
#include <string>
#include <string_view>

#include "mcp/json_rpc/message.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::protocol {

// The name a request acts on: params.name, else params.uri, else "".
std::string request_target(const json_rpc::Request& request);

class RequestStateCodec {
 public:
  explicit RequestStateCodec(std::string_view secret) : signer_(secret) {}

  std::string encode(std::string_view method, std::string_view target, const nlohmann::json& responses,
                     std::chrono::seconds ttl) const;
  // Returns the stored responses, or why the state is refused.
  util::Expected<nlohmann::json, std::string> decode(std::string_view state, std::string_view method,
                                                     std::string_view target) const;

 private:
  util::HmacSha256 signer_;
};

}  // namespace mcp::protocol
