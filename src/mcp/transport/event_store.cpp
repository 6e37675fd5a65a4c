#include "mcp/transport/event_store.hpp"

#include <charconv>

namespace mcp::transport {

std::string EventStore::append(const std::string& stream, std::string data, bool store) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) {
    if (max_streams_ > 0 && streams_.size() >= max_streams_) {
      streams_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(stream);
    it = streams_.emplace(stream, Stream{}).first;
    it->second.lru = lru_.begin();
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Stream& s = it->second;
  const std::uint64_t seq = s.next_seq++;
  if (store && max_events_ > 0) {
    s.events.emplace_back(seq, std::move(data));
    if (s.events.size() > max_events_) s.events.pop_front();
  }
  return stream + "_" + std::to_string(seq);
}

std::optional<std::pair<std::string, std::uint64_t>> EventStore::split_id(std::string_view id) {
  const auto pos = id.rfind('_');
  if (pos == std::string_view::npos || pos == 0 || pos + 1 >= id.size()) return std::nullopt;
  std::uint64_t seq = 0;
  const auto* first = id.data() + pos + 1;
  const auto* last = id.data() + id.size();
  const auto [p, ec] = std::from_chars(first, last, seq);
  if (ec != std::errc() || p != last) return std::nullopt;
  return std::make_pair(std::string(id.substr(0, pos)), seq);
}

std::optional<EventStore::Replay> EventStore::after(std::string_view last_event_id) const {
  const auto parts = split_id(last_event_id);
  if (!parts) return std::nullopt;
  const auto it = streams_.find(parts->first);
  if (it == streams_.end()) return std::nullopt;
  Replay r{parts->first, {}};
  for (const auto& [seq, data] : it->second.events) {
    if (seq > parts->second) r.events.push_back({parts->first + "_" + std::to_string(seq), data});
  }
  return r;
}

}  // namespace mcp::transport
