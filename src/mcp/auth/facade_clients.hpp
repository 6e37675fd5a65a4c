#pragma once
// The login facade's clients (RFC 7591 dynamic registration) without a
// database: a client id is the registration itself, sealed, so that every
// instance sharing FACADE_SECRET recognises every client. Also the rules for
// which redirect URIs a client may register and use.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/util/expected.hpp"
#include "mcp/util/sealed_box.hpp"

namespace mcp::auth {

enum class RedirectKind {
  kLoopback,       // http://localhost|127.x|[::1][:port]/...: native apps (RFC 8252 §7.3)
  kHttps,          // a web app's callback, e.g. https://vscode.dev/redirect
  kPrivateScheme,  // com.example.app:/cb, cursor://...: native apps (RFC 8252 §7.1)
};

// Whether `uri` may be registered: absolute, no fragment, and one of the
// kinds above; plain http only to loopback hosts, and no script/data/file-like
// schemes. The error is a readable reason.
util::Expected<RedirectKind, std::string> classify_redirect_uri(std::string_view uri);

// Authorization-time comparison with a registered URI: exact string match,
// except that loopback URIs match on any port (RFC 8252 §7.3: native apps
// bind an ephemeral port when the request is made).
bool redirect_uri_matches(std::string_view registered, std::string_view presented);

struct FacadeClient {
  std::vector<std::string> redirect_uris;
  std::string client_name;  // may be empty
  std::int64_t issued_at = 0;
};

struct RegistrationError {
  std::string error;  // invalid_redirect_uri | invalid_client_metadata
  std::string description;
};

// Validates an RFC 7591 registration request (public clients only).
util::Expected<FacadeClient, RegistrationError> parse_registration(std::string_view body, std::int64_t now);

class ClientIds {
 public:
  explicit ClientIds(std::string_view secret) : box_(secret, "mcp-facade-client-v1") {}

  std::string issue(const FacadeClient& client) const;
  std::optional<FacadeClient> open(std::string_view client_id) const;

  // A short digest that binds transactions, codes and refresh tokens to a
  // client id without carrying the whole id around.
  static std::string digest(std::string_view client_id);

 private:
  util::SealedBox box_;
};

}  // namespace mcp::auth
