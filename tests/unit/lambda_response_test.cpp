// What the Lambda loop writes to the Runtime API.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mcp/lambda/response_format.hpp"
#include "mcp/util/base64.hpp"

namespace {

using mcp::lambda::PayloadFormat;
using Json = nlohmann::json;

mcp::http::Headers sample_headers() {
  mcp::http::Headers h;
  h.add("Content-Type", "text/event-stream");
  h.add("Set-Cookie", "a=1");
  h.add("Set-Cookie", "b=2");
  h.add("Connection", "keep-alive");
  h.add("Content-Length", "12");
  return h;
}

// The prelude is JSON followed by exactly eight NUL bytes.
Json split_prelude(const std::string& out) {
  EXPECT_GE(out.size(), 8U);
  EXPECT_EQ(out.substr(out.size() - 8), std::string(8, '\0'));
  return Json::parse(out.substr(0, out.size() - 8));
}

TEST(LambdaResponse, RestPreludePutsRepeatedHeadersInMultiValueHeaders) {
  const Json p = split_prelude(mcp::lambda::streaming_prelude(200, sample_headers(), PayloadFormat::kRest));
  EXPECT_EQ(p["statusCode"], 200);
  EXPECT_EQ(p["headers"], (Json{{"content-type", "text/event-stream"}}));
  EXPECT_EQ(p["multiValueHeaders"], (Json{{"set-cookie", {"a=1", "b=2"}}}));
  for (const auto& [key, value] : p.items()) {
    EXPECT_TRUE(key == "statusCode" || key == "headers" || key == "multiValueHeaders") << key;
  }
}

TEST(LambdaResponse, FunctionUrlPreludeMovesSetCookieToCookies) {
  const Json p = split_prelude(mcp::lambda::streaming_prelude(401, sample_headers(), PayloadFormat::kHttp));
  EXPECT_EQ(p["statusCode"], 401);
  EXPECT_EQ(p["headers"], (Json{{"content-type", "text/event-stream"}}));
  EXPECT_EQ(p["cookies"], (Json{"a=1", "b=2"}));
  EXPECT_FALSE(p.contains("multiValueHeaders"));
}

TEST(LambdaResponse, BufferedRestResponseUsesMultiValueHeaders) {
  mcp::http::Response r;
  r.status = 202;
  r.headers = sample_headers();
  r.body = R"({"ok":true})";
  const Json doc = Json::parse(mcp::lambda::buffered_response(r, PayloadFormat::kRest));
  EXPECT_EQ(doc["statusCode"], 202);
  EXPECT_EQ(doc["multiValueHeaders"]["set-cookie"], (Json{"a=1", "b=2"}));
  EXPECT_FALSE(doc["multiValueHeaders"].contains("connection"));
  EXPECT_FALSE(doc["multiValueHeaders"].contains("content-length"));
  EXPECT_EQ(doc["body"], R"({"ok":true})");
  EXPECT_EQ(doc["isBase64Encoded"], false);
}

TEST(LambdaResponse, BufferedHttpResponseJoinsRepeatsAndEncodesBinary) {
  mcp::http::Response r;
  r.headers.add("Vary", "Origin");
  r.headers.add("Vary", "Accept");
  r.headers.add("Set-Cookie", "a=1");
  r.body = std::string("\x89PNG\0\xff", 6);
  const Json doc = Json::parse(mcp::lambda::buffered_response(r, PayloadFormat::kHttp));
  EXPECT_EQ(doc["headers"]["vary"], "Origin, Accept");
  EXPECT_EQ(doc["cookies"], (Json{"a=1"}));
  EXPECT_EQ(doc["isBase64Encoded"], true);
  EXPECT_EQ(mcp::util::base64_decode(doc["body"].get<std::string>()), r.body);
}

TEST(LambdaResponse, TextWithMultibyteCharactersStaysText) {
  mcp::http::Response r;
  r.body = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
  const Json doc = Json::parse(mcp::lambda::buffered_response(r, PayloadFormat::kRest));
  EXPECT_EQ(doc["isBase64Encoded"], false);
  EXPECT_EQ(doc["body"], r.body);
  r.body = "cut \xe2\x82";  // a truncated sequence
  EXPECT_EQ(Json::parse(mcp::lambda::buffered_response(r, PayloadFormat::kRest))["isBase64Encoded"], true);
}

TEST(LambdaResponse, ErrorTrailersAreTheLastChunkWithABase64Body) {
  const std::string t = mcp::lambda::error_trailers("Runtime.StreamError", "it broke");
  ASSERT_TRUE(t.starts_with("0\r\nLambda-Runtime-Function-Error-Type: Runtime.StreamError\r\n"));
  ASSERT_TRUE(t.ends_with("\r\n\r\n"));
  const std::string prefix = "Lambda-Runtime-Function-Error-Body: ";
  const auto at = t.find(prefix);
  ASSERT_NE(at, std::string::npos);
  const auto end = t.find("\r\n", at);
  const auto body = mcp::util::base64_decode(t.substr(at + prefix.size(), end - at - prefix.size()));
  ASSERT_TRUE(body);
  EXPECT_EQ(Json::parse(*body), (Json{{"errorMessage", "it broke"}, {"errorType", "Runtime.StreamError"}}));
  const Json doc = Json::parse(mcp::lambda::error_document("Runtime.ConfigError", "bad flag"));
  EXPECT_EQ(doc["errorType"], "Runtime.ConfigError");
  EXPECT_EQ(doc["errorMessage"], "bad flag");
  EXPECT_TRUE(doc["stackTrace"].is_array());
}

TEST(LambdaResponse, DeadlineAnswersNameTheRequestId) {
  mcp::http::Request req;
  req.method = "POST";
  req.body = R"({"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{}})";
  const auto res = mcp::lambda::deadline_response(req);
  EXPECT_EQ(res.status, 504);
  const Json body = Json::parse(res.body);
  EXPECT_EQ(body["id"], "call-7");
  EXPECT_EQ(body["error"]["code"], -32000);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("deadline"), std::string::npos);
  const std::string event = mcp::lambda::deadline_event(req);
  ASSERT_TRUE(event.starts_with("event: message\ndata: {"));
  EXPECT_TRUE(event.ends_with("}\n\n"));

  req.method = "GET";
  req.body.clear();
  EXPECT_EQ(mcp::lambda::deadline_event(req), "");
  EXPECT_TRUE(Json::parse(mcp::lambda::deadline_response(req).body)["id"].is_null());
  req.method = "POST";
  req.body = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
  EXPECT_EQ(mcp::lambda::deadline_event(req), "");
}

}  // namespace
