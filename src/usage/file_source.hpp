#pragma once
// Bedrock invocation logs read from local files: a file or a directory tree
// (files ending .json, .jsonl, .log, .txt or .gz, in sorted order). Each file
// is detected on its own as one of
//   1. JSON lines, one record per line (the S3 delivery `*.json.gz`),
//   2. CloudWatch Logs export lines: "2026-03-02T14:07:31.000Z {record}",
//   3. the document printed by `aws logs filter-log-events`
//      ({"events":[{"message":"<escaped record>",...},...]}),
// plain or gzip-compressed (multi-member gzip included). Records are kept
// when their own `timestamp` falls in [start_ms, end_ms).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "mcp/util/expected.hpp"
#include "usage/aggregate.hpp"
#include "usage/record_parser.hpp"

namespace usage {

struct FileScanOptions {
  std::string path;  // a file or a directory (searched recursively)
  std::int64_t start_ms = std::numeric_limits<std::int64_t>::min();
  std::int64_t end_ms = std::numeric_limits<std::int64_t>::max();
  unsigned threads = 1;
  // Decompressed bytes over all files; more is an error, not a silent cut.
  std::uint64_t max_total_bytes = std::uint64_t{64} << 30;
  // Tuning: the read granularity (about L2-sized, so a chunk is parsed while
  // still in cache) and the range size plain JSON-lines files are cut into
  // when threads > 1. Tests make both tiny.
  std::size_t chunk_bytes = std::size_t{1} << 20;
  std::uint64_t split_bytes = std::uint64_t{32} << 20;
};

// Bytes are on-disk bytes (compressed ones for .gz). Called on the thread that
// called scan_files, at most about ten times a second, and once at the end.
using ScanProgress = std::function<void(std::uint64_t bytes_done, std::uint64_t bytes_total)>;

// Aggregates every record under options.path. Errors are one-line messages
// naming the file (missing path, unreadable file, corrupt gzip, over the byte
// limit, cancelled). `cancel` (may be null) is checked between chunks.
mcp::util::Expected<Aggregate, std::string> scan_files(const FileScanOptions& options,
                                                       const std::atomic<bool>* cancel,
                                                       const ScanProgress& progress);

// The inner loop, also used by the benchmarks and the demo source: aggregates
// every line of `data` (formats 1 and 2 above; empty lines ignored, CRLF
// accepted), keeping records whose timestamp is in [start_ms, end_ms). `data`
// must be followed by record_padding() readable bytes.
void aggregate_buffer(std::string_view data, std::int64_t start_ms, std::int64_t end_ms, RecordParser& parser,
                      Aggregator& out);

// The same on `threads` threads, splitting `data` at line boundaries; one
// Aggregator per thread, merged in order.
Aggregate aggregate_buffer_parallel(std::string_view data, std::int64_t start_ms, std::int64_t end_ms,
                                    unsigned threads);

// Format 3: the records inside a FilterLogEvents response document (`doc`
// followed by record_padding() readable bytes). False, with `error` set,
// when `doc` is not such a document.
bool aggregate_events_document(std::string_view doc, std::int64_t start_ms, std::int64_t end_ms,
                               RecordParser& parser, Aggregator& out, std::string& error);

}  // namespace usage
