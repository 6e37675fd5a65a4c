#include "aws/sts.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "aws/backoff.hpp"
#include "aws/sigv4.hpp"
#include "aws/timestamp.hpp"
#include "aws/url.hpp"
#include "mcp/util/percent_encoding.hpp"

namespace aws::sts {

namespace {

using std::chrono::milliseconds;

constexpr int kMaxAttempts = 3;
constexpr milliseconds kAttemptTimeout{10000};
constexpr milliseconds kBackoffBase{100};
constexpr milliseconds kBackoffCap{2000};

Error error(ErrorKind kind, std::string message, std::string code = {}, int status = 0) {
  return Error{kind, std::move(code), std::move(message), status};
}

// The inside of the first <tag ...>…</tag>, undecoded; "" for <tag/>.
std::optional<std::string_view> raw_inner(std::string_view xml, std::string_view tag) {
  std::size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    const std::size_t name_at = pos + 1;
    if (xml.compare(name_at, tag.size(), tag) != 0) {
      ++pos;
      continue;
    }
    const std::size_t after = name_at + tag.size();
    if (after >= xml.size()) return std::nullopt;
    const char c = xml[after];
    if (c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      ++pos;
      continue;
    }
    const std::size_t open_end = xml.find('>', after);
    if (open_end == std::string_view::npos) return std::nullopt;
    if (xml[open_end - 1] == '/') return std::string_view{};
    const std::string close = fmt::format("</{}>", tag);
    const std::size_t close_at = xml.find(close, open_end + 1);
    if (close_at == std::string_view::npos) return std::nullopt;
    return xml.substr(open_end + 1, close_at - open_end - 1);
  }
  return std::nullopt;
}

std::string xml_unescape(std::string_view s) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (s.compare(i, entity.size(), entity) == 0) {
          out += c;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

// One line, printable, bounded: AWS messages go into our errors verbatim.
std::string clean(std::string_view s, std::size_t max = 300) {
  std::string out;
  for (const char c : s) {
    if (out.size() >= max) {
      out += "…";
      break;
    }
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out;
}

Error error_from_xml(int status, std::string_view body, std::string_view action, std::string_view role_arn) {
  const auto block = raw_inner(body, "Error");
  if (!block) {
    return error(ErrorKind::kProtocol,
                 fmt::format("STS {} answered HTTP {} without an error document: {}", action, status,
                             clean(body.substr(0, 200), 200)),
                 {}, status);
  }
  const std::string code = xml_text(*block, "Code").value_or("");
  const std::string message = clean(xml_text(*block, "Message").value_or(""));
  const std::string detail = message.empty() ? code : fmt::format("{}: {}", code, message);
  if (code == "AccessDenied") {
    return error(
        ErrorKind::kAccessDenied,
        fmt::format("STS {} of {} was denied ({}). The caller needs sts:{} on the role, and the role's "
                    "trust policy must allow the caller",
                    action, role_arn, detail, action),
        code, status);
  }
  if (code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded")
    return error(ErrorKind::kThrottled, fmt::format("STS {} was throttled ({})", action, detail), code,
                 status);
  if (code == "RegionDisabledException") {
    return error(
        ErrorKind::kConfig,
        fmt::format("STS is not activated in this region ({}); activate it in IAM or set another region",
                    detail),
        code, status);
  }
  if (code == "ExpiredToken" || code == "ExpiredTokenException" || code == "InvalidClientTokenId" ||
      code == "SignatureDoesNotMatch" || code == "IncompleteSignature" || code == "InvalidIdentityToken" ||
      code == "MissingAuthenticationToken") {
    // Signature mismatch messages can quote the canonical request, which holds the token.
    const std::string safe = code == "SignatureDoesNotMatch" ? code : detail;
    return error(ErrorKind::kCredentials,
                 fmt::format("STS {} for {} rejected the credentials ({})", action, role_arn, safe), code,
                 status);
  }
  return error(ErrorKind::kService, fmt::format("STS {} for {} failed: {}", action, role_arn, detail), code,
               status);
}

bool retryable(const Error& e) {
  return e.kind == ErrorKind::kThrottled || e.kind == ErrorKind::kTransport || e.http_status >= 500 ||
         e.code == "IDPCommunicationError";
}

// Sends one STS Query call (signed when `source` is given), retrying
// throttling, 5xx and network failures a few times within the deadline.
CredentialsResult call_sts(std::string_view action, const std::string& form, const Credentials* source,
                           std::string_view role_arn, std::string_view region, const EnvLookup& env,
                           const Transport& transport, const CallContext& call) {
  const Endpoint ep = endpoint_for(region, env);
  const auto url = parse_url(ep.url);
  if (!url)
    return mcp::util::unexpected(
        error(ErrorKind::kConfig, fmt::format("bad STS endpoint URL {}", redact_url(ep.url))));
  Jitter jitter;
  Error last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) {
      const WaitResult w = sleep_within(jitter.delay(attempt - 1, kBackoffBase, kBackoffCap), call);
      if (w == WaitResult::kCancelled)
        return mcp::util::unexpected(error(ErrorKind::kCancelled, "cancelled"));
      if (w == WaitResult::kDeadline) return mcp::util::unexpected(std::move(last));
    }
    if (call.is_cancelled()) return mcp::util::unexpected(error(ErrorKind::kCancelled, "cancelled"));
    if (Clock::now() >= call.deadline) {
      return mcp::util::unexpected(
          error(ErrorKind::kDeadline, fmt::format("the deadline passed before STS {} answered", action)));
    }
    SigningRequest signing;
    signing.method = "POST";
    signing.path = url->path;
    signing.query = url->query;
    signing.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                       {"Host", url->authority()}};
    signing.body = form;
    if (source != nullptr) {
      sign_headers(
          signing, *source,
          SigningParams{
              .region = ep.signing_region, .service = "sts", .time = std::chrono::system_clock::now()});
    }
    mcp::http::ClientRequest request;
    request.method = "POST";
    request.url = ep.url;
    for (auto& [name, value] : signing.headers) request.headers.add(name, value);
    request.body = form;
    request.timeout = call.remaining(kAttemptTimeout);
    request.max_response_bytes = std::size_t{1} << 20;
    auto result = transport(request, call);
    if (!result) {
      if (call.is_cancelled()) return mcp::util::unexpected(error(ErrorKind::kCancelled, "cancelled"));
      last = error(ErrorKind::kTransport,
                   fmt::format("STS {} at {} failed: {}", action, url->origin(), result.error()));
      continue;
    }
    auto parsed = parse_response(result->status, result->body, action, role_arn);
    if (parsed || !retryable(parsed.error())) return parsed;
    last = std::move(parsed.error());
  }
  return mcp::util::unexpected(std::move(last));
}

void add_param(std::string& form, std::string_view key, std::string_view value) {
  if (!form.empty()) form += '&';
  form += key;
  form += '=';
  form += mcp::util::percent_encode(value);
}

}  // namespace

Endpoint endpoint_for(std::string_view region, const EnvLookup& env) {
  std::string fallback = region.empty() ? "https://sts.amazonaws.com"
                                        : fmt::format("https://sts.{}.amazonaws.com{}", region,
                                                      region.starts_with("cn-") ? ".cn" : "");
  return Endpoint{resolve_endpoint("STS", fallback, env), region.empty() ? "us-east-1" : std::string(region)};
}

std::string session_name(std::string_view wanted) {
  std::string out;
  for (const char c : wanted) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("_+=,.@-").find(c) != std::string_view::npos;
    out += ok ? c : '-';
    if (out.size() == 64) break;
  }
  if (out.size() < 2) out = "bedrock-usage-mcp";
  return out;
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view tag) {
  const auto inner = raw_inner(xml, tag);
  if (!inner) return std::nullopt;
  return xml_unescape(*inner);
}

CredentialsResult parse_response(int status, std::string_view body, std::string_view action,
                                 std::string_view role_arn) {
  if (status < 200 || status > 299)
    return mcp::util::unexpected(error_from_xml(status, body, action, role_arn));
  const auto block = raw_inner(body, "Credentials");
  if (!block) {
    return mcp::util::unexpected(error(
        ErrorKind::kProtocol, fmt::format("STS {} answered without <Credentials>", action), {}, status));
  }
  Credentials c;
  c.access_key_id = xml_text(*block, "AccessKeyId").value_or("");
  c.secret_access_key = xml_text(*block, "SecretAccessKey").value_or("");
  c.session_token = xml_text(*block, "SessionToken").value_or("");
  const std::string expiration = xml_text(*block, "Expiration").value_or("");
  const auto when = parse_iso8601(expiration);
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty() || !when) {
    return mcp::util::unexpected(error(ErrorKind::kProtocol,
                                       fmt::format("STS {} answered with incomplete credentials", action), {},
                                       status));
  }
  c.expiration = *when;
  return c;
}

CredentialsResult assume_role(const Credentials& source, const AssumeRoleParams& params,
                              std::string_view region, const EnvLookup& env, const Transport& transport,
                              const CallContext& call) {
  std::string form;
  add_param(form, "Action", "AssumeRole");
  add_param(form, "Version", "2011-06-15");
  add_param(form, "RoleArn", params.role_arn);
  add_param(form, "RoleSessionName", session_name(params.session_name));
  add_param(form, "DurationSeconds", std::to_string(params.duration.count()));
  if (!params.external_id.empty()) add_param(form, "ExternalId", params.external_id);
  return call_sts("AssumeRole", form, &source, params.role_arn, region, env, transport, call);
}

CredentialsResult assume_role_with_web_identity(const AssumeRoleParams& params,
                                                std::string_view web_identity_token, std::string_view region,
                                                const EnvLookup& env, const Transport& transport,
                                                const CallContext& call) {
  std::string form;
  add_param(form, "Action", "AssumeRoleWithWebIdentity");
  add_param(form, "Version", "2011-06-15");
  add_param(form, "RoleArn", params.role_arn);
  add_param(form, "RoleSessionName", session_name(params.session_name));
  add_param(form, "DurationSeconds", std::to_string(params.duration.count()));
  add_param(form, "WebIdentityToken", web_identity_token);
  return call_sts("AssumeRoleWithWebIdentity", form, nullptr, params.role_arn, region, env, transport, call);
}

}  // namespace aws::sts
