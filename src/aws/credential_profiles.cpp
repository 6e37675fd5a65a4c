// Credentials from a named profile of the shared files, following role
// chains (role_arn + source_profile, possibly several deep) with cycle
// detection.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "aws/credential_sources.hpp"
#include "aws/sts.hpp"

namespace aws::detail {

namespace {

constexpr std::size_t kMaxFileBytes = std::size_t{4} << 20;

Error error(ErrorKind kind, std::string message) {
  return Error{kind, {}, std::move(message), 0};
}

std::string expand_home(std::string path, const std::string& home) {
  if (path == "~" || path.starts_with("~/")) path = home + path.substr(1);
  return path;
}

Profiles read_profiles(const std::string& path, bool config_file) {
  std::string why;
  const auto text = read_small_file(path, kMaxFileBytes, why);
  return text ? parse_profiles(*text, config_file) : Profiles{};
}

std::string value(const Profile& p, const char* key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string() : it->second;
}

std::optional<Credentials> static_keys(const Profile& p) {
  Credentials c{value(p, "aws_access_key_id"), value(p, "aws_secret_access_key"),
                value(p, "aws_session_token")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
  return c;
}

class Resolver {
 public:
  Resolver(const ProfileSettings& settings, const CallContext& call) : s_(settings), call_(call) {}

  std::optional<CredentialsResult> resolve(const std::string& name, std::string& source) {
    if (std::find(path_.begin(), path_.end(), name) != path_.end()) {
      std::string loop;
      for (const auto& p : path_) loop += p + " -> ";
      return fail(ErrorKind::kConfig, fmt::format("the profile chain loops: {}{}", loop, name));
    }
    path_.push_back(name);
    const Profile p = merged(name);
    if (!value(p, "role_arn").empty()) return role(name, p, source);
    if (auto keys = static_keys(p)) {
      source = fmt::format("profile {}", name);
      return CredentialsResult(std::move(*keys));
    }
    if (const std::string command = value(p, "credential_process"); !command.empty()) {
      source = fmt::format("profile {} (credential_process)", name);
      return from_process(command, s_.process_timeout, call_);
    }
    if (!value(p, "sso_session").empty() || !value(p, "sso_start_url").empty() ||
        !value(p, "login_session").empty()) {
      return fail(
          ErrorKind::kCredentials,
          fmt::format("profile {} signs in through AWS IAM Identity Center / console login, whose token "
                      "cache this server does not read. Put `credential_process = aws configure "
                      "export-credentials --profile {} --format process` in another profile and use that "
                      "one, or export the keys (aws configure export-credentials --format env)",
                      name, name));
    }
    if (!value(p, "web_identity_token_file").empty())
      return fail(ErrorKind::kConfig,
                  fmt::format("profile {} sets web_identity_token_file without role_arn", name));
    return std::nullopt;
  }

 private:
  static CredentialsResult fail(ErrorKind kind, std::string message) {
    return mcp::util::unexpected(error(kind, std::move(message)));
  }

  Profile merged(const std::string& name) const {
    Profile out;
    if (const auto it = s_.files.config.find(name); it != s_.files.config.end()) out = it->second;
    if (const auto it = s_.files.credentials.find(name); it != s_.files.credentials.end()) {
      for (const auto& [k, v] : it->second) out[k] = v;  // the credentials file wins
    }
    return out;
  }

  CredentialsResult role(const std::string& name, const Profile& p, std::string& source) {
    const std::string role_arn = value(p, "role_arn");
    const std::string source_profile = value(p, "source_profile");
    const std::string credential_source = value(p, "credential_source");
    const std::string token_file = value(p, "web_identity_token_file");
    std::string session = value(p, "role_session_name");
    if (session.empty()) session = default_session_name();
    std::chrono::seconds duration{3600};
    if (const std::string d = value(p, "duration_seconds"); !d.empty()) {
      long long secs = 0;
      const auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), secs);
      if (ec != std::errc{} || end != d.data() + d.size() || secs < 900 || secs > 43200) {
        return fail(ErrorKind::kConfig,
                    fmt::format("profile {}: duration_seconds must be a number from 900 to 43200", name));
      }
      duration = std::chrono::seconds{secs};
    }

    if (!token_file.empty()) {
      source = fmt::format("profile {} (web identity {})", name, role_arn);
      return from_web_identity(token_file, role_arn, session, s_.region, s_.env, s_.transport, call_);
    }
    if (!source_profile.empty() && !credential_source.empty()) {
      return fail(ErrorKind::kConfig,
                  fmt::format("profile {} sets both source_profile and credential_source; keep one", name));
    }
    Credentials base;
    if (!source_profile.empty()) {
      if (source_profile == name) {
        // A profile may use its own keys to assume its role.
        auto keys = static_keys(p);
        if (!keys) {
          return fail(ErrorKind::kConfig,
                      fmt::format("profile {} is its own source_profile but has no access keys", name));
        }
        base = std::move(*keys);
      } else {
        if (!profile_exists(s_.files, source_profile)) {
          return fail(ErrorKind::kConfig,
                      fmt::format("profile {}: source_profile {} does not exist in {} or {}", name,
                                  source_profile, s_.files.config_path, s_.files.credentials_path));
        }
        std::string inner;
        auto r = resolve(source_profile, inner);
        if (!r) {
          return fail(ErrorKind::kConfig,
                      fmt::format("profile {}: source_profile {} has no credentials", name, source_profile));
        }
        if (!*r) return std::move(*r);
        base = std::move(r->value());
      }
    } else if (!credential_source.empty()) {
      auto r = from_credential_source(name, credential_source);
      if (!r) return r;
      base = std::move(r.value());
    } else {
      return fail(ErrorKind::kConfig,
                  fmt::format("profile {} sets role_arn but none of source_profile, credential_source or "
                              "web_identity_token_file",
                              name));
    }
    sts::AssumeRoleParams params;
    params.role_arn = role_arn;
    params.session_name = session;
    params.external_id = value(p, "external_id");
    params.duration = duration;
    source = fmt::format("profile {} (assume role {})", name, role_arn);
    return sts::assume_role(base, params, s_.region, s_.env, s_.transport, call_);
  }

  CredentialsResult from_credential_source(const std::string& name, const std::string& kind) {
    if (kind == "Environment") {
      const auto id = s_.env("AWS_ACCESS_KEY_ID").value_or("");
      const auto secret = s_.env("AWS_SECRET_ACCESS_KEY").value_or("");
      if (id.empty() || secret.empty()) {
        return fail(ErrorKind::kCredentials,
                    fmt::format("profile {}: credential_source = Environment, but AWS_ACCESS_KEY_ID / "
                                "AWS_SECRET_ACCESS_KEY are not set",
                                name));
      }
      return Credentials{id, secret, s_.env("AWS_SESSION_TOKEN").value_or("")};
    }
    if (kind == "EcsContainer") return from_container(s_.env, s_.transport, call_);
    if (kind == "Ec2InstanceMetadata") return from_imds(s_.env, s_.transport, s_.imds_timeout, call_);
    return fail(
        ErrorKind::kConfig,
        fmt::format("profile {}: unknown credential_source \"{}\" (expected Environment, EcsContainer or "
                    "Ec2InstanceMetadata)",
                    name, kind));
  }

  const ProfileSettings& s_;
  const CallContext& call_;
  std::vector<std::string> path_;  // profiles on the current chain
};

}  // namespace

SharedFiles load_shared_files(const EnvLookup& env, const std::string& home) {
  SharedFiles f;
  const auto pick = [&](const char* var, const char* fallback) {
    auto v = env(var);
    return expand_home(v && !v->empty() ? *v : home + fallback, home);
  };
  f.config_path = pick("AWS_CONFIG_FILE", "/.aws/config");
  f.credentials_path = pick("AWS_SHARED_CREDENTIALS_FILE", "/.aws/credentials");
  f.config = read_profiles(f.config_path, true);
  f.credentials = read_profiles(f.credentials_path, false);
  return f;
}

bool profile_exists(const SharedFiles& files, const std::string& name) {
  return files.config.count(name) != 0 || files.credentials.count(name) != 0;
}

std::optional<CredentialsResult> from_profile(const ProfileSettings& settings, const std::string& name,
                                              const CallContext& call, std::string& source) {
  Resolver resolver(settings, call);
  return resolver.resolve(name, source);
}

}  // namespace aws::detail
