// API Gateway / Function URL events into requests, and the public URL the
// auth layer derives from them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mcp/auth/public_url.hpp"
#include "mcp/lambda/event.hpp"

namespace {

using mcp::lambda::decode_event;
using mcp::lambda::PayloadFormat;
using Json = nlohmann::json;

Json rest_event() {
  return Json{
      {"resource", "/mcp"},
      {"path", "/mcp"},
      {"httpMethod", "POST"},
      {"headers", {{"Host", "abc.execute-api.us-east-1.amazonaws.com"}, {"X-Forwarded-Proto", "https"}}},
      {"multiValueHeaders",
       {{"Host", {"abc.execute-api.us-east-1.amazonaws.com"}},
        {"X-Forwarded-Proto", {"https"}},
        {"Accept", {"application/json", "text/event-stream"}},
        {"X-Forwarded-Host", {"evil.example"}},
        {"X-Forwarded-Prefix", {"/evil"}}}},
      {"queryStringParameters", {{"a", "2"}}},
      {"multiValueQueryStringParameters", {{"a", {"1", "2"}}, {"q", {"x y&z"}}}},
      {"requestContext",
       {{"path", "/prod/mcp"},
        {"stage", "prod"},
        {"domainName", "abc.execute-api.us-east-1.amazonaws.com"},
        {"identity", {{"sourceIp", "203.0.113.9"}}}}},
      {"body", "eyJqc29ucnBjIjoiMi4wIn0="},
      {"isBase64Encoded", true}};
}

Json http_event() {
  return Json{
      {"version", "2.0"},
      {"routeKey", "$default"},
      {"rawPath", "/mcp"},
      {"rawQueryString", "a=1&a=2"},
      {"cookies", {"s=1", "t=2"}},
      {"headers",
       {{"host", "u.lambda-url.eu-west-1.on.aws"}, {"accept", "application/json, text/event-stream"}}},
      {"requestContext",
       {{"domainName", "u.lambda-url.eu-west-1.on.aws"},
        {"stage", "$default"},
        {"http", {{"method", "DELETE"}, {"path", "/mcp"}, {"sourceIp", "198.51.100.7"}}}}},
      {"body", "plain"},
      {"isBase64Encoded", false}};
}

TEST(LambdaEvent, RestEventKeepsValuesAndTakesTheStageFromTheContext) {
  auto ev = decode_event(rest_event().dump());
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->format, PayloadFormat::kRest);
  EXPECT_EQ(ev->stage, "prod");
  EXPECT_EQ(ev->request.method, "POST");
  EXPECT_EQ(ev->request.path(), "/mcp");
  // Multi-value query parameters win, re-encoded.
  EXPECT_EQ(ev->request.query(), "a=1&a=2&q=x%20y%26z");
  EXPECT_EQ(ev->request.body, R"({"jsonrpc":"2.0"})");
  EXPECT_EQ(ev->request.remote_address, "203.0.113.9");
  EXPECT_EQ(ev->request.headers.get_joined("accept"), "application/json, text/event-stream");
  // The caller's forwarding headers are replaced by API Gateway's view.
  EXPECT_EQ(ev->request.headers.get("x-forwarded-host"), "abc.execute-api.us-east-1.amazonaws.com");
  EXPECT_EQ(ev->request.headers.get("x-forwarded-prefix"), "/prod");
  EXPECT_EQ(ev->request.headers.get("x-forwarded-proto"), "https");
}

TEST(LambdaEvent, PublicUrlComesFromTheEvent) {
  auto ev = decode_event(rest_event().dump());
  ASSERT_TRUE(ev);
  const mcp::auth::PublicUrl derived("", "/mcp", true);
  EXPECT_EQ(derived.resource(ev->request), "https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp");
  const mcp::auth::PublicUrl configured("https://mcp.example.com/v1/mcp", "/mcp", true);
  EXPECT_EQ(configured.resource(ev->request), "https://mcp.example.com/v1/mcp");
}

TEST(LambdaEvent, RestEventWithoutMultiValueMapsUsesTheSingleOnes) {
  Json j = rest_event();
  j.erase("multiValueHeaders");
  j.erase("multiValueQueryStringParameters");
  j["isBase64Encoded"] = false;
  j["body"] = "x";
  j["requestContext"]["path"] = "/mcp";  // a custom domain without a base path
  auto ev = decode_event(j.dump());
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->request.query(), "a=2");
  EXPECT_EQ(ev->request.body, "x");
  EXPECT_FALSE(ev->request.headers.get("x-forwarded-prefix"));
  EXPECT_EQ(ev->request.headers.get("host"), "abc.execute-api.us-east-1.amazonaws.com");
}

TEST(LambdaEvent, FunctionUrlEventJoinsCookiesAndKeepsTheRawQuery) {
  auto ev = decode_event(http_event().dump());
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->format, PayloadFormat::kHttp);
  EXPECT_EQ(ev->stage, "");
  EXPECT_EQ(ev->request.method, "DELETE");
  EXPECT_EQ(ev->request.target, "/mcp?a=1&a=2");
  EXPECT_EQ(ev->request.headers.get("cookie"), "s=1; t=2");
  EXPECT_EQ(ev->request.body, "plain");
  EXPECT_EQ(ev->request.remote_address, "198.51.100.7");
  const mcp::auth::PublicUrl derived("", "/mcp", true);
  EXPECT_EQ(derived.resource(ev->request), "https://u.lambda-url.eu-west-1.on.aws/mcp");
}

TEST(LambdaEvent, NamedHttpApiStageIsStrippedFromThePath) {
  Json j = http_event();
  j["rawPath"] = "/dev/mcp";
  j["requestContext"]["stage"] = "dev";
  auto ev = decode_event(j.dump());
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->request.path(), "/mcp");
  EXPECT_EQ(ev->request.headers.get("x-forwarded-prefix"), "/dev");
  j["rawPath"] = "/devices/mcp";  // a path that merely starts with the stage name
  auto other = decode_event(j.dump());
  ASSERT_TRUE(other);
  EXPECT_EQ(other->request.path(), "/devices/mcp");
}

TEST(LambdaEvent, NonHttpEventsAreUnsupported) {
  for (const char* text :
       {R"({"source":"aws.events","detail":{}})", "[1,2]", "not json", R"({"Records":[]})"}) {
    auto ev = decode_event(text);
    ASSERT_FALSE(ev) << text;
    EXPECT_TRUE(ev.error().unsupported) << text;
  }
}

TEST(LambdaEvent, BrokenHttpEventsAreMalformedNotUnsupported) {
  Json bad_body = rest_event();
  bad_body["body"] = "***";
  Json no_path = rest_event();
  no_path.erase("path");
  Json no_http = http_event();
  no_http["requestContext"].erase("http");
  Json number_body = http_event();
  number_body["body"] = 5;
  for (const Json& j : {bad_body, no_path, no_http, number_body}) {
    auto ev = decode_event(j.dump());
    ASSERT_FALSE(ev) << j.dump();
    EXPECT_FALSE(ev.error().unsupported);
    EXPECT_FALSE(ev.error().message.empty());
  }
}

}  // namespace
