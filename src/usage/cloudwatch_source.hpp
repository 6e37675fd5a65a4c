#pragma once
// The `cloudwatch` source: FilterLogEvents over the window, split into time
// slices that are paged in parallel by a bounded set of threads. A shared
// rate limiter keeps the fan-out under the account's request rate; pages
// that are empty but carry a nextToken are followed like any other. Each
// page is parsed (simdjson) and aggregated on the thread that fetched it.
#include <atomic>
#include <cstdint>
#include <string>

#include "aws/error.hpp"
#include "aws/json_client.hpp"
#include "mcp/util/expected.hpp"
#include "usage/aggregate.hpp"
#include "usage/progress.hpp"
#include "usage/record_parser.hpp"

namespace usage {

struct FilterOptions {
  std::string log_group;
  std::int64_t start_ms = 0;              // inclusive
  std::int64_t end_ms = 0;                // exclusive
  unsigned concurrency = 4;               // parallel slice chains
  unsigned slices = 0;                    // 0: `concurrency`; at most one per minute of window
  std::uint64_t max_pages = 100'000;      // explicit bound on the whole fetch
  std::uint64_t max_events = 50'000'000;  // ditto
  int page_limit = 10'000;                // FilterLogEvents `limit`
};

mcp::util::Expected<Aggregate, aws::Error> fetch_filter_log_events(const aws::JsonClient& logs,
                                                                   const FilterOptions& options,
                                                                   const aws::CallContext& call,
                                                                   const ProgressFn& progress);

// Parses one FilterLogEvents response page into `out`; returns the page's
// nextToken ("" when absent) or a protocol error. Exposed for tests and the
// benchmark.
mcp::util::Expected<std::string, aws::Error> aggregate_filter_page(std::string_view body,
                                                                   RecordParser& records, Aggregator& out,
                                                                   std::uint64_t& events);

}  // namespace usage
