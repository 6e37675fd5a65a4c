#include "mcp/util/sealed_box.hpp"

#include <gtest/gtest.h>

#include "mcp/util/base64.hpp"

using mcp::util::SealedBox;

TEST(SealedBox, RoundTripsAndUsesFreshNonces) {
  SealedBox box("secret", "purpose");
  for (std::string text :
       {std::string(), std::string("x"), std::string(1000, 'a'), std::string("\0\xff\x01", 3)}) {
    const auto sealed = box.seal(text);
    EXPECT_EQ(box.open(sealed), text);
  }
  EXPECT_NE(box.seal("same"), box.seal("same"));
  // base64url(12-byte nonce || ciphertext || 16-byte tag)
  EXPECT_EQ(mcp::util::base64url_decode(box.seal("abcd"))->size(), 12u + 4u + 16u);
}

TEST(SealedBox, KeysDependOnSecretAndPurpose) {
  SealedBox box("secret", "purpose");
  const auto sealed = box.seal("hello");
  EXPECT_EQ(SealedBox("secret", "purpose").open(sealed), "hello");  // another instance, same secret
  EXPECT_FALSE(SealedBox("secret", "other purpose").open(sealed));
  EXPECT_FALSE(SealedBox("other secret", "purpose").open(sealed));
}

TEST(SealedBox, EmptySecretIsRandomPerInstance) {
  SealedBox a("", "p");
  SealedBox b("", "p");
  EXPECT_EQ(a.open(a.seal("x")), "x");
  EXPECT_FALSE(b.open(a.seal("x")));
}

TEST(SealedBox, RejectsAnyTamper) {
  SealedBox box("secret", "purpose");
  const auto raw = *mcp::util::base64url_decode(box.seal("the payload"));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto bad = raw;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(box.open(mcp::util::base64url_encode(bad))) << "byte " << i;
  }
  EXPECT_FALSE(box.open(mcp::util::base64url_encode(raw.substr(0, raw.size() - 1))));
  EXPECT_FALSE(box.open(mcp::util::base64url_encode(raw + "x")));
  EXPECT_FALSE(box.open(mcp::util::base64url_encode(raw.substr(0, 27))));  // shorter than nonce + tag
  EXPECT_FALSE(box.open(""));
  EXPECT_FALSE(box.open("not base64url!"));
}
