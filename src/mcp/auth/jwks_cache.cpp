#include "mcp/auth/jwks_cache.hpp"

#include <fmt/format.h>

#include "mcp/auth/public_url.hpp"
#include "mcp/auth/strict_json.hpp"

namespace mcp::auth {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxDocumentBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxWaiters = 10'000;

}  // namespace

struct JwksCache::Impl : std::enable_shared_from_this<JwksCache::Impl> {
  Impl(JwksOptions o, http::Client& c, const util::Logger& l) : options(std::move(o)), client(c), log(l) {
    if (!options.now)
      options.now = [] {
        return Clock::now();
      };
    jwks_url = options.jwks_url;
  }

  JwksOptions options;
  http::Client& client;
  const util::Logger& log;
  std::string jwks_url;
  std::shared_ptr<const JwkSet> keys;
  Clock::time_point fetched_at{};
  std::optional<Clock::time_point> last_attempt;
  bool fetching = false;
  bool alive = true;
  std::vector<std::pair<std::string, Callback>> waiters;

  bool may_fetch() const { return !last_attempt || options.now() - *last_attempt >= options.min_refetch; }

  void answer(const std::string& kid, const Callback& done) const {
    if (!keys) return done(Status::kUnavailable, nullptr);
    for (const auto& k : keys->keys) {
      if (k->kid() == kid) return done(Status::kFound, k);
    }
    done(Status::kUnknownKid, nullptr);
  }

  void start_fetch() {
    if (fetching) return;
    fetching = true;
    last_attempt = options.now();
    if (jwks_url.empty()) return discover();
    fetch_keys();
  }

  void discover() {
    http::ClientRequest req;
    std::string base = options.issuer;
    while (!base.empty() && base.back() == '/') base.pop_back();
    req.url = base + "/.well-known/openid-configuration";
    req.timeout = options.timeout;
    req.max_response_bytes = kMaxDocumentBytes;
    req.headers.add("Accept", "application/json");
    std::weak_ptr<Impl> weak = weak_from_this();
    const std::string url = req.url;
    client.send(std::move(req), [weak, url](const http::ClientResult& result) {
      auto self = weak.lock();
      if (!self || !self->alive) return;
      auto problem = self->read_discovery(result);
      if (problem) {
        self->fetch_failed(fmt::format("discovery at {} failed: {}", url, *problem));
        return;
      }
      self->fetch_keys();
    });
  }

  std::optional<std::string> read_discovery(const http::ClientResult& result) {
    if (!result) return result.error();
    if (result->status != 200) return fmt::format("HTTP {}", result->status);
    const auto doc = parse_strict_json(result->body);
    if (!doc || !doc->is_object()) return std::string("not a JSON object");
    const auto string_member = [&](const char* name) {
      const auto it = doc->find(name);
      return it != doc->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (string_member("issuer") != options.issuer)
      return std::string("issuer in the document does not match");
    const std::string uri = string_member("jwks_uri");
    const auto parsed = parse_url(uri);
    if (!parsed || !is_secure_or_loopback(*parsed)) return std::string("jwks_uri missing or not https");
    jwks_url = uri;
    log.info("jwks url discovered", {{"jwks_url", jwks_url}});
    return std::nullopt;
  }

  void fetch_keys() {
    http::ClientRequest req;
    req.url = jwks_url;
    req.timeout = options.timeout;
    req.max_response_bytes = kMaxDocumentBytes;
    req.headers.add("Accept", "application/json");
    std::weak_ptr<Impl> weak = weak_from_this();
    client.send(std::move(req), [weak](http::ClientResult result) {
      auto self = weak.lock();
      if (!self || !self->alive) return;
      if (!result) return self->fetch_failed(result.error());
      if (result->status != 200) return self->fetch_failed(fmt::format("HTTP {}", result->status));
      auto parsed = parse_jwks(result->body);
      if (!parsed) return self->fetch_failed(parsed.error());
      const bool first = !self->keys;
      self->keys = std::make_shared<const JwkSet>(std::move(parsed.value()));
      self->fetched_at = self->options.now();
      self->log.info(first ? "jwks loaded" : "jwks refreshed",
                     {{"jwks_url", self->jwks_url}, {"keys", self->keys->keys.size()}});
      self->complete();
    });
  }

  void fetch_failed(const std::string& why) {
    if (keys) {
      log.warn("jwks refresh failed; keeping the last good key set",
               {{"jwks_url", jwks_url}, {"error", why}});
    } else {
      log.error("jwks unavailable: requests are refused with 503 until the key set can be fetched",
                {{"jwks_url", jwks_url.empty() ? options.issuer : jwks_url}, {"error", why}});
    }
    complete();
  }

  void complete() {
    fetching = false;
    auto pending = std::move(waiters);
    waiters.clear();
    for (auto& [kid, done] : pending) answer(kid, done);
  }
};

JwksCache::JwksCache(JwksOptions options, http::Client& client, const util::Logger& log)
    : impl_(std::make_shared<Impl>(std::move(options), client, log)) {}

JwksCache::~JwksCache() {
  impl_->alive = false;
}

void JwksCache::prefetch() {
  impl_->start_fetch();
}

bool JwksCache::has_keys() const {
  return impl_->keys != nullptr;
}

std::optional<JwksCache::Lookup> JwksCache::find_now(const std::string& kid) {
  Impl& s = *impl_;
  const auto known = [&]() -> std::shared_ptr<const Jwk> {
    if (!s.keys) return nullptr;
    for (const auto& k : s.keys->keys) {
      if (k->kid() == kid) return k;
    }
    return nullptr;
  };
  if (auto key = known()) {
    // Refresh a stale set in the background; the cached key answers now.
    if (!s.fetching && s.options.now() - s.fetched_at >= s.options.cache_ttl && s.may_fetch())
      s.start_fetch();
    return Lookup{Status::kFound, std::move(key)};
  }
  // Unknown kid: wait for a fetch in progress, or start one if allowed.
  if (s.fetching || s.may_fetch()) return std::nullopt;
  return Lookup{s.keys ? Status::kUnknownKid : Status::kUnavailable, nullptr};
}

void JwksCache::find(const std::string& kid, Callback done) {
  if (auto now = find_now(kid)) return done(now->status, now->key);
  Impl& s = *impl_;
  if (s.waiters.size() >= kMaxWaiters) return done(Status::kUnavailable, nullptr);
  s.waiters.emplace_back(kid, std::move(done));
  s.start_fetch();
}

}  // namespace mcp::auth
