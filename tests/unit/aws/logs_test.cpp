#include "aws/logs.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws_test_support.hpp"

namespace aws {
namespace {

using nlohmann::json;
using testing::client_for;
using testing::env_of;
using testing::FakeTransport;
using testing::header;
using testing::reply;

TEST(AwsLogs, FilterLogEventsBody) {
  json j =
      json::parse(filter_log_events_body("/aws/bedrock/modelinvocations", 1772409600000, 1772496000000, ""));
  EXPECT_EQ(j, json::parse(R"({"logGroupName":"/aws/bedrock/modelinvocations","startTime":1772409600000,)"
                           R"("endTime":1772496000000,"limit":10000})"));
  j = json::parse(filter_log_events_body("arn:aws:logs:us-east-1:1:log-group:g\"x", 1, 2, "tok\"\\\n", 50));
  EXPECT_EQ(j["logGroupIdentifier"], "arn:aws:logs:us-east-1:1:log-group:g\"x");
  EXPECT_FALSE(j.contains("logGroupName"));
  EXPECT_EQ(j["nextToken"], "tok\"\\\n");
  EXPECT_EQ(j["limit"], 50);
  EXPECT_EQ(json::parse(filter_log_events_body("g", 1, 2, "", 0))["limit"], 1);
  // Invalid UTF-8 in a name must not throw.
  EXPECT_NO_THROW(filter_log_events_body("bad\xff", 1, 2, ""));
}

TEST(AwsLogs, DescribeLogGroupsFollowsPages) {
  FakeTransport fake;
  fake.handler = [](const mcp::http::ClientRequest& q) {
    const json body = json::parse(q.body);
    if (!body.contains("nextToken")) {
      return reply(200, R"({"logGroups":[
        {"logGroupName":"/aws/bedrock/a","creationTime":1700000000000,"retentionInDays":30,"metricFilterCount":0,
         "arn":"arn:aws:logs:us-east-1:1:log-group:/aws/bedrock/a:*","storedBytes":12345,
         "logGroupClass":"STANDARD","logGroupArn":"arn:aws:logs:us-east-1:1:log-group:/aws/bedrock/a"},
        {"logGroupName":"/aws/bedrock/b","arn":"arn:aws:logs:us-east-1:1:log-group:/aws/bedrock/b:*"},
        {"storedBytes":"not a group"}],
        "nextToken":"page2"})");
    }
    return reply(200, R"({"logGroups":[{"logGroupName":"/aws/bedrock/c","storedBytes":1.5e3}]})");
  };
  const JsonClient client = client_for(fake, cloudwatch_logs_service());
  auto all = list_all_log_groups(client, "/aws/bedrock", 100, CallContext{});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  const LogGroup& a = (*all)[0];
  EXPECT_EQ(a.name, "/aws/bedrock/a");
  EXPECT_EQ(a.arn, "arn:aws:logs:us-east-1:1:log-group:/aws/bedrock/a");
  EXPECT_EQ(a.stored_bytes, 12345);
  EXPECT_EQ(a.retention_days, 30);
  EXPECT_EQ(a.creation_time_ms, 1700000000000);
  EXPECT_EQ(a.log_group_class, "STANDARD");
  EXPECT_EQ((*all)[1].arn, "arn:aws:logs:us-east-1:1:log-group:/aws/bedrock/b");  // ":*" dropped
  EXPECT_FALSE((*all)[1].retention_days);
  EXPECT_EQ((*all)[2].stored_bytes, 1500);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(header(requests[0], "X-Amz-Target"), "Logs_20140328.DescribeLogGroups");
  EXPECT_EQ(json::parse(requests[0].body),
            json::parse(R"({"logGroupNamePrefix":"/aws/bedrock","limit":50})"));
  EXPECT_EQ(json::parse(requests[1].body)["nextToken"], "page2");

  auto capped = list_all_log_groups(client, "/aws/bedrock", 1, CallContext{});
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->size(), 1u);
  EXPECT_EQ(fake.count(), 3u);  // stopped after the first page
}

TEST(AwsLogs, DescribeLogGroupsRejectsGarbage) {
  auto r = parse_describe_log_groups("not json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  auto empty = parse_describe_log_groups("{}");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->groups.empty());
}

TEST(AwsLogs, InsightsQueryLifecycle) {
  FakeTransport fake;
  fake.handler = [](const mcp::http::ClientRequest& q) {
    const std::string target = header(q, "X-Amz-Target");
    if (target.ends_with("StartQuery"))
      return reply(200, R"({"queryId":"12ab3456-12ab-123a-789e-1234567890ab"})");
    if (target.ends_with("StopQuery")) return reply(200, R"({"success":true})");
    return reply(200, R"({"status":"Complete",
      "results":[[{"field":"day","value":"2026-03-02 00:00:00.000"},
                  {"field":"modelId","value":"us.anthropic.claude-sonnet-4-20250514-v1:0"},
                  {"field":"identity.arn","value":"arn:aws:sts::123456789012:assumed-role/x"},
                  {"field":"inTok","value":"123456"}],
                 [{"field":"day","value":"2026-03-03 00:00:00.000"},{"field":"inTok"}]],
      "statistics":{"recordsMatched":360851.0,"recordsScanned":610956.0,"bytesScanned":81349723.0,
                    "estimatedRecordsSkipped":0.0,"logGroupsScanned":1.0},
      "queryLanguage":"CWLI"})");
  };
  const JsonClient client = client_for(fake, cloudwatch_logs_service());
  auto id = start_query(client, "/aws/bedrock/modelinvocations", 1772409600, 1772496000, "fields @timestamp",
                        10000, CallContext{});
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "12ab3456-12ab-123a-789e-1234567890ab");
  EXPECT_EQ(json::parse(fake.requests()[0].body),
            json::parse(R"({"logGroupName":"/aws/bedrock/modelinvocations","startTime":1772409600,)"
                        R"("endTime":1772496000,"queryString":"fields @timestamp","limit":10000})"));

  auto results = get_query_results(client, *id, CallContext{});
  ASSERT_TRUE(results) << results.error().message;
  EXPECT_EQ(results->status, "Complete");
  EXPECT_TRUE(results->finished());
  ASSERT_EQ(results->rows.size(), 2u);
  ASSERT_EQ(results->rows[0].size(), 4u);
  EXPECT_EQ(results->rows[0][1],
            (std::pair<std::string, std::string>{"modelId", "us.anthropic.claude-sonnet-4-20250514-v1:0"}));
  EXPECT_EQ(results->rows[1][1], (std::pair<std::string, std::string>{"inTok", ""}));
  EXPECT_DOUBLE_EQ(results->records_matched, 360851.0);
  EXPECT_DOUBLE_EQ(results->records_scanned, 610956.0);
  EXPECT_DOUBLE_EQ(results->bytes_scanned, 81349723.0);
  EXPECT_EQ(json::parse(fake.requests()[1].body),
            json::parse(R"({"queryId":"12ab3456-12ab-123a-789e-1234567890ab"})"));

  auto stopped = stop_query(client, *id, CallContext{});
  ASSERT_TRUE(stopped);
  EXPECT_TRUE(*stopped);

  auto by_arn = start_query(client, "arn:aws:logs:us-east-1:1:log-group:g:*", 1, 2, "q", 5, CallContext{});
  ASSERT_TRUE(by_arn);
  EXPECT_EQ(json::parse(fake.requests().back().body)["logGroupIdentifiers"],
            json::parse(R"(["arn:aws:logs:us-east-1:1:log-group:g"])"));
}

TEST(AwsLogs, QueryResultsWhileRunning) {
  auto r = parse_query_results(R"({"status":"Running","results":[]})");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->finished());
  EXPECT_TRUE(r->rows.empty());
  EXPECT_FALSE(parse_query_results(R"({"results":[]})"));
}

TEST(AwsLogs, StopQueryOnFinishedQuery) {
  FakeTransport fake;
  fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(400, R"({"__type":"InvalidParameterException","message":"Query is not running"})");
  };
  auto r = stop_query(client_for(fake, cloudwatch_logs_service()), "id", CallContext{});
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
}

}  // namespace
}  // namespace aws
