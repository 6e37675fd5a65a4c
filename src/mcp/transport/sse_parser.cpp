#include "mcp/transport/sse_parser.hpp"

#include <charconv>

namespace mcp::transport {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}

bool SseParser::feed(std::string_view bytes, const std::function<void(SseEvent&&)>& on_event) {
  if (overflowed_) return false;
  if (!started_) {
    // The BOM may itself arrive split; wait until three bytes are known.
    line_.append(bytes);
    if (line_.size() < kBom.size() && kBom.substr(0, line_.size()) == line_) return true;
    started_ = true;
    std::string buffered = std::move(line_);
    line_.clear();
    std::string_view rest = buffered;
    if (rest.substr(0, kBom.size()) == kBom) rest.remove_prefix(kBom.size());
    return feed(rest, on_event);
  }
  std::size_t pos = 0;
  if (pending_cr_ && !bytes.empty()) {
    pending_cr_ = false;
    if (bytes.front() == '\n') pos = 1;
  }
  while (pos < bytes.size()) {
    const std::size_t end = bytes.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      line_.append(bytes.substr(pos));
      if (line_.size() > max_event_bytes_) overflowed_ = true;
      break;
    }
    const std::string_view piece = bytes.substr(pos, end - pos);
    if (bytes[end] == '\r') {
      if (end + 1 < bytes.size()) {
        pos = end + (bytes[end + 1] == '\n' ? 2 : 1);
      } else {
        pending_cr_ = true;
        pos = end + 1;
      }
    } else {
      pos = end + 1;
    }
    if (line_.empty()) {
      process_line(piece, on_event);
    } else {
      line_.append(piece);
      const std::string line = std::move(line_);
      line_.clear();
      process_line(line, on_event);
    }
    if (overflowed_) break;
  }
  return !overflowed_;
}

void SseParser::process_line(std::string_view line, const std::function<void(SseEvent&&)>& on_event) {
  if (line.empty()) {  // end of event
    if (has_data_) {
      SseEvent ev{type_.empty() ? "message" : std::move(type_), std::move(data_), last_id_};
      on_event(std::move(ev));
    }
    type_.clear();
    data_.clear();
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment (keep-alive)
  std::string_view field = line;
  std::string_view value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
    if (data_.size() > max_event_bytes_) overflowed_ = true;
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    // The id goes back to the server in a header: a huge one is ignored.
    if (value.find('\0') == std::string_view::npos && value.size() <= kMaxIdBytes) last_id_.assign(value);
  } else if (field == "retry") {
    long ms = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc() && end == value.data() + value.size() && !value.empty() && ms >= 0) {
      retry_ = std::chrono::milliseconds(ms);
    }
  }
}

}  // namespace mcp::transport
