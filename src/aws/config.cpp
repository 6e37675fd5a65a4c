#include "aws/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "mcp/util/strings.hpp"

namespace aws {

namespace {

std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

const Profile* find_profile(const Profiles& profiles, std::string_view name) {
  const auto it = profiles.find(std::string(name));
  return it == profiles.end() ? nullptr : &it->second;
}

std::optional<std::string> value_of(const Profile* p, const char* key) {
  if (p == nullptr) return std::nullopt;
  const auto it = p->find(key);
  if (it == p->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<Credentials> keys_in(const Profile* p) {
  auto id = value_of(p, "aws_access_key_id");
  auto secret = value_of(p, "aws_secret_access_key");
  if (!id || !secret) return std::nullopt;
  return Credentials{std::move(*id), std::move(*secret), value_of(p, "aws_session_token").value_or("")};
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe): read-only use
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Profiles parse_profiles(std::string_view text, bool config_file) {
  Profiles out;
  std::string section;
  bool in_section = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    const std::string_view line = mcp::util::trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string_view name = mcp::util::trim(line.substr(1, line.size() - 2));
      in_section = true;
      if (config_file) {
        if (name.starts_with("profile ") || name.starts_with("profile\t")) {
          name = mcp::util::trim(name.substr(8));
        } else if (name != "default") {
          in_section = false;  // [sso-session x], [services x]: not profiles
        }
      }
      section = std::string(name);
      if (in_section) out[section];
      continue;
    }
    if (!in_section || indented) continue;  // nested (e.g. s3 = ...) sub-settings
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = mcp::util::to_lower(mcp::util::trim(line.substr(0, eq)));
    std::string_view value = mcp::util::trim(line.substr(eq + 1));
    // An inline comment needs whitespace before it; a '#' inside a secret stays.
    for (const std::string_view marker : {" #", " ;", "\t#", "\t;"}) {
      if (const auto at = value.find(marker); at != std::string_view::npos)
        value = mcp::util::trim(value.substr(0, at));
    }
    out[section][std::move(key)] = std::string(value);
  }
  return out;
}

std::string profile_name(const EnvLookup& env) {
  return non_empty(env, "AWS_PROFILE").value_or("default");
}

std::optional<std::string> resolve_region(std::string_view explicit_region, const EnvLookup& env,
                                          const Profiles& config, std::string_view profile) {
  if (!explicit_region.empty()) return std::string(explicit_region);
  if (auto r = non_empty(env, "AWS_REGION")) return r;
  if (auto r = non_empty(env, "AWS_DEFAULT_REGION")) return r;
  return value_of(find_profile(config, profile), "region");
}

std::string resolve_endpoint(std::string_view service_id, std::string_view default_url,
                             const EnvLookup& env) {
  if (mcp::util::to_lower(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) == "true")
    return std::string(default_url);
  std::string suffix;
  for (const char c : service_id) {
    suffix += c == ' ' || c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (auto url = non_empty(env, "AWS_ENDPOINT_URL_" + suffix)) return *url;
  if (auto url = non_empty(env, "AWS_ENDPOINT_URL")) return *url;
  return std::string(default_url);
}

std::optional<Credentials> static_credentials(const EnvLookup& env, const Profiles& credentials,
                                              const Profiles& config, std::string_view profile) {
  auto id = non_empty(env, "AWS_ACCESS_KEY_ID");
  auto secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (id && secret)
    return Credentials{std::move(*id), std::move(*secret), env("AWS_SESSION_TOKEN").value_or("")};
  if (auto c = keys_in(find_profile(credentials, profile))) return c;
  return keys_in(find_profile(config, profile));
}

}  // namespace aws
