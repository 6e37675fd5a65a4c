// DPoP (RFC 9449, SEP-1932) on the client: the proof JWT and its key, the
// DPoP WWW-Authenticate challenge, and OAuthProvider against an in-memory
// authorization and resource server that verify proofs as the conformance
// suite's mocks do (signature, htm, htu, ath, jkt, nonces).
#include "mcp/auth/oauth_dpop.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "mcp/auth/jwk.hpp"
#include "mcp/auth/jwt.hpp"
#include "mcp/auth/oauth_challenge.hpp"
#include "mcp/auth/oauth_token.hpp"
#include "mcp/client/oauth_provider.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"
#include "oauth_test_support.hpp"

namespace mcp {
namespace {

namespace oauth = auth::oauth;
using client::Challenge;
using client::ChallengeOutcome;
using client::OAuthOptions;
using client::OAuthProvider;
using testing::FakeOAuthWorld;

constexpr const char* kAsNonce = "as-nonce-1";
constexpr const char* kRsNonce = "rs-nonce-1";
constexpr const char* kPrmUrl = "https://mcp.test/.well-known/oauth-protected-resource/mcp";

// The MCP server's 401 without a token: the DPoP scheme naming its metadata.
std::string dpop_prm_challenge() {
  return std::string(R"(DPoP resource_metadata=")") + kPrmUrl + "\"";
}

// A proof split, its signature checked with the jwk it carries.
struct Proof {
  Json header;
  Json claims;
  bool verified = false;
  std::string jkt;  // RFC 7638 thumbprint of the header's jwk
};

std::string b64url_sha256(std::string_view text) {
  const auto d = util::sha256(text);
  return util::base64url_encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

Proof read_proof(std::string_view jws) {
  Proof out;
  const auto first = jws.find('.');
  const auto second = jws.rfind('.');
  if (first == std::string_view::npos || second == first) return out;
  out.header = Json::parse(auth::base64url_decode_strict(jws.substr(0, first)).value_or("null"));
  out.claims =
      Json::parse(auth::base64url_decode_strict(jws.substr(first + 1, second - first - 1)).value_or("null"));
  const auto signature = auth::base64url_decode_strict(jws.substr(second + 1)).value_or("");
  if (!out.header.is_object() || !out.header.contains("jwk")) return out;
  Json jwk = out.header["jwk"];
  const Json canonical = {{"crv", jwk.value("crv", "")},
                          {"kty", jwk.value("kty", "")},
                          {"x", jwk.value("x", "")},
                          {"y", jwk.value("y", "")}};
  out.jkt = b64url_sha256(canonical.dump());
  jwk["kid"] = "dpop";  // our Jwk wants a kid; the proof's jwk has none
  auto key = auth::Jwk::from_json(jwk);
  EXPECT_TRUE(key) << key.error();
  out.verified = key && (*key)->verify(jws.substr(0, second), signature);
  return out;
}

// ---- the proof ----

TEST(OauthDpop, ProofIsSignedWithThePublicJwkAndCarriesTheClaims) {
  auto key = oauth::DpopKey::generate();
  ASSERT_TRUE(key) << key.error();
  const auto now = std::chrono::system_clock::now();
  auto jws =
      oauth::make_dpop_proof(*key, {"GET", "https://mcp.test/mcp?cursor=1#frag", "the-token", "n-1", now});
  ASSERT_TRUE(jws) << jws.error();
  const auto p = read_proof(*jws);
  EXPECT_TRUE(p.verified);
  EXPECT_EQ(p.header["typ"], "dpop+jwt");
  EXPECT_EQ(p.header["alg"], "ES256");
  const Json& jwk = p.header["jwk"];
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(auth::base64url_decode_strict(jwk.value("x", ""))->size(), 32u);
  EXPECT_EQ(auth::base64url_decode_strict(jwk.value("y", ""))->size(), 32u);
  EXPECT_FALSE(jwk.contains("d"));  // public only
  EXPECT_EQ(jwk, key->public_jwk());
  EXPECT_EQ(p.jkt, key->thumbprint());

  EXPECT_EQ(p.claims["htm"], "GET");
  EXPECT_EQ(p.claims["htu"], "https://mcp.test/mcp");  // no query, no fragment
  EXPECT_EQ(p.claims["ath"], b64url_sha256("the-token"));
  EXPECT_EQ(p.claims["nonce"], "n-1");
  EXPECT_EQ(p.claims["iat"],
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  EXPECT_GE(p.claims.value("jti", "").size(), 16u);

  auto bare = oauth::make_dpop_proof(*key, {"POST", "https://as.test/token", {}, {}, now});
  ASSERT_TRUE(bare);
  const auto q = read_proof(*bare);
  EXPECT_TRUE(q.verified);
  EXPECT_FALSE(q.claims.contains("ath"));
  EXPECT_FALSE(q.claims.contains("nonce"));
  EXPECT_NE(q.claims["jti"], p.claims["jti"]);
}

TEST(OauthDpop, AthAndHtuFollowRfc9449) {
  // RFC 9449 §7.1's example access token and its ath.
  EXPECT_EQ(oauth::dpop_ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
  EXPECT_EQ(oauth::dpop_htu("https://a.test/p?x=1"), "https://a.test/p");
  EXPECT_EQ(oauth::dpop_htu("https://a.test/p#f"), "https://a.test/p");
  EXPECT_EQ(oauth::dpop_htu("https://a.test/p/"), "https://a.test/p/");
  EXPECT_TRUE(oauth::dpop_supported({"RS256", "ES256"}));
  EXPECT_FALSE(oauth::dpop_supported({"RS256"}));
  EXPECT_FALSE(oauth::dpop_supported({}));
}

TEST(OauthDpop, EachKeyIsNew) {
  auto a = oauth::DpopKey::generate();
  auto b = oauth::DpopKey::generate();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->thumbprint(), b->thumbprint());
}

// ---- the challenge ----

TEST(OauthDpop, ParsesTheDpopChallenge) {
  const auto c = oauth::parse_challenge(
      R"(Bearer realm="x", DPoP error="use_dpop_nonce", resource_metadata="https://r.test/m", algs="ES256")",
      "dpop");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "DPoP");
  EXPECT_EQ(c->error, "use_dpop_nonce");
  EXPECT_EQ(c->resource_metadata, "https://r.test/m");
  EXPECT_EQ(c->param("algs").value_or(""), "ES256");

  http::Headers h = testing::challenge_headers(R"(DPoP resource_metadata="https://r.test/m")");
  EXPECT_FALSE(oauth::find_bearer_challenge(h));
  const auto any = oauth::find_oauth_challenge(h);
  ASSERT_TRUE(any);
  EXPECT_EQ(any->scheme, "DPoP");
  EXPECT_EQ(any->resource_metadata, "https://r.test/m");
  // Bearer wins where both are offered.
  h.add("WWW-Authenticate", R"(Bearer resource_metadata="https://r.test/b")");
  EXPECT_EQ(oauth::find_oauth_challenge(h)->resource_metadata, "https://r.test/b");
}

// ---- the token endpoint ----

http::ClientResult with_nonce(http::ClientResult r, const std::string& nonce) {
  r->headers.add("DPoP-Nonce", nonce);
  return r;
}

TEST(OauthDpop, TokenRequestRetriesOnceWithTheServersNonce) {
  auto key = oauth::DpopKey::generate();
  ASSERT_TRUE(key);
  std::vector<http::ClientRequest> seen;
  oauth::OAuthHttp http{[&](const http::ClientRequest& r) -> http::ClientResult {
    seen.push_back(r);
    const auto proof = read_proof(r.headers.get("DPoP").value_or(""));
    if (proof.claims.value("nonce", "") != kAsNonce) {
      return with_nonce(FakeOAuthWorld::json(Json{{"error", "use_dpop_nonce"}}, 400), kAsNonce);
    }
    return with_nonce(FakeOAuthWorld::json(Json{{"access_token", "A"}, {"token_type", "dpop"}}),
                      "as-nonce-2");
  }};
  oauth::TokenDpop dpop{*key, ""};
  auto res = oauth::request_token(http, "https://as.test/token?x=1", oauth::refresh_token_grant("R", ""),
                                  oauth::ClientAuth{"c", "", "none"}, &dpop);
  ASSERT_TRUE(res) << res.error();
  EXPECT_TRUE(res->dpop_bound);
  ASSERT_EQ(seen.size(), 2u);
  const auto first = read_proof(seen[0].headers.get("DPoP").value_or(""));
  const auto second = read_proof(seen[1].headers.get("DPoP").value_or(""));
  EXPECT_TRUE(first.verified && second.verified);
  EXPECT_EQ(first.claims["htm"], "POST");
  EXPECT_EQ(first.claims["htu"], "https://as.test/token");
  EXPECT_FALSE(first.claims.contains("ath"));
  EXPECT_EQ(second.claims["nonce"], kAsNonce);
  EXPECT_NE(first.claims["jti"], second.claims["jti"]);
  EXPECT_EQ(seen[0].body, seen[1].body);
  EXPECT_EQ(dpop.nonce, "as-nonce-2");  // the newest nonce is kept for the next request
}

TEST(OauthDpop, TokenRequestDoesNotLoopOnARepeatedNonceChallenge) {
  auto key = oauth::DpopKey::generate();
  ASSERT_TRUE(key);
  int calls = 0;
  oauth::OAuthHttp http{[&](const http::ClientRequest&) -> http::ClientResult {
    ++calls;
    return with_nonce(FakeOAuthWorld::json(Json{{"error", "use_dpop_nonce"}}, 400), kAsNonce);
  }};
  oauth::TokenDpop dpop{*key, ""};
  auto res = oauth::request_token(http, "https://as.test/token", oauth::refresh_token_grant("R", ""),
                                  oauth::ClientAuth{"c", "", "none"}, &dpop);
  ASSERT_FALSE(res);
  EXPECT_NE(res.error().find("use_dpop_nonce"), std::string::npos);
  EXPECT_EQ(calls, 2);
}

TEST(OauthDpop, ADpopTokenTypeNeedsAProof) {
  oauth::OAuthHttp http{[](const http::ClientRequest& r) -> http::ClientResult {
    EXPECT_FALSE(r.headers.get("DPoP"));
    return FakeOAuthWorld::json(Json{{"access_token", "A"}, {"token_type", "DPoP"}});
  }};
  auto res = oauth::request_token(http, "https://as.test/token", oauth::refresh_token_grant("R", ""),
                                  oauth::ClientAuth{"c", "", "none"});
  ASSERT_FALSE(res);
  EXPECT_NE(res.error().find("unsupported token_type"), std::string::npos);
}

// ---- the provider ----

// FakeOAuthWorld with a DPoP authorization server (optionally demanding a
// nonce) that binds its tokens to the proof key.
struct DpopWorld {
  FakeOAuthWorld world;
  bool require_nonce = false;
  std::vector<Proof> token_proofs;
  std::map<std::string, std::string> jkt_of;  // access token -> bound key
  std::vector<std::string> traces;

  DpopWorld() {
    world.metadata["dpop_signing_alg_values_supported"] = Json::array({"ES256"});
    world.routes["https://as.test/token"] = [this](const http::ClientRequest& r) -> http::ClientResult {
      const auto header = r.headers.get("DPoP");
      if (!header) return FakeOAuthWorld::json(Json{{"error", "invalid_dpop_proof"}}, 400);
      auto proof = read_proof(*header);
      token_proofs.push_back(proof);
      if (!proof.verified || proof.claims["htm"] != "POST" ||
          proof.claims["htu"] != "https://as.test/token") {
        return FakeOAuthWorld::json(Json{{"error", "invalid_dpop_proof"}}, 400);
      }
      if (require_nonce && proof.claims.value("nonce", "") != kAsNonce) {
        return with_nonce(FakeOAuthWorld::json(Json{{"error", "use_dpop_nonce"}}, 400), kAsNonce);
      }
      auto res = world.token(r);
      if (!res || res->status != 200) return res;
      Json body = Json::parse(res->body);
      body["token_type"] = "DPoP";
      jkt_of[body["access_token"].get<std::string>()] = proof.jkt;
      return FakeOAuthWorld::json(body);
    };
  }

  std::unique_ptr<OAuthProvider> make(std::filesystem::path store = {}) {
    OAuthOptions o;
    o.mode = client::LoginMode::kHeadless;
    o.redirect_uri = "http://localhost:3000/callback";
    o.store_dir = std::move(store);
    o.trace = [this](std::string_view line) {
      traces.emplace_back(line);
    };
    return std::make_unique<OAuthProvider>(world.mcp_url, std::move(o), std::ref(world));
  }
};

Challenge challenge(const std::string& www, int attempt, const char* nonce = nullptr) {
  Challenge c;
  c.status = 401;
  c.headers = testing::challenge_headers(www);
  if (nonce != nullptr) c.headers.add("DPoP-Nonce", nonce);
  c.url = "https://mcp.test/mcp";
  c.attempt = attempt;
  return c;
}

// What the resource server checks in one request's headers.
Proof check_request(const DpopWorld& w, const http::Headers& h, const std::string& method,
                    const std::string& token) {
  EXPECT_EQ(h.get("Authorization").value_or(""), "DPoP " + token);
  auto proof = read_proof(h.get("DPoP").value_or(""));
  EXPECT_TRUE(proof.verified);
  EXPECT_EQ(proof.claims["htm"], method);
  EXPECT_EQ(proof.claims["htu"], "https://mcp.test/mcp");
  EXPECT_EQ(proof.claims["ath"], b64url_sha256(token));
  EXPECT_EQ(proof.jkt, w.jkt_of.at(token));
  return proof;
}

TEST(OauthDpop, ProviderGetsADpopBoundTokenAndPresentsItWithFreshProofs) {
  DpopWorld w;
  auto p = w.make();
  EXPECT_TRUE(p->request_headers("POST", w.world.mcp_url).items().empty());
  // The DPoP scheme's challenge names the resource metadata like Bearer's.
  auto out = p->on_challenge(challenge(dpop_prm_challenge(), 0));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, ChallengeOutcome::kRetry);
  EXPECT_EQ(w.world.count(kPrmUrl), 1u);
  ASSERT_EQ(w.token_proofs.size(), 1u);
  EXPECT_FALSE(w.token_proofs[0].claims.contains("nonce"));

  const auto a =
      check_request(w, p->request_headers("POST", "https://mcp.test/mcp?session=1"), "POST", "at-1");
  const auto b = check_request(w, p->request_headers("GET", w.world.mcp_url), "GET", "at-1");
  EXPECT_NE(a.claims["jti"], b.claims["jti"]);
  EXPECT_FALSE(a.claims.contains("nonce"));
  EXPECT_EQ(p->authorization().value_or(""), "DPoP at-1");

  // The refresh proves possession of the same key and stays bound.
  ASSERT_TRUE(p->refresh());
  ASSERT_EQ(w.token_proofs.size(), 2u);
  EXPECT_EQ(w.token_proofs[1].jkt, w.token_proofs[0].jkt);
  check_request(w, p->request_headers("POST", w.world.mcp_url), "POST", "at-2");

  for (const auto& line : w.traces) {
    EXPECT_EQ(line.find("at-1"), std::string::npos) << line;
    EXPECT_EQ(line.find("eyJ"), std::string::npos) << line;  // no proof in full
  }
}

TEST(OauthDpop, ProviderHonoursTheAuthorizationAndResourceServerNonces) {
  DpopWorld w;
  w.require_nonce = true;
  auto p = w.make();
  auto out = p->on_challenge(challenge(dpop_prm_challenge(), 0));
  ASSERT_TRUE(out) << out.error();
  ASSERT_EQ(w.token_proofs.size(), 2u);  // use_dpop_nonce, then the retry with it
  EXPECT_EQ(w.token_proofs[1].claims["nonce"], kAsNonce);
  const auto before = w.world.requests.size();

  // The MCP server wants its own nonce: retry without a new login.
  const std::string nonce_challenge =
      std::string(R"(DPoP error="use_dpop_nonce", resource_metadata=")") + kPrmUrl + "\"";
  out = p->on_challenge(challenge(nonce_challenge, 1, kRsNonce));
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, ChallengeOutcome::kRetry);
  EXPECT_EQ(w.world.requests.size(), before);
  const auto proof = check_request(w, p->request_headers("POST", w.world.mcp_url), "POST", "at-1");
  EXPECT_EQ(proof.claims["nonce"], kRsNonce);

  // A server that keeps asking is given up on, within the operation.
  ASSERT_TRUE(p->on_challenge(challenge(nonce_challenge, 2, "rs-nonce-2")));
  auto looped = p->on_challenge(challenge(nonce_challenge, 3, "rs-nonce-3"));
  ASSERT_FALSE(looped);
  EXPECT_NE(looped.error().find("nonce"), std::string::npos);
  // A new operation starts over.
  EXPECT_TRUE(p->on_challenge(challenge(nonce_challenge, 0, "rs-nonce-4")));
}

TEST(OauthDpop, NonceChallengeWithoutANonceHeaderIsAnOrdinary401) {
  DpopWorld w;
  auto p = w.make();
  ASSERT_TRUE(p->on_challenge(challenge(dpop_prm_challenge(), 0)));
  // No DPoP-Nonce: the fresh token was rejected, which is not retried.
  auto out = p->on_challenge(challenge(R"(DPoP error="use_dpop_nonce")", 1));
  EXPECT_FALSE(out);
}

TEST(OauthDpop, BearerServersKeepBearerTokens) {
  FakeOAuthWorld world;
  OAuthOptions o;
  o.mode = client::LoginMode::kHeadless;
  o.redirect_uri = "http://localhost:3000/callback";
  OAuthProvider p(world.mcp_url, o, std::ref(world));
  ASSERT_TRUE(p.on_challenge(challenge(std::string(R"(Bearer resource_metadata=")") + kPrmUrl + "\"", 0)));
  EXPECT_FALSE(world.to("https://as.test/token")[0].headers.get("DPoP"));
  const auto h = p.request_headers("POST", world.mcp_url);
  EXPECT_EQ(h.get("Authorization").value_or(""), "Bearer at-1");
  EXPECT_FALSE(h.get("DPoP"));
}

TEST(OauthDpop, DpopBoundTokensAreNotStored) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("oauth-dpop-" + util::to_hex(util::random_bytes(6)));
  {
    DpopWorld w;
    auto p = w.make(dir);
    ASSERT_TRUE(p->on_challenge(challenge(dpop_prm_challenge(), 0)));
    EXPECT_EQ(p->authorization().value_or(""), "DPoP at-1");
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      EXPECT_EQ(entry.path().filename().string().rfind("tokens-", 0), std::string::npos) << entry.path();
    }
    // A new process (provider) has no token and logs in again.
    auto again = w.make(dir);
    EXPECT_FALSE(again->authorization());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mcp
