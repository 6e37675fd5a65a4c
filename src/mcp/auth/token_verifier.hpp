#pragma once
// Bearer-token verification: decode, find the signing key, verify the
// signature, check the claims. A bounded cache of verified tokens (the whole
// token and audience are the key, compared in constant time; entries expire
// with the token) keeps the signature check off the hot path for repeat
// callers.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/auth/claims.hpp"
#include "mcp/auth/jwks_cache.hpp"
#include "mcp/protocol/context.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::auth {

struct VerifierOptions {
  ClaimRules rules;  // audiences empty: the per-request audience passed to verify()
  std::size_t cache_entries = 10'000;
  // A cached verification is reused for at most this long, so a key removed
  // from the JWKS stops being honoured soon even for long-lived tokens.
  std::chrono::seconds cache_max_age{300};
  std::function<std::int64_t()> unix_now;  // tests; default system clock
};

struct TokenRejection {
  enum class Kind { kInvalid, kUnavailable } kind = Kind::kInvalid;
  std::string reason;  // short, never contains the token
};

using VerifyResult = util::Expected<std::shared_ptr<const AuthInfo>, TokenRejection>;

class TokenVerifier {
 public:
  TokenVerifier(VerifierOptions options, JwksCache& keys);
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // `audience`: the canonical resource URL of this request, used when the
  // rules configure no audience. The answer if it needs no key set fetch;
  // nullopt otherwise.
  std::optional<VerifyResult> verify_now(std::string_view token, std::string_view audience);
  // Like verify_now, but waits for the key set when needed. `done` runs
  // inside this call unless a fetch is needed.
  void verify(std::string_view token, std::string_view audience, std::function<void(VerifyResult)> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::auth
