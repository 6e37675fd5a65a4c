#include "mcp/auth/facade_pages.hpp"

#include <fmt/format.h>

namespace mcp::auth {

namespace {

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;color:#222}"
    "code{word-break:break-all;background:#f3f3f3;padding:0 .2em}"
    "button{font-size:1em;padding:.5em 1.2em;margin-right:.8em}";

std::string page(std::string_view title, std::string_view body) {
  return fmt::format(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>{}</title><style>{}</style></head><body><h1>{}</h1>{}</body></html>\n",
      html_escape(title), kStyle, html_escape(title), body);
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void add_page_headers(http::Headers& headers) {
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  headers.set("X-Frame-Options", "DENY");
  // No form-action: browsers apply it to the redirect that follows the
  // consent form, which leaves for the upstream's (or the client's) origin.
  headers.set("Content-Security-Policy",
              "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "no-referrer");
}

http::Response error_page(int status, std::string_view title, std::string_view message) {
  http::Response response;
  response.status = status;
  add_page_headers(response.headers);
  response.body = page(title, fmt::format("<p>{}</p>", html_escape(message)));
  return response;
}

http::Response consent_page(const ConsentView& view) {
  const std::string name = view.client_name.empty() ? "An application" : view.client_name;
  const std::string body = fmt::format(
      "<p><strong>{}</strong> wants to sign you in to <code>{}</code>.</p>"
      "<p>When you have signed in, the result goes to <code>{}</code>. Continue only if you started this "
      "sign-in yourself, from that application.</p>"
      "<form method=\"post\" action=\"{}\">"
      "<input type=\"hidden\" name=\"transaction\" value=\"{}\">"
      "<button type=\"submit\" name=\"decision\" value=\"allow\">Continue</button>"
      "<button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button>"
      "</form>",
      html_escape(name), html_escape(view.service), html_escape(view.redirect_uri), html_escape(view.action),
      html_escape(view.transaction));
  http::Response response;
  add_page_headers(response.headers);
  response.headers.add("Set-Cookie", view.set_cookie);
  response.body = page("Sign in", body);
  return response;
}

}  // namespace mcp::auth
