#include "mcp/auth/oauth_scope.hpp"

#include <algorithm>

#include "mcp/util/strings.hpp"

namespace mcp::auth::oauth {

bool scope_contains(std::string_view scope, std::string_view item) {
  const auto items = util::split_trimmed(scope, ' ');
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::string scope_union(std::string_view a, std::string_view b) {
  std::vector<std::string> out = util::split_list(a, ' ');
  for (auto& item : util::split_list(b, ' ')) {
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(std::move(item));
  }
  return util::join(out, ' ');
}

std::string select_scope(const ScopeInputs& in) {
  std::string scope;
  if (in.challenged && !util::trim(*in.challenged).empty()) {
    scope = scope_union("", *in.challenged);
  } else if (!in.resource_scopes.empty()) {
    scope = util::join(in.resource_scopes, ' ');
  }
  if (in.step_up) scope = scope_union(in.previously_requested, scope);
  // Asking only for offline_access would turn "no scope defined" into a
  // request the server never suggested, so it rides along with real scopes.
  const bool offered =
      std::find(in.server_scopes.begin(), in.server_scopes.end(), kOfflineAccess) != in.server_scopes.end();
  if (in.want_refresh_token && offered && !scope.empty() && !scope_contains(scope, kOfflineAccess)) {
    scope += ' ';
    scope += kOfflineAccess;
  }
  return scope;
}

}  // namespace mcp::auth::oauth
