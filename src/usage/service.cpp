#include "usage/service.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "aws/cost_explorer.hpp"
#include "aws/rate_limiter.hpp"
#include "usage/cloudwatch_source.hpp"
#include "usage/demo_dataset.hpp"
#include "usage/file_source.hpp"
#include "usage/insights_source.hpp"
#include "usage/record_parser.hpp"

namespace usage {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::size_t kMaxTopN = 10'000;

ServiceError invalid(std::string message) {
  return ServiceError{
      .message = std::move(message), .invalid_argument = true, .kind = aws::ErrorKind::kConfig};
}

ServiceError from_aws(aws::Error e) {
  return ServiceError{.message = std::move(e.message), .kind = e.kind};
}

// Names the log group and region, which AWS's "does not exist" leaves out.
ServiceError from_logs(aws::Error e, const ReportQuery& q) {
  if (e.kind == aws::ErrorKind::kNotFound) {
    e.message = "Log group '" + q.log_group + "' not found in region " + q.region + " (" + e.message +
                "); list_bedrock_log_groups shows the groups there";
  }
  return from_aws(std::move(e));
}

bool is_account_id(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A region name of any partition: us-east-1, eu-central-2, us-gov-west-1,
// cn-north-1, us-isob-east-1. Strict, because it becomes part of a host name
// (logs.<region>.amazonaws.com) that receives signed requests.
bool is_region_name(std::string_view s) {
  const auto letters = [](std::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  };
  std::vector<std::string_view> parts;
  for (std::size_t from = 0;;) {
    const auto dash = s.find('-', from);
    parts.push_back(s.substr(from, dash == std::string_view::npos ? std::string_view::npos : dash - from));
    if (dash == std::string_view::npos) break;
    from = dash + 1;
  }
  if (parts.size() < 3 || parts.size() > 4 || parts[0].size() != 2 || !letters(parts[0])) return false;
  if (parts.size() == 4 && parts[1] != "gov" && parts[1] != "iso" && parts[1] != "isob" && parts[1] != "isof")
    return false;
  const std::string_view area = parts[parts.size() - 2];
  const std::string_view number = parts.back();
  return letters(area) && area.size() <= 12 && !number.empty() && number.size() <= 2 &&
         std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_log_group_name(std::string_view s) {
  // CloudWatch: 1-512 of [.-_/#A-Za-z0-9]; an ARN is accepted as identifier.
  if (s.starts_with("arn:")) return s.size() <= 2048;
  if (s.empty() || s.size() > 512) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == '/' || c == '#';
  });
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The account of an IAM role ARN (arn:aws:iam::123456789012:role/name).
std::string account_of_role(std::string_view arn) {
  const auto parts_start = arn.find("::");
  if (!arn.starts_with("arn:") || parts_start == std::string_view::npos) return {};
  const auto account = arn.substr(parts_start + 2, 12);
  return is_account_id(account) ? std::string(account) : std::string();
}

}  // namespace

struct UsageService::State {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<aws::RateLimiter>> limiters;                // per region
  std::map<std::string, std::shared_ptr<aws::CredentialsProvider>> role_providers;  // per role ARN
  // The demo dataset, regenerated when the UTC day changes.
  std::int64_t demo_day = -1;
  std::shared_ptr<const std::string> demo_data;  // padded for the parser
  std::size_t demo_size = 0;
  // Log group names for completion: region -> (fetched at, names).
  std::map<std::string, std::pair<aws::Clock::time_point, std::vector<std::string>>> group_cache;
  std::set<std::string> refreshing;  // regions with a refresh queued or running
};

const std::vector<std::string>& bedrock_regions() {
  static const std::vector<std::string> kRegions = {
      "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",   "ap-south-2",   "ap-southeast-1",
      "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ca-central-1", "eu-central-1", "eu-central-2",
      "eu-north-1",     "eu-south-1",     "eu-south-2",     "eu-west-1",    "eu-west-2",    "eu-west-3",
      "il-central-1",   "me-central-1",   "sa-east-1",      "us-east-1",    "us-east-2",    "us-gov-east-1",
      "us-gov-west-1",  "us-west-1",      "us-west-2"};
  return kRegions;
}

UsageService::UsageService(ServiceOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {}

UsageService::~UsageService() = default;

ServiceResult<ReportQuery> UsageService::resolve(const ReportRequest& request,
                                                 std::chrono::system_clock::time_point now) const {
  ReportQuery q;
  q.region = request.region.empty() ? options_.default_region : request.region;
  if (!is_region_name(q.region)) return mcp::util::unexpected(invalid("invalid region '" + q.region + "'"));
  q.log_group = request.log_group.empty() ? options_.default_log_group : request.log_group;
  if (!is_log_group_name(q.log_group))
    return mcp::util::unexpected(invalid("invalid log group name '" + q.log_group + "'"));
  q.source = request.source.empty() ? options_.default_source : request.source;
  if (q.source != "auto" && q.source != "cloudwatch" && q.source != "insights" && q.source != "demo" &&
      !q.source.starts_with("file:")) {
    return mcp::util::unexpected(
        invalid("unknown source '" + q.source + "' (use auto, cloudwatch, insights, demo or file:<path>)"));
  }
  if (q.source.starts_with("file:") && q.source.size() == 5)
    return mcp::util::unexpected(invalid("source file: needs a path, e.g. file:/data/bedrock-logs"));
  if (!request.account_id.empty() && !is_account_id(request.account_id))
    return mcp::util::unexpected(
        invalid("aws_account_id must be 12 digits (got '" + request.account_id + "')"));
  q.account_id = request.account_id;
  q.include_cost = request.include_cost;
  if (request.top_n > kMaxTopN)
    return mcp::util::unexpected(invalid("top_n must be at most " + std::to_string(kMaxTopN)));
  q.top_n = request.top_n;

  const std::int64_t now_ms = epoch_ms(now);
  const std::int64_t today = day_of_epoch_ms(now_ms);
  if (!request.start.empty() || !request.end.empty()) {
    std::int64_t end_day = today;
    if (!request.end.empty() && !parse_day(request.end, end_day))
      return mcp::util::unexpected(invalid("end must be a date YYYY-MM-DD (got '" + request.end + "')"));
    std::int64_t start_day = 0;
    if (request.start.empty()) {
      start_day = end_day - (request.days.value_or(1) - 1);
    } else if (!parse_day(request.start, start_day)) {
      return mcp::util::unexpected(invalid("start must be a date YYYY-MM-DD (got '" + request.start + "')"));
    }
    if (start_day > end_day)
      return mcp::util::unexpected(
          invalid("start (" + format_day(start_day) + ") is after end (" + format_day(end_day) + ")"));
    if (end_day > today + 1)
      return mcp::util::unexpected(invalid("end (" + format_day(end_day) + ") is in the future"));
    if (end_day - start_day + 1 > options_.max_days) {
      return mcp::util::unexpected(
          invalid("the window is longer than the limit of " + std::to_string(options_.max_days) + " days"));
    }
    q.days = 0;
    q.start_day = start_day;
    q.end_day = end_day;
    q.start_ms = start_day * kDayMs;
    q.end_ms = (end_day + 1) * kDayMs;
  } else {
    const int days = request.days.value_or(1);
    if (days < 1 || days > options_.max_days) {
      return mcp::util::unexpected(invalid("days must be between 1 and " + std::to_string(options_.max_days) +
                                           " (got " + std::to_string(days) + ")"));
    }
    // The seed's rolling window: N x 24 h ending now.
    q.days = days;
    q.end_ms = now_ms;
    q.start_ms = now_ms - days * kDayMs;
    q.start_day = day_of_epoch_ms(q.start_ms);
    q.end_day = today;
  }
  return q;
}

ServiceResult<Report> UsageService::build_report(const ReportQuery& query, const aws::CallContext& call,
                                                 const ProgressFn& progress) const {
  Report report;
  report.query = query;
  const std::string& source = query.source;

  if (source == "demo") {
    report.source_used = "demo";
    std::shared_ptr<const std::string> data;
    std::size_t size = 0;
    {
      std::lock_guard lock(state_->mutex);
      const std::int64_t today = day_of_epoch_ms(epoch_ms(std::chrono::system_clock::now()));
      if (state_->demo_day != today) {
        auto text = std::make_shared<std::string>(demo_dataset(today));
        state_->demo_size = text->size();
        text->append(record_padding(), ' ');
        state_->demo_data = std::move(text);
        state_->demo_day = today;
      }
      data = state_->demo_data;
      size = state_->demo_size;
    }
    report.aggregate = aggregate_buffer_parallel(
        std::string_view(data->data(), size), query.start_ms, query.end_ms,
        options_.file_threads == 0 ? std::thread::hardware_concurrency() : options_.file_threads);
    report.notes.push_back("Demo data: a generated sample dataset, not your AWS account.");
  } else if (source.starts_with("file:")) {
    std::string path = source.substr(5);
    if (!options_.allow_any_file) {
      if (options_.data_dir.empty()) {
        return mcp::util::unexpected(
            invalid("file sources are disabled on this server (start it with --data-dir to allow them)"));
      }
      std::error_code ec;
      const auto base = std::filesystem::weakly_canonical(options_.data_dir, ec);
      const auto wanted =
          std::filesystem::weakly_canonical(std::filesystem::path(options_.data_dir) / path, ec);
      const auto rel = wanted.lexically_relative(base);
      if (ec || rel.empty() || *rel.begin() == "..") {
        return mcp::util::unexpected(
            invalid("file source paths must lie inside the server's data directory"));
      }
      path = wanted.string();
    }
    FileScanOptions scan;
    scan.path = path;
    scan.start_ms = query.start_ms;
    scan.end_ms = query.end_ms;
    scan.threads = options_.file_threads == 0 ? std::thread::hardware_concurrency() : options_.file_threads;
    auto scanned = scan_files(scan, call.cancelled, [&](std::uint64_t done, std::uint64_t total) {
      if (progress)
        progress(Progress{.done = done, .total = total, .bytes = done, .message = "reading files"});
    });
    if (!scanned) return mcp::util::unexpected(ServiceError{.message = scanned.error()});
    report.aggregate = std::move(*scanned);
    report.source_used = "file";
  } else {
    auto credentials = credentials_for(query.account_id);
    if (!credentials) return mcp::util::unexpected(credentials.error());
    const aws::JsonClient logs = logs_client(query.region, *credentials);
    bool done = false;
    if (source == "insights" || source == "auto") {
      InsightsOptions io{.log_group = query.log_group,
                         .start_ms = query.start_ms,
                         .end_ms = query.end_ms,
                         .poll_interval = options_.insights_poll,
                         .timeout = options_.insights_timeout};
      auto result = run_insights_query(logs, io, call, progress);
      if (result && (result->complete || source == "insights")) {
        report.aggregate = std::move(result->aggregate);
        report.source_used = "insights";
        if (!result->complete) {
          report.notes.push_back(
              "Logs Insights could not read the token counts of " +
              std::to_string(result->records_missing_tokens) +
              " records (it extracts at most 200 fields per event; logged bodies push the counts out)" +
              (result->row_limit_hit ? ", and its 10,000-row limit was reached" : "") +
              ": the figures are too low. Use source=cloudwatch for exact figures.");
        }
        done = true;
      } else if (result) {
        report.notes.push_back(
            result->row_limit_hit
                ? "Logs Insights reached its 10,000-row limit; used FilterLogEvents for exact figures."
                : "Logs Insights could not read the token counts of " +
                      std::to_string(result->records_missing_tokens) +
                      " records (200-field limit); used FilterLogEvents for exact figures.");
      } else if (source == "insights" || result.error().kind == aws::ErrorKind::kNotFound ||
                 result.error().kind == aws::ErrorKind::kCancelled ||
                 result.error().kind == aws::ErrorKind::kCredentials) {
        return mcp::util::unexpected(from_logs(std::move(result.error()), query));
      } else {
        report.notes.push_back("Logs Insights was not usable (" + result.error().message +
                               "); used FilterLogEvents.");
      }
    }
    if (!done) {
      // Enough chains in flight to use the request rate (Little's law, with
      // ~0.3 s per page for latency, transfer and parsing), and no more: each
      // chain costs an extra, partly filled page.
      const double in_flight = std::ceil(options_.logs_tps * 0.3);
      const auto chains = static_cast<unsigned>(
          std::clamp(in_flight, 1.0, static_cast<double>(std::max(1U, options_.fetch_concurrency))));
      FilterOptions fo{.log_group = query.log_group,
                       .start_ms = query.start_ms,
                       .end_ms = query.end_ms,
                       .concurrency = chains,
                       .max_pages = options_.max_pages,
                       .max_events = options_.max_events};
      auto fetched = fetch_filter_log_events(logs, fo, call, progress);
      if (!fetched) return mcp::util::unexpected(from_logs(std::move(fetched.error()), query));
      report.aggregate = std::move(*fetched);
      report.source_used = "cloudwatch";
    }
  }

  report.estimate = estimate_cost(report.aggregate, options_.prices);
  if (query.include_cost) {
    if (source == "demo" || source.starts_with("file:")) {
      report.notes.push_back(
          "Billed spend comes from Cost Explorer and needs an AWS account; only the estimate "
          "is shown for this source.");
    } else {
      auto billed = spend(query.start_day, query.end_day, query.account_id, call);
      if (billed) {
        report.billed = std::move(*billed);
      } else {
        report.notes.push_back("Billed spend unavailable: " + billed.error().message);
      }
    }
  }
  return report;
}

ServiceResult<std::shared_ptr<aws::CredentialsProvider>> UsageService::credentials_for(
    const std::string& account_id) const {
  std::string role;
  if (!account_id.empty()) {
    if (!options_.cross_account_role_name.empty()) {
      role = "arn:aws:iam::" + account_id + ":role/" + options_.cross_account_role_name;
    } else if (!options_.role_arn.empty()) {
      if (account_of_role(options_.role_arn) != account_id) {
        return mcp::util::unexpected(
            invalid("BEDROCK_ROLE_ARN (" + options_.role_arn + ") is not in account " + account_id +
                    "; set BEDROCK_CROSS_ACCOUNT_ROLE_NAME to reach other accounts"));
      }
      role = options_.role_arn;
    } else {
      return mcp::util::unexpected(invalid(
          "aws_account_id " + account_id +
          " needs a role to assume: set BEDROCK_CROSS_ACCOUNT_ROLE_NAME (the role name in each account) or "
          "BEDROCK_ROLE_ARN on the server"));
    }
  } else if (!options_.role_arn.empty()) {
    role = options_.role_arn;
  }
  if (role.empty()) return options_.credentials;
  std::lock_guard lock(state_->mutex);
  // Callers choose the account: keep the cache bounded (a cleared entry only
  // costs one more AssumeRole).
  constexpr std::size_t kMaxRoles = 64;
  if (state_->role_providers.size() >= kMaxRoles && !state_->role_providers.contains(role))
    state_->role_providers.clear();
  auto& provider = state_->role_providers[role];
  if (!provider) {
    aws::AssumeRoleOptions ar;
    ar.role_arn = role;
    ar.region = options_.default_region;
    ar.env = options_.env;
    ar.transport = options_.transport;
    provider = aws::assume_role(options_.credentials, std::move(ar));
  }
  return provider;
}

aws::JsonClient UsageService::logs_client(const std::string& region,
                                          std::shared_ptr<aws::CredentialsProvider> credentials) const {
  std::shared_ptr<aws::RateLimiter> limiter;
  {
    std::lock_guard lock(state_->mutex);
    auto& l = state_->limiters[region];
    // A burst of one second's worth lets the fan-out start at once.
    if (!l) l = std::make_shared<aws::RateLimiter>(options_.logs_tps, std::max(1.0, options_.logs_tps));
    limiter = l;
  }
  aws::JsonClientOptions o;
  o.service = aws::cloudwatch_logs_service();
  o.region = region;
  o.env = options_.env;
  o.transport = options_.transport;
  o.credentials = std::move(credentials);
  o.retry = options_.retry;
  o.limiter = std::move(limiter);
  return aws::JsonClient(std::move(o));
}

aws::JsonClient UsageService::cost_client(std::shared_ptr<aws::CredentialsProvider> credentials) const {
  aws::JsonClientOptions o;
  o.service = aws::cost_explorer_service();
  o.region = "us-east-1";
  o.env = options_.env;
  o.transport = options_.transport;
  o.credentials = std::move(credentials);
  o.retry = options_.retry;
  return aws::JsonClient(std::move(o));
}

ServiceResult<BilledSpend> UsageService::spend(std::int64_t start_day, std::int64_t end_day,
                                               const std::string& account_id,
                                               const aws::CallContext& call) const {
  if (start_day > end_day) return mcp::util::unexpected(invalid("start is after end"));
  if (!account_id.empty() && !is_account_id(account_id))
    return mcp::util::unexpected(invalid("aws_account_id must be 12 digits"));
  if (end_day - start_day + 1 > options_.max_days) {
    return mcp::util::unexpected(
        invalid("the window is longer than the limit of " + std::to_string(options_.max_days) + " days"));
  }
  auto credentials = credentials_for(account_id);
  if (!credentials) return mcp::util::unexpected(credentials.error());
  const aws::JsonClient ce = cost_client(*credentials);
  BilledSpend out;
  out.start = format_day(start_day);
  out.end = format_day(end_day + 1);  // Cost Explorer's End is exclusive
  // Bedrock money appears under several SERVICE names (aws.md §4.4); ask
  // which ones this account has instead of guessing.
  auto services = aws::bedrock_services(ce, out.start, out.end, call);
  if (!services) return mcp::util::unexpected(from_aws(std::move(services.error())));
  if (services->empty()) return out;
  aws::CostQuery cq;
  cq.start = out.start;
  cq.end = out.end;
  cq.service_values = *services;
  auto lines = aws::get_cost_and_usage(ce, cq, call);
  if (!lines) return mcp::util::unexpected(from_aws(std::move(lines.error())));
  for (const auto& l : *lines) {
    out.lines.push_back(BilledLine{.date = l.date,
                                   .service = l.service,
                                   .usage_type = l.usage_type,
                                   .usd = l.cost_usd,
                                   .quantity = l.quantity,
                                   .quantity_unit = l.unit,
                                   .estimated = l.estimated});
    out.total_usd += l.cost_usd;
    out.any_estimated = out.any_estimated || l.estimated;
  }
  return out;
}

ServiceResult<std::vector<aws::LogGroup>> UsageService::log_groups(const std::string& region,
                                                                   const std::string& prefix,
                                                                   const std::string& account_id,
                                                                   std::size_t max,
                                                                   const aws::CallContext& call) const {
  const std::string r = region.empty() ? options_.default_region : region;
  if (!is_region_name(r)) return mcp::util::unexpected(invalid("invalid region '" + r + "'"));
  if (!prefix.empty() && !is_log_group_name(prefix))
    return mcp::util::unexpected(invalid("invalid log group prefix '" + prefix + "'"));
  if (!account_id.empty() && !is_account_id(account_id))
    return mcp::util::unexpected(invalid("aws_account_id must be 12 digits"));
  if (options_.default_source == "demo") {
    // The demo serves one sample group so the tool works without AWS.
    std::vector<aws::LogGroup> demo;
    if (options_.default_log_group.starts_with(prefix)) {
      aws::LogGroup g;
      g.name = options_.default_log_group;
      g.arn = "arn:aws:logs:" + r + ":123456789012:log-group:" + g.name;
      demo.push_back(std::move(g));
    }
    return demo;
  }
  auto credentials = credentials_for(account_id);
  if (!credentials) return mcp::util::unexpected(credentials.error());
  auto groups = aws::list_all_log_groups(logs_client(r, *credentials), prefix, max, call);
  if (!groups) return mcp::util::unexpected(from_aws(std::move(groups.error())));
  return std::move(*groups);
}

std::vector<std::string> UsageService::complete_region(const std::string& prefix) const {
  std::vector<std::string> out;
  for (const auto& r : bedrock_regions())
    if (r.starts_with(prefix)) out.push_back(r);
  return out;
}

std::vector<std::string> UsageService::complete_log_group(const std::string& region,
                                                          const std::string& prefix, bool& stale) const {
  constexpr auto kFresh = std::chrono::seconds(60);
  const std::string r = region.empty() ? options_.default_region : region;
  std::vector<std::string> out;
  if (options_.default_log_group.starts_with(prefix)) out.push_back(options_.default_log_group);
  stale = false;
  if (!is_region_name(r)) return out;  // never a cache key or a fetch for junk
  std::lock_guard lock(state_->mutex);
  const auto it = state_->group_cache.find(r);
  stale = (it == state_->group_cache.end() || aws::Clock::now() - it->second.first >= kFresh) &&
          state_->refreshing.insert(r).second;  // one refresh per region at a time
  if (it != state_->group_cache.end()) {
    for (const auto& n : it->second.second)
      if (n.starts_with(prefix) && n != options_.default_log_group) out.push_back(n);
  }
  return out;
}

void UsageService::refresh_log_groups(const std::string& region) const {
  const std::string r = region.empty() ? options_.default_region : region;
  aws::CallContext call{.deadline = aws::Clock::now() + std::chrono::seconds(5), .cancelled = nullptr};
  auto groups = log_groups(r, "", "", 1000, call);
  std::vector<std::string> names;
  // On failure, remember the empty answer for a while rather than asking again at every keystroke.
  if (groups)
    for (const auto& g : *groups) names.push_back(g.name);
  std::lock_guard lock(state_->mutex);
  state_->refreshing.erase(r);
  if (!is_region_name(r)) return;
  state_->group_cache[r] = {aws::Clock::now(), std::move(names)};
}

}  // namespace usage
