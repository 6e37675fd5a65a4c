#include "aws/credentials.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "aws/timestamp.hpp"
#include "aws_test_support.hpp"

namespace aws {
namespace {

using testing::env_of;
using testing::FakeTransport;
using testing::header;
using testing::iso_in;
using testing::reply;
using testing::TempDir;

using namespace std::chrono_literals;

std::string sts_answer(const std::string& action, const std::string& key, const std::string& expiration) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><AccessKeyId>" + key +
         "</AccessKeyId><SecretAccessKey>secret&amp;1</SecretAccessKey><SessionToken>token-" + key +
         "</SessionToken><Expiration>" + expiration +
         "</Expiration></Credentials><AssumedRoleUser><Arn>x</Arn>"
         "</AssumedRoleUser></" +
         action + "Result></" + action + "Response>";
}

std::string endpoint_json(const std::string& key, const std::string& expiration) {
  return R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":"s","Token":"t","Expiration":")" + expiration +
         R"("})";
}

struct Chain {
  TempDir home;
  FakeTransport fake;
  std::map<std::string, std::string> vars;
  std::chrono::seconds margin{300};
  std::chrono::milliseconds process_timeout{5000};

  void config(const std::string& text) { home.write(".aws/config", text); }
  void credentials(const std::string& text) { home.write(".aws/credentials", text); }
  std::shared_ptr<CredentialsProvider> make() {
    ChainOptions o;
    o.env = env_of(vars);
    o.transport = fake.transport();
    o.home_dir = home.path();
    o.refresh_margin = margin;
    o.imds_timeout = 200ms;
    o.process_timeout = process_timeout;
    return default_chain(std::move(o));
  }
  CredentialsResult get() { return make()->get(CallContext{}); }
};

TEST(AwsCredentials, EnvironmentBeatsProfiles) {
  Chain c;
  c.credentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = FILESECRET\n");
  c.vars = {
      {"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"}, {"AWS_SESSION_TOKEN", "TOK"}};
  auto provider = c.make();
  auto r = provider->get(CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "AKIDENV");
  EXPECT_EQ(r->session_token, "TOK");
  EXPECT_EQ(provider->source(), "environment");
}

TEST(AwsCredentials, HalfSetEnvironmentIsAnError) {
  Chain c;
  c.vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}};
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCredentials);
  EXPECT_NE(r.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(AwsCredentials, ProfileSelectionAndFilePrecedence) {
  Chain c;
  c.config(
      "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = S1\n"
      "[profile prod]\naws_access_key_id = AKIDPRODCONFIG\naws_secret_access_key = S2\n"
      "[profile only-config]\naws_access_key_id = AKIDONLY\naws_secret_access_key = S3\n");
  c.credentials(
      "[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = S4\n"
      "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = S5\n");
  auto r = c.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "AKIDCREDS");  // the credentials file beats the config file
  c.vars["AWS_PROFILE"] = "prod";
  r = c.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->access_key_id, "AKIDPROD");
  c.vars["AWS_PROFILE"] = "only-config";
  r = c.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->access_key_id, "AKIDONLY");
}

TEST(AwsCredentials, FileLocationsFromTheEnvironment) {
  Chain c;
  const std::string creds =
      c.home.write("elsewhere/creds", "[default]\naws_access_key_id=AKIDX\naws_secret_access_key=S\n");
  c.vars = {{"AWS_SHARED_CREDENTIALS_FILE", creds}};
  auto r = c.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "AKIDX");
}

TEST(AwsCredentials, UnknownExplicitProfileIsAnError) {
  Chain c;
  c.credentials("[default]\naws_access_key_id = AKID\naws_secret_access_key = S\n");
  c.vars = {{"AWS_PROFILE", "nope"}};
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("AWS_PROFILE=nope"), std::string::npos);
  EXPECT_EQ(c.fake.count(), 0u);  // no fall-through to the network providers
}

TEST(AwsCredentials, SsoProfileExplainsTheWorkaround) {
  Chain c;
  c.config("[profile corp]\nsso_session = corp\nsso_account_id = 1\n");
  c.vars = {{"AWS_PROFILE", "corp"}};
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("export-credentials"), std::string::npos);
}

// --- credential_process -------------------------------------------------

TEST(AwsCredentials, CredentialProcessSuccess) {
  Chain c;
  const std::string exp = iso_in(3600s);
  const std::string script = c.home.write(
      "creds.sh",
      "#!/bin/sh\necho 'some noise' >&2\ncat <<'EOF'\n{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
      "\"SecretAccessKey\": \"PS\", \"SessionToken\": \"PT\", \"Expiration\": \"" +
          exp + "\"}\nEOF\n",
      true);
  c.config("[default]\ncredential_process = " + script + " --flag\n");
  auto provider = c.make();
  auto r = provider->get(CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "AKIDPROC");
  EXPECT_EQ(r->session_token, "PT");
  EXPECT_EQ(r->expiration, *parse_iso8601(exp));
  EXPECT_EQ(provider->source(), "profile default (credential_process)");
}

TEST(AwsCredentials, CredentialProcessFailureShowsStderr) {
  Chain c;
  const std::string script = c.home.write(
      "fail.sh",
      "#!/bin/sh\necho '{\"leak\":\"SECRET\"}'\necho 'token expired, run login' >&2\necho more >&2\nexit 3\n",
      true);
  c.config("[default]\ncredential_process = " + script + "\n");
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCredentials);
  EXPECT_NE(r.error().message.find("status 3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("token expired, run login"), std::string::npos);
  EXPECT_EQ(r.error().message.find("more"), std::string::npos);
  EXPECT_EQ(r.error().message.find("SECRET"), std::string::npos);
}

TEST(AwsCredentials, CredentialProcessBadOutput) {
  Chain c;
  c.config("[default]\ncredential_process = echo 'AccessKeyId=SECRETISH'\n");
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a JSON object"), std::string::npos);
  EXPECT_EQ(r.error().message.find("SECRETISH"), std::string::npos);

  c.config(
      "[default]\ncredential_process = echo "
      "'{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"B\"}'\n");
  r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("Version"), std::string::npos);
}

TEST(AwsCredentials, CredentialProcessTimeoutKillsIt) {
  Chain c;
  c.process_timeout = 200ms;
  c.config("[default]\ncredential_process = sleep 5; echo late\n");
  const auto start = std::chrono::steady_clock::now();
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("did not finish"), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);  // not the whole sleep
}

// --- assume role ----------------------------------------------------------

TEST(AwsCredentials, RoleProfileAssumesWithSourceProfile) {
  Chain c;
  c.config(
      "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = base\n"
      "external_id = ext-1\nrole_session_name = me@corp\nduration_seconds = 1800\n"
      "[profile base]\nregion = eu-west-1\n");
  c.credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = BASESECRET\n");
  c.vars = {{"AWS_PROFILE", "reader"}, {"AWS_REGION", "us-west-2"}};
  const std::string exp = iso_in(3600s);
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    return reply(200, sts_answer("AssumeRole", "ASIAROLE", exp));
  };
  auto provider = c.make();
  auto r = provider->get(CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "ASIAROLE");
  EXPECT_EQ(r->secret_access_key, "secret&1");  // entities decoded
  EXPECT_EQ(r->session_token, "token-ASIAROLE");
  EXPECT_EQ(provider->source(), "profile reader (assume role arn:aws:iam::123456789012:role/reader)");

  const auto requests = c.fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& q = requests[0];
  EXPECT_EQ(q.method, "POST");
  EXPECT_EQ(q.url, "https://sts.us-west-2.amazonaws.com");
  EXPECT_EQ(header(q, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(header(q, "Host"), "sts.us-west-2.amazonaws.com");
  const std::string auth = header(q, "Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDBASE/", 0), 0u) << auth;
  EXPECT_NE(auth.find("/us-west-2/sts/aws4_request"), std::string::npos);
  EXPECT_NE(auth.find("SignedHeaders=content-type;host;x-amz-date"), std::string::npos);
  EXPECT_FALSE(header(q, "X-Amz-Date").empty());
  EXPECT_EQ(q.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Freader"
            "&RoleSessionName=me%40corp&DurationSeconds=1800&ExternalId=ext-1");
}

TEST(AwsCredentials, RoleChainsAreFollowed) {
  Chain c;
  c.config(
      "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = middle\n"
      "[profile middle]\nrole_arn = arn:aws:iam::1:role/middle\nsource_profile = bottom\n"
      "[profile bottom]\naws_access_key_id = AKIDBOTTOM\naws_secret_access_key = S\n");
  c.vars = {{"AWS_PROFILE", "top"}};
  const std::string exp = iso_in(3600s);
  c.fake.handler = [&](const mcp::http::ClientRequest& q) {
    const bool middle = q.body.find("role%2Fmiddle") != std::string::npos;
    return reply(200, sts_answer("AssumeRole", middle ? "ASIAMIDDLE" : "ASIATOP", exp));
  };
  auto r = c.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "ASIATOP");
  const auto requests = c.fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "https://sts.amazonaws.com");  // no region: the global endpoint
  EXPECT_NE(header(requests[0], "Authorization").find("Credential=AKIDBOTTOM/"), std::string::npos);
  EXPECT_NE(header(requests[1], "Authorization").find("Credential=ASIAMIDDLE/"), std::string::npos);
  EXPECT_EQ(header(requests[1], "X-Amz-Security-Token"), "token-ASIAMIDDLE");
}

TEST(AwsCredentials, RoleCyclesAreReported) {
  Chain c;
  c.config(
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
  c.vars = {{"AWS_PROFILE", "a"}};
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("a -> b -> a"), std::string::npos) << r.error().message;
  EXPECT_EQ(c.fake.count(), 0u);
}

TEST(AwsCredentials, RoleWithItsOwnKeys) {
  Chain c;
  c.credentials(
      "[self]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = self\naws_access_key_id = AKIDSELF\n"
      "aws_secret_access_key = S\n");
  c.vars = {{"AWS_PROFILE", "self"}};
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    return reply(200, sts_answer("AssumeRole", "ASIAX", iso_in(3600s)));
  };
  auto r = c.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(header(c.fake.requests().at(0), "Authorization").find("Credential=AKIDSELF/"), std::string::npos);
}

TEST(AwsCredentials, RoleFromContainerCredentialSource) {
  Chain c;
  c.config("[profile r]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n");
  c.vars = {{"AWS_PROFILE", "r"}, {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}};
  c.fake.handler = [&](const mcp::http::ClientRequest& q) {
    if (q.url.starts_with("http://169.254.170.2/"))
      return reply(200, endpoint_json("ASIATASK", iso_in(3600s)));
    return reply(200, sts_answer("AssumeRole", "ASIAR", iso_in(3600s)));
  };
  auto r = c.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "ASIAR");
  ASSERT_EQ(c.fake.count(), 2u);
  EXPECT_NE(header(c.fake.requests()[1], "Authorization").find("Credential=ASIATASK/"), std::string::npos);

  c.config("[profile r]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Somewhere\n");
  r = c.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
}

TEST(AwsCredentials, StsErrorsAreMapped) {
  Chain c;
  c.config(
      "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
      "[profile base]\naws_access_key_id = AKID\naws_secret_access_key = S\n");
  c.vars = {{"AWS_PROFILE", "r"}};
  c.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(
        403,
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:x is not "
        "authorized to perform: sts:AssumeRole &amp; more</Message></Error><RequestId>1</RequestId>"
        "</ErrorResponse>");
  };
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kAccessDenied);
  EXPECT_EQ(r.error().code, "AccessDenied");
  EXPECT_NE(r.error().message.find("is not authorized to perform: sts:AssumeRole & more"), std::string::npos);
  EXPECT_EQ(c.fake.count(), 1u);  // not retried
}

TEST(AwsCredentials, AssumeRoleProviderCachesAndSigns) {
  FakeTransport fake;
  int calls = 0;
  fake.handler = [&](const mcp::http::ClientRequest&) {
    ++calls;
    return reply(200, sts_answer("AssumeRole", "ASIA" + std::to_string(calls), iso_in(3600s)));
  };
  AssumeRoleOptions o;
  o.role_arn = "arn:aws:iam::210987654321:role/usage-reader";
  o.region = "eu-central-1";
  o.env = env_of({{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566"}});
  o.transport = fake.transport();
  auto provider = assume_role(static_provider(Credentials{"AKIDSRC", "S", ""}), o);
  auto a = provider->get(CallContext{});
  auto b = provider->get(CallContext{});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->access_key_id, "ASIA1");
  EXPECT_EQ(b->access_key_id, "ASIA1");
  ASSERT_EQ(fake.count(), 1u);
  const auto q = fake.requests()[0];
  EXPECT_EQ(q.url, "http://127.0.0.1:4566");
  EXPECT_EQ(header(q, "Host"), "127.0.0.1:4566");
  EXPECT_NE(header(q, "Authorization").find("/eu-central-1/sts/aws4_request"), std::string::npos);
  EXPECT_NE(q.body.find("RoleSessionName=bedrock-usage-mcp&DurationSeconds=3600"), std::string::npos);
  provider->invalidate();
  auto c = provider->get(CallContext{});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIA2");
}

// --- web identity -----------------------------------------------------------

TEST(AwsCredentials, WebIdentityRereadsTheTokenFile) {
  Chain c;
  const std::string token_file = c.home.write("token", "tok-one\n");
  c.vars = {{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
            {"AWS_ROLE_ARN", "arn:aws:iam::1:role/web"},
            {"AWS_ROLE_SESSION_NAME", "ci"},
            {"AWS_REGION", "us-east-2"}};
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    return reply(200, sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB", iso_in(3600s)));
  };
  auto provider = c.make();
  auto r = provider->get(CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "ASIAWEB");
  c.home.write("token", "tok-two");
  provider->invalidate();
  ASSERT_TRUE(provider->get(CallContext{}));
  const auto requests = c.fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "https://sts.us-east-2.amazonaws.com");
  EXPECT_TRUE(header(requests[0], "Authorization").empty());  // unsigned
  EXPECT_EQ(requests[0].body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fweb"
            "&RoleSessionName=ci&DurationSeconds=3600&WebIdentityToken=tok-one");
  EXPECT_NE(requests[1].body.find("WebIdentityToken=tok-two"), std::string::npos);
}

TEST(AwsCredentials, WebIdentityMissingTokenFile) {
  Chain c;
  c.vars = {{"AWS_WEB_IDENTITY_TOKEN_FILE", c.home.path() + "/missing"},
            {"AWS_ROLE_ARN", "arn:aws:iam::1:role/web"}};
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("web identity token file"), std::string::npos);
  EXPECT_EQ(c.fake.count(), 0u);
}

TEST(AwsCredentials, WebIdentityFromProfile) {
  Chain c;
  const std::string token_file = c.home.write("token", "jwt");
  c.config("[default]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = " + token_file + "\n");
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    return reply(200, sts_answer("AssumeRoleWithWebIdentity", "ASIAW", iso_in(3600s)));
  };
  auto r = c.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(c.fake.requests().at(0).body.find("WebIdentityToken=jwt"), std::string::npos);
}

// --- container --------------------------------------------------------------

TEST(AwsCredentials, ContainerRelativeUri) {
  Chain c;
  c.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/uuid"}};
  const std::string exp = iso_in(3600s);
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    return reply(200, endpoint_json("ASIAECS", exp));
  };
  auto provider = c.make();
  auto r = provider->get(CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "ASIAECS");
  EXPECT_EQ(r->session_token, "t");
  EXPECT_EQ(provider->source(), "container");
  const auto q = c.fake.requests().at(0);
  EXPECT_EQ(q.method, "GET");
  EXPECT_EQ(q.url, "http://169.254.170.2/v2/credentials/uuid");
  EXPECT_TRUE(header(q, "Authorization").empty());
}

TEST(AwsCredentials, ContainerFullUriWithTokens) {
  Chain c;
  c.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8123/creds"},
            {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-env"}};
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    return reply(200, endpoint_json("ASIAF", iso_in(3600s)));
  };
  ASSERT_TRUE(c.get());
  EXPECT_EQ(header(c.fake.requests().at(0), "Authorization"), "from-env");
  EXPECT_EQ(c.fake.requests().at(0).url, "http://127.0.0.1:8123/creds");

  // The token file wins over the variable and is read again on each fetch.
  const std::string file = c.home.write("eks-token", "file-one\n");
  c.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = file;
  auto provider = c.make();
  ASSERT_TRUE(provider->get(CallContext{}));
  c.home.write("eks-token", "file-two");
  provider->invalidate();
  ASSERT_TRUE(provider->get(CallContext{}));
  const auto requests = c.fake.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(header(requests[1], "Authorization"), "file-one");
  EXPECT_EQ(header(requests[2], "Authorization"), "file-two");
}

TEST(AwsCredentials, ContainerHostsAreVetted) {
  for (const std::string ok :
       {"http://127.0.0.2:80/x", "http://localhost/x", "http://[::1]:9/x",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/x", "https://creds.example.com/x"}) {
    Chain c;
    c.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ok}};
    c.fake.handler = [&](const mcp::http::ClientRequest&) {
      return reply(200, endpoint_json("A", iso_in(3600s)));
    };
    EXPECT_TRUE(c.get()) << ok;
  }
  for (const std::string bad : {"http://example.com/creds", "http://10.0.0.1/x",
                                "http://127.0.0.1.evil.com/x", "http://169.254.169.254/latest"}) {
    Chain c;
    c.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", bad}};
    auto r = c.get();
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    EXPECT_NE(r.error().message.find("not allowed"), std::string::npos);
    EXPECT_EQ(c.fake.count(), 0u);
  }
}

TEST(AwsCredentials, ContainerTokenWithLineBreakIsRefused) {
  Chain c;
  c.vars = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/x"},
            {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1"}};
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line break"), std::string::npos);
  EXPECT_EQ(r.error().message.find("abc"), std::string::npos);
  EXPECT_EQ(c.fake.count(), 0u);
}

TEST(AwsCredentials, ContainerErrorAnswer) {
  Chain c;
  c.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x"}};
  c.fake.handler = [](const mcp::http::ClientRequest&) {
    return reply(400, R"({"Code":"InvalidToken","Message":"the token is not valid"})");
  };
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("HTTP 400 InvalidToken: the token is not valid"), std::string::npos)
      << r.error().message;
}

// --- IMDS ---------------------------------------------------------------------

TEST(AwsCredentials, ImdsV2) {
  Chain c;
  c.vars = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/"}};
  c.fake.handler = [&](const mcp::http::ClientRequest& q) {
    if (q.url.ends_with("/latest/api/token")) return reply(200, "SESSIONTOKEN");
    if (q.url.ends_with("/security-credentials/")) return reply(200, "my-role\n");
    return reply(200, R"({"Code":"Success","LastUpdated":"2026-01-01T00:00:00Z","Type":"AWS-HMAC",)"
                      R"("AccessKeyId":"ASIAEC2","SecretAccessKey":"s","Token":"t","Expiration":")" +
                          iso_in(6h) + "\"}");
  };
  auto provider = c.make();
  auto r = provider->get(CallContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->access_key_id, "ASIAEC2");
  EXPECT_EQ(provider->source(), "EC2 instance metadata");
  const auto requests = c.fake.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:1338/latest/api/token");
  EXPECT_EQ(header(requests[0], "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:1338/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(header(requests[1], "X-aws-ec2-metadata-token"), "SESSIONTOKEN");
  EXPECT_EQ(requests[2].url, "http://127.0.0.1:1338/latest/meta-data/iam/security-credentials/my-role");
  EXPECT_EQ(header(requests[2], "X-aws-ec2-metadata-token"), "SESSIONTOKEN");
  EXPECT_LE(requests[0].timeout, 200ms);
}

TEST(AwsCredentials, ImdsWithoutRole) {
  Chain c;
  c.fake.handler = [&](const mcp::http::ClientRequest& q) {
    if (q.url.ends_with("/latest/api/token")) return reply(200, "T");
    return reply(404, "Not Found");
  };
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no IAM role"), std::string::npos);
}

TEST(AwsCredentials, NothingFoundListsWhereItLooked) {
  Chain c;  // IMDS: the fake transport refuses connections
  auto r = c.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCredentials);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("No AWS credentials"), std::string::npos) << m;
  EXPECT_NE(m.find("AWS_PROFILE"), std::string::npos);
  EXPECT_NE(m.find("profile default"), std::string::npos);
  EXPECT_NE(m.find("EC2 instance metadata (connect to 127.0.0.1:9 failed"), std::string::npos) << m;
  EXPECT_EQ(c.fake.count(), 1u);  // the token PUT only

  Chain disabled;
  disabled.vars = {{"AWS_EC2_METADATA_DISABLED", "TRUE"}};
  r = disabled.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("AWS_EC2_METADATA_DISABLED"), std::string::npos);
  EXPECT_EQ(disabled.fake.count(), 0u);
}

// --- caching ------------------------------------------------------------------

TEST(AwsCredentials, CachesUntilTheRefreshMargin) {
  Chain c;
  c.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x"}};
  int n = 0;
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    ++n;
    return reply(200, endpoint_json("ASIA" + std::to_string(n), iso_in(3600s)));
  };
  auto provider = c.make();  // margin 5 min: an hour is plenty
  ASSERT_TRUE(provider->get(CallContext{}));
  auto again = provider->get(CallContext{});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->access_key_id, "ASIA1");
  EXPECT_EQ(c.fake.count(), 1u);

  c.margin = 2h;  // inside the margin: every get refreshes
  auto eager = c.make();
  ASSERT_TRUE(eager->get(CallContext{}));
  auto refreshed = eager->get(CallContext{});
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->access_key_id, "ASIA3");
}

TEST(AwsCredentials, KeepsUnexpiredCredentialsWhenRefreshFails) {
  Chain c;
  c.margin = 2h;
  c.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x"}};
  bool up = true;
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    return up ? reply(200, endpoint_json("ASIAOLD", iso_in(3600s))) : reply(500, "{}");
  };
  auto provider = c.make();
  ASSERT_TRUE(provider->get(CallContext{}));
  up = false;
  auto kept = provider->get(CallContext{});
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->access_key_id, "ASIAOLD");
  provider->invalidate();  // dropped: nothing left to fall back on
  EXPECT_FALSE(provider->get(CallContext{}));

  // Expired credentials are not kept.
  Chain d;
  d.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x"}};
  bool first = true;
  d.fake.handler = [&](const mcp::http::ClientRequest&) {
    if (!first) return reply(500, "{}");
    first = false;
    return reply(200, endpoint_json("ASIAGONE", iso_in(-60s)));
  };
  auto p = d.make();
  ASSERT_TRUE(p->get(CallContext{}));
  EXPECT_FALSE(p->get(CallContext{}));
}

TEST(AwsCredentials, OneFetchAtATime) {
  Chain c;
  c.vars = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x"}};
  std::atomic<int> active{0};
  std::atomic<int> most{0};
  c.fake.handler = [&](const mcp::http::ClientRequest&) {
    const int now = ++active;
    most = std::max(most.load(), now);
    std::this_thread::sleep_for(30ms);
    --active;
    return reply(200, endpoint_json("ASIA", iso_in(3600s)));
  };
  auto provider = c.make();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (provider->get(CallContext{})) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(most, 1);
  EXPECT_EQ(c.fake.count(), 1u);  // the waiters used the first fetch
}

TEST(AwsCredentials, StaticProvider) {
  auto p = static_provider(Credentials{"AKID", "S", "T"});
  auto r = p->get(CallContext{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->session_token, "T");
  EXPECT_EQ(p->source(), "static");
}

}  // namespace
}  // namespace aws
