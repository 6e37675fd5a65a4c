#include "usage/insights_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

#include "aws/logs.hpp"
#include "usage/record_parser.hpp"

namespace usage {

namespace {

using aws::Error;
using aws::ErrorKind;

constexpr int kRowLimit = 10'000;  // Insights' maximum `limit`

std::uint64_t to_count(std::string_view text) {
  // Insights returns numbers as strings, sums of integers sometimes as "12.0".
  double value = 0;
  const auto* end = text.data() + text.size();
  // Hostile or odd values ("inf", "nan", 1e300) must not reach the cast.
  if (std::from_chars(text.data(), end, value).ec != std::errc() || !(value >= 0)) return 0;
  constexpr double kMax = 9.0e15;  // far above any real sum, exactly representable
  return static_cast<std::uint64_t>(std::llround(std::min(value, kMax)));
}

bool terminal(std::string_view status) {
  return status == "Complete" || status == "Failed" || status == "Cancelled" || status == "Timeout" ||
         status == "Unknown";
}

void stop_quietly(const aws::JsonClient& logs, const std::string& query_id) {
  // A fresh, short budget: the caller's is spent or cancelled.
  aws::CallContext call{.deadline = aws::Clock::now() + std::chrono::seconds(5), .cancelled = nullptr};
  (void)aws::stop_query(logs, query_id, call);
}

// Adds one result row; false when the row is not one of ours.
bool add_row(const std::vector<std::pair<std::string, std::string>>& fields, Aggregator& out,
             std::uint64_t& missing) {
  UsageRow row;
  std::uint64_t with_counts = 0;
  bool has_day = false;
  for (const auto& [name, value] : fields) {
    if (name == "day") {
      has_day = value.size() >= 10 && parse_day(std::string_view(value).substr(0, 10), row.day);
    } else if (name == "region") {
      row.region = value;
      row.has_region = true;
    } else if (name == "modelId") {
      row.model_id = value;
    } else if (name == "identity.arn") {
      row.user_arn = value;
      row.has_user = true;
    } else if (name == "operation") {
      row.operation = value;
    } else if (name == "requests") {
      row.counts.requests = to_count(value);
    } else if (name == "inputTokens") {
      row.counts.input = to_count(value);
    } else if (name == "outputTokens") {
      row.counts.output = to_count(value);
    } else if (name == "cacheReadTokens") {
      row.counts.cache_read = to_count(value);
    } else if (name == "cacheWriteTokens") {
      row.counts.cache_write = to_count(value);
    } else if (name == "errors") {
      row.counts.errors = to_count(value);
    } else if (name == "withCounts") {
      with_counts = to_count(value);
    }
  }
  if (!has_day || row.counts.requests == 0) return false;
  // Error counts arrive without their codes, so by_error_code stays empty.
  const std::uint64_t expected = row.counts.requests - std::min(row.counts.requests, row.counts.errors);
  if (with_counts < expected) missing += expected - with_counts;
  out.add(row);
  return true;
}

}  // namespace

std::string insights_query() {
  // Every Bedrock record carries schemaType; modelId catches records that
  // lack it. The permissions line and other events have neither.
  return "filter schemaType = \"ModelInvocationLog\" or ispresent(modelId)\n"
         "| stats count(*) as requests, sum(input.inputTokenCount) as inputTokens, "
         "sum(output.outputTokenCount) as outputTokens, sum(input.cacheReadInputTokenCount) as "
         "cacheReadTokens, "
         "sum(input.cacheWriteInputTokenCount) as cacheWriteTokens, count(errorCode) as errors, "
         "count(input.inputTokenCount) as withCounts "
         "by bin(1d) as day, region, modelId, identity.arn, operation";
}

mcp::util::Expected<InsightsResult, Error> run_insights_query(const aws::JsonClient& logs,
                                                              const InsightsOptions& options,
                                                              const aws::CallContext& call,
                                                              const ProgressFn& progress) {
  // Insights takes seconds, both ends inclusive.
  const std::int64_t start_s = options.start_ms / 1000;
  const std::int64_t end_s = (options.end_ms - 1) / 1000;
  auto started = aws::start_query(logs, options.log_group, start_s, end_s, insights_query(), kRowLimit, call);
  if (!started) return mcp::util::unexpected(std::move(started.error()));
  const std::string query_id = *started;
  const auto give_up = std::min(call.deadline, aws::Clock::now() + options.timeout);
  for (std::uint64_t polls = 1;; ++polls) {
    auto results = aws::get_query_results(logs, query_id, call);
    if (!results) {
      stop_quietly(logs, query_id);
      return mcp::util::unexpected(std::move(results.error()));
    }
    if (progress) {
      progress(Progress{.done = static_cast<std::uint64_t>(results->records_scanned),
                        .total = 0,
                        .pages = polls,
                        .events = static_cast<std::uint64_t>(results->records_matched),
                        .bytes = static_cast<std::uint64_t>(results->bytes_scanned),
                        .message = "Logs Insights: " + results->status});
    }
    if (terminal(results->status)) {
      if (results->status != "Complete") {
        return mcp::util::unexpected(
            Error{.kind = ErrorKind::kService,
                  .code = "Query" + results->status,
                  .message = "the Logs Insights query ended with status " + results->status});
      }
      InsightsResult out;
      Aggregator aggregator;
      for (const auto& row : results->rows) add_row(row, aggregator, out.records_missing_tokens);
      out.aggregate = aggregator.take();
      out.row_limit_hit = results->rows.size() >= static_cast<std::size_t>(kRowLimit);
      out.complete = out.records_missing_tokens == 0 && !out.row_limit_hit;
      out.records_scanned = results->records_scanned;
      out.bytes_scanned = results->bytes_scanned;
      return out;
    }
    // Sleep in short steps so cancellation is prompt.
    const auto wake = std::min(give_up, aws::Clock::now() + options.poll_interval);
    while (aws::Clock::now() < wake && !call.is_cancelled())
      std::this_thread::sleep_for(
          std::min<aws::Clock::duration>(wake - aws::Clock::now(), std::chrono::milliseconds(20)));
    if (call.is_cancelled()) {
      stop_quietly(logs, query_id);
      return mcp::util::unexpected(Error{.kind = ErrorKind::kCancelled, .code = {}, .message = "cancelled"});
    }
    if (aws::Clock::now() >= give_up) {
      stop_quietly(logs, query_id);
      return mcp::util::unexpected(Error{.kind = ErrorKind::kDeadline,
                                         .code = {},
                                         .message = "the Logs Insights query did not finish in time"});
    }
  }
}

}  // namespace usage
