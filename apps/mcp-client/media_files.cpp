#include "media_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <utility>

namespace mcp_cli {
namespace {

constexpr int kMaxNameAttempts = 1000;

constexpr std::pair<std::string_view, std::string_view> kExtensions[] = {
    {"image/png", "png"},         {"image/jpeg", "jpg"},      {"image/jpg", "jpg"},
    {"image/gif", "gif"},         {"image/webp", "webp"},     {"image/svg+xml", "svg"},
    {"image/bmp", "bmp"},         {"image/tiff", "tiff"},     {"image/x-icon", "ico"},
    {"image/avif", "avif"},       {"audio/wav", "wav"},       {"audio/x-wav", "wav"},
    {"audio/wave", "wav"},        {"audio/mpeg", "mp3"},      {"audio/mp3", "mp3"},
    {"audio/ogg", "ogg"},         {"audio/webm", "webm"},     {"audio/flac", "flac"},
    {"audio/aac", "aac"},         {"audio/mp4", "m4a"},       {"application/pdf", "pdf"},
    {"application/json", "json"}, {"application/zip", "zip"}, {"application/gzip", "gz"},
    {"text/plain", "txt"},        {"text/html", "html"},      {"text/csv", "csv"},
    {"text/markdown", "md"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

// Writes all of `bytes` to a file created exclusively in `dir`.
mcp::util::Expected<std::filesystem::path, std::string> write_new_file(const std::filesystem::path& dir,
                                                                       const std::string& stem,
                                                                       const std::string& ext,
                                                                       std::string_view bytes) {
  for (int n = 1; n <= kMaxNameAttempts; ++n) {
    const std::filesystem::path path =
        dir / std::string(stem).append("-").append(std::to_string(n)).append(".").append(ext);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return mcp::util::unexpected(path.string() + ": " + std::strerror(errno));
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        ::unlink(path.c_str());
        return mcp::util::unexpected(path.string() + ": " + reason);
      }
      done += static_cast<std::size_t>(w);
    }
    ::close(fd);
    return path;
  }
  return mcp::util::unexpected("no free file name in " + dir.string());
}

}  // namespace

std::string extension_for_mime(std::string_view mime_type) {
  std::string mime = lower(mime_type.substr(0, mime_type.find(';')));
  while (!mime.empty() && mime.back() == ' ') mime.pop_back();
  for (const auto& [type, ext] : kExtensions) {
    if (mime == type) return std::string(ext);
  }
  return "bin";
}

mcp::util::Expected<std::filesystem::path, std::string> save_media(std::string_view bytes,
                                                                   std::string_view mime_type,
                                                                   std::string_view kind) {
  const std::string stem = "mcp-" + std::string(kind) + "-" + timestamp();
  const std::string ext = extension_for_mime(mime_type);
  if (::access(".", W_OK) == 0) {
    auto saved = write_new_file(".", stem, ext, bytes);
    if (saved) return saved;
  }
  const char* tmp = std::getenv("TMPDIR");
  return write_new_file(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", stem, ext, bytes);
}

}  // namespace mcp_cli
