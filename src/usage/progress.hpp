#pragma once
// Progress of a report while its data is fetched, for MCP progress
// notifications and the CLI. Called from worker threads; the receiver
// marshals it where it needs to.
#include <cstdint>
#include <functional>
#include <string>

namespace usage {

struct Progress {
  std::uint64_t done = 0;   // slices finished, files scanned, polls, ...
  std::uint64_t total = 0;  // 0 when unknown
  std::uint64_t pages = 0;
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::string message;
};
using ProgressFn = std::function<void(const Progress&)>;

}  // namespace usage
