#pragma once
// Typed CloudWatch Logs calls (aws.md §3) over JsonClient. FilterLogEvents
// pages are parsed elsewhere (usage/cloudwatch_source, simdjson); only its
// request body is built here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/error.hpp"
#include "aws/json_client.hpp"
#include "mcp/util/expected.hpp"

namespace aws {

// A FilterLogEvents request: `log_group` is a name (logGroupName) or an ARN
// (logGroupIdentifier); times are epoch milliseconds, both inclusive; an
// empty `next_token` starts at the first page.
std::string filter_log_events_body(std::string_view log_group, std::int64_t start_ms, std::int64_t end_ms,
                                   std::string_view next_token, int limit = 10000);

struct LogGroup {
  std::string name;
  std::string arn;  // without the trailing ":*"
  std::int64_t stored_bytes = 0;
  std::optional<int> retention_days;  // none: kept forever
  std::int64_t creation_time_ms = 0;
  std::string log_group_class;  // STANDARD | INFREQUENT_ACCESS | DELIVERY
};

struct LogGroupPage {
  std::vector<LogGroup> groups;
  std::string next_token;  // empty on the last page
};

// One DescribeLogGroups page (limit 1..50).
mcp::util::Expected<LogGroupPage, Error> describe_log_groups(const JsonClient& client,
                                                             std::string_view name_prefix,
                                                             std::string_view next_token, int limit,
                                                             const CallContext& call);

// Every log group under `prefix`, following nextToken, at most `max_groups`.
mcp::util::Expected<std::vector<LogGroup>, Error> list_all_log_groups(const JsonClient& client,
                                                                      std::string_view prefix,
                                                                      std::size_t max_groups,
                                                                      const CallContext& call);

// StartQuery over one log group (name or ARN); times in epoch seconds, both
// inclusive. Returns the queryId.
mcp::util::Expected<std::string, Error> start_query(const JsonClient& client, std::string_view log_group,
                                                    std::int64_t start_s, std::int64_t end_s,
                                                    std::string_view query, int limit,
                                                    const CallContext& call);

using QueryRow = std::vector<std::pair<std::string, std::string>>;  // (field, value), in answer order

struct QueryResults {
  std::string status;  // Scheduled | Running | Complete | Failed | Cancelled | Timeout | Unknown
  std::vector<QueryRow> rows;
  double records_matched = 0;
  double records_scanned = 0;
  double bytes_scanned = 0;
  bool finished() const;  // a terminal status: no point polling again
};

mcp::util::Expected<QueryResults, Error> get_query_results(const JsonClient& client,
                                                           std::string_view query_id,
                                                           const CallContext& call);

// StopQuery; true when AWS stopped it (false: it had already finished).
mcp::util::Expected<bool, Error> stop_query(const JsonClient& client, std::string_view query_id,
                                            const CallContext& call);

// Parsers, exposed for tests.
mcp::util::Expected<LogGroupPage, Error> parse_describe_log_groups(std::string_view body);
mcp::util::Expected<QueryResults, Error> parse_query_results(std::string_view body);

}  // namespace aws
