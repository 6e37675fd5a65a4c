// The resource-server side of OAuth driven without sockets: the JWKS cache
// (rotation, rate limit, outages), the verified-token cache, challenges and
// scopes, protected-resource metadata, and the transport's auth gate
// (initialize authenticated, sessions bound to the token subject).
#include <gtest/gtest.h>

#include "fake_http_client.hpp"
#include "jwt_test_support.hpp"
#include "mcp/auth/jwks_cache.hpp"
#include "mcp/auth/resource_server.hpp"
#include "mcp/auth/token_verifier.hpp"
#include "mcp/protocol/server.hpp"
#include "mcp/transport/streamable_http.hpp"
#include "test_support.hpp"

using namespace mcp;
using mcp::testing::FakeHttpClient;
using mcp::testing::ManualExecutor;
using mcp::testing::RecordingResponder;
using mcp::testing::TestKey;

namespace {

constexpr const char* kIssuer = "https://issuer.example.com";
constexpr const char* kJwksUrl = "https://issuer.example.com/jwks.json";
constexpr const char* kResource = "http://localhost:3000/mcp";
constexpr const char* kMetadata = "http://localhost:3000/.well-known/oauth-protected-resource/mcp";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ------------------------------------------------------------------ JWKS cache

class JwksCacheTest : public ::testing::Test {
 protected:
  JwksCacheTest() {
    http.handler = [this](const http::ClientRequest& r) -> http::ClientResult {
      if (!up) return FakeHttpClient::down();
      if (r.url == kJwksUrl) return FakeHttpClient::ok(jwks);
      if (r.url == std::string(kIssuer) + "/.well-known/openid-configuration")
        return FakeHttpClient::ok(discovery);
      return FakeHttpClient::ok("{}", 404);
    };
  }

  auth::JwksCache make(std::string jwks_url = kJwksUrl) {
    auth::JwksOptions o;
    o.jwks_url = std::move(jwks_url);
    o.issuer = kIssuer;
    o.min_refetch = std::chrono::seconds(30);
    o.cache_ttl = std::chrono::seconds(600);
    o.now = [this] {
      return now;
    };
    return auth::JwksCache(std::move(o), http, log);
  }

  // Looks `kid` up, delivering pending fetches, and returns the status.
  auth::JwksCache::Status lookup(auth::JwksCache& cache, const std::string& kid) {
    std::optional<auth::JwksCache::Status> got;
    cache.find(kid, [&](auth::JwksCache::Status s, const std::shared_ptr<const auth::Jwk>&) { got = s; });
    http.deliver();
    EXPECT_TRUE(got.has_value());
    return got.value_or(auth::JwksCache::Status::kUnavailable);
  }

  TestKey k1 = TestKey::rsa("k1");
  TestKey k2 = TestKey::rsa("k2");
  std::string jwks = mcp::testing::jwks_json({&k1});
  std::string discovery =
      Json{{"issuer", kIssuer}, {"jwks_uri", kJwksUrl}, {"authorization_endpoint", "https://x/a"}}.dump();
  bool up = true;
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  FakeHttpClient http;
  util::Logger log{util::LogLevel::kOff};
};

TEST_F(JwksCacheTest, OneFetchServesEveryWaiter) {
  auto cache = make();
  int found = 0;
  for (int i = 0; i < 3; ++i) {
    cache.find("k1", [&](auth::JwksCache::Status s, const auto& key) {
      found += s == auth::JwksCache::Status::kFound && key && key->kid() == "k1" ? 1 : 0;
    });
  }
  EXPECT_EQ(http.pending(), 1U);
  http.deliver();
  EXPECT_EQ(found, 3);
  EXPECT_EQ(http.requests.size(), 1U);
}

TEST_F(JwksCacheTest, UnknownKidRefetchesAtMostOncePerInterval) {
  auto cache = make();
  ASSERT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kFound);
  jwks = mcp::testing::jwks_json({&k1, &k2});  // rotation: k2 published
  // Right after a fetch, an unknown kid does not hit the key server again.
  EXPECT_EQ(lookup(cache, "k2"), auth::JwksCache::Status::kUnknownKid);
  EXPECT_EQ(lookup(cache, "nope"), auth::JwksCache::Status::kUnknownKid);
  EXPECT_EQ(http.requests.size(), 1U);
  now += std::chrono::seconds(31);
  EXPECT_EQ(lookup(cache, "k2"), auth::JwksCache::Status::kFound);
  EXPECT_EQ(http.requests.size(), 2U);
  // A forged kid cannot make us fetch on every request.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lookup(cache, "forged"), auth::JwksCache::Status::kUnknownKid);
  EXPECT_EQ(http.requests.size(), 2U);
}

TEST_F(JwksCacheTest, FailedRefetchKeepsTheLastGoodSet) {
  auto cache = make();
  ASSERT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kFound);
  up = false;
  now += std::chrono::seconds(31);
  EXPECT_EQ(lookup(cache, "k2"), auth::JwksCache::Status::kUnknownKid);
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kFound);
  EXPECT_TRUE(cache.has_keys());
}

TEST_F(JwksCacheTest, NoKeySetFailsClosedUntilTheServerIsBack) {
  up = false;
  auto cache = make();
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kUnavailable);
  up = true;
  // Still inside the interval: no new fetch, still unavailable.
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kUnavailable);
  EXPECT_EQ(http.requests.size(), 1U);
  now += std::chrono::seconds(30);
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kFound);
}

TEST_F(JwksCacheTest, BadDocumentsAreFailures) {
  jwks = R"({"keys":[{"kty":"RSA","kid":"k1","kid":"k1"}]})";
  auto cache = make();
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kUnavailable);
}

TEST_F(JwksCacheTest, StaleSetIsRefreshedInTheBackground) {
  auto cache = make();
  ASSERT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kFound);
  now += std::chrono::seconds(601);
  std::optional<auth::JwksCache::Status> got;
  cache.find("k1", [&](auth::JwksCache::Status s, const auto&) { got = s; });
  EXPECT_EQ(got, auth::JwksCache::Status::kFound);  // answered before the refresh completes
  EXPECT_EQ(http.pending(), 1U);
  http.deliver();
}

TEST_F(JwksCacheTest, DiscoversTheJwksUrlFromTheIssuer) {
  auto cache = make("");
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kFound);
  ASSERT_EQ(http.requests.size(), 2U);
  EXPECT_EQ(http.requests[0].url, std::string(kIssuer) + "/.well-known/openid-configuration");
  EXPECT_EQ(http.requests[1].url, kJwksUrl);
}

TEST_F(JwksCacheTest, DiscoveryWithAnotherIssuerIsRefused) {
  discovery = Json{{"issuer", "https://evil.example.com"}, {"jwks_uri", kJwksUrl}}.dump();
  auto cache = make("");
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kUnavailable);
  EXPECT_EQ(http.requests.size(), 1U);
}

TEST_F(JwksCacheTest, DiscoveryWithWrongTypesIsRefusedNotThrown) {
  discovery = R"({"issuer":42,"jwks_uri":["https://issuer.example.com/jwks.json"]})";
  auto cache = make("");
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kUnavailable);
}

TEST_F(JwksCacheTest, DiscoveredJwksUrlMustBeHttps) {
  discovery = Json{{"issuer", kIssuer}, {"jwks_uri", "http://keys.example.com/jwks"}}.dump();
  auto cache = make("");
  EXPECT_EQ(lookup(cache, "k1"), auth::JwksCache::Status::kUnavailable);
}

// ------------------------------------------------------------ token verifier

class VerifierTest : public JwksCacheTest {
 protected:
  VerifierTest() : cache(make()), verifier(options(), cache) {}

  auth::VerifierOptions options() {
    auth::VerifierOptions o;
    o.rules.issuer = kIssuer;
    o.cache_entries = 2;
    o.unix_now = [this] {
      return clock;
    };
    return o;
  }

  auth::VerifyResult check(const std::string& token, std::string_view audience = kResource) {
    std::optional<auth::VerifyResult> got;
    verifier.verify(token, audience, [&](auth::VerifyResult r) { got = std::move(r); });
    http.deliver();
    EXPECT_TRUE(got.has_value());
    return got.value_or(auth::VerifyResult(util::unexpected(auth::TokenRejection{})));
  }

  std::int64_t clock = unix_now();
  auth::JwksCache cache;
  auth::TokenVerifier verifier;
};

TEST_F(VerifierTest, VerifiesAndReusesTheVerification) {
  const std::string token = k1.token(mcp::testing::access_claims(kIssuer, kResource, clock));
  auto first = check(token);
  ASSERT_TRUE(first) << first.error().reason;
  auto second = check(token);
  ASSERT_TRUE(second);
  EXPECT_EQ(first.value().get(), second.value().get());  // the cached verification
  EXPECT_EQ(http.requests.size(), 1U);
}

TEST_F(VerifierTest, TheAudienceIsPartOfTheCacheKey) {
  const std::string token = k1.token(mcp::testing::access_claims(kIssuer, kResource, clock));
  ASSERT_TRUE(check(token));
  auto other = check(token, "https://other.example.com/mcp");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().kind, auth::TokenRejection::Kind::kInvalid);
}

TEST_F(VerifierTest, CachedTokensStillExpire) {
  const std::string token = k1.token(mcp::testing::access_claims(kIssuer, kResource, clock, 100));
  ASSERT_TRUE(check(token));
  clock += 100 + 61;
  EXPECT_FALSE(check(token));
}

TEST_F(VerifierTest, TheCacheIsBounded) {
  for (int i = 0; i < 5; ++i) {
    Json claims = mcp::testing::access_claims(kIssuer, kResource, clock);
    claims["sub"] = "user-" + std::to_string(i);
    EXPECT_TRUE(check(k1.token(claims)));
  }
}

TEST_F(VerifierTest, KeyServerDownMeansUnavailable) {
  up = false;
  auth::JwksCache down_cache = make();
  auth::TokenVerifier v(options(), down_cache);
  std::optional<auth::VerifyResult> got;
  v.verify(k1.token(mcp::testing::access_claims(kIssuer, kResource, clock)), kResource,
           [&](auth::VerifyResult r) { got = std::move(r); });
  http.deliver();
  ASSERT_TRUE(got && !*got);
  EXPECT_EQ(got->error().kind, auth::TokenRejection::Kind::kUnavailable);
}

// ---------------------------------------------- resource server + transport

class GateTest : public JwksCacheTest {
 protected:
  GateTest()
      : server(ServerOptions{{"test", "1.0.0"}, {}, 0, "state-secret-0123456789", {}, 0}),
        public_url("", "/mcp", false),
        cache(make()),
        verifier(verifier_options(), cache) {
    server.add_tool({.name = "echo", .description = "echo"},
                    [](Context& ctx, const Json&) { return ToolResult::text("hi " + ctx.auth()->subject); });
    server.add_tool({.name = "admin", .description = "admin"},
                    [](Context&, const Json&) { return ToolResult::text("admin"); });
    auth::ResourceServerOptions o;
    o.endpoint = "/mcp";
    o.authorization_servers = {kIssuer};
    o.required_scopes = {"mcp:tools"};
    o.tool_scopes["admin"] = {"mcp:admin"};
    gate = std::make_unique<auth::ResourceServer>(o, public_url, verifier);
    transport::TransportOptions t;
    t.session_secret = "session-secret-0123456789";
    transport = std::make_unique<transport::StreamableHttpTransport>(server, executor, t, log);
    transport->set_access_control(gate.get());
  }

  static auth::VerifierOptions verifier_options() {
    auth::VerifierOptions o;
    o.rules.issuer = kIssuer;
    return o;
  }

  std::string token(const std::string& sub, const std::string& scope = "mcp:tools") {
    Json claims = mcp::testing::access_claims(kIssuer, kResource, unix_now());
    claims["sub"] = sub;
    claims["scope"] = scope;
    return k1.token(claims);
  }

  std::shared_ptr<RecordingResponder> send(http::Request req) {
    auto r = std::make_shared<RecordingResponder>();
    transport->handle(std::move(req), r);
    http.deliver();
    executor.run();
    return r;
  }

  static http::Request post(std::string body, const std::vector<std::pair<std::string, std::string>>& extra) {
    http::Request req;
    req.method = "POST";
    req.target = "/mcp";
    req.headers.add("Host", "localhost:3000");
    req.headers.add("Content-Type", "application/json");
    req.headers.add("Accept", "application/json, text/event-stream");
    for (const auto& [k, v] : extra) req.headers.add(k, v);
    req.body = std::move(body);
    return req;
  }

  static std::string initialize_body() {
    return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",)"
           R"("capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  }
  static std::string call_body(const std::string& tool) {
    return R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":")" + tool +
           R"(","arguments":{}}})";
  }

  // Initializes a legacy session as `bearer`; returns the session id.
  std::string open_session(const std::string& bearer) {
    auto r = send(post(initialize_body(), {{"Authorization", "Bearer " + bearer}}));
    EXPECT_EQ(r->r->response.status, 200) << r->r->response.body;
    return std::string(r->r->response.headers.get("mcp-session-id").value_or(""));
  }

  std::shared_ptr<RecordingResponder> call(const std::string& sid, const std::string& bearer,
                                           const std::string& tool = "echo") {
    return send(post(call_body(tool), {{"Authorization", "Bearer " + bearer},
                                       {"Mcp-Session-Id", sid},
                                       {"MCP-Protocol-Version", "2025-06-18"}}));
  }

  static std::string challenge(const RecordingResponder& r) {
    return std::string(r.r->response.headers.get("www-authenticate").value_or(""));
  }

  Server server;
  ManualExecutor executor;
  auth::PublicUrl public_url;
  auth::JwksCache cache;
  auth::TokenVerifier verifier;
  std::unique_ptr<auth::ResourceServer> gate;
  std::unique_ptr<transport::StreamableHttpTransport> transport;
};

TEST_F(GateTest, InitializeWithoutATokenIsChallenged) {
  auto r = send(post(initialize_body(), {}));
  EXPECT_EQ(r->r->response.status, 401);
  EXPECT_EQ(challenge(*r),
            std::string("Bearer resource_metadata=\"") + kMetadata + "\", scope=\"mcp:tools\"");
  EXPECT_EQ(Json::parse(r->r->response.body)["error"]["code"], -32000);
}

TEST_F(GateTest, AnInvalidTokenGetsInvalidToken) {
  auto r = send(post(initialize_body(), {{"Authorization", "Bearer not-a-jwt"}}));
  EXPECT_EQ(r->r->response.status, 401);
  EXPECT_NE(challenge(*r).find("error=\"invalid_token\""), std::string::npos);
  EXPECT_NE(challenge(*r).find("resource_metadata="), std::string::npos);
}

TEST_F(GateTest, AuthenticatedCallsSeeTheCaller) {
  const std::string alice = token("alice");
  const std::string sid = open_session(alice);
  ASSERT_FALSE(sid.empty());
  auto r = call(sid, alice);
  ASSERT_EQ(r->r->response.status, 200);
  EXPECT_NE(r->r->response.body.find("hi alice"), std::string::npos);
}

TEST_F(GateTest, ASessionBelongsToItsSubject) {
  const std::string sid = open_session(token("alice"));
  EXPECT_EQ(call(sid, token("bob"))->r->response.status, 404);
  EXPECT_EQ(call(sid, token("alice"))->r->response.status, 200);
}

TEST_F(GateTest, MissingToolScopeIsForbiddenNamingTheUnion) {
  const std::string t = token("alice", "mcp:tools profile");
  const std::string sid = open_session(t);
  auto r = call(sid, t, "admin");
  EXPECT_EQ(r->r->response.status, 403);
  EXPECT_EQ(challenge(*r), std::string("Bearer resource_metadata=\"") + kMetadata +
                               "\", scope=\"mcp:tools mcp:admin profile\", error=\"insufficient_scope\", "
                               "error_description=\"this request needs the scopes: mcp:tools mcp:admin\"");
  EXPECT_EQ(call(sid, token("alice", "mcp:tools mcp:admin"), "admin")->r->response.status, 200);
}

TEST_F(GateTest, MissingRequiredScopeIsForbidden) {
  auto r = send(post(initialize_body(), {{"Authorization", "Bearer " + token("alice", "profile")}}));
  EXPECT_EQ(r->r->response.status, 403);
  EXPECT_NE(challenge(*r).find("error=\"insufficient_scope\""), std::string::npos);
}

TEST_F(GateTest, TokensInTheQueryStringAreRefused) {
  auto req = post(initialize_body(), {{"Authorization", "Bearer " + token("alice")}});
  req.target = "/mcp?access_token=abc";
  auto r = send(std::move(req));
  EXPECT_EQ(r->r->response.status, 400);
  EXPECT_NE(challenge(*r).find("error=\"invalid_request\""), std::string::npos);
}

TEST_F(GateTest, TwoAuthorizationHeadersAreABadRequest) {
  const std::string t = token("alice");
  auto r =
      send(post(initialize_body(), {{"Authorization", "Bearer " + t}, {"Authorization", "Bearer " + t}}));
  EXPECT_EQ(r->r->response.status, 400);
}

TEST_F(GateTest, OtherSchemesCountAsNoToken) {
  auto r = send(post(initialize_body(), {{"Authorization", "Basic dXNlcjpwYXNz"}}));
  EXPECT_EQ(r->r->response.status, 401);
  EXPECT_EQ(challenge(*r).find("error="), std::string::npos);
}

TEST_F(GateTest, TheSchemeIsCaseInsensitive) {
  auto r = send(post(initialize_body(), {{"Authorization", "bearer " + token("alice")}}));
  EXPECT_EQ(r->r->response.status, 200);
}

TEST_F(GateTest, ATokenForAnotherResourceIsRejected) {
  Json claims = mcp::testing::access_claims(kIssuer, "https://other.example.com/mcp", unix_now());
  claims["scope"] = "mcp:tools";
  auto r = send(post(initialize_body(), {{"Authorization", "Bearer " + k1.token(claims)}}));
  EXPECT_EQ(r->r->response.status, 401);
}

TEST_F(GateTest, KeysUnavailableIs503) {
  up = false;
  auto r = send(post(initialize_body(), {{"Authorization", "Bearer " + token("alice")}}));
  EXPECT_EQ(r->r->response.status, 503);
  EXPECT_TRUE(r->r->response.headers.get("retry-after").has_value());
}

TEST_F(GateTest, GetAndDeleteAreAuthenticatedToo) {
  http::Request get;
  get.method = "GET";
  get.target = "/mcp";
  get.headers.add("Host", "localhost:3000");
  get.headers.add("Accept", "text/event-stream");
  EXPECT_EQ(send(get)->r->response.status, 401);
  http::Request del = get;
  del.method = "DELETE";
  EXPECT_EQ(send(del)->r->response.status, 401);
}

// ----------------------------------------------------- protected-resource metadata

class MetadataTest : public GateTest {
 protected:
  std::shared_ptr<RecordingResponder> fetch(
      const std::string& path, const auth::ResourceServer& rs,
      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::Request req;
    req.method = "GET";
    req.target = path;
    req.headers.add("Host", "localhost:3000");
    for (const auto& [k, v] : headers) req.headers.add(k, v);
    auto r = std::make_shared<RecordingResponder>();
    handled = rs.handle_metadata(req, r);
    return r;
  }
  bool handled = false;
};

TEST_F(MetadataTest, ServedAtTheSuffixedAndTheRootUrl) {
  for (const std::string path :
       {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"}) {
    auto r = fetch(path, *gate);
    ASSERT_TRUE(handled) << path;
    ASSERT_EQ(r->r->response.status, 200);
    const Json doc = Json::parse(r->r->response.body);
    EXPECT_EQ(doc["resource"], kResource);
    EXPECT_EQ(doc["authorization_servers"], Json::array({kIssuer}));
    EXPECT_EQ(doc["bearer_methods_supported"], Json::array({"header"}));
    EXPECT_EQ(doc["scopes_supported"], Json::array({"mcp:tools", "mcp:admin"}));
    // Derived from Host: never from a shared cache.
    EXPECT_EQ(r->r->response.headers.get("cache-control"), "no-store");
  }
  fetch("/.well-known/oauth-protected-resource/other", *gate);
  EXPECT_FALSE(handled);
  fetch("/mcp", *gate);
  EXPECT_FALSE(handled);
}

TEST_F(MetadataTest, HonoursAConfiguredPublicUrlWithAStage) {
  auth::PublicUrl stage("https://api.example.com/prod/mcp", "/mcp", false);
  auth::ResourceServer rs({.endpoint = "/mcp", .authorization_servers = {kIssuer}}, stage, verifier);
  auto r = fetch("/.well-known/oauth-protected-resource/mcp", rs);
  ASSERT_TRUE(handled);
  EXPECT_EQ(Json::parse(r->r->response.body)["resource"], "https://api.example.com/prod/mcp");
  EXPECT_EQ(r->r->response.headers.get("cache-control"), "public, max-age=300");
  http::Request req;
  req.headers.add("Host", "internal:8080");
  EXPECT_EQ(rs.metadata_url(req), "https://api.example.com/prod/.well-known/oauth-protected-resource/mcp");
  fetch("/.well-known/oauth-protected-resource/prod/mcp", rs);
  EXPECT_TRUE(handled);
}

TEST_F(MetadataTest, ForwardedHeadersOnlyWhenTrusted) {
  const std::vector<std::pair<std::string, std::string>> fwd = {
      {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "mcp.example.com"}, {"X-Forwarded-Prefix", "/v1"}};
  auto r = fetch("/.well-known/oauth-protected-resource/mcp", *gate, fwd);
  EXPECT_EQ(Json::parse(r->r->response.body)["resource"], kResource);
  auth::PublicUrl trusting("", "/mcp", true);
  auth::ResourceServer rs({.endpoint = "/mcp", .authorization_servers = {kIssuer}}, trusting, verifier);
  r = fetch("/.well-known/oauth-protected-resource/mcp", rs, fwd);
  EXPECT_EQ(Json::parse(r->r->response.body)["resource"], "https://mcp.example.com/v1/mcp");
}

TEST_F(MetadataTest, TheFacadeNamesItselfAsTheAuthorizationServer) {
  auth::ResourceServer rs({.endpoint = "/mcp", .authorization_servers = {kIssuer}}, public_url, verifier,
                          [](const http::Request&) { return std::string("http://localhost:3000"); });
  auto r = fetch("/.well-known/oauth-protected-resource", rs);
  EXPECT_EQ(Json::parse(r->r->response.body)["authorization_servers"],
            Json::array({"http://localhost:3000"}));
}

}  // namespace

namespace {

// ------------------------------------------------------------------ URLs

TEST(PublicUrlTest, ParsesAbsoluteHttpUrlsOnly) {
  auto u = auth::parse_url("HTTPS://Api.Example.COM:8443/prod/mcp");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "api.example.com");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->path, "/prod/mcp");
  EXPECT_EQ(u->origin(), "https://api.example.com:8443");
  auto v6 = auth::parse_url("http://[::1]:3000/mcp");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "[::1]");
  for (const char* bad : {"ftp://x/", "//x/mcp", "https://user:pw@x/", "https://x/mcp?a=1", "https://x/#f",
                          "https://x:99999/", "https://x:80a/", "https:///mcp", "https://[::1/"}) {
    EXPECT_FALSE(auth::parse_url(bad)) << "accepted: " << bad;
  }
}

TEST(PublicUrlTest, HttpsOrLoopbackOnly) {
  const auto secure = [](const char* url) {
    return auth::is_secure_or_loopback(*auth::parse_url(url));
  };
  EXPECT_TRUE(secure("https://issuer.example.com"));
  EXPECT_TRUE(secure("http://127.0.0.1:9000/jwks"));
  EXPECT_TRUE(secure("http://localhost:9000"));
  EXPECT_TRUE(secure("http://[::1]:9000"));
  EXPECT_FALSE(secure("http://issuer.example.com"));
  EXPECT_FALSE(secure("http://127.0.0.1.evil.com"));
}

TEST(PublicUrlTest, ResourcesCompareCanonically) {
  EXPECT_EQ(auth::normalize_resource("HTTPS://MCP.Example.com/mcp/"), "https://mcp.example.com/mcp");
  EXPECT_EQ(auth::normalize_resource("https://mcp.example.com/MCP"), "https://mcp.example.com/MCP");
}

TEST(PublicUrlTest, ConfiguredUrlWithAStageSplitsIntoBaseAndPath) {
  auth::PublicUrl url("https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp/", "/mcp", false);
  http::Request req;
  req.headers.add("Host", "ignored:1");
  EXPECT_EQ(url.resource(req), "https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp");
  EXPECT_EQ(url.base(req), "https://abc.execute-api.us-east-1.amazonaws.com/prod");
  EXPECT_EQ(url.base_path(req), "/prod");
}

TEST(PublicUrlTest, ForwardedValuesAreSanitised) {
  auth::PublicUrl url("", "/mcp", true);
  http::Request req;
  req.headers.add("Host", "internal:8080");
  req.headers.add("X-Forwarded-Proto", "javascript");
  req.headers.add("X-Forwarded-Host", "evil.com/\"><script>");
  req.headers.add("X-Forwarded-Prefix", "no-leading-slash");
  EXPECT_EQ(url.resource(req), "http://internal:8080/mcp");
}

}  // namespace

namespace {

TEST(PublicUrlTest, TheNearestProxysForwardedValueWins) {
  auth::PublicUrl url("", "/mcp", true);
  http::Request req;
  req.headers.add("Host", "internal:8080");
  // A client-sent value first, then the one the trusted proxy appended.
  req.headers.add("X-Forwarded-Host", "evil.example, mcp.example.com");
  req.headers.add("X-Forwarded-Proto", "http, https");
  EXPECT_EQ(url.resource(req), "https://mcp.example.com/mcp");
}

}  // namespace
