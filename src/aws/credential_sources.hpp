#pragma once
// The individual credential sources behind the default chain. Each returns
// credentials or an Error whose message says which source failed and why,
// never a secret. Internal to the aws module (and its tests).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/config.hpp"
#include "aws/credentials.hpp"
#include "aws/transport.hpp"
#include "aws/url.hpp"

namespace aws::detail {

// credential_process: runs `/bin/sh -c command` (with this process's real
// environment, stdin on /dev/null), reads its JSON from stdout.
CredentialsResult from_process(const std::string& command, std::chrono::milliseconds timeout,
                               const CallContext& call);
// The JSON a credential_process prints (Version 1).
CredentialsResult parse_process_output(std::string_view text);

// The ECS / EKS Pod Identity / Lambda SnapStart endpoint named by
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI.
CredentialsResult from_container(const EnvLookup& env, const Transport& transport, const CallContext& call);
// Whether a plain-http FULL_URI may be used (loopback or the ECS/EKS link-local hosts).
bool container_host_allowed(const Url& url);

// EC2 instance metadata (IMDSv2). An Error of kind kTransport means the
// service did not answer at all (not on EC2).
CredentialsResult from_imds(const EnvLookup& env, const Transport& transport,
                            std::chrono::milliseconds timeout, const CallContext& call);

// STS AssumeRoleWithWebIdentity with the token read from `token_file` now.
CredentialsResult from_web_identity(const std::string& token_file, const std::string& role_arn,
                                    const std::string& session_name, const std::string& region,
                                    const EnvLookup& env, const Transport& transport,
                                    const CallContext& call);

// The shared config and credentials files as read for one resolution.
struct SharedFiles {
  Profiles config;
  Profiles credentials;
  std::string config_path;
  std::string credentials_path;
};
// AWS_CONFIG_FILE (default <home>/.aws/config), AWS_SHARED_CREDENTIALS_FILE
// (default <home>/.aws/credentials); a missing file is an empty one.
SharedFiles load_shared_files(const EnvLookup& env, const std::string& home);
bool profile_exists(const SharedFiles& files, const std::string& name);

struct ProfileSettings {
  const EnvLookup& env;
  const Transport& transport;
  const SharedFiles& files;
  std::string region;  // for STS; empty: the global endpoint
  std::chrono::milliseconds process_timeout;
  std::chrono::milliseconds imds_timeout;
};
// Credentials from profile `name`: static keys, role_arn (+ source_profile,
// credential_source or web_identity_token_file), credential_process. The
// credentials file's settings win over the config file's. nullopt when the
// profile holds no credential settings. `source` says what answered.
std::optional<CredentialsResult> from_profile(const ProfileSettings& settings, const std::string& name,
                                              const CallContext& call, std::string& source);

// Reads a small file whole; nullopt (and `why`) when it cannot.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes, std::string& why);

// Credentials JSON as the container endpoint and IMDS serve it
// (AccessKeyId, SecretAccessKey, Token, Expiration).
CredentialsResult parse_endpoint_credentials(std::string_view body, std::string_view source);

// `text` without leading and trailing whitespace (line breaks included).
std::string_view trim_whitespace(std::string_view text);

// A session name with the time in it, so CloudTrail tells sessions apart.
std::string default_session_name();

}  // namespace aws::detail
