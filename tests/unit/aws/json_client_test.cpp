#include "aws/json_client.hpp"

#include <gtest/gtest.h>

#include <ctime>

#include "aws/sigv4.hpp"
#include "aws/url.hpp"
#include "aws_test_support.hpp"

namespace aws {
namespace {

using namespace std::chrono_literals;
using testing::env_of;
using testing::FakeTransport;
using testing::header;
using testing::reply;

class CountingProvider final : public CredentialsProvider {
 public:
  explicit CountingProvider(Credentials c) : credentials_(std::move(c)) {}
  CredentialsResult get(const CallContext&) override {
    ++gets;
    return credentials_;
  }
  void invalidate() override { ++invalidations; }
  std::string source() const override { return "test"; }
  std::atomic<int> gets{0};
  std::atomic<int> invalidations{0};

 private:
  Credentials credentials_;
};

const Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSIONTOKEN"};

struct Fixture {
  FakeTransport fake;
  std::shared_ptr<CountingProvider> creds = std::make_shared<CountingProvider>(kCreds);
  JsonClient make(ServiceInfo service, std::string region, std::map<std::string, std::string> env = {},
                  RetryPolicy retry = RetryPolicy{.max_attempts = 4, .base = 1ms, .cap = 2ms}) {
    JsonClientOptions o;
    o.service = std::move(service);
    o.region = std::move(region);
    o.env = env_of(std::move(env));
    o.transport = fake.transport();
    o.credentials = creds;
    o.retry = retry;
    return JsonClient(std::move(o));
  }
};

std::chrono::system_clock::time_point amz_date(const std::string& s) {
  std::tm tm{};
  strptime(s.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// Signs the request again the way AWS would check it.
std::string expected_authorization(const mcp::http::ClientRequest& q, const std::string& region,
                                   const std::string& service) {
  const auto url = parse_url(q.url);
  SigningRequest s;
  s.method = q.method;
  s.path = url->path;
  s.query = url->query;
  for (const char* name : {"Content-Type", "Host", "X-Amz-Target"})
    s.headers.emplace_back(name, header(q, name));
  s.body = q.body;
  return sign_headers(
             s, kCreds,
             SigningParams{.region = region, .service = service, .time = amz_date(header(q, "X-Amz-Date"))})
      .authorization;
}

TEST(AwsJsonClient, RequestShape) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(200, R"({"events":[]})");
  };
  const JsonClient client = f.make(cloudwatch_logs_service(), "us-east-1");
  EXPECT_EQ(client.endpoint(), "https://logs.us-east-1.amazonaws.com");
  auto r = client.call("FilterLogEvents", R"({"logGroupName":"g"})", CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, R"({"events":[]})");
  const auto q = f.fake.requests().at(0);
  EXPECT_EQ(q.method, "POST");
  EXPECT_EQ(q.url, "https://logs.us-east-1.amazonaws.com");
  EXPECT_EQ(q.body, R"({"logGroupName":"g"})");
  EXPECT_EQ(header(q, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(header(q, "X-Amz-Target"), "Logs_20140328.FilterLogEvents");
  EXPECT_EQ(header(q, "Host"), "logs.us-east-1.amazonaws.com");
  EXPECT_EQ(header(q, "X-Amz-Security-Token"), "SESSIONTOKEN");
  const std::string auth = header(q, "Authorization");
  EXPECT_NE(auth.find("/us-east-1/logs/aws4_request"), std::string::npos) << auth;
  EXPECT_NE(auth.find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target"),
            std::string::npos);
  EXPECT_EQ(auth, expected_authorization(q, "us-east-1", "logs"));
  EXPECT_LE(q.timeout, 30000ms);
}

TEST(AwsJsonClient, CostExplorerIsGlobal) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(200, "{}");
  };
  const JsonClient client = f.make(cost_explorer_service(), "eu-west-1");
  EXPECT_EQ(client.endpoint(), "https://ce.us-east-1.amazonaws.com");
  EXPECT_EQ(client.signing_region(), "us-east-1");
  ASSERT_TRUE(client.call("GetCostAndUsage", "{}", CallContext{}));
  const auto q = f.fake.requests().at(0);
  EXPECT_EQ(header(q, "X-Amz-Target"), "AWSInsightsIndexService.GetCostAndUsage");
  EXPECT_NE(header(q, "Authorization").find("/us-east-1/ce/aws4_request"), std::string::npos);
  EXPECT_EQ(f.make(cost_explorer_service(), "cn-north-1").endpoint(),
            "https://ce.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(f.make(cost_explorer_service(), "").endpoint(), "https://ce.us-east-1.amazonaws.com");
}

TEST(AwsJsonClient, EndpointOverrideWithPortAndPath) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(200, "{}");
  };
  const JsonClient client = f.make(cloudwatch_logs_service(), "us-west-2",
                                   {{"AWS_ENDPOINT_URL", "http://ignored:1"},
                                    {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:4566/some/path"}});
  ASSERT_TRUE(client.call("DescribeLogGroups", "{}", CallContext{}));
  const auto q = f.fake.requests().at(0);
  EXPECT_EQ(q.url, "http://127.0.0.1:4566/some/path");
  EXPECT_EQ(header(q, "Host"), "127.0.0.1:4566");
  EXPECT_EQ(header(q, "Authorization"), expected_authorization(q, "us-west-2", "logs"));
}

TEST(AwsJsonClient, ConfigurationErrors) {
  Fixture f;
  auto r = f.make(cloudwatch_logs_service(), "").call("X", "{}", CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
  EXPECT_NE(r.error().message.find("AWS_REGION"), std::string::npos);
  r = f.make(cloudwatch_logs_service(), "us-east-1", {{"AWS_ENDPOINT_URL", "localhost:4566"}})
          .call("X", "{}", CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(f.fake.count(), 0u);
}

TEST(AwsJsonClient, RetriesThrottlingAnd5xx) {
  Fixture f;
  int n = 0;
  f.fake.handler = [&](const mcp::http::ClientRequest&) {
    switch (++n) {
      case 1:
        return reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
      case 2:
        return reply(503, "<html>Service Unavailable</html>");
      case 3:
        return testing::refused();
      default:
        return reply(200, R"({"ok":true})");
    }
  };
  auto r = f.make(cloudwatch_logs_service(), "us-east-1").call("FilterLogEvents", "{}", CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(f.fake.count(), 4u);
  EXPECT_EQ(f.creds->gets, 4);  // credentials are asked for on each attempt (they may have been refreshed)
}

TEST(AwsJsonClient, GivesUpAfterMaxAttempts) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  };
  auto r = f.make(cloudwatch_logs_service(), "us-east-1", {},
                  RetryPolicy{.max_attempts = 3, .base = 1ms, .cap = 1ms})
               .call("FilterLogEvents", "{}", CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kThrottled);
  EXPECT_EQ(r.error().code, "ThrottlingException");
  EXPECT_NE(r.error().message.find("gave up after 3 attempts"), std::string::npos) << r.error().message;
  EXPECT_EQ(f.fake.count(), 3u);
}

TEST(AwsJsonClient, DoesNotRetryClientErrors) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(400, R"({"__type":"InvalidParameterException","message":"bad"})");
  };
  auto r = f.make(cloudwatch_logs_service(), "us-east-1").call("FilterLogEvents", "{}", CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kService);
  EXPECT_EQ(r.error().message, "InvalidParameterException: bad");
  EXPECT_EQ(f.fake.count(), 1u);
}

TEST(AwsJsonClient, DeadlineStopsRetrying) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  };
  const JsonClient client = f.make(cloudwatch_logs_service(), "us-east-1", {},
                                   RetryPolicy{.max_attempts = 8, .base = 10s, .cap = 10s});
  CallContext call;
  call.deadline = Clock::now() + 50ms;
  auto r = client.call("FilterLogEvents", "{}", call);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kThrottled);
  EXPECT_NE(r.error().message.find("deadline"), std::string::npos) << r.error().message;
  EXPECT_LT(f.fake.count(), 8u);
  EXPECT_LE(f.fake.requests().at(0).timeout, 50ms);  // each exchange is bounded by the deadline

  CallContext past;
  past.deadline = Clock::now() - 1ms;
  r = client.call("FilterLogEvents", "{}", past);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kDeadline);
}

TEST(AwsJsonClient, Cancellation) {
  Fixture f;
  std::atomic<bool> cancel{false};
  f.fake.handler = [&](const mcp::http::ClientRequest&) {
    cancel = true;  // the caller gives up while the first attempt is out
    return reply(500, R"({"__type":"InternalFailure"})");
  };
  const JsonClient client = f.make(cloudwatch_logs_service(), "us-east-1", {},
                                   RetryPolicy{.max_attempts = 8, .base = 10s, .cap = 10s});
  CallContext call;
  call.cancelled = &cancel;
  auto r = client.call("FilterLogEvents", "{}", call);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(f.fake.count(), 1u);
  r = client.call("FilterLogEvents", "{}", call);
  ASSERT_FALSE(r);
  EXPECT_EQ(f.fake.count(), 1u);  // already cancelled: nothing sent
}

TEST(AwsJsonClient, OversizedResponseIsNotRetried) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return mcp::http::ClientResult(mcp::util::unexpected(std::string(kResponseTooLarge) + "10 bytes"));
  };
  auto r = f.make(cloudwatch_logs_service(), "us-east-1").call("FilterLogEvents", "{}", CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  EXPECT_EQ(f.fake.count(), 1u);
}

TEST(AwsJsonClient, TlsFailureIsNotRetried) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return mcp::http::ClientResult(mcp::util::unexpected(
        std::string(kTlsFailure) + "SSL peer certificate or SSH remote key was not OK"));
  };
  auto r = f.make(cloudwatch_logs_service(), "us-east-1").call("FilterLogEvents", "{}", CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_NE(r.error().message.find("certificate"), std::string::npos);
  EXPECT_EQ(f.fake.count(), 1u);
}

TEST(AwsJsonClient, ExpiredTokenRefreshesOnce) {
  Fixture f;
  int n = 0;
  f.fake.handler = [&](const mcp::http::ClientRequest&) {
    if (++n == 1)
      return reply(
          400,
          R"({"__type":"ExpiredTokenException","message":"The security token included in the request is expired"})");
    return reply(200, "{}");
  };
  ASSERT_TRUE(f.make(cloudwatch_logs_service(), "us-east-1").call("FilterLogEvents", "{}", CallContext{}));
  EXPECT_EQ(f.creds->invalidations, 1);
  EXPECT_EQ(f.fake.count(), 2u);

  Fixture g;
  g.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(400, R"({"__type":"ExpiredTokenException","message":"expired"})");
  };
  auto r = g.make(cloudwatch_logs_service(), "us-east-1").call("FilterLogEvents", "{}", CallContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCredentials);
  EXPECT_EQ(
      r.error().message,
      "AWS credentials have expired (ExpiredTokenException) — refresh them (e.g. aws sso login) or unset "
      "AWS_SESSION_TOKEN");
  EXPECT_EQ(g.creds->invalidations, 1);
  EXPECT_EQ(g.fake.count(), 2u);
}

TEST(AwsJsonClient, UsesTheRateLimiter) {
  Fixture f;
  f.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(200, "{}");
  };
  JsonClientOptions o;
  o.service = cloudwatch_logs_service();
  o.region = "us-east-1";
  o.env = env_of({});
  o.transport = f.fake.transport();
  o.credentials = f.creds;
  o.limiter = std::make_shared<RateLimiter>(0.001, 1);  // one token, then a very long wait
  const JsonClient client(std::move(o));
  ASSERT_TRUE(client.call("X", "{}", CallContext{}));
  CallContext call;
  call.deadline = Clock::now() + 20ms;
  auto r = client.call("X", "{}", call);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kDeadline);
  EXPECT_EQ(f.fake.count(), 1u);
}

// --- error mapping --------------------------------------------------------------

mcp::http::Headers headers_of(std::vector<std::pair<std::string, std::string>> items) {
  mcp::http::Headers h;
  for (auto& [k, v] : items) h.add(k, v);
  return h;
}

TEST(AwsErrors, SanitisesCodes) {
  EXPECT_EQ(sanitize_error_code("com.amazonaws.logs#ThrottlingException:http://internal.amazon.com/coral/x/"),
            "ThrottlingException");
  EXPECT_EQ(sanitize_error_code("aws.protocoltests#FooError"), "FooError");
  EXPECT_EQ(sanitize_error_code("FooError:http://internal"), "FooError");
  EXPECT_EQ(sanitize_error_code(" FooError "), "FooError");
  EXPECT_EQ(sanitize_error_code(""), "");
}

TEST(AwsErrors, MapsCodesToKinds) {
  const mcp::http::Headers none;
  Error e = error_from_response(
      400, none, R"({"__type":"com.amazonaws.logs#ThrottlingException:http://x/","message":"Rate exceeded"})",
      "CloudWatch Logs", "FilterLogEvents");
  EXPECT_EQ(e.kind, ErrorKind::kThrottled);
  EXPECT_EQ(e.code, "ThrottlingException");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_NE(e.message.find("Rate exceeded"), std::string::npos);

  e = error_from_response(
      400, headers_of({{"x-amzn-ErrorType", "ResourceNotFoundException:http://internal/"}}),
      R"({"message":"The specified log group does not exist."})", "CloudWatch Logs", "FilterLogEvents");
  EXPECT_EQ(e.kind, ErrorKind::kNotFound);
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "The specified log group does not exist.");

  e = error_from_response(400, none, R"({"__type":"LimitExceededException","Message":"Rate limit"})",
                          "Cost Explorer", "GetCostAndUsage");
  EXPECT_EQ(e.kind, ErrorKind::kThrottled);
  e = error_from_response(
      400, none,
      R"({"__type":"LimitExceededException","message":"Account maximum query concurrency limit of [30] reached"})",
      "CloudWatch Logs", "StartQuery");
  EXPECT_EQ(e.kind, ErrorKind::kService);
  EXPECT_EQ(e.code, "LimitExceededException");

  e = error_from_response(
      400, none,
      R"({"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."})",
      "CloudWatch Logs", "FilterLogEvents");
  EXPECT_EQ(e.kind, ErrorKind::kCredentials);
  EXPECT_NE(e.message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  e = error_from_response(403, none,
                          R"({"__type":"InvalidSignatureException","message":"Signature expired"})",
                          "CloudWatch Logs", "FilterLogEvents");
  EXPECT_EQ(e.kind, ErrorKind::kCredentials);
  EXPECT_NE(e.message.find("clock"), std::string::npos);

  e = error_from_response(
      400, none,
      R"({"__type":"MalformedQueryException","message":"unexpected symbol",)"
      R"("queryCompileError":{"location":{"startCharOffset":5,"endCharOffset":10},"message":"Unexpected symbol"}})",
      "CloudWatch Logs", "StartQuery");
  EXPECT_EQ(e.kind, ErrorKind::kService);
  EXPECT_NE(e.message.find("at characters 5-10"), std::string::npos) << e.message;
}

TEST(AwsErrors, AccessDeniedNamesThePermission) {
  const mcp::http::Headers none;
  Error e =
      error_from_response(400, none, R"({"__type":"AccessDeniedException","message":"Not authorized."})",
                          "CloudWatch Logs", "FilterLogEvents");
  EXPECT_EQ(e.kind, ErrorKind::kAccessDenied);
  EXPECT_EQ(e.message, "Access denied: the credentials lack logs:FilterLogEvents (Not authorized.)");

  const std::string aws_says =
      "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: ce:GetCostAndUsage on "
      "resource: arn:aws:ce:us-east-1:123456789012:/GetCostAndUsage";
  e = error_from_response(400, none, R"({"__type":"AccessDeniedException","Message":")" + aws_says + "\"}",
                          "Cost Explorer", "GetCostAndUsage");
  EXPECT_EQ(e.kind, ErrorKind::kAccessDenied);
  EXPECT_EQ(e.message, "Access denied: " + aws_says);

  e = error_from_response(403, none, "", "CloudWatch Logs", "DescribeLogGroups");
  EXPECT_EQ(e.kind, ErrorKind::kAccessDenied);
  EXPECT_NE(e.message.find("logs:DescribeLogGroups"), std::string::npos);
}

TEST(AwsErrors, BodiesThatAreNotJson) {
  const mcp::http::Headers none;
  Error e =
      error_from_response(400, none, "<html>\n<body>Bad\x01 request</body></html>", "CloudWatch Logs", "X");
  EXPECT_EQ(e.kind, ErrorKind::kProtocol);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_NE(e.message.find("HTTP 400"), std::string::npos);
  EXPECT_EQ(e.message.find('\n'), std::string::npos);
  EXPECT_EQ(e.message.find('\x01'), std::string::npos);
  e = error_from_response(400, none, std::string(1000, 'x'), "CloudWatch Logs", "X");
  EXPECT_LT(e.message.size(), 300u);

  e = error_from_response(502, none, "Bad Gateway", "CloudWatch Logs", "X");
  EXPECT_EQ(e.kind, ErrorKind::kService);
  EXPECT_EQ(e.http_status, 502);
  e = error_from_response(429, none, "", "CloudWatch Logs", "X");
  EXPECT_EQ(e.kind, ErrorKind::kThrottled);
}

}  // namespace
}  // namespace aws
