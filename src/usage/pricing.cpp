#include "usage/pricing.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "usage/record_parser.hpp"

namespace usage {
namespace embedded {
extern const std::string_view kBundledPrices;  // NOLINT(readability-identifier-naming): generated
}

namespace {

using nlohmann::json;

struct PrefixScope {
  std::string_view prefix;
  ProfileScope scope;
};
// System inference-profile prefixes (the source Region's geography, or global).
constexpr std::array<PrefixScope, 8> kProfilePrefixes{{
    {"global.", ProfileScope::kGlobal},
    {"us-gov.", ProfileScope::kGeo},
    {"us.", ProfileScope::kGeo},
    {"eu.", ProfileScope::kGeo},
    {"apac.", ProfileScope::kGeo},
    {"jp.", ProfileScope::kGeo},
    {"au.", ProfileScope::kGeo},
    {"ca.", ProfileScope::kGeo},
}};

constexpr std::string_view kArnPrefix = "arn:";

// Strips a system-profile prefix; false when there is none.
bool strip_profile_prefix(std::string_view id, ModelRef& out) {
  for (const auto& p : kProfilePrefixes) {
    if (id.starts_with(p.prefix)) {
      out = {id.substr(p.prefix.size()), p.scope};
      return true;
    }
  }
  return false;
}

constexpr double kDefaultCacheReadMultiplier = 0.1;
constexpr double kDefaultCacheWriteMultiplier = 1.25;

bool is_price(const json& v) {
  return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0;
}

bool only_keys(const json& object, std::initializer_list<std::string_view> allowed, std::string& unknown) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      unknown = key;
      return false;
    }
  }
  return true;
}

}  // namespace

ModelRef resolve_model_id(std::string_view model_id) {
  ModelRef ref{model_id, ProfileScope::kInRegion};
  if (!model_id.starts_with(kArnPrefix)) {
    strip_profile_prefix(model_id, ref);
    return ref;
  }
  // arn:<partition>:bedrock:<region>:<account>:<resource>; the resource may
  // itself contain ':' (model versions), so split the first five only.
  std::string_view rest = model_id;
  std::array<std::string_view, 5> fields{};
  for (auto& field : fields) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return {{}, ProfileScope::kUnresolved};
    field = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (fields[2] != "bedrock") return {{}, ProfileScope::kUnresolved};
  constexpr std::string_view kFoundation = "foundation-model/";
  constexpr std::string_view kProfile = "inference-profile/";
  if (rest.starts_with(kFoundation)) {
    rest.remove_prefix(kFoundation.size());
    if (rest.empty()) return {{}, ProfileScope::kUnresolved};
    return {rest, ProfileScope::kInRegion};
  }
  // A system inference profile's ARN carries its id (us.anthropic....); an
  // application inference profile (application-inference-profile/<random>)
  // does not name its model.
  if (rest.starts_with(kProfile) && strip_profile_prefix(rest.substr(kProfile.size()), ref) &&
      !ref.base_model_id.empty()) {
    return ref;
  }
  return {{}, ProfileScope::kUnresolved};
}

bool is_profile_or_arn(std::string_view model_id) {
  if (model_id.starts_with(kArnPrefix)) return true;
  ModelRef ignored;
  return strip_profile_prefix(model_id, ignored);
}

// Parsing lives here because it fills PriceTable's private entries.
struct PriceTableAccess {
  using Error = std::string;

  static mcp::util::Unexpected<std::string> fail(std::string message) {
    return mcp::util::unexpected("price table: " + std::move(message));
  }

  static std::string entry_label(std::size_t index, const json& entry) {
    std::string label = "models[" + std::to_string(index) + "]";
    if (const auto it = entry.find("name"); it != entry.end() && it->is_string()) {
      label += " (\"" + it->get<std::string>() + "\")";
    }
    return label;
  }

  // Reads an optional price field scaled to per-1K; false (with `error`) when malformed.
  static bool read_optional_price(const json& object, const char* key, double scale,
                                  std::optional<double>& out, std::string& error) {
    const auto it = object.find(key);
    if (it == object.end()) return true;
    if (!is_price(*it)) {
      error = std::string("\"") + key + "\" must be a non-negative number";
      return false;
    }
    out = it->get<double>() * scale;
    return true;
  }

  static bool read_rates(const json& object, double scale, PriceTable::Rates& rates, std::string& error) {
    for (const char* key : {"input", "output"}) {
      if (!object.contains(key)) {
        error = std::string("missing \"") + key + "\"";
        return false;
      }
    }
    std::optional<double> input, output;
    if (!read_optional_price(object, "input", scale, input, error) ||
        !read_optional_price(object, "output", scale, output, error) ||
        !read_optional_price(object, "cache_read", scale, rates.cache_read, error) ||
        !read_optional_price(object, "cache_write", scale, rates.cache_write, error)) {
      return false;
    }
    rates.input = *input;
    rates.output = *output;
    return true;
  }

  static bool read_multiplier(const json& object, const char* key, double fallback, bool positive,
                              double& out, std::string& error) {
    out = fallback;
    const auto it = object.find(key);
    if (it == object.end()) return true;
    if (!is_price(*it) || (positive && it->get<double>() <= 0)) {
      error = std::string("\"") + key +
              (positive ? "\" must be a positive number" : "\" must be a non-negative number");
      return false;
    }
    out = it->get<double>();
    return true;
  }

  static bool read_entry(const json& entry, double scale, double default_read, double default_write,
                         PriceTable::Entry& out, std::string& error) {
    if (!entry.is_object()) {
      error = "must be an object";
      return false;
    }
    std::string unknown;
    if (!only_keys(entry,
                   {"name", "match", "input", "output", "cache_read", "cache_write", "cache_read_multiplier",
                    "cache_write_multiplier", "cache", "geo_multiplier", "regions", "note"},
                   unknown)) {
      error = "unknown key \"" + unknown + "\"";
      return false;
    }
    const auto name = entry.find("name");
    if (name == entry.end() || !name->is_string() || name->get<std::string>().empty()) {
      error = "\"name\" must be a non-empty string";
      return false;
    }
    out.name = name->get<std::string>();
    const auto match = entry.find("match");
    if (match == entry.end() || !match->is_array() || match->empty()) {
      error = "\"match\" must be a non-empty array of model-id prefixes";
      return false;
    }
    for (const auto& prefix : *match) {
      if (!prefix.is_string() || prefix.get<std::string>().empty()) {
        error = "\"match\" must hold non-empty strings";
        return false;
      }
      out.match.push_back(prefix.get<std::string>());
    }
    if (const auto note = entry.find("note"); note != entry.end() && !note->is_string()) {
      error = "\"note\" must be a string";
      return false;
    }
    if (!read_rates(entry, scale, out.rates, error)) return false;

    bool cache = true;
    if (const auto it = entry.find("cache"); it != entry.end()) {
      if (!it->is_boolean()) {
        error = "\"cache\" must be true or false";
        return false;
      }
      cache = it->get<bool>();
    }
    if (!cache) {
      for (const char* key :
           {"cache_read", "cache_write", "cache_read_multiplier", "cache_write_multiplier"}) {
        if (entry.contains(key)) {
          error = std::string("\"") + key + "\" contradicts \"cache\": false";
          return false;
        }
      }
    }
    for (const auto& [absolute, relative] : {std::pair{"cache_read", "cache_read_multiplier"},
                                             std::pair{"cache_write", "cache_write_multiplier"}}) {
      if (entry.contains(absolute) && entry.contains(relative)) {
        error = std::string("give either \"") + absolute + "\" or \"" + relative + "\", not both";
        return false;
      }
    }
    // Without prompt caching, any cache tokens that do show up are plain input.
    if (!read_multiplier(entry, "cache_read_multiplier", cache ? default_read : 1.0, false,
                         out.cache_read_multiplier, error) ||
        !read_multiplier(entry, "cache_write_multiplier", cache ? default_write : 1.0, false,
                         out.cache_write_multiplier, error) ||
        !read_multiplier(entry, "geo_multiplier", 1.0, true, out.geo_multiplier, error)) {
      return false;
    }

    if (const auto regions = entry.find("regions"); regions != entry.end()) {
      if (!regions->is_object()) {
        error = "\"regions\" must be an object of region -> prices";
        return false;
      }
      for (const auto& [region, prices] : regions->items()) {
        PriceTable::Rates rates;
        std::string why;
        if (!prices.is_object()) {
          why = "must be an object";
        } else if (!only_keys(prices, {"input", "output", "cache_read", "cache_write"}, unknown)) {
          why = "unknown key \"" + unknown + "\"";
        } else if (!read_rates(prices, scale, rates, why)) {
        } else if (!cache && (rates.cache_read || rates.cache_write)) {
          why = "cache prices contradict \"cache\": false";
        }
        if (!why.empty()) {
          error = "regions[\"";
          error += region;
          error += "\"]: ";
          error += why;
          return false;
        }
        out.regions.emplace_back(region, rates);
      }
    }
    return true;
  }

  static mcp::util::Expected<PriceTable, std::string> parse(std::string_view text) {
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::exception& e) {
      return fail(std::string("not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) return fail("the document must be a JSON object");
    std::string unknown;
    if (!only_keys(doc, {"date", "currency", "unit", "source", "note", "defaults", "models"}, unknown)) {
      return fail("unknown top-level key \"" + unknown + "\"");
    }

    PriceTable table;
    const auto date = doc.find("date");
    std::int64_t day = 0;
    if (date == doc.end() || !date->is_string() || !parse_day(date->get<std::string>(), day)) {
      return fail("\"date\" must be a YYYY-MM-DD string");
    }
    table.date_ = date->get<std::string>();
    if (const auto currency = doc.find("currency"); currency == doc.end() || *currency != "USD") {
      return fail("\"currency\" must be \"USD\"");
    }
    double scale = 1;
    if (const auto unit = doc.find("unit"); unit != doc.end() && *unit == "per 1000 tokens") {
      scale = 1;
    } else if (unit != doc.end() && *unit == "per 1000000 tokens") {
      scale = 1.0 / 1000;
    } else {
      return fail("\"unit\" must be \"per 1000 tokens\" or \"per 1000000 tokens\"");
    }
    for (const char* key : {"source", "note"}) {
      if (const auto it = doc.find(key); it != doc.end() && !it->is_string()) {
        return fail(std::string("\"") + key + "\" must be a string");
      }
    }

    double default_read = kDefaultCacheReadMultiplier;
    double default_write = kDefaultCacheWriteMultiplier;
    if (const auto defaults = doc.find("defaults"); defaults != doc.end()) {
      std::string error;
      if (!defaults->is_object()) return fail("\"defaults\" must be an object");
      if (!only_keys(*defaults, {"cache_read_multiplier", "cache_write_multiplier"}, unknown)) {
        return fail("defaults: unknown key \"" + unknown + "\"");
      }
      if (!read_multiplier(*defaults, "cache_read_multiplier", default_read, false, default_read, error) ||
          !read_multiplier(*defaults, "cache_write_multiplier", default_write, false, default_write, error)) {
        return fail("defaults: " + error);
      }
    }

    const auto models = doc.find("models");
    if (models == doc.end() || !models->is_array() || models->empty()) {
      return fail("\"models\" must be a non-empty array");
    }
    for (std::size_t i = 0; i < models->size(); ++i) {
      const json& entry = (*models)[i];
      PriceTable::Entry parsed;
      std::string error;
      if (!read_entry(entry, scale, default_read, default_write, parsed, error)) {
        return fail(entry_label(i, entry) + ": " + error);
      }
      // Two entries claiming one prefix would make the lookup order-dependent.
      for (const auto& prefix : parsed.match) {
        for (const auto& earlier : table.entries_) {
          if (std::find(earlier.match.begin(), earlier.match.end(), prefix) != earlier.match.end()) {
            return fail(entry_label(i, entry) + ": match prefix \"" + prefix + "\" is already used by \"" +
                        earlier.name + "\"");
          }
        }
        if (std::count(parsed.match.begin(), parsed.match.end(), prefix) > 1) {
          return fail(entry_label(i, entry) + ": match prefix \"" + prefix + "\" is listed twice");
        }
      }
      table.entries_.push_back(std::move(parsed));
    }
    return table;
  }
};

mcp::util::Expected<PriceTable, std::string> PriceTable::parse(std::string_view json) {
  return PriceTableAccess::parse(json);
}

PriceTable PriceTable::bundled() {
  static const PriceTable kTable = [] {
    auto parsed = PriceTable::parse(embedded::kBundledPrices);
    return parsed ? std::move(parsed.value()) : PriceTable{};
  }();
  return kTable;
}

std::optional<Price> PriceTable::lookup(std::string_view model_id, std::string_view region) const {
  const ModelRef ref = resolve_model_id(model_id);
  if (ref.scope == ProfileScope::kUnresolved || ref.base_model_id.empty()) return std::nullopt;

  // Longest matching prefix wins, so a family entry never shadows a specific one.
  const Entry* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& entry : entries_) {
    for (const auto& prefix : entry.match) {
      if (prefix.size() > best_length && ref.base_model_id.starts_with(prefix)) {
        best = &entry;
        best_length = prefix.size();
      }
    }
  }
  if (best == nullptr) return std::nullopt;

  const Rates* rates = &best->rates;
  for (const auto& [name, regional] : best->regions) {
    if (name == region) rates = &regional;
  }
  Price price;
  price.name = best->name;
  price.scope = ref.scope;
  price.scope_multiplier = ref.scope == ProfileScope::kGlobal ? 1.0 : best->geo_multiplier;
  const double m = price.scope_multiplier;
  price.input_per_1k = rates->input * m;
  price.output_per_1k = rates->output * m;
  price.cache_read_per_1k = rates->cache_read.value_or(rates->input * best->cache_read_multiplier) * m;
  price.cache_write_per_1k = rates->cache_write.value_or(rates->input * best->cache_write_multiplier) * m;
  return price;
}

CostEstimate estimate_cost(const Aggregate& aggregate, const PriceTable& table) {
  CostEstimate estimate;
  estimate.price_table_date = table.date();
  for (const auto& [key, counts] : aggregate.by_region_model_id) {
    const auto separator = key.find(kKeySeparator);
    const std::string_view whole = key;
    const std::string_view region =
        separator == std::string::npos ? std::string_view{} : whole.substr(0, separator);
    const std::string_view model_id = separator == std::string::npos ? whole : whole.substr(separator + 1);
    const auto price = table.lookup(model_id, region);
    if (!price) {
      estimate.unpriced_model_ids.emplace_back(model_id);
      continue;
    }
    CostLine line;
    line.region = region;
    line.model_id = model_id;
    line.price_name = price->name;
    line.counts = counts;
    line.input_usd = static_cast<double>(counts.input) / 1000.0 * price->input_per_1k;
    line.output_usd = static_cast<double>(counts.output) / 1000.0 * price->output_per_1k;
    line.cache_read_usd = static_cast<double>(counts.cache_read) / 1000.0 * price->cache_read_per_1k;
    line.cache_write_usd = static_cast<double>(counts.cache_write) / 1000.0 * price->cache_write_per_1k;
    estimate.lines.push_back(std::move(line));
  }
  std::sort(estimate.lines.begin(), estimate.lines.end(), [](const CostLine& a, const CostLine& b) {
    const double ta = a.total_usd();
    const double tb = b.total_usd();
    if (ta != tb) return ta > tb;
    if (a.region != b.region) return a.region < b.region;
    return a.model_id < b.model_id;
  });
  for (const auto& line : estimate.lines) estimate.total_usd += line.total_usd();
  auto& unpriced = estimate.unpriced_model_ids;
  std::sort(unpriced.begin(), unpriced.end());
  unpriced.erase(std::unique(unpriced.begin(), unpriced.end()), unpriced.end());
  return estimate;
}

}  // namespace usage
