#include "usage/record_parser.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace usage;

namespace {

// aws.md §2.3 (a): Converse through a US inference profile, prompt caching.
constexpr std::string_view kExampleA = R"({
  "schemaType": "ModelInvocationLog",
  "schemaVersion": "1.0",
  "timestamp": "2026-03-02T14:07:31Z",
  "accountId": "123456789012",
  "identity": { "arn": "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/alice@example.com" },
  "region": "us-east-1",
  "requestId": "3f1c2b9e-8d4a-4c7e-9b1f-2a6d5e7c8b90",
  "operation": "Converse",
  "modelId": "us.anthropic.claude-sonnet-4-20250514-v1:0",
  "requestMetadata": { "team": "platform", "environment": "prod" },
  "input": {
    "inputContentType": "application/json",
    "inputBodyJson": {
      "system": [ { "text": "You are a concise assistant." }, { "cachePoint": { "type": "default" } } ],
      "messages": [ { "role": "user", "content": [ { "text": "Summarise the Q3 incident report." } ] } ],
      "inferenceConfig": { "maxTokens": 1024, "temperature": 0.2 }
    },
    "inputTokenCount": 42,
    "cacheReadInputTokenCount": 0,
    "cacheWriteInputTokenCount": 1536
  },
  "output": {
    "outputContentType": "application/json",
    "outputBodyJson": {
      "output": { "message": { "role": "assistant", "content": [ { "text": "Q3 had two SEV-2 incidents ..." } ] } },
      "stopReason": "end_turn",
      "metrics": { "latencyMs": 2875 },
      "usage": { "inputTokens": 42, "outputTokens": 311, "totalTokens": 1889,
                 "cacheReadInputTokens": 0, "cacheWriteInputTokens": 1536 }
    },
    "outputTokenCount": 311
  },
  "inferenceRegion": "us-west-2"
})";

// (b): InvokeModel, Anthropic Messages body, in-Region base model id.
constexpr std::string_view kExampleB = R"({
  "schemaType": "ModelInvocationLog",
  "schemaVersion": "1.0",
  "timestamp": "2026-03-02T09:15:02Z",
  "accountId": "123456789012",
  "identity": { "arn": "arn:aws:sts::123456789012:assumed-role/support-bot-lambda-role/support-bot" },
  "region": "us-east-1",
  "requestId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
  "operation": "InvokeModel",
  "modelId": "anthropic.claude-3-5-haiku-20241022-v1:0",
  "input": {
    "inputContentType": "application/json",
    "inputBodyJson": {
      "anthropic_version": "bedrock-2023-05-31",
      "max_tokens": 256,
      "messages": [ { "role": "user", "content": "Classify this ticket: 'VPN drops every hour'" } ]
    },
    "inputTokenCount": 18
  },
  "output": {
    "outputContentType": "application/json",
    "outputBodyJson": {
      "id": "msg_bdrk_01ABCDEFexample",
      "type": "message",
      "role": "assistant",
      "model": "claude-3-5-haiku-20241022",
      "content": [ { "type": "text", "text": "Category: Network / VPN" } ],
      "stop_reason": "end_turn",
      "stop_sequence": null,
      "usage": { "input_tokens": 18, "output_tokens": 9 }
    },
    "outputTokenCount": 9
  }
})";

// (c): Titan Text Embeddings V2.
constexpr std::string_view kExampleC = R"({
  "schemaType": "ModelInvocationLog",
  "schemaVersion": "1.0",
  "timestamp": "2026-03-02T09:16:44Z",
  "accountId": "123456789012",
  "identity": { "arn": "arn:aws:sts::123456789012:assumed-role/AmazonBedrockExecutionRoleForKnowledgeBase_abc12/BedrockKnowledgeBaseSession" },
  "region": "us-east-1",
  "requestId": "7d0e6c1a-2b3c-4d5e-8f90-1a2b3c4d5e6f",
  "operation": "InvokeModel",
  "modelId": "amazon.titan-embed-text-v2:0",
  "input": {
    "inputContentType": "application/json",
    "inputBodyJson": { "inputText": "How do I rotate my API key?", "dimensions": 1024, "normalize": true },
    "inputTokenCount": 9
  },
  "output": {
    "outputContentType": "application/json",
    "outputBodyJson": { "embedding": [0.0123, -0.0456, 0.0789], "inputTextTokenCount": 9 },
    "outputTokenCount": 0
  }
})";

// (d): InvokeModelWithResponseStream, application inference profile, body in S3,
// array outputBodyJson.
constexpr std::string_view kExampleD = R"({
  "schemaType": "ModelInvocationLog",
  "schemaVersion": "1.0",
  "timestamp": "2025-08-07T02:48:23Z",
  "accountId": "123456789012",
  "identity": { "arn": "arn:aws:sts::123456789012:assumed-role/github-actions-claude/GitHubActions" },
  "region": "us-east-1",
  "requestId": "c448be01-5f60-4d31-8049-000000000000",
  "operation": "InvokeModelWithResponseStream",
  "modelId": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k2j3h4g5f6d7",
  "input": {
    "inputContentType": "application/json",
    "inputBodyS3Path": "s3://my-bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2025/08/07/02/data/c448be01-..._input.json.gz",
    "inputTokenCount": 3,
    "cacheReadInputTokenCount": 0,
    "cacheWriteInputTokenCount": 28857
  },
  "output": {
    "outputContentType": "application/json",
    "outputBodyJson": [
      { "type": "message_start", "message": { "usage": { "input_tokens": 3, "cache_creation_input_tokens": 28857, "cache_read_input_tokens": 0, "output_tokens": 1 } } },
      { "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": "..." } },
      { "type": "message_delta", "delta": { "stop_reason": "end_turn" }, "usage": { "output_tokens": 142 } },
      { "type": "message_stop", "amazon-bedrock-invocationMetrics": { "inputTokenCount": 3, "outputTokenCount": 142,
        "invocationLatency": 3037, "firstByteLatency": 2635, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 28857 } }
    ],
    "outputTokenCount": 142
  },
  "inferenceRegion": "us-east-2"
})";

std::int64_t day_of(std::string_view ymd) {
  std::int64_t d = 0;
  EXPECT_TRUE(parse_day(ymd, d)) << ymd;
  return d;
}

std::int64_t ms_of(std::string_view iso) {
  std::int64_t ms = 0;
  EXPECT_TRUE(parse_iso_timestamp(iso, ms)) << iso;
  return ms;
}

struct Parsed {
  ParseOutcome outcome;
  UsageRow row;
  std::int64_t ts = 0;
  std::string region, model, user, operation, error;  // copies: the views die with the parser
};

Parsed parse(std::string_view json) {
  RecordParser parser;
  Parsed p;
  p.outcome = parser.parse_copy(json, p.row);
  p.ts = parser.timestamp_ms();
  p.region = p.row.region;
  p.model = p.row.model_id;
  p.user = p.row.user_arn;
  p.operation = p.row.operation;
  p.error = p.row.error_code;
  return p;
}

}  // namespace

TEST(RecordParser, ExampleAConverseProfileWithCache) {
  const Parsed p = parse(kExampleA);
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  EXPECT_EQ(p.row.day, day_of("2026-03-02"));
  EXPECT_EQ(p.ts, ms_of("2026-03-02T14:07:31Z"));
  EXPECT_TRUE(p.row.has_region);
  EXPECT_EQ(p.region, "us-east-1");
  EXPECT_EQ(p.model, "us.anthropic.claude-sonnet-4-20250514-v1:0");
  EXPECT_TRUE(p.row.has_user);
  EXPECT_EQ(
      p.user,
      "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/alice@example.com");
  EXPECT_EQ(p.operation, "Converse");
  EXPECT_EQ(p.error, "");
  const TokenCounts expected{
      .requests = 1, .input = 42, .output = 311, .cache_read = 0, .cache_write = 1536, .errors = 0};
  EXPECT_EQ(p.row.counts, expected);
}

TEST(RecordParser, ExampleBInvokeModelBaseId) {
  const Parsed p = parse(kExampleB);
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  EXPECT_EQ(p.row.day, day_of("2026-03-02"));
  EXPECT_EQ(p.model, "anthropic.claude-3-5-haiku-20241022-v1:0");
  EXPECT_EQ(p.user, "arn:aws:sts::123456789012:assumed-role/support-bot-lambda-role/support-bot");
  EXPECT_EQ(p.operation, "InvokeModel");
  const TokenCounts expected{.requests = 1, .input = 18, .output = 9};
  EXPECT_EQ(p.row.counts, expected);
}

TEST(RecordParser, ExampleCEmbeddings) {
  const Parsed p = parse(kExampleC);
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  EXPECT_EQ(p.model, "amazon.titan-embed-text-v2:0");
  EXPECT_EQ(p.ts, ms_of("2026-03-02T09:16:44Z"));
  const TokenCounts expected{.requests = 1, .input = 9, .output = 0};
  EXPECT_EQ(p.row.counts, expected);
}

TEST(RecordParser, ExampleDApplicationProfileStreamArrayBody) {
  const Parsed p = parse(kExampleD);
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  EXPECT_EQ(p.row.day, day_of("2025-08-07"));
  EXPECT_EQ(p.model, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k2j3h4g5f6d7");
  EXPECT_EQ(p.operation, "InvokeModelWithResponseStream");
  EXPECT_EQ(p.user, "arn:aws:sts::123456789012:assumed-role/github-actions-claude/GitHubActions");
  // The token counts inside the streamed chunks must not leak into the record's.
  const TokenCounts expected{.requests = 1, .input = 3, .output = 142, .cache_read = 0, .cache_write = 28857};
  EXPECT_EQ(p.row.counts, expected);
}

TEST(RecordParser, FieldOrderDoesNotMatter) {
  const std::string a =
      R"({"output":{"outputTokenCount":7},"modelId":"amazon.nova-lite-v1:0","input":{"cacheWriteInputTokenCount":3,)"
      R"("inputTokenCount":5,"cacheReadInputTokenCount":4},"identity":{"arn":"arn:aws:iam::1:user/u"},)"
      R"("errorCode":"ValidationException","operation":"Converse","region":"eu-central-1","timestamp":"2026-01-01T00:00:00Z"})";
  const std::string b =
      R"({"timestamp":"2026-01-01T00:00:00Z","region":"eu-central-1","operation":"Converse","errorCode":"ValidationException",)"
      R"("identity":{"arn":"arn:aws:iam::1:user/u"},"input":{"cacheReadInputTokenCount":4,"inputTokenCount":5,)"
      R"("cacheWriteInputTokenCount":3},"modelId":"amazon.nova-lite-v1:0","output":{"outputTokenCount":7}})";
  for (const auto& json : {a, b}) {
    const Parsed p = parse(json);
    ASSERT_EQ(p.outcome, ParseOutcome::kRecord) << json;
    EXPECT_EQ(p.region, "eu-central-1");
    EXPECT_EQ(p.model, "amazon.nova-lite-v1:0");
    EXPECT_EQ(p.user, "arn:aws:iam::1:user/u");
    EXPECT_EQ(p.operation, "Converse");
    EXPECT_EQ(p.error, "ValidationException");
    const TokenCounts expected{
        .requests = 1, .input = 5, .output = 7, .cache_read = 4, .cache_write = 3, .errors = 1};
    EXPECT_EQ(p.row.counts, expected);
  }
}

TEST(RecordParser, MissingFieldsAreZeroOrAbsent) {
  const Parsed p = parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"amazon.nova-pro-v1:0"})");
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  EXPECT_FALSE(p.row.has_region);
  EXPECT_FALSE(p.row.has_user);
  EXPECT_EQ(p.operation, "");
  const TokenCounts expected{.requests = 1};
  EXPECT_EQ(p.row.counts, expected);

  // Token objects without a model id still make an invocation record.
  const Parsed q =
      parse(R"({"timestamp":"2026-01-01T10:00:00Z","input":{"inputTokenCount":3},"identity":{}})");
  ASSERT_EQ(q.outcome, ParseOutcome::kRecord);
  EXPECT_EQ(q.model, "");
  EXPECT_FALSE(q.row.has_user);
  EXPECT_EQ(q.row.counts.input, 3u);

  // An empty or null errorCode is no error.
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m","errorCode":""})").row.counts.errors,
            0u);
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m","errorCode":null})").row.counts.errors,
            0u);
}

TEST(RecordParser, NonIntegerCountsAreZero) {
  const Parsed p = parse(
      R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m","input":{"inputTokenCount":"12","cacheReadInputTokenCount":1.5,)"
      R"("cacheWriteInputTokenCount":-4},"output":{"outputTokenCount":null},"region":7,"identity":{"arn":null}})");
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  const TokenCounts expected{.requests = 1};
  EXPECT_EQ(p.row.counts, expected);
  EXPECT_FALSE(p.row.has_region);  // a non-string region counts as missing
  EXPECT_FALSE(p.row.has_user);
}

TEST(RecordParser, EscapedStringsAreUnescaped) {
  const Parsed p = parse(
      R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"amazon.nova-lite-v1:0","identity":{"arn":"arn:aws:iam::1:user\/a\u0062c"}})");
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  EXPECT_EQ(p.user, "arn:aws:iam::1:user/abc");
}

TEST(RecordParser, NonJsonAndMalformedLines) {
  EXPECT_EQ(parse("Permissions are correctly set for Amazon Bedrock logs.").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse("").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse("[1,2,3]").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse("\"a string\"").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse("42").outcome, ParseOutcome::kNonJson);
  // Truncated records, unterminated strings, trailing garbage, invalid UTF-8.
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m")").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m)").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m"} x)").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m"}{})").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"m",})").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse(R"({"timestamp" "2026-01-01T10:00:00Z","modelId":"m"})").outcome, ParseOutcome::kNonJson);
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","input":{"inputTokenCount":3})").outcome,
            ParseOutcome::kNonJson);
  EXPECT_EQ(parse("{\"timestamp\":\"2026-01-01T10:00:00Z\",\"modelId\":\"\xff\xfe\"}").outcome,
            ParseOutcome::kNonJson);
}

TEST(RecordParser, JsonThatIsNotAnInvocation) {
  EXPECT_EQ(parse("{}").outcome, ParseOutcome::kNotInvocation);
  EXPECT_EQ(parse(R"({"timestamp":"2026-01-01T10:00:00Z","message":"hello","level":"info"})").outcome,
            ParseOutcome::kNotInvocation);
  EXPECT_EQ(parse(R"({"events":[],"searchedLogStreams":[]})").outcome, ParseOutcome::kNotInvocation);
}

TEST(RecordParser, BadOrMissingTimestamps) {
  const char* bad[] = {
      R"({"modelId":"m"})",
      R"({"modelId":"m","timestamp":null})",
      R"({"modelId":"m","timestamp":1772460451000})",
      R"({"modelId":"m","timestamp":""})",
      R"({"modelId":"m","timestamp":"2026-02-30T10:00:00Z"})",  // no Feb 30
      R"({"modelId":"m","timestamp":"2025-02-29T10:00:00Z"})",  // 2025 is no leap year
      R"({"modelId":"m","timestamp":"2026-03-02T24:00:00Z"})",  // hour 24
      R"({"modelId":"m","timestamp":"2026-13-02T10:00:00Z"})",
      R"({"modelId":"m","timestamp":"yesterday"})",
  };
  for (const char* json : bad) EXPECT_EQ(parse(json).outcome, ParseOutcome::kBadTimestamp) << json;
}

TEST(RecordParser, HugeBodiesAreSkipped) {
  std::string body = "[";
  for (int i = 0; i < 20000; ++i) {
    body += R"({"role":"user","content":[{"text":"lorem ipsum \"quoted\" \\ dolor","n":)" +
            std::to_string(i) + R"(,"deep":{"a":[1,2,{"b":null}]}}]},)";
  }
  body += R"({"inputTokenCount":999999}])";
  ASSERT_GT(body.size(), 1'000'000u);
  const std::string json = R"({"timestamp":"2026-01-01T10:00:00Z","input":{"inputBodyJson":{"messages":)" +
                           body + R"(},"inputTokenCount":11},"output":{"outputBodyJson":)" + body +
                           R"(,"outputTokenCount":12},"modelId":"amazon.nova-pro-v1:0"})";
  const Parsed p = parse(json);
  ASSERT_EQ(p.outcome, ParseOutcome::kRecord);
  EXPECT_EQ(p.model, "amazon.nova-pro-v1:0");
  EXPECT_EQ(p.row.counts.input, 11u);
  EXPECT_EQ(p.row.counts.output, 12u);
}

TEST(RecordParser, ParserIsReusableAcrossOutcomes) {
  RecordParser parser;
  UsageRow row;
  EXPECT_EQ(parser.parse_copy("garbage", row), ParseOutcome::kNonJson);
  EXPECT_EQ(parser.parse_copy(R"({"modelId":"m"})", row), ParseOutcome::kBadTimestamp);
  ASSERT_EQ(parser.parse_copy(kExampleB, row), ParseOutcome::kRecord);
  EXPECT_EQ(row.counts.input, 18u);
  ASSERT_EQ(parser.parse_copy(kExampleA, row), ParseOutcome::kRecord);
  EXPECT_EQ(row.counts.cache_write, 1536u);
  EXPECT_EQ(row.model_id, "us.anthropic.claude-sonnet-4-20250514-v1:0");
}

TEST(RecordParser, ParsesInPlaceInsideALargerBuffer) {
  // Two records back to back: the first is parsed with the second as padding.
  std::string buffer = R"({"timestamp":"2026-01-01T10:00:00Z","modelId":"a","input":{"inputTokenCount":1}})";
  const std::size_t first = buffer.size();
  buffer += "\n";
  buffer += R"({"timestamp":"2026-01-02T10:00:00Z","modelId":"b","input":{"inputTokenCount":2}})";
  buffer.append(record_padding(), '\0');
  RecordParser parser;
  UsageRow row;
  ASSERT_EQ(parser.parse(std::string_view(buffer.data(), first), buffer.size() - first, row),
            ParseOutcome::kRecord);
  EXPECT_EQ(row.model_id, "a");
  EXPECT_EQ(row.counts.input, 1u);
  EXPECT_EQ(row.day, day_of("2026-01-01"));
}

TEST(Timestamps, ParsesIsoForms) {
  EXPECT_EQ(ms_of("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ms_of("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(ms_of("2026-03-02T14:07:31Z"), 1772460451000);
  EXPECT_EQ(ms_of("2026-03-02T14:07:31.5Z"), 1772460451500);
  EXPECT_EQ(ms_of("2026-03-02T14:07:31.123456789Z"), 1772460451123);
  EXPECT_EQ(ms_of("2026-03-02T14:07:31.000Z"), 1772460451000);
  EXPECT_EQ(ms_of("2026-03-02T14:07:31"), 1772460451000);      // no zone: UTC
  EXPECT_EQ(ms_of("2026-03-02 14:07:31.000"), 1772460451000);  // Logs Insights style
  EXPECT_EQ(ms_of("2026-03-02T16:07:31+02:00"), 1772460451000);
  EXPECT_EQ(ms_of("2026-03-02T09:37:31-0430"), 1772460451000);
  EXPECT_EQ(ms_of("2026-03-02T14:07:31+00:00"), 1772460451000);
  EXPECT_EQ(ms_of("2026-03-03T00:30:00+01:00"), ms_of("2026-03-02T23:30:00Z"));
  EXPECT_EQ(ms_of("2024-02-29T00:00:00Z"), 1709164800000);  // leap day
  EXPECT_EQ(ms_of("2000-02-29T12:00:00Z"), 951825600000);   // divisible by 400
  EXPECT_EQ(ms_of("1969-12-31T23:59:59Z"), -1000);
}

TEST(Timestamps, RejectsInvalidText) {
  const char* bad[] = {"",
                       "2026-03-02",
                       "2026-03-02T14:07",
                       "2026-3-02T14:07:31Z",
                       "2026-03-02T14:07:31ZZ",
                       "2026-03-02T14:07:31.Z",
                       "2026-03-02T14:07:31+2",
                       "2026-03-02T14:07:31+24:00",
                       "2026-03-02T14:60:00Z",
                       "2026-03-02T14:07:60Z",
                       "2026-03-02T24:00:00Z",
                       "2026-02-29T00:00:00Z",
                       "1900-02-29T00:00:00Z",
                       "2026-04-31T00:00:00Z",
                       "2026-00-10T00:00:00Z",
                       "2026-01-00T00:00:00Z",
                       "2026-03-02X14:07:31Z",
                       "２０２６-03-02T14:07:31Z",
                       "2026-03-02T14:07:31 Z",
                       "+026-03-02T14:07:31Z"};
  for (const char* text : bad) {
    std::int64_t ms = 0;
    EXPECT_FALSE(parse_iso_timestamp(text, ms)) << text;
  }
}

TEST(Days, RoundTripAndFloor) {
  EXPECT_EQ(day_of_epoch_ms(0), 0);
  EXPECT_EQ(day_of_epoch_ms(86'399'999), 0);
  EXPECT_EQ(day_of_epoch_ms(86'400'000), 1);
  EXPECT_EQ(day_of_epoch_ms(-1), -1);
  EXPECT_EQ(format_day(0), "1970-01-01");
  EXPECT_EQ(format_day(-1), "1969-12-31");
  EXPECT_EQ(format_day(day_of("2026-03-02")), "2026-03-02");
  EXPECT_EQ(day_of("2026-03-02"), 20514);
  // Every day of four centuries survives format -> parse.
  for (std::int64_t d = day_of("1899-12-25"); d < day_of("2300-01-05"); ++d) {
    std::int64_t back = 0;
    ASSERT_TRUE(parse_day(format_day(d), back)) << d;
    ASSERT_EQ(back, d);
  }
  std::int64_t d = 0;
  EXPECT_FALSE(parse_day("2026-03-02T00:00:00Z", d));
  EXPECT_FALSE(parse_day("2026-02-30", d));
}

TEST(RecordParser, EveryTruncationIsRejected) {
  // Each strict prefix of a record (a line cut short) is not a record; the
  // parser must say so without reading past the text and its padding.
  RecordParser parser;
  UsageRow row;
  for (const std::string_view example : {kExampleA, kExampleD}) {
    for (std::size_t n = 0; n < example.size(); ++n) {
      ASSERT_EQ(parser.parse_copy(example.substr(0, n), row), ParseOutcome::kNonJson) << example.substr(0, n);
    }
    ASSERT_EQ(parser.parse_copy(example, row), ParseOutcome::kRecord);
  }
}
