// EC2 instance metadata, IMDSv2 only: a session token from PUT
// /latest/api/token, then the role name and its credentials.
#include <fmt/format.h>

#include "aws/credential_sources.hpp"
#include "aws/json_fields.hpp"
#include "aws/url.hpp"
#include "mcp/util/strings.hpp"

namespace aws::detail {

namespace {

constexpr std::string_view kDefaultEndpoint = "http://169.254.169.254";
constexpr std::string_view kDefaultEndpointIpv6 = "http://[fd00:ec2::254]";
constexpr std::string_view kCredentialsPath = "/latest/meta-data/iam/security-credentials/";

Error error(ErrorKind kind, std::string message, int status = 0) {
  return Error{kind, {}, std::move(message), status};
}

std::string endpoint(const EnvLookup& env) {
  std::string base;
  if (auto v = env("AWS_EC2_METADATA_SERVICE_ENDPOINT"); v && !v->empty()) {
    base = *v;
  } else if (mcp::util::to_lower(env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("")) == "ipv6") {
    base = kDefaultEndpointIpv6;
  } else {
    base = kDefaultEndpoint;
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

}  // namespace

CredentialsResult from_imds(const EnvLookup& env, const Transport& transport,
                            std::chrono::milliseconds timeout, const CallContext& call) {
  const std::string base = endpoint(env);
  if (!parse_url(base)) {
    return mcp::util::unexpected(
        error(ErrorKind::kConfig,
              fmt::format("AWS_EC2_METADATA_SERVICE_ENDPOINT {} is not an http(s) URL", redact_url(base))));
  }
  auto exchange = [&](std::string method, std::string_view path,
                      const std::vector<std::pair<std::string, std::string>>& headers) {
    mcp::http::ClientRequest r;
    r.method = std::move(method);
    r.url = base + std::string(path);
    for (auto& [k, v] : headers) r.headers.add(std::move(k), std::move(v));
    r.timeout = call.remaining(timeout);
    r.connect_timeout = r.timeout;
    r.max_response_bytes = std::size_t{64} * 1024;
    return transport(r, call);
  };
  auto cancelled_or = [&](Error e) -> CredentialsResult {
    if (call.is_cancelled()) return mcp::util::unexpected(error(ErrorKind::kCancelled, "cancelled"));
    return mcp::util::unexpected(std::move(e));
  };

  auto token = exchange("PUT", "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
  if (!token) return cancelled_or(error(ErrorKind::kTransport, token.error()));
  if (token->status != 200) {
    return cancelled_or(error(ErrorKind::kCredentials,
                              fmt::format("EC2 instance metadata refused a session token (HTTP {}); IMDSv2 "
                                          "may be blocked (hop limit?)",
                                          token->status),
                              token->status));
  }
  const std::string session(trim_whitespace(token->body));
  if (session.empty() || session.find_first_of("\r\n") != std::string::npos)
    return cancelled_or(
        error(ErrorKind::kProtocol, "EC2 instance metadata returned an unusable session token"));

  auto roles = exchange("GET", kCredentialsPath, {{"X-aws-ec2-metadata-token", session}});
  if (!roles) return cancelled_or(error(ErrorKind::kTransport, roles.error()));
  if (roles->status == 404) {
    return cancelled_or(error(ErrorKind::kCredentials,
                              "EC2 instance metadata: no IAM role is attached to this instance", 404));
  }
  if (roles->status != 200) {
    return cancelled_or(
        error(ErrorKind::kCredentials,
              fmt::format("EC2 instance metadata answered HTTP {} for the role name", roles->status),
              roles->status));
  }
  const std::string_view listing = trim_whitespace(roles->body);
  const std::string role(trim_whitespace(listing.substr(0, listing.find('\n'))));
  if (role.empty() || role.find_first_of("/?#") != std::string::npos)
    return cancelled_or(error(ErrorKind::kProtocol, "EC2 instance metadata returned no usable role name"));

  auto creds = exchange("GET", std::string(kCredentialsPath) + role, {{"X-aws-ec2-metadata-token", session}});
  if (!creds) return cancelled_or(error(ErrorKind::kTransport, creds.error()));
  if (creds->status != 200) {
    return cancelled_or(
        error(ErrorKind::kCredentials,
              fmt::format("EC2 instance metadata answered HTTP {} for the credentials of role {}",
                          creds->status, role),
              creds->status));
  }
  const auto j = parse_json(creds->body);
  if (const std::string code = string_field(j, "Code"); !code.empty() && code != "Success") {
    return cancelled_or(error(
        ErrorKind::kCredentials,
        fmt::format("EC2 instance metadata could not provide credentials for role {}: {}", role, code)));
  }
  return parse_endpoint_credentials(creds->body, "EC2 instance metadata");
}

}  // namespace aws::detail
