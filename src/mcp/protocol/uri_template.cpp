#include "mcp/protocol/uri_template.hpp"

namespace mcp::protocol {

std::optional<std::map<std::string, std::string>> match_uri_template(std::string_view tmpl,
                                                                     std::string_view uri) {
  std::map<std::string, std::string> vars;
  std::size_t t = 0;
  std::size_t u = 0;
  while (t < tmpl.size()) {
    if (tmpl[t] != '{') {
      if (u >= uri.size() || uri[u] != tmpl[t]) return std::nullopt;
      ++t;
      ++u;
      continue;
    }
    const auto close = tmpl.find('}', t);
    if (close == std::string_view::npos) return std::nullopt;
    std::string name(tmpl.substr(t + 1, close - t - 1));
    t = close + 1;
    // The variable ends at the next literal character of the template (or at
    // a '/' or the end of the URI).
    const char stop = t < tmpl.size() ? tmpl[t] : '\0';
    std::size_t end = u;
    while (end < uri.size() && uri[end] != '/' && (stop == '\0' || uri[end] != stop)) ++end;
    if (end == u) return std::nullopt;
    vars[name] = std::string(uri.substr(u, end - u));
    u = end;
  }
  if (u != uri.size()) return std::nullopt;
  return vars;
}

}  // namespace mcp::protocol
