#include "bedrock_records.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <vector>

#include "usage/record_parser.hpp"
#include "usage/splitmix.hpp"

namespace usage_bench {
namespace {

// The shared generator, with chances in whole percent.
class Random : public usage::SplitMix64 {
 public:
  using SplitMix64::SplitMix64;
  bool chance(unsigned percent) { return next() % 100 < percent; }
};

// --- Text ---------------------------------------------------------------------
// Fragments are already JSON-escaped: they are pasted inside string literals.

constexpr std::string_view kWords[] = {
    "the",      "a",         "to",        "and",       "of",       "in",       "is",        "for",
    "that",     "with",      "this",      "it",        "on",       "as",       "be",        "can",
    "request",  "response",  "service",   "function",  "retry",    "timeout",  "error",     "value",
    "customer", "invoice",   "deploy",    "pipeline",  "cluster",  "latency",  "token",     "budget",
    "summary",  "incident",  "database",  "migration", "schema",   "index",    "query",     "cache",
    "region",   "account",   "policy",    "role",      "bucket",   "object",   "stream",    "event",
    "handler",  "parser",    "buffer",    "thread",    "lock",     "queue",    "worker",    "message",
    "please",   "explain",   "refactor",  "write",     "test",     "review",   "suggest",   "improve",
    "because",  "however",   "therefore", "instead",   "although", "quickly",  "carefully", "usually",
    "returns",  "throws",    "contains",  "includes",  "requires", "supports", "handles",   "updates",
    "first",    "second",    "next",      "last",      "new",      "old",      "small",     "large",
    "Q3",       "SLO",       "API",       "JSON",      "HTTP/1.1", "p99",      "GB/s",      "v2.1.0",
    "we",       "you",       "they",      "should",    "would",    "could",    "might",     "must",
    "report",   "dashboard", "alert",     "metric",    "log",      "trace",    "span",      "sample",
};
constexpr std::string_view kSpecial[] = {
    "\\n",
    "\\n\\n",
    "\\n- ",
    "\\n1. ",
    "## Summary\\n",
    "**Note:**",
    "`retry_count`",
    "`std::vector<int>`",
    "\\\"quoted text\\\"",
    "{\\\"key\\\": 42, \\\"ok\\\": true}",
    "C:\\\\Users\\\\build\\\\out.log",
    "\\tif (n > 0) { return n; }",
    "```python\\nprint(\\\"hi\\\")\\n```",
    "e.g.",
    "(see above)",
    "naïve",
    "Grüße",
    "café",
    "—",
    "→",
    "日本語のテキスト",
    "✓",
    "€1,250.00",
    "São Paulo",
};
constexpr std::string_view kFiller = "lorem ipsum dolor sit amet consectetur adipiscing elit ";

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The text of one record; `ascii` leaves the non-ASCII fragments out.
struct Text {
  Random rng;
  bool ascii;
};

// Appends exactly `bytes` bytes of escaped text (never splitting an escape
// sequence or a UTF-8 character: the tail is filled with ASCII).
void append_text(std::string& out, Text& text, std::size_t bytes) {
  Random& rng = text.rng;
  const std::size_t end = out.size() + bytes;
  bool first = true;
  for (;;) {
    std::string_view token = rng.chance(8) ? rng.pick(kSpecial) : rng.pick(kWords);
    if (text.ascii && !is_ascii(token)) token = rng.pick(kWords);
    const std::size_t need = token.size() + (first ? 0 : 1);
    if (out.size() + need > end) break;
    if (!first) out += ' ';
    out += token;
    first = false;
  }
  for (std::size_t i = 0; out.size() < end; ++i) out += kFiller[i % kFiller.size()];
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_hex(std::string& out, Random& rng, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = rng.next();
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 15) bits = rng.next();
    out += kHex[bits & 0xf];
    bits >>= 4;
  }
}

void append_uuid(std::string& out, Random& rng) {
  append_hex(out, rng, 8);
  out += '-';
  append_hex(out, rng, 4);
  out += "-4";
  append_hex(out, rng, 3);
  out += "-a";
  append_hex(out, rng, 3);
  out += '-';
  append_hex(out, rng, 12);
}

// --- Who calls what --------------------------------------------------------------

enum class Shape { kConverse, kConverseTools, kAnthropic, kAnthropicStream, kLlama, kEmbedding };

struct Scenario {
  int weight;
  std::string_view user;
  std::string_view region;
  std::string_view model_id;
  std::string_view operations[2];
  Shape shape;
  std::string_view inference_regions[3];  // cross-Region profiles only
  bool caching;
  std::uint64_t input_lo, input_hi, output_lo, output_hi;
};

constexpr std::string_view kSso = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_";

constexpr Scenario kScenarios[] = {
    {20,
     "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/alice@example.com",
     "us-east-1",
     "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
     {"Converse", "ConverseStream"},
     Shape::kConverseTools,
     {"us-east-1", "us-east-2", "us-west-2"},
     true,
     3,
     4000,
     40,
     3000},
    {12,
     "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/bob@example.com",
     "us-west-2",
     "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
     {"ConverseStream", "ConverseStream"},
     Shape::kConverse,
     {"us-west-2", "us-east-1", "eu-west-1"},
     true,
     20,
     5000,
     60,
     3500},
    {8,
     "arn:aws:sts::123456789012:assumed-role/github-actions-claude/GitHubActions",
     "us-east-1",
     "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k2j3h4g5f6d7",
     {"InvokeModelWithResponseStream", "InvokeModelWithResponseStream"},
     Shape::kAnthropicStream,
     {"us-east-1", "us-east-2", "us-west-2"},
     true,
     3,
     60,
     80,
     2000},
    {16,
     "arn:aws:sts::123456789012:assumed-role/support-bot-lambda-role/support-bot",
     "us-east-1",
     "anthropic.claude-3-5-haiku-20241022-v1:0",
     {"InvokeModel", "InvokeModel"},
     Shape::kAnthropic,
     {},
     false,
     12,
     900,
     5,
     400},
    {7,
     "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScience_fedcba9876543210/carol@example.com",
     "eu-central-1",
     "eu.anthropic.claude-sonnet-4-20250514-v1:0",
     {"Converse", "ConverseStream"},
     Shape::kConverse,
     {"eu-central-1", "eu-west-1", "eu-west-3"},
     true,
     30,
     3000,
     60,
     2500},
    {9,
     "arn:aws:iam::123456789012:user/ci-bot",
     "us-east-1",
     "amazon.nova-lite-v1:0",
     {"Converse", "Converse"},
     Shape::kConverse,
     {},
     false,
     100,
     2000,
     20,
     800},
    {6,
     "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScience_fedcba9876543210/dave@example.com",
     "us-west-2",
     "amazon.nova-pro-v1:0",
     {"Converse", "ConverseStream"},
     Shape::kConverse,
     {},
     false,
     200,
     6000,
     50,
     1500},
    {5,
     "arn:aws:iam::123456789012:user/ci-bot",
     "us-west-2",
     "meta.llama3-3-70b-instruct-v1:0",
     {"InvokeModel", "InvokeModel"},
     Shape::kLlama,
     {},
     false,
     40,
     1200,
     30,
     900},
    {10,
     "arn:aws:sts::123456789012:assumed-role/AmazonBedrockExecutionRoleForKnowledgeBase_abc12/"
     "BedrockKnowledgeBaseSession",
     "us-east-1",
     "amazon.titan-embed-text-v2:0",
     {"InvokeModel", "InvokeModel"},
     Shape::kEmbedding,
     {},
     false,
     6,
     600,
     0,
     0},
    {4,
     "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/erin@example.jp",
     "ap-northeast-1",
     "apac.anthropic.claude-3-7-sonnet-20250219-v1:0",
     {"Converse", "ConverseStream"},
     Shape::kConverse,
     {"ap-northeast-1", "ap-northeast-3", "ap-southeast-2"},
     true,
     20,
     3000,
     40,
     2000},
    {3,
     "arn:aws:sts::123456789012:assumed-role/AmazonBedrockAgentRole_travel/agent-session",
     "us-east-1",
     "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
     {"InvokeModel", "InvokeModel"},
     Shape::kAnthropic,
     {},
     false,
     200,
     3000,
     20,
     600},
};

// Everything random about one record except its text, drawn before it is
// rendered: the same plan rendered with a larger text budget differs only in
// the text, by exactly that many bytes.
struct Plan {
  const Scenario* scenario = nullptr;
  std::string_view operation;
  std::string_view inference_region;
  std::uint64_t input = 0, output = 0, cache_read = 0, cache_write = 0, max_tokens = 0, latency_ms = 0;
  std::string_view error;
  bool metadata = false;
  int turns = 1;      // user/assistant messages before the answer (odd)
  int chunks = 1;     // stream deltas
  bool tool = false;  // a toolUse/toolResult exchange in the history
  std::uint64_t text_seed = 0;
  std::uint64_t id_seed = 0;
  std::size_t target_bytes = 0;
};

Plan make_plan(Random& rng) {
  static const int kTotalWeight = [] {
    int total = 0;
    for (const auto& s : kScenarios) total += s.weight;
    return total;
  }();
  Plan p;
  int r = static_cast<int>(rng.next() % static_cast<std::uint64_t>(kTotalWeight));
  for (const auto& s : kScenarios) {
    p.scenario = &s;
    if (r < s.weight) break;
    r -= s.weight;
  }
  const Scenario& s = *p.scenario;
  p.operation = rng.pick(s.operations);
  if (!s.inference_regions[0].empty()) p.inference_region = rng.pick(s.inference_regions);
  p.input = rng.between(s.input_lo, s.input_hi);
  p.output = s.output_hi == 0 ? 0 : rng.between(s.output_lo, s.output_hi);
  if (s.caching) {
    if (rng.chance(60)) p.cache_read = rng.between(1000, 60000);
    if (rng.chance(25)) p.cache_write = rng.between(500, 30000);
  }
  const std::uint64_t roll = rng.next() % 1000;
  if (roll < 12) {
    p.error = "ThrottlingException";
  } else if (roll < 18) {
    p.error = "ValidationException";
  } else if (roll < 20) {
    p.error = "ModelTimeoutException";
  }
  if (!p.error.empty()) {
    p.output = p.cache_read = p.cache_write = 0;
    if (p.error == "ThrottlingException") p.input = 0;
  }
  p.max_tokens = 512 * rng.between(1, 16);
  p.latency_ms = rng.between(250, 30000);
  p.metadata = rng.chance(30);
  p.turns = 1 + 2 * static_cast<int>(rng.between(0, 3));
  p.chunks = static_cast<int>(rng.between(2, 6));
  p.tool = s.shape == Shape::kConverseTools && rng.chance(70);
  p.text_seed = rng.next();
  p.id_seed = rng.next();
  p.target_bytes = rng.between(1024, 4096);
  return p;
}

constexpr std::string_view kRecordPrefix =
    R"({"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":")";
constexpr std::string_view kPlaceholderTime = "2000-01-01T00:00:00Z";

// Splits `total` text bytes over `n` fields with fixed shares (the last
// field, the answer, gets the most).
class Budget {
 public:
  Budget(std::size_t total, int fields) : total_(total), fields_(fields) {}
  std::size_t next() {
    ++taken_;
    if (taken_ >= fields_) return total_ - used_;
    const std::size_t share = total_ / static_cast<std::size_t>(fields_ + 1);
    used_ += share;
    return share;
  }

 private:
  std::size_t total_;
  int fields_;
  int taken_ = 0;
  std::size_t used_ = 0;
};

int text_fields(const Plan& p) {
  switch (p.scenario->shape) {
    case Shape::kConverse:
    case Shape::kConverseTools:
      return 1 + p.turns + (p.tool ? 1 : 0) + 1;  // system, history, tool result, answer
    case Shape::kAnthropic:
      return 1 + p.turns + 1;
    case Shape::kAnthropicStream:
      return 1 + p.turns + p.chunks;
    case Shape::kLlama:
      return 2;
    case Shape::kEmbedding:
      return 1;
  }
  return 1;
}

void append_usage_numbers(std::string& out, const Plan& p) {
  out += R"("usage":{"inputTokens":)";
  append_number(out, p.input);
  out += R"(,"outputTokens":)";
  append_number(out, p.output);
  out += R"(,"totalTokens":)";
  append_number(out, p.input + p.output + p.cache_read + p.cache_write);
  if (p.scenario->caching) {
    out += R"(,"cacheReadInputTokens":)";
    append_number(out, p.cache_read);
    out += R"(,"cacheWriteInputTokens":)";
    append_number(out, p.cache_write);
  }
  out += '}';
}

void render_converse_input(std::string& out, const Plan& p, Text& text, Budget& budget) {
  out += R"({"system":[{"text":")";
  append_text(out, text, budget.next());
  out += '"';
  out += '}';
  if (p.scenario->caching) out += R"(,{"cachePoint":{"type":"default"}})";
  out += R"(],"messages":[)";
  for (int i = 0; i < p.turns; ++i) {
    if (i > 0) out += ',';
    out +=
        i % 2 == 0 ? R"({"role":"user","content":[{"text":")" : R"({"role":"assistant","content":[{"text":")";
    append_text(out, text, budget.next());
    out += R"("}]})";
  }
  if (p.tool) {
    out += R"(,{"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_)";
    Random ids(p.id_seed);
    append_hex(out, ids, 22);
    out += R"(","name":"read_file","input":{"path":"src/usage/record_parser.cpp","maxLines":200}}}]},)";
    out += R"({"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_)";
    Random same(p.id_seed);
    append_hex(out, same, 22);
    out += R"(","content":[{"text":")";
    append_text(out, text, budget.next());
    out += R"("}],"status":"success"}}]})";
  }
  out += R"(],"inferenceConfig":{"maxTokens":)";
  append_number(out, p.max_tokens);
  out += R"(,"temperature":0.2,"topP":0.9})";
  if (p.scenario->shape == Shape::kConverseTools) {
    out +=
        R"(,"toolConfig":{"tools":[{"toolSpec":{"name":"read_file","description":"Reads a file of the repository",)"
        R"("inputSchema":{"json":{"type":"object","properties":{"path":{"type":"string"},"maxLines":)"
        R"({"type":"integer"}},"required":["path"]}}}}]})";
  }
  out += '}';
}

void render_anthropic_input(std::string& out, const Plan& p, Text& text, Budget& budget) {
  out += R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":)";
  append_number(out, p.max_tokens);
  out += R"(,"system":")";
  append_text(out, text, budget.next());
  out += R"(","messages":[)";
  for (int i = 0; i < p.turns; ++i) {
    if (i > 0) out += ',';
    out += i % 2 == 0 ? R"({"role":"user","content":[{"type":"text","text":")"
                      : R"({"role":"assistant","content":[{"type":"text","text":")";
    append_text(out, text, budget.next());
    out += R"("}]})";
  }
  out += R"(],"temperature":0.5,"top_k":250})";
}

void render_input_body(std::string& out, const Plan& p, Text& text, Budget& budget) {
  switch (p.scenario->shape) {
    case Shape::kConverse:
    case Shape::kConverseTools:
      render_converse_input(out, p, text, budget);
      break;
    case Shape::kAnthropic:
    case Shape::kAnthropicStream:
      render_anthropic_input(out, p, text, budget);
      break;
    case Shape::kLlama:
      out += R"({"prompt":"<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n)";
      append_text(out, text, budget.next());
      out += R"(<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n","max_gen_len":)";
      append_number(out, p.max_tokens);
      out += R"(,"temperature":0.5,"top_p":0.9})";
      break;
    case Shape::kEmbedding:
      out += R"({"inputText":")";
      append_text(out, text, budget.next());
      out += R"(","dimensions":1024,"normalize":true})";
      break;
  }
}

void render_output_body(std::string& out, const Plan& p, Text& text, Budget& budget) {
  switch (p.scenario->shape) {
    case Shape::kConverse:
    case Shape::kConverseTools:
      out += R"({"output":{"message":{"role":"assistant","content":[{"text":")";
      append_text(out, text, budget.next());
      out += R"("}]}},"stopReason":"end_turn","metrics":{"latencyMs":)";
      append_number(out, p.latency_ms);
      out += "},";
      append_usage_numbers(out, p);
      out += '}';
      break;
    case Shape::kAnthropic: {
      out += R"({"id":"msg_bdrk_01)";
      Random ids(p.id_seed);
      append_hex(out, ids, 22);
      out += R"(","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022",)"
             R"("content":[{"type":"text","text":")";
      append_text(out, text, budget.next());
      out += R"("}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":)";
      append_number(out, p.input);
      out += R"(,"output_tokens":)";
      append_number(out, p.output);
      out += "}}";
      break;
    }
    case Shape::kAnthropicStream:
      out += R"([{"type":"message_start","message":{"usage":{"input_tokens":)";
      append_number(out, p.input);
      out += R"(,"cache_creation_input_tokens":)";
      append_number(out, p.cache_write);
      out += R"(,"cache_read_input_tokens":)";
      append_number(out, p.cache_read);
      out += R"(,"output_tokens":1}}},{"type":"content_block_start","index":0,)"
             R"("content_block":{"type":"text","text":""}})";
      for (int i = 0; i < p.chunks; ++i) {
        out += R"(,{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")";
        append_text(out, text, budget.next());
        out += R"("}})";
      }
      out += R"(,{"type":"content_block_stop","index":0},{"type":"message_delta","delta":)"
             R"({"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":)";
      append_number(out, p.output);
      out += R"(}},{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":)";
      append_number(out, p.input);
      out += R"(,"outputTokenCount":)";
      append_number(out, p.output);
      out += R"(,"invocationLatency":)";
      append_number(out, p.latency_ms);
      out += R"(,"firstByteLatency":)";
      append_number(out, p.latency_ms / 4);
      out += R"(,"cacheReadInputTokenCount":)";
      append_number(out, p.cache_read);
      out += R"(,"cacheWriteInputTokenCount":)";
      append_number(out, p.cache_write);
      out += "}}]";
      break;
    case Shape::kLlama:
      out += R"({"generation":")";
      append_text(out, text, budget.next());
      out += R"(","prompt_token_count":)";
      append_number(out, p.input);
      out += R"(,"generation_token_count":)";
      append_number(out, p.output);
      out += R"(,"stop_reason":"stop"})";
      break;
    case Shape::kEmbedding: {
      // Embedding delivery truncated to a few components (a full 1024-d
      // vector would make the record ~10 KB).
      out += R"({"embedding":[)";
      Random values(p.id_seed);
      for (int i = 0; i < 24; ++i) {
        if (i > 0) out += ',';
        const std::uint64_t v = values.next();
        if (v & 1) out += '-';
        out += "0.0";
        append_number(out, 1000 + (v >> 8) % 9000);
      }
      out += R"(],"inputTextTokenCount":)";
      append_number(out, p.input);
      out += '}';
      break;
    }
  }
}

// One record line without its '\n'; `text_bytes` of free text in total.
void render_record(const Plan& p, std::size_t text_bytes, const RecordOptions& options, std::string& out) {
  const Scenario& s = *p.scenario;
  Text text{Random(p.text_seed), options.ascii};
  Random ids(p.id_seed ^ 0x5bd1e995u);
  const bool answered = p.error.empty();
  // The answer's text fields only exist when the call succeeded.
  int fields = text_fields(p);
  const int answer_fields =
      s.shape == Shape::kAnthropicStream ? p.chunks : (s.shape == Shape::kEmbedding ? 0 : 1);
  if (!answered) fields -= answer_fields;
  Budget budget(text_bytes, std::max(fields, 1));

  out += kRecordPrefix;
  out += kPlaceholderTime;
  out += R"(","accountId":"123456789012","identity":{"arn":")";
  out += s.user;
  out += R"("},"region":")";
  out += s.region;
  out += R"(","requestId":")";
  append_uuid(out, ids);
  out += R"(","operation":")";
  out += p.operation;
  out += R"(","modelId":")";
  out += s.model_id;
  out += '"';
  if (p.metadata) {
    out += s.user.starts_with(kSso)
               ? R"(,"requestMetadata":{"team":"platform","environment":"prod","ticket":"PLAT-)"
               : R"(,"requestMetadata":{"team":"automation","environment":"ci","ticket":"OPS-)";
    append_number(out, 1000 + p.id_seed % 9000);
    out += R"("})";
  }
  if (!answered) {
    out += R"(,"errorCode":")";
    out += p.error;
    out += '"';
  }
  out += R"(,"input":{"inputContentType":"application/json",)";
  if (options.bodies) {
    out += R"("inputBodyJson":)";
    render_input_body(out, p, text, budget);
    out += ',';
  }
  out += R"("inputTokenCount":)";
  append_number(out, p.input);
  if (s.caching) {
    out += R"(,"cacheReadInputTokenCount":)";
    append_number(out, p.cache_read);
    out += R"(,"cacheWriteInputTokenCount":)";
    append_number(out, p.cache_write);
  }
  out += '}';
  if (p.error != "ThrottlingException") {
    out += R"(,"output":{"outputContentType":"application/json",)";
    if (answered && options.bodies) {
      out += R"("outputBodyJson":)";
      render_output_body(out, p, text, budget);
      out += ',';
    }
    out += R"("outputTokenCount":)";
    append_number(out, p.output);
    out += '}';
  }
  if (!p.inference_region.empty()) {
    out += R"(,"inferenceRegion":")";
    out += p.inference_region;
    out += '"';
  }
  out += '}';
  // Records whose fixed part alone is too long for their target get no text;
  // none of the shapes above comes near that.
}

void append_two(std::string& out, std::int64_t v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

// "YYYY-MM-DDTHH:MM:SSZ" (20 bytes) at `dst`.
void write_timestamp(std::int64_t ms, char* dst) {
  const std::int64_t day = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
  const std::int64_t second = (ms - day * 86'400'000) / 1000;
  std::string text = usage::format_day(day);
  text += 'T';
  append_two(text, second / 3600);
  text += ':';
  append_two(text, second / 60 % 60);
  text += ':';
  append_two(text, second % 60);
  text += 'Z';
  std::copy(text.begin(), text.end(), dst);
}

}  // namespace

GeneratedRecords generate_records(std::size_t target_bytes, std::size_t count, std::int64_t start_ms,
                                  std::int64_t end_ms, const RecordOptions& options) {
  GeneratedRecords g;
  Random rng(options.seed * 0x2545F4914F6CDD1Dull + 0xB3D0C0DEull);
  g.text.reserve(count > 0 ? count * (options.bodies ? 2700 : 800) : target_bytes + 8192);
  g.text += "Permissions are correctly set for Amazon Bedrock logs.\n";
  std::vector<std::size_t> stamps;  // offsets of the timestamps to fill in
  std::string scratch;
  g.min_record_bytes = ~std::size_t{0};
  while (count > 0 ? g.records < count : g.text.size() < target_bytes) {
    const Plan plan = make_plan(rng);
    scratch.clear();
    render_record(plan, 0, options, scratch);
    const std::size_t fixed = scratch.size();
    if (options.bodies && plan.target_bytes > fixed) {
      scratch.clear();
      render_record(plan, plan.target_bytes - fixed, options, scratch);
    }
    stamps.push_back(g.text.size() + kRecordPrefix.size());
    g.text += scratch;
    g.text += '\n';
    g.min_record_bytes = std::min(g.min_record_bytes, scratch.size());
    g.max_record_bytes = std::max(g.max_record_bytes, scratch.size());
    ++g.records;
  }
  // start + span * i / n, without overflowing.
  const auto n = static_cast<std::int64_t>(std::max<std::size_t>(stamps.size(), 1));
  const std::int64_t span = std::max<std::int64_t>(end_ms - start_ms, 1);
  for (std::size_t i = 0; i < stamps.size(); ++i) {
    const auto k = static_cast<std::int64_t>(i);
    write_timestamp(start_ms + span / n * k + span % n * k / n, g.text.data() + stamps[i]);
  }
  if (g.records == 0) g.min_record_bytes = 0;
  return g;
}

void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending run of plain bytes
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

std::string filter_log_events_page(std::string_view jsonl, std::size_t max_events,
                                   std::string_view next_token) {
  std::string page;
  page.reserve(jsonl.size() + jsonl.size() / 8 + 4096);
  page += R"({"events":[)";
  std::int64_t timestamp = 1'772'409'600'000;  // 2026-03-02
  std::size_t events = 0;
  while (!jsonl.empty() && events < max_events) {
    const std::size_t nl = jsonl.find('\n');
    const std::string_view line = jsonl.substr(0, nl);
    jsonl = nl == std::string_view::npos ? std::string_view() : jsonl.substr(nl + 1);
    if (line.empty()) continue;
    if (events > 0) page += ',';
    page += R"({"logStreamName":"aws/bedrock/modelinvocations","timestamp":)";
    append_number(page, static_cast<std::uint64_t>(timestamp));
    page += R"(,"message":)";
    append_json_string(line, page);
    page += R"(,"ingestionTime":)";
    append_number(page, static_cast<std::uint64_t>(timestamp + 500));
    page += R"(,"eventId":")";
    // 56 digits like the real ids: timestamp, then a counter.
    std::string id = std::to_string(timestamp);
    id.append(56 - id.size() - std::min<std::size_t>(std::to_string(events).size(), 36), '0');
    id += std::to_string(events);
    page += id;
    page += R"("})";
    timestamp += 37;
    ++events;
  }
  page += "]";
  if (!next_token.empty()) {
    page += R"(,"nextToken":)";
    append_json_string(next_token, page);
  }
  page += R"(,"searchedLogStreams":[]})";
  return page;
}

}  // namespace usage_bench
