#include "mcp/net/curl_library.hpp"

#include <dlfcn.h>

namespace mcp::net {

namespace {

struct Loaded {
  CurlLibrary api{};
  std::string error;
  bool ok = false;
};

template <class Fn>
bool bind(void* handle, const char* name, Fn& out, std::string& error) {
  void* sym = dlsym(handle, name);
  if (sym == nullptr) {
    error = std::string("libcurl lacks ") + name;
    return false;
  }
  out = reinterpret_cast<Fn>(sym);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): dlsym's contract
  return true;
}

Loaded load() {
  Loaded l;
  // Never unloaded: the handle lives as long as the process.
  void* handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    l.error = std::string("cannot load libcurl.so.4: ") + (why != nullptr ? why : "unknown error");
    return l;
  }
  CurlLibrary& a = l.api;
  l.ok = bind(handle, "curl_global_init", a.global_init, l.error) &&
         bind(handle, "curl_easy_init", a.easy_init, l.error) &&
         bind(handle, "curl_easy_cleanup", a.easy_cleanup, l.error) &&
         bind(handle, "curl_easy_setopt", a.easy_setopt, l.error) &&
         bind(handle, "curl_easy_perform", a.easy_perform, l.error) &&
         bind(handle, "curl_easy_getinfo", a.easy_getinfo, l.error) &&
         bind(handle, "curl_easy_strerror", a.easy_strerror, l.error) &&
         bind(handle, "curl_slist_append", a.slist_append, l.error) &&
         bind(handle, "curl_slist_free_all", a.slist_free_all, l.error) &&
         bind(handle, "curl_multi_init", a.multi_init, l.error) &&
         bind(handle, "curl_multi_cleanup", a.multi_cleanup, l.error) &&
         bind(handle, "curl_multi_add_handle", a.multi_add_handle, l.error) &&
         bind(handle, "curl_multi_remove_handle", a.multi_remove_handle, l.error) &&
         bind(handle, "curl_multi_perform", a.multi_perform, l.error) &&
         bind(handle, "curl_multi_poll", a.multi_poll, l.error) &&
         bind(handle, "curl_multi_info_read", a.multi_info_read, l.error);
  if (l.ok && a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    l.ok = false;
    l.error = "curl_global_init failed";
  }
  return l;
}

}  // namespace

const CurlLibrary* curl_library(std::string* error) {
  static const Loaded kLoaded = load();
  if (!kLoaded.ok && error != nullptr) *error = kLoaded.error;
  return kLoaded.ok ? &kLoaded.api : nullptr;
}

}  // namespace mcp::net
