#include <gtest/gtest.h>

#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"
#include "mcp/util/percent_encoding.hpp"
#include "mcp/util/strings.hpp"

using namespace mcp::util;

TEST(Base64, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(base64_decode(base64_encode(data)), data);
    EXPECT_EQ(base64url_decode(base64url_encode(data)), data);
    data += static_cast<char>(i * 37);
  }
}

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode("Hello"), "SGVsbG8=");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64_decode("SGVsbG8="), "Hello");
  EXPECT_EQ(base64_decode("SGVsbG8"), "Hello");  // padding optional
}

TEST(Base64, RejectsGarbage) {
  EXPECT_FALSE(base64_decode("SGV!bG8="));
  EXPECT_FALSE(base64url_decode("abc+"));   // '+' is not in the url alphabet
  EXPECT_FALSE(base64_decode("A"));         // impossible length
  EXPECT_FALSE(base64_decode("SGVsbG9="));  // non-zero trailing bits
}

TEST(Crypto, HmacMatchesRfc4231Case2) {
  const auto d = HmacSha256::sign("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  HmacSha256 keyed("Jefe");
  EXPECT_EQ(keyed.sign("what do ya want for nothing?"), d);
}

TEST(Crypto, Sha256AndCompare) {
  const auto d = sha256("abc");
  EXPECT_EQ(to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_EQ(random_bytes(16).size(), 16u);
  EXPECT_NE(random_bytes(16), random_bytes(16));
}

TEST(PercentEncoding, EncodesAllButUnreserved) {
  // The SigV4 and OAuth form rules: upper-case hex, '/' only in paths.
  EXPECT_EQ(percent_encode("a b/\xE1\x88\xB4~-_.", true), "a%20b/%E1%88%B4~-_.");
  EXPECT_EQ(percent_encode("a/b=c"), "a%2Fb%3Dc");
  EXPECT_EQ(percent_decode("a%2Fb+c", true), "a/b c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%E1%88%b4", false), "\xE1\x88\xB4");
  EXPECT_FALSE(percent_decode("bad%2", false));
  EXPECT_FALSE(percent_decode("bad%zz", true));
}

TEST(Strings, ToLower) {
  EXPECT_EQ(to_lower("Content-Type: X-AMZ"), "content-type: x-amz");
}

TEST(Strings, Helpers) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_EQ(trim("  a b \t"), "a b");
  const auto parts = split_trimmed(" a, b ,,c ", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2], "c");
  EXPECT_EQ(split_list(" mcp:read  mcp:write ", ' '), (std::vector<std::string>{"mcp:read", "mcp:write"}));
  EXPECT_EQ(join({"mcp:read", "mcp:write"}, ' '), "mcp:read mcp:write");
  EXPECT_EQ(join({}, ' '), "");
}
