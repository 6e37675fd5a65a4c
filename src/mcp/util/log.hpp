#pragma once
// Structured JSON-lines logging. One line per event, written with a single
// write(2) so that lines from different threads never interleave and nothing
// is buffered when Lambda freezes the process. There is no global logger: the
// application owns one and hands references to the components that log.
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace mcp::util {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

std::string_view to_string(LogLevel level);
// Accepts debug|info|warn|warning|error|off (case-insensitive).
bool parse_log_level(std::string_view text, LogLevel& out);

class Logger {
 public:
  explicit Logger(LogLevel min = LogLevel::kInfo, int fd = 1) : min_(min), fd_(fd) {}

  bool enabled(LogLevel level) const { return level >= min_ && min_ != LogLevel::kOff; }

  // `fields` must be an object (or null); it is merged after ts/level/msg.
  void log(LogLevel level, std::string_view msg, const nlohmann::json& fields = nullptr) const;
  void debug(std::string_view msg, const nlohmann::json& fields = nullptr) const {
    log(LogLevel::kDebug, msg, fields);
  }
  void info(std::string_view msg, const nlohmann::json& fields = nullptr) const {
    log(LogLevel::kInfo, msg, fields);
  }
  void warn(std::string_view msg, const nlohmann::json& fields = nullptr) const {
    log(LogLevel::kWarn, msg, fields);
  }
  void error(std::string_view msg, const nlohmann::json& fields = nullptr) const {
    log(LogLevel::kError, msg, fields);
  }

  // Adds a field to every line until cleared (Lambda's requestId), from any
  // thread. Copies of a logger share these fields.
  void set_context(const std::string& key, std::string value) const;
  void clear_context() const;

 private:
  struct SharedFields {
    std::mutex mutex;
    nlohmann::json fields = nlohmann::json::object();
  };

  LogLevel min_;
  int fd_;
  std::shared_ptr<SharedFields> context_ = std::make_shared<SharedFields>();
};

}  // namespace mcp::util
