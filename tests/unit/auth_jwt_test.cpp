// JWT verification primitives: strict JSON, JWKS parsing, token decoding,
// signatures and claims, including the usual attacks on JWT validators.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "jwt_test_support.hpp"
#include "mcp/auth/claims.hpp"
#include "mcp/auth/jwk.hpp"
#include "mcp/auth/jwt.hpp"
#include "mcp/auth/strict_json.hpp"
#include "mcp/util/base64.hpp"

namespace {

using mcp::Json;
using mcp::testing::make_token;
using mcp::testing::TestKey;
namespace auth = mcp::auth;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr const char* kIssuer = "https://issuer.example.com";
constexpr const char* kAudience = "https://mcp.example.com/mcp";
constexpr const char* kCognitoIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example";

// ------------------------------------------------------------ strict JSON

TEST(StrictJson, ParsesLikeNlohmann) {
  const std::string text =
      R"({"a":[1,-2,3.5,true,false,null,{"b":"\u00e9\ud83d\ude00"}],"c":{"d":{}},"e":18446744073709551615})";
  auto parsed = auth::parse_strict_json(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, Json::parse(text));
  EXPECT_EQ(auth::parse_strict_json("42"), Json(42));
  EXPECT_EQ(auth::parse_strict_json(" [ ] \n"), Json::array());
}

TEST(StrictJson, RejectsDuplicateMembersAtAnyDepth) {
  EXPECT_FALSE(auth::parse_strict_json(R"({"a":1,"a":1})"));
  EXPECT_FALSE(auth::parse_strict_json(R"({"x":{"a":1,"b":2,"a":3}})"));
  EXPECT_FALSE(auth::parse_strict_json(R"([{"ok":1},{"a":[{"k":1,"k":2}]}])"));
  // The same member after unescaping is the same member.
  EXPECT_FALSE(auth::parse_strict_json(R"({"sub":"a","\u0073ub":"b"})"));
  auto error = auth::parse_strict_json_or_error(R"({"a":{"b":1,"b":1}})");
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error(), "duplicate JSON member");
  // Equal names in different objects are fine.
  EXPECT_TRUE(auth::parse_strict_json(R"({"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]})"));
}

TEST(StrictJson, LimitsDepth) {
  auto nested = [](int depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_TRUE(auth::parse_strict_json(nested(32)));
  EXPECT_FALSE(auth::parse_strict_json(nested(33)));
  EXPECT_TRUE(auth::parse_strict_json(R"({"a":{"b":1}})", 2));
  EXPECT_FALSE(auth::parse_strict_json(R"({"a":{"b":{}}})", 2));
  auto error = auth::parse_strict_json_or_error(nested(100000));  // no stack overflow either
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error(), "JSON nesting too deep");
}

TEST(StrictJson, RejectsTrailingDataAndSyntaxErrors) {
  for (const char* text : {"{} x", "{}{}", "[1] ]", "", " ", "{", R"({"a":1,})", "[1,]", "// c\n{}",
                           "{} /* c */", "NaN", "1e400", "'a'", R"({a:1})"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(auth::parse_strict_json(text));
  }
  // nlohmann's lexer stops at a NUL byte; what follows must not be ignored.
  EXPECT_FALSE(auth::parse_strict_json(std::string_view("{}\0", 3)));
  EXPECT_FALSE(auth::parse_strict_json(std::string_view("{\"a\":1}\0{\"a\":2}", 15)));
  EXPECT_FALSE(auth::parse_strict_json(std::string_view("\"a\0b\"", 5)));
}

TEST(StrictJson, RejectsInvalidUtf8) {
  for (const char* text : {"\"\xC3\x28\"",          // bad continuation byte
                           "\"\xC0\xAF\"",          // overlong '/'
                           "\"\xED\xA0\x80\"",      // encoded surrogate
                           "\"\xF4\x90\x80\x80\"",  // above U+10FFFF
                           "\"\xE2\x82\"",          // truncated sequence
                           "\"\xFF\"",              //
                           R"("\ud800")",           // unpaired surrogate escape
                           R"("\udc00\ud800")",     // reversed pair
                           "\xEF\xBB\xBF{}",        // byte order mark
                           "{\"\xC3\x28\":1}"}) {   // in a member name
    SCOPED_TRACE(text);
    EXPECT_FALSE(auth::parse_strict_json(text));
  }
  EXPECT_EQ(auth::parse_strict_json("\"\xC3\xA9\xF0\x9F\x98\x80\""), Json("\xC3\xA9\xF0\x9F\x98\x80"));
}

// ------------------------------------------------------------ base64url

TEST(JwtBase64, StrictDecoderMatchesTheGenericOne) {
  std::string data;
  for (int i = 0; i < 100; ++i) {
    const std::string encoded = mcp::util::base64url_encode(data);
    EXPECT_EQ(auth::base64url_decode_strict(encoded), data);
    data += static_cast<char>(i * 37 + 11);
  }
  EXPECT_EQ(auth::base64url_decode_strict(""), "");
  EXPECT_EQ(auth::base64url_decode_strict("-_8"), "\xfb\xff");
}

TEST(JwtBase64, StrictDecoderRejectsNonCanonicalInput) {
  for (const char* text : {"SGVsbG8=", "SGVsbG8==", "SGVsbG==", "A", "ABCDE", "abc+", "ab/c", "ab c",
                           "ab\ncd", "SGVsbG9", "SGVsbG9h=", "AB", "ABC",
                           "\xC3\xA9\x41\x42",  // é then AB
                           "AAA.", "AAAA*AAA"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(auth::base64url_decode_strict(text));
  }
  EXPECT_FALSE(auth::base64url_decode_strict(std::string_view("AA\0A", 4)));
}

// ------------------------------------------------------------ JWKS

const TestKey& rsa_key() {
  static const TestKey kKey = TestKey::rsa("rsa-1");
  return kKey;
}
const TestKey& ec_key() {
  static const TestKey kKey = TestKey::ec("ec-1");
  return kKey;
}

TEST(Jwk, ParsesRsaAndEcKeys) {
  auto set = auth::parse_jwks(mcp::testing::jwks_json({&rsa_key(), &ec_key()}));
  ASSERT_TRUE(set) << set.error();
  ASSERT_EQ(set->keys.size(), 2u);
  ASSERT_NE(set->find("rsa-1"), nullptr);
  ASSERT_NE(set->find("ec-1"), nullptr);
  EXPECT_EQ(set->find("rsa-1")->algorithm(), "RS256");
  EXPECT_EQ(set->find("ec-1")->algorithm(), "ES256");
  EXPECT_EQ(set->find("ec-1")->kid(), "ec-1");
  EXPECT_EQ(set->find("other"), nullptr);
  EXPECT_EQ(set->find(""), nullptr);
}

TEST(Jwk, AlgorithmDefaultsFromKeyType) {
  Json rsa = rsa_key().public_jwk();
  Json ec = ec_key().public_jwk();
  rsa.erase("alg");
  rsa.erase("use");
  ec.erase("alg");
  auto set = auth::parse_jwks(Json{{"keys", {rsa, ec}}}.dump());
  ASSERT_TRUE(set) << set.error();
  EXPECT_EQ(set->find("rsa-1")->algorithm(), "RS256");
  EXPECT_EQ(set->find("ec-1")->algorithm(), "ES256");
}

TEST(Jwk, SkipsUnusableKeys) {
  const Json rsa = rsa_key().public_jwk();
  const Json ec = ec_key().public_jwk();
  auto variant = [](Json jwk, const std::string& kid, const char* member, Json value) {
    jwk["kid"] = kid;
    if (value.is_null()) {
      jwk.erase(member);
    } else {
      jwk[member] = std::move(value);
    }
    return jwk;
  };
  struct Case {
    Json jwk;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {variant(rsa, "enc", "use", "enc"), "not a signature key"},
      {variant(rsa, "ops", "key_ops", Json::array({"encrypt"})), "not a verification key"},
      {variant(rsa, "", "kid", nullptr), "missing kid"},
      {variant(rsa, "empty", "kid", ""), "missing kid"},
      {variant(rsa, "numkid", "kid", 7), "missing kid"},
      {variant(rsa, "rs512", "alg", "RS512"), "unsupported alg"},
      {variant(rsa, "ps256", "alg", "PS256"), "unsupported alg"},
      {variant(rsa, "rsa-es", "alg", "ES256"), "unsupported alg"},
      {variant(ec, "ec-rs", "alg", "RS256"), "unsupported alg"},
      {variant(ec, "p384", "crv", "P-384"), "unsupported crv"},
      {variant(rsa, "no-n", "n", nullptr), "RSA key without valid n and e"},
      {variant(rsa, "pad", "n", rsa["n"].get<std::string>() + "="), "RSA key without valid n and e"},
      {variant(rsa, "e1", "e", "AQ"), "invalid RSA key"},
      {variant(ec, "short-x", "x", mcp::util::base64url_encode(std::string(31, '\x01'))),
       "EC key without valid x and y"},
      {Json{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}}, "unsupported kty"},
      {Json{{"kty", "OKP"}, {"kid", "ed"}, {"crv", "Ed25519"}, {"x", "AAAA"}}, "unsupported kty"},
      {Json{{"kid", "nokty"}}, "missing kty"},
      {Json("not an object"), "key is not an object"},
  };
  Json keys = Json::array();
  for (const auto& c : cases) {
    auto key = auth::Jwk::from_json(c.jwk);
    ASSERT_FALSE(key) << c.jwk.dump();
    EXPECT_EQ(key.error(), c.reason) << c.jwk.dump();
    keys.push_back(c.jwk);
  }
  keys.push_back(rsa);
  auto set = auth::parse_jwks(Json{{"keys", keys}}.dump());
  ASSERT_TRUE(set) << set.error();
  ASSERT_EQ(set->keys.size(), 1u);
  EXPECT_EQ(set->keys[0]->kid(), "rsa-1");
}

TEST(Jwk, RejectsSmallAndHugeRsaModuli) {
  const TestKey small = TestKey::rsa("small", 1024);
  auto set = auth::parse_jwks(mcp::testing::jwks_json({&small}));
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error(), "JWKS has no usable keys");
  EXPECT_EQ(auth::Jwk::from_json(small.public_jwk()).error(), "RSA modulus too small");

  Json huge = rsa_key().public_jwk();
  huge["n"] = mcp::util::base64url_encode(std::string(8192 / 8 + 1, '\xff'));  // 8200 bits
  EXPECT_EQ(auth::Jwk::from_json(huge).error(), "RSA modulus too large");
  Json even = rsa_key().public_jwk();
  even["n"] = mcp::util::base64url_encode(std::string(256, '\xfe'));
  EXPECT_EQ(auth::Jwk::from_json(even).error(), "invalid RSA key");
}

TEST(Jwk, RejectsPointsOffTheCurve) {
  Json jwk = ec_key().public_jwk();
  std::string y = *mcp::util::base64url_decode(jwk["y"].get<std::string>());
  y[31] = static_cast<char>(y[31] ^ 1);
  jwk["y"] = mcp::util::base64url_encode(y);
  EXPECT_EQ(auth::Jwk::from_json(jwk).error(), "invalid EC point");
  EXPECT_FALSE(auth::parse_jwks(Json{{"keys", {jwk}}}.dump()));
  jwk["x"] = jwk["y"] = mcp::util::base64url_encode(std::string(32, '\0'));
  EXPECT_EQ(auth::Jwk::from_json(jwk).error(), "invalid EC point");
}

TEST(Jwk, RejectsBadDocuments) {
  for (const char* doc :
       {R"({"keys":[]})", R"({})", R"([])", R"({"keys":{}})", R"({"keys":"x"})", "not json", ""}) {
    SCOPED_TRACE(doc);
    EXPECT_FALSE(auth::parse_jwks(doc));
  }
  const std::string good = rsa_key().public_jwk().dump();
  auto dup_keys = auth::parse_jwks(R"({"keys":[)" + good + R"(],"keys":[]})");
  ASSERT_FALSE(dup_keys);
  EXPECT_EQ(dup_keys.error(), "JWKS: duplicate JSON member");
  // A second "n" inside one key: the whole document is refused.
  std::string twice = good;
  twice.insert(1, R"("n":"AQAB",)");
  EXPECT_FALSE(auth::parse_jwks(R"({"keys":[)" + twice + "]}"));
}

// "k<i>" (appending avoids a GCC 12 -Wrestrict false positive on "k" + string).
std::string numbered_kid(int i) {
  std::string kid = "k";
  kid += std::to_string(i);
  return kid;
}

TEST(Jwk, ConsidersAtMost100Keys) {
  Json junk = Json::array();
  for (int i = 0; i < 100; ++i) junk.push_back({{"kty", "oct"}, {"kid", numbered_kid(i)}, {"k", "AAAA"}});
  Json keys = junk;
  keys.push_back(rsa_key().public_jwk());
  EXPECT_FALSE(auth::parse_jwks(Json{{"keys", keys}}.dump()));  // the good key is the 101st

  Json many = Json::array();
  for (int i = 0; i < 150; ++i) many.push_back(rsa_key().with_kid(numbered_kid(i)).public_jwk());
  auto set = auth::parse_jwks(Json{{"keys", many}}.dump());
  ASSERT_TRUE(set) << set.error();
  EXPECT_EQ(set->keys.size(), auth::kMaxJwksKeys);
  EXPECT_NE(set->find("k99"), nullptr);
  EXPECT_EQ(set->find("k100"), nullptr);
}

TEST(Jwk, FirstKeyWinsForARepeatedKid) {
  const TestKey other = TestKey::ec("other").with_kid("rsa-1");
  auto set = auth::parse_jwks(mcp::testing::jwks_json({&rsa_key(), &other}));
  ASSERT_TRUE(set);
  ASSERT_EQ(set->keys.size(), 1u);
  EXPECT_EQ(set->find("rsa-1")->algorithm(), "RS256");
}

TEST(Jwk, VerifiesConcurrently) {
  auto set = auth::parse_jwks(mcp::testing::jwks_json({&rsa_key(), &ec_key()}));
  ASSERT_TRUE(set);
  const std::string input = "header.payload";
  const std::string rsa_sig = rsa_key().sign_raw(input);
  const std::string ec_sig = ec_key().sign_raw(input);
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        ok[t] += set->find("rsa-1")->verify(input, rsa_sig) && set->find("ec-1")->verify(input, ec_sig) &&
                 !set->find("rsa-1")->verify("other", rsa_sig);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int n : ok) EXPECT_EQ(n, 50);
}

// ------------------------------------------------------------ tokens

auth::ClaimRules generic_rules() {
  auth::ClaimRules rules;
  rules.issuer = kIssuer;
  rules.audiences = {kAudience};
  return rules;
}

auth::ClaimRules cognito_rules() {
  auth::ClaimRules rules;
  rules.issuer = kCognitoIssuer;
  rules.audience_required = false;
  rules.cognito = true;
  rules.allowed_client_ids = {"4abc123example"};
  return rules;
}

// What a resource server does with a bearer token.
mcp::util::Expected<mcp::AuthInfo, std::string> validate(std::string_view token, const auth::JwkSet& keys,
                                                         const auth::ClaimRules& rules,
                                                         std::int64_t now = kNow) {
  auto jwt = auth::decode_jwt(token);
  if (!jwt) return mcp::util::unexpected(jwt.error());
  const auth::Jwk* key = keys.find(jwt->kid);
  if (key == nullptr) return mcp::util::unexpected(std::string("unknown kid"));
  if (!auth::verify_signature(*jwt, *key)) return mcp::util::unexpected(std::string("bad signature"));
  return auth::check_claims(jwt->payload, rules, now);
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = auth::parse_jwks(mcp::testing::jwks_json({&rsa_key(), &ec_key()}));
    ASSERT_TRUE(set) << set.error();
    keys_ = std::move(*set);
  }
  static Json claims() { return mcp::testing::access_claims(kIssuer, kAudience, kNow); }
  static Json with(Json payload, const char* name, Json value) {
    if (value.is_null()) {
      payload.erase(name);
    } else {
      payload[name] = std::move(value);
    }
    return payload;
  }
  static std::string rsa_header(const char* alg = "RS256") {
    return std::string(R"({"alg":")") + alg + R"(","kid":"rsa-1","typ":"JWT"})";
  }
  // A token whose signature is valid over exactly these texts.
  static std::string signed_raw(const TestKey& key, std::string_view header, std::string_view payload) {
    const std::string input =
        mcp::util::base64url_encode(header) + "." + mcp::util::base64url_encode(payload);
    return input + "." + mcp::util::base64url_encode(key.sign_raw(input));
  }
  static std::string flip_signature_byte(const std::string& token) {
    const auto dot = token.rfind('.');
    std::string sig = *mcp::util::base64url_decode(token.substr(dot + 1));
    sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x01);
    return token.substr(0, dot + 1) + mcp::util::base64url_encode(sig);
  }

  auth::JwkSet keys_;
};

TEST_F(JwtTest, ValidRs256Token) {
  const std::string token = rsa_key().token(claims());
  auto jwt = auth::decode_jwt(token);
  ASSERT_TRUE(jwt) << jwt.error();
  EXPECT_EQ(jwt->alg, "RS256");
  EXPECT_EQ(jwt->kid, "rsa-1");
  EXPECT_EQ(jwt->header["typ"], "at+jwt");
  EXPECT_EQ(jwt->signature.size(), 256u);
  EXPECT_EQ(jwt->signing_input, token.substr(0, token.rfind('.')));

  auto info = validate(token, keys_, generic_rules());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "user-123");
  EXPECT_EQ(info->client_id, "client-abc");
  EXPECT_EQ(info->scopes, (std::vector<std::string>{"mcp:read", "mcp:write"}));
  EXPECT_EQ(info->expires_at, kNow + 300);
  EXPECT_EQ(info->claims, claims());
}

TEST_F(JwtTest, ValidEs256Token) {
  const std::string token = ec_key().token(claims());
  auto jwt = auth::decode_jwt(token);
  ASSERT_TRUE(jwt) << jwt.error();
  EXPECT_EQ(jwt->alg, "ES256");
  EXPECT_EQ(jwt->signature.size(), 64u);
  auto info = validate(token, keys_, generic_rules());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "user-123");
}

TEST_F(JwtTest, AcceptedTypValues) {
  for (const char* typ : {"JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"}) {
    SCOPED_TRACE(typ);
    auto info = validate(rsa_key().sign({{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", typ}}, claims()), keys_,
                         generic_rules());
    EXPECT_TRUE(info) << info.error();
  }
  EXPECT_TRUE(
      validate(rsa_key().sign({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims()), keys_, generic_rules()));
}

TEST_F(JwtTest, HostileTokensAreRejected) {
  const TestKey& rsa = rsa_key();
  const TestKey& ec = ec_key();
  const std::string payload = claims().dump();
  const std::string good = rsa.token(claims());
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  std::string tampered_payload = good.substr(0, dot1 + 1) +
                                 mcp::util::base64url_encode(with(claims(), "sub", "admin").dump()) +
                                 good.substr(dot2);
  const std::string truncated_signature =
      good.substr(0, dot2 + 1) +
      mcp::util::base64url_encode(mcp::util::base64url_decode(good.substr(dot2 + 1))->substr(1));
  std::string wrong_length_es = ec.token(claims());
  wrong_length_es = wrong_length_es.substr(0, wrong_length_es.rfind('.') + 1) +
                    mcp::util::base64url_encode(std::string(72, '\x30'));

  struct Case {
    const char* name;
    std::string token;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"alg none, empty signature", make_token(R"({"alg":"none","kid":"rsa-1"})", payload, ""),
       "malformed token"},
      {"alg none", make_token(R"({"alg":"none","kid":"rsa-1"})", payload, "x"), "unsupported alg"},
      {"alg None", make_token(R"({"alg":"None","kid":"rsa-1"})", payload, "x"), "unsupported alg"},
      {"HS256 with the RSA public key", mcp::testing::hs256_with_key(rsa, claims()), "unsupported alg"},
      {"RS512", signed_raw(rsa, rsa_header("RS512"), payload), "unsupported alg"},
      {"rs256 lower case", signed_raw(rsa, rsa_header("rs256"), payload), "unsupported alg"},
      {"alg not a string", signed_raw(rsa, R"({"alg":["RS256"],"kid":"rsa-1"})", payload), "unsupported alg"},
      {"alg missing", signed_raw(rsa, R"({"kid":"rsa-1"})", payload), "missing alg"},
      {"RS256 header on the EC key", rsa.sign({{"alg", "RS256"}, {"kid", "ec-1"}}, claims()),
       "bad signature"},
      {"ES256 header on the RSA key", ec.sign({{"alg", "ES256"}, {"kid", "rsa-1"}}, claims()),
       "bad signature"},
      {"unknown kid", rsa.with_kid("rsa-2").token(claims()), "unknown kid"},
      {"kid missing", signed_raw(rsa, R"({"alg":"RS256"})", payload), "missing kid"},
      {"kid empty", signed_raw(rsa, R"({"alg":"RS256","kid":""})", payload), "missing kid"},
      {"kid not a string", signed_raw(rsa, R"({"alg":"RS256","kid":1})", payload), "missing kid"},
      {"same kid, different key", TestKey::rsa("attacker").with_kid("rsa-1").token(claims()),
       "bad signature"},
      {"same kid, different EC key", TestKey::ec("attacker").with_kid("ec-1").token(claims()),
       "bad signature"},
      {"flipped signature byte", flip_signature_byte(good), "bad signature"},
      {"flipped ES256 signature byte", flip_signature_byte(ec.token(claims())), "bad signature"},
      {"payload changed after signing", tampered_payload, "bad signature"},
      {"truncated RS256 signature", truncated_signature, "bad signature"},
      {"ES256 signature of the wrong length", wrong_length_es, "bad signature"},
      {"expired", rsa.token(with(claims(), "exp", kNow - 61)), "token expired"},
      {"not yet valid", rsa.token(with(claims(), "nbf", kNow + 61)), "token not yet valid"},
      {"issued in the future", rsa.token(with(claims(), "iat", kNow + 61)), "token issued in the future"},
      {"exp as string", rsa.token(with(claims(), "exp", std::to_string(kNow + 300))), "invalid exp"},
      {"exp as bool", rsa.token(with(claims(), "exp", true)), "invalid exp"},
      {"nbf as string", rsa.token(with(claims(), "nbf", "0")), "invalid nbf"},
      {"iat as null", signed_raw(rsa, rsa_header(), R"({"iss":"x","sub":"s","exp":1,"iat":null})"),
       "token expired"},
      {"exp missing", rsa.token(with(claims(), "exp", nullptr)), "missing exp"},
      {"wrong iss", rsa.token(with(claims(), "iss", "https://evil.example.com")), "issuer mismatch"},
      {"iss with trailing slash", rsa.token(with(claims(), "iss", std::string(kIssuer) + "/")),
       "issuer mismatch"},
      {"iss missing", rsa.token(with(claims(), "iss", nullptr)), "issuer mismatch"},
      {"wrong aud", rsa.token(with(claims(), "aud", "https://other.example.com/mcp")), "audience mismatch"},
      {"aud of another path", rsa.token(with(claims(), "aud", "https://mcp.example.com/mcp2")),
       "audience mismatch"},
      {"aud array without match", rsa.token(with(claims(), "aud", {"a", "b"})), "audience mismatch"},
      {"aud empty array", rsa.token(with(claims(), "aud", Json::array())), "audience mismatch"},
      {"aud array with a number", rsa.token(with(claims(), "aud", {kAudience, 1})), "invalid aud"},
      {"aud missing", rsa.token(with(claims(), "aud", nullptr)), "missing aud"},
      {"sub missing", rsa.token(with(claims(), "sub", nullptr)), "missing sub"},
      {"sub empty", rsa.token(with(claims(), "sub", "")), "missing sub"},
      {"sub number", rsa.token(with(claims(), "sub", 5)), "missing sub"},
      {"scope not a string", rsa.token(with(claims(), "scope", {"a"})), "invalid scope claim"},
      {"padding", good + "=", "malformed token"},
      {"padding in the header", good.substr(0, dot1) + "=" + good.substr(dot1), "malformed token"},
      {"'+' in a part", "ab+c" + good.substr(dot1), "malformed token"},
      {"'/' in a part", good.substr(0, dot2 + 1) + "ab/c", "malformed token"},
      {"space", " " + good, "malformed token"},
      {"impossible base64 length", "a" + good.substr(dot1), "malformed token"},
      {"header not JSON", make_token("not json", payload, "sig"), "header is not JSON"},
      {"header an array", make_token(R"(["RS256"])", payload, "sig"), "header is not a JSON object"},
      {"payload an array", signed_raw(rsa, rsa_header(), "[1,2]"), "payload is not a JSON object"},
      {"payload not JSON", signed_raw(rsa, rsa_header(), "{"), "payload is not JSON"},
      {"duplicate claim", signed_raw(rsa, rsa_header(), R"({"sub":"user","sub":"admin","exp":1})"),
       "duplicate JSON member"},
      {"duplicate header member", signed_raw(rsa, R"({"alg":"RS256","kid":"rsa-1","alg":"none"})", payload),
       "duplicate JSON member"},
      {"crit header", rsa.sign({{"alg", "RS256"}, {"kid", "rsa-1"}, {"crit", {"exp"}}, {"exp", 1}}, claims()),
       "unsupported crit header"},
      {"typ JWE", rsa.sign({{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", "JWE"}}, claims()),
       "unsupported typ"},
      {"typ id token", rsa.sign({{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", "id_token+jwt"}}, claims()),
       "unsupported typ"},
      {"typ number", rsa.sign({{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", 1}}, claims()), "unsupported typ"},
      {"17 KiB of junk", std::string(std::size_t{17} * 1024, '!'), "token too large"},
      {"17 KiB token", rsa.token(with(claims(), "pad", std::string(std::size_t{17} * 1024, 'x'))),
       "token too large"},
      {"empty", "", "malformed token"},
      {"two dots only", "..", "malformed token"},
      {"empty header", good.substr(dot1), "malformed token"},
      {"empty payload", good.substr(0, dot1 + 1) + good.substr(dot2), "malformed token"},
      {"empty signature", good.substr(0, dot2 + 1), "malformed token"},
      {"two parts", good.substr(0, dot2), "malformed token"},
      {"one part", good.substr(0, dot1), "malformed token"},
      {"four parts", good + ".AAAA", "malformed token"},
      {"trailing dot", good + ".", "malformed token"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = validate(c.token, keys_, generic_rules());
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), c.error);
    // Errors never echo the token.
    if (c.token.size() > 8) {
      EXPECT_EQ(result.error().find(c.token.substr(0, 8)), std::string::npos);
    }
  }
}

TEST_F(JwtTest, VerifySignatureChecksTheKeysAlgorithm) {
  auto jwt = auth::decode_jwt(ec_key().token(claims()));
  ASSERT_TRUE(jwt);
  EXPECT_TRUE(auth::verify_signature(*jwt, *keys_.find("ec-1")));
  jwt->alg = "RS256";  // a decoder bug must not let the key run another algorithm
  EXPECT_FALSE(auth::verify_signature(*jwt, *keys_.find("ec-1")));
  EXPECT_FALSE(auth::verify_signature(*jwt, *keys_.find("rsa-1")));
}

TEST_F(JwtTest, OversizeCheckHonoursTheLimit) {
  const std::string token = rsa_key().token(claims());
  EXPECT_TRUE(auth::decode_jwt(token, token.size()));
  auto small = auth::decode_jwt(token, token.size() - 1);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error(), "token too large");
}

TEST_F(JwtTest, LeewayApplies) {
  EXPECT_TRUE(validate(rsa_key().token(with(claims(), "exp", kNow - 59)), keys_, generic_rules()));
  EXPECT_TRUE(validate(rsa_key().token(with(claims(), "exp", kNow - 60)), keys_, generic_rules()));
  EXPECT_TRUE(validate(rsa_key().token(with(claims(), "nbf", kNow + 60)), keys_, generic_rules()));
  EXPECT_TRUE(validate(rsa_key().token(with(claims(), "iat", kNow + 60)), keys_, generic_rules()));
  auto strict = generic_rules();
  strict.leeway = std::chrono::seconds(0);
  EXPECT_TRUE(validate(rsa_key().token(with(claims(), "exp", kNow)), keys_, strict));
  EXPECT_FALSE(validate(rsa_key().token(with(claims(), "exp", kNow - 1)), keys_, strict));
  EXPECT_FALSE(validate(rsa_key().token(with(claims(), "nbf", kNow + 1)), keys_, strict));
}

TEST_F(JwtTest, AudienceMatching) {
  auto accepts = [&](Json aud) {
    return validate(rsa_key().token(with(claims(), "aud", std::move(aud))), keys_, generic_rules());
  };
  EXPECT_TRUE(accepts({"https://other.example.com", kAudience}));
  EXPECT_TRUE(accepts("https://mcp.example.com/mcp/"));
  EXPECT_TRUE(accepts("HTTPS://MCP.Example.COM/mcp"));
  EXPECT_TRUE(accepts(Json::array({"x", "https://MCP.example.com/mcp/"})));
  EXPECT_FALSE(accepts("https://mcp.example.com/MCP"));  // paths are case-sensitive

  auto trailing = generic_rules();
  trailing.audiences = {"https://MCP.example.com/mcp/"};
  EXPECT_TRUE(validate(rsa_key().token(claims()), keys_, trailing));

  auto none = generic_rules();
  none.audiences.clear();
  auto result = validate(rsa_key().token(claims()), keys_, none);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "no audience configured");
}

// ------------------------------------------------------------ claims

TEST(Claims, ScopesAndClientId) {
  auto rules = generic_rules();
  Json base = mcp::testing::access_claims(kIssuer, kAudience, kNow);
  base.erase("scope");
  base.erase("client_id");
  auto check = [&](const Json& payload) {
    return auth::check_claims(payload, rules, kNow);
  };

  auto none = check(base);
  ASSERT_TRUE(none) << none.error();
  EXPECT_TRUE(none->scopes.empty());
  EXPECT_EQ(none->client_id, "");

  Json scp = base;
  scp["scp"] = {"a", "b"};
  scp["azp"] = "from-azp";
  auto from_scp = check(scp);
  ASSERT_TRUE(from_scp);
  EXPECT_EQ(from_scp->scopes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(from_scp->client_id, "from-azp");

  scp["scp"] = "  c   d ";
  scp["client_id"] = "from-client-id";
  auto from_string = check(scp);
  ASSERT_TRUE(from_string);
  EXPECT_EQ(from_string->scopes, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(from_string->client_id, "from-client-id");

  scp["scp"] = {"a", 1};
  EXPECT_EQ(check(scp).error(), "invalid scp claim");
}

TEST(Claims, NumericDates) {
  auto rules = generic_rules();
  Json payload = mcp::testing::access_claims(kIssuer, kAudience, kNow);
  payload["exp"] = static_cast<double>(kNow) + 0.5;
  auto fractional = auth::check_claims(payload, rules, kNow);
  ASSERT_TRUE(fractional);
  EXPECT_EQ(fractional->expires_at, kNow);
  payload["exp"] = 1e300;  // far future, no overflow
  EXPECT_TRUE(auth::check_claims(payload, rules, kNow));
  payload["exp"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_TRUE(auth::check_claims(payload, rules, kNow));
  payload["exp"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(auth::check_claims(payload, rules, kNow).error(), "token expired");
  payload["exp"] = kNow + 300;
  payload["nbf"] = -1e300;
  payload["iat"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_TRUE(auth::check_claims(payload, rules, kNow));
  payload["iat"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(auth::check_claims(payload, rules, kNow).error(), "token issued in the future");
}

TEST(Claims, RequiresConfiguration) {
  const Json payload = mcp::testing::access_claims(kIssuer, kAudience, kNow);
  auto no_issuer = generic_rules();
  no_issuer.issuer.clear();
  EXPECT_EQ(auth::check_claims(payload, no_issuer, kNow).error(), "no issuer configured");
  EXPECT_EQ(auth::check_claims(Json::array(), generic_rules(), kNow).error(), "claims are not an object");
}

// Shapes of real Cognito tokens (user pool us-east-1_Example).
Json cognito_access_claims() {
  return {{"sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
          {"cognito:groups", {"admins"}},
          {"iss", kCognitoIssuer},
          {"version", 2},
          {"client_id", "4abc123example"},
          {"origin_jti", "11111111-2222-3333-4444-555555555555"},
          {"event_id", "66666666-7777-8888-9999-000000000000"},
          {"token_use", "access"},
          {"scope", "openid mcp/tools.read email"},
          {"auth_time", kNow - 10},
          {"exp", kNow + 3600},
          {"iat", kNow - 10},
          {"jti", "abcdefab-1234-5678-9abc-def012345678"},
          {"username", "jdoe"}};
}

Json cognito_id_claims() {
  return {{"sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
          {"email_verified", true},
          {"iss", kCognitoIssuer},
          {"cognito:username", "jdoe"},
          {"origin_jti", "11111111-2222-3333-4444-555555555555"},
          {"aud", "4abc123example"},
          {"event_id", "66666666-7777-8888-9999-000000000000"},
          {"token_use", "id"},
          {"auth_time", kNow - 10},
          {"exp", kNow + 3600},
          {"iat", kNow - 10},
          {"jti", "abcdefab-1234-5678-9abc-def012345678"},
          {"email", "jdoe@example.com"}};
}

TEST_F(JwtTest, CognitoAccessTokenAccepted) {
  // Cognito access tokens have no typ header.
  const std::string token = rsa_key().sign({{"kid", "rsa-1"}, {"alg", "RS256"}}, cognito_access_claims());
  auto info = validate(token, keys_, cognito_rules());
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->subject, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  EXPECT_EQ(info->client_id, "4abc123example");
  EXPECT_EQ(info->scopes, (std::vector<std::string>{"openid", "mcp/tools.read", "email"}));
  EXPECT_EQ(info->claims["username"], "jdoe");
  EXPECT_EQ(info->expires_at, kNow + 3600);

  // An aud, when present and audiences are configured, must match.
  auto with_audience = cognito_rules();
  with_audience.audiences = {kAudience};
  EXPECT_TRUE(validate(token, keys_, with_audience));
  auto aud_token = rsa_key().token(with(cognito_access_claims(), "aud", "https://elsewhere.example.com"));
  EXPECT_EQ(validate(aud_token, keys_, with_audience).error(), "audience mismatch");
}

TEST_F(JwtTest, CognitoRejections) {
  const TestKey& key = rsa_key();
  auto rules = cognito_rules();
  auto error_of = [&](const Json& payload, const auth::ClaimRules& r) {
    auto result = validate(key.token(payload), keys_, r);
    return result ? std::string("accepted") : result.error();
  };
  EXPECT_EQ(error_of(cognito_id_claims(), rules), "not an access token");
  auto with_audience = rules;
  with_audience.audiences = {kAudience};
  EXPECT_EQ(error_of(cognito_id_claims(), with_audience), "not an access token");
  EXPECT_EQ(error_of(with(cognito_access_claims(), "token_use", nullptr), rules), "not an access token");
  EXPECT_EQ(error_of(with(cognito_access_claims(), "client_id", "someone-else"), rules),
            "client_id not allowed");
  EXPECT_EQ(error_of(with(cognito_access_claims(), "client_id", nullptr), rules), "missing client_id");
  EXPECT_EQ(error_of(with(cognito_access_claims(), "client_id", 7), rules), "missing client_id");
  EXPECT_EQ(error_of(with(cognito_access_claims(), "iss",
                          "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
                     rules),
            "issuer mismatch");
  auto nobody = rules;
  nobody.allowed_client_ids.clear();
  EXPECT_EQ(error_of(cognito_access_claims(), nobody), "client_id not allowed");
  // Generic mode with the Cognito issuer: no aud, so rejected.
  auto generic = generic_rules();
  generic.issuer = kCognitoIssuer;
  EXPECT_EQ(error_of(cognito_access_claims(), generic), "missing aud");
}

}  // namespace
