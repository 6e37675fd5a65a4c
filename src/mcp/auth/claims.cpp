#include "mcp/auth/claims.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "mcp/auth/public_url.hpp"

namespace mcp::auth {
namespace {

using util::unexpected;

// NumericDates are clamped far inside int64 so that adding the leeway can
// never overflow, whatever a token says.
constexpr std::int64_t kMaxDate = std::int64_t{1} << 52;

// RFC 7519 NumericDate: a JSON number (possibly fractional). Strings and
// booleans are not numbers.
std::optional<std::int64_t> numeric_date(const Json& value) {
  if (value.is_number_unsigned()) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(value.get<std::uint64_t>(), kMaxDate));
  }
  if (value.is_number_integer())
    return std::clamp<std::int64_t>(value.get<std::int64_t>(), -kMaxDate, kMaxDate);
  if (value.is_number_float()) {
    const double d =
        std::clamp(value.get<double>(), -static_cast<double>(kMaxDate), static_cast<double>(kMaxDate));
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

const Json* member(const Json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

const std::string* string_member(const Json& object, const char* name) {
  const Json* value = member(object, name);
  return value != nullptr && value->is_string() ? &value->get_ref<const std::string&>() : nullptr;
}

void split_scopes(const std::string& text, std::vector<std::string>& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    if (end > pos) out.emplace_back(text, pos, end - pos);
    pos = end + 1;
  }
}

// "scope" (RFC 8693/9068: space-separated) or "scp" (string or array).
util::Expected<std::vector<std::string>, std::string> scopes_of(const Json& payload) {
  std::vector<std::string> scopes;
  if (const Json* scope = member(payload, "scope"); scope != nullptr) {
    if (!scope->is_string()) return unexpected(std::string("invalid scope claim"));
    split_scopes(scope->get_ref<const std::string&>(), scopes);
  } else if (const Json* scp = member(payload, "scp"); scp != nullptr) {
    if (scp->is_string()) {
      split_scopes(scp->get_ref<const std::string&>(), scopes);
    } else if (scp->is_array()) {
      for (const Json& s : *scp) {
        if (!s.is_string()) return unexpected(std::string("invalid scp claim"));
        scopes.push_back(s.get<std::string>());
      }
    } else {
      return unexpected(std::string("invalid scp claim"));
    }
  }
  return scopes;
}

std::optional<std::string> check_audience(const Json& payload, const ClaimRules& rules) {
  if (rules.audience_required && rules.audiences.empty()) return "no audience configured";
  const Json* aud = member(payload, "aud");
  if (aud == nullptr) {
    if (rules.audience_required) return "missing aud";
    return std::nullopt;
  }
  std::vector<const std::string*> values;
  if (aud->is_string()) {
    values.push_back(&aud->get_ref<const std::string&>());
  } else if (aud->is_array()) {
    for (const Json& a : *aud) {
      if (!a.is_string()) return "invalid aud";
      values.push_back(&a.get_ref<const std::string&>());
    }
  } else {
    return "invalid aud";
  }
  // Without configured audiences (Cognito, whose access tokens have none)
  // there is nothing to compare a present aud with.
  if (rules.audiences.empty()) return std::nullopt;
  std::vector<std::string> accepted;
  accepted.reserve(rules.audiences.size());
  for (const auto& a : rules.audiences) accepted.push_back(normalize_resource(a));
  for (const std::string* value : values) {
    if (std::find(accepted.begin(), accepted.end(), normalize_resource(*value)) != accepted.end()) {
      return std::nullopt;
    }
  }
  return "audience mismatch";
}

}  // namespace

util::Expected<AuthInfo, std::string> check_claims(const Json& payload, const ClaimRules& rules,
                                                   std::int64_t now_unix) {
  if (!payload.is_object()) return unexpected(std::string("claims are not an object"));
  const std::int64_t leeway = std::clamp<std::int64_t>(rules.leeway.count(), 0, kMaxDate);
  const std::int64_t now = std::clamp(now_unix, -kMaxDate, kMaxDate);

  const Json* exp_claim = member(payload, "exp");
  if (exp_claim == nullptr) return unexpected(std::string("missing exp"));
  auto exp = numeric_date(*exp_claim);
  if (!exp) return unexpected(std::string("invalid exp"));
  if (now > *exp + leeway) return unexpected(std::string("token expired"));
  if (const Json* nbf_claim = member(payload, "nbf"); nbf_claim != nullptr) {
    auto nbf = numeric_date(*nbf_claim);
    if (!nbf) return unexpected(std::string("invalid nbf"));
    if (now + leeway < *nbf) return unexpected(std::string("token not yet valid"));
  }
  if (const Json* iat_claim = member(payload, "iat"); iat_claim != nullptr) {
    auto iat = numeric_date(*iat_claim);
    if (!iat) return unexpected(std::string("invalid iat"));
    if (*iat > now + leeway) return unexpected(std::string("token issued in the future"));
  }

  if (rules.issuer.empty()) return unexpected(std::string("no issuer configured"));
  const std::string* iss = string_member(payload, "iss");
  if (iss == nullptr || *iss != rules.issuer) return unexpected(std::string("issuer mismatch"));

  const std::string* sub = string_member(payload, "sub");
  if (sub == nullptr || sub->empty()) return unexpected(std::string("missing sub"));

  const std::string* client_id = string_member(payload, "client_id");
  if (rules.cognito) {
    // Cognito ID tokens are signed by the same keys and carry token_use=id.
    const std::string* token_use = string_member(payload, "token_use");
    if (token_use == nullptr || *token_use != "access") return unexpected(std::string("not an access token"));
    if (client_id == nullptr || client_id->empty()) return unexpected(std::string("missing client_id"));
    if (std::find(rules.allowed_client_ids.begin(), rules.allowed_client_ids.end(), *client_id) ==
        rules.allowed_client_ids.end()) {
      return unexpected(std::string("client_id not allowed"));
    }
  }
  if (auto problem = check_audience(payload, rules)) return unexpected(std::move(*problem));

  auto scopes = scopes_of(payload);
  if (!scopes) return unexpected(std::move(scopes.error()));

  AuthInfo info;
  info.subject = *sub;
  if (client_id == nullptr) client_id = string_member(payload, "azp");
  if (client_id != nullptr) info.client_id = *client_id;
  info.scopes = std::move(*scopes);
  info.expires_at = *exp;
  info.claims = payload;
  return info;
}

}  // namespace mcp::auth
