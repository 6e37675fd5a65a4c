#include "mcp/protocol/request_state.hpp"

#include "mcp/util/base64.hpp"

namespace mcp::protocol {

namespace {
std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
std::string sig_of(const util::HmacSha256& signer, std::string_view payload) {
  const auto d = signer.sign(payload);
  return util::base64url_encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}
}  // namespace

std::string request_target(const json_rpc::Request& request) {
  if (!request.params.is_object()) return {};
  for (const char* key : {"name", "uri"}) {
    if (auto it = request.params.find(key); it != request.params.end() && it->is_string())
      return it->get<std::string>();
  }
  return {};
}

std::string RequestStateCodec::encode(std::string_view method, std::string_view target,
                                      const nlohmann::json& responses, std::chrono::seconds ttl) const {
  const nlohmann::json body = {
      {"m", method}, {"t", target}, {"e", now_seconds() + ttl.count()}, {"r", responses}};
  const std::string payload = util::base64url_encode(json_rpc::dump(body));
  return payload + "." + sig_of(signer_, payload);
}

util::Expected<nlohmann::json, std::string> RequestStateCodec::decode(std::string_view state,
                                                                      std::string_view method,
                                                                      std::string_view target) const {
  const auto dot = state.find('.');
  if (dot == std::string_view::npos) return util::unexpected(std::string("malformed"));
  const auto payload = state.substr(0, dot);
  if (!util::constant_time_equal(sig_of(signer_, payload), state.substr(dot + 1))) {
    return util::unexpected(std::string("signature mismatch"));
  }
  const auto raw = util::base64url_decode(payload);
  if (!raw) return util::unexpected(std::string("malformed"));
  const auto body = nlohmann::json::parse(*raw, nullptr, false);
  if (!body.is_object() || !body.contains("r") || !body["r"].is_object())
    return util::unexpected(std::string("malformed"));
  if (body.value("m", "") != method || body.value("t", "") != target) {
    return util::unexpected(std::string("issued for a different request"));
  }
  if (body.value("e", std::int64_t{0}) < now_seconds()) return util::unexpected(std::string("expired"));
  return body["r"];
}

}  // namespace mcp::protocol
