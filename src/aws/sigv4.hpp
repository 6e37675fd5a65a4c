#pragma once
// AWS Signature Version 4 (HMAC-SHA256), by hand rather than libcurl's
// CURLOPT_AWS_SIGV4 (whose 7.x canonicalisation has bugs): the Authorization
// header form for API calls, and the query form for presigned URLs. Checked
// against AWS's own test suite (tests/data/aws-sigv4-test-suite).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When temporary credentials stop working; the epoch (default) for none.
  std::chrono::system_clock::time_point expiration{};
};

struct SigningParams {
  std::string region;
  std::string service;  // signing name: logs, ce, sts, ...
  std::chrono::system_clock::time_point time;
  bool normalize_path = true;          // false only for S3-style services
  bool sign_body = false;              // add and sign x-amz-content-sha256
  bool omit_session_token = false;     // add the token after signing (some services want it unsigned)
  std::chrono::seconds expires{3600};  // query signing only
};

// A request as it will be sent. `path` and `query` are as on the request
// line (query without '?'); header names keep their case.
struct SigningRequest {
  std::string method;
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The intermediate results, for debugging and the test vectors.
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // header form only
};

// Adds X-Amz-Date, X-Amz-Security-Token (when there is one),
// X-Amz-Content-Sha256 (sign_body) and Authorization to `request`.
Signature sign_headers(SigningRequest& request, const Credentials& credentials, const SigningParams& params);

// Appends the X-Amz-* parameters and X-Amz-Signature to `request.query`.
Signature sign_query(SigningRequest& request, const Credentials& credentials, const SigningParams& params);

}  // namespace aws
