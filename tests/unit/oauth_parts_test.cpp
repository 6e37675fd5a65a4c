// The OAuth client's building blocks: WWW-Authenticate parsing, scope
// selection, PKCE, the authorization URL and response, client
// authentication and the registration body.
#include <gtest/gtest.h>

#include "mcp/auth/oauth_authorize.hpp"
#include "mcp/auth/oauth_challenge.hpp"
#include "mcp/auth/oauth_pkce.hpp"
#include "mcp/auth/oauth_registration.hpp"
#include "mcp/auth/oauth_scope.hpp"
#include "mcp/auth/oauth_token.hpp"
#include "mcp/util/base64.hpp"
#include "oauth_test_support.hpp"

namespace mcp {
namespace {

using namespace auth::oauth;
namespace form = auth::form;

TEST(OauthChallenge, ReadsParametersInAnyOrderWithEscapes) {
  const auto c = parse_bearer_challenge(
      R"(Bearer error="insufficient_scope", scope="a b", error_description="say \"hi\", then go",)"
      R"( resource_metadata="http://x/.well-known/oauth-protected-resource/mcp")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->error, "insufficient_scope");
  EXPECT_EQ(c->scope, "a b");
  EXPECT_EQ(c->error_description, "say \"hi\", then go");
  EXPECT_EQ(c->resource_metadata, "http://x/.well-known/oauth-protected-resource/mcp");
}

TEST(OauthChallenge, FindsBearerAmongOtherSchemes) {
  const auto c =
      parse_bearer_challenge(R"(Basic realm="a, b", bearer Scope=read, realm="r", DPoP algs="ES256")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scope, "read");
  EXPECT_EQ(c->param("realm").value_or(""), "r");
  EXPECT_FALSE(c->param("algs"));
  EXPECT_FALSE(parse_bearer_challenge(R"(Basic realm="x")"));
  EXPECT_FALSE(parse_bearer_challenge(""));
  // A bare Bearer is still a challenge, just without parameters.
  ASSERT_TRUE(parse_bearer_challenge("Bearer"));
  EXPECT_TRUE(parse_bearer_challenge("Bearer")->params.empty());
}

TEST(OauthChallenge, Token68AndJunkDoNotConfuseIt) {
  const auto c = parse_bearer_challenge(R"(Negotiate abc==, Bearer scope="s",, ="x" , error=invalid_token)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scope, "s");
  EXPECT_EQ(c->error, "invalid_token");
}

TEST(OauthChallenge, SearchesEveryHeaderLine) {
  http::Headers h;
  h.add("WWW-Authenticate", R"(Basic realm="x")");
  h.add("www-authenticate", R"(Bearer resource_metadata="http://m/prm")");
  const auto c = find_bearer_challenge(h);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->resource_metadata, "http://m/prm");
}

TEST(OauthScope, ChallengeWinsThenResourceScopesThenNothing) {
  ScopeInputs in;
  in.resource_scopes = {"mcp:profile"};
  in.challenged = "mcp:basic";
  EXPECT_EQ(select_scope(in), "mcp:basic");
  in.challenged.reset();
  in.resource_scopes = {"mcp:basic", "mcp:read", "mcp:write"};
  EXPECT_EQ(select_scope(in), "mcp:basic mcp:read mcp:write");
  in.resource_scopes.clear();
  EXPECT_EQ(select_scope(in), "");
}

TEST(OauthScope, StepUpIsTheUnion) {
  ScopeInputs in;
  in.challenged = "mcp:write";
  in.previously_requested = "mcp:basic";
  in.step_up = true;
  EXPECT_EQ(select_scope(in), "mcp:basic mcp:write");
  in.challenged = "mcp:basic mcp:write";
  EXPECT_EQ(select_scope(in), "mcp:basic mcp:write");
  EXPECT_EQ(scope_union("a b", "b c a"), "a b c");
}

TEST(OauthScope, OfflineAccessOnlyWhenTheServerListsIt) {
  ScopeInputs in;
  in.resource_scopes = {"mcp:basic"};
  in.server_scopes = {"mcp:basic", "mcp:read"};
  EXPECT_EQ(select_scope(in), "mcp:basic");
  in.server_scopes = {"mcp:basic", "offline_access"};
  EXPECT_EQ(select_scope(in), "mcp:basic offline_access");
  in.want_refresh_token = false;
  EXPECT_EQ(select_scope(in), "mcp:basic");
  in.want_refresh_token = true;
  in.resource_scopes.clear();
  EXPECT_EQ(select_scope(in), "");  // never offline_access alone
}

TEST(OauthPkce, MatchesRfc7636AndUsesUnreservedCharacters) {
  EXPECT_EQ(s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  const auto a = make_pkce();
  const auto b = make_pkce();
  EXPECT_TRUE(valid_verifier(a.verifier));
  EXPECT_NE(a.verifier, b.verifier);
  EXPECT_EQ(a.challenge, s256_challenge(a.verifier));
  EXPECT_FALSE(valid_verifier(std::string(42, 'a')));
  EXPECT_FALSE(valid_verifier(std::string(129, 'a')));
  EXPECT_FALSE(valid_verifier(std::string(43, 'a') + "+"));
  EXPECT_NE(random_state(), random_state());
}

TEST(OauthAuthorize, BuildsTheUrlWithEveryParameter) {
  AuthorizationRequest r{"https://as/authorize?tenant=1",
                         "client 1",
                         "http://localhost:8000/callback",
                         "chal",
                         "st",
                         "a b",
                         "https://mcp/mcp"};
  const auto url = build_authorization_url(r);
  EXPECT_EQ(url.rfind("https://as/authorize?tenant=1&", 0), 0u) << url;
  const auto q = testing::FakeOAuthWorld::query_of(url);
  EXPECT_EQ(q.get("response_type").value_or(""), "code");
  EXPECT_EQ(q.get("client_id").value_or(""), "client 1");
  EXPECT_EQ(q.get("redirect_uri").value_or(""), "http://localhost:8000/callback");
  EXPECT_EQ(q.get("code_challenge").value_or(""), "chal");
  EXPECT_EQ(q.get("code_challenge_method").value_or(""), "S256");
  EXPECT_EQ(q.get("state").value_or(""), "st");
  EXPECT_EQ(q.get("scope").value_or(""), "a b");
  EXPECT_EQ(q.get("resource").value_or(""), "https://mcp/mcp");
  r.scope.clear();
  r.resource.clear();
  const auto bare = build_authorization_url(r);
  EXPECT_EQ(bare.find("scope="), std::string::npos);
  EXPECT_EQ(bare.find("resource="), std::string::npos);
}

TEST(OauthAuthorize, ReadsTheRedirect) {
  const RedirectCheck check{"st", "http://as", true};
  auto ok = read_authorization_response("http://localhost/cb?code=abc&state=st&iss=http%3A%2F%2Fas", check);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(*ok, "abc");
  // Just the query (pasted) works too.
  EXPECT_TRUE(read_authorization_response("code=abc&state=st&iss=http://as", check));
}

TEST(OauthAuthorize, RejectsStateAndIssProblems) {
  const RedirectCheck required{"st", "http://as", true};
  const RedirectCheck optional{"st", "http://as", false};
  auto bad_state = read_authorization_response("http://l/cb?code=c&state=other&iss=http://as", required);
  ASSERT_FALSE(bad_state);
  EXPECT_NE(bad_state.error().find("state"), std::string::npos);
  EXPECT_FALSE(read_authorization_response("http://l/cb?code=c&iss=http://as", required));
  auto missing_iss = read_authorization_response("http://l/cb?code=c&state=st", required);
  ASSERT_FALSE(missing_iss);
  EXPECT_NE(missing_iss.error().find("iss"), std::string::npos);
  EXPECT_TRUE(read_authorization_response("http://l/cb?code=c&state=st", optional));
  EXPECT_FALSE(read_authorization_response("http://l/cb?code=c&state=st&iss=https://evil", optional));
  // No normalisation: a trailing slash is another issuer.
  EXPECT_FALSE(read_authorization_response("http://l/cb?code=c&state=st&iss=http://as/", required));
  EXPECT_FALSE(read_authorization_response("http://l/cb?code=c&code=d&state=st&iss=http://as", required));
}

TEST(OauthAuthorize, ReportsErrorResponsesReadably) {
  const RedirectCheck check{"st", "http://as", false};
  auto r = read_authorization_response(
      "http://l/cb?error=access_denied&error_description=User+said+no&state=st", check);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("access_denied"), std::string::npos);
  EXPECT_NE(r.error().find("User said no"), std::string::npos);
  EXPECT_FALSE(read_authorization_response("http://l/cb?state=st", check));
  EXPECT_FALSE(read_authorization_response("http://l/cb", check));
}

TEST(OauthToken, ChoosesTheClientAuthenticationMethod) {
  const std::vector<std::string> none_only = {"none"};
  const std::vector<std::string> basic_only = {"client_secret_basic"};
  const std::vector<std::string> post_only = {"client_secret_post"};
  const std::vector<std::string> both = {"client_secret_post", "client_secret_basic"};
  EXPECT_EQ(choose_token_auth_method("client_secret_post", true, both), "client_secret_post");
  EXPECT_EQ(choose_token_auth_method("client_secret_basic", true, basic_only), "client_secret_basic");
  EXPECT_EQ(choose_token_auth_method("none", false, none_only), "none");
  EXPECT_EQ(choose_token_auth_method("", true, basic_only), "client_secret_basic");
  EXPECT_EQ(choose_token_auth_method("", true, post_only), "client_secret_post");
  EXPECT_EQ(choose_token_auth_method("", true, both), "client_secret_basic");
  EXPECT_EQ(choose_token_auth_method("", true, {}), "client_secret_basic");
  EXPECT_EQ(choose_token_auth_method("client_secret_post", true, basic_only), "client_secret_basic");
  EXPECT_EQ(choose_token_auth_method("", false, both), "none");
}

TEST(OauthToken, AppliesClientAuthentication) {
  form::Params body;
  http::Headers headers;
  apply_client_auth({"id:1", "s p", "client_secret_basic"}, body, headers);
  EXPECT_TRUE(body.empty());
  const auto basic = std::string(headers.get("Authorization").value_or(""));
  ASSERT_EQ(basic.rfind("Basic ", 0), 0u);
  EXPECT_EQ(util::base64_decode(basic.substr(6)).value_or(""), "id%3A1:s%20p");

  form::Params post;
  http::Headers h2;
  apply_client_auth({"id", "sec", "client_secret_post"}, post, h2);
  EXPECT_FALSE(h2.get("Authorization"));
  EXPECT_EQ(form::build(post), "client_id=id&client_secret=sec");

  form::Params none;
  apply_client_auth({"id", "", "none"}, none, h2);
  EXPECT_EQ(form::build(none), "client_id=id");
}

TEST(OauthToken, ReadsTokenResponsesAndErrors) {
  testing::FakeOAuthWorld world;
  OAuthHttp http{std::ref(world), std::chrono::milliseconds(1000), nullptr};
  world.routes["https://as.test/token"] = [](const auto&) {
    return testing::FakeOAuthWorld::json(
        Json{{"access_token", "A"}, {"token_type", "bearer"}, {"expires_in", "60"}});
  };
  auto ok =
      request_token(http, "https://as.test/token", refresh_token_grant("r", "https://mcp.test/mcp"), {"c"});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->access_token, "A");
  EXPECT_EQ(ok->expires_in, std::chrono::seconds(60));
  EXPECT_EQ(testing::FakeOAuthWorld::body_of(world.requests.back()).get("resource").value_or(""),
            "https://mcp.test/mcp");

  world.routes["https://as.test/token"] = [](const auto&) {
    return testing::FakeOAuthWorld::json(Json{{"access_token", "A"}, {"token_type", "DPoP"}});
  };
  EXPECT_FALSE(request_token(http, "https://as.test/token", refresh_token_grant("r", ""), {"c"}));

  world.routes["https://as.test/token"] = [](const auto&) {
    return testing::FakeOAuthWorld::json(Json{{"error", "invalid_grant"}, {"error_description", "expired"}},
                                         400);
  };
  auto err = request_token(http, "https://as.test/token", refresh_token_grant("r", ""), {"c"});
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().find("invalid_grant (expired)"), std::string::npos) << err.error();
  EXPECT_NE(err.error().find("https://as.test/token"), std::string::npos);

  world.routes["https://as.test/token"] = [](const auto&) {
    http::ClientResponse r;
    r.status = 200;
    r.body = "<html>";
    return http::ClientResult(r);
  };
  auto html = request_token(http, "https://as.test/token", refresh_token_grant("r", ""), {"c"});
  ASSERT_FALSE(html);
  EXPECT_NE(html.error().find("https://as.test/token"), std::string::npos);
}

TEST(OauthHttp, RefusesBodiesOverOneMebibyteAndPassesTheTimeout) {
  std::chrono::milliseconds seen{0};
  OAuthHttp http{[&](const http::ClientRequest& r) -> http::ClientResult {
                   seen = r.timeout;
                   http::ClientResponse res;
                   res.status = 200;
                   res.body = std::string(kMaxResponseBytes + 1, ' ');
                   return res;
                 },
                 std::chrono::milliseconds(1234), nullptr};
  http::ClientRequest req;
  req.url = "http://x/";
  EXPECT_FALSE(http.send(req));
  EXPECT_EQ(seen, std::chrono::milliseconds(1234));
  EXPECT_EQ(redact("abcdefghijklmnopqrstuvwxyz"), "abcdef\u2026");
  EXPECT_EQ(redact("at-1"), "a\u2026");
}

TEST(OauthRegistration, SendsANativePublicClientRegistration) {
  const auto body = registration_body({"my client", {"http://localhost:8000/callback"}, "none"});
  EXPECT_EQ(body["client_name"], "my client");
  EXPECT_EQ(body["redirect_uris"], Json::array({"http://localhost:8000/callback"}));
  EXPECT_EQ(body["grant_types"], Json::array({"authorization_code", "refresh_token"}));
  EXPECT_EQ(body["response_types"], Json::array({"code"}));
  EXPECT_EQ(body["token_endpoint_auth_method"], "none");
  EXPECT_EQ(body["application_type"], "native");

  AuthServerMetadata m;
  EXPECT_EQ(registration_auth_method(m), "none");
  m.token_endpoint_auth_methods_supported = {"client_secret_post"};
  EXPECT_EQ(registration_auth_method(m), "client_secret_post");
  m.token_endpoint_auth_methods_supported = {"client_secret_post", "client_secret_basic"};
  EXPECT_EQ(registration_auth_method(m), "client_secret_basic");
  m.token_endpoint_auth_methods_supported = {"client_secret_basic", "none"};
  EXPECT_EQ(registration_auth_method(m), "none");
}

TEST(OauthRegistration, ReportsRefusals) {
  testing::FakeOAuthWorld world;
  OAuthHttp http{std::ref(world), std::chrono::milliseconds(1000), nullptr};
  world.routes["https://as.test/register"] = [](const auto&) {
    return testing::FakeOAuthWorld::json(
        Json{{"error", "invalid_redirect_uri"}, {"error_description", "not allowed"}}, 400);
  };
  auto r = register_client(http, "https://as.test/register", {"c", {"http://localhost/cb"}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("invalid_redirect_uri"), std::string::npos);
  world.registration =
      Json{{"client_id", "x"}, {"client_secret", "y"}, {"token_endpoint_auth_method", "client_secret_post"}};
  world.install_defaults();
  auto ok = register_client(http, "https://as.test/register", {"c", {"http://localhost/cb"}});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->client_secret, "y");
  EXPECT_EQ(ok->token_endpoint_auth_method, "client_secret_post");
}

}  // namespace
}  // namespace mcp
