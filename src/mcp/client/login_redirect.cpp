#include "mcp/client/login_redirect.hpp"

#include <fmt/format.h>

#include "mcp/auth/public_url.hpp"
#include "mcp/client/browser.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::client {

namespace {

void say(const OAuthOptions& options, std::string_view text) {
  if (options.say) options.say(text);
}

util::Expected<std::string, std::string> with_browser(const std::string& url, std::string_view state,
                                                      const OAuthOptions& options,
                                                      const LoopbackReceiver::Reader& read) {
  // Listen before the browser can possibly come back.
  auto receiver = LoopbackReceiver::listen(options.redirect_uri);
  if (!receiver) return util::unexpected(std::move(receiver.error()));
  if (open_browser(url)) {
    say(options, fmt::format("Opening your browser to log in. If it does not open, visit:\n{}", url));
  } else {
    say(options, fmt::format("Open this URL in a browser to log in:\n{}", url));
  }
  const auto deadline = std::chrono::steady_clock::now() + options.login_timeout;
  return (*receiver)->wait(deadline, options.cancel, state, read);
}

util::Expected<std::string, std::string> without_browser(const std::string& url, const OAuthOptions& options,
                                                         const LoopbackReceiver::Reader& read) {
  if (!options.ask) return util::unexpected(std::string("cannot ask for the redirected URL here"));
  say(options, fmt::format("Open this URL in a browser to log in:\n{}", url));
  say(options, fmt::format("After logging in, the browser goes to {}... (the page may fail to load); "
                           "copy that whole address from the address bar.",
                           options.redirect_uri));
  for (;;) {
    const auto answer = options.ask("Redirected URL: ");
    if (!answer) return util::unexpected(std::string("login cancelled"));
    if (util::trim(*answer).empty()) continue;
    return read(util::trim(*answer));
  }
}

util::Expected<std::string, std::string> headless(const std::string& url, const OAuthOptions& options,
                                                  const auth::oauth::OAuthHttp& http,
                                                  const LoopbackReceiver::Reader& read) {
  http::ClientRequest req;
  req.url = url;
  auto res = http.send(std::move(req));
  if (!res) return util::unexpected(fmt::format("authorization request failed: {}", res.error()));
  const auto location = res->headers.get("Location");
  if (res->status < 300 || res->status >= 400 || !location) {
    return util::unexpected(
        fmt::format("the authorization server answered HTTP {} instead of redirecting; it needs a user: log "
                    "in with a browser",
                    res->status));
  }
  std::string target(util::trim(*location));
  if (!target.empty() && target.front() == '/') {
    // A relative redirect stays on the authorization server's origin.
    if (auto base = auth::parse_url(url.substr(0, url.find_first_of("?#")))) target = base->origin() + target;
  }
  const std::string_view expected =
      std::string_view(options.redirect_uri).substr(0, options.redirect_uri.find('?'));
  if (target.compare(0, expected.size(), expected) != 0) {
    return util::unexpected(
        fmt::format("the authorization server redirected to {} rather than back to us; it needs a user: log "
                    "in with a browser",
                    target.substr(0, target.find('?'))));
  }
  return read(target);
}

}  // namespace

util::Expected<std::string, std::string> run_login_redirect(const std::string& authorization_url,
                                                            std::string_view state,
                                                            const OAuthOptions& options,
                                                            const auth::oauth::OAuthHttp& http,
                                                            const LoopbackReceiver::Reader& read) {
  switch (options.mode) {
    case LoginMode::kBrowser:
      return with_browser(authorization_url, state, options, read);
    case LoginMode::kNoBrowser:
      return without_browser(authorization_url, options, read);
    case LoginMode::kHeadless:
      return headless(authorization_url, options, http, read);
  }
  return util::unexpected(std::string("unknown login mode"));
}

}  // namespace mcp::client
