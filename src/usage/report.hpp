#pragma once
// A finished usage report: what was asked, what was found, what it cost,
// and the two renderings (the seed's text format, and structured JSON with
// its schema for MCP's structuredContent / outputSchema).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usage/aggregate.hpp"

namespace usage {

struct ReportQuery {
  std::string region;      // the report heading's region
  std::string log_group;   // empty for file sources
  std::string source;      // as requested: auto | cloudwatch | insights | file:<path> | demo
  std::string account_id;  // optional, the assumed account
  // Window [start_ms, end_ms). `days` > 0 means the seed's rolling window
  // ("Past N days", ending now); otherwise start/end dates were given
  // (start_day .. end_day inclusive, UTC).
  int days = 0;
  std::int64_t start_day = 0;
  std::int64_t end_day = 0;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  bool include_cost = false;
  std::size_t top_n = 0;  // 0: every row; otherwise breakdowns keep the top N and count the rest
};

// One priced (region, model id) line of the estimate.
struct CostLine {
  std::string region;
  std::string model_id;    // as logged
  std::string price_name;  // the price-table entry used; empty when unpriced
  TokenCounts counts;
  double input_usd = 0, output_usd = 0, cache_read_usd = 0, cache_write_usd = 0;
  double total_usd() const { return input_usd + output_usd + cache_read_usd + cache_write_usd; }
};

struct CostEstimate {
  std::string price_table_date;  // "2026-11-01"
  std::vector<CostLine> lines;   // descending by cost
  double total_usd = 0;
  std::vector<std::string> unpriced_model_ids;  // not in the table (tokens not costed)
};

// Cost Explorer actuals (GetCostAndUsage, UnblendedCost).
struct BilledLine {
  std::string date;        // period start, YYYY-MM-DD
  std::string service;     // SERVICE dimension
  std::string usage_type;  // USAGE_TYPE dimension
  double usd = 0;
  double quantity = 0;
  std::string quantity_unit;
  bool estimated = false;  // Cost Explorer's "Estimated" flag of the period
};
struct BilledSpend {
  std::string start;  // inclusive
  std::string end;    // exclusive (Cost Explorer's convention)
  std::vector<BilledLine> lines;
  double total_usd = 0;
  bool any_estimated = false;
};

struct Report {
  ReportQuery query;
  std::string source_used;  // the source that produced the data (auto resolves to one)
  Aggregate aggregate;
  std::optional<CostEstimate> estimate;
  std::optional<BilledSpend> billed;
  std::vector<std::string> notes;  // e.g. "Logs Insights missed fields; used FilterLogEvents"
};

// The seed's text report (seed-inventory §1.3), then the sections it lacked,
// each only when it has data (Operation Summary also needs an operation other
// than "unknown"). Breakdowns are ordered by tokens, not first sight; with
// top_n they end in a "(K more users): ..." sum line. No data at all gives
// exactly the seed's "No Bedrock usage data found for the specified period."
// No trailing newline.
std::string render_text(const Report& report);
// The same data as a JSON object for MCP structuredContent; always valid
// against report_output_schema(). Breakdowns cut by top_n are summed in
// "omitted": {"users": {"rows": K, ...counts}}.
nlohmann::json render_json(const Report& report);
nlohmann::json report_output_schema();

// Text and JSON for get_bedrock_spend (Cost Explorer only).
std::string render_spend_text(const BilledSpend& spend);
nlohmann::json render_spend_json(const BilledSpend& spend);
nlohmann::json spend_output_schema();

// ---- Helpers shared by the text and JSON renderers (tested directly) ----

struct KeyedCounts {
  std::string_view key;  // points into the map it was ranked from
  TokenCounts counts;
};
// A breakdown in display order, top_n applied: what was cut is counted, not lost.
struct RankedRows {
  std::vector<KeyedCounts> rows;
  std::size_t omitted_rows = 0;
  TokenCounts omitted;  // the sum of the cut rows
};
enum class RowOrder {
  kByTokens,    // total tokens desc, then requests desc, then key asc
  kByRequests,  // requests desc, then total tokens desc, then key asc
};
RankedRows rank_rows(const CountsByKey& rows, std::size_t top_n, RowOrder order = RowOrder::kByTokens);
// by_model_id rows that are inference profiles or ARNs, ranked by tokens.
RankedRows inference_profile_rows(const Aggregate& aggregate, std::size_t top_n);
// True when by_operation holds something other than "unknown".
bool has_operations(const Aggregate& aggregate);

// Cost Explorer lines summed per day (ascending), usage type and service
// (both by cost desc, then name).
struct SpendRow {
  std::string key;
  double usd = 0;
  double quantity = 0;
  std::string quantity_unit;  // the first line's unit (usage types only)
  bool estimated = false;     // any summed line was estimated
};
struct SpendSummary {
  std::vector<SpendRow> daily;
  std::vector<SpendRow> usage_types;
  std::vector<SpendRow> services;
};
SpendSummary summarize_spend(const BilledSpend& spend);
// Cost Explorer's exclusive end date as the inclusive last day ("" stays "").
std::string inclusive_end_date(const std::string& exclusive_end);

// Dollars without the "$": 2 decimals from $0.01 up; below that 4
// significant digits without trailing zeros ("0.000123"), so tiny
// per-model amounts do not all read "0.00". Negative amounts get "-".
std::string format_usd(double usd);
// Epoch milliseconds as "2026-03-01T00:00:00.000Z".
std::string format_iso_time(std::int64_t epoch_ms);

}  // namespace usage
