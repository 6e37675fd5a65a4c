#pragma once
// The values the login facade hands out and takes back instead of storing
// them: the login transaction (carried as the upstream `state`), the facade's
// authorization code and its wrapped refresh token. Each kind is sealed under
// its own key, so one can never be passed off as another.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/util/sealed_box.hpp"

namespace mcp::auth {

// A login in progress, from the client's authorization request to the
// upstream's callback.
struct Transaction {
  std::string client;  // ClientIds::digest of the client id
  std::string redirect_uri;
  std::string state;  // the client's; empty when it sent none
  std::string code_challenge;
  std::string resource;
  std::string scope;     // as sent upstream
  std::string callback;  // our redirect URI at the upstream
  std::string consent;   // the consent cookie's nonce; empty when no consent page was shown
  std::string browser;   // the login cookie's nonce, set when the browser leaves for the upstream
  std::int64_t exp = 0;
};

// What the facade's authorization code stands for.
struct FacadeCode {
  std::string upstream_code;
  std::string client;
  std::string redirect_uri;
  std::string code_challenge;
  std::string resource;
  std::string callback;
  std::string jti;  // single-use marker
  std::int64_t exp = 0;
};

// An upstream refresh token bound to the client it was issued through.
struct WrappedRefresh {
  std::string token;
  std::string client;
};

class FacadeBlobs {
 public:
  explicit FacadeBlobs(std::string_view secret);

  std::string seal(const Transaction& t) const;
  std::string seal(const FacadeCode& c) const;
  std::string seal(const WrappedRefresh& r) const;
  // nullopt when tampered, malformed or (for the first two) expired at `now`.
  std::optional<Transaction> open_transaction(std::string_view text, std::int64_t now) const;
  std::optional<FacadeCode> open_code(std::string_view text, std::int64_t now) const;
  std::optional<WrappedRefresh> open_refresh(std::string_view text) const;

 private:
  util::SealedBox transactions_;
  util::SealedBox codes_;
  util::SealedBox refresh_;
};

}  // namespace mcp::auth
