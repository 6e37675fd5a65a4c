// Token storage (0700 directory, 0600 files, per-URL and per-issuer keys)
// and the loopback redirect receiver on a real socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <sstream>

#include "mcp/client/loopback_receiver.hpp"
#include "mcp/client/oauth_provider.hpp"
#include "mcp/client/token_store.hpp"
#include "mcp/util/crypto.hpp"
#include "oauth_test_support.hpp"

namespace mcp {
namespace {

using client::StoredTokens;
using client::TokenStore;

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("oauth-test-" + util::to_hex(util::random_bytes(6)));
  ~TempDir() { std::filesystem::remove_all(path); }
};

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(OauthStore, WritesPrivateFilesAndReadsThemBack) {
  TempDir dir;
  TokenStore store(dir.path / "nested");
  StoredTokens t;
  t.mcp_url = "https://mcp.test/mcp";
  t.access_token = "access-secret";
  t.refresh_token = "refresh-secret";
  t.expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'900'000'000));
  t.issuer = "https://as.test";
  ASSERT_TRUE(store.save_tokens(t));
  const auto file = store.tokens_path(t.mcp_url);
  EXPECT_EQ(file.filename().string().rfind("tokens-", 0), 0u);
  EXPECT_EQ(mode_of(dir.path / "nested"), 0700u);
  EXPECT_EQ(mode_of(file), 0600u);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("https://mcp.test/mcp"), std::string::npos);
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path / "nested"), {}), 1);

  auto loaded = store.load_tokens(t.mcp_url);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->refresh_token, "refresh-secret");
  EXPECT_EQ((*loaded)->expires_at, t.expires_at);
  EXPECT_FALSE(*store.load_tokens("http://other.test/mcp"));
  EXPECT_TRUE(*store.remove_tokens(t.mcp_url));
  EXPECT_FALSE(*store.remove_tokens(t.mcp_url));
  EXPECT_FALSE(*store.load_tokens(t.mcp_url));
}

TEST(OauthStore, RegistrationsAreKeyedByIssuerAndRedirectUri) {
  TempDir dir;
  for (TokenStore store : {TokenStore(dir.path), TokenStore({})}) {
    ASSERT_TRUE(
        store.save_registration({"http://as1", "http://localhost:1/cb", "id1", "s1", "client_secret_post"}));
    const auto r = store.load_registration("http://as1", "http://localhost:1/cb");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->client_secret, "s1");
    EXPECT_FALSE(store.load_registration("http://as2", "http://localhost:1/cb"));
    EXPECT_FALSE(store.load_registration("http://as1", "http://localhost:2/cb"));
  }
  EXPECT_EQ(mode_of(TokenStore(dir.path).registration_path("http://as1")), 0600u);
}

TEST(OauthStore, ANewProviderReusesStoredTokensAndRegistration) {
  TempDir dir;
  testing::FakeOAuthWorld world;
  client::OAuthOptions o;
  o.mode = client::LoginMode::kHeadless;
  o.store_dir = dir.path;
  {
    client::OAuthProvider p(world.mcp_url, o, std::ref(world));
    ASSERT_TRUE(p.login());
  }
  client::OAuthProvider again(world.mcp_url, o, std::ref(world));
  EXPECT_EQ(again.authorization().value_or(""), "Bearer at-1");
  EXPECT_TRUE(again.status().refreshable);
  ASSERT_TRUE(again.login());
  EXPECT_EQ(world.count("https://as.test/register"), 1u);
  EXPECT_EQ(again.authorization().value_or(""), "Bearer at-2");
}

TEST(OauthLoopback, AnswersOtherPathsWith404AndReturnsTheCallback) {
  auto receiver = client::LoopbackReceiver::listen("http://127.0.0.1:0/callback");
  ASSERT_TRUE(receiver) << receiver.error();
  const int port = (*receiver)->port();
  ASSERT_GT(port, 0);
  auto browser = std::async(std::launch::async, [port] {
    const auto favicon = testing::loopback_get(port, "/favicon.ico");
    const auto callback = testing::loopback_get(port, "/callback?code=abc&state=s");
    return std::make_pair(favicon, callback);
  });
  std::string seen;
  auto result = (*receiver)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(10), nullptr, "s",
                                  [&](std::string_view url) -> util::Expected<std::string, std::string> {
                                    seen = std::string(url);
                                    return std::string("abc");
                                  });
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(*result, "abc");
  EXPECT_EQ(seen, "http://127.0.0.1:" + std::to_string(port) + "/callback?code=abc&state=s");
  const auto [favicon, callback] = browser.get();
  EXPECT_EQ(favicon.rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(callback.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(callback.find("Login complete"), std::string::npos);
}

TEST(OauthLoopback, ShowsErrorsEscapedAndStopsOnCancelOrTimeout) {
  auto receiver = client::LoopbackReceiver::listen("http://127.0.0.1:0/cb");
  ASSERT_TRUE(receiver);
  const int port = (*receiver)->port();
  auto browser =
      std::async(std::launch::async, [port] { return testing::loopback_get(port, "/cb?error=x&state=s"); });
  auto result = (*receiver)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(10), nullptr, "s",
                                  [](std::string_view) -> util::Expected<std::string, std::string> {
                                    return util::unexpected(std::string("refused <script>"));
                                  });
  EXPECT_FALSE(result);
  const auto page = browser.get();
  EXPECT_NE(page.find("refused &lt;script&gt;"), std::string::npos);

  std::atomic<bool> cancel{true};
  auto cancelled =
      (*receiver)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(10), &cancel, "s",
                        [](std::string_view) { return util::Expected<std::string, std::string>("x"); });
  ASSERT_FALSE(cancelled);
  EXPECT_NE(cancelled.error().find("cancelled"), std::string::npos);
  auto timed_out =
      (*receiver)->wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(150), nullptr, "s",
                        [](std::string_view) { return util::Expected<std::string, std::string>("x"); });
  EXPECT_FALSE(timed_out);
  EXPECT_FALSE(client::LoopbackReceiver::listen("http://example.com:8000/cb"));
  EXPECT_FALSE(client::LoopbackReceiver::listen("https://localhost:8000/cb"));
}

}  // namespace
}  // namespace mcp
