#pragma once
// Estimated cost from a bundled, dated price table (data/bedrock-prices.json,
// compiled into the binary; --price-table overrides it). Prices are USD per
// 1,000 tokens per token type. Model ids are matched after removing an
// inference-profile prefix (us., eu., apac., global., ...); the table says
// how profile scope changes the price (e.g. regional/geo +10 % over global
// for the Claude 4.5 generation). Application-inference-profile ARNs name no
// model and are reported as unpriced.
//
// Table format (unknown keys are rejected so typos cannot silently drop a
// price):
//   { "date": "YYYY-MM-DD", "currency": "USD",
//     "unit": "per 1000 tokens" | "per 1000000 tokens",
//     "source": "...", "note": "...",                      (optional text)
//     "defaults": { "cache_read_multiplier": 0.1,          (optional; these
//                   "cache_write_multiplier": 1.25 },       are the defaults)
//     "models": [ {
//       "name": "Claude Sonnet 4.5",
//       "match": ["anthropic.claude-sonnet-4-5-20250929"],  base-id prefixes
//       "input": 0.003, "output": 0.015,
//       "cache_read": x, "cache_write": y,                  (optional, absolute)
//       "cache_read_multiplier": m, "cache_write_multiplier": n,  (optional,
//                                                           x input; else defaults)
//       "cache": false,            (no prompt caching: cache tokens cost input)
//       "geo_multiplier": 1.1,     (geo profiles and in-Region calls; global. = 1)
//       "regions": { "eu-west-1": { "input": .., "output": .., "cache_read": ..,
//                                   "cache_write": .. } },   (optional overrides)
//       "note": "..." } ] }
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcp/util/expected.hpp"
#include "usage/aggregate.hpp"
#include "usage/report.hpp"

namespace usage {

// How a logged model id reached its model.
enum class ProfileScope {
  kInRegion,    // a base model id or a foundation-model ARN
  kGeo,         // a geographic system inference profile: us., eu., apac., jp., au., ca., us-gov.
  kGlobal,      // a global. system inference profile
  kUnresolved,  // application inference profile, provisioned/custom model, other ARN: names no model
};

struct ModelRef {
  std::string_view base_model_id;  // the id without profile prefix or ARN; "" when kUnresolved
  ProfileScope scope = ProfileScope::kInRegion;
};

// Splits a logged model id into base model id and profile scope. Accepts
// base ids, system inference-profile ids, and Bedrock ARNs of the
// foundation-model/ and inference-profile/ (system profile) kinds.
ModelRef resolve_model_id(std::string_view model_id);

// True for model ids that are inference profiles or ARNs (a known profile
// prefix or "arn:"), the rows of the report's Inference Profile Summary.
bool is_profile_or_arn(std::string_view model_id);

struct Price {
  std::string name;  // the table entry, e.g. "Claude Sonnet 4.5"
  double input_per_1k = 0;
  double output_per_1k = 0;
  double cache_read_per_1k = 0;
  double cache_write_per_1k = 0;
  ProfileScope scope = ProfileScope::kInRegion;
  double scope_multiplier = 1;  // already applied to the prices above
};

class PriceTable {
 public:
  // Parses the table format (see above); a readable error names the
  // offending entry.
  static mcp::util::Expected<PriceTable, std::string> parse(std::string_view json);
  // The table compiled into the binary (parsed once; empty if it were broken,
  // which a unit test rules out).
  static PriceTable bundled();

  const std::string& date() const { return date_; }
  std::size_t size() const { return entries_.size(); }
  // The price of `model_id` (as logged) called in `region`; nullopt when unknown.
  std::optional<Price> lookup(std::string_view model_id, std::string_view region) const;

 private:
  struct Rates {
    double input = 0;
    double output = 0;
    std::optional<double> cache_read;  // absolute; else derived from input
    std::optional<double> cache_write;
  };
  struct Entry {
    std::string name;
    std::vector<std::string> match;
    Rates rates;
    double cache_read_multiplier = 0;  // used when Rates has no absolute cache price
    double cache_write_multiplier = 0;
    double geo_multiplier = 1;
    std::vector<std::pair<std::string, Rates>> regions;
  };
  std::string date_;
  std::vector<Entry> entries_;
  friend struct PriceTableAccess;
};

CostEstimate estimate_cost(const Aggregate& aggregate, const PriceTable& table);

}  // namespace usage
