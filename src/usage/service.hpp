#pragma once
// The Bedrock usage service behind the MCP tools and `mcp-server report`:
// validates a request, picks the source, fetches and aggregates, prices, and
// asks Cost Explorer when billed spend is wanted. Blocking; callers run it
// off their event loop. Thread-safe: one instance serves every request.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials.hpp"
#include "aws/json_client.hpp"
#include "aws/logs.hpp"
#include "mcp/util/expected.hpp"
#include "usage/pricing.hpp"
#include "usage/progress.hpp"
#include "usage/report.hpp"

namespace usage {

struct ServiceOptions {
  aws::EnvLookup env;
  aws::Transport transport;
  std::shared_ptr<aws::CredentialsProvider> credentials;  // the default chain
  std::string default_region = "us-east-1";
  std::string default_log_group = "/aws/bedrock/modelinvocations";
  std::string default_source = "auto";  // "demo" with --demo
  // file:<path> sources requested over MCP must lie under this directory;
  // empty forbids them (a remote caller must not read the server's files).
  // `mcp-server report` runs as the local user and may read any path.
  std::string data_dir;
  bool allow_any_file = false;
  // Cross-account reports (aws_account_id): arn:aws:iam::<id>:role/<name>.
  std::string cross_account_role_name;  // BEDROCK_CROSS_ACCOUNT_ROLE_NAME
  std::string role_arn;                 // BEDROCK_ROLE_ARN: a fixed role (its account must match)
  // Limits.
  int max_days = 400;
  unsigned fetch_concurrency = 8;  // parallel FilterLogEvents slice chains
  double logs_tps = 10;            // FilterLogEvents requests per second per region (account quota)
  std::uint64_t max_pages = 100'000;
  std::uint64_t max_events = 50'000'000;
  unsigned file_threads = 0;  // 0: every core
  std::chrono::milliseconds insights_poll{500};
  std::chrono::milliseconds insights_timeout{10 * 60 * 1000};
  aws::RetryPolicy retry;
  PriceTable prices;
};

// A report request as the tool and the CLI receive it (strings unvalidated).
struct ReportRequest {
  std::string region;     // empty: default
  std::string log_group;  // empty: default
  std::optional<int> days;
  std::string start;   // YYYY-MM-DD, inclusive
  std::string end;     // YYYY-MM-DD, inclusive
  std::string source;  // empty: default
  std::string account_id;
  bool include_cost = false;
  std::size_t top_n = 0;
};

// A readable failure: `message` is what the caller shows; `invalid_argument`
// marks a request error (the caller's fault) rather than an AWS failure.
struct ServiceError {
  std::string message;
  bool invalid_argument = false;
  aws::ErrorKind kind = aws::ErrorKind::kConfig;
};

template <class T>
using ServiceResult = mcp::util::Expected<T, ServiceError>;

class UsageService {
 public:
  explicit UsageService(ServiceOptions options);
  ~UsageService();
  UsageService(const UsageService&) = delete;
  UsageService& operator=(const UsageService&) = delete;

  const ServiceOptions& options() const { return options_; }

  // Checks the request and fixes the window (`now` for rolling windows).
  ServiceResult<ReportQuery> resolve(const ReportRequest& request,
                                     std::chrono::system_clock::time_point now) const;

  ServiceResult<Report> build_report(const ReportQuery& query, const aws::CallContext& call,
                                     const ProgressFn& progress) const;

  // Cost Explorer actuals for Bedrock, days [start_day, end_day] inclusive.
  ServiceResult<BilledSpend> spend(std::int64_t start_day, std::int64_t end_day,
                                   const std::string& account_id, const aws::CallContext& call) const;

  ServiceResult<std::vector<aws::LogGroup>> log_groups(const std::string& region, const std::string& prefix,
                                                       const std::string& account_id, std::size_t max,
                                                       const aws::CallContext& call) const;

  // Argument completion: AWS regions with Bedrock, and log group names. The
  // latter never blocks: it answers from a cache (plus the default group) and
  // says whether the cache for `region` is stale; refresh_log_groups (a
  // blocking DescribeLogGroups with a short budget) fills it.
  std::vector<std::string> complete_region(const std::string& prefix) const;
  std::vector<std::string> complete_log_group(const std::string& region, const std::string& prefix,
                                              bool& stale) const;
  void refresh_log_groups(const std::string& region) const;

 private:
  struct State;
  // The base chain, or the role for `account_id` assumed with it.
  ServiceResult<std::shared_ptr<aws::CredentialsProvider>> credentials_for(
      const std::string& account_id) const;
  aws::JsonClient logs_client(const std::string& region,
                              std::shared_ptr<aws::CredentialsProvider> credentials) const;
  aws::JsonClient cost_client(std::shared_ptr<aws::CredentialsProvider> credentials) const;

  ServiceOptions options_;
  std::unique_ptr<State> state_;
};

// The regions where Bedrock runs (for completion and argument checks).
const std::vector<std::string>& bedrock_regions();

}  // namespace usage
