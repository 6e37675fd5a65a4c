#pragma once
// Doubles for the aws module's tests: an environment from a map, a Transport
// that records requests and answers from a handler, scratch directories.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/config.hpp"
#include "aws/credentials.hpp"
#include "aws/json_client.hpp"
#include "aws/transport.hpp"

namespace aws::testing {

inline EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline mcp::http::ClientResult reply(int status, std::string body,
                                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  mcp::http::ClientResponse r;
  r.status = status;
  for (auto& [k, v] : headers) r.headers.add(k, v);
  r.body = std::move(body);
  return r;
}

inline mcp::http::ClientResult refused() {
  return mcp::util::unexpected(std::string("connect to 127.0.0.1:9 failed: Connection refused"));
}

// Records every request; answers through `handler` (connection refused when unset).
class FakeTransport {
 public:
  using Handler = std::function<mcp::http::ClientResult(const mcp::http::ClientRequest&)>;
  Handler handler;

  Transport transport() {
    return [this](const mcp::http::ClientRequest& request, const CallContext& /*call*/) {
      Handler h;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        h = handler;
      }
      return h ? h(request) : refused();
    };
  }
  std::vector<mcp::http::ClientRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<mcp::http::ClientRequest> requests_;
};

inline std::string header(const mcp::http::ClientRequest& r, std::string_view name) {
  return std::string(r.headers.get(name).value_or(""));
}

// A fresh directory under the temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aws-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text, bool executable = false) const {
    const std::string file = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    std::ofstream(file, std::ios::binary) << text;
    if (executable) {
      std::filesystem::permissions(file, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add);
    }
    return file;
  }

 private:
  std::string path_;
};

// An ISO 8601 time `offset` from now.
inline std::string iso_in(std::chrono::seconds offset) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// A client for `service` in us-east-1 on `fake`, with fixed credentials and
// millisecond retry delays.
inline JsonClient client_for(FakeTransport& fake, ServiceInfo service) {
  JsonClientOptions o;
  o.service = std::move(service);
  o.region = "us-east-1";
  o.env = env_of({});
  o.transport = fake.transport();
  o.credentials = static_provider(Credentials{"AKID", "S", ""});
  o.retry.base = std::chrono::milliseconds{1};
  return JsonClient(std::move(o));
}

}  // namespace aws::testing
