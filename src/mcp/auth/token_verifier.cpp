#include "mcp/auth/token_verifier.hpp"

#include <chrono>
#include <unordered_map>

#include "mcp/auth/jwt.hpp"
#include "mcp/util/crypto.hpp"  // constant_time_equal

namespace mcp::auth {

namespace {

struct CacheEntry {
  std::string token;
  std::string audience;
  std::shared_ptr<const AuthInfo> auth;
  std::int64_t valid_until = 0;  // unix seconds
};

util::Unexpected<TokenRejection> invalid(std::string reason) {
  return util::unexpected(TokenRejection{TokenRejection::Kind::kInvalid, std::move(reason)});
}

}  // namespace

struct TokenVerifier::Impl {
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
  // Bucketed by a fast non-cryptographic hash; a hit still needs the whole
  // token to match (constant time), so a collision can only cost a miss.
  std::unordered_multimap<std::size_t, CacheEntry> cache;

  static std::size_t cache_key(std::string_view token, std::string_view audience) {
    const std::size_t h = std::hash<std::string_view>{}(token);
    return h ^ (std::hash<std::string_view>{}(audience) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }

  std::shared_ptr<const AuthInfo> cached(std::size_t key, std::string_view token, std::string_view audience,
                                         std::int64_t now) {
    auto [first, last] = cache.equal_range(key);
    for (auto it = first; it != last; ++it) {
      if (!util::constant_time_equal(it->second.token, token) || it->second.audience != audience) continue;
      if (it->second.valid_until > now) return it->second.auth;
      cache.erase(it);
      return nullptr;
    }
    return nullptr;
  }

  void remember(std::size_t key, std::string_view token, std::string_view audience,
                const std::shared_ptr<const AuthInfo>& auth, std::int64_t now) {
    if (options.cache_entries == 0) return;
    if (cache.size() >= options.cache_entries) {
      std::erase_if(cache, [now](const auto& kv) { return kv.second.valid_until <= now; });
      // Still full of live entries: start over rather than grow (bounded memory).
      if (cache.size() >= options.cache_entries) cache.clear();
    }
    const std::int64_t until = std::min(auth->expires_at + options.rules.leeway.count(),
                                        now + static_cast<std::int64_t>(options.cache_max_age.count()));
    cache.emplace(key, CacheEntry{std::string(token), std::string(audience), auth, until});
  }

  VerifyResult finish(const DecodedJwt& jwt, const Jwk& key, std::string_view token,
                      std::string_view audience) {
    if (!verify_signature(jwt, key)) return invalid("signature verification failed");
    const std::int64_t now = options.unix_now();
    util::Expected<AuthInfo, std::string> claims = [&] {
      if (!options.rules.audiences.empty() || audience.empty())
        return check_claims(jwt.payload, options.rules, now);
      ClaimRules rules = options.rules;
      rules.audiences = {std::string(audience)};
      return check_claims(jwt.payload, rules, now);
    }();
    if (!claims) return invalid(claims.error());
    auto auth = std::make_shared<const AuthInfo>(std::move(claims.value()));
    remember(cache_key(token, audience), token, audience, auth, now);
    return std::shared_ptr<const AuthInfo>(auth);
  }

  static VerifyResult from_lookup(JwksCache::Status status) {
    if (status == JwksCache::Status::kUnavailable) {
      return util::unexpected(
          TokenRejection{TokenRejection::Kind::kUnavailable, "signing keys are unavailable"});
    }
    return invalid("unknown signing key (kid)");
  }
};

TokenVerifier::TokenVerifier(VerifierOptions options, JwksCache& keys)
    : impl_(std::make_shared<Impl>(std::move(options), keys)) {}

TokenVerifier::~TokenVerifier() = default;

std::optional<VerifyResult> TokenVerifier::verify_now(std::string_view token, std::string_view audience) {
  if (token.size() > kMaxTokenBytes) return VerifyResult(invalid("token too large"));
  if (auto hit =
          impl_->cached(Impl::cache_key(token, audience), token, audience, impl_->options.unix_now())) {
    return VerifyResult(std::move(hit));
  }
  auto jwt = decode_jwt(token);
  if (!jwt) return VerifyResult(invalid(jwt.error()));
  auto found = impl_->keys.find_now(jwt->kid);
  if (!found) return std::nullopt;
  if (found->status != JwksCache::Status::kFound) return Impl::from_lookup(found->status);
  return impl_->finish(*jwt, *found->key, token, audience);
}

void TokenVerifier::verify(std::string_view token, std::string_view audience,
                           std::function<void(VerifyResult)> done) {
  if (auto now = verify_now(token, audience)) return done(std::move(*now));
  // The key set must be fetched first; decoding succeeded in verify_now.
  auto decoded = decode_jwt(token);
  if (!decoded) return done(invalid(decoded.error()));
  auto jwt = std::make_shared<DecodedJwt>(std::move(decoded.value()));
  std::weak_ptr<Impl> weak = impl_;
  const std::string kid = jwt->kid;
  impl_->keys.find(
      kid, [weak, jwt, token = std::string(token), aud = std::string(audience), done = std::move(done)](
               JwksCache::Status status, const std::shared_ptr<const Jwk>& jwk) {
        auto self = weak.lock();
        if (!self) return;
        if (status != JwksCache::Status::kFound) return done(Impl::from_lookup(status));
        done(self->finish(*jwt, *jwk, token, aud));
      });
}

}  // namespace mcp::auth
