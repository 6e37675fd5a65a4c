#include "mcp/auth/oauth_resource_metadata.hpp"

#include <fmt/format.h>

#include "mcp/auth/public_url.hpp"

namespace mcp::auth::oauth {

namespace {

constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";

std::string effective_port(const ParsedUrl& u) {
  if (!u.port.empty()) return u.port;
  return u.scheme == "https" ? "443" : "80";
}

std::string trimmed_path(std::string path) {
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

std::string_view strip_query(std::string_view url) {
  return url.substr(0, url.find_first_of("?#"));
}

std::vector<std::string> protected_resource_metadata_urls(std::string_view mcp_url) {
  auto parsed = parse_url(strip_query(mcp_url));
  if (!parsed) return {};
  std::vector<std::string> out;
  const std::string path = trimmed_path(parsed->path);
  if (!path.empty()) out.push_back(parsed->origin() + std::string(kWellKnown) + path);
  out.push_back(parsed->origin() + std::string(kWellKnown));
  return out;
}

util::Expected<ProtectedResourceMetadata, std::string> parse_protected_resource_metadata(
    const Json& doc, std::string_view url) {
  ProtectedResourceMetadata out;
  out.url = std::string(url);
  auto resource = string_member(doc, "resource");
  auto servers = string_list_member(doc, "authorization_servers");
  auto scopes = string_list_member(doc, "scopes_supported");
  if (!resource)
    return util::unexpected(fmt::format("protected resource metadata at {}: {}", url, resource.error()));
  if (!servers)
    return util::unexpected(fmt::format("protected resource metadata at {}: {}", url, servers.error()));
  if (!scopes)
    return util::unexpected(fmt::format("protected resource metadata at {}: {}", url, scopes.error()));
  out.resource = std::move(*resource);
  out.authorization_servers = std::move(*servers);
  out.scopes_supported = std::move(*scopes);
  if (out.resource.empty()) {
    return util::unexpected(fmt::format("protected resource metadata at {} has no \"resource\"", url));
  }
  if (out.authorization_servers.empty()) {
    return util::unexpected(
        fmt::format("protected resource metadata at {} lists no authorization_servers", url));
  }
  return out;
}

util::Expected<std::optional<ProtectedResourceMetadata>, std::string> discover_protected_resource(
    const OAuthHttp& http, std::string_view mcp_url, std::string_view resource_metadata_url) {
  std::vector<std::string> urls;
  const bool advertised = !resource_metadata_url.empty();
  if (advertised) {
    // The server under test chose this URL; it gets the same scrutiny as an
    // authorization server's endpoints.
    if (auto ok = check_endpoint_url(resource_metadata_url, "resource_metadata"); !ok) {
      return util::unexpected(std::move(ok.error()));
    }
    urls.emplace_back(resource_metadata_url);
  } else {
    urls = protected_resource_metadata_urls(mcp_url);
    if (urls.empty()) return util::unexpected(fmt::format("cannot parse the MCP URL {}", mcp_url));
  }
  for (const auto& url : urls) {
    http::ClientRequest req;
    req.url = url;
    req.headers.add("Accept", "application/json");
    auto res = http.send(std::move(req));
    if (!res) return util::unexpected(std::move(res.error()));
    if (res->status >= 200 && res->status < 300) {
      auto doc = json_object_body(*res, url);
      if (!doc) return util::unexpected(std::move(doc.error()));
      auto prm = parse_protected_resource_metadata(*doc, url);
      if (!prm) return util::unexpected(std::move(prm.error()));
      return std::optional<ProtectedResourceMetadata>(std::move(*prm));
    }
    if (advertised || res->status < 400 || res->status >= 500) {
      return util::unexpected(fmt::format("protected resource metadata at {}: HTTP {}", url, res->status));
    }
  }
  return std::optional<ProtectedResourceMetadata>();
}

bool resource_matches(std::string_view resource, std::string_view mcp_url) {
  if (resource.find('#') != std::string_view::npos) return false;
  auto r = parse_url(strip_query(resource));
  auto m = parse_url(strip_query(mcp_url));
  if (!r || !m) return false;
  if (r->scheme != m->scheme || r->host != m->host || effective_port(*r) != effective_port(*m)) return false;
  const std::string rp = trimmed_path(r->path);
  const std::string mp = trimmed_path(m->path);
  if (rp.empty() || rp == mp) return true;
  return mp.size() > rp.size() && mp.compare(0, rp.size(), rp) == 0 && mp[rp.size()] == '/';
}

std::string canonical_resource(std::string_view mcp_url) {
  auto parsed = parse_url(strip_query(mcp_url));
  if (!parsed) return std::string(strip_query(mcp_url));
  return parsed->origin() + parsed->path;
}

}  // namespace mcp::auth::oauth
