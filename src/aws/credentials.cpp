#include "aws/credentials.hpp"

#include <fmt/format.h>

#include <mutex>
#include <optional>

#include "aws/credential_sources.hpp"
#include "aws/sts.hpp"
#include "mcp/util/strings.hpp"

namespace aws {

namespace {

using std::chrono::milliseconds;
using SystemClock = std::chrono::system_clock;

// After a failed refresh while the old credentials still work, wait this
// long before asking the source again.
constexpr std::chrono::seconds kRetryAfterFailure{5};

Error error(ErrorKind kind, std::string message) {
  return Error{kind, {}, std::move(message), 0};
}

bool never_expires(const Credentials& c) {
  return c.expiration == SystemClock::time_point{};
}

// Caches what `fetch` returns until `margin` before it expires; one fetch
// at a time; keeps unexpired credentials when a refresh fails.
class CachingProvider final : public CredentialsProvider {
 public:
  using Fetch = std::function<CredentialsResult(const CallContext&, std::string& source)>;

  CachingProvider(Fetch fetch, std::chrono::seconds margin, std::string initial_source)
      : fetch_(std::move(fetch)), margin_(margin), source_(std::move(initial_source)) {}

  CredentialsResult get(const CallContext& call) override {
    if (auto c = fresh()) return std::move(*c);
    // Wait for a fetch already under way, watching the caller's deadline.
    std::unique_lock fetching(fetch_mutex_, std::defer_lock);
    while (!fetching.try_lock_for(milliseconds{20})) {
      if (call.is_cancelled()) return mcp::util::unexpected(error(ErrorKind::kCancelled, "cancelled"));
      if (Clock::now() >= call.deadline) {
        return mcp::util::unexpected(
            error(ErrorKind::kDeadline, "the deadline passed while waiting for credentials"));
      }
    }
    if (auto c = fresh()) return std::move(*c);  // another caller refreshed meanwhile
    std::string source;
    CredentialsResult result = fetch_(call, source);
    std::lock_guard lock(state_mutex_);
    const auto now = SystemClock::now();
    if (result) {
      cached_ = result.value();
      retry_after_ = {};
      if (!source.empty()) source_ = std::move(source);
      return result;
    }
    if (cached_ && (never_expires(*cached_) || now < cached_->expiration)) {
      retry_after_ = now + kRetryAfterFailure;
      return *cached_;
    }
    return result;
  }

  void invalidate() override {
    std::lock_guard lock(state_mutex_);
    cached_.reset();
    retry_after_ = {};
  }

  std::string source() const override {
    std::lock_guard lock(state_mutex_);
    return source_;
  }

 private:
  std::optional<Credentials> fresh() const {
    std::lock_guard lock(state_mutex_);
    if (!cached_) return std::nullopt;
    const auto now = SystemClock::now();
    if (never_expires(*cached_) || now < cached_->expiration - margin_) return cached_;
    if (now < retry_after_ && now < cached_->expiration) return cached_;
    return std::nullopt;
  }

  Fetch fetch_;
  std::chrono::seconds margin_;
  std::timed_mutex fetch_mutex_;
  mutable std::mutex state_mutex_;
  std::optional<Credentials> cached_;
  SystemClock::time_point retry_after_{};
  std::string source_;
};

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : credentials_(std::move(c)) {}
  CredentialsResult get(const CallContext& /*call*/) override { return credentials_; }
  void invalidate() override {}
  std::string source() const override { return "static"; }

 private:
  Credentials credentials_;
};

std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

// One pass over the chain (the files are re-read each time, so edits and
// rotated tokens are picked up on refresh).
CredentialsResult resolve_chain(const ChainOptions& o, const CallContext& call, std::string& source) {
  const EnvLookup& env = o.env;
  std::vector<std::string> looked;

  // 1. Environment keys.
  const auto id = non_empty(env, "AWS_ACCESS_KEY_ID");
  const auto secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (id && secret) {
    source = "environment";
    return Credentials{*id, *secret, env("AWS_SESSION_TOKEN").value_or("")};
  }
  if (id || secret) {
    return mcp::util::unexpected(
        error(ErrorKind::kCredentials, fmt::format("{} is set but {} is not; set both (or neither)",
                                                   id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                                                   id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")));
  }
  looked.emplace_back("environment (AWS_ACCESS_KEY_ID unset)");

  // 2. The shared files.
  const std::string home = o.home_dir.empty() ? env("HOME").value_or("") : o.home_dir;
  const detail::SharedFiles files = detail::load_shared_files(env, home);
  const std::string profile = profile_name(env);
  const bool explicit_profile = non_empty(env, "AWS_PROFILE").has_value();
  const std::string region =
      o.region.empty() ? resolve_region("", env, files.config, profile).value_or("") : o.region;
  const detail::ProfileSettings settings{env, o.transport, files, region, o.process_timeout, o.imds_timeout};
  if (auto r = detail::from_profile(settings, profile, call, source)) return std::move(*r);
  const bool exists = detail::profile_exists(files, profile);
  if (explicit_profile) {
    return mcp::util::unexpected(error(
        ErrorKind::kCredentials,
        exists
            ? fmt::format("AWS_PROFILE={}: the profile has no credentials (no aws_access_key_id, role_arn or "
                          "credential_process)",
                          profile)
            : fmt::format("AWS_PROFILE={}: no such profile in {} or {}", profile, files.config_path,
                          files.credentials_path)));
  }
  looked.push_back(exists ? fmt::format("profile {} (no credentials in it)", profile)
                          : fmt::format("profile {} (not in {} or {})", profile, files.credentials_path,
                                        files.config_path));

  // 3. Web identity from the environment.
  const auto token_file = non_empty(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  const auto role_arn = non_empty(env, "AWS_ROLE_ARN");
  if (token_file && role_arn) {
    source = fmt::format("web identity ({})", *role_arn);
    return detail::from_web_identity(*token_file, *role_arn, env("AWS_ROLE_SESSION_NAME").value_or(""),
                                     region, env, o.transport, call);
  }
  if (token_file || role_arn) {
    return mcp::util::unexpected(error(
        ErrorKind::kCredentials, fmt::format("{} is set but {} is not; web identity needs both",
                                             token_file ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN",
                                             token_file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE")));
  }
  looked.emplace_back("web identity (AWS_WEB_IDENTITY_TOKEN_FILE unset)");

  // 4. The container endpoint.
  if (non_empty(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
      non_empty(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    source = "container";
    return detail::from_container(env, o.transport, call);
  }
  looked.emplace_back("container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI unset)");

  // 5. EC2 instance metadata.
  if (mcp::util::to_lower(env("AWS_EC2_METADATA_DISABLED").value_or("")) == "true") {
    looked.emplace_back("EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)");
  } else {
    auto r = detail::from_imds(env, o.transport, o.imds_timeout, call);
    if (r || r.error().kind != ErrorKind::kTransport) {
      source = "EC2 instance metadata";
      return r;
    }
    looked.push_back(fmt::format("EC2 instance metadata ({})", r.error().message));
  }

  std::string where;
  for (const auto& l : looked) where += (where.empty() ? "" : "; ") + l;
  return mcp::util::unexpected(error(
      ErrorKind::kCredentials,
      fmt::format("No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
                  "naming a profile with credentials, or run with an IAM role (Lambda, ECS, EKS, EC2). "
                  "Looked at: {}",
                  where)));
}

Transport or_unavailable(Transport t) {
  if (t) return t;
  return [](const mcp::http::ClientRequest& /*request*/,
            const CallContext& /*call*/) -> mcp::http::ClientResult {
    return mcp::util::unexpected(std::string("no HTTP transport configured"));
  };
}

}  // namespace

std::shared_ptr<CredentialsProvider> default_chain(ChainOptions options) {
  if (!options.env) options.env = process_environment();
  options.transport = or_unavailable(std::move(options.transport));
  const auto margin = options.refresh_margin;
  auto fetch = [o = std::move(options)](const CallContext& call, std::string& source) {
    return resolve_chain(o, call, source);
  };
  return std::make_shared<CachingProvider>(std::move(fetch), margin, "default chain");
}

std::shared_ptr<CredentialsProvider> assume_role(std::shared_ptr<CredentialsProvider> source,
                                                 AssumeRoleOptions options) {
  if (!options.env) options.env = process_environment();
  options.transport = or_unavailable(std::move(options.transport));
  const auto margin = options.refresh_margin;
  std::string label = fmt::format("assume role {}", options.role_arn);
  auto fetch = [src = std::move(source), o = std::move(options)](
                   const CallContext& call, std::string& /*source*/) -> CredentialsResult {
    if (src == nullptr)
      return mcp::util::unexpected(error(ErrorKind::kConfig, "assume_role: no source credentials"));
    auto base = src->get(call);
    if (!base) return base;
    sts::AssumeRoleParams params;
    params.role_arn = o.role_arn;
    params.session_name = o.session_name;
    params.external_id = o.external_id;
    params.duration = o.duration;
    auto r = sts::assume_role(*base, params, o.region, o.env, o.transport, call);
    // Source credentials that expired under us: drop them so the next try refreshes.
    if (!r && (r.error().code == "ExpiredToken" || r.error().code == "ExpiredTokenException"))
      src->invalidate();
    return r;
  };
  return std::make_shared<CachingProvider>(std::move(fetch), margin, std::move(label));
}

std::shared_ptr<CredentialsProvider> static_provider(Credentials credentials) {
  return std::make_shared<StaticProvider>(std::move(credentials));
}

}  // namespace aws
