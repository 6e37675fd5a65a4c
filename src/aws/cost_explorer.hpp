#pragma once
// Typed Cost Explorer calls (aws.md §4). Every request, each page included,
// costs USD 0.01, so pages are bounded and callers should cache.
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.hpp"
#include "aws/json_client.hpp"
#include "mcp/util/expected.hpp"

namespace aws {

struct CostQuery {
  std::string start;  // yyyy-mm-dd, inclusive
  std::string end;    // yyyy-mm-dd, exclusive
  std::string granularity = "DAILY";
  std::vector<std::string> metrics{"UnblendedCost", "UsageQuantity"};
  std::vector<std::string> service_values;                     // SERVICE filter; empty: no SERVICE filter
  std::vector<std::string> group_by{"SERVICE", "USAGE_TYPE"};  // DIMENSION keys, at most 2
  std::string record_type = "Usage";  // RECORD_TYPE filter; empty: none (credits, refunds, tax included)
  int max_pages = 50;
};

struct CostRow {
  std::string date;  // the period's start, yyyy-mm-dd
  std::string service;
  std::string usage_type;
  double cost_usd = 0;     // the first cost metric (UnblendedCost by default)
  std::string currency;    // that metric's unit, normally "USD"
  double quantity = 0;     // UsageQuantity
  std::string unit;        // UsageQuantity's unit (differs by usage type; often "N/A")
  bool estimated = false;  // the period is not final yet
};

struct CostAndUsage {
  std::vector<CostRow> rows;
  int pages = 0;           // requests made (each billed)
  bool truncated = false;  // max_pages reached with more pages left
  // Iterates the rows (`for (const CostRow& r : *result)`).
  auto begin() const { return rows.begin(); }
  auto end() const { return rows.end(); }
};

mcp::util::Expected<CostAndUsage, Error> get_cost_and_usage(const JsonClient& client, const CostQuery& query,
                                                            const CallContext& call);

// GetDimensionValues (context COST_AND_USAGE) over [start, end_exclusive).
mcp::util::Expected<std::vector<std::string>, Error> get_dimension_values(
    const JsonClient& client, std::string_view dimension, std::string_view search, std::string_view start,
    std::string_view end_exclusive, const CallContext& call);

// The SERVICE values Bedrock spend appears under in the window ("Amazon
// Bedrock", "Amazon Bedrock Service", "Claude 3 Haiku (Amazon Bedrock
// Edition)", ...).
mcp::util::Expected<std::vector<std::string>, Error> bedrock_services(const JsonClient& client,
                                                                      std::string_view start,
                                                                      std::string_view end_exclusive,
                                                                      const CallContext& call);

// Exposed for tests: the request body, and one answer page appended to `out`
// (returns the NextPageToken, "" on the last page).
std::string cost_and_usage_body(const CostQuery& query, std::string_view next_token);
mcp::util::Expected<std::string, Error> parse_cost_and_usage(std::string_view body, const CostQuery& query,
                                                             std::vector<CostRow>& out);

}  // namespace aws
