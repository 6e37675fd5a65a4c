#include "aws/json_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "aws/backoff.hpp"
#include "aws/json_fields.hpp"
#include "aws/sigv4.hpp"
#include "aws/url.hpp"
#include "mcp/util/strings.hpp"

namespace aws {

namespace {

using std::chrono::milliseconds;

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

bool is_throttling_code(std::string_view code) {
  return one_of(code, {"ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException",
                       "RequestLimitExceeded", "ProvisionedThroughputExceededException", "RequestThrottled",
                       "RequestThrottledException", "SlowDown", "BandwidthLimitExceeded",
                       "EC2ThrottledException", "PriorRequestNotComplete"});
}

bool is_expired_token_code(std::string_view code) {
  return one_of(code, {"ExpiredTokenException", "ExpiredToken"});
}

bool is_transient_code(std::string_view code) {
  return one_of(code, {"ServiceUnavailableException", "ServiceUnavailable", "InternalFailure",
                       "InternalServerError", "InternalServerException", "InternalError", "RequestTimeout",
                       "RequestTimeoutException", "TransactionInProgressException"});
}

// The IAM action prefix of a service ("logs", "ce").
std::string iam_prefix(std::string_view service_id) {
  if (service_id == "CloudWatch Logs") return "logs";
  if (service_id == "Cost Explorer") return "ce";
  if (service_id == "STS") return "sts";
  std::string out;
  for (const char c : mcp::util::to_lower(service_id)) {
    if (c != ' ') out += c;
  }
  return out;
}

// One printable line, at most `max` bytes. Signature-mismatch messages can
// quote the canonical request, which holds the session token: cut there.
std::string one_line(std::string_view s, std::size_t max) {
  if (const auto at = s.find("The Canonical String"); at != std::string_view::npos) s = s.substr(0, at);
  std::string out;
  for (const char c : s) {
    if (out.size() >= max) {
      out += "…";
      break;
    }
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  }
  return std::string(mcp::util::trim(out));
}

std::string detail_of(std::string_view code, std::string_view message) {
  if (message.empty()) return std::string(code);
  return fmt::format("{}: {}", code, message);
}

std::string access_denied_message(std::string_view service_id, std::string_view operation,
                                  std::string_view code, std::string_view message) {
  const std::string permission =
      operation.empty() ? "" : fmt::format("{}:{}", iam_prefix(service_id), operation);
  if (permission.empty() || message.find(permission) != std::string_view::npos)
    return fmt::format("Access denied: {}", message.empty() ? code : message);
  return fmt::format("Access denied: the credentials lack {}{}", permission,
                     message.empty() ? "" : fmt::format(" ({})", message));
}

std::string credentials_message(std::string_view code, std::string_view message) {
  if (is_expired_token_code(code)) {
    return fmt::format(
        "AWS credentials have expired ({}) — refresh them (e.g. aws sso login) or unset "
        "AWS_SESSION_TOKEN",
        code);
  }
  if (one_of(code, {"InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
                    "IncompleteSignatureException"})) {
    return fmt::format(
        "AWS rejected the request signature ({}): check the secret access key and that the "
        "system clock is right (AWS refuses requests more than 5 minutes off)",
        detail_of(code, message));
  }
  if (one_of(code, {"MissingAuthenticationToken", "MissingAuthenticationTokenException"}))
    return fmt::format("AWS received no credentials ({})", detail_of(code, message));
  return fmt::format(
      "AWS did not accept the credentials ({}): check that AWS_ACCESS_KEY_ID, "
      "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN belong together and are current",
      detail_of(code, message));
}

// A Logs Insights query that does not compile says where.
std::string compile_error_suffix(const nlohmann::json& j) {
  const nlohmann::json* qce = member(j, "queryCompileError");
  if (qce == nullptr) return {};
  std::string out;
  if (const nlohmann::json* loc = member(*qce, "location")) {
    const auto start = integer_field(*loc, "startCharOffset");
    const auto end = integer_field(*loc, "endCharOffset");
    if (start && end) out += fmt::format(" at characters {}-{}", *start, *end);
  }
  if (const std::string m = one_line(string_field(*qce, "message"), 200); !m.empty()) out += ": " + m;
  return out.empty() ? out : " (query" + out + ")";
}

bool retryable(const Error& e) {
  if (e.kind == ErrorKind::kThrottled || e.kind == ErrorKind::kTransport) return true;
  if (e.kind != ErrorKind::kService) return false;
  // Logs' LimitExceededException means the Insights concurrency is used up
  // (or a page-rate limit): it clears as other queries finish.
  return e.http_status >= 500 || is_transient_code(e.code) || e.code == "LimitExceededException";
}

Error make_error(ErrorKind kind, std::string message, std::string code = {}, int status = 0) {
  return Error{kind, std::move(code), std::move(message), status};
}

}  // namespace

ServiceInfo cloudwatch_logs_service() {
  return ServiceInfo{"CloudWatch Logs", "logs", "logs", "Logs_20140328", false};
}

ServiceInfo cost_explorer_service() {
  return ServiceInfo{"Cost Explorer", "ce", "ce", "AWSInsightsIndexService", true};
}

std::string sanitize_error_code(std::string_view raw) {
  raw = raw.substr(0, raw.find(':'));
  if (const auto hash = raw.rfind('#'); hash != std::string_view::npos) raw = raw.substr(hash + 1);
  return std::string(mcp::util::trim(raw));
}

Error error_from_response(int status, const mcp::http::Headers& headers, std::string_view body,
                          std::string_view service_id, std::string_view operation) {
  const auto j = parse_json(body);
  const bool is_json = j.is_object();
  std::string code;
  if (const auto h = headers.get("x-amzn-ErrorType")) code = sanitize_error_code(*h);
  if (code.empty() && is_json) {
    for (const char* key : {"__type", "code", "Code"}) {
      code = sanitize_error_code(string_field(j, key));
      if (!code.empty()) break;
    }
  }
  std::string message;
  if (is_json) {
    for (const char* key : {"message", "Message", "errorMessage"}) {
      message = one_line(string_field(j, key), 500);
      if (!message.empty()) break;
    }
    message += compile_error_suffix(j);
  }

  if (code.empty()) {
    const std::string snippet = one_line(body.substr(0, 200), 200);
    if (status == 429)
      return make_error(ErrorKind::kThrottled,
                        fmt::format("{} throttled {} (HTTP 429)", service_id, operation), {}, status);
    if (status == 403) {
      return make_error(ErrorKind::kAccessDenied,
                        access_denied_message(service_id, operation, "HTTP 403", is_json ? message : snippet),
                        {}, status);
    }
    if (status >= 500) {
      return make_error(
          ErrorKind::kService,
          fmt::format("{} answered HTTP {}{}{}", service_id, status, snippet.empty() ? "" : ": ",
                      is_json && !message.empty() ? message : snippet),
          {}, status);
    }
    if (!is_json) {
      return make_error(ErrorKind::kProtocol,
                        fmt::format("{} answered HTTP {} with a body that is not JSON: {}", service_id,
                                    status, snippet.empty() ? "(empty)" : snippet),
                        {}, status);
    }
    return make_error(
        ErrorKind::kService,
        fmt::format("{} answered HTTP {}{}{}", service_id, status, message.empty() ? "" : ": ", message), {},
        status);
  }

  if (is_throttling_code(code) || (code == "LimitExceededException" && service_id == "Cost Explorer")) {
    return make_error(ErrorKind::kThrottled,
                      fmt::format("{} throttled {} ({})", service_id, operation, detail_of(code, message)),
                      code, status);
  }
  if (code == "ResourceNotFoundException")
    return make_error(ErrorKind::kNotFound, message.empty() ? code : message, code, status);
  if (is_expired_token_code(code) ||
      one_of(code, {"UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
                    "SignatureDoesNotMatch", "IncompleteSignature", "IncompleteSignatureException",
                    "MissingAuthenticationToken", "MissingAuthenticationTokenException", "AuthFailure"})) {
    return make_error(ErrorKind::kCredentials, credentials_message(code, message), code, status);
  }
  if (one_of(code, {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedException",
                    "AccessDeniedFault"}) ||
      status == 403) {
    return make_error(ErrorKind::kAccessDenied, access_denied_message(service_id, operation, code, message),
                      code, status);
  }
  return make_error(ErrorKind::kService, detail_of(code, message), code, status);
}

JsonClient::JsonClient(JsonClientOptions options)
    : options_(std::move(options)), jitter_(std::make_shared<Jitter>()) {
  if (!options_.env) options_.env = process_environment();
  const ServiceInfo& svc = options_.service;
  const std::string& region = options_.region;
  const bool china = region.starts_with("cn-");
  std::string fallback;
  if (svc.global) {
    // One endpoint per partition, signed for its home region.
    signing_region_ = china ? "cn-northwest-1" : "us-east-1";
    fallback = fmt::format("https://{}.{}.amazonaws.com{}", svc.endpoint_prefix, signing_region_,
                           china ? ".cn" : "");
  } else if (!region.empty()) {
    signing_region_ = region;
    fallback = fmt::format("https://{}.{}.amazonaws.com{}", svc.endpoint_prefix, region, china ? ".cn" : "");
  }
  endpoint_ = resolve_endpoint(svc.service_id, fallback, options_.env);
}

CallResult JsonClient::call(std::string_view operation, const std::string& body,
                            const CallContext& call) const {
  using mcp::util::unexpected;
  const ServiceInfo& svc = options_.service;
  if (signing_region_.empty()) {
    return unexpected(make_error(
        ErrorKind::kConfig,
        fmt::format("No AWS region for {}: set AWS_REGION (or region in the AWS profile)", svc.service_id)));
  }
  const auto url = parse_url(endpoint_);
  if (!url) {
    return unexpected(
        make_error(ErrorKind::kConfig, fmt::format("the {} endpoint \"{}\" is not an http(s) URL (check "
                                                   "AWS_ENDPOINT_URL)",
                                                   svc.service_id, redact_url(endpoint_))));
  }
  if (!options_.credentials || !options_.transport)
    return unexpected(
        make_error(ErrorKind::kConfig, "the AWS client has no credentials provider or transport"));

  const std::string target = fmt::format("{}.{}", svc.target_prefix, operation);
  const RetryPolicy& policy = options_.retry;
  const int max_attempts = std::max(1, policy.max_attempts);
  const auto cancelled = [] {
    return make_error(ErrorKind::kCancelled, "cancelled");
  };
  std::optional<Error> last;
  int sent = 0;
  const auto deadline_error = [&] {
    if (!last) {
      return make_error(ErrorKind::kDeadline, fmt::format("the deadline passed before {} {} could be sent",
                                                          svc.service_id, operation));
    }
    Error e = *last;
    e.message += fmt::format(" (stopped retrying after {} attempt{}: the deadline would pass)", sent,
                             sent == 1 ? "" : "s");
    return e;
  };
  bool refreshed = false;

  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (call.is_cancelled()) return unexpected(cancelled());
    if (Clock::now() >= call.deadline) return unexpected(deadline_error());
    if (options_.limiter && !options_.limiter->acquire(call))
      return unexpected(call.is_cancelled() ? cancelled() : deadline_error());
    auto credentials = options_.credentials->get(call);
    if (!credentials) return unexpected(std::move(credentials.error()));

    SigningRequest signing;
    signing.method = "POST";
    signing.path = url->path;
    signing.query = url->query;
    signing.headers = {
        {"Content-Type", "application/x-amz-json-1.1"}, {"Host", url->authority()}, {"X-Amz-Target", target}};
    signing.body = body;
    sign_headers(signing, *credentials,
                 SigningParams{.region = signing_region_,
                               .service = svc.signing_name,
                               .time = std::chrono::system_clock::now()});
    mcp::http::ClientRequest request;
    request.method = "POST";
    request.url = endpoint_;
    for (auto& [name, value] : signing.headers) request.headers.add(std::move(name), std::move(value));
    request.body = std::move(signing.body);
    request.timeout = call.remaining(policy.attempt_timeout);
    request.max_response_bytes = options_.max_response_bytes;
    ++sent;
    auto result = options_.transport(request, call);

    Error failure;
    if (!result) {
      if (call.is_cancelled()) return unexpected(cancelled());
      const std::string& why = result.error();
      if (why.starts_with(kResponseTooLarge)) {
        return unexpected(
            make_error(ErrorKind::kProtocol, fmt::format("{} {}: {}", svc.service_id, operation, why)));
      }
      if (why.starts_with(kTlsFailure)) {
        return unexpected(make_error(ErrorKind::kTransport,
                                     fmt::format("{} {} failed: {}", svc.service_id, operation, why)));
      }
      if (Clock::now() >= call.deadline) {
        return unexpected(make_error(
            ErrorKind::kDeadline,
            fmt::format("the deadline passed while waiting for {} {} ({})", svc.service_id, operation, why)));
      }
      failure =
          make_error(ErrorKind::kTransport, fmt::format("{} {} failed: {}", svc.service_id, operation, why));
    } else if (result->status >= 200 && result->status <= 299) {
      return std::move(result->body);
    } else {
      failure = error_from_response(result->status, result->headers, result->body, svc.service_id, operation);
      if (is_expired_token_code(failure.code)) {
        // Temporary credentials ran out between fetch and use: fetch anew, once.
        if (!refreshed) {
          refreshed = true;
          options_.credentials->invalidate();
          --attempt;
          continue;
        }
        return unexpected(std::move(failure));
      }
      if (!retryable(failure)) return unexpected(std::move(failure));
    }
    last = std::move(failure);
    if (attempt + 1 >= max_attempts) break;
    switch (sleep_within(jitter_->delay(attempt, policy.base, policy.cap), call)) {
      case WaitResult::kCancelled:
        return unexpected(cancelled());
      case WaitResult::kDeadline:
        return unexpected(deadline_error());
      case WaitResult::kDone:
        break;
    }
  }
  Error e = std::move(*last);
  e.message += fmt::format(" (gave up after {} attempts)", sent);
  return unexpected(std::move(e));
}

}  // namespace aws
