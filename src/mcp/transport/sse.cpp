#include "mcp/transport/sse.hpp"

namespace mcp::transport {

std::string format_sse_event(std::string_view data, std::string_view id, std::string_view event,
                             std::optional<long> retry_ms) {
  std::string out;
  out.reserve(data.size() + id.size() + 32);
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  if (retry_ms) {
    out += "retry: ";
    out += std::to_string(*retry_ms);
    out += '\n';
  }
  // Split on CRLF, CR or LF so that no line break can end a field early.
  std::size_t start = 0;
  do {
    std::size_t end = data.find_first_of("\r\n", start);
    const std::string_view line =
        data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += "data: ";
    out += line;
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
    if (start == data.size()) {
      out += "data: \n";
      break;
    }
  } while (true);
  out += '\n';
  return out;
}

std::string format_sse_comment(std::string_view text) {
  std::string out = ": ";
  out += text;
  out += "\n\n";
  return out;
}

}  // namespace mcp::transport
