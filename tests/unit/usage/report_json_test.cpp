#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "usage/aggregate.hpp"
#include "usage/pricing.hpp"
#include "usage/record_parser.hpp"
#include "usage/report.hpp"

namespace usage {
namespace {

using nlohmann::json;

// A strict validator for the JSON Schema subset the output schemas use. It
// fails on any keyword it does not know, so the schemas cannot drift into
// constructs this check would silently ignore. (The full validator lives in
// mcp_protocol, which the usage tests deliberately do not link.)
class MiniValidator {
 public:
  std::vector<std::string> validate(const json& schema, const json& value) {
    errors_.clear();
    check(schema, value, "");
    return errors_;
  }

 private:
  static bool has_type(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "number") return value.is_number();
    if (type == "integer") {
      return value.is_number_integer() ||
             (value.is_number_float() &&
              value.get<double>() == static_cast<double>(value.get<std::int64_t>()));
    }
    if (type == "null") return value.is_null();
    return false;
  }

  void fail(const std::string& path, const std::string& message) {
    errors_.push_back((path.empty() ? "/" : path) + ": " + message);
  }

  void check(const json& schema, const json& value, const std::string& path) {
    static const std::set<std::string> known = {"$schema",    "title",    "description",          "type",
                                                "properties", "required", "additionalProperties", "items",
                                                "enum",       "minimum"};
    for (const auto& [keyword, ignored] : schema.items()) {
      if (!known.contains(keyword)) fail(path, "schema uses unsupported keyword " + keyword);
    }
    if (const auto type = schema.find("type"); type != schema.end()) {
      if (!has_type(value, type->get<std::string>())) {
        fail(path, "expected " + type->get<std::string>() + ", got " + value.dump());
        return;
      }
    }
    if (const auto values = schema.find("enum"); values != schema.end()) {
      if (std::find(values->begin(), values->end(), value) == values->end()) fail(path, "not in enum");
    }
    if (const auto minimum = schema.find("minimum"); minimum != schema.end() && value.is_number()) {
      if (value.get<double>() < minimum->get<double>()) fail(path, "below minimum");
    }
    if (value.is_object()) {
      const json properties = schema.value("properties", json::object());
      for (const auto& name : schema.value("required", json::array())) {
        if (!value.contains(name.get<std::string>()))
          fail(path, "missing required " + name.get<std::string>());
      }
      for (const auto& [name, member] : value.items()) {
        if (properties.contains(name)) {
          check(properties[name], member, path + "/" + name);
        } else if (const auto extra = schema.find("additionalProperties"); extra != schema.end()) {
          if (extra->is_boolean() && !extra->get<bool>()) fail(path, "unexpected property " + name);
          if (extra->is_object()) check(*extra, member, path + "/" + name);
        }
      }
    }
    if (value.is_array()) {
      if (const auto items = schema.find("items"); items != schema.end()) {
        for (std::size_t i = 0; i < value.size(); ++i)
          check(*items, value[i], path + "/" + std::to_string(i));
      }
    }
  }

  std::vector<std::string> errors_;
};

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

void expect_valid(const json& schema, const json& value) {
  const auto errors = MiniValidator{}.validate(schema, value);
  EXPECT_TRUE(errors.empty()) << joined(errors) << value.dump(2);
}

std::int64_t day(std::string_view text) {
  std::int64_t d = 0;
  EXPECT_TRUE(parse_day(text, d));
  return d;
}

void add(Aggregator& aggregator, std::string_view date, std::string_view region, std::string_view model_id,
         std::string_view user, std::uint64_t input, std::uint64_t output, std::string_view operation = "",
         std::string_view error = "", std::uint64_t cache_read = 0) {
  UsageRow row;
  row.day = day(date);
  row.region = region;
  row.has_region = !region.empty();
  row.model_id = model_id;
  row.user_arn = user;
  row.has_user = !user.empty();
  row.operation = operation;
  row.error_code = error;
  row.counts = {1, input, output, cache_read, 0, error.empty() ? 0u : 1u};
  aggregator.add(row);
}

Report sample_report() {
  Aggregator aggregator;
  add(aggregator, "2026-03-02", "us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "arn:user/a",
      1000, 100, "Converse", "", 5000);
  add(aggregator, "2026-03-01", "us-east-1", "amazon.nova-lite-v1:0", "arn:user/b", 500, 50, "InvokeModel");
  add(aggregator, "2026-03-01", "eu-west-1", "amazon.nova-lite-v1:0", "", 200, 20, "InvokeModel");
  add(aggregator, "2026-03-01", "eu-west-1", "arn:aws:bedrock:eu-west-1:1:application-inference-profile/x",
      "", 7, 3, "Converse", "ThrottlingException");
  Report report;
  report.query.region = "us-east-1";
  report.query.log_group = "/aws/bedrock/modelinvocations";
  report.query.source = "auto";
  report.query.days = 7;
  report.query.start_ms = 1772323200000;  // 2026-03-01T00:00:00Z
  report.query.end_ms = 1772928000000;    // 2026-03-08T00:00:00Z
  report.query.include_cost = true;
  report.source_used = "insights";
  report.aggregate = aggregator.take();
  report.aggregate.skipped.non_json = 2;
  report.estimate = estimate_cost(report.aggregate, PriceTable::bundled());
  BilledSpend spend;
  spend.start = "2026-03-01";
  spend.end = "2026-03-08";
  spend.lines = {
      {"2026-03-01", "Amazon Bedrock", "USE1-NovaLite-input-tokens", 0.1 + 0.2, 1350, "N/A", true}};
  spend.total_usd = 0.1 + 0.2;
  spend.any_estimated = true;
  report.billed = spend;
  report.notes = {"note one"};
  return report;
}

TEST(ReportSchema, IsAnObjectSchemaInTheSupportedSubset) {
  const json schema = report_output_schema();
  EXPECT_EQ(schema["type"], "object");
  EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  // An empty object misses every required key; the validator must say so.
  const auto errors = MiniValidator{}.validate(schema, json::object());
  EXPECT_FALSE(errors.empty());
  for (const auto& e : errors) EXPECT_EQ(e.find("unsupported keyword"), std::string::npos) << e;
  const json spend = spend_output_schema();
  EXPECT_EQ(spend["type"], "object");
  EXPECT_FALSE(MiniValidator{}.validate(spend, json::object()).empty());
}

TEST(RenderJson, FullReportValidatesAndHasTheDocumentedShape) {
  const Report report = sample_report();
  const json out = render_json(report);
  expect_valid(report_output_schema(), out);

  const json& query = out["query"];
  EXPECT_EQ(query["region"], "us-east-1");
  EXPECT_EQ(query["logGroup"], "/aws/bedrock/modelinvocations");
  EXPECT_EQ(query["source"], "auto");
  EXPECT_EQ(query["sourceUsed"], "insights");
  EXPECT_EQ(query["days"], 7);
  EXPECT_FALSE(query.contains("startDate"));
  EXPECT_EQ(query["startTime"], "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(query["endTime"], "2026-03-08T00:00:00.000Z");
  EXPECT_EQ(query["includeCost"], true);
  EXPECT_FALSE(query.contains("topN"));
  EXPECT_FALSE(query.contains("accountId"));

  EXPECT_EQ(out["totals"], (json{{"requests", 4},
                                 {"inputTokens", 1707},
                                 {"outputTokens", 173},
                                 {"cacheReadTokens", 5000},
                                 {"cacheWriteTokens", 0},
                                 {"totalTokens", 1880},
                                 {"errors", 1}}));
  ASSERT_EQ(out["daily"].size(), 2u);
  EXPECT_EQ(out["daily"][0]["date"], "2026-03-01");
  EXPECT_EQ(out["daily"][0]["requests"], 3);
  EXPECT_EQ(out["daily"][1]["date"], "2026-03-02");

  ASSERT_EQ(out["regions"].size(), 2u);
  EXPECT_EQ(out["regions"][0]["key"], "us-east-1");
  EXPECT_EQ(out["regions"][0]["totalTokens"], 1650);
  EXPECT_EQ(out["models"][0]["key"], "claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(out["models"][0]["cacheReadTokens"], 5000);
  ASSERT_EQ(out["users"].size(), 2u);
  EXPECT_EQ(out["users"][0]["key"], "arn:user/a");
  ASSERT_EQ(out["operations"].size(), 2u);
  EXPECT_EQ(out["operations"][0]["key"], "Converse");
  ASSERT_EQ(out["inferenceProfiles"].size(), 2u);
  EXPECT_EQ(out["inferenceProfiles"][0]["key"], "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
  ASSERT_EQ(out["errors"].size(), 1u);
  EXPECT_EQ(out["errors"][0]["key"], "ThrottlingException");
  EXPECT_EQ(out["errors"][0]["errors"], 1);
  EXPECT_FALSE(out.contains("omitted"));

  EXPECT_EQ(
      out["skipped"],
      (json{{"nonJson", 2}, {"badTimestamp", 0}, {"notInvocation", 0}, {"outOfWindow", 0}, {"total", 2}}));

  const json& cost = out["estimatedCost"];
  EXPECT_EQ(cost["isEstimate"], true);
  EXPECT_EQ(cost["currency"], "USD");
  EXPECT_EQ(cost["priceTableDate"], PriceTable::bundled().date());
  EXPECT_EQ(cost["unpricedModelIds"], (json{"arn:aws:bedrock:eu-west-1:1:application-inference-profile/x"}));
  ASSERT_EQ(cost["lines"].size(), 3u);
  const json& sonnet = cost["lines"][0];
  EXPECT_EQ(sonnet["modelId"], "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(sonnet["priceName"], "Claude Sonnet 4.5");
  // 1000 x 0.0033/1K + 100 x 0.0165/1K + 5000 x 0.00033/1K, rounded to nanodollars.
  EXPECT_EQ(sonnet["inputUsd"], 0.0033);
  EXPECT_EQ(sonnet["outputUsd"], 0.00165);
  EXPECT_EQ(sonnet["cacheReadUsd"], 0.00165);
  EXPECT_EQ(sonnet["totalUsd"], 0.0066);

  const json& billed = out["billedSpend"];
  EXPECT_EQ(billed["totalUsd"], 0.3);  // not 0.30000000000000004
  EXPECT_EQ(billed["endInclusive"], "2026-03-07");
  EXPECT_EQ(out["notes"], (json{"note one"}));
}

TEST(RenderJson, OptionalPartsAreAbsentWithoutData) {
  Report report;
  report.query.region = "us-west-2";
  report.query.source = "file:/tmp/logs";
  report.query.start_day = day("2026-02-01");
  report.query.end_day = day("2026-02-28");
  report.source_used = "file:/tmp/logs";
  const json out = render_json(report);
  expect_valid(report_output_schema(), out);
  EXPECT_FALSE(out["query"].contains("days"));
  EXPECT_FALSE(out["query"].contains("logGroup"));
  EXPECT_EQ(out["query"]["startDate"], "2026-02-01");
  EXPECT_EQ(out["query"]["endDate"], "2026-02-28");
  EXPECT_FALSE(out.contains("estimatedCost"));
  EXPECT_FALSE(out.contains("billedSpend"));
  EXPECT_FALSE(out.contains("omitted"));
  EXPECT_EQ(out["totals"]["requests"], 0);
  for (const char* name :
       {"daily", "regions", "models", "users", "operations", "inferenceProfiles", "errors", "notes"}) {
    EXPECT_EQ(out[name], json::array()) << name;
  }
}

TEST(RenderJson, TopNCountsWhatItCuts) {
  Report report = sample_report();
  report.query.top_n = 1;
  const json out = render_json(report);
  expect_valid(report_output_schema(), out);
  EXPECT_EQ(out["query"]["topN"], 1);
  ASSERT_EQ(out["regions"].size(), 1u);
  const json& omitted = out["omitted"];
  EXPECT_EQ(omitted["regions"]["rows"], 1);
  EXPECT_EQ(omitted["regions"]["requests"], 2);
  EXPECT_EQ(omitted["regions"]["totalTokens"], 230);
  EXPECT_EQ(omitted["users"]["rows"], 1);
  EXPECT_EQ(omitted["inferenceProfiles"]["rows"], 1);
  EXPECT_FALSE(omitted.contains("errors"));  // one error code: nothing cut
  // Kept + omitted = totals for every breakdown that covers all records.
  for (const char* name : {"regions", "models", "operations"}) {
    std::uint64_t requests = omitted[name]["requests"];
    for (const auto& row : out[name]) requests += row["requests"].get<std::uint64_t>();
    EXPECT_EQ(requests, 4u) << name;
  }
}

TEST(RenderJson, ExplicitDatesAndAccount) {
  Report report = sample_report();
  report.query.days = 0;
  report.query.start_day = day("2026-03-01");
  report.query.end_day = day("2026-03-07");
  report.query.account_id = "123456789012";
  const json out = render_json(report);
  expect_valid(report_output_schema(), out);
  EXPECT_EQ(out["query"]["accountId"], "123456789012");
  EXPECT_EQ(out["query"]["startDate"], "2026-03-01");
  EXPECT_EQ(out["query"]["endDate"], "2026-03-07");
}

TEST(RenderJson, SchemaRejectsDrift) {
  json out = render_json(sample_report());
  out["surprise"] = 1;
  EXPECT_FALSE(MiniValidator{}.validate(report_output_schema(), out).empty());
  out = render_json(sample_report());
  out["regions"][0]["requests"] = "many";
  EXPECT_FALSE(MiniValidator{}.validate(report_output_schema(), out).empty());
  out = render_json(sample_report());
  out["estimatedCost"].erase("lines");
  EXPECT_FALSE(MiniValidator{}.validate(report_output_schema(), out).empty());
}

TEST(RenderSpendJson, ValidatesAndSummarises) {
  BilledSpend spend;
  spend.start = "2026-03-01";
  spend.end = "2026-03-03";
  spend.lines = {
      {"2026-03-02", "Amazon Bedrock", "USE1-NovaLite-input-tokens", 0.081, 1350, "N/A", true},
      {"2026-03-01", "Amazon Bedrock Service", "USE1-Claude4.6Sonnet-input-tokens", 12.3456789, 4115.226,
       "N/A", false},
      {"2026-03-02", "Amazon Bedrock Service", "USE1-Claude4.6Sonnet-input-tokens", 1, 333, "N/A", true},
  };
  spend.total_usd = 13.4266789;
  spend.any_estimated = true;
  const json out = render_spend_json(spend);
  expect_valid(spend_output_schema(), out);
  EXPECT_EQ(out["start"], "2026-03-01");
  EXPECT_EQ(out["end"], "2026-03-03");
  EXPECT_EQ(out["endInclusive"], "2026-03-02");
  EXPECT_EQ(out["metric"], "UnblendedCost");
  EXPECT_EQ(out["totalUsd"], 13.4266789);
  EXPECT_EQ(out["includesEstimated"], true);
  ASSERT_EQ(out["daily"].size(), 2u);
  EXPECT_EQ(out["daily"][0], (json{{"date", "2026-03-01"}, {"usd", 12.3456789}, {"estimated", false}}));
  EXPECT_EQ(out["daily"][1], (json{{"date", "2026-03-02"}, {"usd", 1.081}, {"estimated", true}}));
  ASSERT_EQ(out["usageTypes"].size(), 2u);
  EXPECT_EQ(out["usageTypes"][0]["usageType"], "USE1-Claude4.6Sonnet-input-tokens");
  EXPECT_EQ(out["usageTypes"][0]["usd"], 13.3456789);
  EXPECT_DOUBLE_EQ(out["usageTypes"][0]["quantity"].get<double>(), 4448.226);
  EXPECT_EQ(out["usageTypes"][0]["quantityUnit"], "N/A");
  ASSERT_EQ(out["services"].size(), 2u);
  EXPECT_EQ(out["services"][0]["service"], "Amazon Bedrock Service");
  EXPECT_EQ(out["lines"].size(), 3u);

  const json empty = render_spend_json(BilledSpend{"2026-03-01", "2026-03-02", {}, 0, false});
  expect_valid(spend_output_schema(), empty);
  EXPECT_EQ(empty["daily"], json::array());
  EXPECT_EQ(empty["totalUsd"], 0);
}

}  // namespace
}  // namespace usage
