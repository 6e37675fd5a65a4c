// Cost of validating a bearer token on every request: RS256 and ES256
// verification of a realistic access token with a warm key set, and its
// parts (decoding, the signature alone, JWKS parsing).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>

#include "jwt_test_support.hpp"
#include "mcp/auth/claims.hpp"
#include "mcp/auth/jwk.hpp"
#include "mcp/auth/jwt.hpp"

namespace {

using mcp::Json;
using mcp::testing::TestKey;
namespace auth = mcp::auth;

constexpr const char* kIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example";
constexpr const char* kAudience = "https://mcp.example.com/mcp";

std::int64_t now_unix() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// A Cognito-sized access token (about 1 KB encoded with RS256).
Json access_claims(std::int64_t now) {
  return {{"sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
          {"cognito:groups", {"admins", "users"}},
          {"iss", kIssuer},
          {"version", 2},
          {"client_id", "4abc123example"},
          {"origin_jti", "11111111-2222-3333-4444-555555555555"},
          {"event_id", "66666666-7777-8888-9999-000000000000"},
          {"token_use", "access"},
          {"scope", "openid mcp/tools.read mcp/tools.write email"},
          {"auth_time", now - 10},
          {"aud", kAudience},
          {"exp", now + 3600},
          {"iat", now - 10},
          {"jti", "abcdefab-1234-5678-9abc-def012345678"},
          {"username", "jdoe"}};
}

struct Fixture {
  TestKey rsa = TestKey::rsa("bench-rsa");
  TestKey ec = TestKey::ec("bench-ec");
  std::string jwks = mcp::testing::jwks_json({&rsa, &ec});
  auth::JwkSet keys;
  std::string rsa_token;
  std::string ec_token;
  auth::ClaimRules rules;

  Fixture() {
    auto parsed = auth::parse_jwks(jwks);
    if (!parsed) throw std::runtime_error(parsed.error());
    keys = std::move(*parsed);
    const std::int64_t now = now_unix();
    rsa_token = rsa.token(access_claims(now));
    ec_token = ec.token(access_claims(now));
    rules.issuer = kIssuer;
    rules.audiences = {kAudience};
    rules.audience_required = false;
    rules.cognito = true;
    rules.allowed_client_ids = {"4abc123example"};
  }
};

const Fixture& fixture() {
  static const Fixture kFixture;
  return kFixture;
}

// What the resource server does per request once the JWKS is cached.
void validate_loop(benchmark::State& state, const std::string& token) {
  const Fixture& f = fixture();
  const std::int64_t now = now_unix();
  for (auto _ : state) {
    auto jwt = auth::decode_jwt(token);
    const auth::Jwk* key = jwt ? f.keys.find(jwt->kid) : nullptr;
    if (key == nullptr || !auth::verify_signature(*jwt, *key)) {
      state.SkipWithError("token rejected");
      break;
    }
    auto info = auth::check_claims(jwt->payload, f.rules, now);
    if (!info) {
      state.SkipWithError(info.error().c_str());
      break;
    }
    benchmark::DoNotOptimize(info);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Rs256Verify(benchmark::State& state) {
  validate_loop(state, fixture().rsa_token);
}
BENCHMARK(BM_Rs256Verify);

void BM_Es256Verify(benchmark::State& state) {
  validate_loop(state, fixture().ec_token);
}
BENCHMARK(BM_Es256Verify);

void BM_Rs256SignatureOnly(benchmark::State& state) {
  const Fixture& f = fixture();
  auto jwt = auth::decode_jwt(f.rsa_token);
  const auth::Jwk* key = f.keys.find("bench-rsa");
  for (auto _ : state) {
    bool ok = key->verify(jwt->signing_input, jwt->signature);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Rs256SignatureOnly);

void BM_DecodeOnly(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    auto jwt = auth::decode_jwt(f.rsa_token);
    benchmark::DoNotOptimize(jwt);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.rsa_token.size()));
}
BENCHMARK(BM_DecodeOnly);

// A JWKS refresh: strict parse plus building both keys.
void BM_JwksParse(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    auto keys = auth::parse_jwks(f.jwks);
    benchmark::DoNotOptimize(keys);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwksParse);

}  // namespace
