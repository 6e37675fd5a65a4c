#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "usage/aggregate.hpp"
#include "usage/pricing.hpp"
#include "usage/record_parser.hpp"
#include "usage/report.hpp"

namespace usage {
namespace {

std::int64_t day(std::string_view text) {
  std::int64_t d = 0;
  EXPECT_TRUE(parse_day(text, d)) << text;
  return d;
}

struct Row {
  std::string date;
  std::string region;  // "" = no region
  std::string model_id;
  std::string user;  // "" = no identity
  std::uint64_t input = 0;
  std::uint64_t output = 0;
  std::string operation;
  std::string error_code;
  std::uint64_t cache_read = 0;
  std::uint64_t cache_write = 0;
};

Aggregate aggregate_of(const std::vector<Row>& rows) {
  Aggregator aggregator;
  for (const auto& r : rows) {
    UsageRow row;
    row.day = day(r.date);
    row.region = r.region;
    row.has_region = !r.region.empty();
    row.model_id = r.model_id;
    row.user_arn = r.user;
    row.has_user = !r.user.empty();
    row.operation = r.operation;
    row.error_code = r.error_code;
    row.counts.requests = 1;
    row.counts.input = r.input;
    row.counts.output = r.output;
    row.counts.cache_read = r.cache_read;
    row.counts.cache_write = r.cache_write;
    row.counts.errors = r.error_code.empty() ? 0 : 1;
    aggregator.add(row);
  }
  return aggregator.take();
}

Report report_of(Aggregate aggregate, int days = 7, std::string region = "us-east-1") {
  Report report;
  report.query.region = std::move(region);
  report.query.days = days;
  report.query.source = "cloudwatch";
  report.source_used = "cloudwatch";
  report.aggregate = std::move(aggregate);
  return report;
}

constexpr const char* kAlice = "arn:aws:iam::123456789012:user/alice";
constexpr const char* kBob = "arn:aws:iam::123456789012:user/bob";

// Rows of the seed's shape: no cache, no operation, no errors, no profiles.
std::vector<Row> seed_rows() {
  return {
      {"2026-03-02", "us-west-2", "anthropic.claude-3-5-sonnet-20241022-v2:0", kAlice, 300, 30},
      {"2026-03-01", "us-east-1", "anthropic.claude-3-5-sonnet-20241022-v2:0", kAlice, 100, 50},
      {"2026-03-01", "us-east-1", "amazon.nova-lite-v1:0", kBob, 200, 20},
      {"2026-03-02", "us-west-2", "amazon.nova-lite-v1:0", "", 10, 5},
  };
}

TEST(RenderText, SeedFormat) {
  const std::string text = render_text(report_of(aggregate_of(seed_rows())));
  EXPECT_EQ(text,
            "Bedrock Daily Usage Report (Past 7 days - us-east-1)\n"
            "Total Requests: 4\n"
            "Total Input Tokens: 610\n"
            "Total Completion Tokens: 105\n"
            "Total Tokens: 715\n"
            "\n"
            "--- Daily Totals ---\n"
            "2026-03-01: Requests=2, Input=300, Completion=70, Total=370\n"
            "2026-03-02: Requests=2, Input=310, Completion=35, Total=345\n"
            "\n"
            "--- Region Summary ---\n"
            "us-east-1: Requests=2, Input=300, Completion=70, Total=370\n"
            "us-west-2: Requests=2, Input=310, Completion=35, Total=345\n"
            "\n"
            "--- Model Summary ---\n"
            "claude-3-5-sonnet-20241022-v2:0: Requests=2, Input=400, Completion=80, Total=480\n"
            "nova-lite-v1:0: Requests=2, Input=210, Completion=25, Total=235\n"
            "\n"
            "--- User Summary ---\n"
            "arn:aws:iam::123456789012:user/alice: Requests=2, Input=400, Completion=80, Total=480\n"
            "arn:aws:iam::123456789012:user/bob: Requests=1, Input=200, Completion=20, Total=220");
}

TEST(RenderText, PastOneDayKeepsTheSeedsPlural) {
  const std::string text = render_text(report_of(aggregate_of(seed_rows()), 1, "eu-west-1"));
  EXPECT_TRUE(text.starts_with("Bedrock Daily Usage Report (Past 1 days - eu-west-1)\n")) << text;
}

TEST(RenderText, ExplicitDatesHeading) {
  Report report = report_of(aggregate_of(seed_rows()), 0);
  report.query.start_day = day("2026-03-01");
  report.query.end_day = day("2026-03-02");
  EXPECT_TRUE(
      render_text(report).starts_with("Bedrock Daily Usage Report (2026-03-01 to 2026-03-02 - us-east-1)\n"));
}

TEST(RenderText, NoUserSectionWithoutIdentities) {
  const std::string text =
      render_text(report_of(aggregate_of({{"2026-03-01", "us-east-1", "amazon.nova-lite-v1:0", "", 1, 1}})));
  EXPECT_EQ(text.find("User Summary"), std::string::npos);
  EXPECT_TRUE(text.ends_with("nova-lite-v1:0: Requests=1, Input=1, Completion=1, Total=2")) << text;
}

TEST(RenderText, MissingRegionAndModelUseTheSeedsKeys) {
  const std::string text = render_text(report_of(aggregate_of({{"2026-03-01", "", "", "", 1, 2}})));
  EXPECT_NE(text.find("\nundefined: Requests=1, Input=1, Completion=2, Total=3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\nunknown: Requests=1, Input=1, Completion=2, Total=3"), std::string::npos) << text;
}

TEST(RenderText, NoDataIsExactlyTheSeedsSentence) {
  Report report = report_of(Aggregate{});
  EXPECT_EQ(render_text(report), "No Bedrock usage data found for the specified period.");
  // Notes, skip counts, an estimate or spend do not change it (the JSON carries them).
  report.aggregate.skipped.non_json = 3;
  report.notes.push_back("Log group not found");
  report.estimate = CostEstimate{};
  report.billed = BilledSpend{};
  EXPECT_EQ(render_text(report), "No Bedrock usage data found for the specified period.");
}

TEST(RenderText, RowsOrderByTokensThenRequestsThenKey) {
  Aggregate a;
  a.totals.requests = 1;
  auto counts = [](std::uint64_t requests, std::uint64_t input) {
    TokenCounts c;
    c.requests = requests;
    c.input = input;
    return c;
  };
  a.by_region["b-region"] = counts(1, 10);
  a.by_region["a-region"] = counts(1, 10);   // full tie: key ascending
  a.by_region["c-region"] = counts(5, 10);   // same tokens, more requests
  a.by_region["d-region"] = counts(1, 100);  // most tokens
  const std::string text = render_text(report_of(a));
  const auto d = text.find("d-region:"), c = text.find("c-region:"), aa = text.find("a-region:"),
             b = text.find("b-region:");
  ASSERT_NE(b, std::string::npos);
  EXPECT_LT(d, c);
  EXPECT_LT(c, aa);
  EXPECT_LT(aa, b);

  const RankedRows by_requests = rank_rows(a.by_region, 0, RowOrder::kByRequests);
  ASSERT_EQ(by_requests.rows.size(), 4u);
  EXPECT_EQ(by_requests.rows[0].key, "c-region");
  EXPECT_EQ(by_requests.rows[1].key, "d-region");
  EXPECT_EQ(by_requests.rows[2].key, "a-region");
}

TEST(RenderText, DailyRowsAscendEvenAcrossYears) {
  const std::string text = render_text(report_of(aggregate_of({
      {"2026-01-02", "r", "m.a", "", 1, 1},
      {"2025-12-31", "r", "m.a", "", 1, 1},
      {"2026-01-01", "r", "m.a", "", 1, 1},
  })));
  EXPECT_NE(text.find("--- Daily Totals ---\n2025-12-31: Requests=1, Input=1, Completion=1, Total=2\n"
                      "2026-01-01: Requests=1, Input=1, Completion=1, Total=2\n"
                      "2026-01-02: Requests=1, Input=1, Completion=1, Total=2\n"),
            std::string::npos)
      << text;
}

TEST(RenderText, TopNKeepsTheFirstRowsAndSumsTheRest) {
  std::vector<Row> rows;
  const char* users[] = {"u1", "u2", "u3", "u4", "u5"};
  for (int i = 0; i < 5; ++i) {
    rows.push_back({"2026-03-01", i < 3 ? "us-east-1" : "us-west-2", "amazon.nova-lite-v1:0", users[i],
                    static_cast<std::uint64_t>(100 * (5 - i)), 1});
  }
  Report report = report_of(aggregate_of(rows));
  report.query.top_n = 2;
  const std::string text = render_text(report);
  EXPECT_NE(text.find("--- User Summary ---\n"
                      "u1: Requests=1, Input=500, Completion=1, Total=501\n"
                      "u2: Requests=1, Input=400, Completion=1, Total=401\n"
                      "(3 more users): Requests=3, Input=600, Completion=3, Total=603"),
            std::string::npos)
      << text;
  // Two regions fit in top 2: nothing is summarised.
  EXPECT_NE(text.find("--- Region Summary ---\n"
                      "us-east-1: Requests=3, Input=1200, Completion=3, Total=1203\n"
                      "us-west-2: Requests=2, Input=300, Completion=2, Total=302\n\n"),
            std::string::npos)
      << text;
  report.query.top_n = 4;
  EXPECT_NE(render_text(report).find("(1 more user): Requests=1, Input=100, Completion=1, Total=101"),
            std::string::npos);
}

// Every heading the seed did not have.
const char* const kNewHeadings[] = {
    "--- Cache Tokens ---",
    "--- Operation Summary ---",
    "--- Inference Profile Summary ---",
    "--- Errors ---",
    "--- Estimated Cost",
    "--- Billed Spend",
    "--- Skipped Records ---",
    "--- Notes ---",
};

void expect_only_new_heading(const std::string& text, std::string_view wanted) {
  for (const char* heading : kNewHeadings) {
    if (heading == wanted) {
      EXPECT_NE(text.find(heading), std::string::npos) << heading << "\n" << text;
    } else {
      EXPECT_EQ(text.find(heading), std::string::npos) << heading << "\n" << text;
    }
  }
}

TEST(RenderText, NewSectionsAppearOnlyWithTheirData) {
  expect_only_new_heading(render_text(report_of(aggregate_of(seed_rows()))), "");

  Row base{"2026-03-01", "us-east-1", "amazon.nova-lite-v1:0", "", 10, 1};
  Row cached = base;
  cached.cache_read = 5;
  expect_only_new_heading(render_text(report_of(aggregate_of({base, cached}))), "--- Cache Tokens ---");

  Row with_operation = base;
  with_operation.operation = "Converse";
  expect_only_new_heading(render_text(report_of(aggregate_of({base, with_operation}))),
                          "--- Operation Summary ---");

  Row profile = base;
  profile.model_id = "us.amazon.nova-lite-v1:0";
  expect_only_new_heading(render_text(report_of(aggregate_of({base, profile}))),
                          "--- Inference Profile Summary ---");

  Row failed = base;
  failed.error_code = "ThrottlingException";
  expect_only_new_heading(render_text(report_of(aggregate_of({base, failed}))), "--- Errors ---");

  Report estimated = report_of(aggregate_of({base}));
  estimated.estimate = estimate_cost(estimated.aggregate, PriceTable::bundled());
  expect_only_new_heading(render_text(estimated), "--- Estimated Cost");

  Report billed = report_of(aggregate_of({base}));
  billed.billed = BilledSpend{"2026-03-01", "2026-03-02", {}, 0, false};
  expect_only_new_heading(render_text(billed), "--- Billed Spend");

  Report skipped = report_of(aggregate_of({base}));
  skipped.aggregate.skipped.non_json = 1;
  expect_only_new_heading(render_text(skipped), "--- Skipped Records ---");

  // Records outside the window are filtered, not faulty: no section.
  Report filtered = report_of(aggregate_of({base}));
  filtered.aggregate.skipped.out_of_window = 5;
  EXPECT_EQ(render_text(filtered).find("Skipped"), std::string::npos);

  Report noted = report_of(aggregate_of({base}));
  noted.notes.push_back("a note");
  expect_only_new_heading(render_text(noted), "--- Notes ---");
}

PriceTable test_prices() {
  auto table = PriceTable::parse(R"({"date": "2026-02-01", "currency": "USD", "unit": "per 1000 tokens",
      "models": [
        {"name": "Claude Sonnet 4.5", "match": ["anthropic.claude-sonnet-4-5-20250929"], "input": 0.003,
         "output": 0.015, "geo_multiplier": 1.1},
        {"name": "Nova Lite", "match": ["amazon.nova-lite-v1"], "input": 0.00006, "output": 0.00024}]})");
  EXPECT_TRUE(table.has_value()) << table.error();
  return table.value();
}

constexpr const char* kSonnetUs = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
constexpr const char* kSonnetGlobal = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";
constexpr const char* kAppProfile =
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";

Report full_report() {
  std::vector<Row> rows = {
      {"2026-03-01", "us-east-1", kSonnetUs, kAlice, 1000, 500, "Converse", "", 20000, 4000},
      {"2026-03-01", "us-east-1", kSonnetGlobal, kAlice, 2000, 1000, "ConverseStream", "", 0, 0},
      {"2026-03-02", "us-east-1", "amazon.nova-lite-v1:0", kBob, 3000, 300, "InvokeModel", "", 0, 0},
      {"2026-03-02", "us-east-1", kAppProfile, kBob, 100, 10, "Converse", "", 0, 0},
      {"2026-03-02", "us-east-1", kSonnetUs, kBob, 0, 0, "Converse", "ThrottlingException", 0, 0},
      {"2026-03-02", "us-east-1", kSonnetUs, kBob, 0, 0, "Converse", "ValidationException", 0, 0},
      {"2026-03-02", "us-east-1", kSonnetUs, kBob, 0, 0, "Converse", "ThrottlingException", 0, 0},
  };
  Report report = report_of(aggregate_of(rows), 0);
  report.query.start_day = day("2026-03-01");
  report.query.end_day = day("2026-03-02");
  report.query.include_cost = true;
  report.aggregate.skipped.non_json = 1;
  report.aggregate.skipped.out_of_window = 2;
  report.estimate = estimate_cost(report.aggregate, test_prices());
  BilledSpend spend;
  spend.start = "2026-03-01";
  spend.end = "2026-03-03";
  spend.lines = {
      {"2026-03-01", "Amazon Bedrock Service", "USE1-Claude4.5Sonnet-input-tokens", 0.5, 166.6, "N/A", false},
      {"2026-03-01", "Amazon Bedrock Service", "USE1-Claude4.5Sonnet-output-tokens", 1.25, 83.3, "N/A",
       false},
      {"2026-03-02", "Amazon Bedrock", "USE1-NovaLite-input-tokens", 0.0002, 3.0, "N/A", true},
  };
  spend.total_usd = 1.7502;
  spend.any_estimated = true;
  report.billed = spend;
  report.notes = {"Logs Insights results were incomplete; used FilterLogEvents."};
  return report;
}

TEST(RenderText, FullReportGolden) {
  EXPECT_EQ(
      render_text(full_report()),
      "Bedrock Daily Usage Report (2026-03-01 to 2026-03-02 - us-east-1)\n"
      "Total Requests: 7\n"
      "Total Input Tokens: 6100\n"
      "Total Completion Tokens: 1810\n"
      "Total Tokens: 7910\n"
      "\n"
      "--- Daily Totals ---\n"
      "2026-03-01: Requests=2, Input=3000, Completion=1500, Total=4500\n"
      "2026-03-02: Requests=5, Input=3100, Completion=310, Total=3410\n"
      "\n"
      "--- Region Summary ---\n"
      "us-east-1: Requests=7, Input=6100, Completion=1810, Total=7910\n"
      "\n"
      "--- Model Summary ---\n"
      "claude-sonnet-4-5-20250929-v1:0: Requests=5, Input=3000, Completion=1500, Total=4500\n"
      "nova-lite-v1:0: Requests=1, Input=3000, Completion=300, Total=3300\n"
      "abc123: Requests=1, Input=100, Completion=10, Total=110\n"
      "\n"
      "--- User Summary ---\n"
      "arn:aws:iam::123456789012:user/alice: Requests=2, Input=3000, Completion=1500, Total=4500\n"
      "arn:aws:iam::123456789012:user/bob: Requests=5, Input=3100, Completion=310, Total=3410\n"
      "\n"
      "--- Cache Tokens ---\n"
      "Cache Read Tokens: 20000\n"
      "Cache Write Tokens: 4000\n"
      "claude-sonnet-4-5-20250929-v1:0: CacheRead=20000, CacheWrite=4000\n"
      "\n"
      "--- Operation Summary ---\n"
      "InvokeModel: Requests=1, Input=3000, Completion=300, Total=3300\n"
      "ConverseStream: Requests=1, Input=2000, Completion=1000, Total=3000\n"
      "Converse: Requests=5, Input=1100, Completion=510, Total=1610\n"
      "\n"
      "--- Inference Profile Summary ---\n"
      "global.anthropic.claude-sonnet-4-5-20250929-v1:0: Requests=1, Input=2000, Completion=1000, "
      "Total=3000\n"
      "us.anthropic.claude-sonnet-4-5-20250929-v1:0: Requests=4, Input=1000, Completion=500, Total=1500\n"
      "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123: Requests=1, Input=100, "
      "Completion=10, Total=110\n"
      "\n"
      "--- Errors ---\n"
      "Total Errors: 3\n"
      "ThrottlingException: 2\n"
      "ValidationException: 1\n"
      "\n"
      "--- Estimated Cost (USD, price table 2026-02-01) ---\n"
      "Estimated Total: $0.06 (estimate: logged tokens x list prices; actual charges are in Cost Explorer)\n"
      "us-east-1 us.anthropic.claude-sonnet-4-5-20250929-v1:0: $0.03 (input $0.0033, output $0.00825, "
      "cache read $0.0066, cache write $0.02)\n"
      "us-east-1 global.anthropic.claude-sonnet-4-5-20250929-v1:0: $0.02 (input $0.006, output $0.01)\n"
      "us-east-1 amazon.nova-lite-v1:0: $0.000252 (input $0.00018, output $0.000072)\n"
      "Unpriced model ids (tokens not costed): "
      "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123\n"
      "\n"
      "--- Billed Spend (Cost Explorer, UnblendedCost) ---\n"
      "Period: 2026-03-01 to 2026-03-02\n"
      "Total: $1.75 (includes estimated amounts)\n"
      "Daily:\n"
      "  2026-03-01: $1.75\n"
      "  2026-03-02: $0.0002 (estimated)\n"
      "By Usage Type:\n"
      "  USE1-Claude4.5Sonnet-output-tokens: $1.25\n"
      "  USE1-Claude4.5Sonnet-input-tokens: $0.50\n"
      "  USE1-NovaLite-input-tokens: $0.0002\n"
      "\n"
      "--- Skipped Records ---\n"
      "Non-JSON messages: 1\n"
      "\n"
      "--- Notes ---\n"
      "Logs Insights results were incomplete; used FilterLogEvents.");
}

TEST(RenderText, TopNAppliesToTheNewBreakdowns) {
  Report report = full_report();
  report.query.top_n = 1;
  const std::string text = render_text(report);
  EXPECT_NE(text.find("(2 more operations): Requests=6, Input=3100, Completion=1510, Total=4610\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(2 more inference profiles): Requests=5, Input=1100, Completion=510, Total=1610\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ThrottlingException: 2\n(1 more error code): 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("(2 more models): Requests=2, Input=3100, Completion=310, Total=3410\n"),
            std::string::npos)
      << text;
}

TEST(FormatUsd, TwoDecimalsOrFourSignificantDigits) {
  EXPECT_EQ(format_usd(0), "0.00");
  EXPECT_EQ(format_usd(1), "1.00");
  EXPECT_EQ(format_usd(1234.5678), "1234.57");
  EXPECT_EQ(format_usd(0.01), "0.01");
  EXPECT_EQ(format_usd(0.5), "0.50");
  EXPECT_EQ(format_usd(0.005), "0.005");
  EXPECT_EQ(format_usd(0.009999), "0.009999");
  EXPECT_EQ(format_usd(0.0099996), "0.01");
  EXPECT_EQ(format_usd(0.00012), "0.00012");
  EXPECT_EQ(format_usd(0.000123456), "0.0001235");
  EXPECT_EQ(format_usd(0.0000003), "0.0000003");
  EXPECT_EQ(format_usd(1e-15), "0.00");
  EXPECT_EQ(format_usd(-0.5), "-0.50");
  EXPECT_EQ(format_usd(-0.00001), "-0.00001");
  EXPECT_EQ(format_usd(-1e-15), "0.00");
  EXPECT_EQ(format_usd(std::numeric_limits<double>::quiet_NaN()), "0.00");
}

TEST(FormatIsoTime, UtcWithMilliseconds) {
  EXPECT_EQ(format_iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso_time(1772375251123), "2026-03-01T14:27:31.123Z");
  EXPECT_EQ(format_iso_time(-1), "1969-12-31T23:59:59.999Z");
}

TEST(InclusiveEndDate, IsTheDayBeforeCostExplorersEnd) {
  EXPECT_EQ(inclusive_end_date("2026-03-01"), "2026-02-28");
  EXPECT_EQ(inclusive_end_date("2026-01-01"), "2025-12-31");
  EXPECT_EQ(inclusive_end_date("garbage"), "garbage");
  EXPECT_EQ(inclusive_end_date(""), "");
}

BilledSpend sample_spend() {
  BilledSpend spend;
  spend.start = "2026-03-01";
  spend.end = "2026-03-03";
  spend.lines = {
      {"2026-03-02", "Amazon Bedrock", "USE1-NovaLite-input-tokens", 0.081, 1350, "N/A", true},
      {"2026-03-01", "Amazon Bedrock Service", "USE1-Claude4.6Sonnet-input-tokens", 12.3456789, 4115.226,
       "N/A", false},
      {"2026-03-01", "Claude 3.5 Sonnet (Amazon Bedrock Edition)", "USE1-MP:USE1_OutputTokenCount-Units",
       0.75, 0.05, "N/A", false},
      {"2026-03-02", "Amazon Bedrock Service", "USE1-Claude4.6Sonnet-input-tokens", 1, 333, "N/A", true},
  };
  spend.total_usd = 14.1766789;
  spend.any_estimated = true;
  return spend;
}

TEST(RenderSpendText, Golden) {
  EXPECT_EQ(render_spend_text(sample_spend()),
            "Bedrock Spend (Cost Explorer, 2026-03-01 to 2026-03-02)\n"
            "Total: $14.18 (includes estimated amounts)\n"
            "\n"
            "--- Daily Spend ---\n"
            "2026-03-01: $13.10\n"
            "2026-03-02: $1.08 (estimated)\n"
            "\n"
            "--- By Usage Type ---\n"
            "USE1-Claude4.6Sonnet-input-tokens: $13.35\n"
            "USE1-MP:USE1_OutputTokenCount-Units: $0.75\n"
            "USE1-NovaLite-input-tokens: $0.08\n"
            "\n"
            "--- By Service ---\n"
            "Amazon Bedrock Service: $13.35\n"
            "Claude 3.5 Sonnet (Amazon Bedrock Edition): $0.75\n"
            "Amazon Bedrock: $0.08");
}

TEST(RenderSpendText, NoEstimateMarkerWhenFinal) {
  BilledSpend spend = sample_spend();
  for (auto& line : spend.lines) line.estimated = false;
  spend.any_estimated = false;
  const std::string text = render_spend_text(spend);
  EXPECT_NE(text.find("Total: $14.18\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("estimated"), std::string::npos) << text;
}

TEST(RenderSpendText, Empty) {
  EXPECT_EQ(render_spend_text(BilledSpend{"2026-03-01", "2026-03-08", {}, 0, false}),
            "No Bedrock spend found for the specified period.");
}

}  // namespace
}  // namespace usage
