#include <gtest/gtest.h>

#include "mcp/protocol/uri_template.hpp"
#include "mcp/protocol/version.hpp"
#include "mcp/transport/event_store.hpp"
#include "mcp/transport/header_values.hpp"
#include "mcp/transport/request_policy.hpp"
#include "mcp/transport/session_id.hpp"
#include "mcp/transport/sse.hpp"

using namespace mcp;
using namespace mcp::transport;

TEST(Version, NegotiatesByEcho) {
  using protocol::Version;
  EXPECT_EQ(protocol::negotiate_initialize("2025-03-26"), Version::k2025_03_26);
  EXPECT_EQ(protocol::negotiate_initialize("2025-06-18"), Version::k2025_06_18);
  EXPECT_EQ(protocol::negotiate_initialize("2025-11-25"), Version::k2025_11_25);
  // Unknown or stateless revisions get the newest revision that has initialize.
  EXPECT_EQ(protocol::negotiate_initialize("2024-11-05"), Version::k2025_11_25);
  EXPECT_EQ(protocol::negotiate_initialize("2026-07-28"), Version::k2025_11_25);
  EXPECT_EQ(protocol::negotiate_initialize("garbage"), Version::k2025_11_25);
  EXPECT_TRUE(protocol::is_modern(*protocol::parse_version("2026-07-28")));
  EXPECT_FALSE(protocol::parse_version("2026-07-29"));
}

TEST(SessionId, RoundTripsClaims) {
  SessionIdCodec codec("0123456789abcdef-secret");
  SessionClaims c{protocol::Version::k2025_03_26,
                  capability_bits(nlohmann::json::parse(R"({"sampling":{},"roots":{"listChanged":true}})")),
                  1'700'000'000, subject_hash("alice")};
  const auto id = codec.issue(c);
  EXPECT_EQ(id.size(), 70u);
  for (char ch : id) EXPECT_TRUE(ch >= 0x21 && ch <= 0x7e);
  const auto back = codec.verify(id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->version, c.version);
  EXPECT_EQ(back->issued_at, c.issued_at);
  EXPECT_EQ(back->subject_hash, subject_hash("alice"));
  const auto caps = capabilities_from_bits(back->capability_bits);
  EXPECT_TRUE(caps.contains("sampling"));
  EXPECT_TRUE(caps["roots"]["listChanged"].get<bool>());
  EXPECT_FALSE(caps.contains("elicitation"));
  EXPECT_NE(codec.issue(c), id);  // random part
}

TEST(SessionId, RejectsForgeries) {
  SessionIdCodec codec("0123456789abcdef-secret");
  SessionIdCodec other("another-secret-0123456");
  const auto id = codec.issue({});
  EXPECT_FALSE(other.verify(id));
  std::string tampered = id;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.verify(tampered));
  EXPECT_FALSE(codec.verify(id.substr(1)));
  EXPECT_FALSE(codec.verify(""));
  EXPECT_FALSE(codec.verify("00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(codec.verify(std::string(70, '!')));
}

TEST(Sse, FramesEvents) {
  EXPECT_EQ(format_sse_event(R"({"a":1})", "s_1", "message"), "event: message\nid: s_1\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(format_sse_event("", "s_0", "", 1000), "id: s_0\nretry: 1000\ndata: \n\n");
  EXPECT_EQ(format_sse_event("a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(format_sse_event("a\n"), "data: a\ndata: \n\n");
  EXPECT_EQ(format_sse_comment("keepalive"), ": keepalive\n\n");
}

TEST(EventStore, ReplaysOnlyItsStreamAfterTheId) {
  EventStore store(3, 2);
  const auto p0 = store.append("p0", {}, false);  // priming
  store.append("p0", "a");
  const auto g0 = store.append("g0", "x");
  store.append("p0", "b");
  auto r = store.after(p0);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0].data, "a");
  EXPECT_EQ(r->events[1].id, "p0_2");
  EXPECT_TRUE(store.after(g0)->events.empty());
  EXPECT_FALSE(store.after("nope_1"));
  EXPECT_FALSE(store.after("garbage"));
  // Bounded: the third stream evicts the least recently written one (g0).
  store.append("p1", "c");
  EXPECT_FALSE(store.after(g0));
  for (int i = 0; i < 10; ++i) store.append("p0", "more");
  EXPECT_EQ(store.after(p0)->events.size(), 3u);
}

TEST(RequestPolicy, ContentNegotiation) {
  EXPECT_TRUE(accepts_media_type("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(accepts_media_type("text/event-stream;q=0.5, application/json", "application/json"));
  EXPECT_TRUE(accepts_media_type("*/*", "application/json"));
  EXPECT_TRUE(accepts_media_type("application/*", "application/json"));
  EXPECT_FALSE(accepts_media_type("application/json", "text/event-stream"));
  EXPECT_FALSE(accepts_media_type("text/event-stream;q=0", "text/event-stream"));
  EXPECT_FALSE(accepts_media_type("", "application/json"));
  EXPECT_TRUE(is_json_content_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("Application/JSON"));
  EXPECT_FALSE(is_json_content_type("text/plain"));
  EXPECT_FALSE(is_json_content_type("application/json-patch+json"));
}

TEST(RequestPolicy, LoopbackBindProtectsAgainstDnsRebinding) {
  HostPolicy p("127.0.0.1", {}, {});
  EXPECT_TRUE(p.host_allowed("localhost:3000"));
  EXPECT_TRUE(p.host_allowed("127.0.0.1"));
  EXPECT_TRUE(p.host_allowed("[::1]:8080"));
  EXPECT_FALSE(p.host_allowed("evil.example.com"));
  EXPECT_FALSE(p.host_allowed("localhost.evil.com:3000"));
  EXPECT_FALSE(p.host_allowed(""));
  EXPECT_TRUE(p.origin_allowed("http://localhost:3000", "localhost:3000"));
  EXPECT_TRUE(p.origin_allowed("https://127.0.0.1", "localhost"));
  EXPECT_FALSE(p.origin_allowed("http://evil.example.com", "localhost:3000"));
  EXPECT_FALSE(p.origin_allowed("null", "localhost:3000"));
}

TEST(RequestPolicy, PublicBindUsesListsOrSameOrigin) {
  HostPolicy open("0.0.0.0", {}, {});
  EXPECT_TRUE(open.host_allowed("mcp.example.com"));
  EXPECT_TRUE(open.origin_allowed("https://mcp.example.com", "mcp.example.com"));
  EXPECT_FALSE(open.origin_allowed("https://evil.example.com", "mcp.example.com"));
  HostPolicy listed("0.0.0.0", {"mcp.example.com"}, {"https://app.example.com"});
  EXPECT_TRUE(listed.host_allowed("mcp.example.com:443"));
  EXPECT_FALSE(listed.host_allowed("other.example.com"));
  EXPECT_TRUE(listed.origin_allowed("https://app.example.com", "mcp.example.com"));
}

TEST(HeaderValues, DecodesStrictBase64Form) {
  EXPECT_EQ(decode_header_value("plain"), "plain");
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8=?="), "Hello");
  EXPECT_FALSE(decode_header_value("=?base64?SGVsbG8?="));                   // padding required
  EXPECT_FALSE(decode_header_value("=?base64?SGVs!!!bG8=?="));               // alphabet
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8="), "=?base64?SGVsbG8=");  // not the encoded form: literal
}

TEST(HeaderValues, ChecksParamHeaders) {
  const auto schema = nlohmann::json::parse(
      R"({"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},"n":{"type":"integer","x-mcp-header":"N"},"other":{"type":"string"}}})");
  http::Headers h;
  h.add("mcp-param-region", "us-east-1");
  h.add("Mcp-Param-N", "=?base64?NDI=?=");
  EXPECT_FALSE(check_param_headers(schema, {{"region", "us-east-1"}, {"n", 42}}, h));
  EXPECT_TRUE(check_param_headers(schema, {{"region", "eu-west-1"}, {"n", 42}}, h));
  EXPECT_TRUE(check_param_headers(schema, {{"region", "us-east-1"}, {"n", 41}}, h));
  http::Headers none;
  EXPECT_TRUE(check_param_headers(schema, {{"region", "us-east-1"}}, none));
  EXPECT_FALSE(check_param_headers(schema, {{"other", "x"}}, none));
}

TEST(HeaderValues, EncodesUnsafeValuesAsBase64) {
  // The cases of the conformance suite's http-custom-headers scenario.
  EXPECT_EQ(encode_header_value("us-west1"), "us-west1");
  EXPECT_EQ(encode_header_value("us west 1"), "us west 1");
  EXPECT_EQ(encode_header_value(""), "");
  EXPECT_EQ(encode_header_value("Hello, \xE4\xB8\x96\xE7\x95\x8C"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
  EXPECT_EQ(encode_header_value(" padded "), "=?base64?IHBhZGRlZCA=?=");
  EXPECT_EQ(encode_header_value("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
  EXPECT_EQ(encode_header_value("\tindented"), "=?base64?CWluZGVudGVk?=");
  // A literal that looks encoded must be encoded, or the server would decode it.
  EXPECT_EQ(decode_header_value(encode_header_value("=?base64?QQ==?=")), "=?base64?QQ==?=");
}

TEST(HeaderValues, BuildsParamHeadersTheServerAccepts) {
  const nlohmann::json schema = {{"type", "object"},
                                 {"properties",
                                  {{"region", {{"type", "string"}, {"x-mcp-header", "Region"}}},
                                   {"priority", {{"type", "integer"}, {"x-mcp-header", "Priority"}}},
                                   {"verbose", {{"type", "boolean"}, {"x-mcp-header", "Verbose"}}},
                                   {"query", {{"type", "string"}}}}}};
  const nlohmann::json args = {
      {"region", " eu"}, {"priority", 42}, {"verbose", nullptr}, {"query", "SELECT 1"}};
  const http::Headers h = param_headers(schema, args);
  EXPECT_EQ(h.get("Mcp-Param-Region").value_or(""), "=?base64?IGV1?=");
  EXPECT_EQ(h.get("Mcp-Param-Priority").value_or(""), "42");
  EXPECT_FALSE(h.get("Mcp-Param-Verbose"));  // null: omitted
  EXPECT_FALSE(h.get("Mcp-Param-Query"));    // not annotated
  EXPECT_EQ(check_param_headers(schema, args, h), std::nullopt);
}

TEST(HeaderValues, FlagsUnusableAnnotations) {
  auto schema_with = [](nlohmann::json props) {
    return nlohmann::json{{"type", "object"}, {"properties", props}};
  };
  EXPECT_FALSE(
      invalid_param_annotations(schema_with({{"r", {{"type", "string"}, {"x-mcp-header", "Region"}}}})));
  EXPECT_TRUE(invalid_param_annotations(schema_with({{"r", {{"type", "string"}, {"x-mcp-header", ""}}}})));
  EXPECT_TRUE(
      invalid_param_annotations(schema_with({{"r", {{"type", "string"}, {"x-mcp-header", "My Region"}}}})));
  EXPECT_TRUE(invalid_param_annotations(schema_with({{"r", {{"type", "string"}, {"x-mcp-header", "R:P"}}}})));
  EXPECT_TRUE(
      invalid_param_annotations(schema_with({{"r", {{"type", "string"}, {"x-mcp-header", "R\xC3\xA9"}}}})));
  EXPECT_TRUE(invalid_param_annotations(schema_with({{"o", {{"type", "object"}, {"x-mcp-header", "O"}}}})));
  EXPECT_TRUE(invalid_param_annotations(schema_with({{"n", {{"type", "null"}, {"x-mcp-header", "N"}}}})));
  EXPECT_TRUE(invalid_param_annotations(schema_with({{"f", {{"type", "number"}, {"x-mcp-header", "F"}}}})));
  EXPECT_FALSE(invalid_param_annotations(schema_with({{"i", {{"type", "integer"}, {"x-mcp-header", "I"}}}})));
  EXPECT_TRUE(
      invalid_param_annotations(schema_with({{"a", {{"type", "string"}, {"x-mcp-header", "MyField"}}},
                                             {"b", {{"type", "string"}, {"x-mcp-header", "myfield"}}}})));
}

TEST(UriTemplate, MatchesLevelOneTemplates) {
  auto vars = protocol::match_uri_template("test://template/{id}/data", "test://template/123/data");
  ASSERT_TRUE(vars);
  EXPECT_EQ((*vars)["id"], "123");
  EXPECT_FALSE(protocol::match_uri_template("test://template/{id}/data", "test://template/1/2/data"));
  EXPECT_FALSE(protocol::match_uri_template("test://template/{id}/data", "test://template//data"));
  EXPECT_FALSE(protocol::match_uri_template("test://a/{x}", "test://b/1"));
  auto two = protocol::match_uri_template("logs://{region}/{group}", "logs://us-east-1/bedrock");
  ASSERT_TRUE(two);
  EXPECT_EQ((*two)["group"], "bedrock");
}
