// Protected-resource and authorization-server discovery: candidate order,
// 4xx fall-through, the resource and issuer checks.
#include <gtest/gtest.h>

#include "mcp/auth/oauth_resource_metadata.hpp"
#include "mcp/auth/oauth_server_metadata.hpp"
#include "oauth_test_support.hpp"

namespace mcp {
namespace {

using namespace auth::oauth;
using testing::FakeOAuthWorld;

OAuthHttp http_for(FakeOAuthWorld& world) {
  return OAuthHttp{std::ref(world), std::chrono::milliseconds(500), nullptr};
}

std::vector<std::string> urls_of(const FakeOAuthWorld& world) {
  std::vector<std::string> out;
  for (const auto& r : world.requests) out.push_back(r.url);
  return out;
}

TEST(OauthDiscovery, ProtectedResourceCandidates) {
  EXPECT_EQ(protected_resource_metadata_urls("http://h:1/a/mcp?x=1"),
            (std::vector<std::string>{"http://h:1/.well-known/oauth-protected-resource/a/mcp",
                                      "http://h:1/.well-known/oauth-protected-resource"}));
  EXPECT_EQ(protected_resource_metadata_urls("http://h:1"),
            (std::vector<std::string>{"http://h:1/.well-known/oauth-protected-resource"}));
}

TEST(OauthDiscovery, PathBasedSuccessNeverAsksTheRoot) {
  FakeOAuthWorld world;
  auto prm = discover_protected_resource(http_for(world), world.mcp_url, "");
  ASSERT_TRUE(prm) << prm.error();
  ASSERT_TRUE(*prm);
  EXPECT_EQ((*prm)->resource, "https://mcp.test/mcp");
  EXPECT_EQ(urls_of(world),
            std::vector<std::string>{"https://mcp.test/.well-known/oauth-protected-resource/mcp"});
}

TEST(OauthDiscovery, FallsBackToTheRootOnlyAfterA4xx) {
  FakeOAuthWorld world;
  world.routes.erase("https://mcp.test/.well-known/oauth-protected-resource/mcp");
  world.routes["https://mcp.test/.well-known/oauth-protected-resource"] = [](const auto&) {
    return FakeOAuthWorld::json(
        Json{{"resource", "https://mcp.test"}, {"authorization_servers", {"https://as.test"}}});
  };
  auto prm = discover_protected_resource(http_for(world), world.mcp_url, "");
  ASSERT_TRUE(prm && *prm);
  EXPECT_EQ((*prm)->resource, "https://mcp.test");
  EXPECT_EQ(world.requests.size(), 2u);

  world.routes["https://mcp.test/.well-known/oauth-protected-resource/mcp"] = [](const auto&) {
    return FakeOAuthWorld::json(Json::object(), 503);
  };
  EXPECT_FALSE(discover_protected_resource(http_for(world), world.mcp_url, ""));
}

TEST(OauthDiscovery, NoMetadataAnywhereMeansLegacy) {
  FakeOAuthWorld world;
  world.routes.clear();
  auto prm = discover_protected_resource(http_for(world), world.mcp_url, "");
  ASSERT_TRUE(prm);
  EXPECT_FALSE(*prm);
}

TEST(OauthDiscovery, AdvertisedMetadataUrlIsTheOnlyOneFetched) {
  FakeOAuthWorld world;
  world.routes["https://mcp.test/custom/metadata/location.json"] = [&](const auto&) {
    return FakeOAuthWorld::json(world.prm);
  };
  auto prm = discover_protected_resource(http_for(world), world.mcp_url,
                                         "https://mcp.test/custom/metadata/location.json");
  ASSERT_TRUE(prm && *prm);
  EXPECT_EQ(urls_of(world), std::vector<std::string>{"https://mcp.test/custom/metadata/location.json"});
  EXPECT_FALSE(discover_protected_resource(http_for(world), world.mcp_url, "https://mcp.test/missing"));
}

TEST(OauthDiscovery, BadDocumentsNameTheUrl) {
  FakeOAuthWorld world;
  world.routes["https://mcp.test/.well-known/oauth-protected-resource/mcp"] = [](const auto&) {
    http::ClientResponse r;
    r.status = 200;
    r.body = "{\"resource\": ";
    return http::ClientResult(r);
  };
  auto prm = discover_protected_resource(http_for(world), world.mcp_url, "");
  ASSERT_FALSE(prm);
  EXPECT_NE(prm.error().find("https://mcp.test/.well-known/oauth-protected-resource/mcp"), std::string::npos);
  world.prm = Json{{"resource", "https://mcp.test/mcp"}, {"authorization_servers", Json::array()}};
  world.install_defaults();
  EXPECT_FALSE(discover_protected_resource(http_for(world), world.mcp_url, ""));
}

TEST(OauthDiscovery, ResourceMustNameTheEndpointOrASegmentPrefix) {
  EXPECT_TRUE(resource_matches("http://localhost:3/mcp", "http://localhost:3/mcp"));
  EXPECT_TRUE(resource_matches("http://LOCALHOST:3/mcp/", "http://localhost:3/mcp"));
  EXPECT_TRUE(resource_matches("http://localhost:3", "http://localhost:3/mcp"));
  EXPECT_TRUE(resource_matches("https://api.example.com/prod", "https://api.example.com/prod/mcp"));
  EXPECT_TRUE(resource_matches("https://h:443/mcp", "https://h/mcp"));
  EXPECT_FALSE(resource_matches("http://localhost:3/mc", "http://localhost:3/mcp"));
  EXPECT_FALSE(resource_matches("http://localhost:3/mcp/deeper", "http://localhost:3/mcp"));
  EXPECT_FALSE(resource_matches("https://evil.example.com/mcp", "http://localhost:3/mcp"));
  EXPECT_FALSE(resource_matches("https://localhost:3/mcp", "http://localhost:3/mcp"));
  EXPECT_FALSE(resource_matches("http://localhost:4/mcp", "http://localhost:3/mcp"));
  EXPECT_FALSE(resource_matches("http://localhost:3/mcp#x", "http://localhost:3/mcp"));
  EXPECT_EQ(canonical_resource("HTTP://Host:3/mcp?q#f"), "http://host:3/mcp");
}

TEST(OauthDiscovery, AuthorizationServerCandidatesFollowTheSpec) {
  EXPECT_EQ(authorization_server_metadata_urls("http://a:1"),
            (std::vector<std::string>{"http://a:1/.well-known/oauth-authorization-server",
                                      "http://a:1/.well-known/openid-configuration"}));
  EXPECT_EQ(authorization_server_metadata_urls("http://a:1/tenant1"),
            (std::vector<std::string>{"http://a:1/.well-known/oauth-authorization-server/tenant1",
                                      "http://a:1/.well-known/openid-configuration/tenant1",
                                      "http://a:1/tenant1/.well-known/openid-configuration"}));
}

TEST(OauthDiscovery, CognitoIssuerIsFoundAtItsOpenIdConfiguration) {
  const std::string issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123";
  FakeOAuthWorld world;
  world.routes.clear();
  world.routes[issuer + "/.well-known/openid-configuration"] = [&](const auto&) {
    return FakeOAuthWorld::json(
        Json{{"issuer", issuer},
             {"authorization_endpoint", "https://x.auth.us-east-1.amazoncognito.com/oauth2/authorize"},
             {"token_endpoint", "https://x.auth.us-east-1.amazoncognito.com/oauth2/token"},
             {"code_challenge_methods_supported", {"S256"}}});
  };
  auto m = discover_authorization_server(http_for(world), issuer, true);
  ASSERT_TRUE(m) << m.error();
  ASSERT_TRUE(*m);
  EXPECT_EQ((*m)->token_endpoint, "https://x.auth.us-east-1.amazoncognito.com/oauth2/token");
  EXPECT_EQ(world.requests.size(), 3u);
  // Never the root document for an issuer with a path.
  EXPECT_EQ(world.count("https://cognito-idp.us-east-1.amazonaws.com/.well-known/oauth-authorization-server"),
            0u);
}

TEST(OauthDiscovery, OidcOnlyServerIsFoundSecond) {
  FakeOAuthWorld world;
  world.routes.erase("https://as.test/.well-known/oauth-authorization-server");
  world.routes["https://as.test/.well-known/openid-configuration"] = [&](const auto&) {
    return FakeOAuthWorld::json(world.metadata);
  };
  auto m = discover_authorization_server(http_for(world), "https://as.test", true);
  ASSERT_TRUE(m && *m);
  EXPECT_EQ((*m)->url, "https://as.test/.well-known/openid-configuration");
  EXPECT_TRUE(supports_pkce_s256(**m));
  EXPECT_TRUE((*m)->authorization_response_iss_parameter_supported);
}

TEST(OauthDiscovery, IssuerMustMatchExceptInLegacyMode) {
  FakeOAuthWorld world;
  world.metadata["issuer"] = "https://attacker.example.com";
  auto strict = discover_authorization_server(http_for(world), "https://as.test", true);
  ASSERT_FALSE(strict);
  EXPECT_NE(strict.error().find("attacker"), std::string::npos);
  auto legacy = discover_authorization_server(http_for(world), "https://as.test", false);
  ASSERT_TRUE(legacy && *legacy);
}

TEST(OauthDiscovery, ServerErrorsStopAndMissingEverywhereIsNullopt) {
  FakeOAuthWorld world;
  world.routes["https://as.test/.well-known/oauth-authorization-server"] = [](const auto&) {
    return FakeOAuthWorld::json(Json::object(), 500);
  };
  EXPECT_FALSE(discover_authorization_server(http_for(world), "https://as.test", true));
  world.routes.clear();
  auto none = discover_authorization_server(http_for(world), "https://as.test", true);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  const auto d = default_endpoints("https://mcp.test");
  EXPECT_EQ(d.authorization_endpoint, "https://mcp.test/authorize");
  EXPECT_EQ(d.token_endpoint, "https://mcp.test/token");
  EXPECT_EQ(d.registration_endpoint, "https://mcp.test/register");
}

TEST(OauthDiscovery, PkceSupportIsRead) {
  AuthServerMetadata m;
  EXPECT_FALSE(supports_pkce_s256(m));
  m.code_challenge_methods_supported = {"plain"};
  EXPECT_FALSE(supports_pkce_s256(m));
  m.code_challenge_methods_supported = {"plain", "S256"};
  EXPECT_TRUE(supports_pkce_s256(m));
}

}  // namespace
}  // namespace mcp
