// SigV4 against every case of AWS's signing test suite (awslabs/aws-c-auth
// tests/aws-signing-test-suite/v4, Apache-2.0, copied with its README and
// LICENSE into tests/data/aws-sigv4-test-suite).
#include "aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace aws {
namespace {

namespace fs = std::filesystem;
fs::path suite_dir() {
  return fs::path(MCP_TEST_DATA_DIR) / "aws-sigv4-test-suite";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// request.txt: "METHOD target HTTP/1.1", headers (continuation lines start
// with whitespace), a blank line, the body.
SigningRequest parse_request(const std::string& text) {
  SigningRequest r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  r.method = line.substr(0, line.find(' '));
  const std::string target = line.substr(r.method.size() + 1, line.rfind(" HTTP/") - r.method.size() - 1);
  const auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  while (std::getline(in, line) && !line.empty()) {
    if ((line.front() == ' ' || line.front() == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    const auto colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream body;
  body << in.rdbuf();
  r.body = body.str();
  return r;
}

struct Case {
  SigningRequest request;
  Credentials credentials;
  SigningParams params;
};

Case load(const fs::path& dir) {
  const auto ctx = nlohmann::json::parse(read(dir / "context.json"));
  Case c;
  c.request = parse_request(read(dir / "request.txt"));
  const auto& cred = ctx["credentials"];
  c.credentials = {cred["access_key_id"], cred["secret_access_key"], cred.value("token", "")};
  c.params.region = ctx["region"];
  c.params.service = ctx["service"];
  c.params.normalize_path = ctx.value("normalize", true);
  c.params.sign_body = ctx.value("sign_body", false);
  c.params.omit_session_token = ctx.value("omit_session_token", false);
  c.params.expires = std::chrono::seconds(ctx.value("expiration_in_seconds", 3600));
  std::tm tm{};
  std::istringstream ts(ctx["timestamp"].get<std::string>());
  ts >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  c.params.time = std::chrono::system_clock::from_time_t(timegm(&tm));
  return c;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(suite_dir())) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AwsSigV4, SuiteIsPresent) {
  EXPECT_GE(case_names().size(), 38u);
}

class SigV4Suite : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, HeaderSigning) {
  const fs::path dir = suite_dir() / GetParam();
  Case c = load(dir);
  const Signature sig = sign_headers(c.request, c.credentials, c.params);
  EXPECT_EQ(sig.canonical_request, read(dir / "header-canonical-request.txt"));
  EXPECT_EQ(sig.string_to_sign, read(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(sig.signature, read(dir / "header-signature.txt"));
  // The Authorization header of the signed request.
  const std::string signed_request = read(dir / "header-signed-request.txt");
  EXPECT_NE(signed_request.find("Authorization:" + sig.authorization), std::string::npos) << signed_request;
}

TEST_P(SigV4Suite, QuerySigning) {
  const fs::path dir = suite_dir() / GetParam();
  if (!fs::exists(dir / "query-signature.txt")) GTEST_SKIP() << "no query form for this case";
  Case c = load(dir);
  const Signature sig = sign_query(c.request, c.credentials, c.params);
  EXPECT_EQ(sig.canonical_request, read(dir / "query-canonical-request.txt"));
  EXPECT_EQ(sig.string_to_sign, read(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(sig.signature, read(dir / "query-signature.txt"));
  EXPECT_NE(c.request.query.find("X-Amz-Signature=" + sig.signature), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4Suite, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace aws
