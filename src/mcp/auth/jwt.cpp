#include "mcp/auth/jwt.hpp"

#include <array>
#include <cstdint>
#include <utility>

namespace mcp::auth {
namespace {

using util::unexpected;

constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_base64url_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}
constexpr auto kBase64Url = make_base64url_table();

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// RFC 9068 access tokens say at+jwt; many issuers still say JWT.
bool acceptable_typ(std::string_view typ) {
  return iequals(typ, "JWT") || iequals(typ, "at+jwt") || iequals(typ, "application/at+jwt");
}

util::Expected<Json, std::string> decode_json_object(std::string_view encoded, const char* what) {
  auto text = base64url_decode_strict(encoded);
  if (!text) return unexpected(std::string("malformed token"));
  auto json = parse_strict_json_or_error(*text);
  if (!json) {
    if (json.error() == "invalid JSON") return unexpected(std::string(what) + " is not JSON");
    return unexpected(std::move(json.error()));
  }
  if (!json->is_object()) return unexpected(std::string(what) + " is not a JSON object");
  return std::move(*json);
}

}  // namespace

// Decodes four characters at a time into a buffer sized up front: this runs
// on every request over about a kilobyte, and the generic decoder's
// byte-at-a-time appends cost a quarter of decode_jwt.
std::optional<std::string> base64url_decode_strict(std::string_view text) {
  const std::size_t rest = text.size() % 4;
  if (rest == 1) return std::nullopt;
  const std::size_t groups = text.size() / 4;
  std::string out(groups * 3 + (rest == 0 ? 0 : rest - 1), '\0');
  const auto value = [&](std::size_t i) -> std::uint32_t {
    return kBase64Url[static_cast<unsigned char>(text[i])];
  };
  std::uint32_t invalid = 0;  // any table entry is kInvalid: its top bit survives the OR
  std::size_t o = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    const std::size_t i = g * 4;
    const std::uint32_t a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3);
    invalid |= a | b | c | d;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = static_cast<char>((v >> 16) & 0xFF);
    out[o++] = static_cast<char>((v >> 8) & 0xFF);
    out[o++] = static_cast<char>(v & 0xFF);
  }
  const std::size_t i = groups * 4;
  if (rest == 2) {
    const std::uint32_t a = value(i), b = value(i + 1);
    invalid |= a | b;
    if ((b & 0x0F) != 0) return std::nullopt;  // non-zero trailing bits: not canonical
    out[o] = static_cast<char>(((a << 2) | (b >> 4)) & 0xFF);
  } else if (rest == 3) {
    const std::uint32_t a = value(i), b = value(i + 1), c = value(i + 2);
    invalid |= a | b | c;
    if ((c & 0x03) != 0) return std::nullopt;
    const std::uint32_t v = (a << 10) | (b << 4) | (c >> 2);
    out[o++] = static_cast<char>((v >> 8) & 0xFF);
    out[o] = static_cast<char>(v & 0xFF);
  }
  if ((invalid & 0x80) != 0) return std::nullopt;
  return out;
}

util::Expected<DecodedJwt, std::string> decode_jwt(std::string_view token, std::size_t max_bytes) {
  // The size limit comes first so that nothing is decoded for an oversized token.
  if (token.size() > max_bytes) return unexpected(std::string("token too large"));
  std::array<std::string_view, 3> parts;
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = token.find('.', start);
    if (count == parts.size()) return unexpected(std::string("malformed token"));  // a fourth part
    parts[count++] =
        token.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (count != parts.size()) return unexpected(std::string("malformed token"));
  for (std::string_view part : parts) {
    if (part.empty()) return unexpected(std::string("malformed token"));
  }

  DecodedJwt jwt;
  auto header = decode_json_object(parts[0], "header");
  if (!header) return unexpected(std::move(header.error()));
  jwt.header = std::move(*header);

  const Json& h = jwt.header;
  auto alg = h.find("alg");
  if (alg == h.end()) return unexpected(std::string("missing alg"));
  if (!alg->is_string() || (*alg != "RS256" && *alg != "ES256"))
    return unexpected(std::string("unsupported alg"));
  jwt.alg = alg->get<std::string>();
  // No extension is understood, so any critical one makes the token invalid (RFC 7515 §4.1.11).
  if (h.contains("crit")) return unexpected(std::string("unsupported crit header"));
  if (auto typ = h.find("typ"); typ != h.end()) {
    if (!typ->is_string() || !acceptable_typ(typ->get_ref<const std::string&>())) {
      return unexpected(std::string("unsupported typ"));
    }
  }
  auto kid = h.find("kid");
  if (kid == h.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
    return unexpected(std::string("missing kid"));
  }
  jwt.kid = kid->get<std::string>();

  auto payload = decode_json_object(parts[1], "payload");
  if (!payload) return unexpected(std::move(payload.error()));
  jwt.payload = std::move(*payload);

  auto signature = base64url_decode_strict(parts[2]);
  if (!signature) return unexpected(std::string("malformed token"));
  if (signature->empty()) return unexpected(std::string("missing signature"));
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(token.substr(0, parts[0].size() + 1 + parts[1].size()));
  return jwt;
}

bool verify_signature(const DecodedJwt& jwt, const Jwk& key) {
  return jwt.alg == key.algorithm() && key.verify(jwt.signing_input, jwt.signature);
}

}  // namespace mcp::auth
