#pragma once
// One unit of Bedrock usage as every source delivers it: a single invocation
// record (requests = 1) from FilterLogEvents or a file, or a pre-aggregated
// Logs Insights row. String fields are views into the caller's buffer and
// only need to live until Aggregator::add returns.
#include <cstdint>
#include <string_view>

namespace usage {

struct TokenCounts {
  std::uint64_t requests = 0;
  std::uint64_t input = 0;        // input.inputTokenCount (uncached input only)
  std::uint64_t output = 0;       // output.outputTokenCount
  std::uint64_t cache_read = 0;   // input.cacheReadInputTokenCount
  std::uint64_t cache_write = 0;  // input.cacheWriteInputTokenCount
  std::uint64_t errors = 0;       // records carrying errorCode

  // The seed's "Total": input + completion (cache tokens are reported apart).
  std::uint64_t total() const { return input + output; }
  TokenCounts& operator+=(const TokenCounts& o) {
    requests += o.requests;
    input += o.input;
    output += o.output;
    cache_read += o.cache_read;
    cache_write += o.cache_write;
    errors += o.errors;
    return *this;
  }
  friend bool operator==(const TokenCounts&, const TokenCounts&) = default;
};

struct UsageRow {
  std::int64_t day = 0;     // UTC day number: days since 1970-01-01
  std::string_view region;  // "" when the record has none (rendered "undefined", as the seed did)
  bool has_region = false;
  std::string_view model_id;  // as logged: base id, inference-profile id or ARN; "" when absent
  std::string_view user_arn;  // identity.arn
  bool has_user = false;
  std::string_view operation;   // "" when absent
  std::string_view error_code;  // "" when absent (errors are counted in `counts.errors`)
  TokenCounts counts;
};

}  // namespace usage
