// Helpers the credential sources share, and the web identity source.
#include "aws/credential_sources.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "aws/json_fields.hpp"
#include "aws/sts.hpp"
#include "aws/timestamp.hpp"

namespace aws::detail {

std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  out.resize(max_bytes + 1);
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(in.gcount()));
  if (out.size() > max_bytes) {
    why = fmt::format("larger than {} bytes", max_bytes);
    return std::nullopt;
  }
  return out;
}

CredentialsResult parse_endpoint_credentials(std::string_view body, std::string_view source) {
  const auto j = parse_json(body);
  if (!j.is_object()) {
    return mcp::util::unexpected(Error{
        ErrorKind::kProtocol, {}, fmt::format("{} answered with something that is not JSON", source), 0});
  }
  Credentials c;
  c.access_key_id = string_field(j, "AccessKeyId");
  c.secret_access_key = string_field(j, "SecretAccessKey");
  c.session_token = string_field(j, "Token");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return mcp::util::unexpected(Error{
        ErrorKind::kProtocol, {}, fmt::format("{} answered without AccessKeyId/SecretAccessKey", source), 0});
  }
  if (const std::string exp = string_field(j, "Expiration"); !exp.empty()) {
    const auto when = parse_iso8601(exp);
    if (!when) {
      return mcp::util::unexpected(Error{
          ErrorKind::kProtocol, {}, fmt::format("{} answered with an unreadable Expiration", source), 0});
    }
    c.expiration = *when;
  }
  return c;
}

std::string_view trim_whitespace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

std::string default_session_name() {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return fmt::format("bedrock-usage-mcp-{}", now.count());
}

CredentialsResult from_web_identity(const std::string& token_file, const std::string& role_arn,
                                    const std::string& session_name, const std::string& region,
                                    const EnvLookup& env, const Transport& transport,
                                    const CallContext& call) {
  // Re-read on every refresh: the orchestrator (EKS, GitHub Actions)
  // rotates the token in place.
  std::string why;
  const auto token = read_small_file(token_file, std::size_t{64} * 1024, why);
  if (!token) {
    return mcp::util::unexpected(
        Error{ErrorKind::kCredentials,
              {},
              fmt::format("cannot read the web identity token file {}: {}", token_file, why),
              0});
  }
  const std::string_view trimmed = trim_whitespace(*token);
  if (trimmed.empty()) {
    return mcp::util::unexpected(Error{
        ErrorKind::kCredentials, {}, fmt::format("the web identity token file {} is empty", token_file), 0});
  }
  sts::AssumeRoleParams params;
  params.role_arn = role_arn;
  params.session_name = session_name.empty() ? default_session_name() : session_name;
  return sts::assume_role_with_web_identity(params, trimmed, region, env, transport, call);
}

}  // namespace aws::detail
