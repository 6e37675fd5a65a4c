#pragma once
// Where AWS calls go and as whom, resolved the way the AWS SDKs and CLI do
// from the environment and the shared files (~/.aws/config, ~/.aws/credentials).
// Pure functions over an environment lookup, so every rule is unit-testable.
// The providers that need the network (web identity, container, IMDSv2,
// credential_process, assume-role) build on these.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sigv4.hpp"

namespace aws {

// Reads an environment variable (std::getenv in production).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

// One [section] of a shared file: key -> value (keys lower-cased).
using Profile = std::map<std::string, std::string>;
using Profiles = std::map<std::string, Profile>;

// Parses a shared config or credentials file (INI). In the config file named
// profiles are "[profile name]" and "[default]" is "default"; in the
// credentials file sections are bare names. Comments (# ;) and blank lines
// are skipped; indented lines (nested sub-sections) are ignored.
Profiles parse_profiles(std::string_view text, bool config_file);

// The profile name: AWS_PROFILE, else "default".
std::string profile_name(const EnvLookup& env);

// Region: explicit, AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`.
std::optional<std::string> resolve_region(std::string_view explicit_region, const EnvLookup& env,
                                          const Profiles& config, std::string_view profile);

// Endpoint for a service: AWS_ENDPOINT_URL_<SERVICE_ID> (the service id in
// upper case with spaces as underscores, e.g. "CloudWatch Logs" ->
// CLOUDWATCH_LOGS), else AWS_ENDPOINT_URL, else `default_url`. Both are
// ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
std::string resolve_endpoint(std::string_view service_id, std::string_view default_url, const EnvLookup& env);

// Static credentials: the environment (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
// [+ AWS_SESSION_TOKEN]) first, else the profile's keys in the credentials
// file, else in the config file. nullopt when none are configured.
std::optional<Credentials> static_credentials(const EnvLookup& env, const Profiles& credentials,
                                              const Profiles& config, std::string_view profile);

}  // namespace aws
