#pragma once
// Per-session store of SSE events for Last-Event-ID resumption. Bounded: at
// most `max_events` per stream (oldest dropped) and `max_streams` streams
// (least recently written dropped). Event ids are "<stream>_<seq>", so an id
// names its stream and replay never crosses streams.
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mcp::transport {

struct StoredEvent {
  std::string id;
  std::string data;
};

class EventStore {
 public:
  EventStore(std::size_t max_events, std::size_t max_streams)
      : max_events_(max_events), max_streams_(max_streams) {}

  // Returns the id for the next event of `stream` and stores `data` under it.
  // A priming event (empty data) takes an id but is never replayed.
  std::string append(const std::string& stream, std::string data, bool store = true);

  struct Replay {
    std::string stream;
    std::vector<StoredEvent> events;
  };
  // Events after `last_event_id` in its stream; nullopt if the stream is unknown.
  std::optional<Replay> after(std::string_view last_event_id) const;

  static std::optional<std::pair<std::string, std::uint64_t>> split_id(std::string_view id);

 private:
  struct Stream {
    std::uint64_t next_seq = 0;
    std::deque<std::pair<std::uint64_t, std::string>> events;
    std::list<std::string>::iterator lru;
  };
  std::size_t max_events_;
  std::size_t max_streams_;
  std::unordered_map<std::string, Stream> streams_;
  std::list<std::string> lru_;  // front = most recently written
};

}  // namespace mcp::transport
