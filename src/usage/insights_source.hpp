#pragma once
// The `insights` source: one Logs Insights stats query that AWS evaluates
// server-side (constant work for us whatever the log volume), polled until
// it finishes, stopped (StopQuery) when cancelled or out of time.
//
// Insights extracts at most 200 fields per JSON event, so records with
// logged request/response bodies can lose their token counts. The query
// counts how many records carried input.inputTokenCount; when fewer did than
// should have (records without errors), the answer is incomplete and
// `complete` is false so the caller can fall back to FilterLogEvents.
#include <chrono>
#include <cstdint>
#include <string>

#include "aws/error.hpp"
#include "aws/json_client.hpp"
#include "mcp/util/expected.hpp"
#include "usage/aggregate.hpp"
#include "usage/progress.hpp"

namespace usage {

struct InsightsOptions {
  std::string log_group;
  std::int64_t start_ms = 0;  // inclusive
  std::int64_t end_ms = 0;    // exclusive
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds timeout{10 * 60 * 1000};
};

struct InsightsResult {
  Aggregate aggregate;
  bool complete = true;
  std::uint64_t records_missing_tokens = 0;  // records whose counts Insights could not read
  bool row_limit_hit = false;                // 10,000 rows: the answer may be cut
  double records_scanned = 0;
  double bytes_scanned = 0;
};

// The query text (also what the AWS double interprets).
std::string insights_query();

mcp::util::Expected<InsightsResult, aws::Error> run_insights_query(const aws::JsonClient& logs,
                                                                   const InsightsOptions& options,
                                                                   const aws::CallContext& call,
                                                                   const ProgressFn& progress);

}  // namespace usage
