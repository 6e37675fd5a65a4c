#include "mcp/auth/facade_upstream.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "mcp/auth/public_url.hpp"

namespace mcp::auth {

namespace {

constexpr std::size_t kMaxWaiting = 10'000;

using Json = nlohmann::json;

std::string without_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// OIDC discovery appends to the issuer; RFC 8414 inserts before its path.
std::vector<std::string> discovery_urls(const std::string& issuer) {
  std::vector<std::string> out{issuer + "/.well-known/openid-configuration"};
  if (auto parsed = parse_url(issuer)) {
    out.push_back(parsed->origin() + "/.well-known/oauth-authorization-server" + parsed->path);
  }
  return out;
}

bool acceptable_endpoint(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  auto parsed = parse_url(s.substr(0, s.find('?')));
  return parsed && is_secure_or_loopback(*parsed);
}

}  // namespace

struct UpstreamDirectory::State : std::enable_shared_from_this<State> {
  std::string issuer;
  std::optional<UpstreamEndpoints> endpoints;
  http::Client& client;
  const util::Logger& log;
  std::chrono::milliseconds timeout;
  Clock now;
  bool discovering = false;
  std::optional<std::int64_t> failed_at;
  UpstreamEndpoints overrides;  // a configured endpoint wins over a discovered one
  std::vector<std::function<void(const UpstreamEndpoints*)>> waiting;

  State(http::Client& c, const util::Logger& l) : client(c), log(l) {}

  void finish() {
    discovering = false;
    if (!endpoints) failed_at = now();
    auto callbacks = std::move(waiting);
    waiting.clear();
    for (auto& cb : callbacks) cb(endpoints ? &*endpoints : nullptr);
  }

  std::optional<UpstreamEndpoints> parse(const http::ClientResponse& response, const std::string& url) const {
    if (response.status != 200) {
      log.warn("facade upstream discovery failed", {{"url", url}, {"status", response.status}});
      return std::nullopt;
    }
    Json doc = Json::parse(response.body, nullptr, false);
    if (!doc.is_object() || !doc.contains("issuer") || !doc["issuer"].is_string() ||
        without_trailing_slash(doc["issuer"].get<std::string>()) != issuer) {
      log.warn("facade upstream discovery document rejected (issuer mismatch or not JSON)", {{"url", url}});
      return std::nullopt;
    }
    if (!acceptable_endpoint(doc.value("authorization_endpoint", Json())) ||
        !acceptable_endpoint(doc.value("token_endpoint", Json()))) {
      log.warn("facade upstream discovery document lacks usable endpoints", {{"url", url}});
      return std::nullopt;
    }
    return UpstreamEndpoints{doc["authorization_endpoint"].get<std::string>(),
                             doc["token_endpoint"].get<std::string>()};
  }

  void try_url(std::vector<std::string> urls, std::size_t index) {
    if (index >= urls.size()) return finish();
    http::ClientRequest request;
    request.url = urls[index];
    request.headers.add("Accept", "application/json");
    request.timeout = timeout;
    std::weak_ptr<State> weak = shared_from_this();
    client.send(std::move(request), [weak, urls = std::move(urls), index](http::ClientResult result) mutable {
      auto self = weak.lock();
      if (!self) return;
      if (!result) {
        self->log.warn("facade upstream discovery failed",
                       {{"url", urls[index]}, {"reason", result.error()}});
      } else if (auto found = self->parse(*result, urls[index])) {
        if (!self->overrides.authorization_endpoint.empty())
          found->authorization_endpoint = self->overrides.authorization_endpoint;
        if (!self->overrides.token_endpoint.empty()) found->token_endpoint = self->overrides.token_endpoint;
        self->endpoints = std::move(found);
        self->log.info("facade upstream endpoints discovered", {{"issuer", self->issuer}});
        return self->finish();
      }
      self->try_url(std::move(urls), index + 1);
    });
  }
};

UpstreamDirectory::UpstreamDirectory(std::string issuer, UpstreamEndpoints configured, http::Client& client,
                                     const util::Logger& log, std::chrono::milliseconds timeout, Clock now)
    : state_(std::make_shared<State>(client, log)) {
  state_->issuer = without_trailing_slash(std::move(issuer));
  state_->timeout = timeout;
  state_->now = std::move(now);
  if (!configured.authorization_endpoint.empty() && !configured.token_endpoint.empty()) {
    state_->endpoints = std::move(configured);
  } else {
    state_->overrides = std::move(configured);
  }
}

UpstreamDirectory::~UpstreamDirectory() = default;

void UpstreamDirectory::get(std::function<void(const UpstreamEndpoints*)> done) {
  auto& s = *state_;
  if (s.endpoints) return done(&*s.endpoints);
  if (s.issuer.empty() || (s.failed_at && s.now() - *s.failed_at < kRetrySeconds)) return done(nullptr);
  // Bounded like the key cache's waiters: beyond this, answer "unavailable".
  if (s.waiting.size() >= kMaxWaiting) return done(nullptr);
  s.waiting.push_back(std::move(done));
  if (s.discovering) return;
  s.discovering = true;
  s.try_url(discovery_urls(s.issuer), 0);
}

}  // namespace mcp::auth
