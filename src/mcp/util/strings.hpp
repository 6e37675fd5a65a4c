#pragma once
// Small string helpers shared by the HTTP and protocol layers.
#include <string>
#include <string_view>
#include <vector>

namespace mcp::util {

bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);
// Splits on `sep`, trimming each piece; empty pieces are dropped.
std::vector<std::string_view> split_trimmed(std::string_view s, char sep);

}  // namespace mcp::util
