#include "usage/aggregate.hpp"

#include <cstring>

namespace usage {
namespace {

constexpr std::string_view kUndefinedRegion = "undefined";  // the seed's key for a missing region
constexpr std::string_view kUnknown = "unknown";

// The counts under `key`, inserting a copy of the key only on first sight.
TokenCounts& slot(CountsByKey& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), TokenCounts{}).first;
  return it->second;
}

void merge_into(CountsByKey& into, const CountsByKey& from) {
  for (const auto& [key, counts] : from) slot(into, key) += counts;
}

}  // namespace

std::string_view short_model_id(std::string_view model_id) {
  // server.ts: `id.includes('.') ? id.split('.').pop() : (id?.split('/').pop() || 'unknown')`.
  if (const auto dot = model_id.rfind('.'); dot != std::string_view::npos) return model_id.substr(dot + 1);
  if (const auto slash = model_id.rfind('/'); slash != std::string_view::npos) {
    model_id = model_id.substr(slash + 1);
  }
  return model_id.empty() ? kUnknown : model_id;
}

void Aggregate::merge(const Aggregate& other) {
  totals += other.totals;
  for (const auto& [day, counts] : other.by_day) by_day[day] += counts;
  merge_into(by_region, other.by_region);
  merge_into(by_model, other.by_model);
  merge_into(by_user, other.by_user);
  merge_into(by_operation, other.by_operation);
  merge_into(by_model_id, other.by_model_id);
  merge_into(by_error_code, other.by_error_code);
  merge_into(by_region_model_id, other.by_region_model_id);
  skipped += other.skipped;
}

namespace {

// Row key: flags, five lengths, then the five strings back to back. The day
// is kept apart: no breakdown crosses days with anything else.
constexpr std::size_t kRowKeyHeader = 1 + 5 * sizeof(std::uint32_t);
enum : unsigned char { kHasRegion = 1, kHasUser = 2 };

std::uint64_t load_tail8(const char* p, std::size_t n) {  // the last min(n, 8) bytes
  std::uint64_t w = 0;
  if (n >= 8) {
    std::memcpy(&w, p + n - 8, 8);
  } else {
    std::memcpy(&w, p, n);
  }
  return w;
}

std::uint64_t load_head8(const char* p, std::size_t n) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, n < 8 ? n : 8);
  return w;
}

}  // namespace

std::size_t Aggregator::RowKeyHash::operator()(std::string_view key) const noexcept {
  // The whole key: identity ARNs carry caller-chosen session names, so a hash
  // that samples parts of a key lets callers force collisions (and make the
  // report quadratic).
  return std::hash<std::string_view>{}(key);
}

namespace {

void put(char*& out, const void* bytes, std::size_t n) {
  if (n == 0) return;  // an empty view may have a null data()
  std::memcpy(out, bytes, n);
  out += n;
}

std::string_view take_view(const char*& in, std::uint32_t n) {
  const std::string_view v(in, n);
  in += n;
  return v;
}

}  // namespace

void Aggregator::add(const UsageRow& row) {
  const std::string_view parts[5] = {row.region, row.model_id, row.user_arn, row.operation, row.error_code};
  std::size_t size = kRowKeyHeader;
  for (const auto& part : parts) size += part.size();
  key_scratch_.resize(size);
  char* out = key_scratch_.data();
  const unsigned char flags = (row.has_region ? kHasRegion : 0) | (row.has_user ? kHasUser : 0);
  put(out, &flags, 1);
  for (const auto& part : parts) {
    const auto n = static_cast<std::uint32_t>(part.size());
    put(out, &n, sizeof n);
  }
  for (const auto& part : parts) put(out, part.data(), part.size());

  auto it = pending_.find(std::string_view(key_scratch_));
  if (it == pending_.end()) it = pending_.emplace(key_scratch_, TokenCounts{}).first;
  it->second += row.counts;

  pending_days_[row.day] += row.counts;
}

void Aggregator::flush() {
  Aggregate& r = result_;
  std::string region_model;
  for (const auto& [key, c] : pending_) {
    const char* in = key.data();
    UsageRow row;
    const unsigned char flags = static_cast<unsigned char>(*in++);
    std::uint32_t lengths[5];
    std::memcpy(lengths, in, sizeof lengths);
    in += sizeof lengths;
    row.region = take_view(in, lengths[0]);
    row.model_id = take_view(in, lengths[1]);
    row.user_arn = take_view(in, lengths[2]);
    row.operation = take_view(in, lengths[3]);
    row.error_code = take_view(in, lengths[4]);

    r.totals += c;
    const std::string_view region = (flags & kHasRegion) ? row.region : kUndefinedRegion;
    const std::string_view model_id = row.model_id.empty() ? kUnknown : row.model_id;
    slot(r.by_region, region) += c;
    slot(r.by_model, short_model_id(row.model_id)) += c;
    if (flags & kHasUser) slot(r.by_user, row.user_arn) += c;
    slot(r.by_operation, row.operation.empty() ? kUnknown : row.operation) += c;
    slot(r.by_model_id, model_id) += c;
    if (!row.error_code.empty()) slot(r.by_error_code, row.error_code) += c;
    region_model.assign(region);
    region_model += kKeySeparator;
    region_model += model_id;
    slot(r.by_region_model_id, region_model) += c;
  }
  pending_.clear();
  for (const auto& [day, c] : pending_days_) r.by_day[day] += c;
  pending_days_.clear();
}

}  // namespace usage
