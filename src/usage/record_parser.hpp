#pragma once
// Parses Bedrock model-invocation log records (aws.md §2.2) with simdjson
// on-demand: only the fields the report needs are materialised; request and
// response bodies are skipped without being built. One parser per thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "usage/aggregate.hpp"
#include "usage/usage_row.hpp"

namespace usage {

enum class ParseOutcome {
  kRecord,         // `row` is filled
  kNonJson,        // not a JSON object (the "Permissions are correctly set…" line, garbage)
  kBadTimestamp,   // a record whose `timestamp` is missing or invalid
  kNotInvocation,  // JSON, but not a model-invocation record (no modelId and no token counts)
};

// Bytes that must be readable after a record's last byte (simdjson's padding).
std::size_t record_padding();

class RecordParser {
 public:
  RecordParser();
  ~RecordParser();
  RecordParser(RecordParser&&) noexcept;
  RecordParser& operator=(RecordParser&&) noexcept;

  // `json` must be followed by at least record_padding() readable bytes (the
  // rest of a larger buffer counts). `row`'s views point into `json` or into
  // this parser, valid until the next parse().
  ParseOutcome parse(std::string_view json, std::size_t readable_after, UsageRow& row);

  // Same, copying `json` into an internal padded buffer first (single
  // messages, e.g. a FilterLogEvents event).
  ParseOutcome parse_copy(std::string_view json, UsageRow& row);

  // Milliseconds since the epoch of the last record's `timestamp` (valid
  // after a kRecord outcome): file sources filter their window on it.
  std::int64_t timestamp_ms() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Adds a parsed record to `out`, or counts why it was skipped.
void add_parsed(ParseOutcome outcome, const UsageRow& row, Aggregator& out);

// "2026-03-02T14:07:31Z" -> milliseconds since the epoch; false when invalid.
// Also accepted: a ' ' instead of 'T', fractional seconds (any number of
// digits, truncated to milliseconds), a "+HH:MM" / "-HHMM" offset, or no zone
// (UTC). Dates and times are range-checked (no Feb 30, no hour 24).
bool parse_iso_timestamp(std::string_view text, std::int64_t& epoch_ms);

// UTC day number <-> "YYYY-MM-DD".
std::int64_t day_of_epoch_ms(std::int64_t epoch_ms);
std::string format_day(std::int64_t day);
bool parse_day(std::string_view text, std::int64_t& day);  // "YYYY-MM-DD" only

}  // namespace usage
