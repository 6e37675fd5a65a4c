// Pre-configured client credentials reach only the authorization server the
// user named (OAuthOptions::credentials_issuer, OAUTH_ISSUER): an MCP server
// chooses the authorization server, so a malicious one must not collect them.
#include <gtest/gtest.h>

#include <string>

#include "mcp/client/oauth_provider.hpp"
#include "mcp/util/base64.hpp"
#include "oauth_test_support.hpp"

namespace mcp {
namespace {

using client::Challenge;
using client::OAuthOptions;
using client::OAuthProvider;
using testing::FakeOAuthWorld;

constexpr const char* kSecret = "pre-registered-secret";
constexpr const char* kOurIssuer = "https://as.test";

Challenge challenge_401(
    const std::string& www =
        R"(Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp")") {
  Challenge c;
  c.status = 401;
  c.headers = testing::challenge_headers(www);
  c.url = "https://mcp.test/mcp";
  return c;
}

OAuthOptions pre_registered(std::string credentials_issuer) {
  OAuthOptions o;
  o.mode = client::LoginMode::kHeadless;
  o.redirect_uri = "http://localhost:3000/callback";
  o.client_id = "pre-registered-client";
  o.client_secret = kSecret;
  o.credentials_issuer = std::move(credentials_issuer);
  return o;
}

// True when any request carried `needle` in its URL, headers or body.
bool anything_carried(const FakeOAuthWorld& world, const std::string& needle) {
  for (const auto& r : world.requests) {
    if (r.url.find(needle) != std::string::npos || r.body.find(needle) != std::string::npos) return true;
    for (const auto& h : r.headers.items()) {
      if (h.value.find(needle) != std::string::npos) return true;
    }
  }
  return false;
}

const std::string kBasic = "Basic " + util::base64_encode(std::string("pre-registered-client:") + kSecret);

bool carried_basic(const FakeOAuthWorld& world) {
  for (const auto& r : world.requests) {
    if (r.headers.get("Authorization").value_or("") == kBasic) return true;
  }
  return false;
}

FakeOAuthWorld secret_world() {
  FakeOAuthWorld world;
  world.metadata["token_endpoint_auth_methods_supported"] = {"client_secret_basic", "none"};
  return world;
}

TEST(OauthIssuerBinding, CredentialsGoOnlyToTheNamedIssuer) {
  auto world = secret_world();
  OAuthProvider p(world.mcp_url, pre_registered(kOurIssuer), std::ref(world));
  auto out = p.on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_TRUE(carried_basic(world));
  EXPECT_EQ(world.count("https://as.test/register"), 0u);
  EXPECT_EQ(FakeOAuthWorld::query_of(world.to("https://as.test/authorize")[0].url).get("client_id"),
            "pre-registered-client");
}

TEST(OauthIssuerBinding, AnotherIssuerGetsNeitherTheClientIdNorTheSecret) {
  auto world = secret_world();  // https://as.test, not the issuer the credentials are for
  OAuthProvider p(world.mcp_url, pre_registered("https://login.example.com"), std::ref(world));
  auto out = p.on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  // As without a pre-registered client: dynamic registration.
  EXPECT_EQ(world.count("https://as.test/register"), 1u);
  EXPECT_EQ(FakeOAuthWorld::query_of(world.to("https://as.test/authorize")[0].url).get("client_id"),
            "dyn-client");
  EXPECT_FALSE(anything_carried(world, kSecret));
  EXPECT_FALSE(anything_carried(world, "pre-registered-client"));
  EXPECT_FALSE(carried_basic(world));
  EXPECT_EQ(p.status().client_id, "dyn-client");
}

TEST(OauthIssuerBinding, WithoutANamedIssuerASecretIsRefused) {
  auto world = secret_world();
  OAuthProvider p(world.mcp_url, pre_registered(""), std::ref(world));
  auto out = p.on_challenge(challenge_401());
  ASSERT_FALSE(out);
  EXPECT_NE(
      out.error().find("OAUTH_CLIENT_SECRET (or key/assertion) is only sent to the authorization server "
                       "named by OAUTH_ISSUER; set OAUTH_ISSUER=https://as.test"),
      std::string::npos)
      << out.error();
  EXPECT_EQ(world.count("https://as.test/authorize"), 0u);
  EXPECT_EQ(world.count("https://as.test/token"), 0u);
  EXPECT_EQ(world.count("https://as.test/register"), 0u);
  EXPECT_FALSE(anything_carried(world, kSecret));
  EXPECT_FALSE(carried_basic(world));
}

TEST(OauthIssuerBinding, TrustAnyIssuerSendsTheSecretWithoutANamedIssuer) {
  auto world = secret_world();
  OAuthOptions o = pre_registered("");
  o.trust_any_issuer = true;
  OAuthProvider p(world.mcp_url, o, std::ref(world));
  auto out = p.on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_TRUE(carried_basic(world));
}

TEST(OauthIssuerBinding, ABareClientIdIsUsedWithAnyIssuer) {
  auto world = secret_world();
  OAuthOptions o = pre_registered("");
  o.client_secret.clear();
  OAuthProvider p(world.mcp_url, o, std::ref(world));
  auto out = p.on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(world.count("https://as.test/register"), 0u);
  EXPECT_EQ(FakeOAuthWorld::query_of(world.to("https://as.test/authorize")[0].url).get("client_id"),
            "pre-registered-client");
}

TEST(OauthIssuerBinding, ALegacyServerCannotClaimTheNamedIssuer) {
  // A 2025-03-26 server (no resource metadata) whose unchecked metadata
  // claims to be the issuer the credentials belong to, with its own endpoints.
  auto world = secret_world();
  world.routes.clear();
  world.metadata["issuer"] = kOurIssuer;
  for (const char* name : {"authorization_endpoint", "token_endpoint", "registration_endpoint"}) {
    world.metadata[name] = std::string("https://mcp.test/") + name;
  }
  world.routes["https://mcp.test/.well-known/oauth-authorization-server"] = [&world](const auto&) {
    return FakeOAuthWorld::json(world.metadata);
  };
  world.routes["https://mcp.test/registration_endpoint"] = [&world](const auto&) {
    return FakeOAuthWorld::json(world.registration, 201);
  };
  world.routes["https://mcp.test/authorization_endpoint"] = [&world](const auto& r) {
    return world.authorize(r);
  };
  world.routes["https://mcp.test/token_endpoint"] = [&world](const auto& r) {
    return world.token(r);
  };
  OAuthProvider p(world.mcp_url, pre_registered(kOurIssuer), std::ref(world));
  auto out = p.on_challenge(challenge_401("Bearer"));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(world.count("https://mcp.test/registration_endpoint"), 1u);
  EXPECT_FALSE(anything_carried(world, kSecret));
  EXPECT_FALSE(anything_carried(world, "pre-registered-client"));
  EXPECT_FALSE(carried_basic(world));
}

// A client_credentials (or jwt-bearer) authorization server, tokens cc-<n>.
FakeOAuthWorld machine_world(const std::vector<std::string>& grants) {
  FakeOAuthWorld world;
  world.metadata["grant_types_supported"] = grants;
  world.metadata["token_endpoint_auth_methods_supported"] = {"client_secret_basic", "private_key_jwt"};
  world.metadata.erase("registration_endpoint");
  world.routes["https://as.test/token"] = [](const auto&) {
    return FakeOAuthWorld::json(Json{{"access_token", "cc-1"}, {"token_type", "Bearer"}});
  };
  world.routes["https://idp.test/token"] = [](const auto&) {
    return FakeOAuthWorld::json(
        Json{{"access_token", "id-jag"}, {"issued_token_type", "urn:ietf:params:oauth:token-type:id-jag"}});
  };
  return world;
}

TEST(OauthIssuerBinding, MachineGrantsFailForAnotherIssuer) {
  std::vector<OAuthOptions> configs;
  configs.push_back(pre_registered("https://login.example.com"));  // client_credentials
  {
    OAuthOptions o = pre_registered("https://login.example.com");
    o.enterprise_idp = OAuthOptions::EnterpriseIdp{"https://idp.test/token", "idp-client", "the-id-token"};
    configs.push_back(o);
  }
  {
    OAuthOptions o;
    o.credentials_issuer = "https://login.example.com";
    o.jwt_bearer_assertion = "workload.jwt.sig";
    configs.push_back(o);
  }
  for (auto& o : configs) {
    auto world = machine_world({"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"});
    OAuthProvider p(world.mcp_url, o, std::ref(world));
    auto out = p.on_challenge(challenge_401());
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().find("https://login.example.com"), std::string::npos) << out.error();
    EXPECT_NE(out.error().find("https://as.test"), std::string::npos) << out.error();
    EXPECT_EQ(world.count("https://as.test/token"), 0u);
    EXPECT_EQ(world.count("https://idp.test/token"), 0u);
    EXPECT_FALSE(anything_carried(world, kSecret));
    EXPECT_FALSE(anything_carried(world, "the-id-token"));
    EXPECT_FALSE(anything_carried(world, "workload.jwt.sig"));
  }
}

TEST(OauthIssuerBinding, MachineCredentialsWithoutANamedIssuerAreRefused) {
  std::vector<OAuthOptions> configs;
  configs.push_back(pre_registered(""));
  {
    OAuthOptions o;
    o.jwt_bearer_assertion = "workload.jwt.sig";
    configs.push_back(o);
  }
  {
    OAuthOptions o = pre_registered("");
    o.client_secret.clear();
    o.enterprise_idp = OAuthOptions::EnterpriseIdp{"https://idp.test/token", "idp-client", "the-id-token"};
    configs.push_back(o);
  }
  for (auto& o : configs) {
    auto world = machine_world({"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"});
    OAuthProvider p(world.mcp_url, o, std::ref(world));
    auto out = p.on_challenge(challenge_401());
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().find("set OAUTH_ISSUER=https://as.test"), std::string::npos) << out.error();
    EXPECT_EQ(world.count("https://as.test/token"), 0u);
    EXPECT_EQ(world.count("https://idp.test/token"), 0u);
  }
  // The named issuer: the grant runs.
  auto world = machine_world({"client_credentials"});
  OAuthProvider p(world.mcp_url, pre_registered(kOurIssuer), std::ref(world));
  ASSERT_TRUE(p.on_challenge(challenge_401()));
  EXPECT_TRUE(carried_basic(world));
}

}  // namespace
}  // namespace mcp
