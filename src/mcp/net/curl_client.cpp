#include "mcp/net/curl_client.hpp"

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mcp/net/curl_library.hpp"

namespace mcp::net {

namespace {

struct Transfer {
  http::ClientResponse response;
  std::size_t limit = 0;
  bool too_large = false;
  const std::atomic<bool>* abort = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response.body.size() + n > t->limit) {
    t->too_large = true;
    return 0;  // makes curl fail the transfer
  }
  t->response.body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers = {};  // a new response (e.g. after 100 Continue)
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    t->response.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  return n;
}

int on_progress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
                curl_off_t /*ulnow*/) {
  const auto* t = static_cast<Transfer*>(user);
  return t->abort != nullptr && t->abort->load() ? 1 : 0;
}

http::ClientResult run(const http::ClientRequest& request, const std::atomic<bool>* abort) {
  std::string load_error;
  const CurlLibrary* lib = curl_library(&load_error);
  if (lib == nullptr) return util::unexpected(std::move(load_error));
  std::unique_ptr<CURL, void (*)(CURL*)> curl(lib->easy_init(), lib->easy_cleanup);
  if (!curl) return util::unexpected(std::string("cannot create a libcurl handle"));
  Transfer t;
  t.limit = request.max_response_bytes;
  t.abort = abort;
  CURL* h = curl.get();
  lib->easy_setopt(h, CURLOPT_URL, request.url.c_str());
  lib->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  lib->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  lib->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  lib->easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  lib->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  lib->easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  lib->easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  lib->easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  lib->easy_setopt(h, CURLOPT_WRITEDATA, &t);
  lib->easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  lib->easy_setopt(h, CURLOPT_HEADERDATA, &t);
  lib->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  lib->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  lib->easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  lib->easy_setopt(h, CURLOPT_USERAGENT, "bedrock-usage-mcp");
  if (request.method == "POST") {
    lib->easy_setopt(h, CURLOPT_POST, 1L);
    lib->easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    lib->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    lib->easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty()) {
      lib->easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      lib->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  }
  curl_slist* list = nullptr;
  for (const auto& hdr : request.headers.items()) {
    list = lib->slist_append(list, fmt::format("{}: {}", hdr.name, hdr.value).c_str());
  }
  // An empty Expect keeps curl from waiting for 100 Continue on large POSTs.
  list = lib->slist_append(list, "Expect:");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(list, lib->slist_free_all);
  lib->easy_setopt(h, CURLOPT_HTTPHEADER, list);

  const CURLcode rc = lib->easy_perform(h);
  if (rc != CURLE_OK) {
    if (t.too_large) {
      return util::unexpected(
          fmt::format("response from {} exceeds {} bytes", request.url, request.max_response_bytes));
    }
    return util::unexpected(
        fmt::format("{} {} failed: {}", request.method, request.url, lib->easy_strerror(rc)));
  }
  long status = 0;
  lib->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  t.response.status = static_cast<int>(status);
  return std::move(t.response);
}

}  // namespace

http::ClientResult perform(const http::ClientRequest& request) {
  return run(request, nullptr);
}

struct CurlClient::Impl {
  Executor& executor;
  std::size_t max_in_flight;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;
  std::size_t in_flight = 0;  // guarded by mu

  Impl(Executor& e, std::size_t m) : executor(e), max_in_flight(m) {}
};

CurlClient::CurlClient(Executor& executor, std::size_t max_in_flight)
    : impl_(std::make_shared<Impl>(executor, max_in_flight)) {}

CurlClient::~CurlClient() {
  impl_->stopping = true;
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->in_flight == 0; });
}

void CurlClient::send(http::ClientRequest request, std::function<void(http::ClientResult)> done) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping || impl_->in_flight >= impl_->max_in_flight) {
      const std::string why = impl_->stopping ? "client is shutting down" : "too many outbound requests";
      impl_->executor.post([done = std::move(done), why] { done(util::unexpected(why)); });
      return;
    }
    ++impl_->in_flight;
  }
  // The worker shares ownership of Impl, so Impl outlives every worker; a
  // result reaching the executor after the client is gone is dropped.
  std::thread([impl = impl_, request = std::move(request), done = std::move(done)]() mutable {
    // Nothing may escape a worker thread: errors become values.
    http::ClientResult result = util::unexpected(std::string("internal error"));
    try {
      result = run(request, &impl->stopping);
    } catch (const std::exception& e) {
      result = util::unexpected(std::string(e.what()));
    }
    if (!impl->stopping) {
      impl->executor.post([impl, done = std::move(done), result = std::move(result)]() mutable {
        if (!impl->stopping) done(std::move(result));
      });
    }
    // Whatever `done` holds (responders, timers of the event loop) must go
    // before the destructor may return and the event loop be torn down.
    done = nullptr;
    std::lock_guard lock(impl->mu);
    --impl->in_flight;
    impl->cv.notify_all();
  }).detach();
}

}  // namespace mcp::net
