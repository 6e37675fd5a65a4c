#include "mcp/client/token_store.hpp"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

#include "mcp/auth/oauth_token.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::client {

namespace {

using Json = nlohmann::json;

std::string key_hash(std::string_view text) {
  const auto d = util::sha256(text);
  return util::to_hex(std::string(reinterpret_cast<const char*>(d.data()), d.size())).substr(0, 16);
}

std::string errno_text() {
  return std::strerror(errno);
}

// The file's content; nullopt when absent, or when it is not a regular file
// of ours that only we can write (a planted file reads as absent).
std::optional<std::string> read_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// A stored expiry as a time_point: a corrupt or planted value is clamped to
// [the epoch, now + kMaxTokenLifetime] instead of overflowing.
std::chrono::system_clock::time_point expiry_from(const Json& value) {
  using std::chrono::seconds;
  const std::int64_t now =
      std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t max = now + auth::oauth::kMaxTokenLifetime.count();
  std::int64_t s = 0;
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    s = v > static_cast<std::uint64_t>(max) ? max : static_cast<std::int64_t>(v);
  } else {
    s = value.get<std::int64_t>();
  }
  return std::chrono::system_clock::time_point(seconds(std::clamp<std::int64_t>(s, 0, max)));
}

std::string str(const Json& doc, const char* name) {
  const auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Json to_json(const StoredTokens& t) {
  Json doc = {{"mcp_url", t.mcp_url},
              {"access_token", t.access_token},
              {"refresh_token", t.refresh_token},
              {"id_token", t.id_token},
              {"scope", t.scope},
              {"requested_scope", t.requested_scope},
              {"issuer", t.issuer},
              {"token_endpoint", t.token_endpoint},
              {"revocation_endpoint", t.revocation_endpoint},
              {"resource", t.resource},
              {"client_id", t.client_id},
              {"client_secret", t.client_secret},
              {"auth_method", t.auth_method}};
  if (t.expires_at) {
    doc["expires_at"] =
        std::chrono::duration_cast<std::chrono::seconds>(t.expires_at->time_since_epoch()).count();
  }
  return doc;
}

StoredTokens tokens_from_json(const Json& doc) {
  StoredTokens t;
  t.mcp_url = str(doc, "mcp_url");
  t.access_token = str(doc, "access_token");
  t.refresh_token = str(doc, "refresh_token");
  t.id_token = str(doc, "id_token");
  t.scope = str(doc, "scope");
  t.requested_scope = str(doc, "requested_scope");
  t.issuer = str(doc, "issuer");
  t.token_endpoint = str(doc, "token_endpoint");
  t.revocation_endpoint = str(doc, "revocation_endpoint");
  t.resource = str(doc, "resource");
  t.client_id = str(doc, "client_id");
  t.client_secret = str(doc, "client_secret");
  t.auth_method = str(doc, "auth_method");
  if (const auto it = doc.find("expires_at"); it != doc.end() && it->is_number_integer()) {
    t.expires_at = expiry_from(*it);
  }
  return t;
}

}  // namespace

Done check_private_dir(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::monostate{};
    return util::unexpected(fmt::format("cannot inspect {}: {}", dir.string(), errno_text()));
  }
  if (!S_ISDIR(st.st_mode)) return util::unexpected(fmt::format("{} is not a directory", dir.string()));
  if (st.st_uid != ::geteuid()) {
    return util::unexpected(fmt::format("{} belongs to another user (uid {}); refusing to keep tokens there",
                                        dir.string(), st.st_uid));
  }
  if ((st.st_mode & 022) != 0) {
    return util::unexpected(
        fmt::format("{} is writable by group or others (mode {:o}); refusing to keep tokens there: check its "
                    "contents, then chmod 700 it",
                    dir.string(), st.st_mode & 07777));
  }
  return std::monostate{};
}

TokenStore::TokenStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path TokenStore::tokens_path(std::string_view mcp_url) const {
  return dir_ / ("tokens-" + key_hash(mcp_url) + ".json");
}

std::filesystem::path TokenStore::registration_path(std::string_view issuer) const {
  return dir_ / ("client-" + key_hash(issuer) + ".json");
}

Done TokenStore::write_private(const std::filesystem::path& path, const std::string& content) {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) {
    std::filesystem::create_directories(dir_.parent_path().empty() ? "." : dir_.parent_path(), ec);
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
      return util::unexpected(fmt::format("cannot create {}: {}", dir_.string(), errno_text()));
    }
  }
  if (auto ok = check_private_dir(dir_); !ok) return ok;
  // The temporary file is created 0600 and exclusively, so the secret is
  // never readable by others, not even between write and rename.
  const auto tmp = path.string() + ".tmp-" + util::to_hex(util::random_bytes(6));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return util::unexpected(fmt::format("cannot create {}: {}", tmp, errno_text()));
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return util::unexpected(fmt::format("cannot write {}: {}", tmp, why));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const auto why = errno_text();
    ::unlink(tmp.c_str());
    return util::unexpected(fmt::format("cannot write {}: {}", tmp, why));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const auto why = errno_text();
    ::unlink(tmp.c_str());
    return util::unexpected(fmt::format("cannot replace {}: {}", path.string(), why));
  }
  return std::monostate{};
}

util::Expected<std::optional<StoredTokens>, std::string> TokenStore::load_tokens(
    std::string_view mcp_url) const {
  if (dir_.empty()) {
    const auto it = memory_tokens_.find(mcp_url);
    if (it == memory_tokens_.end()) return std::optional<StoredTokens>();
    return std::optional<StoredTokens>(it->second);
  }
  if (auto ok = check_private_dir(dir_); !ok) return util::unexpected(std::move(ok.error()));
  const auto path = tokens_path(mcp_url);
  const auto text = read_file(path);
  if (!text) return std::optional<StoredTokens>();
  const Json doc = Json::parse(*text, nullptr, false);
  if (!doc.is_object())
    return util::unexpected(fmt::format("{} is not valid JSON; delete it", path.string()));
  auto tokens = tokens_from_json(doc);
  // A hash collision (or a copied file) must not hand one server's token to another.
  if (tokens.mcp_url != mcp_url) return std::optional<StoredTokens>();
  return std::optional<StoredTokens>(std::move(tokens));
}

Done TokenStore::save_tokens(const StoredTokens& tokens) {
  if (dir_.empty()) {
    memory_tokens_[tokens.mcp_url] = tokens;
    return std::monostate{};
  }
  return write_private(tokens_path(tokens.mcp_url), to_json(tokens).dump(2) + "\n");
}

util::Expected<bool, std::string> TokenStore::remove_tokens(std::string_view mcp_url) {
  if (dir_.empty()) {
    const auto it = memory_tokens_.find(mcp_url);
    if (it == memory_tokens_.end()) return false;
    memory_tokens_.erase(it);
    return true;
  }
  const auto path = tokens_path(mcp_url);
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return util::unexpected(fmt::format("cannot delete {}: {}", path.string(), errno_text()));
}

std::optional<StoredRegistration> TokenStore::load_registration(std::string_view issuer,
                                                                std::string_view redirect_uri) const {
  std::optional<StoredRegistration> out;
  if (dir_.empty()) {
    const auto it = memory_registrations_.find(issuer);
    if (it != memory_registrations_.end()) out = it->second;
  } else if (!check_private_dir(dir_)) {
    return std::nullopt;  // write_private reports the directory when registering anew
  } else if (const auto text = read_file(registration_path(issuer))) {
    const Json doc = Json::parse(*text, nullptr, false);
    if (doc.is_object()) {
      out = StoredRegistration{str(doc, "issuer"), str(doc, "redirect_uri"), str(doc, "client_id"),
                               str(doc, "client_secret"), str(doc, "auth_method")};
    }
  }
  if (out && (out->issuer != issuer || out->redirect_uri != redirect_uri || out->client_id.empty())) {
    return std::nullopt;
  }
  return out;
}

Done TokenStore::save_registration(const StoredRegistration& r) {
  if (dir_.empty()) {
    memory_registrations_[r.issuer] = r;
    return std::monostate{};
  }
  const Json doc = {{"issuer", r.issuer},
                    {"redirect_uri", r.redirect_uri},
                    {"client_id", r.client_id},
                    {"client_secret", r.client_secret},
                    {"auth_method", r.auth_method}};
  return write_private(registration_path(r.issuer), doc.dump(2) + "\n");
}

}  // namespace mcp::client
