#pragma once
// libcurl, loaded on first use with dlopen. Linking it outright makes every
// server load ~30 shared libraries at exec (libcurl's TLS, LDAP, Kerberos,
// RTMP, SSH dependencies): +4 MB RSS and +4 ms cold start for servers that
// never make an outbound call. Internal to the net module.
#include <curl/curl.h>

#include <string>

namespace mcp::net {

struct CurlLibrary {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL* handle);
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* value);
  void (*slist_free_all)(curl_slist* list);
  // The multi interface, for streams that must stop promptly when aborted.
  CURLM* (*multi_init)();
  CURLMcode (*multi_cleanup)(CURLM* multi);
  CURLMcode (*multi_add_handle)(CURLM* multi, CURL* handle);
  CURLMcode (*multi_remove_handle)(CURLM* multi, CURL* handle);
  CURLMcode (*multi_perform)(CURLM* multi, int* running);
  CURLMcode (*multi_poll)(CURLM* multi, curl_waitfd* extra, unsigned int extra_count, int timeout_ms,
                          int* ready);
  CURLMsg* (*multi_info_read)(CURLM* multi, int* queued);
};

// The loaded and initialised library, or nullptr with `error` set (libcurl
// missing). Loads once per process; thread-safe.
const CurlLibrary* curl_library(std::string* error = nullptr);

}  // namespace mcp::net
