// The facade's token endpoint: checks the client's side of the exchange
// (code binding, PKCE, single use) locally, then redeems the upstream code or
// refresh token with the facade's own upstream client and relays the result.
#include "mcp/auth/facade_impl.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::auth {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxTokenBody = std::size_t{16} * 1024;

http::Response token_error(int status, std::string_view error, std::string_view description) {
  auto response = oauth_error(status, error, description);
  response.headers.set("Pragma", "no-cache");
  return response;
}

bool form_content_type(const http::Request& request) {
  auto type = request.headers.get("content-type");
  if (!type) return false;
  const auto media = util::trim(type->substr(0, type->find(';')));
  return util::iequals(media, "application/x-www-form-urlencoded");
}

// The client id from HTTP Basic, if a client sends one (we issue no secrets,
// so the password part is not checked).
std::optional<std::string> basic_client_id(const http::Request& request) {
  auto header = request.headers.get("authorization");
  if (!header || header->size() < 6 || !util::iequals(header->substr(0, 6), "basic ")) return std::nullopt;
  auto decoded = util::base64_decode(util::trim(header->substr(6)));
  if (!decoded) return std::nullopt;
  auto id = form::decode(std::string_view(*decoded).substr(0, decoded->find(':')));
  if (!id || id->empty()) return std::nullopt;
  return id;
}

// Upstream errors worth relaying as the client's own; anything else about
// the facade's upstream client (invalid_client, ...) is a server problem.
bool relayable(std::string_view error) {
  return error == "invalid_grant" || error == "invalid_request" || error == "invalid_scope" ||
         error == "invalid_target" || error == "access_denied" || error == "unsupported_grant_type";
}

}  // namespace

void Facade::Impl::token(const http::Request& request, const ResponderPtr& responder) {
  if (request.body.size() > kMaxTokenBody) {
    return responder->respond(token_error(400, "invalid_request", "request body too large"));
  }
  if (!form_content_type(request)) {
    return responder->respond(
        token_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded"));
  }
  auto form = form::Fields::parse(request.body);
  if (!form) return responder->respond(token_error(400, "invalid_request", "malformed form body"));
  if (auto dup = form->repeated({"grant_type", "code", "redirect_uri", "code_verifier", "client_id",
                                 "refresh_token", "resource", "scope"})) {
    return responder->respond(token_error(400, "invalid_request", "the parameter " + *dup + " is repeated"));
  }
  // Public clients identify themselves with client_id (auth method none).
  std::string client_id(form->get("client_id").value_or(""));
  if (auto basic = basic_client_id(request)) {
    if (!client_id.empty() && client_id != *basic) {
      return responder->respond(
          token_error(400, "invalid_request", "client_id differs from the Authorization header"));
    }
    client_id = *basic;
  }
  if (client_id.empty())
    return responder->respond(token_error(400, "invalid_request", "client_id is required"));
  if (!clients.open(client_id)) {
    return responder->respond(token_error(401, "invalid_client", "unknown client: register again"));
  }
  const auto grant = form->get("grant_type");
  if (grant == "authorization_code") return code_grant(*form, client_id, responder);
  if (grant == "refresh_token") return refresh_grant(request, *form, client_id, responder);
  if (!grant) return responder->respond(token_error(400, "invalid_request", "grant_type is required"));
  responder->respond(token_error(400, "unsupported_grant_type", "only authorization_code and refresh_token"));
}

void Facade::Impl::code_grant(const form::Fields& form, const std::string& client_id,
                              const ResponderPtr& responder) {
  const auto t = now();
  auto code = blobs.open_code(form.get("code").value_or(""), t);
  if (!code) return responder->respond(token_error(400, "invalid_grant", "the code is invalid or expired"));
  const std::string digest = ClientIds::digest(client_id);
  if (!util::constant_time_equal(code->client, digest)) {
    return responder->respond(token_error(400, "invalid_grant", "the code was issued to another client"));
  }
  if (form.get("redirect_uri") != std::string_view(code->redirect_uri)) {
    return responder->respond(
        token_error(400, "invalid_grant", "redirect_uri does not match the authorization request"));
  }
  const auto verifier = form.get("code_verifier");
  if (!verifier)
    return responder->respond(token_error(400, "invalid_request", "code_verifier is required (PKCE)"));
  if (!valid_pkce_value(*verifier) || !util::constant_time_equal(s256(*verifier), code->code_challenge)) {
    return responder->respond(
        token_error(400, "invalid_grant", "code_verifier does not match the code_challenge"));
  }
  if (auto resource = form.get("resource");
      resource && !code->resource.empty() &&
      normalize_resource(*resource) != normalize_resource(code->resource)) {
    return responder->respond(
        token_error(400, "invalid_target", "resource differs from the authorization request"));
  }
  if (!used_codes.insert(code->jti, code->exp, t)) {
    log.warn("facade code reused", {{"client", digest}});
    return responder->respond(token_error(400, "invalid_grant", "the code has already been used"));
  }
  form::Params params{{"grant_type", "authorization_code"},
                      {"code", code->upstream_code},
                      {"redirect_uri", code->callback},
                      {"code_verifier", std::string(*verifier)}};
  if (config.forward_resource && !code->resource.empty()) params.emplace_back("resource", code->resource);
  exchange(std::move(params), digest, responder);
}

void Facade::Impl::refresh_grant(const http::Request& request, const form::Fields& form,
                                 const std::string& client_id, const ResponderPtr& responder) {
  auto wrapped = blobs.open_refresh(form.get("refresh_token").value_or(""));
  const std::string digest = ClientIds::digest(client_id);
  if (!wrapped || !util::constant_time_equal(wrapped->client, digest)) {
    return responder->respond(token_error(400, "invalid_grant", "the refresh token is invalid"));
  }
  form::Params params{{"grant_type", "refresh_token"}, {"refresh_token", wrapped->token}};
  if (auto scope = form.get("scope")) params.emplace_back("scope", std::string(*scope));
  if (auto resource = form.get("resource"); resource && config.forward_resource) {
    // As at authorize: tokens obtained through this facade are for this MCP
    // server only, also when refreshed.
    const auto theirs = normalize_resource(*resource);
    if (theirs != normalize_resource(public_url.resource(request)) &&
        theirs != normalize_resource(issuer(request))) {
      return responder->respond(token_error(400, "invalid_target", "resource must be this MCP server's URL"));
    }
    params.emplace_back("resource", std::string(*resource));
  }
  exchange(std::move(params), digest, responder);
}

void Facade::Impl::exchange(form::Params params, std::string client_digest, const ResponderPtr& responder) {
  std::weak_ptr<Impl> weak = weak_from_this();
  upstream.get([weak, params = std::move(params), client_digest = std::move(client_digest),
                responder](const UpstreamEndpoints* endpoints) mutable {
    auto self = weak.lock();
    if (!self || endpoints == nullptr) {
      return responder->respond(
          token_error(503, "temporarily_unavailable", "the sign-in service is unreachable"));
    }
    http::ClientRequest request;
    request.method = "POST";
    request.url = endpoints->token_endpoint;
    request.timeout = self->config.upstream_timeout;
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.headers.add("Accept", "application/json");
    params.emplace_back("client_id", self->config.client_id);
    if (!self->config.client_secret.empty()) {
      // RFC 6749 §2.3.1: both parts form-encoded before Basic.
      request.headers.add("Authorization",
                          "Basic " + util::base64_encode(form::encode(self->config.client_id) + ":" +
                                                         form::encode(self->config.client_secret)));
    }
    request.body = form::build(params);
    const std::string grant = params.front().second;
    self->client.send(std::move(request), [weak, client_digest = std::move(client_digest), responder,
                                           grant](http::ClientResult result) {
      auto self = weak.lock();
      if (!self) return responder->respond(token_error(503, "temporarily_unavailable", "shutting down"));
      if (!result) {
        self->log.warn("facade upstream token request failed",
                       {{"grant", grant}, {"reason", result.error()}});
        return responder->respond(
            token_error(503, "temporarily_unavailable", "the sign-in service is unreachable"));
      }
      const Json doc = Json::parse(result->body, nullptr, false);
      if (result->status != 200) {
        const std::string error = doc.is_object() && doc.contains("error") && doc["error"].is_string()
                                      ? doc["error"].get<std::string>()
                                      : std::string();
        if (result->status >= 400 && result->status < 500 && relayable(error)) {
          const auto d = doc.find("error_description");
          std::string description = d != doc.end() && d->is_string() ? d->get<std::string>() : std::string();
          if (description.size() > 300) description.resize(300);
          return responder->respond(token_error(400, error, description));
        }
        self->log.warn("facade upstream token request rejected",
                       {{"grant", grant}, {"status", result->status}, {"error", error}});
        const bool down = result->status >= 500 || result->status == 429;
        return responder->respond(
            down ? token_error(503, "temporarily_unavailable", "the sign-in service is unavailable")
                 : token_error(502, "server_error", "the sign-in service refused the facade"));
      }
      if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string()) {
        self->log.warn("facade upstream token response unusable", {{"grant", grant}});
        return responder->respond(
            token_error(502, "server_error", "unusable answer from the sign-in service"));
      }
      // Relay what an OAuth client needs; the ID token is for the facade's
      // upstream client, not for the MCP client.
      const auto type = doc.find("token_type");
      Json out = {{"access_token", doc["access_token"]},
                  {"token_type", type != doc.end() && type->is_string() ? *type : Json("Bearer")}};
      if (doc.contains("expires_in") && doc["expires_in"].is_number()) out["expires_in"] = doc["expires_in"];
      if (doc.contains("scope") && doc["scope"].is_string()) out["scope"] = doc["scope"];
      if (doc.contains("refresh_token") && doc["refresh_token"].is_string()) {
        out["refresh_token"] =
            self->blobs.seal(WrappedRefresh{doc["refresh_token"].get<std::string>(), client_digest});
      }
      auto response = json_response(200, out);
      response.headers.set("Cache-Control", "no-store");
      response.headers.set("Pragma", "no-cache");
      add_cors(response.headers);
      self->log.info("facade token issued", {{"grant", grant}, {"client", client_digest}});
      responder->respond(std::move(response));
    });
  });
}

}  // namespace mcp::auth
