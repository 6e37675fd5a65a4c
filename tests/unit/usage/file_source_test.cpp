#include "usage/file_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "usage/demo_dataset.hpp"

using namespace usage;
#include "usage_test_support.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "usage-file-source-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(std::string_view name) const { return path_ / name; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void write_file(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string gzip_member(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string record(std::string_view timestamp, std::string_view model, std::uint64_t input,
                   std::uint64_t output, std::string_view user = "arn:aws:iam::123456789012:user/alice") {
  return R"({"schemaType":"ModelInvocationLog","timestamp":")" + std::string(timestamp) +
         R"(","identity":{"arn":")" + std::string(user) +
         R"("},"region":"us-east-1","operation":"Converse",)"
         R"("modelId":")" +
         std::string(model) +
         R"(","input":{"inputBodyJson":{"messages":[{"role":"user","content":[{"text":"hi \"there\""}]}]},)"
         R"("inputTokenCount":)" +
         std::to_string(input) + R"(},"output":{"outputTokenCount":)" + std::to_string(output) + "}}";
}

std::string json_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The three records most tests use, and what they add up to.
const std::string kR1 = record("2026-03-01T10:00:00Z", "amazon.nova-lite-v1:0", 10, 1);
const std::string kR2 = record("2026-03-02T11:00:00Z", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", 20, 2);
const std::string kR3 =
    record("2026-03-03T12:00:00Z", "amazon.nova-lite-v1:0", 40, 4, "arn:aws:iam::1:user/bob");
constexpr std::string_view kPermissions = "Permissions are correctly set for Amazon Bedrock logs.";

Aggregate scan_ok(const FileScanOptions& options) {
  auto result = scan_files(options, nullptr, nullptr);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error());
  return result ? std::move(*result) : Aggregate{};
}

Aggregate scan_ok(const std::string& path) {
  FileScanOptions options;
  options.path = path;
  return scan_ok(options);
}

std::string scan_error(const FileScanOptions& options) {
  auto result = scan_files(options, nullptr, nullptr);
  EXPECT_FALSE(result.has_value());
  return result ? std::string() : result.error();
}

std::int64_t ms(std::string_view iso) {
  std::int64_t v = 0;
  EXPECT_TRUE(parse_iso_timestamp(iso, v));
  return v;
}

using usage::testing::expect_same;

void expect_three_records(const Aggregate& a) {
  EXPECT_EQ(a.totals.requests, 3u);
  EXPECT_EQ(a.totals.input, 70u);
  EXPECT_EQ(a.totals.output, 7u);
  EXPECT_EQ(a.by_model.at("nova-lite-v1:0").requests, 2u);
  EXPECT_EQ(a.by_user.at("arn:aws:iam::1:user/bob").input, 40u);
  EXPECT_EQ(a.by_day.size(), 3u);
}

}  // namespace

TEST(FileSource, JsonLinesWithPermissionsLineCrlfAndBlankLines) {
  TempDir dir;
  const std::string text =
      std::string(kPermissions) + "\r\n" + kR1 + "\r\n\r\n   \n" + kR2 + "\n" + kR3;  // no final newline
  write_file(dir / "logs.jsonl", text);
  const Aggregate a = scan_ok((dir / "logs.jsonl").string());
  expect_three_records(a);
  EXPECT_EQ(a.skipped.non_json, 1u);
  EXPECT_EQ(a.skipped.total(), 1u);
}

TEST(FileSource, ByteOrderMarkIsIgnored) {
  TempDir dir;
  write_file(dir / "bom.json", "\xEF\xBB\xBF" + kR1 + "\n" + kR2 + "\n" + kR3 + "\n");
  const Aggregate a = scan_ok((dir / "bom.json").string());
  expect_three_records(a);
  EXPECT_EQ(a.skipped.total(), 0u);
}

TEST(FileSource, CloudWatchExportLines) {
  TempDir dir;
  const std::string text = "2026-03-01T10:00:00.000Z " + kR1 + "\n2026-03-02T11:00:00.123Z " + kR2 +
                           "\r\n2026-03-03T12:00:00.000Z " + kR3 + "\n2026-03-03T12:00:01.000Z " +
                           std::string(kPermissions) + "\n";
  write_file(dir / "000000.log", text);
  const Aggregate a = scan_ok((dir / "000000.log").string());
  expect_three_records(a);
  EXPECT_EQ(a.skipped.non_json, 1u);
}

TEST(FileSource, FilterLogEventsDocumentPrettyAndCompact) {
  TempDir dir;
  const auto event = [](const std::string& message, long ts) {
    return R"({"logStreamName":"aws/bedrock/modelinvocations","timestamp":)" + std::to_string(ts) +
           R"(,"message":")" + json_escape(message) + R"(","ingestionTime":1,"eventId":"1"})";
  };
  const std::string compact = R"({"events":[)" + event(std::string(kPermissions), 1) + "," + event(kR1, 2) +
                              "," + event(kR2, 3) + "," + event(kR3, 4) + R"(],"searchedLogStreams":[]})";
  write_file(dir / "compact.json", compact);
  const std::string pretty = "{\n    \"events\": [\n        " + event(kR1, 2) + ",\n        " +
                             event(kR2, 3) + ",\n        " + event(kR3, 4) +
                             ",\n        {\"timestamp\": 5}\n    ],\n    \"searchedLogStreams\": [],\n    "
                             "\"nextToken\": \"abc\"\n}\n";
  write_file(dir / "pretty.json", pretty);

  const Aggregate a = scan_ok((dir / "compact.json").string());
  expect_three_records(a);
  EXPECT_EQ(a.skipped.non_json, 1u);
  const Aggregate b = scan_ok((dir / "pretty.json").string());
  expect_three_records(b);
  EXPECT_EQ(b.skipped.non_json, 1u);  // the event without a message

  // Key order is free; a pretty-printed document is recognised by its first line.
  const std::string reordered = "{\n  \"nextToken\": \"abc\",\n  \"events\": [" + event(kR1, 2) + "," +
                                event(kR2, 3) + "," + event(kR3, 4) + "]\n}\n";
  write_file(dir / "reordered.json", reordered);
  expect_three_records(scan_ok((dir / "reordered.json").string()));

  // A gzipped document works too.
  write_file(dir / "events.json.gz", gzip_member(pretty));
  expect_three_records(scan_ok((dir / "events.json.gz").string()));
}

TEST(FileSource, BrokenFilterLogEventsDocumentIsAnError) {
  TempDir dir;
  write_file(dir / "broken.json", R"({"events": [ {"message": "x"}, )");
  FileScanOptions options;
  options.path = (dir / "broken.json").string();
  const std::string error = scan_error(options);
  EXPECT_NE(error.find("broken.json"), std::string::npos) << error;

  // A pretty-printed JSON document that is not a FilterLogEvents response.
  write_file(dir / "other.json", "{\n  \"records\": []\n}\n");
  options.path = (dir / "other.json").string();
  const std::string other = scan_error(options);
  EXPECT_NE(other.find("other.json"), std::string::npos) << other;
  EXPECT_NE(other.find("events"), std::string::npos) << other;
}

TEST(FileSource, GzipSingleAndMultiMember) {
  TempDir dir;
  write_file(dir / "one.json.gz", gzip_member(kR1 + "\n" + kR2 + "\n" + kR3 + "\n"));
  expect_three_records(scan_ok((dir / "one.json.gz").string()));

  // Members split mid-line, and zero padding after the last member.
  const std::string all = kR1 + "\n" + kR2 + "\n" + kR3 + "\n";
  const std::string multi = gzip_member(all.substr(0, 100)) + gzip_member(all.substr(100, 250)) +
                            gzip_member(all.substr(350)) + std::string(16, '\0');
  write_file(dir / "multi.json.gz", multi);
  const Aggregate a = scan_ok((dir / "multi.json.gz").string());
  expect_three_records(a);
  EXPECT_EQ(a.skipped.total(), 0u);
}

TEST(FileSource, LargeGzipWithSmallChunksEqualsPlain) {
  TempDir dir;
  const std::string demo = demo_dataset(20514, 3);
  write_file(dir / "plain" / "demo.jsonl", demo);
  write_file(dir / "gz" / "demo.json.gz", gzip_member(demo));
  FileScanOptions plain;
  plain.path = (dir / "plain").string();
  FileScanOptions gz = plain;
  gz.path = (dir / "gz").string();
  gz.chunk_bytes = 1000;  // smaller than some records: the buffer must grow
  const Aggregate a = scan_ok(plain);
  const Aggregate b = scan_ok(gz);
  EXPECT_GT(a.totals.requests, 300u);
  expect_same(a, b);
}

TEST(FileSource, CorruptAndTruncatedGzipAreErrorsNamingTheFile) {
  TempDir dir;
  std::string gz = gzip_member(kR1 + "\n" + kR2 + "\n");
  std::string corrupt = gz;
  for (std::size_t i = 12; i < corrupt.size() - 8; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  write_file(dir / "corrupt.json.gz", corrupt);
  write_file(dir / "truncated.json.gz", gz.substr(0, gz.size() / 2));
  write_file(dir / "trailing.json.gz", gz + "garbage");

  for (const char* name : {"corrupt.json.gz", "truncated.json.gz", "trailing.json.gz"}) {
    FileScanOptions options;
    options.path = (dir / name).string();
    const std::string error = scan_error(options);
    EXPECT_NE(error.find(name), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  // In a directory, one bad file fails the scan.
  FileScanOptions options;
  options.path = dir.str();
  EXPECT_FALSE(scan_files(options, nullptr, nullptr).has_value());
}

TEST(FileSource, DirectoryRecursionPicksLogFilesOnly) {
  TempDir dir;
  write_file(dir / "a" / "2026" / "03" / "01" / "x.json", kR1 + "\n");
  write_file(dir / "a" / "2026" / "03" / "02" / "y.json.gz", gzip_member(kR2 + "\n"));
  write_file(dir / "b" / "z.txt", kR3 + "\n");
  write_file(dir / "b" / "ignored.csv", kR3 + "\n");
  write_file(dir / "notes.md", kR3 + "\n");
  write_file(dir / "c" / "empty.log", "");
  fs::create_directories(dir / "d" / "empty-dir");
  const Aggregate a = scan_ok(dir.str());
  expect_three_records(a);
  EXPECT_EQ(a.skipped.total(), 0u);
}

TEST(FileSource, WindowFiltersOnTheRecordTimestamp) {
  TempDir dir;
  // The export prefix says another day: the record's own timestamp decides.
  write_file(dir / "w.log", "2026-03-09T00:00:00.000Z " + kR1 + "\n" + kR2 + "\n" + kR3 + "\n");
  FileScanOptions options;
  options.path = (dir / "w.log").string();
  options.start_ms = ms("2026-03-02T11:00:00Z");  // inclusive
  options.end_ms = ms("2026-03-03T12:00:00Z");    // exclusive
  const Aggregate a = scan_ok(options);
  EXPECT_EQ(a.totals.requests, 1u);
  EXPECT_EQ(a.totals.input, 20u);
  EXPECT_EQ(a.skipped.out_of_window, 2u);
}

TEST(FileSource, MissingPathAndEmptyDirectoryAreErrors) {
  TempDir dir;
  FileScanOptions options;
  options.path = (dir / "nope").string();
  const std::string missing = scan_error(options);
  EXPECT_NE(missing.find("nope"), std::string::npos) << missing;

  fs::create_directories(dir / "empty");
  options.path = (dir / "empty").string();
  const std::string empty = scan_error(options);
  EXPECT_NE(empty.find("empty"), std::string::npos) << empty;
}

TEST(FileSource, ByteLimitIsAnError) {
  TempDir dir;
  const std::string text = kR1 + "\n" + kR2 + "\n" + kR3 + "\n";
  write_file(dir / "big.json.gz", gzip_member(text));
  FileScanOptions options;
  options.path = (dir / "big.json.gz").string();
  options.max_total_bytes = text.size() - 1;
  const std::string error = scan_error(options);
  EXPECT_NE(error.find("big.json.gz"), std::string::npos) << error;
  EXPECT_NE(error.find("limit"), std::string::npos) << error;
  options.max_total_bytes = text.size();
  expect_three_records(scan_ok(options));
}

TEST(FileSource, CancelledScanStops) {
  TempDir dir;
  write_file(dir / "x.json", kR1 + "\n");
  FileScanOptions options;
  options.path = dir.str();
  const std::atomic<bool> cancel{true};
  const auto result = scan_files(options, &cancel, nullptr);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().find("cancel"), std::string::npos) << result.error();
}

TEST(FileSource, ProgressEndsWithEveryByte) {
  TempDir dir;
  write_file(dir / "a.json", kR1 + "\n" + kR2 + "\n");
  write_file(dir / "b.json.gz", gzip_member(kR3 + "\n"));
  FileScanOptions options;
  options.path = dir.str();
  std::uint64_t last_done = 0, last_total = 0;
  int calls = 0;
  const auto result = scan_files(options, nullptr, [&](std::uint64_t done, std::uint64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
    ++calls;
  });
  ASSERT_TRUE(result.has_value());
  EXPECT_GE(calls, 1);
  const std::uint64_t size = fs::file_size(dir / "a.json") + fs::file_size(dir / "b.json.gz");
  EXPECT_EQ(last_total, size);
  EXPECT_EQ(last_done, size);
}

TEST(FileSource, ThreadsAndRangeSplitsGiveTheSameAggregate) {
  TempDir dir;
  // Four files of demo data: plain JSON lines (split into ranges), the same
  // with CRLF, CloudWatch export lines, and gzip; records of varied length.
  std::string crlf, exported = "2026-01-01T00:00:00.000Z ";
  for (const char c : demo_dataset(20400, 1)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const std::string export_source = demo_dataset(20200, 1);
  for (std::size_t i = 0; i < export_source.size(); ++i) {
    exported += export_source[i];
    if (export_source[i] == '\n' && i + 1 < export_source.size()) exported += "2026-01-01T00:00:00.000Z ";
  }
  write_file(dir / "1-plain.jsonl", demo_dataset(20514, 1));
  write_file(dir / "2-crlf.jsonl", crlf);
  write_file(dir / "3-export.log", exported);
  write_file(dir / "4-gz.json.gz", gzip_member(demo_dataset(20300, 1)));

  FileScanOptions one;
  one.path = dir.str();
  const Aggregate reference = scan_ok(one);
  EXPECT_GT(reference.totals.requests, 300u);
  EXPECT_EQ(reference.skipped.non_json, 4u);  // one permissions line per file
  EXPECT_EQ(reference.skipped.total(), 4u);

  // Ranges smaller than a line, around a line and larger; chunks smaller
  // than some lines (a range's first line may span several chunks).
  for (const std::uint64_t split : {97ull, 1000ull, 100000ull}) {
    for (const std::size_t chunk : {std::size_t{512}, std::size_t{4096}}) {
      for (const unsigned threads : {2u, 3u}) {
        FileScanOptions options = one;
        options.threads = threads;
        options.split_bytes = split;
        options.chunk_bytes = chunk;
        SCOPED_TRACE("split " + std::to_string(split) + " chunk " + std::to_string(chunk) + " threads " +
                     std::to_string(threads));
        expect_same(scan_ok(options), reference);
      }
    }
  }
}

TEST(AggregateBuffer, ParallelEqualsSingle) {
  std::string data;
  for (int i = 0; i < 3; ++i) data += demo_dataset(20000 + 40 * i, 8);  // a few MB
  const std::size_t size = data.size();
  data.append(record_padding(), '\0');
  const std::string_view view(data.data(), size);
  RecordParser parser;
  Aggregator single;
  aggregate_buffer(view, ms("2024-10-01T00:00:00Z"), ms("2025-03-01T00:00:00Z"), parser, single);
  EXPECT_GT(single.result().skipped.out_of_window, 0u);
  EXPECT_GT(single.result().totals.requests, 0u);
  for (const unsigned threads : {2u, 4u}) {
    const Aggregate parallel =
        aggregate_buffer_parallel(view, ms("2024-10-01T00:00:00Z"), ms("2025-03-01T00:00:00Z"), threads);
    expect_same(parallel, single.result());
  }
}

TEST(AggregateBuffer, EventsDocumentHelper) {
  std::string doc = R"({"events":[{"message":")" + json_escape(kR1) + R"("}]})";
  const std::size_t size = doc.size();
  doc.append(record_padding(), '\0');
  RecordParser parser;
  Aggregator out;
  std::string error;
  ASSERT_TRUE(
      aggregate_events_document(std::string_view(doc.data(), size), INT64_MIN, INT64_MAX, parser, out, error))
      << error;
  EXPECT_EQ(out.result().totals.input, 10u);

  std::string other = R"({"records":[]})";
  const std::size_t other_size = other.size();
  other.append(record_padding(), '\0');
  EXPECT_FALSE(aggregate_events_document(std::string_view(other.data(), other_size), INT64_MIN, INT64_MAX,
                                         parser, out, error));
  EXPECT_NE(error.find("events"), std::string::npos) << error;
}
