#include "aws/sigv4.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "mcp/util/crypto.hpp"
#include "mcp/util/percent_encoding.hpp"
#include "mcp/util/strings.hpp"

namespace aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string hex_sha256(std::string_view data) {
  const auto d = mcp::util::sha256(data);
  return mcp::util::to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));  // NOLINT
}

std::string digest_bytes(const mcp::util::Sha256Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());  // NOLINT
}

struct Stamps {
  std::string date_time;  // 20150830T123600Z
  std::string date;       // 20150830
};

Stamps stamps(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  return {fmt::format("{:%Y%m%dT%H%M%SZ}", utc), fmt::format("{:%Y%m%d}", utc)};
}

// Lenient: a malformed escape is kept as written (it is then encoded).
std::string decoded(std::string_view s) {
  return mcp::util::percent_decode(s, false).value_or(std::string(s));
}

// RFC 3986 §5.2.4 dot-segment removal, plus collapsing empty segments.
std::string normalized_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const std::size_t end = std::min(path.find('/', pos), path.size());
    const std::string_view seg = path.substr(pos, end - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = end + 1;
  }
  std::string out;
  for (const auto seg : segments) {
    out += '/';
    out += seg;
  }
  // A trailing slash (or a final "." / "..") keeps the path a "directory".
  const bool trailing =
      !path.empty() && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (out.empty() || trailing) out += '/';
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos < query.size()) {
    const std::size_t end = std::min(query.find('&', pos), query.size());
    const std::string_view pair = query.substr(pos, end - pos);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string_view key = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      params.emplace_back(mcp::util::percent_encode(decoded(key)), mcp::util::percent_encode(decoded(value)));
    }
    pos = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

// Trims and collapses runs of spaces (folded header lines become one line).
std::string canonical_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;  // "name:value\n" lines
  std::string names;  // "a;b;c"
};

CanonicalHeaders canonical_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> merged;  // lower-case name -> values joined with ','
  for (const auto& [name, value] : headers) {
    std::string key = mcp::util::to_lower(name);
    std::string v = canonical_value(value);
    const auto it = std::find_if(merged.begin(), merged.end(), [&](const auto& m) { return m.first == key; });
    if (it != merged.end()) {
      it->second += ',';
      it->second += v;
    } else {
      merged.emplace_back(std::move(key), std::move(v));
    }
  }
  std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (const auto& [k, v] : merged) {
    out.block += fmt::format("{}:{}\n", k, v);
    if (!out.names.empty()) out.names += ';';
    out.names += k;
  }
  return out;
}

std::string scope_of(const Stamps& s, const SigningParams& p) {
  return fmt::format("{}/{}/{}/aws4_request", s.date, p.region, p.service);
}

std::string signature_of(const Credentials& c, const Stamps& s, const SigningParams& p,
                         std::string_view to_sign) {
  using mcp::util::HmacSha256;
  const std::string k_date = digest_bytes(HmacSha256::sign("AWS4" + c.secret_access_key, s.date));
  const std::string k_region = digest_bytes(HmacSha256::sign(k_date, p.region));
  const std::string k_service = digest_bytes(HmacSha256::sign(k_region, p.service));
  const std::string k_signing = digest_bytes(HmacSha256::sign(k_service, "aws4_request"));
  return mcp::util::to_hex(digest_bytes(HmacSha256::sign(k_signing, to_sign)));
}

std::string canonical_path(const SigningRequest& r, const SigningParams& p) {
  return mcp::util::percent_encode(p.normalize_path ? normalized_path(r.path) : r.path, true);
}

}  // namespace

Signature sign_headers(SigningRequest& request, const Credentials& credentials, const SigningParams& params) {
  const Stamps s = stamps(params.time);
  const std::string payload_hash = hex_sha256(request.body);
  request.headers.emplace_back("X-Amz-Date", s.date_time);
  if (!credentials.session_token.empty() && !params.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (params.sign_body) request.headers.emplace_back("X-Amz-Content-Sha256", payload_hash);
  const CanonicalHeaders h = canonical_headers(request.headers);
  Signature sig;
  sig.canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_path(request, params),
                  canonical_query(request.query), h.block, h.names, payload_hash);
  sig.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, s.date_time, scope_of(s, params),
                                   hex_sha256(sig.canonical_request));
  sig.signature = signature_of(credentials, s, params, sig.string_to_sign);
  sig.authorization = fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                                  credentials.access_key_id, scope_of(s, params), h.names, sig.signature);
  if (!credentials.session_token.empty() && params.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  request.headers.emplace_back("Authorization", sig.authorization);
  return sig;
}

Signature sign_query(SigningRequest& request, const Credentials& credentials, const SigningParams& params) {
  const Stamps s = stamps(params.time);
  const CanonicalHeaders h = canonical_headers(request.headers);
  std::string query = request.query;
  auto add = [&query](std::string_view key, std::string_view value) {
    if (!query.empty()) query += '&';
    query += fmt::format("{}={}", key, mcp::util::percent_encode(value));
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", fmt::format("{}/{}", credentials.access_key_id, scope_of(s, params)));
  add("X-Amz-Date", s.date_time);
  add("X-Amz-Expires", std::to_string(params.expires.count()));
  add("X-Amz-SignedHeaders", h.names);
  if (!credentials.session_token.empty() && !params.omit_session_token) {
    add("X-Amz-Security-Token", credentials.session_token);
  }
  Signature sig;
  sig.canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_path(request, params),
                  canonical_query(query), h.block, h.names, hex_sha256(request.body));
  sig.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, s.date_time, scope_of(s, params),
                                   hex_sha256(sig.canonical_request));
  sig.signature = signature_of(credentials, s, params, sig.string_to_sign);
  if (!credentials.session_token.empty() && params.omit_session_token) {
    add("X-Amz-Security-Token", credentials.session_token);
  }
  add("X-Amz-Signature", sig.signature);
  request.query = std::move(query);
  return sig;
}

}  // namespace aws
