#pragma once
// Which scope an authorization request asks for (MCP "Scope Selection
// Strategy"): the challenged scope, else the resource's scopes_supported,
// else none; the union with earlier requests when stepping up; and
// offline_access only where the authorization server lists it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::auth::oauth {

inline constexpr std::string_view kOfflineAccess = "offline_access";

struct ScopeInputs {
  std::optional<std::string> challenged;     // scope="..." of the current challenge
  std::vector<std::string> resource_scopes;  // PRM scopes_supported
  std::vector<std::string> server_scopes;    // AS scopes_supported
  std::string previously_requested;          // for step-up
  bool step_up = false;                      // 403 insufficient_scope
  bool want_refresh_token = true;
};

// Space-separated scope; empty means "omit the parameter".
std::string select_scope(const ScopeInputs& in);

// The scopes of `a` followed by those of `b` not in `a`.
std::string scope_union(std::string_view a, std::string_view b);
bool scope_contains(std::string_view scope, std::string_view item);

}  // namespace mcp::auth::oauth
