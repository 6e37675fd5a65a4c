#include "usage/demo_dataset.hpp"

#include <gtest/gtest.h>

#include <string>

#include "usage/file_source.hpp"
#include "usage/record_parser.hpp"

using namespace usage;

namespace {

std::int64_t day_of(std::string_view ymd) {
  std::int64_t d = 0;
  EXPECT_TRUE(parse_day(ymd, d));
  return d;
}

Aggregate aggregate_of(std::string data, std::int64_t start_ms = INT64_MIN, std::int64_t end_ms = INT64_MAX) {
  const std::size_t size = data.size();
  data.append(record_padding(), '\0');
  RecordParser parser;
  Aggregator out;
  aggregate_buffer(std::string_view(data.data(), size), start_ms, end_ms, parser, out);
  return out.take();
}

constexpr std::int64_t kMsPerDay = 86'400'000;

}  // namespace

TEST(DemoDataset, IsDeterministic) {
  const std::int64_t last = day_of("2026-03-02");
  const std::string a = demo_dataset(last, 30);
  EXPECT_EQ(a, demo_dataset(last, 30));
  EXPECT_NE(a, demo_dataset(last + 1, 30));
  EXPECT_TRUE(a.starts_with("Permissions are correctly set for Amazon Bedrock logs.\n"));
  EXPECT_TRUE(a.ends_with("}\n"));

  // A day's records do not depend on which range it is generated in.
  std::string day;
  append_demo_day(last - 3, day);
  EXPECT_NE(a.find(day), std::string::npos);
  EXPECT_NE(demo_dataset(last - 2, 5).find(day), std::string::npos);
}

TEST(DemoDataset, ParsesWithOnlyThePermissionsLineSkipped) {
  const std::int64_t last = day_of("2026-03-02");
  const Aggregate a = aggregate_of(demo_dataset(last, 30));
  EXPECT_EQ(a.skipped.non_json, 1u);
  EXPECT_EQ(a.skipped.total(), 1u);
  ASSERT_EQ(a.by_day.size(), 30u);
  for (std::int64_t d = last - 29; d <= last; ++d) {
    ASSERT_EQ(a.by_day.count(d), 1u) << format_day(d);
    const auto requests = a.by_day.at(d).requests;
    EXPECT_GE(requests, 70u) << format_day(d);
    EXPECT_LE(requests, 300u) << format_day(d);
  }
  // Weekdays are busier than weekends: 2026-03-02 is a Monday, 2026-03-01 a Sunday.
  EXPECT_GT(a.by_day.at(last).requests, a.by_day.at(last - 1).requests);
  EXPECT_GT(a.totals.input, 0u);
  EXPECT_GT(a.totals.output, 0u);
  EXPECT_GT(a.totals.cache_read, 0u);
  EXPECT_GT(a.totals.cache_write, 0u);
}

TEST(DemoDataset, CoversModelsOperationsUsersRegionsAndErrors) {
  const Aggregate a = aggregate_of(demo_dataset(day_of("2026-03-02"), 30));
  for (const char* model :
       {"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0",
        "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0", "meta.llama3-3-70b-instruct-v1:0",
        "amazon.titan-embed-text-v2:0",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k2j3h4g5f6d7"}) {
    ASSERT_EQ(a.by_model_id.count(model), 1u) << model;
    EXPECT_GT(a.by_model_id.at(model).requests, 10u) << model;
  }
  EXPECT_EQ(a.by_model_id.size(), 9u);
  EXPECT_EQ(a.by_model_id.at("amazon.titan-embed-text-v2:0").output,
            0u);                                                        // embeddings produce no output tokens
  EXPECT_EQ(a.by_model_id.at("amazon.nova-lite-v1:0").cache_read, 0u);  // only Claude calls use the cache
  EXPECT_GT(a.by_model_id.at("us.anthropic.claude-sonnet-4-5-20250929-v1:0").cache_read, 0u);
  // Profiles merge with the base model in the seed's short ids.
  EXPECT_EQ(a.by_model.at("claude-sonnet-4-5-20250929-v1:0").requests,
            a.by_model_id.at("us.anthropic.claude-sonnet-4-5-20250929-v1:0").requests +
                a.by_model_id.at("global.anthropic.claude-sonnet-4-5-20250929-v1:0").requests +
                a.by_model_id.at("eu.anthropic.claude-sonnet-4-5-20250929-v1:0").requests);

  for (const char* op : {"Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream"}) {
    EXPECT_EQ(a.by_operation.count(op), 1u) << op;
  }
  EXPECT_EQ(a.by_operation.size(), 4u);
  for (const char* region : {"us-east-1", "us-west-2", "eu-central-1"})
    EXPECT_EQ(a.by_region.count(region), 1u);
  EXPECT_EQ(a.by_region.size(), 3u);
  EXPECT_GE(a.by_user.size(), 6u);
  EXPECT_EQ(a.by_user.count("arn:aws:iam::123456789012:user/ci-bot"), 1u);
  EXPECT_EQ(a.by_user.count("arn:aws:sts::123456789012:assumed-role/support-bot-lambda-role/support-bot"),
            1u);

  for (const char* error : {"ThrottlingException", "ValidationException", "ModelTimeoutException"}) {
    ASSERT_EQ(a.by_error_code.count(error), 1u) << error;
    EXPECT_EQ(a.by_error_code.at(error).output, 0u) << error;
  }
  EXPECT_EQ(a.by_error_code.at("ThrottlingException").input, 0u);
  EXPECT_GT(a.by_error_code.at("ValidationException").input, 0u);
  std::uint64_t errors = 0;
  for (const auto& [code, counts] : a.by_error_code) errors += counts.errors;
  EXPECT_EQ(a.totals.errors, errors);
  EXPECT_LT(a.totals.errors * 20, a.totals.requests);  // a few percent at most
}

TEST(DemoDataset, WindowsAreReproducibleWhateverTheLastDay) {
  // The same ten days seen from two demos ending on different days.
  const std::int64_t first = day_of("2026-02-10");
  const std::int64_t start_ms = first * kMsPerDay;
  const std::int64_t end_ms = (first + 10) * kMsPerDay;
  Aggregate a = aggregate_of(demo_dataset(first + 12, 30), start_ms, end_ms);
  Aggregate b = aggregate_of(demo_dataset(first + 25, 40), start_ms, end_ms);
  EXPECT_GT(a.totals.requests, 500u);
  EXPECT_EQ(a.totals, b.totals);
  EXPECT_EQ(a.by_day, b.by_day);
  EXPECT_EQ(a.by_day.size(), 10u);
  EXPECT_EQ(a.by_model_id, b.by_model_id);
  EXPECT_EQ(a.by_user, b.by_user);
  EXPECT_EQ(a.by_region_model_id, b.by_region_model_id);
  EXPECT_EQ(a.by_error_code, b.by_error_code);
  EXPECT_NE(a.skipped.out_of_window, b.skipped.out_of_window);  // the rest of each demo
}

TEST(DemoDataset, TimestampsStayInTheirDayInOrder) {
  const std::int64_t day = day_of("2026-03-07");
  std::string text;
  append_demo_day(day, text);
  RecordParser parser;
  UsageRow row;
  std::int64_t previous = INT64_MIN;
  std::size_t records = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    ASSERT_EQ(parser.parse_copy(std::string_view(text).substr(pos, nl - pos), row), ParseOutcome::kRecord);
    EXPECT_EQ(row.day, day);
    EXPECT_GE(parser.timestamp_ms(), previous);
    previous = parser.timestamp_ms();
    ++records;
    pos = nl + 1;
  }
  EXPECT_GE(records, 70u);
}

TEST(DemoDataset, ZeroDaysIsJustThePermissionsLine) {
  EXPECT_EQ(demo_dataset(day_of("2026-03-02"), 0),
            "Permissions are correctly set for Amazon Bedrock logs.\n");
}
