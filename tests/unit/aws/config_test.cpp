#include "aws/config.hpp"

#include <gtest/gtest.h>

namespace aws {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

constexpr std::string_view kConfig = R"(# shared config
[default]
region = eu-west-1

[profile prod]
region=us-west-2 ; inline comment
role_arn = arn:aws:iam::123456789012:role/reader
source_profile = default
s3 =
  max_concurrent_requests = 20

[sso-session corp]
sso_region = us-east-1

[profile keys-in-config]
aws_access_key_id = AKIDCONFIG
aws_secret_access_key = secret#with#hash
)";

constexpr std::string_view kCredentials =
    "[default]\r\naws_access_key_id = AKIDFILE\r\naws_secret_access_key = S3CRET\r\n"
    "aws_session_token = TOKEN\r\n[prod]\naws_access_key_id=AKIDPROD\n"
    "aws_secret_access_key=PRODSECRET\n";

TEST(AwsConfig, ParsesSharedFiles) {
  const Profiles config = parse_profiles(kConfig, true);
  ASSERT_TRUE(config.count("default"));
  ASSERT_TRUE(config.count("prod"));
  EXPECT_FALSE(config.count("corp"));  // an sso-session section is not a profile
  EXPECT_EQ(config.at("default").at("region"), "eu-west-1");
  EXPECT_EQ(config.at("prod").at("region"), "us-west-2");
  EXPECT_EQ(config.at("prod").at("source_profile"), "default");
  EXPECT_FALSE(config.at("prod").count("max_concurrent_requests"));  // nested under s3
  EXPECT_EQ(config.at("keys-in-config").at("aws_secret_access_key"), "secret#with#hash");
  const Profiles creds = parse_profiles(kCredentials, false);
  EXPECT_EQ(creds.at("default").at("aws_session_token"), "TOKEN");  // CRLF line ends
  EXPECT_EQ(creds.at("prod").at("aws_access_key_id"), "AKIDPROD");
}

TEST(AwsConfig, RegionPrecedence) {
  const Profiles config = parse_profiles(kConfig, true);
  EXPECT_EQ(resolve_region("ap-south-1", env_of({{"AWS_REGION", "x"}}), config, "default"), "ap-south-1");
  EXPECT_EQ(resolve_region("", env_of({{"AWS_REGION", "a"}, {"AWS_DEFAULT_REGION", "b"}}), config, "default"),
            "a");
  EXPECT_EQ(resolve_region("", env_of({{"AWS_DEFAULT_REGION", "b"}}), config, "default"), "b");
  EXPECT_EQ(resolve_region("", env_of({}), config, "prod"), "us-west-2");
  EXPECT_EQ(resolve_region("", env_of({}), config, "missing"), std::nullopt);
  EXPECT_EQ(profile_name(env_of({{"AWS_PROFILE", "prod"}})), "prod");
  EXPECT_EQ(profile_name(env_of({})), "default");
}

TEST(AwsConfig, EndpointOverridesFollowTheSdkConvention) {
  const std::string logs = "https://logs.us-east-1.amazonaws.com";
  EXPECT_EQ(resolve_endpoint("CloudWatch Logs", logs, env_of({})), logs);
  EXPECT_EQ(resolve_endpoint("CloudWatch Logs", logs, env_of({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}})),
            "http://127.0.0.1:1");
  EXPECT_EQ(resolve_endpoint(
                "CloudWatch Logs", logs,
                env_of({{"AWS_ENDPOINT_URL", "http://a"}, {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://b"}})),
            "http://b");
  EXPECT_EQ(resolve_endpoint("Cost Explorer", "https://ce.us-east-1.amazonaws.com",
                             env_of({{"AWS_ENDPOINT_URL_COST_EXPLORER", "http://c"}})),
            "http://c");
  EXPECT_EQ(resolve_endpoint("STS", "https://sts.amazonaws.com",
                             env_of({{"AWS_ENDPOINT_URL_STS", "http://s"},
                                     {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}})),
            "https://sts.amazonaws.com");
}

TEST(AwsConfig, StaticCredentialPrecedence) {
  const Profiles config = parse_profiles(kConfig, true);
  const Profiles creds = parse_profiles(kCredentials, false);
  auto env = env_of({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"}});
  auto c = static_credentials(env, creds, config, "default");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token, "");
  // Half-set environment keys do not count.
  c = static_credentials(env_of({{"AWS_ACCESS_KEY_ID", "AKIDENV"}}), creds, config, "default");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDFILE");
  EXPECT_EQ(c->session_token, "TOKEN");
  c = static_credentials(env_of({}), creds, config, "keys-in-config");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret_access_key, "secret#with#hash");
  EXPECT_FALSE(static_credentials(env_of({}), creds, config, "nobody"));
}

}  // namespace
}  // namespace aws
