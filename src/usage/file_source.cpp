#include "usage/file_source.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace usage {
namespace {

namespace fs = std::filesystem;
namespace od = simdjson::ondemand;
using mcp::util::Expected;
using mcp::util::unexpected;

constexpr std::size_t kSniffBytes = 4096;
// Bounds on what one record or one document may take in memory (simdjson
// needs a few times the input on top).
constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxEventsDocumentBytes = std::size_t{512} << 20;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

std::string errno_text(int err) {
  return std::system_category().message(err);
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// --- One line -> one record ---------------------------------------------------

// A CloudWatch Logs export line starts with the event's ISO timestamp and a
// space; returns the message after it, or the line itself.
std::string_view strip_export_prefix(std::string_view line) {
  if (line.empty() || static_cast<unsigned>(line[0] - '0') > 9) return line;
  const std::size_t space = line.substr(0, 40).find(' ');
  std::int64_t ignored = 0;
  if (space == std::string_view::npos || !parse_iso_timestamp(line.substr(0, space), ignored)) return line;
  std::size_t start = space + 1;
  while (start < line.size() && is_blank(line[start])) ++start;
  return line.substr(start);
}

void add_outcome(ParseOutcome outcome, const UsageRow& row, std::int64_t timestamp_ms, std::int64_t start_ms,
                 std::int64_t end_ms, Aggregator& out) {
  if (outcome == ParseOutcome::kRecord && (timestamp_ms < start_ms || timestamp_ms >= end_ms)) {
    out.skip_out_of_window();
    return;
  }
  add_parsed(outcome, row, out);
}

// --- Byte sources --------------------------------------------------------------

class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// Fills `dst` from `fd` at `offset` until `cap` bytes or end of file.
Expected<std::size_t, int> pread_full(int fd, char* dst, std::size_t cap, std::uint64_t offset) {
  std::size_t got = 0;
  while (got < cap) {
    const ssize_t n = ::pread(fd, dst + got, cap - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

// Decompressed or plain bytes of one file, read from `offset` on.
class ByteSource {
 public:
  ByteSource(int fd, std::uint64_t offset, bool gzip) : fd_(fd), offset_(offset), gzip_(gzip) {}
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  ~ByteSource() {
    if (zinit_) inflateEnd(&zs_);
  }

  // Fills up to `cap` bytes; fewer only at the end. An error is a message
  // without the file name.
  Expected<std::size_t, std::string> read(char* dst, std::size_t cap) {
    if (!gzip_) {
      auto got = pread_full(fd_, dst, cap, offset_);
      if (!got) return unexpected(errno_text(got.error()));
      offset_ += *got;
      disk_bytes_ += *got;
      return *got;
    }
    return inflate_into(dst, cap);
  }

  // On-disk bytes consumed so far.
  std::uint64_t disk_bytes() const { return disk_bytes_; }

 private:
  Expected<std::size_t, std::string> inflate_into(char* dst, std::size_t cap) {
    if (!zinit_) {
      std::memset(&zs_, 0, sizeof zs_);
      if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) return unexpected(std::string("cannot start zlib"));
      zinit_ = true;
      in_.resize(std::size_t{1} << 18);
    }
    std::size_t produced = 0;
    while (produced < cap && !finished_) {
      if (zs_.avail_in == 0 && !input_eof_) {
        auto got = pread_full(fd_, reinterpret_cast<char*>(in_.data()), in_.size(), offset_);
        if (!got) return unexpected(errno_text(got.error()));
        offset_ += *got;
        disk_bytes_ += *got;
        zs_.next_in = in_.data();
        zs_.avail_in = static_cast<uInt>(*got);
        if (*got == 0) input_eof_ = true;
      }
      if (member_done_) {
        // Between members: zero padding is tolerated, anything else must be
        // another gzip member.
        while (zs_.avail_in > 0 && *zs_.next_in == 0) {
          ++zs_.next_in;
          --zs_.avail_in;
        }
        if (zs_.avail_in == 0) {
          if (input_eof_) finished_ = true;
          continue;
        }
        if (*zs_.next_in != 0x1f) return unexpected(std::string("unexpected data after a gzip member"));
        inflateReset(&zs_);
        member_done_ = false;
      }
      if (zs_.avail_in == 0 && input_eof_) {
        return unexpected(std::string(started_ ? "truncated gzip data" : "empty gzip file"));
      }
      zs_.next_out = reinterpret_cast<Bytef*>(dst + produced);
      zs_.avail_out = static_cast<uInt>(std::min<std::size_t>(cap - produced, 1u << 30));
      const uInt before = zs_.avail_out;
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      produced += before - zs_.avail_out;
      started_ = true;
      if (rc == Z_STREAM_END) {
        member_done_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return unexpected(std::string("corrupt gzip data (") + (zs_.msg ? zs_.msg : "inflate failed") + ")");
      }
    }
    return produced;
  }

  int fd_;
  std::uint64_t offset_;
  bool gzip_;
  std::uint64_t disk_bytes_ = 0;
  z_stream zs_{};
  bool zinit_ = false;
  bool input_eof_ = false;
  bool member_done_ = false;
  bool started_ = false;
  bool finished_ = false;
  std::vector<unsigned char> in_;
};

// A growable buffer with record_padding() spare bytes after its capacity.
class PaddedBuffer {
 public:
  char* data() { return bytes_.get(); }
  std::size_t capacity() const { return capacity_; }
  void reserve(std::size_t capacity, std::size_t keep) {
    if (capacity <= capacity_) return;
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity + record_padding());
    if (keep > 0) std::memcpy(bigger.get(), bytes_.get(), keep);
    std::memset(bigger.get() + capacity, 0, record_padding());
    bytes_ = std::move(bigger);
    capacity_ = capacity;
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_ = 0;
};

// --- Work plan -----------------------------------------------------------------

struct FileEntry {
  std::string path;
  std::uint64_t size = 0;
};

// A whole file, or a byte range of a plain JSON-lines file: the range owns
// the lines whose first byte lies in [begin, end).
struct WorkItem {
  std::size_t file = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  bool whole = true;
};

bool has_log_extension(const fs::path& p) {
  static constexpr std::string_view kExtensions[] = {".json", ".jsonl", ".log", ".txt", ".gz"};
  const std::string ext = p.extension().string();
  return std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions);
}

Expected<std::vector<FileEntry>, std::string> list_files(const std::string& root) {
  std::error_code ec;
  const fs::file_status status = fs::status(root, ec);
  if (ec || !fs::exists(status)) {
    return unexpected(root + ": " + (ec ? ec.message() : std::string("no such file or directory")));
  }
  std::vector<FileEntry> files;
  if (!fs::is_directory(status)) {
    const auto size = fs::file_size(root, ec);
    if (ec) return unexpected(root + ": " + ec.message());
    files.push_back({root, size});
    return files;
  }
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return unexpected(root + ": " + ec.message());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return unexpected(root + ": " + ec.message());
    const fs::directory_entry& entry = *it;
    std::error_code entry_ec;
    // Symbolic links are not followed: a directory walk must not leave the
    // tree it was given (a data directory's files are its own).
    if (entry.is_symlink(entry_ec) || !entry.is_regular_file(entry_ec) || !has_log_extension(entry.path()))
      continue;
    const auto size = entry.file_size(entry_ec);
    if (entry_ec) return unexpected(entry.path().string() + ": " + entry_ec.message());
    files.push_back({entry.path().string(), size});
  }
  if (ec) return unexpected(root + ": " + ec.message());
  if (files.empty()) return unexpected(root + ": no log files (.json, .jsonl, .log, .txt, .gz) found");
  std::sort(files.begin(), files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return files;
}

bool is_gzip_magic(std::string_view head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
         static_cast<unsigned char>(head[1]) == 0x8b;
}

// A FilterLogEvents document opens with {"events": when compact, and with a
// line holding only "{" when pretty-printed (as the AWS CLI prints it); no
// JSON-lines file does either.
bool looks_like_events_document(std::string_view head) {
  std::size_t i = 0;
  const auto skip_blanks = [&] {
    while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r')) ++i;
  };
  const auto skip_ws = [&] {
    while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  };
  skip_ws();
  if (i >= head.size() || head[i] != '{') return false;
  ++i;
  skip_blanks();
  if (i < head.size() && head[i] == '\n') return true;
  skip_ws();
  return head.substr(i).starts_with("\"events\"");
}

std::string_view skip_bom(std::string_view head) {
  return head.starts_with("\xEF\xBB\xBF") ? head.substr(3) : head;
}

// Plain JSON-lines files big enough to split are cut into ranges; a short
// read of the head tells gzip and FilterLogEvents documents apart.
std::vector<WorkItem> plan_work(const std::vector<FileEntry>& files, unsigned threads,
                                std::uint64_t split_bytes) {
  std::vector<WorkItem> items;
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::uint64_t size = files[f].size;
    bool split = threads > 1 && size > split_bytes;
    if (split) {
      const FileHandle fd(::open(files[f].path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
      char head[kSniffBytes];
      const auto got =
          fd.get() >= 0 ? pread_full(fd.get(), head, sizeof head, 0) : Expected<std::size_t, int>(0);
      const std::string_view text(head, got ? *got : 0);
      split = got && !is_gzip_magic(text) && !looks_like_events_document(skip_bom(text));
    }
    if (!split) {
      items.push_back({f, 0, size, true});
      continue;
    }
    for (std::uint64_t begin = 0; begin < size; begin += split_bytes) {
      items.push_back({f, begin, std::min(size, begin + split_bytes), false});
    }
  }
  return items;
}

// --- Scanning --------------------------------------------------------------------

struct ScanState {
  const FileScanOptions& options;
  const std::vector<FileEntry>& files;
  std::vector<WorkItem> items;
  const std::atomic<bool>* cancel = nullptr;
  std::atomic<std::size_t> next_item{0};
  std::atomic<std::uint64_t> disk_done{0};
  std::atomic<std::uint64_t> decoded{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::string error;

  void fail(std::string message) {
    {
      std::lock_guard lock(mutex);
      if (error.empty()) error = std::move(message);
    }
    stop.store(true, std::memory_order_relaxed);
  }
  bool should_stop() {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      fail("the file scan was cancelled");
      return true;
    }
    return stop.load(std::memory_order_relaxed);
  }
  // Counts decoded bytes against the limit; false (after failing) when over.
  bool account(std::size_t bytes, const std::string& path) {
    const std::uint64_t total = decoded.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    if (total <= options.max_total_bytes) return true;
    fail(path + ": the logs exceed the limit of " + std::to_string(options.max_total_bytes) +
         " decompressed bytes");
    return false;
  }
};

// Per-thread scanning state.
class Worker {
 public:
  Worker(ScanState& state, std::function<void()> tick) : state_(state), tick_(std::move(tick)) {}

  void run() {
    // Runs on its own thread: nothing may escape (std::terminate).
    try {
      for (;;) {
        const std::size_t i = state_.next_item.fetch_add(1, std::memory_order_relaxed);
        if (i >= state_.items.size() || state_.should_stop()) return;
        process(state_.items[i]);
      }
    } catch (const std::bad_alloc&) {
      state_.fail("out of memory while reading the log files");
    } catch (const std::exception& e) {
      state_.fail(std::string("reading the log files failed: ") + e.what());
    }
  }
  Aggregator& aggregator() { return aggregator_; }

 private:
  void process(const WorkItem& item) {
    const std::string& path = state_.files[item.file].path;
    // O_NONBLOCK: a FIFO swapped in after the listing must not block the scan.
    const FileHandle fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) return state_.fail(path + ": " + errno_text(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
      return state_.fail(path + ": not a regular file");

    bool gzip = false;
    if (item.whole) {
      char magic[2];
      const auto got = pread_full(fd.get(), magic, sizeof magic, 0);
      if (!got) return state_.fail(path + ": " + errno_text(got.error()));
      gzip = is_gzip_magic(std::string_view(magic, *got));
    }
    // A range starts one byte early: the line it owns first is the one after
    // the first newline at or after begin - 1.
    std::uint64_t base = item.begin > 0 ? item.begin - 1 : 0;  // file offset of buffer_[0]
    ByteSource source(fd.get(), base, gzip);
    buffer_.reserve(std::max<std::size_t>(state_.options.chunk_bytes, 16), 0);

    const std::uint64_t range_bytes = item.end - item.begin;
    std::uint64_t reported_disk = 0;
    const auto report = [&] {
      // A range reads a little past its end to finish its last line.
      const std::uint64_t disk = std::min(source.disk_bytes(), range_bytes);
      state_.disk_done.fetch_add(disk - reported_disk, std::memory_order_relaxed);
      reported_disk = disk;
      if (tick_) tick_();
    };

    std::size_t filled = 0;  // valid bytes in buffer_
    std::size_t start = 0;   // first byte still to be parsed
    bool skipping = item.begin > 0;
    bool first = true;
    for (;;) {
      auto got = source.read(buffer_.data() + filled, buffer_.capacity() - filled);
      if (!got) return state_.fail(path + ": " + got.error());
      if (!state_.account(*got, path)) return;
      filled += *got;
      const bool eof = filled < buffer_.capacity();

      if (first) {
        first = false;
        if (item.begin == 0) {
          const std::string_view head(buffer_.data(), filled);
          if (skip_bom(head).size() != head.size()) start = 3;
          if (looks_like_events_document(head.substr(start))) {
            return read_events_document(source, path, filled, start, eof, report);
          }
        }
      }
      if (skipping) {
        const char* nl = static_cast<const char*>(std::memchr(buffer_.data() + start, '\n', filled - start));
        if (nl == nullptr) {  // the previous range's line runs on
          base += filled;
          filled = start = 0;
          report();
          if (eof || base >= item.end || state_.should_stop()) return;
          continue;
        }
        start = static_cast<std::size_t>(nl - buffer_.data()) + 1;
        skipping = false;
      }

      // Lines starting at or after a range's end belong to the next range.
      std::size_t limit = filled;
      bool range_done = false;
      if (!item.whole) {
        const std::uint64_t rel_end = item.end - std::min(item.end, base);
        if (rel_end <= start) {
          limit = start;
          range_done = true;
        } else if (rel_end < filled) {
          const std::size_t from = static_cast<std::size_t>(rel_end - 1);
          const char* nl = static_cast<const char*>(std::memchr(buffer_.data() + from, '\n', filled - from));
          if (nl != nullptr) {
            limit = static_cast<std::size_t>(nl - buffer_.data()) + 1;
            range_done = true;
          }
        }
      }
      std::size_t cut = limit;
      if (!eof && !range_done) {  // keep an unfinished last line for the next read
        const char* last_nl = static_cast<const char*>(memrchr(buffer_.data() + start, '\n', limit - start));
        cut = last_nl != nullptr ? static_cast<std::size_t>(last_nl - buffer_.data()) + 1 : start;
      }
      if (cut > start) {
        aggregate_buffer(std::string_view(buffer_.data() + start, cut - start), state_.options.start_ms,
                         state_.options.end_ms, parser_, aggregator_);
      }
      report();
      if (eof || range_done || state_.should_stop()) return;

      const std::size_t rest = filled - cut;
      if (cut > 0) {
        std::memmove(buffer_.data(), buffer_.data() + cut, rest);
        base += cut;
      } else {
        // One line fills the whole buffer: grow it, up to a bound.
        if (buffer_.capacity() >= kMaxLineBytes) {
          return state_.fail(state_.files[item.file].path + ": a line longer than " +
                             std::to_string(kMaxLineBytes >> 20) + " MiB (not a log record)");
        }
        buffer_.reserve(buffer_.capacity() * 2, filled);
      }
      filled = rest;
      start = 0;
    }
  }

  template <class Report>
  void read_events_document(ByteSource& source, const std::string& path, std::size_t filled,
                            std::size_t start, bool eof, Report& report) {
    while (!eof) {
      if (state_.should_stop()) return;
      if (buffer_.capacity() >= kMaxEventsDocumentBytes) {
        return state_.fail(path + ": a filter-log-events document larger than " +
                           std::to_string(kMaxEventsDocumentBytes >> 20) +
                           " MiB; split it or use JSON lines");
      }
      buffer_.reserve(buffer_.capacity() * 2, filled);
      auto got = source.read(buffer_.data() + filled, buffer_.capacity() - filled);
      if (!got) return state_.fail(path + ": " + got.error());
      if (!state_.account(*got, path)) return;
      filled += *got;
      eof = filled < buffer_.capacity();
      report();
    }
    std::string error;
    if (!aggregate_events_document(std::string_view(buffer_.data() + start, filled - start),
                                   state_.options.start_ms, state_.options.end_ms, parser_, aggregator_,
                                   error)) {
      return state_.fail(path + ": " + error);
    }
    report();
  }

  ScanState& state_;
  std::function<void()> tick_;
  PaddedBuffer buffer_;
  RecordParser parser_;
  Aggregator aggregator_;
};

}  // namespace

void aggregate_buffer(std::string_view data, std::int64_t start_ms, std::int64_t end_ms, RecordParser& parser,
                      Aggregator& out) {
  const char* p = data.data();
  const char* const end = p + data.size();
  const std::size_t padding = record_padding();
  UsageRow row;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl != nullptr ? nl : end;
    const char* next = nl != nullptr ? nl + 1 : end;
    while (p < line_end && is_blank(*p)) ++p;
    while (line_end > p && is_blank(line_end[-1])) --line_end;
    if (p == line_end) {
      p = next;
      continue;
    }
    std::string_view line(p, static_cast<std::size_t>(line_end - p));
    if (*p != '{') line = strip_export_prefix(line);
    const std::size_t readable_after = static_cast<std::size_t>(end - line_end) + padding;
    const ParseOutcome outcome = parser.parse(line, readable_after, row);
    add_outcome(outcome, row, parser.timestamp_ms(), start_ms, end_ms, out);
    p = next;
  }
}

Aggregate aggregate_buffer_parallel(std::string_view data, std::int64_t start_ms, std::int64_t end_ms,
                                    unsigned threads) {
  constexpr std::size_t kMinSlice = std::size_t{1} << 20;
  const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(threads, data.size() / kMinSlice));
  std::vector<std::string_view> slices;
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= parts && begin < data.size(); ++i) {
    std::size_t cut = i == parts ? data.size() : data.size() / parts * i;
    if (cut < begin) cut = begin;
    if (cut < data.size()) {
      const std::size_t nl = data.find('\n', cut);
      cut = nl == std::string_view::npos ? data.size() : nl + 1;
    }
    slices.push_back(data.substr(begin, cut - begin));
    begin = cut;
  }
  std::vector<Aggregator> partial(slices.size());
  const auto run = [&](std::size_t i) {
    RecordParser parser;
    aggregate_buffer(slices[i], start_ms, end_ms, parser, partial[i]);
  };
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < slices.size(); ++i) {
    try {
      pool.emplace_back(run, i);
    } catch (const std::system_error&) {
      run(i);  // no thread available: do that slice here
    }
  }
  if (!slices.empty()) run(0);
  for (auto& t : pool) t.join();
  Aggregate result;
  for (auto& a : partial) result.merge(a.result());
  return result;
}

bool aggregate_events_document(std::string_view doc, std::int64_t start_ms, std::int64_t end_ms,
                               RecordParser& parser, Aggregator& out, std::string& error) {
  od::parser outer;
  od::document document;
  if (auto err = outer.iterate(doc.data(), doc.size(), doc.size() + record_padding()).get(document)) {
    error = std::string("not a FilterLogEvents document (") + simdjson::error_message(err) + ")";
    return false;
  }
  od::object root;
  if (auto err = document.get_object().get(root)) {
    error = std::string("not a FilterLogEvents document (") + simdjson::error_message(err) + ")";
    return false;
  }
  UsageRow row;
  bool saw_events = false;
  simdjson::error_code err = simdjson::SUCCESS;
  for (auto field_result : root) {
    od::field field;
    if ((err = std::move(field_result).get(field))) break;
    if (!field.key().unsafe_is_equal("events")) continue;
    od::array events;
    if ((err = field.value().get_array().get(events))) break;
    saw_events = true;
    for (auto event_result : events) {
      od::object event;
      if ((err = event_result.get_object().get(event))) break;
      bool has_message = false;
      for (auto event_field_result : event) {
        od::field event_field;
        if ((err = std::move(event_field_result).get(event_field))) break;
        if (!event_field.key().unsafe_is_equal("message")) continue;
        std::string_view message;
        if (event_field.value().get_string().get(message) != simdjson::SUCCESS) continue;
        has_message = true;
        // Parse first: the order in which arguments are evaluated is unspecified.
        const ParseOutcome outcome = parser.parse_copy(message, row);
        add_outcome(outcome, row, parser.timestamp_ms(), start_ms, end_ms, out);
      }
      if (err) break;
      if (!has_message) out.skip_non_json();
    }
    if (err) break;
  }
  if (err) {
    error = std::string("not a valid FilterLogEvents document (") + simdjson::error_message(err) + ")";
    return false;
  }
  if (!saw_events) {
    error = "a JSON document without an \"events\" array";
    return false;
  }
  return true;
}

Expected<Aggregate, std::string> scan_files(const FileScanOptions& options, const std::atomic<bool>* cancel,
                                            const ScanProgress& progress) {
  auto listed = list_files(options.path);
  if (!listed) return unexpected(std::move(listed.error()));
  const std::vector<FileEntry>& files = *listed;
  std::uint64_t total_disk = 0;
  for (const auto& f : files) total_disk += f.size;

  const unsigned threads = std::max(1u, options.threads);
  ScanState state{options, files, plan_work(files, threads, std::max<std::uint64_t>(options.split_bytes, 1)),
                  cancel};
  const std::size_t worker_count = std::min<std::size_t>(threads, state.items.size());

  using Clock = std::chrono::steady_clock;
  auto last_report = Clock::now();
  const auto maybe_report = [&] {
    if (!progress) return;
    const auto now = Clock::now();
    if (now - last_report < kProgressInterval) return;
    last_report = now;
    progress(state.disk_done.load(std::memory_order_relaxed), total_disk);
  };

  Aggregate result;
  if (worker_count <= 1) {
    Worker worker(state, maybe_report);
    worker.run();
    result = worker.aggregator().take();
  } else {
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<std::thread> pool;
    std::mutex done_mutex;
    std::condition_variable done_cv;
    std::size_t done = 0;
    for (std::size_t i = 0; i < worker_count; ++i) {
      workers.push_back(std::make_unique<Worker>(state, nullptr));
      Worker* w = workers.back().get();
      try {
        pool.emplace_back([w, &done, &done_mutex, &done_cv] {
          w->run();
          std::lock_guard lock(done_mutex);
          ++done;
          done_cv.notify_one();
        });
      } catch (const std::system_error&) {
        workers.pop_back();  // fewer threads than asked for
        break;
      }
    }
    if (pool.empty()) {
      workers.push_back(std::make_unique<Worker>(state, maybe_report));
      workers.back()->run();
    } else {
      std::unique_lock lock(done_mutex);
      while (!done_cv.wait_for(lock, kProgressInterval, [&] { return done == pool.size(); })) {
        lock.unlock();
        if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) state.should_stop();
        maybe_report();
        lock.lock();
      }
    }
    for (auto& t : pool) t.join();
    for (auto& w : workers) result.merge(w->aggregator().result());
  }
  if (!state.error.empty()) return unexpected(std::move(state.error));
  if (cancel != nullptr && cancel->load()) return unexpected(std::string("the file scan was cancelled"));
  if (progress) progress(state.disk_done.load(), total_disk);
  return result;
}

}  // namespace usage
