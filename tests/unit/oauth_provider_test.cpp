// OAuthProvider end to end against an in-memory authorization server, in
// headless mode (the AS answers /authorize with an immediate 302).
#include "mcp/client/oauth_provider.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "mcp/util/base64.hpp"
#include "oauth_test_support.hpp"

namespace mcp {
namespace {

using client::Challenge;
using client::ChallengeOutcome;
using client::OAuthOptions;
using client::OAuthProvider;
using testing::FakeOAuthWorld;

constexpr const char* kRedirect = "http://localhost:3000/callback";

OAuthOptions headless() {
  OAuthOptions o;
  o.mode = client::LoginMode::kHeadless;
  o.redirect_uri = kRedirect;
  return o;
}

Challenge challenge(int status, const std::string& www, int attempt = 0) {
  Challenge c;
  c.status = status;
  c.headers = testing::challenge_headers(www);
  c.url = "https://mcp.test/mcp";
  c.attempt = attempt;
  return c;
}

const std::string kPrmHeader =
    R"(Bearer error="invalid_token", resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp")";

struct Fixture {
  FakeOAuthWorld world;
  std::vector<std::string> traces;
  std::unique_ptr<OAuthProvider> make(OAuthOptions o = headless()) {
    o.trace = [this](std::string_view line) {
      traces.emplace_back(line);
    };
    return std::make_unique<OAuthProvider>(world.mcp_url, std::move(o), std::ref(world));
  }
};

TEST(OauthProvider, LogsInOnA401WithDiscoveryRegistrationPkceAndResource) {
  Fixture f;
  auto p = f.make();
  EXPECT_FALSE(p->authorization());
  auto out = p->on_challenge(challenge(401, kPrmHeader));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, ChallengeOutcome::kRetry);
  EXPECT_EQ(p->authorization().value_or(""), "Bearer at-1");

  EXPECT_EQ(f.world.count("https://mcp.test/.well-known/oauth-protected-resource"), 0u);
  ASSERT_EQ(f.world.count("https://as.test/register"), 1u);
  const auto reg = Json::parse(f.world.to("https://as.test/register")[0].body);
  EXPECT_EQ(reg["redirect_uris"], Json::array({kRedirect}));
  EXPECT_EQ(reg["application_type"], "native");

  const auto authorize = FakeOAuthWorld::query_of(f.world.to("https://as.test/authorize")[0].url);
  EXPECT_EQ(authorize.get("client_id").value_or(""), "dyn-client");
  EXPECT_EQ(authorize.get("code_challenge_method").value_or(""), "S256");
  EXPECT_EQ(authorize.get("resource").value_or(""), "https://mcp.test/mcp");
  EXPECT_FALSE(authorize.get("scope"));  // nothing defines one
  EXPECT_GE(authorize.get("state").value_or("").size(), 16u);

  const auto token = FakeOAuthWorld::body_of(f.world.to("https://as.test/token")[0]);
  EXPECT_EQ(token.get("grant_type").value_or(""), "authorization_code");
  EXPECT_EQ(token.get("resource").value_or(""), "https://mcp.test/mcp");
  EXPECT_EQ(token.get("redirect_uri").value_or(""), kRedirect);
  EXPECT_EQ(token.get("client_id").value_or(""), "dyn-client");
  EXPECT_FALSE(f.world.to("https://as.test/token")[0].headers.get("Authorization"));

  const auto status = p->status();
  EXPECT_TRUE(status.authenticated);
  EXPECT_TRUE(status.refreshable);
  EXPECT_EQ(status.issuer, "https://as.test");
  EXPECT_EQ(status.client_id, "dyn-client");
  ASSERT_TRUE(status.expires_at);
  for (const auto& line : f.traces) {
    EXPECT_EQ(line.find("at-1"), std::string::npos) << line;
    EXPECT_EQ(line.find("rt-1"), std::string::npos) << line;
  }
}

TEST(OauthProvider, ScopeComesFromTheChallengeElseTheResourceMetadata) {
  Fixture f;
  f.world.prm["scopes_supported"] = {"mcp:profile"};
  auto p = f.make();
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader + R"(, scope="mcp:basic")")));
  EXPECT_EQ(
      FakeOAuthWorld::query_of(f.world.to("https://as.test/authorize")[0].url).get("scope").value_or(""),
      "mcp:basic");

  Fixture g;
  g.world.prm["scopes_supported"] = {"mcp:basic", "mcp:read"};
  g.world.metadata["scopes_supported"] = {"mcp:basic", "offline_access"};
  auto q = g.make();
  ASSERT_TRUE(q->on_challenge(challenge(401, kPrmHeader)));
  EXPECT_EQ(
      FakeOAuthWorld::query_of(g.world.to("https://as.test/authorize")[0].url).get("scope").value_or(""),
      "mcp:basic mcp:read offline_access");
}

TEST(OauthProvider, StepsUpWithTheUnionOfScopes) {
  Fixture f;
  auto p = f.make();
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader + R"(, scope="mcp:basic")")));
  auto out = p->on_challenge(challenge(
      403,
      R"(Bearer error="insufficient_scope", scope="mcp:write", resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp")"));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, ChallengeOutcome::kRetry);
  const auto auths = f.world.to("https://as.test/authorize");
  ASSERT_EQ(auths.size(), 2u);
  EXPECT_EQ(FakeOAuthWorld::query_of(auths[1].url).get("scope").value_or(""), "mcp:basic mcp:write");
  EXPECT_EQ(p->authorization().value_or(""), "Bearer at-2");
  EXPECT_EQ(f.world.count("https://as.test/register"), 1u);  // registered once per issuer
}

TEST(OauthProvider, GivesUpWhenTheSameInsufficientScopeRepeats) {
  Fixture f;
  auto p = f.make();
  const std::string forbidden =
      R"(Bearer error="insufficient_scope", scope="mcp:admin", resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp")";
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader + R"(, scope="mcp:admin")", 0)));
  auto second = p->on_challenge(challenge(403, forbidden, 1));
  ASSERT_TRUE(second);
  auto third = p->on_challenge(challenge(403, forbidden, 2));
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().find("mcp:admin"), std::string::npos);
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 2u);
}

TEST(OauthProvider, BoundsAuthorizationsPerOperation) {
  Fixture f;
  OAuthOptions o = headless();
  o.max_authorizations = 2;
  auto p = f.make(o);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(p->on_challenge(
        challenge(403, R"(Bearer error="insufficient_scope", scope="s)" + std::to_string(i) + "\"", i)));
  }
  EXPECT_FALSE(p->on_challenge(challenge(403, R"(Bearer error="insufficient_scope", scope="s9")", 2)));
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 2u);
  // A new operation may authorize again.
  EXPECT_TRUE(p->on_challenge(challenge(403, R"(Bearer error="insufficient_scope", scope="s10")", 0)));
}

TEST(OauthProvider, NeverLoopsOnA401AfterAFreshToken) {
  Fixture f;
  f.world.issue_refresh_tokens = false;
  auto p = f.make();
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader, 0)));
  auto again = p->on_challenge(challenge(401, kPrmHeader, 1));
  ASSERT_FALSE(again);
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 1u);
  EXPECT_EQ(*p->on_challenge(challenge(403, "Bearer error=\"invalid_token\"")), ChallengeOutcome::kGiveUp);
}

TEST(OauthProvider, RefreshesOnA401BeforeLoggingInAgain) {
  Fixture f;
  auto p = f.make();
  ASSERT_TRUE(p->login());
  auto out = p->on_challenge(challenge(401, kPrmHeader, 0));
  ASSERT_TRUE(out);
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 1u);
  const auto refresh = FakeOAuthWorld::body_of(f.world.to("https://as.test/token").back());
  EXPECT_EQ(refresh.get("grant_type").value_or(""), "refresh_token");
  EXPECT_EQ(refresh.get("refresh_token").value_or(""), "rt-1");
  EXPECT_EQ(refresh.get("resource").value_or(""), "https://mcp.test/mcp");
  EXPECT_EQ(p->authorization().value_or(""), "Bearer at-2");
  // The refreshed token is rejected too: now a full login.
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader, 1)));
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 2u);
}

TEST(OauthProvider, RefreshRotatesOrKeepsTheRefreshToken) {
  Fixture f;
  auto p = f.make();
  ASSERT_TRUE(p->login());
  ASSERT_TRUE(p->refresh());
  EXPECT_EQ(f.world.current_refresh, "rt-2");
  f.world.rotate_refresh_tokens = false;
  ASSERT_TRUE(p->refresh());  // sends rt-2, gets no new one
  ASSERT_TRUE(p->refresh());  // still rt-2
  EXPECT_EQ(
      FakeOAuthWorld::body_of(f.world.to("https://as.test/token").back()).get("refresh_token").value_or(""),
      "rt-2");
  EXPECT_EQ(p->authorization().value_or(""), "Bearer at-4");
}

TEST(OauthProvider, RefreshesATokenAboutToExpire) {
  Fixture f;
  f.world.routes["https://as.test/token"] = [&](const http::ClientRequest& r) {
    auto res = f.world.token(r);
    auto doc = Json::parse(res->body);
    if (doc.contains("expires_in")) doc["expires_in"] = 30;  // inside the 60 s margin
    res->body = doc.dump();
    return res;
  };
  auto p = f.make();
  ASSERT_TRUE(p->login());
  EXPECT_EQ(p->authorization().value_or(""), "Bearer at-2");
  // A failing refresh hands out the old (still valid) token.
  f.world.current_refresh = "revoked";
  EXPECT_EQ(p->authorization().value_or(""), "Bearer at-2");
}

TEST(OauthProvider, AccessTokenFromTheEnvironmentWinsAndIsNeverRefreshed) {
  Fixture f;
  OAuthOptions o = headless();
  o.access_token = "env-token-value";
  auto p = f.make(o);
  EXPECT_EQ(p->authorization().value_or(""), "Bearer env-token-value");
  auto out = p->on_challenge(challenge(401, kPrmHeader));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), "the ACCESS_TOKEN was rejected");
  EXPECT_FALSE(p->refresh());
  EXPECT_TRUE(f.world.requests.empty());
  EXPECT_TRUE(p->status().from_environment);
}

TEST(OauthProvider, PreRegisteredClientUsesBasicAuthentication) {
  Fixture f;
  f.world.metadata.erase("registration_endpoint");
  f.world.metadata["token_endpoint_auth_methods_supported"] = {"client_secret_basic"};
  OAuthOptions o = headless();
  o.credentials_issuer = "https://as.test";
  o.client_id = "pre-registered-client";
  o.client_secret = "pre-registered-secret";
  auto p = f.make(o);
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader)));
  const auto token = f.world.to("https://as.test/token")[0];
  EXPECT_EQ(std::string(token.headers.get("Authorization").value_or("")),
            "Basic " + util::base64_encode("pre-registered-client:pre-registered-secret"));
  EXPECT_FALSE(FakeOAuthWorld::body_of(token).get("client_secret"));
  EXPECT_EQ(f.world.count("https://as.test/register"), 0u);
}

TEST(OauthProvider, RegisteredSecretMethodsAreHonoured) {
  for (const std::string method : {"client_secret_post", "client_secret_basic"}) {
    Fixture f;
    f.world.metadata["token_endpoint_auth_methods_supported"] = {method};
    f.world.registration = {
        {"client_id", "c1"}, {"client_secret", "s1"}, {"token_endpoint_auth_method", method}};
    auto p = f.make();
    ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader)));
    EXPECT_EQ(Json::parse(f.world.to("https://as.test/register")[0].body)["token_endpoint_auth_method"],
              method);
    const auto token = f.world.to("https://as.test/token")[0];
    const auto body = FakeOAuthWorld::body_of(token);
    if (method == "client_secret_post") {
      EXPECT_EQ(body.get("client_secret").value_or(""), "s1");
      EXPECT_FALSE(token.headers.get("Authorization"));
    } else {
      EXPECT_FALSE(body.get("client_secret"));
      EXPECT_TRUE(token.headers.get("Authorization"));
    }
  }
}

TEST(OauthProvider, UsesAClientIdMetadataDocumentWhenSupported) {
  Fixture f;
  f.world.metadata["client_id_metadata_document_supported"] = true;
  OAuthOptions o = headless();
  o.client_metadata_url = "https://conformance-test.local/client-metadata.json";
  auto p = f.make(o);
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader)));
  EXPECT_EQ(f.world.count("https://as.test/register"), 0u);
  EXPECT_EQ(
      FakeOAuthWorld::query_of(f.world.to("https://as.test/authorize")[0].url).get("client_id").value_or(""),
      "https://conformance-test.local/client-metadata.json");
}

TEST(OauthProvider, NoClientIdentityIsExplained) {
  Fixture f;
  f.world.metadata.erase("registration_endpoint");
  auto p = f.make();
  auto out = p->on_challenge(challenge(401, kPrmHeader));
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("no client identity: set OAUTH_CLIENT_ID"), std::string::npos);
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 0u);
}

TEST(OauthProvider, RefusesAResourceMetadataForAnotherServer) {
  Fixture f;
  f.world.prm["resource"] = "https://evil.example.com/mcp";
  auto p = f.make();
  auto out = p->on_challenge(challenge(401, kPrmHeader));
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("evil.example.com"), std::string::npos);
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 0u);
  EXPECT_EQ(f.world.count("https://mcp.test/.well-known/oauth-protected-resource/mcp"), 1u);
}

TEST(OauthProvider, RefusesMetadataNamingAnotherIssuer) {
  Fixture f;
  f.world.metadata["issuer"] = "https://attacker.example.com";
  auto p = f.make();
  ASSERT_FALSE(p->on_challenge(challenge(401, kPrmHeader)));
  EXPECT_EQ(f.world.count("https://as.test/register"), 0u);
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 0u);
}

TEST(OauthProvider, RefusesAServerWithoutPkceS256) {
  Fixture f;
  f.world.metadata.erase("code_challenge_methods_supported");
  auto p = f.make();
  auto out = p->on_challenge(challenge(401, kPrmHeader));
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("PKCE"), std::string::npos);
  EXPECT_EQ(f.world.count("https://as.test/authorize"), 0u);
}

TEST(OauthProvider, ChecksTheIssInTheRedirect) {
  for (const std::string iss : {"https://evil.example.com", "https://as.test/", "-"}) {
    Fixture f;
    f.world.iss_override = iss;
    auto p = f.make();
    ASSERT_FALSE(p->on_challenge(challenge(401, kPrmHeader))) << iss;
    EXPECT_EQ(f.world.count("https://as.test/token"), 0u) << iss;
  }
  Fixture f;  // not advertised and absent: fine
  f.world.metadata.erase("authorization_response_iss_parameter_supported");
  f.world.iss_override = "-";
  EXPECT_TRUE(f.make()->on_challenge(challenge(401, kPrmHeader)));
}

TEST(OauthProvider, LegacyServersUseTheOriginsMetadataWithoutResource) {
  Fixture f;
  f.world.routes.clear();
  f.world.metadata = {{"issuer", "https://mcp.test/oauth"},
                      {"authorization_endpoint", "https://as.test/authorize"},
                      {"token_endpoint", "https://as.test/token"},
                      {"registration_endpoint", "https://as.test/register"},
                      {"code_challenge_methods_supported", {"S256"}}};
  f.world.install_defaults();
  f.world.routes.erase("https://mcp.test/.well-known/oauth-protected-resource/mcp");
  f.world.routes.erase("https://as.test/.well-known/oauth-authorization-server");
  f.world.routes["https://mcp.test/.well-known/oauth-authorization-server"] = [&](const auto&) {
    return FakeOAuthWorld::json(f.world.metadata);
  };
  auto p = f.make();
  auto out = p->on_challenge(challenge(401, "Bearer"));
  ASSERT_TRUE(out) << out.error();
  EXPECT_FALSE(FakeOAuthWorld::query_of(f.world.to("https://as.test/authorize")[0].url).get("resource"));
  EXPECT_FALSE(FakeOAuthWorld::body_of(f.world.to("https://as.test/token")[0]).get("resource"));
  EXPECT_EQ(f.world.count("https://as.test/register"), 1u);
}

TEST(OauthProvider, LegacyServersWithoutMetadataUseDefaultEndpoints) {
  Fixture f;
  f.world.routes.clear();
  f.world.routes["https://mcp.test/register"] = [&](const auto&) {
    return FakeOAuthWorld::json(f.world.registration, 201);
  };
  f.world.routes["https://mcp.test/authorize"] = [&](const auto& r) {
    return f.world.authorize(r);
  };
  f.world.routes["https://mcp.test/token"] = [&](const auto& r) {
    return f.world.token(r);
  };
  f.world.iss_override = "-";
  auto p = f.make();
  auto out = p->on_challenge(challenge(401, "Bearer"));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(f.world.count("https://mcp.test/token"), 1u);
  EXPECT_EQ(FakeOAuthWorld::query_of(f.world.to("https://mcp.test/authorize")[0].url)
                .get("code_challenge_method")
                .value_or(""),
            "S256");
}

TEST(OauthProvider, ReRegistersWhenTheAuthorizationServerChanges) {
  Fixture f;
  f.world.issue_refresh_tokens = false;
  f.world.registration = {{"client_id", "as1-client"}, {"token_endpoint_auth_method", "none"}};
  auto p = f.make();
  ASSERT_TRUE(p->on_challenge(challenge(401, kPrmHeader, 0)));
  // The resource now names another authorization server.
  f.world.prm["authorization_servers"] = {"https://as2.test"};
  Json as2 = f.world.metadata;
  for (auto& [k, v] : as2.items()) {
    if (v.is_string()) v = std::regex_replace(v.get<std::string>(), std::regex("as\\.test"), "as2.test");
  }
  f.world.routes["https://as2.test/.well-known/oauth-authorization-server"] = [as2](const auto&) {
    return FakeOAuthWorld::json(as2);
  };
  f.world.routes["https://as2.test/register"] = [](const auto&) {
    return FakeOAuthWorld::json(Json{{"client_id", "as2-client"}, {"token_endpoint_auth_method", "none"}},
                                201);
  };
  f.world.routes["https://as2.test/authorize"] = [&](const auto& r) {
    f.world.metadata["issuer"] = "https://as2.test";
    return f.world.authorize(r);
  };
  f.world.routes["https://as2.test/token"] = [&](const auto& r) {
    return f.world.token(r);
  };
  auto out = p->on_challenge(challenge(401, kPrmHeader, 0));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(
      FakeOAuthWorld::query_of(f.world.to("https://as2.test/authorize")[0].url).get("client_id").value_or(""),
      "as2-client");
  EXPECT_EQ(FakeOAuthWorld::body_of(f.world.to("https://as2.test/token")[0]).get("client_id").value_or(""),
            "as2-client");
  EXPECT_EQ(p->status().issuer, "https://as2.test");
}

TEST(OauthProvider, LogoutRevokesBothTokensAndForgetsThem) {
  Fixture f;
  f.world.registration = {
      {"client_id", "c1"}, {"client_secret", "s1"}, {"token_endpoint_auth_method", "client_secret_post"}};
  f.world.metadata["token_endpoint_auth_methods_supported"] = {"client_secret_post"};
  auto p = f.make();
  ASSERT_TRUE(p->login());
  auto out = p->logout();
  ASSERT_TRUE(out) << out.error();
  EXPECT_NE(out->find("revoked the refresh token"), std::string::npos) << *out;
  const auto revokes = f.world.to("https://as.test/revoke");
  ASSERT_EQ(revokes.size(), 2u);
  const auto first = FakeOAuthWorld::body_of(revokes[0]);
  EXPECT_EQ(first.get("token").value_or(""), "rt-1");
  EXPECT_EQ(first.get("token_type_hint").value_or(""), "refresh_token");
  EXPECT_EQ(first.get("client_secret").value_or(""), "s1");
  EXPECT_EQ(FakeOAuthWorld::body_of(revokes[1]).get("token").value_or(""), "at-1");
  EXPECT_FALSE(p->authorization());
  EXPECT_FALSE(p->status().authenticated);
  EXPECT_NE(p->logout()->find("no stored tokens"), std::string::npos);
}

TEST(OauthProvider, StatusShowsTheSubjectOfAJwtAccessToken) {
  Fixture f;
  const std::string jwt = util::base64url_encode(R"({"alg":"RS256","kid":"k"})") + "." +
                          util::base64url_encode(R"({"sub":"user-42","exp":1})") + ".c2ln";
  f.world.routes["https://as.test/token"] = [&](const auto&) {
    return FakeOAuthWorld::json(Json{{"access_token", jwt}, {"token_type", "Bearer"}, {"scope", "a b"}});
  };
  auto p = f.make();
  ASSERT_TRUE(p->login());
  const auto s = p->status();
  EXPECT_EQ(s.subject, "user-42");
  EXPECT_EQ(s.scope, "a b");
  EXPECT_FALSE(s.refreshable);
  EXPECT_FALSE(s.expires_at);
}

TEST(OauthProvider, NoBrowserModeReadsThePastedUrl) {
  Fixture f;
  OAuthOptions o = headless();
  o.mode = client::LoginMode::kNoBrowser;
  std::string shown;
  o.say = [&](std::string_view s) {
    shown += std::string(s) + "\n";
  };
  o.ask = [&](std::string_view) -> std::optional<std::string> {
    // Play the browser: follow the authorization URL printed above.
    const auto start = shown.find("https://as.test/authorize");
    const auto url = shown.substr(start, shown.find('\n', start) - start);
    http::ClientRequest r;
    r.url = url;
    auto res = f.world(r);
    return std::string(res->headers.get("Location").value_or(""));
  };
  auto p = f.make(o);
  auto out = p->on_challenge(challenge(401, kPrmHeader));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(p->authorization().value_or(""), "Bearer at-1");

  Fixture g;
  o.ask = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  auto q = g.make(o);
  EXPECT_FALSE(q->on_challenge(challenge(401, kPrmHeader)));
}

TEST(OauthProvider, HeadlessModeExplainsAServerThatNeedsAUser) {
  Fixture f;
  f.world.routes["https://as.test/authorize"] = [](const auto&) {
    http::ClientResponse r;
    r.status = 200;
    r.body = "<html>login</html>";
    return http::ClientResult(r);
  };
  auto out = f.make()->on_challenge(challenge(401, kPrmHeader));
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("browser"), std::string::npos);
}

}  // namespace
}  // namespace mcp
