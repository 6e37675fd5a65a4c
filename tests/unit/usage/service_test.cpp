// The usage service's request rules: windows, argument checks, the file
// source's confinement to the data directory, cross-account role selection,
// the demo source, completion. No network: the transport refuses every call.
#include "usage/service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "usage/record_parser.hpp"

namespace {

using usage::ReportRequest;
using usage::ServiceOptions;
using usage::UsageService;

constexpr std::int64_t kDayMs = 86'400'000;

ServiceOptions base_options() {
  ServiceOptions o;
  o.env = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  o.transport = [](const mcp::http::ClientRequest&, const aws::CallContext&) -> mcp::http::ClientResult {
    return mcp::util::unexpected(std::string("no network in unit tests"));
  };
  o.credentials = aws::static_provider({"AKIDEXAMPLE", "secret", ""});
  o.prices = usage::PriceTable::bundled();
  o.file_threads = 1;
  return o;
}

std::chrono::system_clock::time_point at(std::string_view iso) {
  std::int64_t ms = 0;
  EXPECT_TRUE(usage::parse_iso_timestamp(iso, ms)) << iso;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

TEST(UsageService, RollingWindowLikeTheSeed) {
  UsageService service(base_options());
  ReportRequest r;
  r.days = 3;
  auto q = service.resolve(r, at("2026-03-05T10:30:00Z"));
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->days, 3);
  EXPECT_EQ(q->end_ms - q->start_ms, 3 * kDayMs);
  EXPECT_EQ(usage::format_day(q->start_day), "2026-03-02");
  EXPECT_EQ(usage::format_day(q->end_day), "2026-03-05");
  EXPECT_EQ(q->region, "us-east-1");
  EXPECT_EQ(q->log_group, "/aws/bedrock/modelinvocations");
  EXPECT_EQ(q->source, "auto");
}

TEST(UsageService, ExplicitDatesAreWholeUtcDays) {
  UsageService service(base_options());
  ReportRequest r;
  r.start = "2026-03-01";
  r.end = "2026-03-02";
  r.days = 30;  // ignored when start is given
  auto q = service.resolve(r, at("2026-03-05T10:30:00Z"));
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->days, 0);
  EXPECT_EQ(q->end_ms - q->start_ms, 2 * kDayMs);
  std::int64_t start = 0;
  ASSERT_TRUE(usage::parse_iso_timestamp("2026-03-01T00:00:00Z", start));
  EXPECT_EQ(q->start_ms, start);
  // Only an end: `days` days ending there.
  ReportRequest e;
  e.end = "2026-03-04";
  e.days = 2;
  q = service.resolve(e, at("2026-03-05T10:30:00Z"));
  ASSERT_TRUE(q);
  EXPECT_EQ(usage::format_day(q->start_day), "2026-03-03");
}

TEST(UsageService, RejectsBadArgumentsWithClearMessages) {
  UsageService service(base_options());
  const auto now = at("2026-03-05T10:30:00Z");
  const auto problem = [&](const ReportRequest& r) {
    auto q = service.resolve(r, now);
    if (q) return std::string("accepted");
    EXPECT_TRUE(q.error().invalid_argument);
    return q.error().message;
  };
  const auto with = [](auto set) {
    ReportRequest r;
    set(r);
    return r;
  };
  EXPECT_NE(problem(with([](auto& r) { r.days = 0; })).find("days must be between 1 and 400"),
            std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.days = 401; })).find("days must be between"), std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.region = "us-east-1; rm"; })).find("invalid region"),
            std::string::npos);
  // The region becomes part of a host name that receives signed requests.
  for (const char* bad :
       {"s3-us-west-2", "us-east", "useast-1", "us-east-1.evil.com", "us-east-123", "a-b-c-d-1"})
    EXPECT_NE(problem(with([bad](auto& r) { r.region = bad; })).find("invalid region"), std::string::npos)
        << bad;
  for (const char* good : {"us-gov-west-1", "cn-north-1", "ap-southeast-4", "eu-central-2"})
    EXPECT_EQ(problem(with([good](auto& r) { r.region = good; })), "accepted") << good;
  EXPECT_NE(problem(with([](auto& r) { r.log_group = "bad group!"; })).find("invalid log group"),
            std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.source = "s3"; })).find("unknown source 's3'"), std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.source = "file:"; })).find("needs a path"), std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.account_id = "12345"; })).find("12 digits"), std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.start = "2026-3-1"; })).find("start must be a date"),
            std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.start = "2026-02-30"; })).find("start must be a date"),
            std::string::npos);
  EXPECT_NE(problem(with([](auto& r) {
              r.start = "2026-03-04";
              r.end = "2026-03-01";
            })).find("is after end"),
            std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.end = "2026-04-01"; })).find("in the future"), std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.start = "2024-01-01"; })).find("longer than the limit of 400 days"),
            std::string::npos);
  EXPECT_NE(problem(with([](auto& r) { r.top_n = 10'001; })).find("top_n"), std::string::npos);
  EXPECT_EQ(problem(with([](auto& r) { r.log_group = "arn:aws:logs:us-east-1:123456789012:log-group:x"; })),
            "accepted");
}

TEST(UsageService, FileSourcesStayInsideTheDataDirectory) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("usage-service-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "data" / "logs");
  std::ofstream(dir / "data" / "logs" / "a.jsonl")
      << R"({"timestamp":"2026-03-02T10:00:00Z","modelId":"amazon.nova-lite-v1:0","input":{"inputTokenCount":5},"output":{"outputTokenCount":2}})"
      << "\n";
  std::ofstream(dir / "secret.jsonl")
      << R"({"timestamp":"2026-03-02T10:00:00Z","modelId":"amazon.nova-lite-v1:0","input":{"inputTokenCount":999}})"
      << "\n";
  std::filesystem::create_symlink(dir / "secret.jsonl", dir / "data" / "link.jsonl");

  ServiceOptions o = base_options();
  o.data_dir = (dir / "data").string();
  UsageService service(std::move(o));
  const auto run = [&](const std::string& source) {
    ReportRequest r;
    r.source = source;
    r.start = "2026-03-01";
    r.end = "2026-03-03";
    auto q = service.resolve(r, at("2026-03-05T10:30:00Z"));
    EXPECT_TRUE(q);
    return service.build_report(*q, aws::CallContext{}, nullptr);
  };
  auto ok = run("file:logs");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->aggregate.totals.requests, 1U);
  EXPECT_EQ(ok->source_used, "file");
  const std::vector<std::string> outside = {"file:../secret.jsonl", "file:" + (dir / "secret.jsonl").string(),
                                            "file:link.jsonl", "file:logs/../../secret.jsonl"};
  for (const std::string& bad : outside) {
    auto r = run(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("inside the server's data directory"), std::string::npos) << bad;
  }
  // A directory walk does not follow the link out of the data directory.
  auto walked = run("file:.");
  ASSERT_TRUE(walked) << walked.error().message;
  EXPECT_EQ(walked->aggregate.totals.requests, 1U);
  EXPECT_EQ(walked->aggregate.totals.input, 5U);

  ServiceOptions closed = base_options();
  UsageService no_dir(std::move(closed));
  ReportRequest r;
  r.source = "file:logs";
  auto q = no_dir.resolve(r, at("2026-03-05T10:30:00Z"));
  ASSERT_TRUE(q);
  auto refused = no_dir.build_report(*q, aws::CallContext{}, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("disabled"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(UsageService, CrossAccountNeedsAConfiguredRole) {
  ServiceOptions o = base_options();
  UsageService plain(o);
  ReportRequest r;
  r.account_id = "210987654321";
  r.source = "cloudwatch";
  auto q = plain.resolve(r, at("2026-03-05T10:30:00Z"));
  ASSERT_TRUE(q);
  auto refused = plain.build_report(*q, aws::CallContext{}, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("BEDROCK_CROSS_ACCOUNT_ROLE_NAME"), std::string::npos);

  o.role_arn = "arn:aws:iam::111111111111:role/reader";
  UsageService fixed(o);
  auto mismatch = fixed.build_report(*q, aws::CallContext{}, nullptr);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("not in account 210987654321"), std::string::npos);

  // With a role name the service assumes the role: the (refusing) transport
  // is reached, so the error is STS's, not a configuration error.
  o.role_arn.clear();
  o.cross_account_role_name = "usage-reader";
  o.retry.max_attempts = 1;
  UsageService named(o);
  auto sts = named.build_report(*q, aws::CallContext{}, nullptr);
  ASSERT_FALSE(sts);
  EXPECT_FALSE(sts.error().invalid_argument);
  EXPECT_NE(sts.error().message.find("STS AssumeRole"), std::string::npos) << sts.error().message;
}

TEST(UsageService, DemoSourceIsDeterministicAndCostsAreEstimated) {
  ServiceOptions o = base_options();
  o.default_source = "demo";
  UsageService service(o);
  ReportRequest r;
  r.days = 7;
  r.include_cost = true;
  auto q = service.resolve(r, std::chrono::system_clock::now());
  ASSERT_TRUE(q);
  auto first = service.build_report(*q, aws::CallContext{}, nullptr);
  auto second = service.build_report(*q, aws::CallContext{}, nullptr);
  ASSERT_TRUE(first && second);
  EXPECT_GT(first->aggregate.totals.requests, 100U);
  EXPECT_EQ(first->aggregate.totals, second->aggregate.totals);
  ASSERT_TRUE(first->estimate);
  EXPECT_GT(first->estimate->total_usd, 0.0);
  EXPECT_FALSE(first->billed);  // Cost Explorer needs AWS: a note says so
  EXPECT_FALSE(first->notes.empty());
  auto groups = service.log_groups("us-east-1", "/aws/bedrock", "", 10, aws::CallContext{});
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->size(), 1U);
  EXPECT_EQ((*groups)[0].name, "/aws/bedrock/modelinvocations");
}

TEST(UsageService, CompletesRegionsAndCachedLogGroups) {
  ServiceOptions o = base_options();
  o.retry.max_attempts = 1;
  UsageService service(std::move(o));
  const auto regions = service.complete_region("eu-c");
  EXPECT_EQ(regions, (std::vector<std::string>{"eu-central-1", "eu-central-2"}));
  bool stale = false;
  EXPECT_EQ(service.complete_log_group("us-east-1", "/aws/b", stale),
            (std::vector<std::string>{"/aws/bedrock/modelinvocations"}));
  EXPECT_TRUE(stale);
  service.complete_log_group("us-east-1", "", stale);
  EXPECT_FALSE(stale);                      // a refresh is already queued: not twice
  service.refresh_log_groups("us-east-1");  // fails (no network): remembered as empty, not retried at once
  service.complete_log_group("us-east-1", "", stale);
  EXPECT_FALSE(stale);
  // Junk from the caller is never a cache key or a fetch.
  EXPECT_EQ(service.complete_log_group(std::string(5000, 'x'), "/aws", stale).size(), 1U);
  EXPECT_FALSE(stale);
}

}  // namespace
