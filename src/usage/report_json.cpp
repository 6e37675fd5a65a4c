// The JSON renderings (MCP structuredContent) and their output schemas. The
// schemas are strict (additionalProperties: false) so a renderer change that
// forgets the schema fails the unit tests instead of surprising clients.
#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include "usage/record_parser.hpp"
#include "usage/report.hpp"

namespace usage {
namespace {

using nlohmann::json;

// Cost arithmetic leaves binary noise (0.30000000000000004); nanodollars
// keep every real digit of per-token prices and print cleanly.
double money(double usd) {
  return std::isfinite(usd) ? std::round(usd * 1e9) / 1e9 : 0.0;
}

json counts_json(const TokenCounts& c) {
  return {{"requests", c.requests},
          {"inputTokens", c.input},
          {"outputTokens", c.output},
          {"cacheReadTokens", c.cache_read},
          {"cacheWriteTokens", c.cache_write},
          {"totalTokens", c.total()},
          {"errors", c.errors}};
}

json keyed_json(std::string_view name, std::string_view value, const TokenCounts& c) {
  json row = counts_json(c);
  row[std::string(name)] = value;
  return row;
}

// Adds `name: [rows]` and, when top_n cut rows, omitted[name] = {rows, counts}.
void breakdown(json& out, const char* name, const RankedRows& ranked) {
  json rows = json::array();
  for (const auto& row : ranked.rows) rows.push_back(keyed_json("key", row.key, row.counts));
  out[name] = std::move(rows);
  if (ranked.omitted_rows > 0) {
    json omitted = counts_json(ranked.omitted);
    omitted["rows"] = ranked.omitted_rows;
    out["omitted"][name] = std::move(omitted);
  }
}

json query_json(const Report& report) {
  const ReportQuery& q = report.query;
  json query = {{"region", q.region},
                {"source", q.source},
                {"sourceUsed", report.source_used},
                {"startTime", format_iso_time(q.start_ms)},
                {"endTime", format_iso_time(q.end_ms)},
                {"includeCost", q.include_cost}};
  if (!q.log_group.empty()) query["logGroup"] = q.log_group;
  if (!q.account_id.empty()) query["accountId"] = q.account_id;
  if (q.days > 0) {
    query["days"] = q.days;
  } else {
    query["startDate"] = format_day(q.start_day);
    query["endDate"] = format_day(q.end_day);
  }
  if (q.top_n > 0) query["topN"] = q.top_n;
  return query;
}

json estimate_json(const CostEstimate& estimate) {
  json lines = json::array();
  for (const auto& line : estimate.lines) {
    json row = counts_json(line.counts);
    row["region"] = line.region;
    row["modelId"] = line.model_id;
    row["priceName"] = line.price_name;
    row["inputUsd"] = money(line.input_usd);
    row["outputUsd"] = money(line.output_usd);
    row["cacheReadUsd"] = money(line.cache_read_usd);
    row["cacheWriteUsd"] = money(line.cache_write_usd);
    row["totalUsd"] = money(line.total_usd());
    lines.push_back(std::move(row));
  }
  return {{"isEstimate", true},        {"priceTableDate", estimate.price_table_date},
          {"currency", "USD"},         {"totalUsd", money(estimate.total_usd)},
          {"lines", std::move(lines)}, {"unpricedModelIds", estimate.unpriced_model_ids}};
}

// ---- schema building blocks ----

json integer_schema() {
  return {{"type", "integer"}, {"minimum", 0}};
}
json string_schema() {
  return {{"type", "string"}};
}
json number_schema() {
  return {{"type", "number"}};
}
json boolean_schema() {
  return {{"type", "boolean"}};
}

json object_schema(json properties, const std::vector<std::string>& required) {
  json schema = {{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}
json array_of(json items) {
  return {{"type", "array"}, {"items", std::move(items)}};
}

constexpr std::array<std::string_view, 7> kCountKeys = {"requests",        "inputTokens",      "outputTokens",
                                                        "cacheReadTokens", "cacheWriteTokens", "totalTokens",
                                                        "errors"};

json counts_properties() {
  json properties = json::object();
  for (const auto key : kCountKeys) properties[std::string(key)] = integer_schema();
  return properties;
}

std::vector<std::string> count_keys() {
  return {kCountKeys.begin(), kCountKeys.end()};
}

// A counts object plus extra properties (all required).
json counts_schema_with(json extra) {
  json properties = counts_properties();
  std::vector<std::string> required = count_keys();
  for (auto& [key, schema] : extra.items()) {
    properties[key] = schema;
    required.push_back(key);
  }
  return object_schema(std::move(properties), std::move(required));
}

constexpr const char* kBreakdowns[] = {"regions",           "models", "users", "operations",
                                       "inferenceProfiles", "errors"};

json estimate_schema() {
  json line = counts_schema_with({{"region", string_schema()},
                                  {"modelId", string_schema()},
                                  {"priceName", string_schema()},
                                  {"inputUsd", number_schema()},
                                  {"outputUsd", number_schema()},
                                  {"cacheReadUsd", number_schema()},
                                  {"cacheWriteUsd", number_schema()},
                                  {"totalUsd", number_schema()}});
  return object_schema({{"isEstimate", {{"type", "boolean"}, {"enum", {true}}}},
                        {"priceTableDate", string_schema()},
                        {"currency", {{"type", "string"}, {"enum", {"USD"}}}},
                        {"totalUsd", number_schema()},
                        {"lines", array_of(std::move(line))},
                        {"unpricedModelIds", array_of(string_schema())}},
                       {"isEstimate", "priceTableDate", "currency", "totalUsd", "lines", "unpricedModelIds"});
}

json spend_schema_object() {
  json daily =
      object_schema({{"date", string_schema()}, {"usd", number_schema()}, {"estimated", boolean_schema()}},
                    {"date", "usd", "estimated"});
  json usage_type = object_schema({{"usageType", string_schema()},
                                   {"usd", number_schema()},
                                   {"quantity", number_schema()},
                                   {"quantityUnit", string_schema()}},
                                  {"usageType", "usd", "quantity", "quantityUnit"});
  json service = object_schema({{"service", string_schema()}, {"usd", number_schema()}}, {"service", "usd"});
  json line = object_schema({{"date", string_schema()},
                             {"service", string_schema()},
                             {"usageType", string_schema()},
                             {"usd", number_schema()},
                             {"quantity", number_schema()},
                             {"quantityUnit", string_schema()},
                             {"estimated", boolean_schema()}},
                            {"date", "service", "usageType", "usd", "quantity", "quantityUnit", "estimated"});
  return object_schema({{"start", string_schema()},
                        {"end", string_schema()},
                        {"endInclusive", string_schema()},
                        {"metric", {{"type", "string"}, {"enum", {"UnblendedCost"}}}},
                        {"currency", {{"type", "string"}, {"enum", {"USD"}}}},
                        {"totalUsd", number_schema()},
                        {"includesEstimated", boolean_schema()},
                        {"daily", array_of(std::move(daily))},
                        {"usageTypes", array_of(std::move(usage_type))},
                        {"services", array_of(std::move(service))},
                        {"lines", array_of(std::move(line))}},
                       {"start", "end", "endInclusive", "metric", "currency", "totalUsd", "includesEstimated",
                        "daily", "usageTypes", "services", "lines"});
}

}  // namespace

json render_json(const Report& report) {
  const Aggregate& a = report.aggregate;
  const std::size_t top_n = report.query.top_n;
  json out = json::object();
  out["query"] = query_json(report);
  out["totals"] = counts_json(a.totals);

  std::vector<std::pair<std::int64_t, TokenCounts>> days(a.by_day.begin(), a.by_day.end());
  std::sort(days.begin(), days.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  json daily = json::array();
  for (const auto& [day, counts] : days) daily.push_back(keyed_json("date", format_day(day), counts));
  out["daily"] = std::move(daily);

  breakdown(out, "regions", rank_rows(a.by_region, top_n));
  breakdown(out, "models", rank_rows(a.by_model, top_n));
  breakdown(out, "users", rank_rows(a.by_user, top_n));
  breakdown(out, "operations", rank_rows(a.by_operation, top_n));
  breakdown(out, "inferenceProfiles", inference_profile_rows(a, top_n));
  breakdown(out, "errors", rank_rows(a.by_error_code, top_n, RowOrder::kByRequests));

  const SkipCounts& s = a.skipped;
  out["skipped"] = {{"nonJson", s.non_json},
                    {"badTimestamp", s.bad_timestamp},
                    {"notInvocation", s.not_invocation},
                    {"outOfWindow", s.out_of_window},
                    {"total", s.total()}};
  if (report.estimate) out["estimatedCost"] = estimate_json(*report.estimate);
  if (report.billed) out["billedSpend"] = render_spend_json(*report.billed);
  out["notes"] = report.notes;
  return out;
}

json report_output_schema() {
  json query = object_schema({{"region", string_schema()},
                              {"logGroup", string_schema()},
                              {"source", string_schema()},
                              {"sourceUsed", string_schema()},
                              {"accountId", string_schema()},
                              {"days", {{"type", "integer"}, {"minimum", 1}}},
                              {"startDate", string_schema()},
                              {"endDate", string_schema()},
                              {"startTime", string_schema()},
                              {"endTime", string_schema()},
                              {"includeCost", boolean_schema()},
                              {"topN", {{"type", "integer"}, {"minimum", 1}}}},
                             {"region", "source", "sourceUsed", "startTime", "endTime", "includeCost"});
  json totals = object_schema(counts_properties(), count_keys());
  json row = counts_schema_with({{"key", string_schema()}});
  json day = counts_schema_with({{"date", string_schema()}});
  json omitted_row = counts_schema_with({{"rows", {{"type", "integer"}, {"minimum", 1}}}});
  json omitted_properties = json::object();
  for (const char* name : kBreakdowns) omitted_properties[name] = omitted_row;
  json skipped = object_schema({{"nonJson", integer_schema()},
                                {"badTimestamp", integer_schema()},
                                {"notInvocation", integer_schema()},
                                {"outOfWindow", integer_schema()},
                                {"total", integer_schema()}},
                               {"nonJson", "badTimestamp", "notInvocation", "outOfWindow", "total"});

  json properties = {{"query", std::move(query)},
                     {"totals", std::move(totals)},
                     {"daily", array_of(std::move(day))},
                     {"omitted", object_schema(std::move(omitted_properties), {})},
                     {"skipped", std::move(skipped)},
                     {"estimatedCost", estimate_schema()},
                     {"billedSpend", spend_schema_object()},
                     {"notes", array_of(string_schema())}};
  std::vector<std::string> required = {"query", "totals", "daily", "skipped", "notes"};
  for (const char* name : kBreakdowns) {
    properties[name] = array_of(row);
    required.emplace_back(name);
  }
  json schema = object_schema(std::move(properties), std::move(required));
  schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  schema["title"] = "Bedrock usage report";
  return schema;
}

json render_spend_json(const BilledSpend& spend) {
  const SpendSummary summary = summarize_spend(spend);
  json daily = json::array();
  for (const auto& row : summary.daily) {
    daily.push_back({{"date", row.key}, {"usd", money(row.usd)}, {"estimated", row.estimated}});
  }
  json usage_types = json::array();
  for (const auto& row : summary.usage_types) {
    usage_types.push_back({{"usageType", row.key},
                           {"usd", money(row.usd)},
                           {"quantity", row.quantity},
                           {"quantityUnit", row.quantity_unit}});
  }
  json services = json::array();
  for (const auto& row : summary.services)
    services.push_back({{"service", row.key}, {"usd", money(row.usd)}});
  json lines = json::array();
  for (const auto& line : spend.lines) {
    lines.push_back({{"date", line.date},
                     {"service", line.service},
                     {"usageType", line.usage_type},
                     {"usd", money(line.usd)},
                     {"quantity", line.quantity},
                     {"quantityUnit", line.quantity_unit},
                     {"estimated", line.estimated}});
  }
  return {{"start", spend.start},
          {"end", spend.end},
          {"endInclusive", inclusive_end_date(spend.end)},
          {"metric", "UnblendedCost"},
          {"currency", "USD"},
          {"totalUsd", money(spend.total_usd)},
          {"includesEstimated", spend.any_estimated},
          {"daily", std::move(daily)},
          {"usageTypes", std::move(usage_types)},
          {"services", std::move(services)},
          {"lines", std::move(lines)}};
}

json spend_output_schema() {
  json schema = spend_schema_object();
  schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  schema["title"] = "Bedrock spend (Cost Explorer)";
  return schema;
}

}  // namespace usage
