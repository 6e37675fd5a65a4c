// The browser legs of the facade: the client's authorization request, the
// consent form, the hop to the upstream and the upstream's callback.
#include <algorithm>
#include <sstream>

#include "mcp/auth/facade_impl.hpp"
#include "mcp/auth/facade_pages.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::auth {

namespace {

constexpr std::size_t kMaxState = 1024;
constexpr std::size_t kMaxScope = 1024;
constexpr std::size_t kMaxUpstreamCode = 2048;
constexpr std::size_t kMaxErrorDescription = 300;
constexpr std::size_t kMaxConsentBody = std::size_t{16} * 1024;
constexpr std::string_view kRestart = "Start the sign-in again from your application.";

// RFC 6749 §3.3 scope-token characters, tokens separated by single spaces.
bool valid_scope(std::string_view scope) {
  if (scope.size() > kMaxScope) return false;
  return std::all_of(scope.begin(), scope.end(), [](unsigned char c) {
    return c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
  });
}

// Error codes and descriptions relayed from the upstream: RFC 6749 §4.1.2.1
// limits both to printable ASCII (minus '"' and '\').
std::string sanitize(std::string_view text, std::size_t max) {
  std::string out;
  for (unsigned char c : text.substr(0, max)) {
    if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') out += static_cast<char>(c);
  }
  return out;
}

std::string consent_cookie_name(std::string_view issuer) {
  // __Host- needs Secure, which browsers only honour over https.
  return issuer.rfind("https://", 0) == 0 ? "__Host-mcp-facade-consent" : "mcp-facade-consent";
}

std::string consent_cookie(std::string_view issuer, std::string_view value, std::int64_t max_age) {
  const bool secure = issuer.rfind("https://", 0) == 0;
  return consent_cookie_name(issuer) + "=" + std::string(value) +
         "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::optional<std::string> cookie_value(const http::Request& request, std::string_view name) {
  // Each Cookie header separately: joining them with ", " would break the
  // ';'-separated pairs when a proxy splits cookies over several headers.
  for (const auto& h : request.headers.items()) {
    if (!util::iequals(h.name, "cookie")) continue;
    for (auto piece : util::split_trimmed(h.value, ';')) {
      const auto eq = piece.find('=');
      if (eq != std::string_view::npos && piece.substr(0, eq) == name)
        return std::string(piece.substr(eq + 1));
    }
  }
  return std::nullopt;
}

// The cookie that ties a login to the browser that started it. Its name
// carries part of the nonce so that parallel logins do not overwrite each
// other; Lax, because the upstream sends the browser back with a cross-site
// top-level GET.
std::string login_cookie_name(std::string_view issuer, std::string_view nonce) {
  const std::string base =
      issuer.rfind("https://", 0) == 0 ? "__Host-mcp-facade-login-" : "mcp-facade-login-";
  return base + std::string(nonce.substr(0, 12));
}

std::string login_cookie(std::string_view issuer, std::string_view nonce, std::string_view value,
                         std::int64_t max_age) {
  const bool secure = issuer.rfind("https://", 0) == 0;
  return login_cookie_name(issuer, nonce) + "=" + std::string(value) +
         "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax" +
         (secure ? "; Secure" : "");
}

http::Response unavailable_page() {
  return error_page(503, "Sign-in unavailable",
                    "The sign-in service cannot be reached right now. Try again in a minute.");
}

}  // namespace

void Facade::Impl::authorize(const http::Request& request, const ResponderPtr& responder) {
  auto q = form::Fields::parse(request.query());
  if (!q) return responder->respond(error_page(400, "Invalid request", "The request's query is malformed."));
  if (auto dup = q->repeated({"client_id", "redirect_uri"})) {
    return responder->respond(error_page(400, "Invalid request", "The parameter " + *dup + " is repeated."));
  }
  // Until client and redirect URI are known to belong together, errors stay
  // on this page: redirecting them would make the facade an open redirector.
  const auto client_id = q->get("client_id");
  if (!client_id) return responder->respond(error_page(400, "Invalid request", "client_id is missing."));
  const auto client = clients.open(*client_id);
  if (!client) {
    return responder->respond(error_page(
        400, "Unknown application",
        "This application's registration is not valid here (it may come from another server or an old "
        "secret). Remove the saved login in your application and connect again."));
  }
  std::string redirect_uri;
  if (auto presented = q->get("redirect_uri")) {
    const bool registered =
        std::any_of(client->redirect_uris.begin(), client->redirect_uris.end(),
                    [&](const std::string& r) { return redirect_uri_matches(r, *presented); });
    if (!registered || !classify_redirect_uri(*presented)) {
      return responder->respond(error_page(400, "Invalid redirect URI",
                                           "The redirect_uri is not registered for this application."));
    }
    redirect_uri = std::string(*presented);
  } else if (client->redirect_uris.size() == 1) {
    redirect_uri = client->redirect_uris.front();
  } else {
    return responder->respond(error_page(400, "Invalid request", "redirect_uri is missing."));
  }
  const RedirectKind kind = *classify_redirect_uri(redirect_uri);

  const std::string iss = issuer(request);
  const std::string state =
      q->count("state") == 1 ? std::string(q->get("state").value_or("")) : std::string();
  auto fail = [&](std::string_view error, std::string_view description) {
    form::Params params{{"error", std::string(error)}, {"error_description", std::string(description)}};
    if (!state.empty() && state.size() <= kMaxState) params.emplace_back("state", state);
    params.emplace_back("iss", iss);
    responder->respond(redirect(302, form::append_query(redirect_uri, params)));
  };
  if (auto dup = q->repeated(
          {"response_type", "state", "code_challenge", "code_challenge_method", "scope", "resource"})) {
    return fail("invalid_request", "the parameter " + *dup + " is repeated");
  }
  if (q->get("response_type") != "code")
    return fail("unsupported_response_type", "response_type must be code");
  if (state.size() > kMaxState) return fail("invalid_request", "state is too long");
  const auto challenge = q->get("code_challenge");
  if (!challenge) return fail("invalid_request", "code_challenge is required (PKCE)");
  if (q->get("code_challenge_method") != "S256")
    return fail("invalid_request", "code_challenge_method must be S256");
  if (!valid_pkce_value(*challenge)) return fail("invalid_request", "code_challenge is malformed");

  const std::string requested_scope(q->get("scope").value_or(""));
  if (!valid_scope(requested_scope)) return fail("invalid_scope", "scope is malformed");
  std::vector<std::string> scopes = util::split_list(requested_scope, ' ');
  if (!config.scopes_supported.empty()) {
    // Only what the upstream is known to grant: unknown scopes would fail
    // the whole login there. The token response names what was granted.
    std::erase_if(scopes, [&](const std::string& s) {
      return std::find(config.scopes_supported.begin(), config.scopes_supported.end(), s) ==
             config.scopes_supported.end();
    });
    if (scopes.empty()) scopes = config.scopes_supported;
  }

  std::string resource(q->get("resource").value_or(""));
  if (!resource.empty()) {
    // Tokens obtained through this facade are for this MCP server only.
    const auto ours = normalize_resource(public_url.resource(request));
    const auto base = normalize_resource(issuer(request));
    const auto theirs = normalize_resource(resource);
    if (!parse_url(resource) || (theirs != ours && theirs != base)) {
      return fail("invalid_target", "resource must be this MCP server's URL");
    }
  }

  Transaction tx;
  tx.client = ClientIds::digest(*client_id);
  tx.redirect_uri = redirect_uri;
  tx.state = state;
  tx.code_challenge = std::string(*challenge);
  tx.resource = resource;
  tx.scope = util::join(scopes, ' ');
  tx.callback = iss + std::string(facade_paths::kCallback);
  tx.exp = now() + config.transaction_ttl.count();

  if (kind == RedirectKind::kLoopback) return to_upstream(std::move(tx), 302, responder);

  // A non-loopback redirect URI can belong to anyone who registered it;
  // the user confirms where the result goes, in this browser (the cookie
  // keeps another site from submitting the form for them).
  tx.consent = random_id();
  ConsentView view;
  view.client_name = client->client_name;
  view.redirect_uri = redirect_uri;
  view.service = iss;
  view.action = iss + std::string(facade_paths::kAuthorize);
  view.set_cookie = consent_cookie(iss, tx.consent, config.transaction_ttl.count());
  view.transaction = blobs.seal(tx);
  responder->respond(consent_page(view));
}

void Facade::Impl::consent(const http::Request& request, const ResponderPtr& responder) {
  const std::string iss = issuer(request);
  auto invalid = [&](std::string_view why) {
    responder->respond(error_page(400, "Sign-in expired", std::string(why) + " " + std::string(kRestart)));
  };
  if (request.body.size() > kMaxConsentBody) return invalid("The form is too large.");
  auto body = form::Fields::parse(request.body);
  if (!body) return invalid("The form is malformed.");
  if (auto origin = request.headers.get("origin"); origin && *origin != "null") {
    auto ours = parse_url(iss);
    if (!ours || *origin != ours->origin()) return invalid("The form was not sent from this site.");
  }
  auto tx = blobs.open_transaction(body->get("transaction").value_or(""), now());
  if (!tx || tx->consent.empty()) return invalid("This sign-in has expired or is not valid.");
  auto cookie = cookie_value(request, consent_cookie_name(iss));
  if (!cookie || !util::constant_time_equal(*cookie, tx->consent)) {
    return invalid("This form was not opened in this browser.");
  }
  if (body->get("decision") != "allow") {
    form::Params params{{"error", "access_denied"}, {"error_description", "the user cancelled the sign-in"}};
    if (!tx->state.empty()) params.emplace_back("state", tx->state);
    params.emplace_back("iss", iss);
    auto response = redirect(303, form::append_query(tx->redirect_uri, params));
    response.headers.add("Set-Cookie", consent_cookie(iss, "", 0));
    return responder->respond(std::move(response));
  }
  tx->consent.clear();
  to_upstream(std::move(*tx), 303, responder);
}

void Facade::Impl::to_upstream(Transaction tx, int status, const ResponderPtr& responder) {
  // Bind the login to this browser: the upstream URL (and its state) can be
  // handed to someone else, the cookie cannot, so a victim who follows an
  // attacker's link cannot complete the attacker's login with their account.
  tx.browser = random_id();
  std::weak_ptr<Impl> weak = weak_from_this();
  upstream.get([weak, tx = std::move(tx), status, responder](const UpstreamEndpoints* endpoints) {
    auto self = weak.lock();
    if (!self || endpoints == nullptr) return responder->respond(unavailable_page());
    form::Params params{{"response_type", "code"},
                        {"client_id", self->config.client_id},
                        {"redirect_uri", tx.callback},
                        {"code_challenge", tx.code_challenge},
                        {"code_challenge_method", "S256"}};
    if (!tx.scope.empty()) params.emplace_back("scope", tx.scope);
    if (self->config.forward_resource && !tx.resource.empty()) params.emplace_back("resource", tx.resource);
    params.emplace_back("state", self->blobs.seal(tx));
    auto response = redirect(status, form::append_query(endpoints->authorization_endpoint, params));
    const std::string iss = tx.callback.substr(0, tx.callback.size() - facade_paths::kCallback.size());
    response.headers.add("Set-Cookie",
                         login_cookie(iss, tx.browser, tx.browser, self->config.transaction_ttl.count()));
    responder->respond(std::move(response));
  });
}

http::Response Facade::Impl::callback(const http::Request& request) const {
  auto q = form::Fields::parse(request.query());
  if (!q) return error_page(400, "Invalid request", "The request's query is malformed.");
  // Without a valid transaction there is no trustworthy place to send the
  // browser: stay on this page.
  auto tx = blobs.open_transaction(q->get("state").value_or(""), now());
  // A transaction still waiting for consent (the consent form's blob) or
  // without a browser binding never went upstream from here.
  if (!tx || !tx->consent.empty() || tx->browser.empty()) {
    return error_page(400, "Sign-in expired",
                      "This sign-in has expired or its state is not valid. " + std::string(kRestart));
  }
  // The issuer the client saw: the one this login started under.
  const std::string iss = tx->callback.substr(0, tx->callback.size() - facade_paths::kCallback.size());
  const auto cookie = cookie_value(request, login_cookie_name(iss, tx->browser));
  if (!cookie || !util::constant_time_equal(*cookie, tx->browser)) {
    return error_page(400, "Sign-in started elsewhere",
                      "This sign-in was not started in this browser. " + std::string(kRestart));
  }
  form::Params params;
  if (auto error = q->get("error")) {
    params.emplace_back("error", sanitize(*error, 64));
    if (auto description = q->get("error_description")) {
      params.emplace_back("error_description", sanitize(*description, kMaxErrorDescription));
    }
  } else if (auto code = q->get("code"); !code || code->size() > kMaxUpstreamCode) {
    params.emplace_back("error", "server_error");
    params.emplace_back("error_description", "the upstream authorization server returned no usable code");
  } else {
    FacadeCode facade_code;
    facade_code.upstream_code = std::string(*code);
    facade_code.client = tx->client;
    facade_code.redirect_uri = tx->redirect_uri;
    facade_code.code_challenge = tx->code_challenge;
    facade_code.resource = tx->resource;
    facade_code.callback = tx->callback;
    facade_code.jti = random_id();
    facade_code.exp = now() + config.code_ttl.count();
    params.emplace_back("code", blobs.seal(facade_code));
  }
  if (!tx->state.empty()) params.emplace_back("state", tx->state);
  params.emplace_back("iss", iss);
  auto response = redirect(302, form::append_query(tx->redirect_uri, params));
  response.headers.add("Set-Cookie", login_cookie(iss, tx->browser, "", 0));
  return response;
}

}  // namespace mcp::auth
