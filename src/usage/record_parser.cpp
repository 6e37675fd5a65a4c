#include "usage/record_parser.hpp"

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <utility>

namespace usage {
namespace {

namespace od = simdjson::ondemand;

// --- Calendar arithmetic (proleptic Gregorian, UTC) -------------------------
// Years are counted from March so that February, the only month whose length
// varies, is the last month of the counted year; a 400-year era always has
// 146097 days.

constexpr std::int64_t kDaysPerEra = 146097;
constexpr std::int64_t kDaysFromYear0MarchToEpoch = 719468;  // 0000-03-01 .. 1970-01-01

bool is_leap(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(std::int64_t year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  const std::int64_t march_year = month <= 2 ? year - 1 : year;
  const std::int64_t era = (march_year >= 0 ? march_year : march_year - 399) / 400;
  const std::int64_t year_of_era = march_year - era * 400;                 // 0..399
  const int march_month = month > 2 ? month - 3 : month + 9;               // Mar = 0 .. Feb = 11
  const std::int64_t day_of_year = (153 * march_month + 2) / 5 + day - 1;  // 0..365
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * kDaysPerEra + day_of_era - kDaysFromYear0MarchToEpoch;
}

void civil_from_days(std::int64_t days, std::int64_t& year, int& month, int& day) {
  const std::int64_t shifted = days + kDaysFromYear0MarchToEpoch;
  const std::int64_t era = (shifted >= 0 ? shifted : shifted - (kDaysPerEra - 1)) / kDaysPerEra;
  const std::int64_t day_of_era = shifted - era * kDaysPerEra;  // 0..146096
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // 0..399
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int march_month = static_cast<int>((5 * day_of_year + 2) / 153);  // Mar = 0 .. Feb = 11
  day = static_cast<int>(day_of_year - (153 * march_month + 2) / 5 + 1);
  month = march_month < 10 ? march_month + 3 : march_month - 9;
  year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

bool read_digits(const char* p, int count, int& out) {
  int v = 0;
  for (int i = 0; i < count; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  out = v;
  return true;
}

// Parses "YYYY-MM-DD" at `p` (10 bytes available) with range checks.
bool read_date(const char* p, int& year, int& month, int& day) {
  return read_digits(p, 4, year) && p[4] == '-' && read_digits(p + 5, 2, month) && p[7] == '-' &&
         read_digits(p + 8, 2, day) && month >= 1 && month <= 12 && day >= 1 &&
         day <= days_in_month(year, month);
}

// --- Record parsing ----------------------------------------------------------

bool key_is(od::raw_json_string key, std::string_view name) {
  return key.unsafe_is_equal(name);
}

// A missing, negative, fractional or non-numeric count is 0.
[[gnu::always_inline]] inline std::uint64_t count_or_zero(od::value& value) {
  std::uint64_t v = 0;
  if (value.get_uint64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

// Reads a string value; false (and nothing consumed) when it is not a string.
[[gnu::always_inline]] inline bool string_of(od::value& value, std::string_view& out) {
  return value.get_string().get(out) == simdjson::SUCCESS;
}

struct Seen {
  bool timestamp_valid = false;
  bool model = false;
  bool token_object = false;
};

// The three nested readers stay out of line: inlined into the top-level key
// loop they made parsing about 30 % slower (measured with GCC 12, -O3).
[[gnu::noinline]] simdjson::error_code read_identity(od::value& value, UsageRow& row) {
  od::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return simdjson::SUCCESS;  // not an object: ignore
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return err;
    if (key_is(field.key(), "arn")) row.has_user = string_of(field.value(), row.user_arn);
  }
  return simdjson::SUCCESS;
}

[[gnu::noinline]] simdjson::error_code read_input(od::value& value, UsageRow& row, Seen& seen) {
  od::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return simdjson::SUCCESS;
  seen.token_object = true;
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return err;
    const od::raw_json_string key = field.key();
    // Most keys here are the bodies; the counts all start with "inp" or "cac".
    const char first = *key.raw();
    if (first == 'i') {
      if (key_is(key, "inputTokenCount")) row.counts.input = count_or_zero(field.value());
    } else if (first == 'c') {
      if (key_is(key, "cacheReadInputTokenCount")) {
        row.counts.cache_read = count_or_zero(field.value());
      } else if (key_is(key, "cacheWriteInputTokenCount")) {
        row.counts.cache_write = count_or_zero(field.value());
      }
    }
  }
  return simdjson::SUCCESS;
}

[[gnu::noinline]] simdjson::error_code read_output(od::value& value, UsageRow& row, Seen& seen) {
  od::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return simdjson::SUCCESS;
  seen.token_object = true;
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return err;
    if (key_is(field.key(), "outputTokenCount")) row.counts.output = count_or_zero(field.value());
  }
  return simdjson::SUCCESS;
}

// One pass over the top-level keys in whatever order they come; values that
// are not needed (bodies, metadata) are skipped by the iterator unread.
ParseOutcome parse_record(od::parser& parser, std::string_view json, std::size_t readable_after,
                          UsageRow& row, std::int64_t& timestamp_ms) {
  row = UsageRow{};
  row.counts.requests = 1;
  od::document doc;
  if (parser.iterate(json.data(), json.size(), json.size() + readable_after).get(doc) != simdjson::SUCCESS) {
    return ParseOutcome::kNonJson;
  }
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return ParseOutcome::kNonJson;

  Seen seen;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) return ParseOutcome::kNonJson;
    const od::raw_json_string key = field.key();
    simdjson::error_code err = simdjson::SUCCESS;
    switch (*key.raw()) {
      case 't':
        if (key_is(key, "timestamp")) {
          std::string_view text;
          seen.timestamp_valid = string_of(field.value(), text) && parse_iso_timestamp(text, timestamp_ms);
        }
        break;
      case 'r':
        if (key_is(key, "region")) row.has_region = string_of(field.value(), row.region);
        break;
      case 'm':
        if (key_is(key, "modelId")) seen.model = string_of(field.value(), row.model_id);
        break;
      case 'o':
        if (key_is(key, "output")) {
          err = read_output(field.value(), row, seen);
        } else if (key_is(key, "operation")) {
          string_of(field.value(), row.operation);
        }
        break;
      case 'i':
        if (key_is(key, "input")) {
          err = read_input(field.value(), row, seen);
        } else if (key_is(key, "identity")) {
          err = read_identity(field.value(), row);
        }
        break;
      case 'e':
        if (key_is(key, "errorCode")) string_of(field.value(), row.error_code);
        break;
      default:
        break;
    }
    if (err != simdjson::SUCCESS) return ParseOutcome::kNonJson;
  }
  // Anything after the closing brace makes the line something other than one record.
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) return ParseOutcome::kNonJson;

  if (!seen.model && !seen.token_object) return ParseOutcome::kNotInvocation;
  if (!seen.timestamp_valid) return ParseOutcome::kBadTimestamp;
  row.day = day_of_epoch_ms(timestamp_ms);
  row.counts.errors = row.error_code.empty() ? 0 : 1;
  return ParseOutcome::kRecord;
}

}  // namespace

std::size_t record_padding() {
  return simdjson::SIMDJSON_PADDING;
}

struct RecordParser::Impl {
  od::parser parser;
  std::string copy;  // padded buffer for parse_copy
  std::int64_t timestamp_ms = 0;
};

RecordParser::RecordParser() : impl_(std::make_unique<Impl>()) {}
RecordParser::~RecordParser() = default;
RecordParser::RecordParser(RecordParser&&) noexcept = default;
RecordParser& RecordParser::operator=(RecordParser&&) noexcept = default;

ParseOutcome RecordParser::parse(std::string_view json, std::size_t readable_after, UsageRow& row) {
  return parse_record(impl_->parser, json, readable_after, row, impl_->timestamp_ms);
}

ParseOutcome RecordParser::parse_copy(std::string_view json, UsageRow& row) {
  std::string& copy = impl_->copy;
  const std::size_t needed = json.size() + record_padding();
  if (copy.size() < needed) copy.resize(needed);
  if (!json.empty()) std::memcpy(copy.data(), json.data(), json.size());
  return parse(std::string_view(copy.data(), json.size()), copy.size() - json.size(), row);
}

std::int64_t RecordParser::timestamp_ms() const {
  return impl_->timestamp_ms;
}

bool parse_iso_timestamp(std::string_view text, std::int64_t& epoch_ms) {
  // YYYY-MM-DDTHH:MM:SS is 19 bytes; fraction and zone are optional.
  if (text.size() < 19) return false;
  const char* p = text.data();
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_date(p, year, month, day)) return false;
  if (p[10] != 'T' && p[10] != 't' && p[10] != ' ') return false;
  if (!read_digits(p + 11, 2, hour) || p[13] != ':' || !read_digits(p + 14, 2, minute) || p[16] != ':' ||
      !read_digits(p + 17, 2, second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 59) return false;

  std::size_t i = 19;
  const std::size_t n = text.size();
  int millis = 0;
  if (i < n && p[i] == '.') {
    ++i;
    const std::size_t first = i;
    int kept = 0;
    for (; i < n && static_cast<unsigned>(p[i] - '0') <= 9; ++i) {
      if (kept < 3) {
        millis = millis * 10 + (p[i] - '0');
        ++kept;
      }
    }
    if (i == first) return false;
    for (; kept < 3; ++kept) millis *= 10;
  }
  int offset_minutes = 0;
  if (i < n) {
    if (p[i] == 'Z' || p[i] == 'z') {
      ++i;
    } else if (p[i] == '+' || p[i] == '-') {
      const int sign = p[i] == '-' ? -1 : 1;
      ++i;
      int oh = 0, om = 0;
      if (n - i < 2 || !read_digits(p + i, 2, oh)) return false;
      i += 2;
      if (i < n && p[i] == ':') ++i;
      if (n - i < 2 || !read_digits(p + i, 2, om)) return false;
      i += 2;
      if (oh > 23 || om > 59) return false;
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return false;
    }
  }
  if (i != n) return false;

  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t seconds =
      ((days * 24 + hour) * 60 + minute) * 60 + second - std::int64_t{offset_minutes} * 60;
  epoch_ms = seconds * 1000 + millis;
  return true;
}

std::int64_t day_of_epoch_ms(std::int64_t epoch_ms) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  std::int64_t day = epoch_ms / kMsPerDay;
  if (epoch_ms % kMsPerDay < 0) --day;  // floor for instants before 1970
  return day;
}

std::string format_day(std::int64_t day) {
  std::int64_t year = 0;
  int month = 0, dom = 0;
  civil_from_days(day, year, month, dom);
  char buf[32];
  const int len =
      std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(year), month, dom);
  return std::string(buf, static_cast<std::size_t>(len));
}

bool parse_day(std::string_view text, std::int64_t& day) {
  int year = 0, month = 0, dom = 0;
  if (text.size() != 10 || !read_date(text.data(), year, month, dom)) return false;
  day = days_from_civil(year, month, dom);
  return true;
}

void add_parsed(ParseOutcome outcome, const UsageRow& row, Aggregator& out) {
  switch (outcome) {
    case ParseOutcome::kRecord:
      out.add(row);
      break;
    case ParseOutcome::kNonJson:
      out.skip_non_json();
      break;
    case ParseOutcome::kBadTimestamp:
      out.skip_bad_timestamp();
      break;
    case ParseOutcome::kNotInvocation:
      out.skip_not_invocation();
      break;
  }
}

}  // namespace usage
