#include "mcp/auth/token_verifier.hpp"

#include <chrono>
#include <cstring>
#include <unordered_map>

#include "mcp/auth/jwt.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::auth {

namespace {

struct DigestHash {
  std::size_t operator()(const util::Sha256Digest& d) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

struct CacheEntry {
  std::shared_ptr<const AuthInfo> auth;
  std::int64_t valid_until = 0;  // unix seconds
};

util::Unexpected<TokenRejection> invalid(std::string reason) {
  return util::unexpected(TokenRejection{TokenRejection::Kind::kInvalid, std::move(reason)});
}

}  // namespace

struct TokenVerifier::Impl : std::enable_shared_from_this<TokenVerifier::Impl> {
  Impl(VerifierOptions o, JwksCache& k) : options(std::move(o)), keys(k) {
    if (!options.unix_now) {
      options.unix_now = [] {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
  }

  VerifierOptions options;
  JwksCache& keys;
  std::unordered_map<util::Sha256Digest, CacheEntry, DigestHash> cache;

  util::Sha256Digest cache_key(std::string_view token, std::string_view audience) const {
    std::string material;
    material.reserve(token.size() + audience.size() + 1);
    material.append(token).push_back('\0');
    material.append(audience);
    return util::sha256(material);
  }

  void remember(const util::Sha256Digest& key, const std::shared_ptr<const AuthInfo>& auth, std::int64_t now) {
    if (options.cache_entries == 0) return;
    if (cache.size() >= options.cache_entries) {
      std::erase_if(cache, [now](const auto& kv) { return kv.second.valid_until <= now; });
      // Still full of live entries: start over rather than grow (bounded memory).
      if (cache.size() >= options.cache_entries) cache.clear();
    }
    const std::int64_t until = std::min(auth->expires_at + options.rules.leeway.count(),
                                        now + static_cast<std::int64_t>(options.cache_max_age.count()));
    cache[key] = CacheEntry{auth, until};
  }

  VerifyResult finish(const DecodedJwt& jwt, const Jwk& key, std::string_view audience,
                      const util::Sha256Digest& cache_key) {
    if (!verify_signature(jwt, key)) return invalid("signature verification failed");
    const std::int64_t now = options.unix_now();
    util::Expected<AuthInfo, std::string> claims = [&] {
      if (!options.rules.audiences.empty() || audience.empty()) return check_claims(jwt.payload, options.rules, now);
      ClaimRules rules = options.rules;
      rules.audiences = {std::string(audience)};
      return check_claims(jwt.payload, rules, now);
    }();
    if (!claims) return invalid(claims.error());
    auto auth = std::make_shared<const AuthInfo>(std::move(claims.value()));
    remember(cache_key, auth, now);
    return std::shared_ptr<const AuthInfo>(auth);
  }
};

TokenVerifier::TokenVerifier(VerifierOptions options, JwksCache& keys)
    : impl_(std::make_shared<Impl>(std::move(options), keys)) {}

TokenVerifier::~TokenVerifier() = default;

void TokenVerifier::verify(std::string_view token, std::string_view audience,
                           std::function<void(VerifyResult)> done) {
  if (token.size() > kMaxTokenBytes) return done(invalid("token too large"));
  const auto key = impl_->cache_key(token, audience);
  if (auto it = impl_->cache.find(key); it != impl_->cache.end()) {
    if (it->second.valid_until > impl_->options.unix_now()) return done(it->second.auth);
    impl_->cache.erase(it);
  }
  auto decoded = decode_jwt(token);
  if (!decoded) return done(invalid(decoded.error()));
  auto jwt = std::make_shared<DecodedJwt>(std::move(decoded.value()));
  std::weak_ptr<Impl> weak = impl_;
  std::string aud(audience);
  const std::string kid = jwt->kid;
  impl_->keys.find(kid, [weak, jwt, aud, key, done = std::move(done)](JwksCache::Status status,
                                                                      std::shared_ptr<const Jwk> jwk) {
    auto self = weak.lock();
    if (!self) return;
    switch (status) {
      case JwksCache::Status::kUnavailable:
        return done(util::unexpected(
            TokenRejection{TokenRejection::Kind::kUnavailable, "signing keys are unavailable"}));
      case JwksCache::Status::kUnknownKid:
        return done(invalid("unknown signing key (kid)"));
      case JwksCache::Status::kFound:
        return done(self->finish(*jwt, *jwk, aud, key));
    }
  });
}

}  // namespace mcp::auth
