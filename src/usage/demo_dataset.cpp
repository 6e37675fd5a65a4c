#include "usage/demo_dataset.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>
#include <vector>

#include "usage/record_parser.hpp"
#include "usage/splitmix.hpp"

namespace usage {
namespace {

// One generator stream per day.
using Random = SplitMix64;

constexpr std::string_view kAccount = "123456789012";

namespace user {
constexpr std::string_view kAlice =
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/alice@example.com";
constexpr std::string_view kBob =
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/bob@example.com";
constexpr std::string_view kCarol =
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScience_fedcba9876543210/carol@example.com";
constexpr std::string_view kDave =
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScience_fedcba9876543210/dave@example.com";
constexpr std::string_view kCiBot = "arn:aws:iam::123456789012:user/ci-bot";
constexpr std::string_view kSupportBot =
    "arn:aws:sts::123456789012:assumed-role/support-bot-lambda-role/support-bot";
constexpr std::string_view kGithub =
    "arn:aws:sts::123456789012:assumed-role/github-actions-claude/GitHubActions";
constexpr std::string_view kKnowledgeBase =
    "arn:aws:sts::123456789012:assumed-role/AmazonBedrockExecutionRoleForKnowledgeBase_abc12/"
    "BedrockKnowledgeBaseSession";
}  // namespace user

enum class Body { kConverse, kAnthropic, kAnthropicStream, kLlama, kEmbedding };

// Who calls what, where, and how: one row per kind of traffic.
struct Scenario {
  int weight;
  std::string_view user;
  std::string_view region;
  std::string_view model_id;
  std::string_view operations[2];  // picked at random
  Body body;
  std::string_view inference_regions[3];  // cross-Region profiles only; empty otherwise
  std::uint64_t input_lo, input_hi, output_lo, output_hi;
  bool caching;
};

constexpr Scenario kScenarios[] = {
    {22,
     user::kAlice,
     "us-east-1",
     "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
     {"Converse", "ConverseStream"},
     Body::kConverse,
     {"us-east-1", "us-east-2", "us-west-2"},
     20,
     3000,
     80,
     2500,
     true},
    {14,
     user::kBob,
     "us-west-2",
     "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
     {"ConverseStream", "ConverseStream"},
     Body::kConverse,
     {"us-west-2", "us-east-1", "eu-west-1"},
     50,
     4000,
     100,
     3000,
     true},
    {8,
     user::kGithub,
     "us-east-1",
     "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k2j3h4g5f6d7",
     {"InvokeModelWithResponseStream", "InvokeModelWithResponseStream"},
     Body::kAnthropicStream,
     {"us-east-1", "us-east-2", "us-west-2"},
     3,
     40,
     60,
     1800,
     true},
    {18,
     user::kSupportBot,
     "us-east-1",
     "anthropic.claude-3-5-haiku-20241022-v1:0",
     {"InvokeModel", "InvokeModel"},
     Body::kAnthropic,
     {},
     12,
     400,
     5,
     120,
     false},
    {8,
     user::kCarol,
     "eu-central-1",
     "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
     {"Converse", "ConverseStream"},
     Body::kConverse,
     {"eu-central-1", "eu-west-1", "eu-west-3"},
     30,
     2500,
     60,
     2000,
     true},
    {10,
     user::kCiBot,
     "us-east-1",
     "amazon.nova-lite-v1:0",
     {"Converse", "Converse"},
     Body::kConverse,
     {},
     100,
     1500,
     20,
     600,
     false},
    {6,
     user::kDave,
     "us-west-2",
     "amazon.nova-pro-v1:0",
     {"Converse", "ConverseStream"},
     Body::kConverse,
     {},
     200,
     5000,
     50,
     1500,
     false},
    {5,
     user::kCiBot,
     "us-west-2",
     "meta.llama3-3-70b-instruct-v1:0",
     {"InvokeModel", "InvokeModel"},
     Body::kLlama,
     {},
     40,
     900,
     30,
     700,
     false},
    {12,
     user::kKnowledgeBase,
     "us-east-1",
     "amazon.titan-embed-text-v2:0",
     {"InvokeModel", "InvokeModel"},
     Body::kEmbedding,
     {},
     6,
     400,
     0,
     0,
     false},
};

constexpr std::string_view kPrompts[] = {
    "Summarise the Q3 incident report.",
    "Write a unit test for the retry helper.",
    "Explain this stack trace:\\n  at parse (main.cpp:42)",
    "Translate \\\"good morning\\\" into German.",
    "Classify this ticket: 'VPN drops every hour'",
    "Draft a reply to the customer about the delayed shipment.",
    "List three risks of the migration plan.",
};
constexpr std::string_view kAnswers[] = {
    "Q3 had two SEV-2 incidents, both resolved within the SLO.",
    "Here is a test:\\n\\nTEST(Retry, GivesUp) { ... }",
    "The parser read past the end of the buffer.",
    "\\\"Guten Morgen\\\"",
    "Category: Network / VPN",
    "Thank you for your patience; the order ships on Monday.",
    "1. Data loss 2. Downtime 3. Cost overrun",
};

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_two(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

void append_uuid(std::string& out, Random& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::uint64_t hi = rng.next(), lo = rng.next();
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    unsigned nibble = static_cast<unsigned>(((i < 16 ? hi : lo) >> (4 * (i % 16))) & 0xf);
    if (i == 12) nibble = 4;                 // version 4
    if (i == 16) nibble = 8 | (nibble & 3);  // RFC 4122 variant
    out += kHex[nibble];
  }
}

struct Call {
  std::uint64_t input = 0, output = 0, cache_read = 0, cache_write = 0;
  std::string_view error;  // empty: success
};

void append_input_body(std::string& out, const Scenario& s, std::string_view prompt,
                       std::uint64_t max_tokens) {
  switch (s.body) {
    case Body::kConverse:
      out += R"({"messages":[{"role":"user","content":[{"text":")";
      out += prompt;
      out += R"("}]}],)";
      if (s.caching)
        out +=
            R"("system":[{"text":"You are a helpful engineering assistant."},{"cachePoint":{"type":"default"}}],)";
      out += R"("inferenceConfig":{"maxTokens":)";
      append_number(out, max_tokens);
      out += R"(,"temperature":0.2}})";
      break;
    case Body::kAnthropic:
    case Body::kAnthropicStream:
      out += R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":)";
      append_number(out, max_tokens);
      out += R"(,"messages":[{"role":"user","content":")";
      out += prompt;
      out += R"("}]})";
      break;
    case Body::kLlama:
      out += R"({"prompt":"<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n)";
      out += prompt;
      out += R"(<|eot_id|>","max_gen_len":)";
      append_number(out, max_tokens);
      out += R"(,"temperature":0.5})";
      break;
    case Body::kEmbedding:
      out += R"({"inputText":")";
      out += prompt;
      out += R"(","dimensions":1024,"normalize":true})";
      break;
  }
}

void append_output_body(std::string& out, const Scenario& s, std::string_view answer, const Call& c) {
  switch (s.body) {
    case Body::kConverse:
      out += R"({"output":{"message":{"role":"assistant","content":[{"text":")";
      out += answer;
      out += R"("}]}},"stopReason":"end_turn","metrics":{"latencyMs":)";
      append_number(out, 300 + c.output * 7 % 9000);
      out += R"(},"usage":{"inputTokens":)";
      append_number(out, c.input);
      out += R"(,"outputTokens":)";
      append_number(out, c.output);
      out += R"(,"totalTokens":)";
      append_number(out, c.input + c.output + c.cache_read + c.cache_write);
      out += R"(,"cacheReadInputTokens":)";
      append_number(out, c.cache_read);
      out += R"(,"cacheWriteInputTokens":)";
      append_number(out, c.cache_write);
      out += "}}";
      break;
    case Body::kAnthropic:
      out +=
          R"({"id":"msg_bdrk_01demo","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022",)";
      out += R"("content":[{"type":"text","text":")";
      out += answer;
      out += R"("}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":)";
      append_number(out, c.input);
      out += R"(,"output_tokens":)";
      append_number(out, c.output);
      out += "}}";
      break;
    case Body::kAnthropicStream:
      out += R"([{"type":"message_start","message":{"usage":{"input_tokens":)";
      append_number(out, c.input);
      out += R"(,"cache_creation_input_tokens":)";
      append_number(out, c.cache_write);
      out += R"(,"cache_read_input_tokens":)";
      append_number(out, c.cache_read);
      out +=
          R"(,"output_tokens":1}}},{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")";
      out += answer;
      out += R"("}},{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":)";
      append_number(out, c.output);
      out += R"(}},{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":)";
      append_number(out, c.input);
      out += R"(,"outputTokenCount":)";
      append_number(out, c.output);
      out += R"(,"invocationLatency":)";
      append_number(out, 800 + c.output * 13 % 20000);
      out += R"(,"firstByteLatency":)";
      append_number(out, 400 + c.input % 900);
      out += R"(,"cacheReadInputTokenCount":)";
      append_number(out, c.cache_read);
      out += R"(,"cacheWriteInputTokenCount":)";
      append_number(out, c.cache_write);
      out += "}}]";
      break;
    case Body::kLlama:
      out += R"({"generation":")";
      out += answer;
      out += R"(","prompt_token_count":)";
      append_number(out, c.input);
      out += R"(,"generation_token_count":)";
      append_number(out, c.output);
      out += R"(,"stop_reason":"stop"})";
      break;
    case Body::kEmbedding:
      out += R"({"embedding":[0.0123,-0.0456,0.0789,0.0011],"inputTextTokenCount":)";
      append_number(out, c.input);
      out += "}";
      break;
  }
}

void append_record(std::string& out, std::string_view date, unsigned second_of_day, const Scenario& s,
                   Random& rng) {
  Call c;
  c.input = rng.between(s.input_lo, s.input_hi);
  c.output = s.output_hi == 0 ? 0 : rng.between(s.output_lo, s.output_hi);
  if (s.caching) {
    // Claude-style caching: most calls read a cached prefix, some write one.
    if (rng.chance(0.6)) c.cache_read = rng.between(1000, 40000);
    if (rng.chance(0.25)) c.cache_write = rng.between(500, 30000);
  }
  const std::uint64_t roll = rng.next() % 1000;
  if (roll < 20) {
    c.error = "ThrottlingException";
  } else if (roll < 30) {
    c.error = "ValidationException";
  } else if (roll < 33) {
    c.error = "ModelTimeoutException";
  }
  if (!c.error.empty()) {  // a failed call produces no output; a throttled one consumed nothing
    c.output = 0;
    c.cache_read = c.cache_write = 0;
    if (c.error == "ThrottlingException") c.input = 0;
  }
  const std::string_view operation = rng.pick(s.operations);
  static_assert(std::size(kPrompts) == std::size(kAnswers));
  const std::size_t topic = rng.next() % std::size(kPrompts);
  const std::string_view prompt = kPrompts[topic];
  const std::string_view answer = kAnswers[topic];

  out += R"({"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":")";
  out += date;
  out += 'T';
  append_two(out, second_of_day / 3600);
  out += ':';
  append_two(out, second_of_day / 60 % 60);
  out += ':';
  append_two(out, second_of_day % 60);
  out += R"(Z","accountId":")";
  out += kAccount;
  out += R"(","identity":{"arn":")";
  out += s.user;
  out += R"("},"region":")";
  out += s.region;
  out += R"(","requestId":")";
  append_uuid(out, rng);
  out += R"(","operation":")";
  out += operation;
  out += R"(","modelId":")";
  out += s.model_id;
  out += '"';
  if (s.user == user::kAlice && rng.chance(0.5)) {
    out += R"(,"requestMetadata":{"team":"platform","environment":"prod"})";
  }
  if (!c.error.empty()) {
    out += R"(,"errorCode":")";
    out += c.error;
    out += '"';
  }
  out += R"(,"input":{"inputContentType":"application/json","inputBodyJson":)";
  append_input_body(out, s, prompt, 256 + (c.output / 256) * 256);
  out += R"(,"inputTokenCount":)";
  append_number(out, c.input);
  if (s.caching) {
    out += R"(,"cacheReadInputTokenCount":)";
    append_number(out, c.cache_read);
    out += R"(,"cacheWriteInputTokenCount":)";
    append_number(out, c.cache_write);
  }
  out += '}';
  if (c.error != "ThrottlingException") {
    out += R"(,"output":{"outputContentType":"application/json",)";
    if (c.error.empty()) {
      out += R"("outputBodyJson":)";
      append_output_body(out, s, answer, c);
      out += ',';
    }
    out += R"("outputTokenCount":)";
    append_number(out, c.output);
    out += '}';
  }
  if (!s.inference_regions[0].empty()) {
    out += R"(,"inferenceRegion":")";
    out += rng.pick(s.inference_regions);
    out += '"';
  }
  out += "}\n";
}

// Office hours get most of the traffic; nights keep a trickle of automation.
unsigned random_second_of_day(Random& rng, bool weekend) {
  static constexpr int kHourWeight[24] = {1, 1, 1,  1,  1, 1, 2, 4, 8, 10, 10, 9,
                                          7, 9, 10, 10, 9, 7, 4, 3, 2, 2,  1,  1};
  int total = 0;
  for (int w : kHourWeight) total += weekend ? 1 + w / 4 : w;
  int r = static_cast<int>(rng.next() % static_cast<std::uint64_t>(total));
  unsigned hour = 0;
  for (; hour < 23; ++hour) {
    const int w = weekend ? 1 + kHourWeight[hour] / 4 : kHourWeight[hour];
    if (r < w) break;
    r -= w;
  }
  return hour * 3600 + static_cast<unsigned>(rng.next() % 3600);
}

}  // namespace

void append_demo_day(std::int64_t day, std::string& out) {
  Random rng(static_cast<std::uint64_t>(day) * 0x2545F4914F6CDD1Dull + 0xB3D0C0DEull);
  const std::int64_t weekday = ((day % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday; Monday = 0
  const bool weekend = weekday >= 5;
  const unsigned count = static_cast<unsigned>(weekend ? rng.between(70, 130) : rng.between(180, 300));

  int total_weight = 0;
  for (const auto& s : kScenarios) total_weight += s.weight;

  std::vector<unsigned> seconds(count);
  for (auto& sec : seconds) sec = random_second_of_day(rng, weekend);
  std::sort(seconds.begin(), seconds.end());

  const std::string date = format_day(day);
  for (const unsigned second : seconds) {
    int r = static_cast<int>(rng.next() % static_cast<std::uint64_t>(total_weight));
    const Scenario* scenario = &kScenarios[0];
    for (const auto& s : kScenarios) {
      if (r < s.weight) {
        scenario = &s;
        break;
      }
      r -= s.weight;
    }
    append_record(out, date, second, *scenario, rng);
  }
}

std::string demo_dataset(std::int64_t last_day, int days) {
  std::string out;
  out.reserve(static_cast<std::size_t>(std::max(days, 0)) * 300 * 1100);
  out += "Permissions are correctly set for Amazon Bedrock logs.\n";
  for (std::int64_t day = last_day - days + 1; day <= last_day; ++day) append_demo_day(day, out);
  return out;
}

}  // namespace usage
