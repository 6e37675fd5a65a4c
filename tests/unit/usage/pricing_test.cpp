#include "usage/pricing.hpp"

#include <gtest/gtest.h>

#include <string>

#include "usage/record_parser.hpp"

namespace usage::embedded {
extern const std::string_view kBundledPrices;
}

namespace usage {
namespace {

// A small table in the documented format; `models` is spliced in.
std::string table_with(const std::string& models, const std::string& unit = "per 1000 tokens") {
  return R"({"date": "2026-01-15", "currency": "USD", "unit": ")" + unit +
         R"(", "source": "test", "defaults": {"cache_read_multiplier": 0.1, "cache_write_multiplier": 1.25},
             "models": [)" +
         models + "]}";
}

PriceTable parse_ok(const std::string& text) {
  auto parsed = PriceTable::parse(text);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error());
  return parsed ? parsed.value() : PriceTable{};
}

std::string parse_error(const std::string& text) {
  auto parsed = PriceTable::parse(text);
  EXPECT_FALSE(parsed.has_value());
  return parsed ? "" : parsed.error();
}

TEST(PriceTable, BundledTableParses) {
  auto parsed = PriceTable::parse(embedded::kBundledPrices);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->date(), PriceTable::bundled().date());
  EXPECT_GE(PriceTable::bundled().size(), 20u);
  std::int64_t day = 0;
  EXPECT_TRUE(parse_day(PriceTable::bundled().date(), day));
}

struct Expectation {
  const char* model_id;
  const char* name;
  double input;
  double output;
};

// Every model of aws.md §7.1 plus the Claude 4.x family, as logged (in-Region
// ids for the older models; global. profiles where the regional price differs).
TEST(PriceTable, BundledTableCoversTheReferenceModels) {
  const Expectation expected[] = {
      {"anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude 3.5 Sonnet", 0.006, 0.03},
      {"anthropic.claude-3-5-sonnet-20241022-v2:0", "Claude 3.5 Sonnet", 0.006, 0.03},
      {"anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku", 0.0008, 0.004},
      {"anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", 0.00025, 0.00125},
      {"anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", 0.003, 0.015},
      {"anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4", 0.003, 0.015},
      {"global.anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude Sonnet 4.5", 0.003, 0.015},
      {"global.anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", 0.003, 0.015},
      {"global.anthropic.claude-haiku-4-5-20251001-v1:0", "Claude Haiku 4.5", 0.001, 0.005},
      {"global.anthropic.claude-opus-4-5-20251101-v1:0", "Claude Opus 4.5", 0.005, 0.025},
      {"global.anthropic.claude-opus-4-6-v1", "Claude Opus 4.6", 0.005, 0.025},
      {"anthropic.claude-opus-4-20250514-v1:0", "Claude Opus 4", 0.015, 0.075},
      {"anthropic.claude-opus-4-1-20250805-v1:0", "Claude Opus 4.1", 0.015, 0.075},
      {"amazon.nova-micro-v1:0", "Amazon Nova Micro", 0.000035, 0.00014},
      {"amazon.nova-lite-v1:0", "Amazon Nova Lite", 0.00006, 0.00024},
      {"amazon.nova-pro-v1:0", "Amazon Nova Pro", 0.0008, 0.0032},
      {"amazon.nova-premier-v1:0", "Amazon Nova Premier", 0.0025, 0.0125},
      {"meta.llama3-3-70b-instruct-v1:0", "Meta Llama 3.3 70B Instruct", 0.00072, 0.00072},
      {"amazon.titan-embed-text-v2:0", "Amazon Titan Text Embeddings V2", 0.00002, 0},
      {"amazon.titan-embed-text-v1", "Amazon Titan Embeddings G1 - Text", 0.0001, 0},
      {"cohere.command-r-plus-v1:0", "Cohere Command R+", 0.0025, 0.01},
      {"cohere.command-r-v1:0", "Cohere Command R", 0.0005, 0.0015},
  };
  const PriceTable table = PriceTable::bundled();
  for (const auto& e : expected) {
    SCOPED_TRACE(e.model_id);
    const auto price = table.lookup(e.model_id, "us-east-1");
    ASSERT_TRUE(price.has_value());
    EXPECT_EQ(price->name, e.name);
    EXPECT_DOUBLE_EQ(price->input_per_1k, e.input);
    EXPECT_DOUBLE_EQ(price->output_per_1k, e.output);
  }
}

TEST(PriceTable, ClaudeFourFiveCostsTenPercentMoreOutsideGlobalProfiles) {
  const PriceTable table = PriceTable::bundled();
  const auto global = table.lookup("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1");
  const auto us = table.lookup("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1");
  const auto eu = table.lookup("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "eu-west-1");
  const auto in_region = table.lookup("anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1");
  ASSERT_TRUE(global && us && eu && in_region);
  EXPECT_EQ(global->scope, ProfileScope::kGlobal);
  EXPECT_DOUBLE_EQ(global->scope_multiplier, 1.0);
  EXPECT_DOUBLE_EQ(global->input_per_1k, 0.003);
  EXPECT_DOUBLE_EQ(global->output_per_1k, 0.015);
  EXPECT_DOUBLE_EQ(global->cache_read_per_1k, 0.0003);
  EXPECT_DOUBLE_EQ(global->cache_write_per_1k, 0.00375);
  EXPECT_EQ(us->scope, ProfileScope::kGeo);
  EXPECT_NEAR(us->input_per_1k, 0.0033, 1e-12);
  EXPECT_NEAR(us->output_per_1k, 0.0165, 1e-12);
  EXPECT_NEAR(us->cache_read_per_1k, 0.00033, 1e-12);
  EXPECT_NEAR(us->cache_write_per_1k, 0.004125, 1e-12);
  EXPECT_NEAR(eu->input_per_1k, 0.0033, 1e-12);
  EXPECT_EQ(in_region->scope, ProfileScope::kInRegion);
  EXPECT_NEAR(in_region->input_per_1k, 0.0033, 1e-12);

  const auto haiku_us = table.lookup("us.anthropic.claude-haiku-4-5-20251001-v1:0", "us-west-2");
  ASSERT_TRUE(haiku_us);
  EXPECT_NEAR(haiku_us->input_per_1k, 0.0011, 1e-12);
  EXPECT_NEAR(haiku_us->output_per_1k, 0.0055, 1e-12);
}

TEST(PriceTable, OlderModelsCostTheSameThroughGeoProfiles) {
  const PriceTable table = PriceTable::bundled();
  const auto us = table.lookup("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "us-east-1");
  const auto bare = table.lookup("anthropic.claude-3-7-sonnet-20250219-v1:0", "us-east-1");
  ASSERT_TRUE(us && bare);
  EXPECT_DOUBLE_EQ(us->input_per_1k, bare->input_per_1k);
  EXPECT_DOUBLE_EQ(us->input_per_1k, 0.003);
  // Explicit cache prices from the table, not the multipliers.
  EXPECT_DOUBLE_EQ(us->cache_read_per_1k, 0.0003);
  EXPECT_DOUBLE_EQ(us->cache_write_per_1k, 0.00375);
  const auto apac = table.lookup("apac.amazon.nova-lite-v1:0", "ap-northeast-1");
  ASSERT_TRUE(apac);
  EXPECT_DOUBLE_EQ(apac->input_per_1k, 0.00006);
  EXPECT_DOUBLE_EQ(apac->cache_read_per_1k, 0.000015);
  EXPECT_DOUBLE_EQ(apac->cache_write_per_1k, 0.00006);
}

TEST(PriceTable, ModelsWithoutCachingChargeCacheTokensAsInput) {
  const auto llama = PriceTable::bundled().lookup("meta.llama3-3-70b-instruct-v1:0", "us-east-1");
  ASSERT_TRUE(llama);
  EXPECT_DOUBLE_EQ(llama->cache_read_per_1k, 0.00072);
  EXPECT_DOUBLE_EQ(llama->cache_write_per_1k, 0.00072);
}

TEST(PriceTable, ArnsNameAModelOnlyForFoundationModelsAndSystemProfiles) {
  const PriceTable table = PriceTable::bundled();
  const auto foundation = table.lookup(
      "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "us-east-1");
  ASSERT_TRUE(foundation);
  EXPECT_EQ(foundation->name, "Claude 3 Haiku");
  EXPECT_EQ(foundation->scope, ProfileScope::kInRegion);

  const auto profile = table.lookup(
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
      "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "us-east-1");
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->scope, ProfileScope::kGlobal);
  EXPECT_DOUBLE_EQ(profile->input_per_1k, 0.003);

  const auto gov = table.lookup(
      "arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
      "us-gov-west-1");
  ASSERT_TRUE(gov);

  EXPECT_FALSE(table.lookup(
      "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6", "us-east-1"));
  EXPECT_FALSE(table.lookup("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef", "us-east-1"));
  EXPECT_FALSE(table.lookup("arn:aws:bedrock:us-east-1:123456789012:custom-model/foo", "us-east-1"));
  EXPECT_FALSE(table.lookup(
      "arn:aws:sagemaker:us-east-1:123456789012:endpoint/anthropic.claude-3-haiku-20240307", "us-east-1"));
  EXPECT_FALSE(
      table.lookup("arn:aws:bedrock:us-east-1:123456789012:inference-profile/my-own-profile", "us-east-1"));
  EXPECT_FALSE(table.lookup("arn:aws:bedrock", "us-east-1"));
  EXPECT_FALSE(table.lookup("arn:aws:bedrock:us-east-1::foundation-model/", "us-east-1"));
  EXPECT_FALSE(table.lookup("mistral.unknown-model-v1:0", "us-east-1"));
  EXPECT_FALSE(table.lookup("unknown", "us-east-1"));
  EXPECT_FALSE(table.lookup("", "us-east-1"));
}

TEST(ResolveModelId, StripsProfilePrefixesAndArns) {
  struct Case {
    const char* id;
    const char* base;
    ProfileScope scope;
  };
  const Case cases[] = {
      {"anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0",
       ProfileScope::kInRegion},
      {"us.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", ProfileScope::kGeo},
      {"eu.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", ProfileScope::kGeo},
      {"apac.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", ProfileScope::kGeo},
      {"jp.x.y", "x.y", ProfileScope::kGeo},
      {"au.x.y", "x.y", ProfileScope::kGeo},
      {"ca.x.y", "x.y", ProfileScope::kGeo},
      {"us-gov.x.y", "x.y", ProfileScope::kGeo},
      {"global.x.y", "x.y", ProfileScope::kGlobal},
      {"arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0",
       "amazon.titan-embed-text-v2:0", ProfileScope::kInRegion},
      {"arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.x.y", "x.y", ProfileScope::kGeo},
      {"arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/abc", "",
       ProfileScope::kUnresolved},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    const ModelRef ref = resolve_model_id(c.id);
    EXPECT_EQ(ref.base_model_id, c.base);
    EXPECT_EQ(ref.scope, c.scope);
  }
  EXPECT_TRUE(is_profile_or_arn("us.anthropic.claude-3-haiku-20240307-v1:0"));
  EXPECT_TRUE(is_profile_or_arn("global.anthropic.claude-sonnet-4-5-20250929-v1:0"));
  EXPECT_TRUE(is_profile_or_arn("arn:aws:bedrock:us-east-1::foundation-model/x"));
  EXPECT_FALSE(is_profile_or_arn("anthropic.claude-3-haiku-20240307-v1:0"));
  EXPECT_FALSE(is_profile_or_arn("unknown"));
  EXPECT_FALSE(is_profile_or_arn("usx.model"));
}

TEST(PriceTable, LongestPrefixWinsWhateverTheOrder) {
  const PriceTable table = parse_ok(table_with(R"(
      {"name": "Family", "match": ["vendor.model"], "input": 1, "output": 2},
      {"name": "Specific", "match": ["vendor.model-large"], "input": 3, "output": 4},
      {"name": "Family again", "match": ["other.m"], "input": 5, "output": 6})"));
  EXPECT_EQ(table.date(), "2026-01-15");
  EXPECT_EQ(table.lookup("vendor.model-large-v1:0", "r")->name, "Specific");
  EXPECT_EQ(table.lookup("us.vendor.model-large-v1:0", "r")->name, "Specific");
  EXPECT_EQ(table.lookup("vendor.model-small-v1:0", "r")->name, "Family");
  EXPECT_EQ(table.lookup("other.m2", "r")->name, "Family again");
  EXPECT_FALSE(table.lookup("vendor.mode", "r"));

  const PriceTable reversed = parse_ok(table_with(R"(
      {"name": "Specific", "match": ["vendor.model-large"], "input": 3, "output": 4},
      {"name": "Family", "match": ["vendor.model"], "input": 1, "output": 2})"));
  EXPECT_EQ(reversed.lookup("vendor.model-large-v1:0", "r")->name, "Specific");
  EXPECT_EQ(reversed.lookup("vendor.model-v1:0", "r")->name, "Family");
}

TEST(PriceTable, CachePricesComeFromAbsolutesMultipliersOrDefaults) {
  const PriceTable table = parse_ok(table_with(R"(
      {"name": "Defaults", "match": ["a."], "input": 1, "output": 2},
      {"name": "Absolute", "match": ["b."], "input": 1, "output": 2, "cache_read": 0.5, "cache_write": 3},
      {"name": "Relative", "match": ["c."], "input": 2, "output": 2, "cache_read_multiplier": 0.25,
       "cache_write_multiplier": 1},
      {"name": "None", "match": ["d."], "input": 2, "output": 2, "cache": false})"));
  const auto a = table.lookup("a.x", "r");
  EXPECT_DOUBLE_EQ(a->cache_read_per_1k, 0.1);
  EXPECT_DOUBLE_EQ(a->cache_write_per_1k, 1.25);
  const auto b = table.lookup("b.x", "r");
  EXPECT_DOUBLE_EQ(b->cache_read_per_1k, 0.5);
  EXPECT_DOUBLE_EQ(b->cache_write_per_1k, 3);
  const auto c = table.lookup("c.x", "r");
  EXPECT_DOUBLE_EQ(c->cache_read_per_1k, 0.5);
  EXPECT_DOUBLE_EQ(c->cache_write_per_1k, 2);
  const auto d = table.lookup("d.x", "r");
  EXPECT_DOUBLE_EQ(d->cache_read_per_1k, 2);
  EXPECT_DOUBLE_EQ(d->cache_write_per_1k, 2);
}

TEST(PriceTable, RegionOverridesReplaceTheListedPrices) {
  const PriceTable table = parse_ok(table_with(R"(
      {"name": "M", "match": ["m."], "input": 1, "output": 2, "geo_multiplier": 1.5,
       "regions": {"eu-west-1": {"input": 10, "output": 20}, "ap-south-1": {"input": 4, "output": 8, "cache_read": 1}}})"));
  EXPECT_DOUBLE_EQ(table.lookup("global.m.x", "us-east-1")->input_per_1k, 1);
  EXPECT_DOUBLE_EQ(table.lookup("global.m.x", "eu-west-1")->input_per_1k, 10);
  EXPECT_DOUBLE_EQ(table.lookup("global.m.x", "eu-west-1")->cache_read_per_1k, 1);  // 0.1 x 10
  EXPECT_DOUBLE_EQ(table.lookup("eu.m.x", "eu-west-1")->output_per_1k, 30);         // x 1.5
  EXPECT_DOUBLE_EQ(table.lookup("global.m.x", "ap-south-1")->cache_read_per_1k, 1);
}

TEST(PriceTable, PricesPerMillionTokensAreScaled) {
  const PriceTable table =
      parse_ok(table_with(R"({"name": "M", "match": ["m."], "input": 3, "output": 15, "cache_read": 0.3})",
                          "per 1000000 tokens"));
  const auto price = table.lookup("m.x", "r");
  EXPECT_DOUBLE_EQ(price->input_per_1k, 0.003);
  EXPECT_DOUBLE_EQ(price->output_per_1k, 0.015);
  EXPECT_DOUBLE_EQ(price->cache_read_per_1k, 0.0003);
}

TEST(PriceTable, MalformedTablesAreRejectedNamingTheEntry) {
  EXPECT_NE(parse_error("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_error("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(parse_error(R"({"currency": "USD", "unit": "per 1000 tokens", "models": []})").find("\"date\""),
            std::string::npos);
  EXPECT_NE(
      parse_error(R"({"date": "2026-13-45", "currency": "USD", "unit": "per 1000 tokens", "models": []})")
          .find("\"date\""),
      std::string::npos);
  EXPECT_NE(
      parse_error(R"({"date": "2026-01-01", "currency": "EUR", "unit": "per 1000 tokens", "models": []})")
          .find("\"currency\""),
      std::string::npos);
  EXPECT_NE(parse_error(R"({"date": "2026-01-01", "currency": "USD", "unit": "per token", "models": []})")
                .find("\"unit\""),
            std::string::npos);
  EXPECT_NE(parse_error(table_with("")).find("\"models\" must be a non-empty array"), std::string::npos);
  EXPECT_NE(
      parse_error(R"({"date": "2026-01-01", "currency": "USD", "unit": "per 1000 tokens", "modles": []})")
          .find("unknown top-level key \"modles\""),
      std::string::npos);

  const std::string good = R"({"name": "Good", "match": ["g."], "input": 1, "output": 1}, )";
  EXPECT_EQ(parse_error(table_with(good + R"({"name": "Broken", "match": ["b."], "output": 1})")),
            "price table: models[1] (\"Broken\"): missing \"input\"");
  EXPECT_EQ(parse_error(table_with(good + R"({"name": "Neg", "match": ["b."], "input": -1, "output": 1})")),
            "price table: models[1] (\"Neg\"): \"input\" must be a non-negative number");
  EXPECT_EQ(
      parse_error(table_with(good + R"({"name": "Str", "match": ["b."], "input": "0.1", "output": 1})")),
      "price table: models[1] (\"Str\"): \"input\" must be a non-negative number");
  EXPECT_EQ(parse_error(table_with(good + R"({"match": ["b."], "input": 1, "output": 1})")),
            "price table: models[1]: \"name\" must be a non-empty string");
  EXPECT_EQ(parse_error(table_with(good + R"({"name": "NoMatch", "match": [], "input": 1, "output": 1})")),
            "price table: models[1] (\"NoMatch\"): \"match\" must be a non-empty array of model-id prefixes");
  EXPECT_EQ(parse_error(table_with(
                good + R"({"name": "Typo", "match": ["b."], "input": 1, "output": 1, "ouput": 2})")),
            "price table: models[1] (\"Typo\"): unknown key \"ouput\"");
  EXPECT_EQ(parse_error(table_with(good + R"({"name": "Dup", "match": ["g."], "input": 1, "output": 1})")),
            "price table: models[1] (\"Dup\"): match prefix \"g.\" is already used by \"Good\"");
  EXPECT_EQ(parse_error(table_with(R"({"name": "Twice", "match": ["t.", "t."], "input": 1, "output": 1})")),
            "price table: models[0] (\"Twice\"): match prefix \"t.\" is listed twice");
  EXPECT_EQ(parse_error(table_with(
                good + R"({"name": "NoCache", "match": ["b."], "input": 1, "output": 1, "cache": false,
                                      "cache_read": 0.1})")),
            "price table: models[1] (\"NoCache\"): \"cache_read\" contradicts \"cache\": false");
  EXPECT_EQ(
      parse_error(table_with(good + R"({"name": "Both", "match": ["b."], "input": 1, "output": 1,
                                            "cache_read": 0.1, "cache_read_multiplier": 0.1})")),
      "price table: models[1] (\"Both\"): give either \"cache_read\" or \"cache_read_multiplier\", not both");
  EXPECT_EQ(parse_error(table_with(good + R"({"name": "Geo", "match": ["b."], "input": 1, "output": 1,
                                            "geo_multiplier": 0})")),
            "price table: models[1] (\"Geo\"): \"geo_multiplier\" must be a positive number");
  EXPECT_EQ(parse_error(table_with(good + R"({"name": "Reg", "match": ["b."], "input": 1, "output": 1,
                                            "regions": {"eu-west-1": {"input": 1}}})")),
            "price table: models[1] (\"Reg\"): regions[\"eu-west-1\"]: missing \"output\"");
  EXPECT_EQ(parse_error(table_with(good + R"(42)")), "price table: models[1]: must be an object");
}

TokenCounts counts(std::uint64_t requests, std::uint64_t input, std::uint64_t output,
                   std::uint64_t cache_read = 0, std::uint64_t cache_write = 0) {
  TokenCounts c;
  c.requests = requests;
  c.input = input;
  c.output = output;
  c.cache_read = cache_read;
  c.cache_write = cache_write;
  return c;
}

std::string key(std::string_view region, std::string_view model_id) {
  return std::string(region) + kKeySeparator + std::string(model_id);
}

TEST(EstimateCost, PricesEachRegionModelLineAndListsUnpricedIds) {
  const PriceTable table = parse_ok(table_with(R"(
      {"name": "Big", "match": ["v.big"], "input": 0.003, "output": 0.015, "geo_multiplier": 1.1},
      {"name": "Small", "match": ["v.small"], "input": 0.0001, "output": 0.0004})"));
  Aggregate a;
  a.by_region_model_id[key("us-east-1", "global.v.big-1")] = counts(2, 10'000, 2'000, 50'000, 4'000);
  a.by_region_model_id[key("us-east-1", "us.v.big-1")] = counts(1, 10'000, 2'000);
  a.by_region_model_id[key("eu-west-1", "v.small-1")] = counts(5, 1'000, 1'000);
  a.by_region_model_id[key("us-west-2", "v.small-1")] = counts(5, 1'000, 1'000);  // tie with eu-west-1
  a.by_region_model_id[key("us-east-1", "arn:aws:bedrock:us-east-1:1:application-inference-profile/x")] =
      counts(1, 5, 5);
  a.by_region_model_id[key("eu-west-1", "mystery.model")] = counts(1, 5, 5);
  a.by_region_model_id[key("us-east-1", "mystery.model")] = counts(1, 5, 5);

  const CostEstimate estimate = estimate_cost(a, table);
  EXPECT_EQ(estimate.price_table_date, "2026-01-15");
  ASSERT_EQ(estimate.lines.size(), 4u);
  const CostLine& global = estimate.lines[0];  // the cache tokens make it the dearest line
  EXPECT_EQ(global.model_id, "global.v.big-1");
  EXPECT_EQ(global.region, "us-east-1");
  EXPECT_EQ(global.price_name, "Big");
  EXPECT_EQ(global.counts, counts(2, 10'000, 2'000, 50'000, 4'000));
  EXPECT_NEAR(global.input_usd, 0.03, 1e-12);
  EXPECT_NEAR(global.output_usd, 0.03, 1e-12);
  EXPECT_NEAR(global.cache_read_usd, 0.015, 1e-12);   // 50K x 0.0003/1K
  EXPECT_NEAR(global.cache_write_usd, 0.015, 1e-12);  // 4K x 0.00375/1K
  EXPECT_NEAR(global.total_usd(), 0.09, 1e-12);
  const CostLine& us = estimate.lines[1];  // same tokens as global's uncached part, 10% dearer
  EXPECT_EQ(us.model_id, "us.v.big-1");
  EXPECT_NEAR(us.input_usd, 0.033, 1e-12);
  EXPECT_NEAR(us.output_usd, 0.033, 1e-12);
  EXPECT_EQ(us.cache_read_usd, 0);
  EXPECT_NEAR(us.total_usd(), 0.066, 1e-12);
  EXPECT_EQ(estimate.lines[2].region, "eu-west-1");  // ties by region, then model id
  EXPECT_EQ(estimate.lines[3].region, "us-west-2");
  EXPECT_NEAR(estimate.lines[3].total_usd(), 0.0005, 1e-12);
  EXPECT_NEAR(estimate.total_usd, 0.066 + 0.09 + 0.0005 + 0.0005, 1e-12);
  EXPECT_EQ(estimate.unpriced_model_ids,
            (std::vector<std::string>{"arn:aws:bedrock:us-east-1:1:application-inference-profile/x",
                                      "mystery.model"}));
}

TEST(EstimateCost, EmptyAggregateCostsNothing) {
  const CostEstimate estimate = estimate_cost(Aggregate{}, PriceTable::bundled());
  EXPECT_TRUE(estimate.lines.empty());
  EXPECT_TRUE(estimate.unpriced_model_ids.empty());
  EXPECT_EQ(estimate.total_usd, 0);
  EXPECT_EQ(estimate.price_table_date, PriceTable::bundled().date());
}

}  // namespace
}  // namespace usage
