#pragma once
// Realistic Bedrock model-invocation log records for the usage benchmarks
// (aws.md §2.2/2.3 shapes): Converse and ConverseStream with multi-turn
// messages, tool use and cache points; InvokeModel with Anthropic, Llama and
// embedding bodies; InvokeModelWithResponseStream chunk arrays; cross-Region
// and application inference profiles; cache read/write tokens; a few failed
// calls. Each record is 1-4 KB (uniform) unless bodies are off, its text is English with markdown,
// JSON escapes and some non-ASCII words. Deterministic for a given seed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace usage_bench {

struct GeneratedRecords {
  std::string text;         // JSON lines, "Permissions are correctly set..." first
  std::size_t records = 0;  // invocation records (the permissions line not counted)
  std::size_t min_record_bytes = 0;
  std::size_t max_record_bytes = 0;
};

struct RecordOptions {
  std::uint64_t seed = 1;
  // About 1 % of the text bytes are non-ASCII (UTF-8 words, arrows, CJK), as
  // in real prompts and answers; `ascii` leaves them out (JavaScript engines
  // then keep one-byte strings, which makes JSON.parse faster).
  bool ascii = false;
  // false: no inputBodyJson / outputBodyJson, as when the logging
  // configuration has text data delivery off; records are then ~0.5-0.9 KB.
  bool bodies = true;
};

// Records until the text reaches `target_bytes` (the record crossing it is
// the last), or exactly `count` records when `count` > 0. Timestamps
// (second precision) rise evenly over [start_ms, end_ms).
GeneratedRecords generate_records(std::size_t target_bytes, std::size_t count, std::int64_t start_ms,
                                  std::int64_t end_ms, const RecordOptions& options = {});

// Appends `text` as a JSON string literal (quotes included).
void append_json_string(std::string_view text, std::string& out);

// A FilterLogEvents response document with one event per non-empty line of
// `jsonl` (at most `max_events`), as CloudWatch Logs returns it: the record
// escaped into `message`, plus timestamp, ingestionTime, eventId and
// logStreamName; `nextToken` when not empty.
std::string filter_log_events_page(std::string_view jsonl, std::size_t max_events,
                                   std::string_view next_token);

}  // namespace usage_bench
