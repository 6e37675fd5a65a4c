#include "mcp/util/sealed_box.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <stdexcept>

#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::util {

namespace {

constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
// Domain separation from other uses of the same secret (e.g. session ids).
constexpr std::string_view kSalt = "mcp-sealed-box-v1";

std::string hkdf_sha256(std::string_view secret, std::string_view info) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf != nullptr ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  if (ctx == nullptr) throw std::runtime_error("HKDF unavailable");
  std::string key(kKeySize, '\0');
  char digest[] = "SHA256";
  std::string ikm(secret);
  std::string salt(kSalt);
  std::string info_copy(info);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_copy.data(), info_copy.size()),
      OSSL_PARAM_construct_end()};
  const int ok = EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(key.data()), key.size(), params);
  EVP_KDF_CTX_free(ctx);
  OPENSSL_cleanse(ikm.data(), ikm.size());
  if (ok != 1) throw std::runtime_error("HKDF failed");
  return key;
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace

struct SealedBox::Impl {
  std::string key;
  std::string aad;  // the purpose, authenticated as well as mixed into the key
  EVP_CIPHER* cipher = nullptr;

  ~Impl() {
    OPENSSL_cleanse(key.data(), key.size());
    EVP_CIPHER_free(cipher);
  }
};

SealedBox::SealedBox(std::string_view secret, std::string_view purpose) : impl_(std::make_unique<Impl>()) {
  const std::string random = secret.empty() ? random_bytes(kKeySize) : std::string();
  impl_->key = hkdf_sha256(secret.empty() ? std::string_view(random) : secret, purpose);
  impl_->aad = std::string(purpose);
  impl_->cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (impl_->cipher == nullptr) throw std::runtime_error("AES-256-GCM unavailable");
}

SealedBox::~SealedBox() = default;

std::string SealedBox::seal(std::string_view plaintext) const {
  std::string out = random_bytes(kNonceSize);
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  CipherCtx c;
  int len = 0;
  int total = 0;
  if (c.ctx == nullptr ||
      EVP_EncryptInit_ex2(c.ctx, impl_->cipher, bytes(impl_->key),
                          bytes(std::string_view(out).substr(0, kNonceSize)), nullptr) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &len, bytes(impl_->aad), static_cast<int>(impl_->aad.size())) != 1 ||
      EVP_EncryptUpdate(c.ctx, bytes(out) + kNonceSize, &len, bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1) {
    throw std::runtime_error("AES-GCM encrypt failed");
  }
  total = len;
  if (EVP_EncryptFinal_ex(c.ctx, bytes(out) + kNonceSize + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          bytes(out) + kNonceSize + plaintext.size()) != 1) {
    throw std::runtime_error("AES-GCM encrypt failed");
  }
  return base64url_encode(out);
}

std::optional<std::string> SealedBox::open(std::string_view sealed) const {
  auto raw = base64url_decode(sealed);
  if (!raw || raw->size() < kNonceSize + kTagSize) return std::nullopt;
  const std::string_view data(*raw);
  const auto nonce = data.substr(0, kNonceSize);
  const auto body = data.substr(kNonceSize, data.size() - kNonceSize - kTagSize);
  std::string tag(data.substr(data.size() - kTagSize));
  std::string out(body.size(), '\0');
  CipherCtx c;
  int len = 0;
  if (c.ctx == nullptr ||
      EVP_DecryptInit_ex2(c.ctx, impl_->cipher, bytes(impl_->key), bytes(nonce), nullptr) != 1 ||
      EVP_DecryptUpdate(c.ctx, nullptr, &len, bytes(impl_->aad), static_cast<int>(impl_->aad.size())) != 1 ||
      EVP_DecryptUpdate(c.ctx, bytes(out), &len, bytes(body), static_cast<int>(body.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), bytes(tag)) != 1 ||
      EVP_DecryptFinal_ex(c.ctx, bytes(out) + len, &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

}  // namespace mcp::util
