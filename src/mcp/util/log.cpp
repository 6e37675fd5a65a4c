#include "mcp/util/log.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <string>

#include "mcp/util/clock.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::util {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "info";
}

bool parse_log_level(std::string_view text, LogLevel& out) {
  const std::string t = to_lower(text);
  if (t == "debug" || t == "trace")
    out = LogLevel::kDebug;
  else if (t == "info")
    out = LogLevel::kInfo;
  else if (t == "warn" || t == "warning")
    out = LogLevel::kWarn;
  else if (t == "error")
    out = LogLevel::kError;
  else if (t == "off" || t == "none")
    out = LogLevel::kOff;
  else
    return false;
  return true;
}

void Logger::log(LogLevel level, std::string_view msg, const nlohmann::json& fields) const {
  if (!enabled(level)) return;
  std::string line = fmt::format(R"({{"ts":"{}","level":"{}","msg":)", iso8601_utc_now(), to_string(level));
  line += nlohmann::json(std::string(msg)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const auto append = [&line](const nlohmann::json& object) {
    for (const auto& [key, value] : object.items()) {
      line += ',';
      line += nlohmann::json(key).dump();
      line += ':';
      line += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  };
  {
    const std::lock_guard lock(context_->mutex);
    append(context_->fields);
  }
  if (fields.is_object()) append(fields);
  line += "}\n";
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n <= 0) return;  // logging never throws or blocks the caller on failure
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void Logger::set_context(const std::string& key, std::string value) const {
  const std::lock_guard lock(context_->mutex);
  context_->fields[key] = std::move(value);
}

void Logger::clear_context() const {
  const std::lock_guard lock(context_->mutex);
  context_->fields = nlohmann::json::object();
}

}  // namespace mcp::util
