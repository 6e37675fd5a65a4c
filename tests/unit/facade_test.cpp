#include "mcp/auth/facade.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "mcp/auth/facade_clients.hpp"
#include "mcp/auth/facade_form.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/strings.hpp"
#include "test_support.hpp"

namespace {

using mcp::auth::Facade;
using mcp::auth::FacadeConfig;
using mcp::auth::PublicUrl;
using mcp::testing::RecordingResponder;
using Json = nlohmann::json;
namespace form = mcp::auth::form;
namespace http = mcp::http;

constexpr std::string_view kIssuer = "http://127.0.0.1:3000";
constexpr std::string_view kUpstreamAuthorize = "https://login.example.com/oauth2/authorize";
constexpr std::string_view kUpstreamToken = "https://login.example.com/oauth2/token";
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";  // RFC 7636 App. B

// An in-memory upstream: records requests and answers them from a handler
// when the test drains the queue (the real client answers later, on the
// executor, never inside send()).
class FakeClient final : public http::Client {
 public:
  std::function<http::ClientResult(const http::ClientRequest&)> handler = [](const http::ClientRequest&) {
    return http::ClientResult(mcp::util::unexpected(std::string("no handler")));
  };
  std::vector<http::ClientRequest> sent;

  void send(http::ClientRequest request, std::function<void(http::ClientResult)> done) override {
    sent.push_back(request);
    queue_.emplace_back(std::move(request), std::move(done));
  }
  void drain() {
    while (!queue_.empty()) {
      auto [request, done] = std::move(queue_.front());
      queue_.pop_front();
      done(handler(request));
    }
  }
  std::size_t pending() const { return queue_.size(); }

 private:
  std::deque<std::pair<http::ClientRequest, std::function<void(http::ClientResult)>>> queue_;
};

http::ClientResult json_reply(int status, const Json& body) {
  http::ClientResponse response;
  response.status = status;
  response.headers.add("Content-Type", "application/json");
  response.body = body.dump();
  return response;
}

form::Fields query_of(std::string_view url) {
  const auto q = url.find('?');
  return *form::Fields::parse(q == std::string_view::npos ? std::string_view{} : url.substr(q + 1));
}

std::string without_query(std::string_view url) {
  return std::string(url.substr(0, url.find('?')));
}

std::string str(std::optional<std::string_view> v) {
  return v ? std::string(*v) : std::string("<absent>");
}

class FacadeTest : public ::testing::Test {
 protected:
  FacadeTest() { reset(); }

  FacadeConfig base_config() {
    FacadeConfig c;
    c.upstream_authorization_endpoint = kUpstreamAuthorize;
    c.upstream_token_endpoint = kUpstreamToken;
    c.client_id = "upstream-client";
    c.secret = "test-secret";
    c.scopes_supported = {"openid", "mcp/tools"};
    c.clock = [this] {
      return now;
    };
    return c;
  }
  void reset(std::optional<FacadeConfig> config = std::nullopt, std::string public_url = "") {
    facade.reset();
    url = std::make_unique<PublicUrl>(std::move(public_url), "/mcp", false);
    facade = std::make_unique<Facade>(config ? *config : base_config(), *url, client, log);
  }

  http::Request request(std::string method, std::string target, std::string body = "",
                        std::string content_type = "") {
    http::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers.add("Host", "127.0.0.1:3000");
    if (!content_type.empty()) r.headers.add("Content-Type", std::move(content_type));
    return r;
  }
  // Requests come from one browser: cookies the facade sets are sent back.
  std::shared_ptr<RecordingResponder> send(const http::Request& r) {
    http::Request with_cookies = r;
    std::string cookie;
    for (const auto& [name, value] : browser) cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    if (!cookie.empty() && !r.headers.get("cookie")) with_cookies.headers.add("Cookie", cookie);
    auto responder = std::make_shared<RecordingResponder>();
    EXPECT_TRUE(facade->handle(with_cookies, responder)) << r.target;
    for (const auto& h : responder->r->response.headers.items()) {
      if (!mcp::util::iequals(h.name, "set-cookie")) continue;
      const std::string_view line = h.value;
      const auto eq = line.find('=');
      const auto end = line.find(';');
      const std::string name(line.substr(0, eq));
      const std::string value(line.substr(eq + 1, end - eq - 1));
      if (value.empty() || line.find("Max-Age=0") != std::string_view::npos) {
        browser.erase(name);
      } else {
        browser[name] = value;
      }
    }
    return responder;
  }
  std::map<std::string, std::string> browser;  // name -> value
  std::shared_ptr<RecordingResponder> get(std::string target) {
    return send(request("GET", std::move(target)));
  }
  std::shared_ptr<RecordingResponder> post_form(std::string target, const form::Params& params) {
    return send(request("POST", std::move(target), form::build(params), "application/x-www-form-urlencoded"));
  }

  std::string register_client(std::vector<std::string> redirect_uris, std::string name = "Test Client") {
    auto r = send(request("POST", "/oauth/register",
                          Json{{"redirect_uris", redirect_uris}, {"client_name", name}}.dump(),
                          "application/json"));
    EXPECT_EQ(r->r->response.status, 201) << r->r->response.body;
    return Json::parse(r->r->response.body).value("client_id", "");
  }

  form::Params authorize_params(const std::string& client_id, std::string redirect_uri) {
    return {{"response_type", "code"},
            {"client_id", client_id},
            {"redirect_uri", std::move(redirect_uri)},
            {"code_challenge", std::string(kChallenge)},
            {"code_challenge_method", "S256"},
            {"state", "client-state"}};
  }
  std::shared_ptr<RecordingResponder> authorize(const form::Params& params) {
    return get("/oauth/authorize?" + form::build(params));
  }

  // Drives authorize -> upstream -> callback; returns the facade code.
  std::string login(const std::string& client_id, const std::string& redirect_uri) {
    auto a = authorize(authorize_params(client_id, redirect_uri));
    EXPECT_EQ(a->r->response.status, 302);
    const auto upstream = query_of(*a->r->response.headers.get("Location"));
    auto cb = get("/oauth/callback?" +
                  form::build({{"code", "upstream-code"}, {"state", str(upstream.get("state"))}}));
    EXPECT_EQ(cb->r->response.status, 302);
    const auto back = query_of(*cb->r->response.headers.get("Location"));
    return str(back.get("code"));
  }

  form::Params token_params(const std::string& code, const std::string& client_id,
                            const std::string& redirect_uri, std::string_view verifier = kVerifier) {
    return {{"grant_type", "authorization_code"},
            {"code", code},
            {"redirect_uri", redirect_uri},
            {"code_verifier", std::string(verifier)},
            {"client_id", client_id}};
  }

  std::int64_t now = 1'700'000'000;
  FakeClient client;
  mcp::util::Logger log{mcp::util::LogLevel::kOff};
  std::unique_ptr<PublicUrl> url;
  std::unique_ptr<Facade> facade;
};

Json body_of(const std::shared_ptr<RecordingResponder>& r) {
  return Json::parse(r->r->response.body);
}

// ---- metadata -------------------------------------------------------------

TEST_F(FacadeTest, MetadataAtRootPaths) {
  for (const char* path : {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    auto r = get(path);
    ASSERT_EQ(r->r->response.status, 200) << path;
    EXPECT_EQ(r->r->response.headers.get("Content-Type"), "application/json");
    EXPECT_EQ(r->r->response.headers.get("Access-Control-Allow-Origin"), "*");
    EXPECT_TRUE(r->r->response.headers.get("Cache-Control"));
    const auto doc = body_of(r);
    EXPECT_EQ(doc["issuer"], kIssuer);
    EXPECT_EQ(doc["authorization_endpoint"], std::string(kIssuer) + "/oauth/authorize");
    EXPECT_EQ(doc["token_endpoint"], std::string(kIssuer) + "/oauth/token");
    EXPECT_EQ(doc["registration_endpoint"], std::string(kIssuer) + "/oauth/register");
    EXPECT_EQ(doc["response_types_supported"], Json({"code"}));
    EXPECT_EQ(doc["grant_types_supported"], Json({"authorization_code", "refresh_token"}));
    EXPECT_EQ(doc["code_challenge_methods_supported"], Json({"S256"}));
    EXPECT_EQ(doc["token_endpoint_auth_methods_supported"], Json({"none"}));
    EXPECT_EQ(doc["scopes_supported"], Json({"openid", "mcp/tools"}));
    EXPECT_EQ(doc["authorization_response_iss_parameter_supported"], true);
  }
  // OIDC discovery requires these; SDKs validate them.
  const auto oidc = body_of(get("/.well-known/openid-configuration"));
  EXPECT_EQ(oidc["jwks_uri"], std::string(kIssuer) + "/oauth/jwks");
  EXPECT_TRUE(oidc.contains("subject_types_supported"));
  EXPECT_TRUE(oidc.contains("id_token_signing_alg_values_supported"));
  EXPECT_EQ(body_of(get("/oauth/jwks"))["keys"], Json::array());
}

TEST_F(FacadeTest, MetadataBehindStagePrefix) {
  reset(std::nullopt, "https://h/prod/mcp");
  // The spec's discovery order for issuer https://h/prod: the first two reach
  // us only when the proxy forwards /.well-known, the third arrives with the
  // stage stripped.
  for (const char* path :
       {"/.well-known/oauth-authorization-server/prod", "/.well-known/openid-configuration/prod",
        "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
    auto r = get(path);
    ASSERT_EQ(r->r->response.status, 200) << path;
    const auto doc = body_of(r);
    EXPECT_EQ(doc["issuer"], "https://h/prod");
    EXPECT_EQ(doc["authorization_endpoint"], "https://h/prod/oauth/authorize");
  }
  EXPECT_EQ(facade->issuer(request("GET", "/mcp")), "https://h/prod");
}

TEST_F(FacadeTest, OtherPathsAreNotOurs) {
  for (const char* path : {"/mcp", "/.well-known/oauth-protected-resource",
                           "/.well-known/oauth-authorization-server/x", "/oauth", "/oauth/authorize/x"}) {
    auto responder = std::make_shared<RecordingResponder>();
    EXPECT_FALSE(facade->handle(request("GET", path), responder)) << path;
    EXPECT_FALSE(responder->r->responded);
  }
}

TEST_F(FacadeTest, MethodsAndPreflight) {
  auto pre = send(request("OPTIONS", "/oauth/token"));
  EXPECT_EQ(pre->r->response.status, 204);
  EXPECT_EQ(pre->r->response.headers.get("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(pre->r->response.headers.get("Access-Control-Allow-Headers"));
  EXPECT_EQ(send(request("OPTIONS", "/oauth/register"))->r->response.status, 204);
  EXPECT_EQ(send(request("OPTIONS", "/.well-known/oauth-authorization-server"))->r->response.status, 204);
  EXPECT_EQ(send(request("POST", "/.well-known/oauth-authorization-server"))->r->response.status, 405);
  EXPECT_EQ(get("/oauth/token")->r->response.status, 405);
  EXPECT_EQ(get("/oauth/register")->r->response.status, 405);
}

// ---- registration ---------------------------------------------------------

TEST_F(FacadeTest, RegistrationAcceptsPublicClients) {
  auto r = send(request(
      "POST", "/oauth/register",
      R"({"client_name":"VS Code","redirect_uris":["http://127.0.0.1:33418/","https://vscode.dev/redirect"],
                            "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
                            "token_endpoint_auth_method":"none","scope":"x"})",
      "application/json"));
  ASSERT_EQ(r->r->response.status, 201) << r->r->response.body;
  EXPECT_EQ(r->r->response.headers.get("Access-Control-Allow-Origin"), "*");
  const auto doc = body_of(r);
  EXPECT_FALSE(doc["client_id"].get<std::string>().empty());
  EXPECT_EQ(doc["client_id_issued_at"], now);
  EXPECT_EQ(doc["client_name"], "VS Code");
  EXPECT_EQ(doc["redirect_uris"], Json({"http://127.0.0.1:33418/", "https://vscode.dev/redirect"}));
  EXPECT_EQ(doc["token_endpoint_auth_method"], "none");
  EXPECT_EQ(doc["grant_types"], Json({"authorization_code", "refresh_token"}));
  EXPECT_EQ(doc["response_types"], Json({"code"}));
  EXPECT_FALSE(doc.contains("client_secret"));
}

TEST_F(FacadeTest, RegistrationRedirectUriTable) {
  struct Case {
    std::string uri;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"http://127.0.0.1:33418/", true},
      {"http://localhost:8080/callback", true},
      {"http://127.0.0.1/callback", true},
      {"http://[::1]:9000/cb", true},
      {"http://127.1.2.3:1/cb?x=1", true},
      {"https://vscode.dev/redirect", true},
      {"https://claude.ai/api/mcp/auth_callback", true},
      {"cursor://anysphere.cursor-mcp/oauth/callback", true},
      {"com.example.app:/oauth2redirect", true},
      {"http://example.com/callback", false},       // plain http off loopback
      {"http://127.0.0.1.nip.io/callback", false},  // a name that only looks like loopback
      {"http://127.0.0.1:3000/cb#frag", false},
      {"https://example.com/cb#", false},
      {"javascript:alert(1)", false},
      {"data:text/html,hi", false},
      {"file:///etc/passwd", false},
      {"JavaScript:alert(1)", false},
      {"/relative/path", false},
      {"127.0.0.1:3000/cb", false},
      {"https://user@example.com/cb", false},
      {"https:///cb", false},
      {"https://exa mple.com/cb", false},
      {"myapp:", false},
      {"https://example.com/" + std::string(600, 'a'), false},
  };
  for (const auto& c : cases) {
    auto r =
        send(request("POST", "/oauth/register", Json{{"redirect_uris", {c.uri}}}.dump(), "application/json"));
    if (c.ok) {
      EXPECT_EQ(r->r->response.status, 201) << c.uri << " " << r->r->response.body;
    } else {
      EXPECT_EQ(r->r->response.status, 400) << c.uri;
      EXPECT_EQ(body_of(r)["error"], "invalid_redirect_uri") << c.uri;
    }
  }
}

TEST_F(FacadeTest, RegistrationMetadataErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({})", "invalid_redirect_uri"},
      {R"({"redirect_uris":[]})", "invalid_redirect_uri"},
      {R"({"redirect_uris":"http://127.0.0.1/cb"})", "invalid_redirect_uri"},
      {R"({"redirect_uris":[42]})", "invalid_redirect_uri"},
      {Json{{"redirect_uris", std::vector<std::string>(9, "http://127.0.0.1/cb")}}.dump(),
       "invalid_redirect_uri"},
      {R"({"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"client_secret_basic"})",
       "invalid_client_metadata"},
      {R"({"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["client_credentials"]})",
       "invalid_client_metadata"},
      {R"({"redirect_uris":["http://127.0.0.1/cb"],"response_types":["token"]})", "invalid_client_metadata"},
      {R"({"redirect_uris":["http://127.0.0.1/cb"],"client_name":7})", "invalid_client_metadata"},
      {R"([1,2])", "invalid_client_metadata"},
      {R"(not json)", "invalid_client_metadata"},
      {std::string(20000, ' '), "invalid_client_metadata"},
  };
  for (const auto& [body, error] : cases) {
    auto r = send(request("POST", "/oauth/register", body, "application/json"));
    EXPECT_EQ(r->r->response.status, 400) << body;
    EXPECT_EQ(body_of(r)["error"], error) << body;
    EXPECT_TRUE(body_of(r).contains("error_description"));
  }
}

TEST(FacadeRedirectMatch, LoopbackPortMayVaryNothingElse) {
  using mcp::auth::redirect_uri_matches;
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1/callback", "http://127.0.0.1:51234/callback"));
  EXPECT_TRUE(redirect_uri_matches("http://localhost:1/cb", "http://localhost:2/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/callback", "http://127.0.0.1:5/other"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/callback", "http://localhost/callback"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/callback", "https://127.0.0.1/callback"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:5/cb#x"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb?a=1", "http://127.0.0.1:5/cb?a=2"));
  EXPECT_TRUE(redirect_uri_matches("https://vscode.dev/redirect", "https://vscode.dev/redirect"));
  EXPECT_FALSE(redirect_uri_matches("https://vscode.dev/redirect", "https://vscode.dev:444/redirect"));
  EXPECT_FALSE(redirect_uri_matches("https://vscode.dev/redirect", "https://vscode.dev/redirect/"));
}

// ---- authorize --------------------------------------------------------------

TEST_F(FacadeTest, AuthorizeRedirectsUpstreamWithClientsChallenge) {
  const auto cid = register_client({"http://127.0.0.1/callback"});
  auto params = authorize_params(cid, "http://127.0.0.1:51234/callback");
  params.emplace_back("scope", "openid mcp/tools unknown");
  auto r = authorize(params);
  ASSERT_EQ(r->r->response.status, 302) << r->r->response.body;
  const std::string location(*r->r->response.headers.get("Location"));
  EXPECT_EQ(without_query(location), kUpstreamAuthorize);
  const auto up = query_of(location);
  EXPECT_EQ(str(up.get("response_type")), "code");
  EXPECT_EQ(str(up.get("client_id")), "upstream-client");
  EXPECT_EQ(str(up.get("redirect_uri")), std::string(kIssuer) + "/oauth/callback");
  EXPECT_EQ(str(up.get("code_challenge")), kChallenge);
  EXPECT_EQ(str(up.get("code_challenge_method")), "S256");
  EXPECT_EQ(str(up.get("scope")), "openid mcp/tools");  // unknown scopes dropped
  EXPECT_FALSE(up.get("resource"));
  ASSERT_TRUE(up.get("state"));
  EXPECT_EQ(up.get("state")->find("client-state"), std::string_view::npos);  // sealed, opaque
}

TEST_F(FacadeTest, AuthorizeDefaultsScopeAndForwardsResourceWhenConfigured) {
  auto config = base_config();
  config.forward_resource = true;
  reset(config);
  const auto cid = register_client({"http://localhost:8080/cb"});
  auto params = authorize_params(cid, "http://localhost:8080/cb");
  params.emplace_back("resource", "http://127.0.0.1:3000/mcp");
  auto r = authorize(params);
  ASSERT_EQ(r->r->response.status, 302) << r->r->response.body;
  const auto up = query_of(*r->r->response.headers.get("Location"));
  EXPECT_EQ(str(up.get("scope")), "openid mcp/tools");
  EXPECT_EQ(str(up.get("resource")), "http://127.0.0.1:3000/mcp");
}

TEST_F(FacadeTest, AuthorizeRejectsBadClientOrRedirectWithoutRedirecting) {
  const auto cid = register_client({"http://127.0.0.1/callback"});
  std::string forged = cid;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  for (const auto& params :
       {authorize_params("nope", "http://127.0.0.1/callback"),
        authorize_params(forged, "http://127.0.0.1/callback"),
        authorize_params(cid, "http://127.0.0.1/elsewhere"),
        authorize_params(cid, "https://evil.example/callback"),
        authorize_params(cid, "http://127.0.0.1/callback#x"),
        form::Params{{"response_type", "code"}, {"redirect_uri", "http://127.0.0.1/callback"}}}) {
    auto r = authorize(params);
    EXPECT_EQ(r->r->response.status, 400) << form::build(params);
    EXPECT_FALSE(r->r->response.headers.get("Location"));
    EXPECT_EQ(r->r->response.headers.get("X-Frame-Options"), "DENY");
    EXPECT_NE(r->r->response.headers.get("Content-Type")->find("text/html"), std::string_view::npos);
  }
  // A client id sealed under another secret is not ours.
  auto other = base_config();
  other.secret = "another-secret";
  reset(other);
  EXPECT_EQ(authorize(authorize_params(cid, "http://127.0.0.1/callback"))->r->response.status, 400);
}

TEST_F(FacadeTest, AuthorizeErrorsGoBackToTheClient) {
  const auto cid = register_client({"http://127.0.0.1:9999/cb"});
  struct Case {
    std::string drop, set_name, set_value, error;
  };
  const std::vector<Case> cases = {
      {"code_challenge", "", "", "invalid_request"},
      {"code_challenge_method", "", "", "invalid_request"},
      {"", "code_challenge_method", "plain", "invalid_request"},
      {"", "code_challenge", "short", "invalid_request"},
      {"", "response_type", "token", "unsupported_response_type"},
      {"", "resource", "https://other.example/mcp", "invalid_target"},
      {"", "scope", "bad\"scope", "invalid_scope"},
  };
  for (const auto& c : cases) {
    form::Params params;
    for (auto& [k, v] : authorize_params(cid, "http://127.0.0.1:9999/cb")) {
      if (k == c.drop || k == c.set_name) continue;
      params.emplace_back(k, v);
    }
    if (!c.set_name.empty()) params.emplace_back(c.set_name, c.set_value);
    auto r = authorize(params);
    ASSERT_EQ(r->r->response.status, 302) << c.error;
    const std::string location(*r->r->response.headers.get("Location"));
    EXPECT_EQ(without_query(location), "http://127.0.0.1:9999/cb");
    const auto back = query_of(location);
    EXPECT_EQ(str(back.get("error")), c.error) << c.drop << c.set_name;
    EXPECT_EQ(str(back.get("state")), "client-state");
    EXPECT_EQ(str(back.get("iss")), kIssuer);
  }
  EXPECT_TRUE(client.sent.empty());
}

// ---- consent (non-loopback redirect URIs) ------------------------------------

TEST_F(FacadeTest, HttpsRedirectNeedsConsentInThisBrowser) {
  const auto cid = register_client({"https://app.example/cb"}, "Example <App>");
  auto page = authorize(authorize_params(cid, "https://app.example/cb"));
  ASSERT_EQ(page->r->response.status, 200);
  const auto& h = page->r->response.headers;
  EXPECT_EQ(h.get("X-Frame-Options"), "DENY");
  EXPECT_NE(h.get("Content-Security-Policy")->find("frame-ancestors 'none'"), std::string_view::npos);
  const std::string body = page->r->response.body;
  EXPECT_NE(body.find("Example &lt;App&gt;"), std::string::npos);
  EXPECT_NE(body.find("https://app.example/cb"), std::string::npos);
  const std::string set_cookie(*h.get("Set-Cookie"));
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  const std::string field = "name=\"transaction\" value=\"";
  const auto start = body.find(field) + field.size();
  const std::string tx = body.substr(start, body.find('"', start) - start);
  browser.clear();  // this test sends its cookies by hand

  auto consent = [&](std::string decision, std::string cookie_header) {
    auto r = request("POST", "/oauth/authorize", form::build({{"transaction", tx}, {"decision", decision}}),
                     "application/x-www-form-urlencoded");
    if (!cookie_header.empty()) r.headers.add("Cookie", cookie_header);
    r.headers.add("Origin", std::string(kIssuer));
    return send(r);
  };
  // Another site submitting the form: no cookie (SameSite) or someone else's.
  EXPECT_EQ(consent("allow", "")->r->response.status, 400);
  EXPECT_EQ(consent("allow", "mcp-facade-consent=other")->r->response.status, 400);
  auto evil = request("POST", "/oauth/authorize", form::build({{"transaction", tx}, {"decision", "allow"}}),
                      "application/x-www-form-urlencoded");
  evil.headers.add("Cookie", cookie);
  evil.headers.add("Origin", "https://evil.example");
  EXPECT_EQ(send(evil)->r->response.status, 400);

  auto deny = consent("deny", "a=b; " + cookie);
  ASSERT_EQ(deny->r->response.status, 303) << deny->r->response.body;
  EXPECT_EQ(str(query_of(*deny->r->response.headers.get("Location")).get("error")), "access_denied");

  auto allow = consent("allow", cookie);
  ASSERT_EQ(allow->r->response.status, 303);
  const std::string location(*allow->r->response.headers.get("Location"));
  EXPECT_EQ(without_query(location), kUpstreamAuthorize);
  EXPECT_EQ(str(query_of(location).get("code_challenge")), kChallenge);
}

// ---- callback ----------------------------------------------------------------

TEST_F(FacadeTest, CallbackRejectsTamperedOrExpiredState) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  auto a = authorize(authorize_params(cid, "http://127.0.0.1/cb"));
  std::string state = str(query_of(*a->r->response.headers.get("Location")).get("state"));
  std::string tampered = state;
  tampered[10] = tampered[10] == 'x' ? 'y' : 'x';
  for (const auto& s : {tampered, std::string("junk"), std::string()}) {
    auto r = get("/oauth/callback?" + form::build({{"code", "c"}, {"state", s}}));
    EXPECT_EQ(r->r->response.status, 400);
    EXPECT_FALSE(r->r->response.headers.get("Location"));
  }
  now += 601;
  auto expired = get("/oauth/callback?" + form::build({{"code", "c"}, {"state", state}}));
  EXPECT_EQ(expired->r->response.status, 400);
  EXPECT_FALSE(expired->r->response.headers.get("Location"));
}

TEST_F(FacadeTest, CallbackNeedsTheBrowserThatStartedTheLogin) {
  // An attacker starts a login for their client and hands the upstream URL
  // to a victim: the victim's browser lacks the login cookie.
  const auto cid = register_client({"http://127.0.0.1/cb"});
  auto a = authorize(authorize_params(cid, "http://127.0.0.1/cb"));
  const auto set_cookie = a->r->response.headers.get("set-cookie");
  ASSERT_TRUE(set_cookie);
  EXPECT_NE(set_cookie->find("HttpOnly"), std::string_view::npos);
  EXPECT_NE(set_cookie->find("SameSite=Lax"), std::string_view::npos);
  const auto state = str(query_of(*a->r->response.headers.get("Location")).get("state"));
  browser.clear();
  auto victim = get("/oauth/callback?" + form::build({{"code", "victim-code"}, {"state", state}}));
  EXPECT_EQ(victim->r->response.status, 400);
  EXPECT_FALSE(victim->r->response.headers.get("Location"));
}

TEST_F(FacadeTest, TheConsentFormBlobIsNotAState) {
  const auto cid = register_client({"https://app.example/cb"});
  auto page = authorize(authorize_params(cid, "https://app.example/cb"));
  ASSERT_EQ(page->r->response.status, 200);
  const std::string& html = page->r->response.body;
  const auto at = html.find("name=\"transaction\" value=\"");
  ASSERT_NE(at, std::string::npos);
  const auto start = at + std::string("name=\"transaction\" value=\"").size();
  const std::string blob = html.substr(start, html.find('"', start) - start);
  auto r = get("/oauth/callback?" + form::build({{"code", "c"}, {"state", blob}}));
  EXPECT_EQ(r->r->response.status, 400);
  EXPECT_FALSE(r->r->response.headers.get("Location"));
}

TEST_F(FacadeTest, CallbackForwardsUpstreamErrors) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  auto a = authorize(authorize_params(cid, "http://127.0.0.1/cb"));
  const auto state = str(query_of(*a->r->response.headers.get("Location")).get("state"));
  auto r =
      get("/oauth/callback?" +
          form::build({{"error", "access_denied"}, {"error_description", "User said no"}, {"state", state}}));
  ASSERT_EQ(r->r->response.status, 302);
  const auto back = query_of(*r->r->response.headers.get("Location"));
  EXPECT_EQ(str(back.get("error")), "access_denied");
  EXPECT_EQ(str(back.get("error_description")), "User said no");
  EXPECT_EQ(str(back.get("state")), "client-state");
  EXPECT_EQ(str(back.get("iss")), kIssuer);
  EXPECT_FALSE(back.get("code"));
}

// ---- token --------------------------------------------------------------------

TEST_F(FacadeTest, CodeExchangeSendsVerifierUpstreamAndRelaysTokens) {
  const std::string redirect = "http://127.0.0.1:51234/callback";
  const auto cid = register_client({"http://127.0.0.1/callback"});
  auto a = authorize(authorize_params(cid, redirect));
  const auto state = str(query_of(*a->r->response.headers.get("Location")).get("state"));
  auto cb = get("/oauth/callback?" + form::build({{"code", "upstream-code"}, {"state", state}}));
  ASSERT_EQ(cb->r->response.status, 302);
  const std::string location(*cb->r->response.headers.get("Location"));
  EXPECT_EQ(without_query(location), redirect);
  const auto back = query_of(location);
  EXPECT_EQ(str(back.get("state")), "client-state");
  EXPECT_EQ(str(back.get("iss")), kIssuer);
  const auto code = str(back.get("code"));
  EXPECT_EQ(code.find("upstream-code"), std::string::npos);

  client.handler = [](const http::ClientRequest&) {
    return json_reply(200, {{"access_token", "AT"},
                            {"id_token", "IDT"},
                            {"refresh_token", "RT"},
                            {"token_type", "Bearer"},
                            {"expires_in", 3600}});
  };
  auto t = post_form("/oauth/token", token_params(code, cid, redirect));
  EXPECT_FALSE(t->r->responded) << t->r->response.body;  // answers from the client callback
  ASSERT_EQ(client.pending(), 1u);
  client.drain();
  ASSERT_EQ(t->r->response.status, 200) << t->r->response.body;
  EXPECT_EQ(t->r->response.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(t->r->response.headers.get("Content-Type"), "application/json");
  const auto doc = body_of(t);
  EXPECT_EQ(doc["access_token"], "AT");
  EXPECT_EQ(doc["token_type"], "Bearer");
  EXPECT_EQ(doc["expires_in"], 3600);
  EXPECT_FALSE(doc.contains("id_token"));
  ASSERT_TRUE(doc["refresh_token"].is_string());
  EXPECT_NE(doc["refresh_token"], "RT");  // wrapped, bound to the client

  ASSERT_EQ(client.sent.size(), 1u);
  const auto& up = client.sent[0];
  EXPECT_EQ(up.method, "POST");
  EXPECT_EQ(up.url, kUpstreamToken);
  EXPECT_EQ(up.headers.get("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_FALSE(up.headers.get("Authorization"));
  const auto sent = *form::Fields::parse(up.body);
  EXPECT_EQ(str(sent.get("grant_type")), "authorization_code");
  EXPECT_EQ(str(sent.get("code")), "upstream-code");
  EXPECT_EQ(str(sent.get("code_verifier")), kVerifier);
  EXPECT_EQ(str(sent.get("redirect_uri")), std::string(kIssuer) + "/oauth/callback");
  EXPECT_EQ(str(sent.get("client_id")), "upstream-client");
  EXPECT_FALSE(sent.get("resource"));
}

TEST_F(FacadeTest, ClientSecretGoesUpstreamAsBasic) {
  auto config = base_config();
  config.client_secret = "s3cr:t";
  reset(config);
  const auto cid = register_client({"http://127.0.0.1/cb"});
  const auto code = login(cid, "http://127.0.0.1/cb");
  client.handler = [](const http::ClientRequest&) {
    return json_reply(200, {{"access_token", "AT"}});
  };
  post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb"));
  client.drain();
  ASSERT_EQ(client.sent.size(), 1u);
  EXPECT_EQ(client.sent[0].headers.get("Authorization"),
            "Basic " + mcp::util::base64_encode("upstream-client:s3cr%3At"));
}

TEST_F(FacadeTest, PkceMismatchIsRejectedLocally) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  const auto code = login(cid, "http://127.0.0.1/cb");
  auto wrong =
      post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb", std::string(43, 'a')));
  EXPECT_EQ(wrong->r->response.status, 400);
  EXPECT_EQ(body_of(wrong)["error"], "invalid_grant");
  form::Params missing = token_params(code, cid, "http://127.0.0.1/cb");
  missing.erase(missing.begin() + 3);
  EXPECT_EQ(body_of(post_form("/oauth/token", missing))["error"], "invalid_request");
  EXPECT_TRUE(client.sent.empty());
}

TEST_F(FacadeTest, CodeIsSingleUse) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  const auto code = login(cid, "http://127.0.0.1/cb");
  client.handler = [](const http::ClientRequest&) {
    return json_reply(200, {{"access_token", "AT"}});
  };
  auto first = post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb"));
  client.drain();
  EXPECT_EQ(first->r->response.status, 200);
  auto second = post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb"));
  EXPECT_EQ(second->r->response.status, 400);
  EXPECT_EQ(body_of(second)["error"], "invalid_grant");
  EXPECT_EQ(client.sent.size(), 1u);
}

TEST_F(FacadeTest, ExpiredCodeIsRejected) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  const auto code = login(cid, "http://127.0.0.1/cb");
  now += 121;
  auto r = post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb"));
  EXPECT_EQ(r->r->response.status, 400);
  EXPECT_EQ(body_of(r)["error"], "invalid_grant");
  EXPECT_TRUE(client.sent.empty());
}

TEST_F(FacadeTest, CodeIsBoundToRedirectUriClientAndResource) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  const auto other = register_client({"http://127.0.0.1/cb"}, "Other");
  const auto code = login(cid, "http://127.0.0.1:4000/cb");
  auto r = post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1:4001/cb"));
  EXPECT_EQ(body_of(r)["error"], "invalid_grant");
  r = post_form("/oauth/token", token_params(code, other, "http://127.0.0.1:4000/cb"));
  EXPECT_EQ(body_of(r)["error"], "invalid_grant");
  r = post_form("/oauth/token", token_params(code, "not-a-client", "http://127.0.0.1:4000/cb"));
  EXPECT_EQ(r->r->response.status, 401);
  EXPECT_EQ(body_of(r)["error"], "invalid_client");
  r = post_form("/oauth/token", token_params("garbage", cid, "http://127.0.0.1:4000/cb"));
  EXPECT_EQ(body_of(r)["error"], "invalid_grant");
  EXPECT_TRUE(client.sent.empty());
}

TEST_F(FacadeTest, TokenRequestShape) {
  auto r =
      send(request("POST", "/oauth/token", R"({"grant_type":"authorization_code"})", "application/json"));
  EXPECT_EQ(body_of(r)["error"], "invalid_request");
  const auto cid = register_client({"http://127.0.0.1/cb"});
  r = post_form("/oauth/token", {{"grant_type", "client_credentials"}, {"client_id", cid}});
  EXPECT_EQ(body_of(r)["error"], "unsupported_grant_type");
  EXPECT_EQ(r->r->response.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(r->r->response.headers.get("Access-Control-Allow-Origin"), "*");
  r = post_form("/oauth/token", {{"grant_type", "refresh_token"}, {"refresh_token", "x"}});
  EXPECT_EQ(body_of(r)["error"], "invalid_request");  // no client_id
}

TEST_F(FacadeTest, RefreshGrantUnwrapsForItsClientOnly) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  const auto code = login(cid, "http://127.0.0.1/cb");
  client.handler = [](const http::ClientRequest& req) {
    const auto f = *form::Fields::parse(req.body);
    if (f.get("grant_type") == "refresh_token")
      return json_reply(200, {{"access_token", "AT2"}, {"token_type", "Bearer"}});
    return json_reply(200, {{"access_token", "AT"}, {"refresh_token", "RT"}, {"token_type", "Bearer"}});
  };
  auto t = post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb"));
  client.drain();
  const std::string refresh = body_of(t)["refresh_token"];

  const auto other = register_client({"http://127.0.0.1/cb"}, "Other");
  auto stolen = post_form(
      "/oauth/token", {{"grant_type", "refresh_token"}, {"refresh_token", refresh}, {"client_id", other}});
  EXPECT_EQ(body_of(stolen)["error"], "invalid_grant");
  EXPECT_EQ(body_of(post_form(
                "/oauth/token",
                {{"grant_type", "refresh_token"}, {"refresh_token", "RT"}, {"client_id", cid}}))["error"],
            "invalid_grant");

  auto r = post_form("/oauth/token",
                     {{"grant_type", "refresh_token"}, {"refresh_token", refresh}, {"client_id", cid}});
  client.drain();
  ASSERT_EQ(r->r->response.status, 200) << r->r->response.body;
  EXPECT_EQ(body_of(r)["access_token"], "AT2");
  EXPECT_FALSE(body_of(r).contains("refresh_token"));
  ASSERT_EQ(client.sent.size(), 2u);
  const auto sent = *form::Fields::parse(client.sent[1].body);
  EXPECT_EQ(str(sent.get("grant_type")), "refresh_token");
  EXPECT_EQ(str(sent.get("refresh_token")), "RT");
  EXPECT_EQ(str(sent.get("client_id")), "upstream-client");
}

TEST_F(FacadeTest, UpstreamErrorsAreRelayedAndOutagesAre503) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  struct Case {
    http::ClientResult reply;
    int status;
    std::string error;
  };
  std::vector<Case> cases;
  cases.push_back({json_reply(400, {{"error", "invalid_grant"}, {"error_description", "code used"}}), 400,
                   "invalid_grant"});
  cases.push_back({json_reply(401, {{"error", "invalid_client"}}), 502, "server_error"});
  cases.push_back({json_reply(500, {{"message", "boom"}}), 503, "temporarily_unavailable"});
  cases.push_back({http::ClientResult(mcp::util::unexpected(std::string("connect failed"))), 503,
                   "temporarily_unavailable"});
  cases.push_back({json_reply(200, {{"no_token", true}}), 502, "server_error"});
  for (auto& c : cases) {
    const auto code = login(cid, "http://127.0.0.1/cb");
    client.handler = [&](const http::ClientRequest&) {
      return c.reply;
    };
    auto r = post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb"));
    client.drain();
    EXPECT_EQ(r->r->response.status, c.status) << c.error;
    EXPECT_EQ(body_of(r)["error"], c.error);
    EXPECT_EQ(r->r->response.headers.get("Cache-Control"), "no-store");
  }
}

// ---- upstream discovery --------------------------------------------------------

TEST_F(FacadeTest, DiscoversUpstreamEndpointsOnceAndRetriesAfterFailure) {
  auto config = base_config();
  config.upstream_authorization_endpoint.clear();
  config.upstream_token_endpoint.clear();
  config.upstream_issuer = "https://idp.example.com/pool1";
  reset(config);
  const auto cid = register_client({"http://127.0.0.1/cb"});

  // Unreachable: 503 page, and no new attempt within 30 s.
  auto r = authorize(authorize_params(cid, "http://127.0.0.1/cb"));
  EXPECT_FALSE(r->r->responded);
  client.drain();
  EXPECT_EQ(r->r->response.status, 503);
  ASSERT_EQ(client.sent.size(), 2u);
  EXPECT_EQ(client.sent[0].url, "https://idp.example.com/pool1/.well-known/openid-configuration");
  EXPECT_EQ(client.sent[1].url, "https://idp.example.com/.well-known/oauth-authorization-server/pool1");
  EXPECT_EQ(authorize(authorize_params(cid, "http://127.0.0.1/cb"))->r->response.status, 503);
  EXPECT_EQ(client.sent.size(), 2u);

  now += 31;
  client.handler = [](const http::ClientRequest&) {
    return json_reply(200, {{"issuer", "https://idp.example.com/pool1"},
                            {"authorization_endpoint", "https://auth.example.com/oauth2/authorize"},
                            {"token_endpoint", "https://auth.example.com/oauth2/token"}});
  };
  auto a = authorize(authorize_params(cid, "http://127.0.0.1/cb"));
  auto b = authorize(authorize_params(cid, "http://127.0.0.1/cb"));  // waits for the same discovery
  client.drain();
  EXPECT_EQ(client.sent.size(), 3u);
  for (const auto& x : {a, b}) {
    ASSERT_EQ(x->r->response.status, 302);
    EXPECT_EQ(without_query(*x->r->response.headers.get("Location")),
              "https://auth.example.com/oauth2/authorize");
  }
  auto c = authorize(authorize_params(cid, "http://127.0.0.1/cb"));
  EXPECT_EQ(c->r->response.status, 302);  // cached: answered at once
  EXPECT_EQ(client.sent.size(), 3u);
}

TEST_F(FacadeTest, TokenWhileUpstreamUnknownIs503) {
  const auto cid = register_client({"http://127.0.0.1/cb"});
  const auto code = login(cid, "http://127.0.0.1/cb");
  // Another instance with the same secret, which has to discover the upstream.
  auto config = base_config();
  config.upstream_authorization_endpoint.clear();
  config.upstream_token_endpoint.clear();
  config.upstream_issuer = "https://idp.example.com";
  reset(config);
  auto r = post_form("/oauth/token", token_params(code, cid, "http://127.0.0.1/cb"));
  client.drain();  // discovery fails (no handler)
  EXPECT_EQ(r->r->response.status, 503);
  EXPECT_EQ(body_of(r)["error"], "temporarily_unavailable");
}

TEST(FacadeConfigCheck, ReportsUnusableConfigurations) {
  FacadeConfig c;
  EXPECT_TRUE(Facade::config_error(c));
  c.client_id = "x";
  EXPECT_TRUE(Facade::config_error(c));
  c.upstream_issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X";
  EXPECT_FALSE(Facade::config_error(c));
  c.upstream_token_endpoint = "http://auth.example.com/token";
  EXPECT_TRUE(Facade::config_error(c));
}

}  // namespace
