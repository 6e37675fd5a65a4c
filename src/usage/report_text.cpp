// The text renderings (usage report and spend), plus the ranking, spend
// summary and formatting helpers that the JSON renderer shares.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "usage/pricing.hpp"
#include "usage/record_parser.hpp"
#include "usage/report.hpp"

namespace usage {
namespace {

constexpr std::string_view kNoUsage = "No Bedrock usage data found for the specified period.";
constexpr std::string_view kNoSpend = "No Bedrock spend found for the specified period.";
constexpr std::string_view kUnknown = "unknown";

bool ranks_before(const KeyedCounts& a, const KeyedCounts& b, RowOrder order) {
  const auto ta = a.counts.total();
  const auto tb = b.counts.total();
  if (order == RowOrder::kByRequests && a.counts.requests != b.counts.requests) {
    return a.counts.requests > b.counts.requests;
  }
  if (ta != tb) return ta > tb;
  if (a.counts.requests != b.counts.requests) return a.counts.requests > b.counts.requests;
  return a.key < b.key;
}

RankedRows cut(std::vector<KeyedCounts> rows, std::size_t top_n, RowOrder order) {
  std::sort(rows.begin(), rows.end(),
            [order](const KeyedCounts& a, const KeyedCounts& b) { return ranks_before(a, b, order); });
  RankedRows ranked;
  if (top_n > 0 && rows.size() > top_n) {
    ranked.omitted_rows = rows.size() - top_n;
    for (std::size_t i = top_n; i < rows.size(); ++i) ranked.omitted += rows[i].counts;
    rows.resize(top_n);
  }
  ranked.rows = std::move(rows);
  return ranked;
}

std::string count_line(std::string_view label, const TokenCounts& c) {
  std::string line(label);
  line += ": Requests=" + std::to_string(c.requests) + ", Input=" + std::to_string(c.input) +
          ", Completion=" + std::to_string(c.output) + ", Total=" + std::to_string(c.total()) + "\n";
  return line;
}

void heading(std::string& out, std::string_view title) {
  out += "\n--- ";
  out += title;
  out += " ---\n";
}

std::string more_label(std::size_t n, std::string_view singular, std::string_view plural) {
  return "(" + std::to_string(n) + " more " + std::string(n == 1 ? singular : plural) + ")";
}

void ranked_section(std::string& out, const RankedRows& ranked, std::string_view singular,
                    std::string_view plural) {
  for (const auto& row : ranked.rows) out += count_line(row.key, row.counts);
  if (ranked.omitted_rows > 0)
    out += count_line(more_label(ranked.omitted_rows, singular, plural), ranked.omitted);
}

// "$1.23", "-$0.50" (Cost Explorer can return small negative adjustments).
std::string usd(double amount) {
  const std::string digits = format_usd(amount);
  return digits.starts_with('-') ? "-$" + digits.substr(1) : "$" + digits;
}

void cache_section(std::string& out, const Aggregate& a) {
  if (a.totals.cache_read == 0 && a.totals.cache_write == 0) return;
  heading(out, "Cache Tokens");
  out += "Cache Read Tokens: " + std::to_string(a.totals.cache_read) + "\n";
  out += "Cache Write Tokens: " + std::to_string(a.totals.cache_write) + "\n";
  std::vector<KeyedCounts> rows;
  for (const auto& [key, counts] : a.by_model) {
    if (counts.cache_read > 0 || counts.cache_write > 0) rows.push_back({key, counts});
  }
  std::sort(rows.begin(), rows.end(), [](const KeyedCounts& x, const KeyedCounts& y) {
    const auto cx = x.counts.cache_read + x.counts.cache_write;
    const auto cy = y.counts.cache_read + y.counts.cache_write;
    return cx != cy ? cx > cy : x.key < y.key;
  });
  for (const auto& row : rows) {
    out += std::string(row.key) + ": CacheRead=" + std::to_string(row.counts.cache_read) +
           ", CacheWrite=" + std::to_string(row.counts.cache_write) + "\n";
  }
}

std::uint64_t error_count(const TokenCounts& c) {
  return c.errors > 0 ? c.errors : c.requests;
}

void errors_section(std::string& out, const Aggregate& a, std::size_t top_n) {
  if (a.totals.errors == 0 && a.by_error_code.empty()) return;
  heading(out, "Errors");
  out += "Total Errors: " + std::to_string(a.totals.errors) + "\n";
  const RankedRows ranked = rank_rows(a.by_error_code, top_n, RowOrder::kByRequests);
  for (const auto& row : ranked.rows)
    out += std::string(row.key) + ": " + std::to_string(error_count(row.counts)) + "\n";
  if (ranked.omitted_rows > 0) {
    out += more_label(ranked.omitted_rows, "error code", "error codes") + ": " +
           std::to_string(error_count(ranked.omitted)) + "\n";
  }
}

void cost_section(std::string& out, const CostEstimate& estimate) {
  heading(out, "Estimated Cost (USD, price table " + estimate.price_table_date + ")");
  out += "Estimated Total: " + usd(estimate.total_usd) +
         " (estimate: logged tokens x list prices; actual charges are in Cost Explorer)\n";
  for (const auto& line : estimate.lines) {
    out += line.region + " " + line.model_id + ": " + usd(line.total_usd()) + " (input " +
           usd(line.input_usd) + ", output " + usd(line.output_usd);
    if (line.counts.cache_read > 0) out += ", cache read " + usd(line.cache_read_usd);
    if (line.counts.cache_write > 0) out += ", cache write " + usd(line.cache_write_usd);
    out += ")\n";
  }
  if (!estimate.unpriced_model_ids.empty()) {
    out += "Unpriced model ids (tokens not costed):";
    for (std::size_t i = 0; i < estimate.unpriced_model_ids.size(); ++i) {
      out += (i == 0 ? " " : ", ") + estimate.unpriced_model_ids[i];
    }
    out += "\n";
  }
}

std::string estimated_suffix(bool estimated) {
  return estimated ? " (estimated)" : "";
}

void billed_section(std::string& out, const BilledSpend& spend) {
  heading(out, "Billed Spend (Cost Explorer, UnblendedCost)");
  out += "Period: " + spend.start + " to " + inclusive_end_date(spend.end) + "\n";
  out +=
      "Total: " + usd(spend.total_usd) + (spend.any_estimated ? " (includes estimated amounts)" : "") + "\n";
  const SpendSummary summary = summarize_spend(spend);
  if (!summary.daily.empty()) out += "Daily:\n";
  for (const auto& row : summary.daily) {
    out += "  " + row.key + ": " + usd(row.usd) + estimated_suffix(row.estimated) + "\n";
  }
  if (!summary.usage_types.empty()) out += "By Usage Type:\n";
  for (const auto& row : summary.usage_types) out += "  " + row.key + ": " + usd(row.usd) + "\n";
}

// Records outside the window are filtered, not faulty: they are counted in
// the JSON only.
void skipped_section(std::string& out, const SkipCounts& skipped) {
  if (skipped.total() == skipped.out_of_window) return;
  heading(out, "Skipped Records");
  const std::pair<std::string_view, std::uint64_t> rows[] = {
      {"Non-JSON messages", skipped.non_json},
      {"Missing or invalid timestamp", skipped.bad_timestamp},
      {"Not model-invocation records", skipped.not_invocation},
  };
  for (const auto& [label, n] : rows) {
    if (n > 0) out += std::string(label) + ": " + std::to_string(n) + "\n";
  }
}

void trim_end(std::string& s) {
  const auto last = s.find_last_not_of(" \t\r\n\f\v");
  s.erase(last == std::string::npos ? 0 : last + 1);
}

std::string report_heading(const ReportQuery& q) {
  if (q.days > 0)
    return "Bedrock Daily Usage Report (Past " + std::to_string(q.days) + " days - " + q.region + ")";
  return "Bedrock Daily Usage Report (" + format_day(q.start_day) + " to " + format_day(q.end_day) + " - " +
         q.region + ")";
}

}  // namespace

RankedRows rank_rows(const CountsByKey& rows, std::size_t top_n, RowOrder order) {
  std::vector<KeyedCounts> all;
  all.reserve(rows.size());
  for (const auto& [key, counts] : rows) all.push_back({key, counts});
  return cut(std::move(all), top_n, order);
}

RankedRows inference_profile_rows(const Aggregate& aggregate, std::size_t top_n) {
  std::vector<KeyedCounts> rows;
  for (const auto& [key, counts] : aggregate.by_model_id) {
    if (is_profile_or_arn(key)) rows.push_back({key, counts});
  }
  return cut(std::move(rows), top_n, RowOrder::kByTokens);
}

bool has_operations(const Aggregate& aggregate) {
  return std::any_of(aggregate.by_operation.begin(), aggregate.by_operation.end(),
                     [](const auto& entry) { return entry.first != kUnknown; });
}

SpendSummary summarize_spend(const BilledSpend& spend) {
  std::map<std::string, SpendRow> daily, usage_types, services;
  auto add = [](std::map<std::string, SpendRow>& into, const std::string& key, const BilledLine& line) {
    SpendRow& row = into[key];
    if (row.key.empty()) {
      row.key = key;
      row.quantity_unit = line.quantity_unit;
    }
    row.usd += line.usd;
    row.quantity += line.quantity;
    row.estimated = row.estimated || line.estimated;
  };
  for (const auto& line : spend.lines) {
    add(daily, line.date, line);
    add(usage_types, line.usage_type, line);
    add(services, line.service, line);
  }
  auto by_cost = [](std::map<std::string, SpendRow>& rows) {
    std::vector<SpendRow> out;
    out.reserve(rows.size());
    for (auto& [key, row] : rows) out.push_back(std::move(row));
    std::stable_sort(out.begin(), out.end(),
                     [](const SpendRow& a, const SpendRow& b) { return a.usd > b.usd; });
    return out;
  };
  SpendSummary summary;
  for (auto& [key, row] : daily) {
    row.quantity = 0;  // units differ across usage types; a per-day sum means nothing
    row.quantity_unit.clear();
    summary.daily.push_back(std::move(row));
  }
  summary.usage_types = by_cost(usage_types);
  summary.services = by_cost(services);
  for (auto& row : summary.services) {
    row.quantity = 0;
    row.quantity_unit.clear();
  }
  return summary;
}

std::string inclusive_end_date(const std::string& exclusive_end) {
  std::int64_t day = 0;
  if (!parse_day(exclusive_end, day)) return exclusive_end;
  return format_day(day - 1);
}

std::string format_usd(double amount) {
  if (!std::isfinite(amount)) return "0.00";
  const bool negative = amount < 0;
  const double a = std::fabs(amount);
  char buffer[400];  // room for DBL_MAX in fixed notation
  std::string text;
  if (a >= 0.01) {
    std::snprintf(buffer, sizeof buffer, "%.2f", a);
    text = buffer;
  } else {
    // Four significant digits, at most 12 decimals; then drop trailing zeros
    // down to the usual two.
    const int decimals = a > 0 ? std::clamp(3 - static_cast<int>(std::floor(std::log10(a))), 2, 12) : 2;
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, a);
    text = buffer;
    const auto dot = text.find('.');
    while (text.size() > dot + 3 && text.back() == '0') text.pop_back();
  }
  if (negative && text != "0.00") text.insert(0, "-");
  return text;
}

std::string format_iso_time(std::int64_t epoch_ms) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  std::int64_t day = epoch_ms / kMsPerDay;
  std::int64_t rest = epoch_ms % kMsPerDay;
  if (rest < 0) {
    rest += kMsPerDay;
    --day;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "T%02d:%02d:%02d.%03dZ", static_cast<int>(rest / 3'600'000),
                static_cast<int>(rest / 60'000 % 60), static_cast<int>(rest / 1000 % 60),
                static_cast<int>(rest % 1000));
  return format_day(day) + buffer;
}

std::string render_text(const Report& report) {
  const Aggregate& a = report.aggregate;
  if (a.totals.requests == 0) return std::string(kNoUsage);
  const std::size_t top_n = report.query.top_n;

  std::string out = report_heading(report.query) + "\n";
  out += "Total Requests: " + std::to_string(a.totals.requests) + "\n";
  out += "Total Input Tokens: " + std::to_string(a.totals.input) + "\n";
  out += "Total Completion Tokens: " + std::to_string(a.totals.output) + "\n";
  out += "Total Tokens: " + std::to_string(a.totals.total()) + "\n";

  heading(out, "Daily Totals");
  std::vector<std::pair<std::int64_t, TokenCounts>> days(a.by_day.begin(), a.by_day.end());
  std::sort(days.begin(), days.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [day, counts] : days) out += count_line(format_day(day), counts);

  heading(out, "Region Summary");
  ranked_section(out, rank_rows(a.by_region, top_n), "region", "regions");
  heading(out, "Model Summary");
  ranked_section(out, rank_rows(a.by_model, top_n), "model", "models");
  if (!a.by_user.empty()) {
    heading(out, "User Summary");
    ranked_section(out, rank_rows(a.by_user, top_n), "user", "users");
  }

  cache_section(out, a);
  if (has_operations(a)) {
    heading(out, "Operation Summary");
    ranked_section(out, rank_rows(a.by_operation, top_n), "operation", "operations");
  }
  if (const RankedRows profiles = inference_profile_rows(a, top_n); !profiles.rows.empty()) {
    heading(out, "Inference Profile Summary");
    ranked_section(out, profiles, "inference profile", "inference profiles");
  }
  errors_section(out, a, top_n);
  if (report.estimate) cost_section(out, *report.estimate);
  if (report.billed) billed_section(out, *report.billed);
  skipped_section(out, a.skipped);
  if (!report.notes.empty()) {
    heading(out, "Notes");
    for (const auto& note : report.notes) out += note + "\n";
  }
  trim_end(out);
  return out;
}

std::string render_spend_text(const BilledSpend& spend) {
  if (spend.lines.empty()) return std::string(kNoSpend);
  std::string out =
      "Bedrock Spend (Cost Explorer, " + spend.start + " to " + inclusive_end_date(spend.end) + ")\n";
  out +=
      "Total: " + usd(spend.total_usd) + (spend.any_estimated ? " (includes estimated amounts)" : "") + "\n";
  const SpendSummary summary = summarize_spend(spend);
  heading(out, "Daily Spend");
  for (const auto& row : summary.daily) {
    out += row.key + ": " + usd(row.usd) + estimated_suffix(row.estimated) + "\n";
  }
  heading(out, "By Usage Type");
  for (const auto& row : summary.usage_types) out += row.key + ": " + usd(row.usd) + "\n";
  heading(out, "By Service");
  for (const auto& row : summary.services) out += row.key + ": " + usd(row.usd) + "\n";
  trim_end(out);
  return out;
}

}  // namespace usage
