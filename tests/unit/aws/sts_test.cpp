#include "aws/sts.hpp"

#include <gtest/gtest.h>

#include "aws/credential_sources.hpp"
#include "aws/timestamp.hpp"
#include "aws/url.hpp"
#include "aws_test_support.hpp"

namespace aws {
namespace {

using namespace std::chrono;
using testing::env_of;

TEST(AwsTimestamp, ParsesAwsExpirations) {
  const auto base = parse_iso8601("2026-11-21T12:00:00Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(duration_cast<seconds>(base->time_since_epoch()).count(), 1795262400);
  EXPECT_EQ(*parse_iso8601("2026-11-21T12:00:00.250Z") - *base, milliseconds{250});
  EXPECT_EQ(*parse_iso8601("2026-11-21T13:30:00+01:30"), *base);
  EXPECT_EQ(*parse_iso8601("2026-11-21T10:00:00-0200"), *base);
  EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00Z"));
  for (const char* bad :
       {"", "2026-11-21", "2026-11-21T12:00:00", "2026-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2026-11-21T24:00:00Z", "2026-11-21T12:00:00.Z", "2026-11-21T12:00:00Zjunk"}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

TEST(AwsSts, XmlText) {
  const std::string xml =
      "<A><CredentialsX>no</CredentialsX><Credentials "
      "attr=\"1\"><AccessKeyId>AK&lt;&gt;&amp;&quot;&apos;&amp;amp;"
      "</AccessKeyId><Empty/></Credentials></A>";
  EXPECT_EQ(sts::xml_text(xml, "AccessKeyId"), "AK<>&\"'&amp;");
  EXPECT_EQ(sts::xml_text(xml, "Empty"), "");
  EXPECT_FALSE(sts::xml_text(xml, "Missing"));
  EXPECT_FALSE(sts::xml_text("<Open>never closed", "Open"));
  EXPECT_EQ(sts::xml_text(xml, "Credentials")->rfind("<AccessKeyId>", 0), 0u);
}

TEST(AwsSts, ParsesAnswersAndErrors) {
  auto ok =
      sts::parse_response(200,
                          "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId>"
                          "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
                          "<Expiration>2026-11-21T12:00:00.123Z</Expiration></Credentials></AssumeRoleResult>"
                          "</AssumeRoleResponse>",
                          "AssumeRole", "arn");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->access_key_id, "ASIA");
  EXPECT_EQ(ok->expiration, *parse_iso8601("2026-11-21T12:00:00.123Z"));

  auto incomplete = sts::parse_response(200, "<Credentials><AccessKeyId>A</AccessKeyId></Credentials>",
                                        "AssumeRole", "arn");
  ASSERT_FALSE(incomplete);
  EXPECT_EQ(incomplete.error().kind, ErrorKind::kProtocol);

  auto expired =
      sts::parse_response(400,
                          "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security token "
                          "included in the request is expired</Message></Error></ErrorResponse>",
                          "AssumeRole", "arn:r");
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().kind, ErrorKind::kCredentials);
  EXPECT_EQ(expired.error().code, "ExpiredToken");
  EXPECT_EQ(expired.error().http_status, 400);

  auto mismatch = sts::parse_response(
      403,
      "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The Canonical String for this "
      "request "
      "should have been 'x-amz-security-token:SECRETTOKEN'</Message></Error></ErrorResponse>",
      "AssumeRole", "arn:r");
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().message.find("SECRETTOKEN"), std::string::npos);

  auto html = sts::parse_response(502, "<html>Bad gateway</html>", "AssumeRole", "arn:r");
  ASSERT_FALSE(html);
  EXPECT_EQ(html.error().kind, ErrorKind::kProtocol);
  EXPECT_EQ(html.error().http_status, 502);
}

TEST(AwsSts, RetriesThrottlingThenSucceeds) {
  testing::FakeTransport fake;
  int n = 0;
  fake.handler = [&](const mcp::http::ClientRequest&) {
    if (++n == 1) {
      return testing::reply(400,
                            "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message>"
                            "</Error></ErrorResponse>");
    }
    return testing::reply(200,
                          "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
                          "<SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
                          "</Credentials>");
  };
  sts::AssumeRoleParams p{"arn:aws:iam::1:role/x", "s", "", seconds{900}};
  auto r = sts::assume_role(Credentials{"AK", "S", ""}, p, "us-east-1", env_of({}), fake.transport(),
                            CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(fake.count(), 2u);
}

TEST(AwsSts, EndpointsAndSessionNames) {
  EXPECT_EQ(sts::endpoint_for("", env_of({})).url, "https://sts.amazonaws.com");
  EXPECT_EQ(sts::endpoint_for("", env_of({})).signing_region, "us-east-1");
  EXPECT_EQ(sts::endpoint_for("eu-west-1", env_of({})).url, "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(sts::endpoint_for("cn-north-1", env_of({})).url, "https://sts.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(sts::endpoint_for("eu-west-1", env_of({{"AWS_ENDPOINT_URL", "http://localhost:4566"}})).url,
            "http://localhost:4566");
  EXPECT_EQ(sts::endpoint_for("eu-west-1", env_of({{"AWS_ENDPOINT_URL_STS", "http://sts.local"}})).url,
            "http://sts.local");
  EXPECT_EQ(sts::session_name("me@corp.com"), "me@corp.com");
  EXPECT_EQ(sts::session_name("a b/c"), "a-b-c");
  EXPECT_EQ(sts::session_name(std::string(100, 'x')).size(), 64u);
  EXPECT_EQ(sts::session_name(""), "bedrock-usage-mcp");
}

TEST(AwsUrl, Parses) {
  auto u = parse_url("HTTP://LocalHost:4566/some/path?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 4566);
  EXPECT_EQ(u->path, "/some/path");
  EXPECT_EQ(u->query, "x=1");
  EXPECT_EQ(u->authority(), "localhost:4566");
  EXPECT_EQ(parse_url("https://logs.us-east-1.amazonaws.com")->path, "/");
  EXPECT_EQ(parse_url("https://h:443/")->authority(), "h");
  EXPECT_EQ(parse_url("http://[::1]:8080")->authority(), "[::1]:8080");
  EXPECT_EQ(parse_url("http://[fd00:ec2::23]/x")->host, "[fd00:ec2::23]");
  for (const char* bad : {"", "logs.amazonaws.com", "ftp://h/", "http://user@h/", "http://h:0/",
                          "http://h:99999/", "http:///x", "http://[::1/"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}

TEST(AwsUrl, RedactsSecretsForMessages) {
  EXPECT_EQ(redact_url("https://user:pass@proxy.example:8443/p?token=x#f"), "https://…@proxy.example:8443/p");
  EXPECT_EQ(redact_url("http://127.0.0.1:4566/path?X-Amz-Security-Token=abc"), "http://127.0.0.1:4566/path");
  EXPECT_EQ(redact_url("user:pw@host/x"), "…@host/x");      // no scheme: still no user info
  EXPECT_EQ(redact_url("https://h/p@q"), "https://h/p@q");  // '@' in the path is not user info
}

TEST(AwsCredentialSources, ProcessOutput) {
  auto ok = detail::parse_process_output(
      R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":"T","Expiration":"2026-11-21T12:00:00+00:00"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->expiration, *parse_iso8601("2026-11-21T12:00:00Z"));
  auto long_term = detail::parse_process_output(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"})");
  ASSERT_TRUE(long_term);
  EXPECT_EQ(long_term->expiration, std::chrono::system_clock::time_point{});
  EXPECT_FALSE(detail::parse_process_output(R"({"Version":1,"AccessKeyId":"A"})"));
  EXPECT_FALSE(detail::parse_process_output(R"({"Version":"1","AccessKeyId":"A","SecretAccessKey":"S"})"));
  auto bad_exp = detail::parse_process_output(
      R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"soon"})");
  ASSERT_FALSE(bad_exp);
  EXPECT_NE(bad_exp.error().message.find("Expiration"), std::string::npos);
}

}  // namespace
}  // namespace aws
