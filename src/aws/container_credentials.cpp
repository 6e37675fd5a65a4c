// The container credentials endpoint: ECS task roles (RELATIVE_URI), EKS Pod
// Identity and Lambda SnapStart (FULL_URI with an authorization token).
#include <fmt/format.h>

#include <charconv>

#include "aws/credential_sources.hpp"
#include "aws/json_fields.hpp"

namespace aws::detail {

namespace {

using std::chrono::milliseconds;

constexpr std::string_view kEcsHost = "http://169.254.170.2";
constexpr milliseconds kTimeout{5000};

Error error(ErrorKind kind, std::string message, int status = 0) {
  return Error{kind, {}, std::move(message), status};
}

std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

bool is_loopback_ipv4(std::string_view host) {
  int octets = 0;
  int first = -1;
  std::size_t pos = 0;
  while (pos <= host.size()) {
    const std::size_t end = std::min(host.find('.', pos), host.size());
    const std::string_view part = host.substr(pos, end - pos);
    int v = -1;
    const auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || part.size() > 3 || ec != std::errc{} || p != part.data() + part.size() || v > 255)
      return false;
    if (octets == 0) first = v;
    ++octets;
    pos = end + 1;
  }
  return octets == 4 && first == 127;
}

// The Authorization value: the token file (re-read each time; EKS rotates
// it) wins over the variable.
std::optional<std::string> authorization(const EnvLookup& env, Error& failure) {
  std::string token;
  if (auto file = non_empty(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::string why;
    auto text = read_small_file(*file, std::size_t{16} * 1024, why);
    if (!text) {
      failure = error(ErrorKind::kCredentials,
                      fmt::format("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}: {}", *file, why));
      return std::nullopt;
    }
    token = std::string(trim_whitespace(*text));
  } else if (auto value = non_empty(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    token = *value;
  } else {
    return std::string();
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    failure = error(ErrorKind::kCredentials,
                    "the container authorization token contains a line break; refusing to send it");
    return std::nullopt;
  }
  return token;
}

}  // namespace

bool container_host_allowed(const Url& url) {
  if (url.scheme == "https") return true;
  const std::string& h = url.host;
  return h == "localhost" || h == "[::1]" || h == "169.254.170.2" || h == "169.254.170.23" ||
         h == "[fd00:ec2::23]" || is_loopback_ipv4(h);
}

CredentialsResult from_container(const EnvLookup& env, const Transport& transport, const CallContext& call) {
  std::string target;
  if (auto relative = non_empty(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    target = fmt::format("{}{}{}", kEcsHost, relative->starts_with('/') ? "" : "/", *relative);
  } else if (auto full = non_empty(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    target = *full;
  } else {
    return mcp::util::unexpected(
        error(ErrorKind::kConfig, "no container credentials endpoint is configured"));
  }
  const auto url = parse_url(target);
  if (!url) {
    return mcp::util::unexpected(
        error(ErrorKind::kConfig, "the container credentials URI is not a valid http(s) URL"));
  }
  if (!container_host_allowed(*url)) {
    return mcp::util::unexpected(error(
        ErrorKind::kConfig,
        fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI host {} is not allowed: plain http only to loopback, "
                    "169.254.170.2, 169.254.170.23 or [fd00:ec2::23]; use https for other hosts",
                    url->host)));
  }
  Error failure;
  const auto auth = authorization(env, failure);
  if (!auth) return mcp::util::unexpected(std::move(failure));

  mcp::http::ClientRequest request;
  request.method = "GET";
  request.url = target;
  request.headers.add("Accept", "application/json");
  if (!auth->empty()) request.headers.add("Authorization", *auth);
  request.timeout = call.remaining(kTimeout);
  request.max_response_bytes = std::size_t{64} * 1024;
  const std::string where = fmt::format("container credentials endpoint {}{}", url->origin(), url->path);
  auto result = transport(request, call);
  if (!result) {
    if (call.is_cancelled()) return mcp::util::unexpected(error(ErrorKind::kCancelled, "cancelled"));
    return mcp::util::unexpected(error(ErrorKind::kTransport, fmt::format("{}: {}", where, result.error())));
  }
  if (result->status != 200) {
    const auto j = parse_json(result->body);
    std::string detail = string_field(j, "Code");
    if (const std::string m = string_field(j, "Message"); !m.empty())
      detail += (detail.empty() ? "" : ": ") + m.substr(0, 200);
    return mcp::util::unexpected(error(
        ErrorKind::kCredentials,
        fmt::format("{} answered HTTP {}{}{}", where, result->status, detail.empty() ? "" : " ", detail),
        result->status));
  }
  return parse_endpoint_credentials(result->body, where);
}

}  // namespace aws::detail
