// Hardening of the OAuth client: HTTPS-only authorization-server URLs, the
// loopback redirect listener (ports, state, idle connections), clamped token
// lifetimes, and private storage directories.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>

#include "mcp/auth/oauth_http.hpp"
#include "mcp/auth/oauth_token.hpp"
#include "mcp/client/loopback_receiver.hpp"
#include "mcp/client/oauth_provider.hpp"
#include "mcp/client/token_store.hpp"
#include "mcp/util/crypto.hpp"
#include "oauth_test_support.hpp"

// ensure_private_dir lives in the CLI, which the unit tests do not link.
#include "config_paths.hpp"

namespace mcp {
namespace {

using client::Challenge;
using client::OAuthOptions;
using client::OAuthProvider;
using testing::FakeOAuthWorld;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kPrmUrl = "https://mcp.test/.well-known/oauth-protected-resource/mcp";

Challenge challenge_401(std::string_view resource_metadata = kPrmUrl) {
  Challenge c;
  c.status = 401;
  c.headers =
      testing::challenge_headers("Bearer resource_metadata=\"" + std::string(resource_metadata) + "\"");
  c.url = "https://mcp.test/mcp";
  return c;
}

OAuthOptions headless() {
  OAuthOptions o;
  o.mode = client::LoginMode::kHeadless;
  o.redirect_uri = "http://localhost:3000/callback";
  return o;
}

// Requests to any URL starting with `prefix`.
std::size_t requests_to(const FakeOAuthWorld& world, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& r : world.requests) n += r.url.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

// ---- HTTPS for every authorization-server URL ----

TEST(OauthHttps, EndpointUrlsMustBeHttpsOrLoopback) {
  using auth::oauth::check_endpoint_url;
  for (const char* ok :
       {"https://as.test/token", "https://as.test/authorize?tenant=1", "http://localhost:3/t",
        "http://127.0.0.1/t", "http://[::1]:8/t", "HTTPS://AS.test"}) {
    EXPECT_TRUE(check_endpoint_url(ok, "token endpoint")) << ok;
  }
  for (const char* bad :
       {"http://as.test/token", "http://localhost.evil.test/t", "http://127.0.0.1.evil.test/",
        "ftp://as.test/t", "https://as.test/t#frag", "https://as.test/a b", "https://as.test/t\tx",
        "https://as.test/t\r\nX-Injected: 1", "", "as.test/token"}) {
    EXPECT_FALSE(check_endpoint_url(bad, "token endpoint")) << bad;
  }
  const auto insecure = check_endpoint_url("http://as.test/token", "token endpoint");
  ASSERT_FALSE(insecure);
  EXPECT_NE(insecure.error().find("token endpoint URL \"http://as.test/token\""), std::string::npos);
  EXPECT_NE(insecure.error().find("https"), std::string::npos);
  // The message shows control characters escaped, never raw.
  const auto control = check_endpoint_url("https://as.test/\x1b[2J\x9b", "token endpoint");
  ASSERT_FALSE(control);
  EXPECT_EQ(control.error().find('\x1b'), std::string::npos);
  EXPECT_EQ(control.error().find('\x9b'), std::string::npos);
  EXPECT_NE(control.error().find("%1B[2J%9B"), std::string::npos) << control.error();
}

TEST(OauthHttps, PlainHttpEndpointsAreNeverContacted) {
  const std::pair<const char*, const char*> cases[] = {
      {"authorization_endpoint", "http://as.test/authorize"},
      {"token_endpoint", "http://as.test/token"},
      {"registration_endpoint", "http://as.test/register"},
      {"authorization_endpoint", "https://as.test/authorize\r\nX: y"},
  };
  for (const auto& [field, url] : cases) {
    FakeOAuthWorld world;
    world.metadata[field] = url;
    OAuthProvider p(world.mcp_url, headless(), std::ref(world));
    auto out = p.on_challenge(challenge_401());
    ASSERT_FALSE(out) << field;
    EXPECT_NE(out.error().find(auth::oauth::sanitize_url(url)), std::string::npos) << out.error();
    EXPECT_EQ(requests_to(world, "http://as.test"), 0u) << field;
    // Nothing was sent to the token endpoint with a code either.
    if (std::string(field) != "token_endpoint") {
      EXPECT_EQ(world.count("https://as.test/token"), 0u);
    }
  }
}

TEST(OauthHttps, DiscoveryRefusesPlainHttpMetadataAndIssuers) {
  {
    FakeOAuthWorld world;
    OAuthProvider p(world.mcp_url, headless(), std::ref(world));
    auto out = p.on_challenge(challenge_401("http://mcp.test/.well-known/oauth-protected-resource/mcp"));
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().find("resource_metadata URL \"http://mcp.test/"), std::string::npos) << out.error();
    EXPECT_TRUE(world.requests.empty());
  }
  {
    FakeOAuthWorld world;
    world.prm["authorization_servers"] = {"http://as.test"};
    OAuthProvider p(world.mcp_url, headless(), std::ref(world));
    auto out = p.on_challenge(challenge_401());
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().find("authorization server URL \"http://as.test\""), std::string::npos)
        << out.error();
    EXPECT_EQ(requests_to(world, "http://as.test"), 0u);
  }
}

TEST(OauthHttps, LogoutDoesNotRevokeAtAPlainHttpEndpoint) {
  FakeOAuthWorld world;
  world.metadata["revocation_endpoint"] = "http://as.test/revoke";
  OAuthProvider p(world.mcp_url, headless(), std::ref(world));
  ASSERT_TRUE(p.on_challenge(challenge_401()));
  auto out = p.logout();
  ASSERT_TRUE(out) << out.error();
  EXPECT_NE(out->find("could not revoke"), std::string::npos) << *out;
  EXPECT_EQ(requests_to(world, "http://as.test"), 0u);
}

// ---- the loopback redirect listener ----

// A listening socket on `address` (127.0.0.1 or ::1); port 0 picks one.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener(int family, const char* address) {
    fd = ::socket(family, SOCK_STREAM, 0);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
      sa->sin_family = AF_INET;
      ::inet_pton(AF_INET, address, &sa->sin_addr);
      len = sizeof(sockaddr_in);
    } else {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
      sa->sin6_family = AF_INET6;
      ::inet_pton(AF_INET6, address, &sa->sin6_addr);
      len = sizeof(sockaddr_in6);
    }
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 4) != 0) return;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                   : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  ~Listener() {
    if (fd >= 0) ::close(fd);
  }
};

TEST(OauthLoopback, LocalhostRefusesAPortTakenOnEitherAddress) {
  {
    Listener other(AF_INET, "127.0.0.1");
    ASSERT_GT(other.port, 0);
    auto receiver =
        client::LoopbackReceiver::listen("http://localhost:" + std::to_string(other.port) + "/cb");
    ASSERT_FALSE(receiver) << "listened on ::1 only while another program holds 127.0.0.1";
    EXPECT_NE(receiver.error().find("port " + std::to_string(other.port)), std::string::npos)
        << receiver.error();
    EXPECT_NE(receiver.error().find("in use"), std::string::npos) << receiver.error();
  }
  Listener other6(AF_INET6, "::1");
  if (other6.port == 0) GTEST_SKIP() << "no IPv6 loopback here";
  Listener probe(AF_INET, "127.0.0.1");  // only to learn that the port is free on IPv4
  auto receiver = client::LoopbackReceiver::listen("http://localhost:" + std::to_string(other6.port) + "/cb");
  ASSERT_FALSE(receiver) << "listened on 127.0.0.1 only while another program holds ::1";
  EXPECT_NE(receiver.error().find(std::to_string(other6.port)), std::string::npos) << receiver.error();
}

util::Expected<std::string, std::string> code_of(std::string_view url) {
  const auto at = url.find("code=");
  return std::string(url.substr(at + 5, url.find('&', at) - at - 5));
}

TEST(OauthLoopback, AnotherStateIsAnswered400AndTheLoginKeepsWaiting) {
  auto receiver = client::LoopbackReceiver::listen("http://127.0.0.1:0/cb");
  ASSERT_TRUE(receiver) << receiver.error();
  const int port = (*receiver)->port();
  auto browser = std::async(std::launch::async, [port] {
    return std::vector<std::string>{
        testing::loopback_get(port, "/cb?code=forged&state=attacker"),
        testing::loopback_get(port, "/cb?error=access_denied"),
        testing::loopback_get(port, "/cb?code=twice&state=expected-state&state=expected-state"),
        testing::loopback_get(port, "/cb?code=real&state=expected-state")};
  });
  int reads = 0;
  auto result = (*receiver)->wait(SteadyClock::now() + std::chrono::seconds(10), nullptr, "expected-state",
                                  [&](std::string_view url) {
                                    ++reads;
                                    return code_of(url);
                                  });
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(*result, "real");
  EXPECT_EQ(reads, 1);
  const auto pages = browser.get();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pages[i].rfind("HTTP/1.1 400", 0), 0u) << pages[i];
  EXPECT_EQ(pages[3].rfind("HTTP/1.1 200", 0), 0u) << pages[3];
}

TEST(OauthLoopback, IdleConnectionsNeitherStallTheRedirectNorStayOpen) {
  auto receiver = client::LoopbackReceiver::listen("http://127.0.0.1:0/cb");
  ASSERT_TRUE(receiver) << receiver.error();
  const int port = (*receiver)->port();
  // Idle connections (a browser's spare ones, or a local program's) come first.
  std::vector<int> idle(3);
  for (int& fd : idle) fd = testing::loopback_connect(port);
  const std::string partial = "GET /cb?code=x";
  ::send(idle[0], partial.data(), partial.size(), 0);
  const auto start = SteadyClock::now();
  auto browser =
      std::async(std::launch::async, [port] { return testing::loopback_get(port, "/cb?code=real&state=s"); });
  auto result = (*receiver)->wait(SteadyClock::now() + std::chrono::seconds(20), nullptr, "s", code_of);
  const auto took = SteadyClock::now() - start;
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(*result, "real");
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  browser.get();
  for (const int fd : idle) ::close(fd);

  // While the login waits, a connection without a request is dropped after
  // about LoopbackReceiver::kRequestTimeout.
  const int lingering = testing::loopback_connect(port);
  ASSERT_GE(lingering, 0);
  const timeval limit{8, 0};
  ::setsockopt(lingering, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  auto closed_after = std::async(std::launch::async, [lingering] {
    const auto from = SteadyClock::now();
    char c = 0;
    const auto n = ::recv(lingering, &c, 1, 0);
    return std::make_pair(n, SteadyClock::now() - from);
  });
  auto timed_out = (*receiver)->wait(SteadyClock::now() + std::chrono::seconds(4), nullptr, "s", code_of);
  EXPECT_FALSE(timed_out);
  const auto [n, after] = closed_after.get();
  ::close(lingering);
  EXPECT_EQ(n, 0);  // closed by the receiver, not our receive timeout
  EXPECT_GE(after, std::chrono::milliseconds(1500));
  EXPECT_LT(after, std::chrono::milliseconds(3500));
}

// ---- token lifetimes ----

TEST(OauthLifetime, ExpiresInIsClampedWithoutOverflow) {
  const auto max = auth::oauth::kMaxTokenLifetime;
  EXPECT_EQ(max, std::chrono::seconds(315'569'520));  // ten years
  FakeOAuthWorld world;
  auth::oauth::OAuthHttp http{std::ref(world), std::chrono::milliseconds(1000), nullptr};
  const std::pair<Json, std::optional<std::chrono::seconds>> cases[] = {
      {Json(3600), std::chrono::seconds(3600)},
      {Json(1e300), max},
      {Json(-1e300), std::chrono::seconds(0)},
      {Json(9.3e18), max},
      {Json(std::numeric_limits<std::uint64_t>::max()), max},
      {Json(std::numeric_limits<std::int64_t>::min()), std::chrono::seconds(0)},
      {Json(-5), std::chrono::seconds(0)},
      {Json(max.count() + 1), max},
      {Json("99999999999999999999999"), max},
      {Json("-99999999999999999999999"), std::chrono::seconds(0)},
      {Json(" 60 "), std::chrono::seconds(60)},
      {Json("soon"), std::nullopt},
  };
  for (const auto& item : cases) {
    const Json& value = item.first;
    const auto& expected = item.second;
    world.routes["https://as.test/token"] = [&value](const auto&) {
      return FakeOAuthWorld::json(Json{{"access_token", "A"}, {"expires_in", value}});
    };
    auto out = auth::oauth::request_token(http, "https://as.test/token", {}, {"c"});
    ASSERT_TRUE(out) << out.error();
    EXPECT_EQ(out->expires_in, expected) << value.dump();
  }
}

TEST(OauthLifetime, AnAbsurdLifetimeStillYieldsAUsableToken) {
  FakeOAuthWorld world;
  world.routes["https://as.test/token"] = [](const auto&) {
    return FakeOAuthWorld::json(Json{{"access_token", "A"}, {"expires_in", 1e300}});
  };
  OAuthProvider p(world.mcp_url, headless(), std::ref(world));
  ASSERT_TRUE(p.on_challenge(challenge_401()));
  EXPECT_EQ(p.authorization().value_or(""), "Bearer A");
  const auto expires = p.status().expires_at;
  ASSERT_TRUE(expires);
  EXPECT_GT(*expires, std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 9));
  EXPECT_LE(*expires, std::chrono::system_clock::now() + auth::oauth::kMaxTokenLifetime);
}

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("oauth-hardening-" + util::to_hex(util::random_bytes(6)));
  TempDir() { std::filesystem::create_directory(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST(OauthLifetime, AStoredExpiryIsClamped) {
  TempDir dir;
  ::chmod(dir.path.c_str(), 0700);
  client::TokenStore store(dir.path);
  const auto now = std::chrono::system_clock::now();
  const std::pair<Json, bool> cases[] = {
      // value, whether it clamps to the upper bound (else to the epoch)
      {Json(std::numeric_limits<std::int64_t>::max()), true},
      {Json(std::numeric_limits<std::uint64_t>::max()), true},
      {Json(std::numeric_limits<std::int64_t>::min()), false},
      {Json(-1), false},
  };
  for (const auto& [value, upper] : cases) {
    client::StoredTokens t;
    t.mcp_url = "https://mcp.test/mcp";
    t.access_token = "A";
    ASSERT_TRUE(store.save_tokens(t));
    const auto path = store.tokens_path(t.mcp_url);
    std::ifstream in(path);
    Json doc = Json::parse(in);
    in.close();
    doc["expires_at"] = value;
    std::ofstream(path) << doc.dump();
    auto loaded = store.load_tokens(t.mcp_url);
    ASSERT_TRUE(loaded && *loaded && (*loaded)->expires_at) << value.dump();
    const auto at = *(*loaded)->expires_at;
    if (upper) {
      EXPECT_GT(at, now + std::chrono::hours(24 * 365 * 9)) << value.dump();
      EXPECT_LE(at, std::chrono::system_clock::now() + auth::oauth::kMaxTokenLifetime) << value.dump();
    } else {
      EXPECT_EQ(at, std::chrono::system_clock::time_point{}) << value.dump();
    }
  }
}

// ---- private directories ----

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

// A directory of ours that someone else owns: needs root to arrange.
bool give_away(const std::filesystem::path& p) {
  return ::geteuid() == 0 && ::chown(p.c_str(), 65534, 65534) == 0;
}

TEST(OauthPrivateDir, TheTokenStoreRefusesADirectoryOthersCanWrite) {
  TempDir dir;
  ::chmod(dir.path.c_str(), 0700);
  client::StoredTokens t;
  t.mcp_url = "https://mcp.test/mcp";
  t.access_token = "A";
  client::TokenStore store(dir.path);
  ASSERT_TRUE(store.save_tokens(t));
  ASSERT_TRUE(store.save_registration({"https://as.test", "http://localhost:1/cb", "id", "", "none"}));

  ::chmod(dir.path.c_str(), 0777);
  auto loaded = store.load_tokens(t.mcp_url);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("writable by group or others"), std::string::npos) << loaded.error();
  EXPECT_FALSE(store.load_registration("https://as.test", "http://localhost:1/cb"));
  auto saved = store.save_tokens(t);
  ASSERT_FALSE(saved);
  EXPECT_NE(saved.error().find(dir.path.string()), std::string::npos);

  ::chmod(dir.path.c_str(), 0700);
  ASSERT_TRUE(store.load_tokens(t.mcp_url));
  // A token file another user could have written is not read.
  ::chmod(store.tokens_path(t.mcp_url).c_str(), 0666);
  EXPECT_FALSE(*store.load_tokens(t.mcp_url));

  if (!give_away(dir.path)) GTEST_SKIP() << "needs root to create a directory owned by someone else";
  auto foreign = client::check_private_dir(dir.path);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().find("belongs to another user"), std::string::npos) << foreign.error();
  EXPECT_FALSE(store.save_tokens(t));
}

TEST(OauthPrivateDir, EnsurePrivateDirRefusesDirectoriesOthersControl) {
  TempDir dir;
  const auto fresh = dir.path / "new" / "oauth";
  EXPECT_FALSE(mcp_cli::ensure_private_dir(fresh));
  EXPECT_EQ(mode_of(fresh), 0700u);

  // Ours and only readable by others: tightened, as before.
  ::chmod(fresh.c_str(), 0755);
  EXPECT_FALSE(mcp_cli::ensure_private_dir(fresh));
  EXPECT_EQ(mode_of(fresh), 0700u);

  // Writable by others: refused, and left as found for the user to inspect.
  ::chmod(fresh.c_str(), 0777);
  const auto problem = mcp_cli::ensure_private_dir(fresh);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("writable by group or others"), std::string::npos) << *problem;
  EXPECT_NE(problem->find(fresh.string()), std::string::npos);
  EXPECT_EQ(mode_of(fresh), 0777u);

  ::chmod(fresh.c_str(), 0700);
  if (!give_away(fresh)) GTEST_SKIP() << "needs root to create a directory owned by someone else";
  const auto foreign = mcp_cli::ensure_private_dir(fresh);
  ASSERT_TRUE(foreign);
  EXPECT_NE(foreign->find("belongs to another user"), std::string::npos) << *foreign;
}

}  // namespace
}  // namespace mcp
