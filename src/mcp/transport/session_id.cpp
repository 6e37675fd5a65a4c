#include "mcp/transport/session_id.hpp"

#include "mcp/util/base64.hpp"

namespace mcp::transport {

namespace {
constexpr std::uint8_t kFormat = 1;
constexpr std::size_t kBodySize = 1 + 1 + 2 + 8 + 8 + 16;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kEncodedSize = (kBodySize + kTagSize) * 4 / 3 + 1;  // 70 without padding

enum Bit : std::uint16_t {
  kSampling = 1 << 0,
  kSamplingTools = 1 << 1,
  kSamplingContext = 1 << 2,
  kElicitationForm = 1 << 3,
  kElicitationUrl = 1 << 4,
  kRoots = 1 << 5,
  kRootsListChanged = 1 << 6,
  kTasks = 1 << 7,
};

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xFF);
}
std::uint64_t get_u64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}
}  // namespace

std::uint16_t capability_bits(const nlohmann::json& caps) {
  std::uint16_t bits = 0;
  if (!caps.is_object()) return bits;
  if (auto s = caps.find("sampling"); s != caps.end() && s->is_object()) {
    bits |= kSampling;
    if (s->contains("tools")) bits |= kSamplingTools;
    if (s->contains("context")) bits |= kSamplingContext;
  }
  if (auto e = caps.find("elicitation"); e != caps.end() && e->is_object()) {
    // An empty elicitation object means form mode only.
    if (e->empty() || e->contains("form")) bits |= kElicitationForm;
    if (e->contains("url")) bits |= kElicitationUrl;
  }
  if (auto r = caps.find("roots"); r != caps.end() && r->is_object()) {
    bits |= kRoots;
    if (r->value("listChanged", false)) bits |= kRootsListChanged;
  }
  if (caps.contains("tasks")) bits |= kTasks;
  return bits;
}

nlohmann::json capabilities_from_bits(std::uint16_t bits) {
  nlohmann::json caps = nlohmann::json::object();
  if (bits & kSampling) {
    caps["sampling"] = nlohmann::json::object();
    if (bits & kSamplingTools) caps["sampling"]["tools"] = nlohmann::json::object();
    if (bits & kSamplingContext) caps["sampling"]["context"] = nlohmann::json::object();
  }
  if (bits & (kElicitationForm | kElicitationUrl)) {
    caps["elicitation"] = nlohmann::json::object();
    if (bits & kElicitationForm) caps["elicitation"]["form"] = nlohmann::json::object();
    if (bits & kElicitationUrl) caps["elicitation"]["url"] = nlohmann::json::object();
  }
  if (bits & kRoots) caps["roots"] = {{"listChanged", (bits & kRootsListChanged) != 0}};
  if (bits & kTasks) caps["tasks"] = nlohmann::json::object();
  return caps;
}

std::string subject_hash(std::string_view subject) {
  if (subject.empty()) return std::string(8, '\0');
  const auto d = util::sha256(subject);
  return std::string(reinterpret_cast<const char*>(d.data()), 8);
}

std::string SessionIdCodec::issue(const SessionClaims& c) const {
  std::string body;
  body.reserve(kBodySize + kTagSize);
  body += static_cast<char>(kFormat);
  body += static_cast<char>(static_cast<std::uint8_t>(c.version));
  body += static_cast<char>(c.capability_bits >> 8);
  body += static_cast<char>(c.capability_bits & 0xFF);
  put_u64(body, static_cast<std::uint64_t>(c.issued_at));
  std::string hash = c.subject_hash;
  hash.resize(8, '\0');
  body += hash;
  body += util::random_bytes(16);
  const auto tag = signer_.sign(body);
  body.append(reinterpret_cast<const char*>(tag.data()), kTagSize);
  return util::base64url_encode(body);
}

std::optional<SessionClaims> SessionIdCodec::verify(std::string_view id) const {
  if (id.size() != kEncodedSize) return std::nullopt;
  const auto raw = util::base64url_decode(id);
  if (!raw || raw->size() != kBodySize + kTagSize) return std::nullopt;
  const std::string_view body(raw->data(), kBodySize);
  const auto tag = signer_.sign(body);
  if (!util::constant_time_equal(std::string_view(reinterpret_cast<const char*>(tag.data()), kTagSize),
                                 std::string_view(raw->data() + kBodySize, kTagSize))) {
    return std::nullopt;
  }
  if (static_cast<std::uint8_t>(body[0]) != kFormat) return std::nullopt;
  const auto v = static_cast<std::uint8_t>(body[1]);
  if (v > static_cast<std::uint8_t>(protocol::kLatestLegacyVersion)) return std::nullopt;
  SessionClaims c;
  c.version = static_cast<protocol::Version>(v);
  c.capability_bits = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[2]) << 8) |
                                                 static_cast<std::uint8_t>(body[3]));
  c.issued_at = static_cast<std::int64_t>(get_u64(body.substr(4, 8)));
  c.subject_hash = std::string(body.substr(12, 8));
  return c;
}

}  // namespace mcp::transport
