#pragma once
// AWS STS over its Query protocol (form-encoded POST, XML answers):
// AssumeRole (signed with the source credentials) and
// AssumeRoleWithWebIdentity (unsigned; the OIDC token is the proof).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/config.hpp"
#include "aws/credentials.hpp"
#include "aws/transport.hpp"

namespace aws::sts {

struct Endpoint {
  std::string url;             // https://sts.<region>.amazonaws.com, or an override
  std::string signing_region;  // us-east-1 for the global endpoint
};
// The regional endpoint (global when `region` is empty), overridable with
// AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL.
Endpoint endpoint_for(std::string_view region, const EnvLookup& env);

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;  // sanitised to [\w+=,.@-]{2,64}
  std::string external_id;   // optional
  std::chrono::seconds duration{3600};
};

CredentialsResult assume_role(const Credentials& source, const AssumeRoleParams& params,
                              std::string_view region, const EnvLookup& env, const Transport& transport,
                              const CallContext& call);

CredentialsResult assume_role_with_web_identity(const AssumeRoleParams& params,
                                                std::string_view web_identity_token, std::string_view region,
                                                const EnvLookup& env, const Transport& transport,
                                                const CallContext& call);

// Exposed for tests.
// A role session name AWS accepts: other characters become '-', at most 64.
std::string session_name(std::string_view wanted);
// The text of the first <tag>…</tag> in `xml` (entities decoded), nullopt when absent.
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag);
// Credentials from an STS answer, or the Error its <ErrorResponse> describes.
CredentialsResult parse_response(int status, std::string_view body, std::string_view action,
                                 std::string_view role_arn);

}  // namespace aws::sts
