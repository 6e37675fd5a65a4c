#pragma once
// The AWS SDKs' default credential chain, with caching until shortly before
// expiry. Providers that need the network (STS web identity and assume-role,
// the container endpoint, IMDSv2) and credential_process use the injected
// Transport and the caller's deadline, so tests point them at loopback doubles.
#include <chrono>
#include <memory>
#include <string>

#include "aws/config.hpp"
#include "aws/error.hpp"
#include "aws/transport.hpp"
#include "mcp/util/expected.hpp"

namespace aws {

using CredentialsResult = mcp::util::Expected<Credentials, Error>;

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Thread-safe. Returns cached credentials while they are valid for at least
  // the refresh margin; otherwise fetches (one fetch at a time).
  virtual CredentialsResult get(const CallContext& call) = 0;
  // Drops the cache (after an ExpiredToken error), so the next get() fetches.
  virtual void invalidate() = 0;
  // Which source answered last ("environment", "profile default", "container", ...), for logs.
  virtual std::string source() const = 0;
};

struct ChainOptions {
  EnvLookup env;        // process_environment() in production
  Transport transport;  // outbound HTTP for STS, container, IMDS
  std::string
      home_dir;  // where ~/.aws lives (empty: $HOME); AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE override
  // Region for STS (web identity, role profiles); empty: AWS_REGION,
  // AWS_DEFAULT_REGION, the profile's region, else the global endpoint.
  std::string region;
  // Refresh temporary credentials this long before they expire.
  std::chrono::seconds refresh_margin{300};
  std::chrono::milliseconds imds_timeout{1000};      // per IMDS request; IMDS is absent off EC2
  std::chrono::milliseconds process_timeout{30000};  // credential_process
};

// Environment -> shared profile (static keys, credential_process,
// role_arn + source_profile / credential_source) -> web identity
// (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) -> container
// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with
// AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]) -> IMDSv2 (unless
// AWS_EC2_METADATA_DISABLED=true). The first provider that is configured
// answers; its failure is reported, not skipped (as the SDKs do).
std::shared_ptr<CredentialsProvider> default_chain(ChainOptions options);

// Credentials of `role_arn`, assumed with STS AssumeRole using `source`
// (cached, refreshed before expiry). `region` picks the regional STS endpoint
// (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL override it).
struct AssumeRoleOptions {
  std::string role_arn;
  std::string session_name = "bedrock-usage-mcp";
  std::string external_id;  // optional
  std::chrono::seconds duration{3600};
  std::string region;
  EnvLookup env;
  Transport transport;
  std::chrono::seconds refresh_margin{300};
};
std::shared_ptr<CredentialsProvider> assume_role(std::shared_ptr<CredentialsProvider> source,
                                                 AssumeRoleOptions options);

// Fixed credentials (tests, explicit configuration).
std::shared_ptr<CredentialsProvider> static_provider(Credentials credentials);

}  // namespace aws
