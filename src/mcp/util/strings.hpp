#pragma once
// Small string helpers shared by the HTTP and protocol layers.
#include <string>
#include <string_view>
#include <vector>

namespace mcp::util {

bool iequals(std::string_view a, std::string_view b);
// ASCII lower case (header names, schemes, hosts, config keys).
std::string to_lower(std::string_view s);
std::string_view trim(std::string_view s);
// Splits on `sep`, trimming each piece; empty pieces are dropped.
std::vector<std::string_view> split_trimmed(std::string_view s, char sep);
// split_trimmed, as owned strings (configuration lists, scope lists).
std::vector<std::string> split_list(std::string_view s, char sep);
// The inverse: items separated by `sep` (e.g. a space-separated scope string).
std::string join(const std::vector<std::string>& items, char sep);

}  // namespace mcp::util
