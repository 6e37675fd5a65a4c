// The grants that need no user: private_key_jwt assertions, client_credentials,
// enterprise-managed authorization (ID-JAG token exchange + JWT bearer) and
// a workload identity JWT as a JWT bearer grant,
// from the building blocks up to OAuthProvider against an in-memory AS that
// verifies what it receives.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>

#include "mcp/auth/jwk.hpp"
#include "mcp/auth/jwt.hpp"
#include "mcp/auth/oauth_client_assertion.hpp"
#include "mcp/auth/oauth_grants.hpp"
#include "mcp/auth/oauth_token.hpp"
#include "mcp/client/oauth_provider.hpp"
#include "mcp/util/base64.hpp"
#include "oauth_test_support.hpp"

namespace mcp {
namespace {

namespace oauth = auth::oauth;
using client::Challenge;
using client::ChallengeOutcome;
using client::OAuthOptions;
using client::OAuthProvider;
using testing::FakeOAuthWorld;

// ---- test keys: a private PEM for the client, the public JWK for the AS ----

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct KeyPair {
  std::string pem;  // PKCS#8, unencrypted
  Json jwk;         // the public half, kid "k"
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string bn_bytes(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &raw), 1);
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string pkcs8_pem(EVP_PKEY* pkey, const EVP_CIPHER* cipher = nullptr, const char* passphrase = nullptr) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  const int len = passphrase == nullptr ? 0 : static_cast<int>(std::strlen(passphrase));
  EXPECT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, cipher, passphrase, len, nullptr, nullptr), 1);
  return bio_text(bio.get());
}

PkeyPtr generate(const std::string& kind) {
  if (kind == "RSA")
    return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kind.c_str()));
}

KeyPair make_key(const std::string& kind = "P-256") {
  PkeyPtr pkey = generate(kind);
  EXPECT_NE(pkey, nullptr);
  KeyPair out;
  out.pem = pkcs8_pem(pkey.get());
  if (kind == "RSA") {
    out.jwk = {{"kty", "RSA"},
               {"kid", "k"},
               {"n", util::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_RSA_N))},
               {"e", util::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_RSA_E))}};
    return out;
  }
  std::string point(65, '\0');
  std::size_t len = 0;
  EXPECT_EQ(
      EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                      reinterpret_cast<unsigned char*>(point.data()), point.size(), &len),
      1);
  out.jwk = {{"kty", "EC"},
             {"crv", "P-256"},
             {"kid", "k"},
             {"x", util::base64url_encode(point.substr(1, 32))},
             {"y", util::base64url_encode(point.substr(33, 32))}};
  return out;
}

// A compact JWS split and checked against `jwk`, as the suite's AS does.
struct CheckedJws {
  Json header;
  Json claims;
  std::string signature;
  bool verified = false;
};

CheckedJws check_jws(std::string_view token, const Json& jwk) {
  CheckedJws out;
  const auto first = token.find('.');
  const auto second = token.rfind('.');
  if (first == std::string_view::npos || second == first) return out;
  out.header = Json::parse(*auth::base64url_decode_strict(token.substr(0, first)));
  out.claims = Json::parse(*auth::base64url_decode_strict(token.substr(first + 1, second - first - 1)));
  out.signature = *auth::base64url_decode_strict(token.substr(second + 1));
  auto key = auth::Jwk::from_json(jwk);
  EXPECT_TRUE(key) << key.error();
  out.verified = key && (*key)->verify(token.substr(0, second), out.signature);
  return out;
}

// ---- assertions ----

TEST(OauthClientAssertion, Es256AssertionHasRawSignatureAndTheRequiredClaims) {
  const auto pair = make_key();
  auto key = oauth::SigningKey::from_pem(pair.pem);
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(key->algorithm(), "ES256");
  const auto now = std::chrono::system_clock::now();
  auto jws = oauth::make_client_assertion(*key, "conformance-test-client", "https://as.test", now);
  ASSERT_TRUE(jws) << jws.error();
  const auto checked = check_jws(*jws, pair.jwk);
  EXPECT_TRUE(checked.verified);
  EXPECT_EQ(checked.signature.size(), 64u);  // R||S, not DER
  EXPECT_EQ(checked.header, (Json{{"alg", "ES256"}, {"typ", "JWT"}}));
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  EXPECT_EQ(checked.claims["iss"], "conformance-test-client");
  EXPECT_EQ(checked.claims["sub"], "conformance-test-client");
  EXPECT_EQ(checked.claims["aud"], "https://as.test");
  EXPECT_EQ(checked.claims["iat"], iat);
  EXPECT_EQ(checked.claims["exp"], iat + 300);
  EXPECT_GE(checked.claims["jti"].get<std::string>().size(), 16u);

  auto again = oauth::make_client_assertion(*key, "conformance-test-client", "https://as.test", now);
  ASSERT_TRUE(again);
  EXPECT_NE(check_jws(*again, pair.jwk).claims["jti"], checked.claims["jti"]);
}

TEST(OauthClientAssertion, RsaKeysSignRs256) {
  const auto pair = make_key("RSA");
  auto key = oauth::SigningKey::from_pem(pair.pem);
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(key->algorithm(), "RS256");
  auto jws = oauth::make_client_assertion(*key, "c", "https://as.test", std::chrono::system_clock::now());
  ASSERT_TRUE(jws) << jws.error();
  const auto checked = check_jws(*jws, pair.jwk);
  EXPECT_TRUE(checked.verified);
  EXPECT_EQ(checked.header["alg"], "RS256");
}

TEST(OauthClientAssertion, RefusesKeysItCannotUse) {
  EXPECT_FALSE(oauth::SigningKey::from_pem(""));
  EXPECT_FALSE(oauth::SigningKey::from_pem("not a key"));
  EXPECT_FALSE(oauth::SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(oauth::SigningKey::from_pem(pkcs8_pem(generate("P-384").get())));  // ES384 is not offered
  // Encrypted: refused without a passphrase prompt.
  auto pkey = generate("P-256");
  const auto encrypted = pkcs8_pem(pkey.get(), EVP_aes_256_cbc(), "passphrase");
  ASSERT_NE(encrypted.find("ENCRYPTED"), std::string::npos);
  auto key = oauth::SigningKey::from_pem(encrypted);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().find("PKCS#8"), std::string::npos);
}

TEST(OauthClientAssertion, TokenRequestsCarryTheAssertionInsteadOfASecret) {
  const oauth::ClientAuth auth{"c", "", "private_key_jwt", "a.b.c"};
  const auto req =
      oauth::form_request("https://as.test/token", oauth::client_credentials_grant("", ""), auth);
  const auto body = FakeOAuthWorld::body_of(req);
  EXPECT_EQ(body.get("client_assertion_type").value_or(""),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  EXPECT_EQ(body.get("client_assertion").value_or(""), "a.b.c");
  EXPECT_FALSE(body.get("client_secret"));
  EXPECT_FALSE(req.headers.get("Authorization"));
}

// ---- grant selection and bodies ----

TEST(OauthGrants, GrantAdvertisementUsesTheRfc8414Default) {
  oauth::AuthServerMetadata server;
  EXPECT_TRUE(oauth::advertises_grant(server, "authorization_code"));
  EXPECT_FALSE(oauth::advertises_grant(server, "client_credentials"));
  EXPECT_FALSE(oauth::machine_only(server));
  server.grant_types_supported = {"client_credentials"};
  EXPECT_TRUE(oauth::machine_only(server));
  server.grant_types_supported = {"authorization_code", "client_credentials"};
  EXPECT_FALSE(oauth::machine_only(server));
}

TEST(OauthGrants, MachineAuthMethodPrefersAKeyTheServerAccepts) {
  EXPECT_EQ(oauth::machine_auth_method(true, true, {}), "private_key_jwt");
  EXPECT_EQ(oauth::machine_auth_method(true, false, {"private_key_jwt"}), "private_key_jwt");
  EXPECT_EQ(oauth::machine_auth_method(true, true, {"client_secret_basic"}), "client_secret_basic");
  EXPECT_EQ(oauth::machine_auth_method(false, true, {"client_secret_post"}), "client_secret_post");
  EXPECT_EQ(oauth::machine_auth_method(true, false, {"client_secret_basic"}), "none");
}

TEST(OauthGrants, BodiesOmitEmptyScopeAndResource) {
  EXPECT_EQ(auth::form::build(oauth::client_credentials_grant("", "")), "grant_type=client_credentials");
  EXPECT_EQ(auth::form::build(oauth::client_credentials_grant("a b", "https://mcp.test/mcp")),
            "grant_type=client_credentials&scope=a%20b&resource=https%3A%2F%2Fmcp.test%2Fmcp");
  const auto body = *auth::form::Fields::parse(auth::form::build(oauth::jwt_bearer_grant("j.w.t", "", "")));
  EXPECT_EQ(body.get("grant_type").value_or(""), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  EXPECT_EQ(body.get("assertion").value_or(""), "j.w.t");
  EXPECT_FALSE(body.get("scope"));
}

// An IdP token endpoint that checks the RFC 8693 parameters.
struct FakeIdp {
  std::vector<http::ClientRequest> requests;
  Json answer = {{"access_token", "id-jag-1"},
                 {"issued_token_type", "urn:ietf:params:oauth:token-type:id-jag"},
                 {"token_type", "N_A"}};
  http::ClientResult operator()(const http::ClientRequest& r) {
    requests.push_back(r);
    const auto b = FakeOAuthWorld::body_of(r);
    const bool ok = b.get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange" &&
                    b.get("requested_token_type") == "urn:ietf:params:oauth:token-type:id-jag" &&
                    b.get("subject_token_type") == "urn:ietf:params:oauth:token-type:id_token" &&
                    b.get("subject_token") == "the-id-token" && b.get("audience") == "https://as.test" &&
                    b.get("resource") == "https://mcp.test/mcp" && b.get("client_id") == "idp-client";
    if (!ok) return FakeOAuthWorld::json(Json{{"error", "invalid_request"}}, 400);
    return FakeOAuthWorld::json(answer);
  }
};

oauth::IdJagRequest id_jag_request() {
  return {"https://idp.test/token", "idp-client",           "the-id-token",
          "https://as.test",        "https://mcp.test/mcp", ""};
}

TEST(OauthGrants, TokenExchangeReturnsTheIdJag) {
  FakeIdp idp;
  const oauth::OAuthHttp http{std::ref(idp)};
  auto jag = oauth::request_id_jag(http, id_jag_request());
  ASSERT_TRUE(jag) << jag.error();
  EXPECT_EQ(*jag, "id-jag-1");
  ASSERT_EQ(idp.requests.size(), 1u);
  EXPECT_EQ(idp.requests[0].method, "POST");
  EXPECT_FALSE(idp.requests[0].headers.get("Authorization"));
}

TEST(OauthGrants, TokenExchangeRefusesOtherTokenTypesAndReportsErrors) {
  FakeIdp idp;
  const oauth::OAuthHttp http{std::ref(idp)};
  idp.answer["issued_token_type"] = "urn:ietf:params:oauth:token-type:access_token";
  auto wrong = oauth::request_id_jag(http, id_jag_request());
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("not an ID-JAG"), std::string::npos);

  auto request = id_jag_request();
  request.id_token = "stolen";
  auto refused = oauth::request_id_jag(http, request);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("invalid_request"), std::string::npos);
  EXPECT_EQ(refused.error().find("stolen"), std::string::npos);
}

// ---- the provider ----

const std::string kPrmHeader =
    R"(Bearer error="invalid_token", resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp")";

Challenge challenge_401(int attempt = 0) {
  Challenge c;
  c.status = 401;
  c.headers = testing::challenge_headers(kPrmHeader);
  c.url = "https://mcp.test/mcp";
  c.attempt = attempt;
  return c;
}

// The AS of the client-credentials scenarios: no authorization endpoint use,
// no registration, tokens cc-<n>.
struct MachineWorld {
  FakeOAuthWorld world;
  FakeIdp idp;
  int issued = 0;
  int expires_in = 3600;
  std::function<std::optional<std::string>(const http::ClientRequest&)> check;  // error text or nullopt

  MachineWorld(std::vector<std::string> grants, std::vector<std::string> methods) {
    world.metadata["grant_types_supported"] = grants;
    world.metadata["token_endpoint_auth_methods_supported"] = methods;
    world.metadata.erase("registration_endpoint");
    world.metadata.erase("code_challenge_methods_supported");  // PKCE is irrelevant here
    world.routes["https://as.test/token"] = [this](const http::ClientRequest& r) {
      if (check) {
        if (auto error = check(r)) return FakeOAuthWorld::json(Json{{"error", *error}}, 400);
      }
      return FakeOAuthWorld::json(Json{{"access_token", "cc-" + std::to_string(++issued)},
                                       {"token_type", "Bearer"},
                                       {"expires_in", expires_in}});
    };
    world.routes["https://idp.test/token"] = std::ref(idp);
  }

  std::unique_ptr<OAuthProvider> make(OAuthOptions o) {
    o.mode = client::LoginMode::kBrowser;  // never used: these grants need no user
    return std::make_unique<OAuthProvider>(world.mcp_url, std::move(o), std::ref(world));
  }
  void expect_no_user_interaction() const {
    EXPECT_EQ(world.count("https://as.test/authorize"), 0u);
    EXPECT_EQ(world.count("https://as.test/register"), 0u);
  }
};

// The issuer the configured credentials belong to (OAUTH_ISSUER).
constexpr const char* kIssuer = "https://as.test";

OAuthOptions with_secret() {
  OAuthOptions o;
  o.credentials_issuer = kIssuer;
  o.client_id = "conformance-test-client";
  o.client_secret = "conformance-test-secret";
  return o;
}

TEST(OauthMachineProvider, ClientCredentialsWithBasicAuthentication) {
  MachineWorld m({"client_credentials"}, {"client_secret_basic"});
  m.check = [](const http::ClientRequest& r) -> std::optional<std::string> {
    const auto b = FakeOAuthWorld::body_of(r);
    if (b.get("grant_type") != "client_credentials") return "unsupported_grant_type";
    if (r.headers.get("Authorization").value_or("") !=
        "Basic " + util::base64_encode("conformance-test-client:conformance-test-secret")) {
      return "invalid_client";
    }
    if (b.get("client_secret") || b.get("client_id")) return "invalid_request";
    if (b.get("resource") != "https://mcp.test/mcp") return "invalid_target";
    return std::nullopt;
  };
  auto p = m.make(with_secret());
  auto out = p->on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, ChallengeOutcome::kRetry);
  EXPECT_EQ(p->authorization().value_or(""), "Bearer cc-1");
  EXPECT_EQ(p->status().client_id, "conformance-test-client");
  m.expect_no_user_interaction();
}

TEST(OauthMachineProvider, ClientCredentialsWithPrivateKeyJwt) {
  const auto key = make_key();
  MachineWorld m({"client_credentials"}, {"private_key_jwt"});
  m.world.metadata["token_endpoint_auth_signing_alg_values_supported"] = {"ES256"};
  m.check = [&key](const http::ClientRequest& r) -> std::optional<std::string> {
    const auto b = FakeOAuthWorld::body_of(r);
    if (b.get("grant_type") != "client_credentials") return "unsupported_grant_type";
    if (b.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      return "invalid_client";
    if (r.headers.get("Authorization")) return "invalid_request";
    const auto jws = check_jws(b.get("client_assertion").value_or(""), key.jwk);
    if (!jws.verified) return "bad_signature";
    if (jws.claims["aud"] != "https://as.test") return "bad_audience";
    if (jws.claims["iss"] != "conformance-test-client" || jws.claims["sub"] != "conformance-test-client")
      return "bad_subject";
    return std::nullopt;
  };
  OAuthOptions o;
  o.credentials_issuer = kIssuer;
  o.client_id = "conformance-test-client";
  o.private_key_pem = key.pem;
  auto p = m.make(o);
  auto out = p->on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(p->authorization().value_or(""), "Bearer cc-1");
  m.expect_no_user_interaction();
}

TEST(OauthMachineProvider, ABadPrivateKeyIsReportedBeforeAnyTokenRequest) {
  MachineWorld m({"client_credentials"}, {"private_key_jwt"});
  OAuthOptions o;
  o.credentials_issuer = kIssuer;
  o.client_id = "c";
  o.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto out = m.make(o)->on_challenge(challenge_401());
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("private key"), std::string::npos) << out.error();
  EXPECT_EQ(m.world.count("https://as.test/token"), 0u);
}

TEST(OauthMachineProvider, RunsTheGrantAgainWhenTheTokenExpired) {
  MachineWorld m({"client_credentials"}, {"client_secret_basic"});
  m.expires_in = 0;
  auto p = m.make(with_secret());
  ASSERT_TRUE(p->on_challenge(challenge_401()));
  EXPECT_FALSE(p->authorization());  // expired: the server's 401 starts the grant again
  m.expires_in = 3600;
  auto out = p->on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(p->authorization().value_or(""), "Bearer cc-2");
  EXPECT_EQ(m.world.count("https://as.test/token"), 2u);
  // A 401 for the token just issued is not retried forever.
  EXPECT_FALSE(p->on_challenge(challenge_401(1)));
}

TEST(OauthMachineProvider, AutoKeepsTheAuthorizationCodeFlowWhereTheServerOffersIt) {
  FakeOAuthWorld world;
  world.metadata["grant_types_supported"] = {"authorization_code", "client_credentials"};
  world.metadata["token_endpoint_auth_methods_supported"] = {"client_secret_basic"};
  OAuthOptions o = with_secret();
  o.mode = client::LoginMode::kHeadless;
  o.redirect_uri = "http://localhost:3000/callback";
  OAuthProvider p(world.mcp_url, o, std::ref(world));
  ASSERT_TRUE(p.on_challenge(challenge_401()));
  EXPECT_EQ(world.count("https://as.test/authorize"), 1u);
  EXPECT_EQ(FakeOAuthWorld::body_of(world.to("https://as.test/token")[0]).get("grant_type"),
            "authorization_code");
}

TEST(OauthMachineProvider, AnExplicitClientCredentialsGrantOverridesDiscovery) {
  MachineWorld m({"authorization_code", "client_credentials"}, {"client_secret_post"});
  m.check = [](const http::ClientRequest& r) -> std::optional<std::string> {
    const auto b = FakeOAuthWorld::body_of(r);
    if (b.get("grant_type") != "client_credentials") return "unsupported_grant_type";
    if (b.get("client_id") != "conformance-test-client" ||
        b.get("client_secret") != "conformance-test-secret")
      return "invalid_client";
    return std::nullopt;
  };
  OAuthOptions o = with_secret();
  o.grant = OAuthOptions::Grant::kClientCredentials;
  auto p = m.make(o);
  auto out = p->on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  m.expect_no_user_interaction();

  OAuthOptions without = o;
  without.client_secret.clear();
  auto refused = m.make(without)->on_challenge(challenge_401());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("client_credentials"), std::string::npos);
}

TEST(OauthMachineProvider, ClientCredentialsScopeComesFromTheResourceWithoutOfflineAccess) {
  MachineWorld m({"client_credentials"}, {"client_secret_basic"});
  m.world.prm["scopes_supported"] = {"mcp:read"};
  m.world.metadata["scopes_supported"] = {"mcp:read", "offline_access"};
  auto p = m.make(with_secret());
  ASSERT_TRUE(p->on_challenge(challenge_401()));
  EXPECT_EQ(FakeOAuthWorld::body_of(m.world.to("https://as.test/token")[0]).get("scope"), "mcp:read");
}

OAuthOptions enterprise() {
  OAuthOptions o;
  o.credentials_issuer = kIssuer;
  o.client_id = "conformance-test-xaa-client";
  o.client_secret = "conformance-test-xaa-secret";
  o.enterprise_idp = OAuthOptions::EnterpriseIdp{"https://idp.test/token", "idp-client", "the-id-token"};
  return o;
}

TEST(OauthMachineProvider, EnterpriseIdpTokenExchangeThenJwtBearerGrant) {
  MachineWorld m({"urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"client_secret_basic"});
  m.check = [](const http::ClientRequest& r) -> std::optional<std::string> {
    const auto b = FakeOAuthWorld::body_of(r);
    if (b.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer") return "unsupported_grant_type";
    if (b.get("assertion") != "id-jag-1") return "invalid_grant";
    if (r.headers.get("Authorization").value_or("") !=
        "Basic " + util::base64_encode("conformance-test-xaa-client:conformance-test-xaa-secret")) {
      return "invalid_client";
    }
    return std::nullopt;
  };
  auto p = m.make(enterprise());
  auto out = p->on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(p->authorization().value_or(""), "Bearer cc-1");
  ASSERT_EQ(m.idp.requests.size(), 1u);
  m.expect_no_user_interaction();
  // The IdP was asked before the authorization server, once each.
  const auto& all = m.world.requests;
  const auto idp_at =
      std::find_if(all.begin(), all.end(), [](const auto& r) { return r.url == "https://idp.test/token"; });
  const auto as_at =
      std::find_if(all.begin(), all.end(), [](const auto& r) { return r.url == "https://as.test/token"; });
  EXPECT_LT(idp_at, as_at);
}

TEST(OauthMachineProvider, EnterpriseIdpRefusalStopsBeforeTheAuthorizationServer) {
  MachineWorld m({"urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"client_secret_basic"});
  OAuthOptions o = enterprise();
  o.enterprise_idp->id_token = "expired-id-token";
  auto out = m.make(o)->on_challenge(challenge_401());
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().find("invalid_request"), std::string::npos) << out.error();
  EXPECT_EQ(out.error().find("expired-id-token"), std::string::npos);
  EXPECT_EQ(m.world.count("https://as.test/token"), 0u);

  OAuthOptions no_client = enterprise();
  no_client.client_id.clear();
  EXPECT_FALSE(m.make(no_client)->on_challenge(challenge_401()));
  EXPECT_EQ(m.idp.requests.size(), 1u);
}

TEST(OauthMachineProvider, WorkloadAssertionIsSentAsAJwtBearerGrant) {
  MachineWorld m({"urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"none"});
  m.check = [](const http::ClientRequest& r) -> std::optional<std::string> {
    const auto b = FakeOAuthWorld::body_of(r);
    if (b.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer") return "unsupported_grant_type";
    if (b.get("assertion") != "workload.jwt.sig") return "invalid_grant";
    if (r.headers.get("Authorization") || b.get("client_secret")) return "invalid_request";
    return std::nullopt;
  };
  OAuthOptions o;
  o.credentials_issuer = kIssuer;
  o.jwt_bearer_assertion = "workload.jwt.sig";
  auto p = m.make(o);
  auto out = p->on_challenge(challenge_401());
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(p->authorization().value_or(""), "Bearer cc-1");
  const auto body = FakeOAuthWorld::body_of(m.world.to("https://as.test/token")[0]);
  EXPECT_EQ(body.count("client_id"), 0u);  // none configured: not sent empty

  o.client_id = "conformance-wif-workload";
  MachineWorld named({"urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"none"});
  ASSERT_TRUE(named.make(o)->on_challenge(challenge_401()));
  EXPECT_EQ(FakeOAuthWorld::body_of(named.world.to("https://as.test/token")[0]).get("client_id"),
            "conformance-wif-workload");
  named.expect_no_user_interaction();
}

}  // namespace
}  // namespace mcp
