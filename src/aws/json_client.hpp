#pragma once
// Calls to AWS JSON-protocol services (awsJson1_1: CloudWatch Logs, Cost
// Explorer): sign with SigV4, send, retry throttling and 5xx with exponential
// backoff and full jitter within the caller's deadline, refresh credentials
// once on ExpiredToken, and map AWS error documents to aws::Error.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/error.hpp"
#include "aws/rate_limiter.hpp"
#include "aws/transport.hpp"
#include "mcp/util/expected.hpp"

namespace aws {

class Jitter;

struct ServiceInfo {
  std::string service_id;    // SDK service id for AWS_ENDPOINT_URL_<ID>: "CloudWatch Logs", "Cost Explorer"
  std::string signing_name;  // "logs", "ce"
  std::string endpoint_prefix;  // host prefix: "logs" -> https://logs.<region>.amazonaws.com
  std::string target_prefix;    // X-Amz-Target prefix: "Logs_20140328", "AWSInsightsIndexService"
  // Global services (Cost Explorer) sign for us-east-1 at one endpoint.
  bool global = false;
};
ServiceInfo cloudwatch_logs_service();
ServiceInfo cost_explorer_service();

struct RetryPolicy {
  int max_attempts = 8;  // including the first
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{20000};
  std::chrono::milliseconds attempt_timeout{30000};  // one HTTP exchange, bounded by the deadline too
};

struct JsonClientOptions {
  ServiceInfo service;
  std::string region;
  EnvLookup env;  // endpoint overrides
  Transport transport;
  std::shared_ptr<CredentialsProvider> credentials;
  RetryPolicy retry;
  std::shared_ptr<RateLimiter> limiter;  // optional: shared by all callers of one account/region API
  std::size_t max_response_bytes = std::size_t{16} << 20;  // FilterLogEvents pages are <= 1 MB
};

using CallResult = mcp::util::Expected<std::string, Error>;

class JsonClient {
 public:
  explicit JsonClient(JsonClientOptions options);
  // Thread-safe. `operation` is e.g. "FilterLogEvents"; `body` the JSON
  // request. Returns the response body of a 2xx answer.
  CallResult call(std::string_view operation, const std::string& body, const CallContext& call) const;
  // The URL requests go to (an AWS_ENDPOINT_URL[_<SERVICE>] override, or
  // the service's regional / global endpoint); empty when neither is known.
  const std::string& endpoint() const { return endpoint_; }
  const std::string& region() const { return options_.region; }
  const std::string& signing_region() const { return signing_region_; }
  const ServiceInfo& service() const { return options_.service; }

 private:
  JsonClientOptions options_;
  std::string endpoint_;
  std::string signing_region_;
  std::shared_ptr<Jitter> jitter_;
};

// Parses an AWS JSON error answer (`__type` or x-amzn-ErrorType, `message` or
// `Message`) into an Error with a readable message naming what to fix.
// `operation` ("FilterLogEvents") lets an access-denied message name the
// missing IAM permission ("logs:FilterLogEvents").
Error error_from_response(int status, const mcp::http::Headers& headers, std::string_view body,
                          std::string_view service_id, std::string_view operation = {});

// "ThrottlingException" from "com.amazonaws.logs#ThrottlingException:http://…".
std::string sanitize_error_code(std::string_view raw);

}  // namespace aws
