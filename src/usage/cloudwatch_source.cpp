#include "usage/cloudwatch_source.hpp"

#include <simdjson.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "aws/logs.hpp"

namespace usage {

namespace {

using aws::Error;
using aws::ErrorKind;

Error protocol_error(std::string what) {
  return Error{.kind = ErrorKind::kProtocol, .code = {}, .message = "FilterLogEvents: " + std::move(what)};
}

// Boundaries of `n` equal slices of [start, end).
std::vector<std::int64_t> slice_bounds(std::int64_t start, std::int64_t end, unsigned n) {
  std::vector<std::int64_t> bounds;
  bounds.reserve(n + 1);
  const auto width = static_cast<__int128>(end - start);
  for (unsigned i = 0; i <= n; ++i) bounds.push_back(start + static_cast<std::int64_t>(width * i / n));
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  return bounds;
}

// Every slice costs at least one request of its own (its last, partial
// page), so no more slices than threads: under a tight rate limit extra
// requests are pure loss.
unsigned slice_count(const FilterOptions& o) {
  const std::int64_t minutes = std::max<std::int64_t>(1, (o.end_ms - o.start_ms) / 60'000);
  const unsigned wanted = o.slices > 0 ? o.slices : std::max(1U, o.concurrency);
  return static_cast<unsigned>(std::min<std::int64_t>(minutes, wanted));
}

// What the threads of one fetch share.
struct FetchState {
  std::vector<std::int64_t> bounds;
  std::atomic<std::size_t> next_slice{0};
  std::atomic<std::uint64_t> slices_done{0};
  std::atomic<std::uint64_t> pages{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::optional<Error> error;  // the first failure
  Aggregate merged;

  void fail(Error e) {
    std::lock_guard lock(mutex);
    if (!error) error = std::move(e);
    stop = true;
  }
};

void fetch_slices(const aws::JsonClient& logs, const FilterOptions& options, const aws::CallContext& outer,
                  FetchState& state);

// A fan-out thread: nothing may escape it (std::terminate).
void run_worker(const aws::JsonClient& logs, const FilterOptions& options, const aws::CallContext& outer,
                FetchState& state) {
  try {
    fetch_slices(logs, options, outer, state);
  } catch (const std::exception& e) {
    state.fail(Error{.kind = ErrorKind::kProtocol,
                     .code = {},
                     .message = std::string("fetching logs failed: ") + e.what()});
  }
}

void fetch_slices(const aws::JsonClient& logs, const FilterOptions& options, const aws::CallContext& outer,
                  FetchState& state) {
  aws::CallContext call{.deadline = outer.deadline, .cancelled = &state.stop};
  RecordParser records;
  Aggregator local;
  for (;;) {
    const std::size_t slice = state.next_slice.fetch_add(1);
    if (slice + 1 >= state.bounds.size() || state.stop) break;
    const std::int64_t begin = state.bounds[slice];
    const std::int64_t last = state.bounds[slice + 1] - 1;  // FilterLogEvents' endTime is inclusive
    std::string token;
    do {
      const std::string body =
          aws::filter_log_events_body(options.log_group, begin, last, token, options.page_limit);
      auto page = logs.call("FilterLogEvents", body, call);
      if (!page) {
        state.fail(std::move(page.error()));
        return;
      }
      std::uint64_t page_events = 0;
      auto next = aggregate_filter_page(*page, records, local, page_events);
      if (!next) {
        state.fail(std::move(next.error()));
        return;
      }
      const std::uint64_t pages = state.pages.fetch_add(1) + 1;
      const std::uint64_t events = state.events.fetch_add(page_events) + page_events;
      state.bytes.fetch_add(page->size());
      if (pages > options.max_pages || events > options.max_events) {
        state.fail(Error{.kind = ErrorKind::kConfig,
                         .code = {},
                         .message = "the window holds more than the configured limit of " +
                                    std::to_string(options.max_pages) + " pages / " +
                                    std::to_string(options.max_events) +
                                    " events; narrow the window or use source=insights"});
        return;
      }
      if (!next->empty() && *next == token) {
        state.fail(protocol_error("the service returned the same nextToken twice"));
        return;
      }
      token = std::move(*next);
    } while (!token.empty() && !state.stop);
    state.slices_done.fetch_add(1);
  }
  std::lock_guard lock(state.mutex);
  state.merged.merge(local.result());
}

}  // namespace

mcp::util::Expected<std::string, Error> aggregate_filter_page(std::string_view body, RecordParser& records,
                                                              Aggregator& out, std::uint64_t& events) {
  // A parser per page: pages are large (up to 1 MB), so its set-up and the
  // padded copy are noise next to parsing the events.
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS)
    return mcp::util::unexpected(protocol_error("not JSON"));
  simdjson::ondemand::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS)
    return mcp::util::unexpected(protocol_error("the response is not an object"));
  std::string next_token;
  UsageRow row;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS)
      return mcp::util::unexpected(protocol_error("malformed response"));
    if (key == "nextToken") {
      std::string_view token;
      if (field.value().get_string().get(token) == simdjson::SUCCESS) next_token = token;
    } else if (key == "events") {
      simdjson::ondemand::array list;
      if (field.value().get_array().get(list) != simdjson::SUCCESS)
        return mcp::util::unexpected(protocol_error("`events` is not an array"));
      for (auto event : list) {
        simdjson::ondemand::object ev;
        if (event.get_object().get(ev) != simdjson::SUCCESS)
          return mcp::util::unexpected(protocol_error("an event is not an object"));
        std::string_view message;
        bool found = false;
        for (auto f : ev) {
          std::string_view k;
          if (f.unescaped_key().get(k) != simdjson::SUCCESS)
            return mcp::util::unexpected(protocol_error("malformed event"));
          if (k == "message") {
            if (f.value().get_string().get(message) != simdjson::SUCCESS)
              return mcp::util::unexpected(protocol_error("an event's message is not a string"));
            found = true;
          }
        }
        if (!found) continue;
        ++events;
        add_parsed(records.parse_copy(message, row), row, out);
      }
    }
  }
  return next_token;
}

mcp::util::Expected<Aggregate, Error> fetch_filter_log_events(const aws::JsonClient& logs,
                                                              const FilterOptions& options,
                                                              const aws::CallContext& call,
                                                              const ProgressFn& progress) {
  FetchState state;
  state.bounds = slice_bounds(options.start_ms, options.end_ms, slice_count(options));
  const std::size_t slices = state.bounds.size() - 1;
  const unsigned threads =
      std::max(1U, std::min<unsigned>(options.concurrency, static_cast<unsigned>(slices)));
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
      try {
        workers.emplace_back([&] { run_worker(logs, options, call, state); });
      } catch (const std::system_error&) {
        if (workers.empty()) {
          state.fail(
              Error{.kind = ErrorKind::kConfig, .code = {}, .message = "no thread available to fetch logs"});
        }
        break;  // fewer threads than asked for
      }
    }
    // This thread relays cancellation into the workers' flag and reports
    // progress until they finish.
    std::uint64_t reported = ~0ULL;
    while (state.slices_done.load() < slices && !state.stop) {
      if (call.is_cancelled() || aws::Clock::now() >= call.deadline) state.stop = true;
      const std::uint64_t pages = state.pages.load();
      if (progress && pages != reported) {
        reported = pages;
        progress(Progress{.done = state.slices_done.load(),
                          .total = slices,
                          .pages = pages,
                          .events = state.events.load(),
                          .bytes = state.bytes.load(),
                          .message = "FilterLogEvents"});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }  // joins
  if (state.error) return mcp::util::unexpected(std::move(*state.error));
  if (call.is_cancelled())
    return mcp::util::unexpected(Error{.kind = ErrorKind::kCancelled, .code = {}, .message = "cancelled"});
  if (state.slices_done.load() < slices)
    return mcp::util::unexpected(Error{.kind = ErrorKind::kDeadline,
                                       .code = {},
                                       .message = "the request's time ran out while fetching logs"});
  if (progress) {
    progress(Progress{.done = slices,
                      .total = slices,
                      .pages = state.pages.load(),
                      .events = state.events.load(),
                      .bytes = state.bytes.load(),
                      .message = "FilterLogEvents done"});
  }
  return std::move(state.merged);
}

}  // namespace usage
