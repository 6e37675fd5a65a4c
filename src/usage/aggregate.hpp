#pragma once
// Sums UsageRows into totals and breakdowns. One Aggregator per thread;
// merge() combines them. Keys are copied on first sight, so rows like ones
// seen before cost one hash lookup and no allocation.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "usage/usage_row.hpp"

namespace usage {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using CountsByKey = std::unordered_map<std::string, TokenCounts, StringHash, std::equal_to<>>;

// Why records were left out (never fatal to a report).
struct SkipCounts {
  std::uint64_t non_json = 0;        // e.g. "Permissions are correctly set for Amazon Bedrock logs."
  std::uint64_t bad_timestamp = 0;   // missing or unparseable `timestamp`
  std::uint64_t not_invocation = 0;  // JSON, but not a ModelInvocationLog record
  std::uint64_t out_of_window = 0;   // file sources: outside [start, end)
  std::uint64_t total() const { return non_json + bad_timestamp + not_invocation + out_of_window; }
  SkipCounts& operator+=(const SkipCounts& o) {
    non_json += o.non_json;
    bad_timestamp += o.bad_timestamp;
    not_invocation += o.not_invocation;
    out_of_window += o.out_of_window;
    return *this;
  }
};

struct Aggregate {
  TokenCounts totals;
  std::unordered_map<std::int64_t, TokenCounts> by_day;  // UTC day number
  CountsByKey by_region;      // "undefined" for records without a region (the seed's key)
  CountsByKey by_model;       // shortened model id (seed rule: merges profile prefixes)
  CountsByKey by_user;        // identity.arn, only records that have one
  CountsByKey by_operation;   // "" -> "unknown"
  CountsByKey by_model_id;    // the model id exactly as logged (profiles and ARNs kept apart)
  CountsByKey by_error_code;  // only records with an errorCode
  // Pricing needs the full model id and the region together: "region\x1fmodelId".
  CountsByKey by_region_model_id;
  SkipCounts skipped;

  void merge(const Aggregate& other);
};

class Aggregator {
 public:
  void add(const UsageRow& row);
  void skip_non_json() { result_.skipped.non_json++; }
  void skip_bad_timestamp() { result_.skipped.bad_timestamp++; }
  void skip_not_invocation() { result_.skipped.not_invocation++; }
  void skip_out_of_window() { result_.skipped.out_of_window++; }
  Aggregate& result() {
    flush();
    return result_;
  }
  Aggregate take() {
    flush();
    return std::move(result_);
  }

 private:
  // The hot path sums rows per distinct (region, model id, user, operation,
  // error code) with one hash lookup, and per day; the breakdowns are built
  // from those sums when the result is read.
  struct RowKeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept;
  };
  void flush();

  Aggregate result_;
  std::unordered_map<std::string, TokenCounts, RowKeyHash, std::equal_to<>> pending_;
  std::unordered_map<std::int64_t, TokenCounts> pending_days_;
  std::string key_scratch_;  // reused so rows with known keys allocate nothing
};

// The seed's model-id shortening (server.ts:240): the text after the last '.'
// when there is one, else the text after the last '/' (the whole id when it
// has none), "unknown" when that is empty.
std::string_view short_model_id(std::string_view model_id);

// Key separator of Aggregate::by_region_model_id.
inline constexpr char kKeySeparator = '\x1f';

}  // namespace usage
