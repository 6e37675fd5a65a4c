#pragma once
// An in-memory MCP resource server + OAuth authorization server for the
// OAuth client tests: routes by URL, records every request, and behaves like
// the conformance suite's mocks (automatic /authorize 302, PKCE check at
// /token, DCR, revocation), with knobs for the failure cases.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mcp/auth/facade_form.hpp"
#include "mcp/auth/oauth_pkce.hpp"
#include "mcp/auth/strict_json.hpp"
#include "mcp/transport/http_client.hpp"

namespace mcp::testing {

class FakeOAuthWorld {
 public:
  using Route = std::function<http::ClientResult(const http::ClientRequest&)>;

  std::string mcp_url = "https://mcp.test/mcp";
  std::string issuer = "https://as.test";
  Json prm = Json{{"resource", "https://mcp.test/mcp"}, {"authorization_servers", {"https://as.test"}}};
  Json metadata = Json{{"issuer", "https://as.test"},
                       {"authorization_endpoint", "https://as.test/authorize"},
                       {"token_endpoint", "https://as.test/token"},
                       {"registration_endpoint", "https://as.test/register"},
                       {"revocation_endpoint", "https://as.test/revoke"},
                       {"code_challenge_methods_supported", {"S256"}},
                       {"token_endpoint_auth_methods_supported", {"none"}},
                       {"authorization_response_iss_parameter_supported", true}};
  Json registration = Json{{"client_id", "dyn-client"}, {"token_endpoint_auth_method", "none"}};
  bool issue_refresh_tokens = true;
  bool rotate_refresh_tokens = true;
  std::string iss_override;  // non-empty: the iss put into redirects ("-" for none)
  std::string token_prefix = "at-";

  std::map<std::string, Route> routes;  // URL without query -> handler
  std::vector<http::ClientRequest> requests;

  int token_count = 0;
  std::string last_challenge;
  std::string current_refresh;

  FakeOAuthWorld() { install_defaults(); }

  void install_defaults() {
    routes["https://mcp.test/.well-known/oauth-protected-resource/mcp"] = [this](const auto&) {
      return json(prm);
    };
    routes["https://as.test/.well-known/oauth-authorization-server"] = [this](const auto&) {
      return json(metadata);
    };
    routes["https://as.test/register"] = [this](const auto&) {
      return json(registration, 201);
    };
    routes["https://as.test/authorize"] = [this](const auto& r) {
      return authorize(r);
    };
    routes["https://as.test/token"] = [this](const auto& r) {
      return token(r);
    };
    routes["https://as.test/revoke"] = [](const auto&) {
      return json(Json::object());
    };
  }

  http::ClientResult operator()(const http::ClientRequest& r) {
    requests.push_back(r);
    const auto key = r.url.substr(0, r.url.find('?'));
    const auto it = routes.find(key);
    if (it == routes.end()) return json(Json{{"error", "not found"}}, 404);
    return it->second(r);
  }

  static http::ClientResult json(const Json& body, int status = 200) {
    http::ClientResponse res;
    res.status = status;
    res.headers.add("Content-Type", "application/json");
    res.body = body.dump();
    return res;
  }

  static auth::form::Fields query_of(const std::string& url) {
    const auto q = url.find('?');
    return *auth::form::Fields::parse(q == std::string::npos ? "" : url.substr(q + 1));
  }
  static auth::form::Fields body_of(const http::ClientRequest& r) {
    return *auth::form::Fields::parse(r.body);
  }

  std::vector<http::ClientRequest> to(const std::string& url_without_query) const {
    std::vector<http::ClientRequest> out;
    for (const auto& r : requests) {
      if (r.url.substr(0, r.url.find('?')) == url_without_query) out.push_back(r);
    }
    return out;
  }
  std::size_t count(const std::string& url_without_query) const { return to(url_without_query).size(); }

  http::ClientResult authorize(const http::ClientRequest& r) {
    const auto q = query_of(r.url);
    last_challenge = std::string(q.get("code_challenge").value_or(""));
    http::ClientResponse res;
    res.status = 302;
    std::string location = std::string(q.get("redirect_uri").value_or("")) + "?code=code-" +
                           std::to_string(token_count + 1) +
                           "&state=" + auth::form::encode(q.get("state").value_or(""));
    const std::string iss = iss_override.empty() ? metadata.value("issuer", "") : iss_override;
    if (iss != "-") location += "&iss=" + auth::form::encode(iss);
    res.headers.add("Location", location);
    return res;
  }

  http::ClientResult token(const http::ClientRequest& r) {
    const auto b = body_of(r);
    const auto grant = b.get("grant_type").value_or("");
    if (grant == "authorization_code") {
      if (auth::oauth::s256_challenge(b.get("code_verifier").value_or("")) != last_challenge) {
        return json(Json{{"error", "invalid_grant"}, {"error_description", "PKCE verification failed"}}, 400);
      }
    } else if (grant == "refresh_token") {
      if (current_refresh.empty() || b.get("refresh_token").value_or("") != current_refresh) {
        return json(Json{{"error", "invalid_grant"}, {"error_description", "unknown refresh token"}}, 400);
      }
    } else {
      return json(Json{{"error", "unsupported_grant_type"}}, 400);
    }
    ++token_count;
    Json out = {{"access_token", token_prefix + std::to_string(token_count)},
                {"token_type", "Bearer"},
                {"expires_in", 3600}};
    if (issue_refresh_tokens && (grant == "authorization_code" || rotate_refresh_tokens)) {
      current_refresh = "rt-" + std::to_string(token_count);
      out["refresh_token"] = current_refresh;
    }
    return json(out);
  }
};

// A 401/403 challenge as the MCP server would send it.
inline http::Headers challenge_headers(const std::string& www_authenticate) {
  http::Headers h;
  h.add("WWW-Authenticate", www_authenticate);
  return h;
}

// A TCP connection to 127.0.0.1:`port` (the loopback receiver), or -1.
inline int loopback_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {  // NOLINT: the sockets API
    ::close(fd);
    return -1;
  }
  return fd;
}

// One raw GET to 127.0.0.1:`port`; the whole response ("connect failed" if none).
inline std::string loopback_get(int port, const std::string& target) {
  const int fd = loopback_connect(port);
  if (fd < 0) return "connect failed";
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace mcp::testing
