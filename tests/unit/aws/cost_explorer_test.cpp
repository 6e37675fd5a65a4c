#include "aws/cost_explorer.hpp"

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

constexpr const char* kCostPage1 = R"json({
  "GroupDefinitions":[{"Type":"DIMENSION","Key":"SERVICE"},{"Type":"DIMENSION","Key":"USAGE_TYPE"}],
  "ResultsByTime":[
    {"TimePeriod":{"Start":"2026-02-01","End":"2026-02-02"},"Total":{},
     "Groups":[
       {"Keys":["Amazon Bedrock Service","USE1-Claude4.6Sonnet-input-tokens"],
        "Metrics":{"UnblendedCost":{"Amount":"12.3456789","Unit":"USD"},"UsageQuantity":{"Amount":"4115.226","Unit":"N/A"}}},
       {"Keys":["Claude 3.5 Sonnet (Amazon Bedrock Edition)","USE1-MP:USE1_OutputTokenCount-Units"],
        "Metrics":{"UnblendedCost":{"Amount":"0.75","Unit":"USD"},"UsageQuantity":{"Amount":"0.05","Unit":"N/A"}}},
       {"Keys":["Amazon Bedrock","USE1-NovaLite-input-tokens"],
        "Metrics":{"UnblendedCost":{"Amount":"0.081","Unit":"USD"},"UsageQuantity":{"Amount":"1350","Unit":"N/A"}}}],
     "Estimated":true}],
  "DimensionValueAttributes":[],
  "NextPageToken":"next-1"})json";

constexpr const char* kCostPage2 = R"({
  "ResultsByTime":[
    {"TimePeriod":{"Start":"2026-02-02","End":"2026-02-03"},"Total":{},
     "Groups":[{"Keys":["Amazon Bedrock","USE1-NovaLite-output-tokens"],
                "Metrics":{"UnblendedCost":{"Amount":"1.2E-7","Unit":"USD"},"UsageQuantity":{"Amount":"bogus","Unit":"N/A"}}},
               {"Keys":["only one key"],"Metrics":{}},{"Keys":["no metrics: skipped"]}],
     "Estimated":false}]})";

TEST(AwsCostExplorer, RequestBody) {
  CostQuery q;
  q.start = "2026-02-01";
  q.end = "2026-03-01";
  q.service_values = {"Amazon Bedrock", "Amazon Bedrock Service"};
  EXPECT_EQ(json::parse(cost_and_usage_body(q, "")), json::parse(R"({
    "TimePeriod":{"Start":"2026-02-01","End":"2026-03-01"},"Granularity":"DAILY",
    "Metrics":["UnblendedCost","UsageQuantity"],
    "Filter":{"And":[{"Dimensions":{"Key":"SERVICE","Values":["Amazon Bedrock","Amazon Bedrock Service"]}},
                     {"Dimensions":{"Key":"RECORD_TYPE","Values":["Usage"]}}]},
    "GroupBy":[{"Type":"DIMENSION","Key":"SERVICE"},{"Type":"DIMENSION","Key":"USAGE_TYPE"}]})"));
  q.service_values.clear();
  const json only_record = json::parse(cost_and_usage_body(q, "tok"));
  EXPECT_EQ(only_record["Filter"], json::parse(R"({"Dimensions":{"Key":"RECORD_TYPE","Values":["Usage"]}})"));
  EXPECT_EQ(only_record["NextPageToken"], "tok");
  q.record_type.clear();
  q.group_by.clear();
  const json bare = json::parse(cost_and_usage_body(q, ""));
  EXPECT_FALSE(bare.contains("Filter"));
  EXPECT_FALSE(bare.contains("GroupBy"));
}

TEST(AwsCostExplorer, FollowsPagesAndParses) {
  FakeTransport fake;
  fake.handler = [](const mcp::http::ClientRequest& q) {
    return reply(200, json::parse(q.body).contains("NextPageToken") ? kCostPage2 : kCostPage1);
  };
  CostQuery query;
  query.start = "2026-02-01";
  query.end = "2026-02-03";
  auto r = get_cost_and_usage(client_for(fake, cost_explorer_service()), query, CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->pages, 2);
  EXPECT_FALSE(r->truncated);
  ASSERT_EQ(r->rows.size(), 5u);
  const CostRow& first = r->rows[0];
  EXPECT_EQ(first.date, "2026-02-01");
  EXPECT_EQ(first.service, "Amazon Bedrock Service");
  EXPECT_EQ(first.usage_type, "USE1-Claude4.6Sonnet-input-tokens");
  EXPECT_DOUBLE_EQ(first.cost_usd, 12.3456789);
  EXPECT_EQ(first.currency, "USD");
  EXPECT_DOUBLE_EQ(first.quantity, 4115.226);
  EXPECT_EQ(first.unit, "N/A");
  EXPECT_TRUE(first.estimated);
  EXPECT_EQ(r->rows[1].usage_type, "USE1-MP:USE1_OutputTokenCount-Units");
  const CostRow& tiny = r->rows[3];
  EXPECT_EQ(tiny.date, "2026-02-02");
  EXPECT_DOUBLE_EQ(tiny.cost_usd, 1.2e-7);
  EXPECT_DOUBLE_EQ(tiny.quantity, 0);  // unreadable amounts count as zero
  EXPECT_FALSE(tiny.estimated);
  EXPECT_EQ(r->rows[4].usage_type, "");
  std::size_t iterated = 0;
  for (const CostRow& row : *r) iterated += row.date.empty() ? 0 : 1;
  EXPECT_EQ(iterated, 5u);  // tolerated: a group with too few keys
  EXPECT_EQ(header(fake.requests()[0], "X-Amz-Target"), "AWSInsightsIndexService.GetCostAndUsage");
  EXPECT_EQ(json::parse(fake.requests()[1].body)["NextPageToken"], "next-1");
}

TEST(AwsCostExplorer, PagesAreBounded) {
  FakeTransport fake;
  int n = 0;
  fake.handler = [&](const mcp::http::ClientRequest&) {
    return reply(200, R"({"ResultsByTime":[],"NextPageToken":"t)" + std::to_string(++n) + "\"}");
  };
  CostQuery query;
  query.max_pages = 3;
  auto r = get_cost_and_usage(client_for(fake, cost_explorer_service()), query, CallContext{});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->pages, 3);
  EXPECT_EQ(fake.count(), 3u);
}

TEST(AwsCostExplorer, TotalsWithoutGroups) {
  CostQuery q;
  q.group_by.clear();
  std::vector<CostRow> rows;
  auto next = parse_cost_and_usage(
      R"({"ResultsByTime":[{"TimePeriod":{"Start":"2026-02-01","End":"2026-02-02"},
          "Total":{"UnblendedCost":{"Amount":"3.5","Unit":"USD"}},"Groups":[],"Estimated":false}]})",
      q, rows);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, "");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].cost_usd, 3.5);
  EXPECT_FALSE(parse_cost_and_usage("[]", q, rows));
}

TEST(AwsCostExplorer, BedrockServices) {
  FakeTransport fake;
  fake.handler = [](const mcp::http::ClientRequest& q) {
    const json body = json::parse(q.body);
    if (!body.contains("NextPageToken")) {
      return reply(200, R"json({"DimensionValues":[{"Value":"Amazon Bedrock","Attributes":{}},
                                               {"Value":"Claude 3 Haiku (Amazon Bedrock Edition)","Attributes":{}},
                                               {"Value":"Amazon Bedrock"}],
                             "ReturnSize":3,"TotalSize":4,"NextPageToken":"p2"})json");
    }
    return reply(200,
                 R"({"DimensionValues":[{"Value":"Amazon Bedrock Service"},{"Value":"Something Else"}]})");
  };
  auto r =
      bedrock_services(client_for(fake, cost_explorer_service()), "2026-02-01", "2026-03-01", CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (std::vector<std::string>{"Amazon Bedrock", "Amazon Bedrock Service",
                                          "Claude 3 Haiku (Amazon Bedrock Edition)"}));
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(header(requests[0], "X-Amz-Target"), "AWSInsightsIndexService.GetDimensionValues");
  EXPECT_EQ(json::parse(requests[0].body),
            json::parse(R"({"TimePeriod":{"Start":"2026-02-01","End":"2026-03-01"},"Dimension":"SERVICE",)"
                        R"("Context":"COST_AND_USAGE","SearchString":"Bedrock"})"));
}

}  // namespace
}  // namespace aws
