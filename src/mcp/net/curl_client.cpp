#include "mcp/net/curl_client.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
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

using CurlHandle = std::unique_ptr<CURL, void (*)(CURL*)>;
using HeaderList = std::unique_ptr<curl_slist, void (*)(curl_slist*)>;

// Options shared by buffered and streaming exchanges; callbacks are the caller's.
HeaderList configure(const CurlLibrary* lib, CURL* h, const http::ClientRequest& request) {
  lib->easy_setopt(h, CURLOPT_URL, request.url.c_str());
  // Only HTTP(S), whatever URL a server hands us; libcurl before 7.85 lacks
  // the string form and takes the (since deprecated) bit mask.
  if (lib->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
    lib->easy_setopt(h, static_cast<CURLoption>(181) /* CURLOPT_PROTOCOLS */,
                     static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  }
  lib->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  lib->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  const auto connect_timeout =
      request.connect_timeout.count() > 0 ? request.connect_timeout : request.timeout;
  lib->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  lib->easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  lib->easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  lib->easy_setopt(h, CURLOPT_USERAGENT, "bedrock-usage-mcp");
  lib->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  lib->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
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
    // "Name:" alone would remove a header in curl; "Name;" sends it empty.
    const std::string line =
        hdr.value.empty() ? fmt::format("{};", hdr.name) : fmt::format("{}: {}", hdr.name, hdr.value);
    list = lib->slist_append(list, line.c_str());
  }
  // An empty Expect keeps curl from waiting for 100 Continue on large POSTs.
  list = lib->slist_append(list, "Expect:");
  HeaderList headers(list, lib->slist_free_all);
  lib->easy_setopt(h, CURLOPT_HTTPHEADER, list);
  return headers;
}

http::FailureKind failure_kind(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      return http::FailureKind::kConnect;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return http::FailureKind::kDns;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return http::FailureKind::kTls;
    case CURLE_OPERATION_TIMEDOUT:
      return http::FailureKind::kTimeout;
    case CURLE_ABORTED_BY_CALLBACK:
      return http::FailureKind::kAborted;
    default:
      return http::FailureKind::kOther;
  }
}

http::ClientResult run(const http::ClientRequest& request, const std::atomic<bool>* abort) {
  std::string load_error;
  const CurlLibrary* lib = curl_library(&load_error);
  if (lib == nullptr) return util::unexpected(std::move(load_error));
  CurlHandle curl(lib->easy_init(), lib->easy_cleanup);
  if (!curl) return util::unexpected(std::string("cannot create a libcurl handle"));
  Transfer t;
  t.limit = request.max_response_bytes;
  t.abort = abort;
  CURL* h = curl.get();
  const HeaderList headers = configure(lib, h, request);
  lib->easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  lib->easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  lib->easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  lib->easy_setopt(h, CURLOPT_WRITEDATA, &t);
  lib->easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  lib->easy_setopt(h, CURLOPT_HEADERDATA, &t);
  lib->easy_setopt(h, CURLOPT_XFERINFODATA, &t);

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

// A streaming exchange: headers are collected like a buffered one, then the
// handler sees them once the first body byte (or the end) arrives.
struct StreamTransfer {
  Transfer base;  // headers, abort flag (body unused)
  const http::StreamHandler* handler = nullptr;
  const CurlLibrary* lib = nullptr;
  CURL* curl = nullptr;
  bool headers_delivered = false;
  bool stopped = false;  // a handler asked to stop: not a failure
  std::chrono::steady_clock::time_point header_deadline;
  bool header_timeout = false;

  bool deliver_headers() {
    if (headers_delivered) return !stopped;
    headers_delivered = true;
    long status = 0;
    lib->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    base.response.status = static_cast<int>(status);
    if (handler->on_headers && !handler->on_headers(base.response.status, base.response.headers))
      stopped = true;
    return !stopped;
  }
};

std::size_t on_stream_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<StreamTransfer*>(user);
  const std::size_t n = size * count;
  on_header(data, size, count, &t->base);
  // The blank line ends a final (non-1xx) header block: the handler can act
  // on the status before any body byte, which matters for bodiless 202s.
  if (n <= 2 && (data[0] == '\r' || data[0] == '\n')) {
    long status = 0;
    t->lib->easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && !t->deliver_headers()) return 0;
  }
  return n;
}

std::size_t on_stream_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<StreamTransfer*>(user);
  const std::size_t n = size * count;
  if (!t->deliver_headers()) return 0;
  if (t->handler->on_data && !t->handler->on_data(std::string_view(data, n))) {
    t->stopped = true;
    return 0;
  }
  return n;
}

int on_stream_progress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
                       curl_off_t /*ulnow*/) {
  auto* t = static_cast<StreamTransfer*>(user);
  if (t->base.abort != nullptr && t->base.abort->load()) return 1;
  if (!t->headers_delivered && std::chrono::steady_clock::now() > t->header_deadline) {
    t->header_timeout = true;
    return 1;
  }
  return 0;
}

// Runs one transfer on a private multi handle, waking every 10 ms to look at
// `abort`: easy_perform only calls the progress callback about once a
// second while a stream is idle, which would hold up every shutdown.
CURLcode perform_abortable(const CurlLibrary* lib, CURL* h, const std::atomic<bool>* abort) {
  std::unique_ptr<CURLM, CURLMcode (*)(CURLM*)> multi(lib->multi_init(), lib->multi_cleanup);
  if (!multi || lib->multi_add_handle(multi.get(), h) != CURLM_OK) return lib->easy_perform(h);
  CURLcode result = CURLE_OK;
  for (;;) {
    int running = 0;
    if (lib->multi_perform(multi.get(), &running) != CURLM_OK) {
      result = CURLE_FAILED_INIT;
      break;
    }
    if (running == 0) {
      int queued = 0;
      while (CURLMsg* msg = lib->multi_info_read(multi.get(), &queued)) {
        if (msg->msg == CURLMSG_DONE) result = msg->data.result;
      }
      break;
    }
    if (abort != nullptr && abort->load()) {
      result = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    int ready = 0;
    lib->multi_poll(multi.get(), nullptr, 0, 10, &ready);
  }
  lib->multi_remove_handle(multi.get(), h);
  return result;
}

http::StreamResult run_stream(const http::ClientRequest& request, const http::StreamHandler& handler,
                              const std::atomic<bool>* abort) {
  using http::FailureKind;
  std::string load_error;
  const CurlLibrary* lib = curl_library(&load_error);
  if (lib == nullptr)
    return util::unexpected(http::TransportFailure{FailureKind::kOther, std::move(load_error)});
  CurlHandle curl(lib->easy_init(), lib->easy_cleanup);
  if (!curl) {
    return util::unexpected(http::TransportFailure{FailureKind::kOther, "cannot create a libcurl handle"});
  }
  StreamTransfer t;
  t.base.abort = abort;
  t.handler = &handler;
  t.lib = lib;
  t.curl = curl.get();
  t.header_deadline = std::chrono::steady_clock::now() + request.timeout;
  CURL* h = curl.get();
  const HeaderList headers = configure(lib, h, request);
  lib->easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_stream_body);
  lib->easy_setopt(h, CURLOPT_WRITEDATA, &t);
  lib->easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_stream_header);
  lib->easy_setopt(h, CURLOPT_HEADERDATA, &t);
  lib->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_stream_progress);
  lib->easy_setopt(h, CURLOPT_XFERINFODATA, &t);

  const CURLcode rc = perform_abortable(lib, h, abort);
  if (t.stopped) return t.base.response.status;
  if (rc == CURLE_OK) {
    if (!t.deliver_headers()) return t.base.response.status;
    return t.base.response.status;
  }
  if (t.header_timeout) {
    return util::unexpected(http::TransportFailure{
        FailureKind::kTimeout, fmt::format("{} {}: no response within {} ms", request.method, request.url,
                                           request.timeout.count())});
  }
  const FailureKind kind = failure_kind(rc);
  if (t.headers_delivered && kind != FailureKind::kAborted) {
    // The response started and then broke off (peer closed mid-stream): the
    // caller sees the status and decides (SSE resumption).
    return t.base.response.status;
  }
  return util::unexpected(http::TransportFailure{
      kind, fmt::format("{} {} failed: {}", request.method, request.url, lib->easy_strerror(rc))});
}

}  // namespace

http::ClientResult perform(const http::ClientRequest& request) {
  return run(request, nullptr);
}

http::StreamResult CurlStreamingClient::stream(const http::ClientRequest& request,
                                               const http::StreamHandler& handler,
                                               const std::atomic<bool>* abort) {
  return run_stream(request, handler, abort);
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
