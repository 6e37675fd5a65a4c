// Throughput of the Bedrock usage pipeline's inner loops on realistic 1-4 KB
// records (bench/bedrock_records.hpp), Google Benchmark:
//   BM_ParseAggregate          one core, JSON lines in memory (usage::aggregate_buffer)
//   BM_ParseAggregateParallel  the same on 2 threads (usage::aggregate_buffer_parallel)
//   BM_FilterPage              one FilterLogEvents response page (usage::aggregate_filter_page)
// Also a data writer, so bench/usage_throughput.py, bench/usage_fanout.py and
// the Node implementation of the seed read the very same records:
//   usage-bench --write-jsonl PATH (--mb N | --records N) [--start YYYY-MM-DD] [--days D] [--seed S]
//               [--ascii] [--no-bodies]   (see usage_bench::RecordOptions)
// See docs/PERFORMANCE.md, "Bedrock usage pipeline".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "bedrock_records.hpp"
#include "usage/aggregate.hpp"
#include "usage/cloudwatch_source.hpp"
#include "usage/file_source.hpp"
#include "usage/record_parser.hpp"

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kStartMs = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr std::int64_t kSpanMs = 7 * kDayMs;
constexpr std::int64_t kAll = std::numeric_limits<std::int64_t>::max();

// `text` followed by record_padding() readable bytes, as aggregate_buffer needs.
struct PaddedText {
  std::string storage;
  std::size_t size = 0;
  std::string_view view() const { return std::string_view(storage.data(), size); }
};

PaddedText padded(std::string text) {
  PaddedText p;
  p.size = text.size();
  p.storage = std::move(text);
  p.storage.resize(p.size + usage::record_padding(), '\0');
  return p;
}

// 64 MB of JSON lines: well past the caches, like a file streamed from disk.
const PaddedText& jsonl_buffer() {
  static const PaddedText data =
      padded(usage_bench::generate_records(std::size_t{64} << 20, 0, kStartMs, kStartMs + kSpanMs).text);
  return data;
}

void BM_ParseAggregate(benchmark::State& state) {
  const std::string_view data = jsonl_buffer().view();
  usage::RecordParser parser;
  std::uint64_t requests = 0;
  for (auto _ : state) {
    usage::Aggregator out;
    usage::aggregate_buffer(data, std::numeric_limits<std::int64_t>::min(), kAll, parser, out);
    requests = out.result().totals.requests;
    benchmark::DoNotOptimize(requests);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["records"] = static_cast<double>(requests);
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ParseAggregate)->Unit(benchmark::kMillisecond);

void BM_ParseAggregateParallel(benchmark::State& state) {
  const std::string_view data = jsonl_buffer().view();
  const auto threads = static_cast<unsigned>(state.range(0));
  std::uint64_t requests = 0;
  for (auto _ : state) {
    const usage::Aggregate result =
        usage::aggregate_buffer_parallel(data, std::numeric_limits<std::int64_t>::min(), kAll, threads);
    requests = result.totals.requests;
    benchmark::DoNotOptimize(requests);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["records"] = static_cast<double>(requests);
}
BENCHMARK(BM_ParseAggregateParallel)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One FilterLogEvents page: range(0) events, or as many as fit in 1 MB of
// message bytes (the real service's page limit) when range(0) is 0.
void BM_FilterPage(benchmark::State& state) {
  const std::string_view data = jsonl_buffer().view();
  std::size_t events = static_cast<std::size_t>(state.range(0));
  if (events == 0) {  // count the lines that fit in 1 MB (+ 26 bytes per event, as the service counts)
    std::size_t bytes = 0;
    std::string_view rest = data.substr(data.find('\n') + 1);
    while (!rest.empty()) {
      const std::size_t line = rest.find('\n');
      if (bytes + line + 26 > (std::size_t{1} << 20)) break;
      bytes += line + 26;
      ++events;
      rest = rest.substr(line + 1);
    }
  }
  // Skip the permissions line: every event is a record.
  const std::string page =
      usage_bench::filter_log_events_page(data.substr(data.find('\n') + 1), events,
                                          "f/3913262927494551977980532285720373558671445464339159450/s");
  usage::RecordParser records;
  std::uint64_t seen = 0;
  for (auto _ : state) {
    usage::Aggregator out;
    std::uint64_t page_events = 0;
    auto next = usage::aggregate_filter_page(page, records, out, page_events);
    if (!next || next->empty()) {
      state.SkipWithError("aggregate_filter_page failed");
      break;
    }
    seen = out.result().totals.requests;
    benchmark::DoNotOptimize(seen);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page.size()));
  state.counters["events"] = static_cast<double>(seen);
  state.counters["page_MB"] = static_cast<double>(page.size()) / 1e6;
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(seen), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FilterPage)->Arg(10'000)->Arg(0)->Unit(benchmark::kMillisecond);

// --- usage-bench --write-jsonl ---------------------------------------------------

int write_jsonl(int argc, char** argv) {
  std::string path;
  double mb = 0;
  long long records = 0;
  std::string start = "2026-03-01";
  long long days = 7;
  usage_bench::RecordOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--ascii") {
      options.ascii = true;
      continue;
    }
    if (arg == "--no-bodies") {
      options.bodies = false;
      continue;
    }
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value == nullptr) {
      std::fprintf(stderr, "usage-bench: %s needs a value\n", argv[i]);
      return 2;
    }
    if (arg == "--write-jsonl") {
      path = value;
    } else if (arg == "--mb") {
      mb = std::strtod(value, nullptr);
    } else if (arg == "--records") {
      records = std::strtoll(value, nullptr, 10);
    } else if (arg == "--start") {
      start = value;
    } else if (arg == "--days") {
      days = std::strtoll(value, nullptr, 10);
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value, nullptr, 10);
    } else {
      std::fprintf(stderr, "usage-bench: unknown argument %s\n", argv[i]);
      return 2;
    }
    ++i;
  }
  std::int64_t first_day = 0;
  if (path.empty() || (mb <= 0 && records <= 0) || days <= 0 || !usage::parse_day(start, first_day)) {
    std::fprintf(
        stderr,
        "usage: usage-bench --write-jsonl PATH (--mb N | --records N) [--start YYYY-MM-DD] [--days D] "
        "[--seed S] [--ascii] [--no-bodies]\n");
    return 2;
  }
  const std::int64_t start_ms = first_day * kDayMs;
  const auto g = usage_bench::generate_records(static_cast<std::size_t>(mb * 1e6),
                                               static_cast<std::size_t>(std::max(records, 0LL)), start_ms,
                                               start_ms + days * kDayMs, options);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(g.text.data(), 1, g.text.size(), f) != g.text.size() ||
      std::fclose(f) != 0) {
    std::fprintf(stderr, "usage-bench: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  // One JSON line for the drivers.
  std::printf(
      "{\"path\":\"%s\",\"bytes\":%zu,\"records\":%zu,\"min_record_bytes\":%zu,\"max_record_bytes\":%zu,"
      "\"start\":\"%s\",\"end\":\"%s\"}\n",
      path.c_str(), g.text.size(), g.records, g.min_record_bytes, g.max_record_bytes, start.c_str(),
      usage::format_day(first_day + days - 1).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--write-jsonl") == 0) return write_jsonl(argc, argv);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
