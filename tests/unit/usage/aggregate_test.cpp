#include "usage/aggregate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace usage;

#include "usage_test_support.hpp"

namespace {

UsageRow make_row(std::int64_t day, std::string_view region, std::string_view model, std::string_view user,
                  std::string_view operation, std::uint64_t input, std::uint64_t output,
                  std::string_view error = {}) {
  UsageRow row;
  row.day = day;
  row.region = region;
  row.has_region = !region.empty();
  row.model_id = model;
  row.user_arn = user;
  row.has_user = !user.empty();
  row.operation = operation;
  row.error_code = error;
  row.counts = {.requests = 1,
                .input = input,
                .output = output,
                .cache_read = input / 2,
                .cache_write = output / 3,
                .errors = error.empty() ? 0u : 1u};
  return row;
}

TokenCounts counts(std::uint64_t requests, std::uint64_t input, std::uint64_t output,
                   std::uint64_t cache_read = 0, std::uint64_t cache_write = 0, std::uint64_t errors = 0) {
  return {.requests = requests,
          .input = input,
          .output = output,
          .cache_read = cache_read,
          .cache_write = cache_write,
          .errors = errors};
}

std::string rm_key(std::string_view region, std::string_view model) {
  return std::string(region) + kKeySeparator + std::string(model);
}

using usage::testing::expect_same;

constexpr std::string_view kAlice =
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0123/alice@example.com";
constexpr std::string_view kBot = "arn:aws:iam::123456789012:user/ci-bot";
constexpr std::string_view kProfile =
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k2j3h4g5f6d7";

std::vector<UsageRow> sample_rows() {
  return {
      make_row(100, "us-east-1", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", kAlice, "Converse", 10, 20),
      make_row(100, "us-east-1", "anthropic.claude-3-5-sonnet-20241022-v2:0", kAlice, "InvokeModel", 1, 2),
      make_row(101, "us-west-2", "amazon.nova-lite-v1:0", kBot, "ConverseStream", 5, 7,
               "ThrottlingException"),
      make_row(101, "", "amazon.nova-lite-v1:0", "", "", 3, 4),
      make_row(102, "us-east-1", kProfile, kAlice, "InvokeModelWithResponseStream", 8, 9),
      make_row(102, "eu-central-1", "", kBot, "Converse", 2, 0, "ValidationException"),
  };
}

}  // namespace

TEST(ShortModelId, SeedRule) {
  EXPECT_EQ(short_model_id("amazon.nova-lite-v1:0"), "nova-lite-v1:0");
  EXPECT_EQ(short_model_id("us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            "claude-3-5-sonnet-20241022-v2:0");
  EXPECT_EQ(short_model_id("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            "claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(short_model_id(kProfile), "k2j3h4g5f6d7");
  EXPECT_EQ(short_model_id("plain-model"), "plain-model");
  EXPECT_EQ(short_model_id(""), "unknown");
  EXPECT_EQ(short_model_id("a/b/"), "unknown");  // `split('/').pop() || 'unknown'`
  // An ARN with a dot (e.g. a version) is cut at the dot, as the seed did.
  EXPECT_EQ(short_model_id("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"),
            "titan-embed-text-v2:0");
}

TEST(Aggregator, FillsEveryBreakdown) {
  Aggregator agg;
  for (const auto& row : sample_rows()) agg.add(row);
  agg.skip_non_json();
  agg.skip_bad_timestamp();
  agg.skip_not_invocation();
  agg.skip_out_of_window();
  agg.skip_out_of_window();
  const Aggregate& r = agg.result();

  EXPECT_EQ(r.totals, counts(6, 29, 42, 13, 12, 2));
  EXPECT_EQ(r.totals.total(), 71u);

  ASSERT_EQ(r.by_day.size(), 3u);
  EXPECT_EQ(r.by_day.at(100), counts(2, 11, 22, 5, 6));
  EXPECT_EQ(r.by_day.at(101), counts(2, 8, 11, 3, 3, 1));
  EXPECT_EQ(r.by_day.at(102), counts(2, 10, 9, 5, 3, 1));

  ASSERT_EQ(r.by_region.size(), 4u);
  EXPECT_EQ(r.by_region.at("us-east-1").requests, 3u);
  EXPECT_EQ(r.by_region.at("undefined"), counts(1, 3, 4, 1, 1));  // the seed's key for no region
  EXPECT_EQ(r.by_region.at("eu-central-1").requests, 1u);

  // Profiles merge with their base model; a missing model id is "unknown".
  ASSERT_EQ(r.by_model.size(), 4u);
  EXPECT_EQ(r.by_model.at("claude-3-5-sonnet-20241022-v2:0"), counts(2, 11, 22, 5, 6));
  EXPECT_EQ(r.by_model.at("nova-lite-v1:0").requests, 2u);
  EXPECT_EQ(r.by_model.at("k2j3h4g5f6d7").requests, 1u);
  EXPECT_EQ(r.by_model.at("unknown").requests, 1u);

  // Only rows with a user.
  ASSERT_EQ(r.by_user.size(), 2u);
  EXPECT_EQ(r.by_user.at(std::string(kAlice)).requests, 3u);
  EXPECT_EQ(r.by_user.at(std::string(kBot)).requests, 2u);

  ASSERT_EQ(r.by_operation.size(), 5u);
  EXPECT_EQ(r.by_operation.at("Converse").requests, 2u);
  EXPECT_EQ(r.by_operation.at("unknown").requests, 1u);

  // The full id keeps profiles apart.
  ASSERT_EQ(r.by_model_id.size(), 5u);
  EXPECT_EQ(r.by_model_id.at("us.anthropic.claude-3-5-sonnet-20241022-v2:0").requests, 1u);
  EXPECT_EQ(r.by_model_id.at("anthropic.claude-3-5-sonnet-20241022-v2:0").requests, 1u);
  EXPECT_EQ(r.by_model_id.at("unknown").requests, 1u);

  ASSERT_EQ(r.by_error_code.size(), 2u);
  EXPECT_EQ(r.by_error_code.at("ThrottlingException"), counts(1, 5, 7, 2, 2, 1));
  EXPECT_EQ(r.by_error_code.at("ValidationException").errors, 1u);

  ASSERT_EQ(r.by_region_model_id.size(), 6u);
  EXPECT_EQ(r.by_region_model_id.at(rm_key("undefined", "amazon.nova-lite-v1:0")).requests, 1u);
  EXPECT_EQ(r.by_region_model_id.at(rm_key("us-west-2", "amazon.nova-lite-v1:0")).requests, 1u);
  EXPECT_EQ(r.by_region_model_id.at(rm_key("eu-central-1", "unknown")).requests, 1u);

  EXPECT_EQ(r.skipped.non_json, 1u);
  EXPECT_EQ(r.skipped.bad_timestamp, 1u);
  EXPECT_EQ(r.skipped.not_invocation, 1u);
  EXPECT_EQ(r.skipped.out_of_window, 2u);
  EXPECT_EQ(r.skipped.total(), 5u);
}

TEST(Aggregator, RegionAndUserFlagsAreRespected) {
  // has_region / has_user decide, not the emptiness of the text.
  UsageRow row = make_row(5, "", "m", "", "Converse", 1, 1);
  row.has_region = true;  // an empty region string that was present
  row.has_user = true;
  Aggregator agg;
  agg.add(row);
  const Aggregate& r = agg.result();
  EXPECT_EQ(r.by_region.count(""), 1u);
  EXPECT_EQ(r.by_region.count("undefined"), 0u);
  EXPECT_EQ(r.by_user.count(""), 1u);
}

TEST(Aggregator, ReadingTheResultMidwayKeepsCounting) {
  Aggregator agg;
  const auto rows = sample_rows();
  agg.add(rows[0]);
  EXPECT_EQ(agg.result().totals.requests, 1u);
  agg.add(rows[0]);
  agg.add(rows[2]);
  const Aggregate& r = agg.result();
  EXPECT_EQ(r.totals.requests, 3u);
  EXPECT_EQ(r.by_user.at(std::string(kAlice)).requests, 2u);
  EXPECT_EQ(r.by_day.at(100).requests, 2u);
  const Aggregate taken = agg.take();
  EXPECT_EQ(taken.totals.requests, 3u);
}

TEST(Aggregator, ViewsNeedOnlyLiveDuringAdd) {
  Aggregator agg;
  for (int i = 0; i < 3; ++i) {
    std::string model = "amazon.nova-pro-v1:0";
    std::string user = "arn:aws:iam::1:user/u";
    agg.add(make_row(1, "us-east-1", model, user, "Converse", 1, 1));
    model.assign(model.size(), 'x');  // the caller's buffer is reused
    user.assign(user.size(), 'y');
  }
  const Aggregate& r = agg.result();
  EXPECT_EQ(r.by_model_id.at("amazon.nova-pro-v1:0").requests, 3u);
  EXPECT_EQ(r.by_user.at("arn:aws:iam::1:user/u").requests, 3u);
}

TEST(Aggregator, MergeEqualsSinglePass) {
  std::vector<UsageRow> rows;
  for (int rep = 0; rep < 50; ++rep) {
    for (auto row : sample_rows()) {
      row.day += rep % 7;
      row.counts.input += static_cast<std::uint64_t>(rep);
      rows.push_back(row);
    }
  }
  Aggregator single;
  for (const auto& row : rows) single.add(row);
  single.skip_non_json();
  single.skip_out_of_window();

  Aggregator parts[3];
  for (std::size_t i = 0; i < rows.size(); ++i) parts[i % 3].add(rows[i]);
  parts[1].skip_non_json();
  parts[2].skip_out_of_window();
  Aggregate merged;
  for (auto& part : parts) merged.merge(part.result());
  expect_same(merged, single.result());

  // Merging into a non-empty aggregate adds up.
  Aggregate twice = single.result();
  twice.merge(single.result());
  EXPECT_EQ(twice.totals.requests, 2 * single.result().totals.requests);
  EXPECT_EQ(twice.by_region.at("undefined").requests, 2 * single.result().by_region.at("undefined").requests);
  EXPECT_EQ(twice.skipped.non_json, 2u);
}

TEST(Aggregator, ManyDistinctKeys) {
  // Enough distinct users to force rehashing of every table.
  Aggregator agg;
  std::vector<std::string> users;
  for (int i = 0; i < 5000; ++i)
    users.push_back("arn:aws:sts::1:assumed-role/r/session-" + std::to_string(i));
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& u : users)
      agg.add(make_row(pass, "us-east-1", "amazon.nova-lite-v1:0", u, "Converse", 1, 0));
  }
  const Aggregate& r = agg.result();
  ASSERT_EQ(r.by_user.size(), users.size());
  for (const auto& u : users) ASSERT_EQ(r.by_user.at(u).requests, 2u) << u;
  EXPECT_EQ(r.by_day.at(0).requests, 5000u);
  EXPECT_EQ(r.by_day.at(1).requests, 5000u);
}
