// Failures: JSON-RPC errors, HTTP statuses and transport problems explained.
#include "mcp/auth/oauth_challenge.hpp"
#include "render.hpp"

namespace mcp_cli {
namespace {

using mcp::client::Failure;

constexpr std::size_t kMaxDataChars = 300;
constexpr std::size_t kMaxBodyChars = 300;

std::string kind_name(Failure::Kind kind) {
  switch (kind) {
    case Failure::Kind::kRpcError:
      return "rpc";
    case Failure::Kind::kHttp:
      return "http";
    case Failure::Kind::kTransport:
      return "transport";
    case Failure::Kind::kTimeout:
      return "timeout";
    case Failure::Kind::kCancelled:
      return "cancelled";
    case Failure::Kind::kProtocol:
      return "protocol";
    case Failure::Kind::kAuth:
      return "auth";
  }
  return "unknown";
}

std::string one_line(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out;
}

void explain_http(Console& console, const Failure& failure, std::string_view auth_hint) {
  const int status = failure.http_status;
  const auto challenge = mcp::auth::oauth::find_bearer_challenge(failure.http_headers);
  const std::string status_text = "HTTP " + std::to_string(status);
  auto say = [&](const std::string& line) {
    console.err(line);
  };
  if (status == 401 || status == 403) {
    say(console.paint(Color::kRed,
                      status == 401 ? "Authentication required (" + status_text + ")"
                                    : "Authorization failed: insufficient permissions (" + status_text + ")",
                      Stream::kErr));
    if (challenge) {
      if (!challenge->error_description.empty())
        say("  " + challenge->error_description);
      else if (!challenge->error.empty())
        say("  error: " + challenge->error);
      if (!challenge->scope.empty()) say("  required scope: " + challenge->scope);
      if (!challenge->resource_metadata.empty()) {
        say("  resource metadata: " + challenge->resource_metadata);
      }
    } else if (!failure.message.empty()) {
      say("  " + failure.message);
    }
    say("  Run \"" + std::string(auth_hint) + "\" to authenticate.");
    return;
  }
  if (status == 404) {
    say(console.paint(Color::kRed, "Not found (" + status_text + ")", Stream::kErr));
    say("  The server has no MCP endpoint at this URL (the path is usually /mcp), or the session ended.");
  } else if (status == 429) {
    say(console.paint(Color::kRed, "Too many requests (" + status_text + ")", Stream::kErr));
    if (const auto retry = failure.http_headers.get("Retry-After")) {
      say("  Please retry after " + std::string(*retry) + " seconds.");
    }
  } else if (status >= 500) {
    say(console.paint(Color::kRed, "Server error (" + status_text + ")", Stream::kErr));
    if (status == 502 || status == 503 || status == 504) {
      say("  The server or a gateway in front of it is unavailable or too slow; try again later.");
    }
  } else {
    say(console.paint(Color::kRed, "Request failed (" + status_text + ")", Stream::kErr));
  }
  if (!failure.message.empty()) say("  " + failure.message);
  if (!failure.http_body.empty()) say("  Response: " + one_line(failure.http_body, kMaxBodyChars));
}

void explain_transport(Console& console, const Failure& failure) {
  using mcp::http::FailureKind;
  const std::string detail = failure.transport.message.empty() ? failure.message : failure.transport.message;
  std::string headline;
  std::string hint;
  switch (failure.transport.kind) {
    case FailureKind::kConnect:
      headline = "Cannot connect to the server";
      hint = "Is the server running, and is the URL right?";
      break;
    case FailureKind::kDns:
      headline = "Cannot resolve the server's host name";
      hint = "Check the host in the URL and your network or DNS settings.";
      break;
    case FailureKind::kTls:
      headline = "TLS handshake or certificate verification failed";
      hint = "Check that the URL uses the right scheme and that the certificate is trusted.";
      break;
    case FailureKind::kTimeout:
      headline = "The connection timed out";
      hint = "The server did not answer in time; use --timeout to wait longer.";
      break;
    case FailureKind::kAborted:
      headline = "The request was aborted";
      break;
    case FailureKind::kTooLarge:
      headline = "The server's response was too large";
      break;
    case FailureKind::kOther:
      headline = "Network error";
      break;
  }
  console.err(console.paint(Color::kRed, headline, Stream::kErr) + (detail.empty() ? "" : ": " + detail));
  if (!hint.empty()) console.err("  " + hint);
}

Json failure_json(const Failure& failure) {
  Json error{{"kind", kind_name(failure.kind)}, {"message", failure.message}};
  if (failure.rpc) {
    error["code"] = failure.rpc->code;
    error["message"] = failure.rpc->message;
    if (!failure.rpc->data.is_null()) error["data"] = failure.rpc->data;
  }
  if (failure.http_status != 0) error["http_status"] = failure.http_status;
  if (const auto challenge = mcp::auth::oauth::find_bearer_challenge(failure.http_headers)) {
    Json www{{"error", challenge->error},
             {"error_description", challenge->error_description},
             {"scope", challenge->scope},
             {"resource_metadata", challenge->resource_metadata}};
    error["www_authenticate"] = std::move(www);
  }
  if (const auto retry = failure.http_headers.get("Retry-After")) error["retry_after"] = std::string(*retry);
  return Json{{"error", std::move(error)}};
}

}  // namespace

void render_failure(Console& console, const Failure& failure, std::string_view auth_hint) {
  console.clear_status();
  if (console.json()) {
    console.err(failure_json(failure).dump());
    return;
  }
  switch (failure.kind) {
    case Failure::Kind::kRpcError: {
      const auto& rpc = failure.rpc;
      const std::string text =
          rpc ? "Error " + std::to_string(rpc->code) + ": " + rpc->message : "Error: " + failure.message;
      console.err(console.paint(Color::kRed, text, Stream::kErr));
      if (rpc && !rpc->data.is_null()) console.err("  data: " + short_json(rpc->data, kMaxDataChars));
      break;
    }
    case Failure::Kind::kHttp:
      explain_http(console, failure, auth_hint);
      break;
    case Failure::Kind::kTransport:
      explain_transport(console, failure);
      break;
    case Failure::Kind::kTimeout:
      console.err(console.paint(Color::kRed, "Request timed out", Stream::kErr) +
                  (failure.message.empty() ? "" : ": " + failure.message));
      console.err("  The server was told to cancel it. Use --timeout SECONDS to wait longer.");
      break;
    case Failure::Kind::kCancelled:
      console.err(console.paint(Color::kYellow, "Request cancelled.", Stream::kErr));
      break;
    case Failure::Kind::kProtocol:
      console.err(console.paint(Color::kRed, "Protocol error: ", Stream::kErr) + failure.message);
      break;
    case Failure::Kind::kAuth:
      console.err(console.paint(Color::kRed, "Authorization failed: ", Stream::kErr) + failure.message);
      console.err("  Run \"" + std::string(auth_hint) + "\" to log in again.");
      break;
  }
}

void render_error(Console& console, std::string_view message) {
  console.clear_status();
  if (console.json()) {
    console.err(Json{{"error", Json{{"kind", "client"}, {"message", message}}}}.dump());
    return;
  }
  console.err(console.paint(Color::kRed, "Error: ", Stream::kErr) + std::string(message));
}

}  // namespace mcp_cli
