#pragma once
// Incremental Server-Sent Events parser (WHATWG HTML §9.2.6): bytes arrive in
// arbitrary pieces; events come out whole. Lines end in CR, LF or CRLF (a CR
// at the end of one piece is resolved by the next), comments are skipped,
// several data: lines join with "\n", a leading BOM is ignored.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::transport {

struct SseEvent {
  std::string type;  // "message" when the event had no event: field
  std::string data;
  std::string id;  // the last event id in effect when this event was dispatched
};

class SseParser {
 public:
  static constexpr std::size_t kMaxIdBytes = 1024;

  // An event (or a single line) larger than this stops the parser.
  explicit SseParser(std::size_t max_event_bytes = std::size_t{16} << 20)
      : max_event_bytes_(max_event_bytes) {}

  // Feeds the next piece of the stream. Runs `on_event` for each complete
  // event, including ones with empty data (MCP priming events carry only an
  // id). Returns false once the size limit was exceeded; the parser then
  // ignores further input.
  bool feed(std::string_view bytes, const std::function<void(SseEvent&&)>& on_event);

  // The last id: field seen (even on events not dispatched yet); empty if none.
  const std::string& last_event_id() const { return last_id_; }
  // The last valid retry: field, if any.
  std::optional<std::chrono::milliseconds> retry() const { return retry_; }
  bool overflowed() const { return overflowed_; }

 private:
  void process_line(std::string_view line, const std::function<void(SseEvent&&)>& on_event);

  std::size_t max_event_bytes_;
  std::string line_;  // the current, unfinished line
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  std::string last_id_;
  std::optional<std::chrono::milliseconds> retry_;
  bool pending_cr_ = false;  // the previous piece ended in CR: skip a leading LF
  bool started_ = false;     // BOM check done
  bool overflowed_ = false;
};

}  // namespace mcp::transport
