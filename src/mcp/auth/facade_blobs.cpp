#include "mcp/auth/facade_blobs.hpp"

#include <nlohmann/json.hpp>

namespace mcp::auth {

namespace {

using Json = nlohmann::json;

// Upper bound for anything we are asked to open: an upstream refresh token
// (Cognito's are ~1.8 KB) plus overhead, with room to spare.
constexpr std::size_t kMaxSealed = 8192;

std::optional<Json> open_json(const util::SealedBox& box, std::string_view text) {
  if (text.empty() || text.size() > kMaxSealed) return std::nullopt;
  auto plain = box.open(text);
  if (!plain) return std::nullopt;
  Json doc = Json::parse(*plain, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return doc;
}

}  // namespace

FacadeBlobs::FacadeBlobs(std::string_view secret)
    : transactions_(secret, "mcp-facade-transaction-v1"),
      codes_(secret, "mcp-facade-code-v1"),
      refresh_(secret, "mcp-facade-refresh-v1") {}

std::string FacadeBlobs::seal(const Transaction& t) const {
  Json doc = {
      {"c", t.client}, {"r", t.redirect_uri}, {"p", t.code_challenge}, {"b", t.callback}, {"e", t.exp}};
  if (!t.state.empty()) doc["s"] = t.state;
  if (!t.resource.empty()) doc["rs"] = t.resource;
  if (!t.scope.empty()) doc["sc"] = t.scope;
  if (!t.consent.empty()) doc["k"] = t.consent;
  if (!t.browser.empty()) doc["w"] = t.browser;
  return transactions_.seal(doc.dump());
}

std::string FacadeBlobs::seal(const FacadeCode& c) const {
  Json doc = {{"u", c.upstream_code}, {"c", c.client}, {"r", c.redirect_uri}, {"p", c.code_challenge},
              {"b", c.callback},      {"j", c.jti},    {"e", c.exp}};
  if (!c.resource.empty()) doc["rs"] = c.resource;
  return codes_.seal(doc.dump());
}

std::string FacadeBlobs::seal(const WrappedRefresh& r) const {
  return refresh_.seal(Json{{"t", r.token}, {"c", r.client}}.dump());
}

std::optional<Transaction> FacadeBlobs::open_transaction(std::string_view text, std::int64_t now) const {
  auto doc = open_json(transactions_, text);
  if (!doc) return std::nullopt;
  try {
    Transaction t;
    t.client = doc->at("c").get<std::string>();
    t.redirect_uri = doc->at("r").get<std::string>();
    t.code_challenge = doc->at("p").get<std::string>();
    t.callback = doc->at("b").get<std::string>();
    t.exp = doc->at("e").get<std::int64_t>();
    t.state = doc->value("s", std::string());
    t.resource = doc->value("rs", std::string());
    t.scope = doc->value("sc", std::string());
    t.consent = doc->value("k", std::string());
    t.browser = doc->value("w", std::string());
    if (now >= t.exp) return std::nullopt;
    return t;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

std::optional<FacadeCode> FacadeBlobs::open_code(std::string_view text, std::int64_t now) const {
  auto doc = open_json(codes_, text);
  if (!doc) return std::nullopt;
  try {
    FacadeCode c;
    c.upstream_code = doc->at("u").get<std::string>();
    c.client = doc->at("c").get<std::string>();
    c.redirect_uri = doc->at("r").get<std::string>();
    c.code_challenge = doc->at("p").get<std::string>();
    c.callback = doc->at("b").get<std::string>();
    c.jti = doc->at("j").get<std::string>();
    c.exp = doc->at("e").get<std::int64_t>();
    c.resource = doc->value("rs", std::string());
    if (now >= c.exp) return std::nullopt;
    return c;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

std::optional<WrappedRefresh> FacadeBlobs::open_refresh(std::string_view text) const {
  auto doc = open_json(refresh_, text);
  if (!doc) return std::nullopt;
  try {
    return WrappedRefresh{doc->at("t").get<std::string>(), doc->at("c").get<std::string>()};
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

}  // namespace mcp::auth
