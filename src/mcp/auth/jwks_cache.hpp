#pragma once
// The issuer's signing keys, fetched over HTTPS and cached. Key rotation: an
// unknown `kid` triggers a refetch, at most one per `min_refetch`; a failed
// refetch keeps the last good set. With no key set at all (the key server
// was down since start) lookups answer kUnavailable, so callers fail closed.
// Single-threaded: used on the executor thread only.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp/auth/jwk.hpp"
#include "mcp/transport/http_client.hpp"
#include "mcp/util/log.hpp"

namespace mcp::auth {

struct JwksOptions {
  std::string jwks_url;  // empty: discovered from the issuer's OpenID configuration
  std::string issuer;    // for discovery; the document's issuer must match exactly
  std::chrono::seconds cache_ttl{3600};
  std::chrono::seconds min_refetch{30};
  std::chrono::milliseconds timeout{5000};
  std::function<std::chrono::steady_clock::time_point()> now;  // tests; default steady_clock
};

class JwksCache {
 public:
  enum class Status { kFound, kUnknownKid, kUnavailable };
  using Callback = std::function<void(Status, std::shared_ptr<const Jwk>)>;

  JwksCache(JwksOptions options, http::Client& client, const util::Logger& log);
  ~JwksCache();
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  struct Lookup {
    Status status;
    std::shared_ptr<const Jwk> key;
  };
  // The answer for `kid` if it is known without waiting for a fetch (a stale
  // set is refreshed in the background meanwhile); nullopt otherwise.
  std::optional<Lookup> find_now(const std::string& kid);
  // Finds the key for `kid`. Runs `done` inside this call when the answer is
  // known now, otherwise once the fetch in progress completes.
  void find(const std::string& kid, Callback done);
  // Starts a fetch now (at start-up) so that the first request finds keys.
  void prefetch();
  bool has_keys() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcp::auth
