#include "aws/timestamp.hpp"

namespace aws {

namespace {

// `count` decimal digits at `pos`, or -1.
int digits(std::string_view s, std::size_t pos, std::size_t count) {
  if (pos + count > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool at(std::string_view s, std::size_t pos, char c) {
  return pos < s.size() && s[pos] == c;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  const int y = digits(s, 0, 4);
  const int mo = digits(s, 5, 2);
  const int d = digits(s, 8, 2);
  const int h = digits(s, 11, 2);
  const int mi = digits(s, 14, 2);
  const int sec = digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return std::nullopt;
  if (!at(s, 4, '-') || !at(s, 7, '-') || !(at(s, 10, 'T') || at(s, 10, 't') || at(s, 10, ' ')) ||
      !at(s, 13, ':') || !at(s, 16, ':'))
    return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;

  std::size_t pos = 19;
  microseconds fraction{0};
  if (at(s, pos, '.')) {
    ++pos;
    const std::size_t start = pos;
    long long scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += microseconds{(s[pos] - '0') * scale};
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (at(s, pos, 'Z') || at(s, pos, 'z')) {
    ++pos;
  } else if (at(s, pos, '+') || at(s, pos, '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    const int oh = digits(s, pos + 1, 2);
    const bool colon = at(s, pos + 3, ':');
    const int om = digits(s, pos + (colon ? 4 : 3), 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return std::nullopt;
    offset = minutes{sign * (oh * 60 + om)};
    pos += colon ? 6 : 5;
  } else {
    return std::nullopt;  // a local time would be ambiguous
  }
  if (pos != s.size()) return std::nullopt;
  const sys_time<microseconds> t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + fraction - offset;
  return time_point_cast<system_clock::duration>(t);
}

}  // namespace aws
