#pragma once
// The HTTP side of a client session, run on worker threads: one POST (its
// JSON or SSE answer, and SSE resumption with Last-Event-ID after the
// server's retry delay), and the standalone GET stream. Everything received
// goes to the Inbox; nothing here knows about sessions or eras.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "mcp/client/inbox.hpp"
#include "mcp/transport/http_client.hpp"

namespace mcp::client {

struct PostSpec {
  ExchangeId exchange = 0;
  http::ClientRequest request;    // the POST
  bool expects_response = false;  // a request (not a notification or response)
  // Headers for resumption GETs (session, version, authorization), when the
  // era allows resuming; empty `resume_url` disables resumption.
  std::string resume_url;
  http::Headers resume_headers;
  // Fresh authorization headers for each resumption GET (run on the worker).
  std::function<http::Headers()> resume_auth;
  int max_resume_attempts = 5;
  std::size_t max_message_bytes = std::size_t{16} << 20;
};

// Performs the POST and pushes kHeaders / kMessage... / kHttpError /
// kTransportError and finally kEnded for spec.exchange.
void run_post(http::StreamingClient& http, const PostSpec& spec, Inbox& inbox,
              const std::atomic<bool>& abort);

struct GetStreamSpec {
  std::string url;
  http::Headers headers;  // Accept, session, version, authorization
  // Fresh authorization headers for each reconnect (run on the stream's thread).
  std::function<http::Headers()> auth;
  std::chrono::milliseconds connect_timeout{10000};
  std::size_t max_message_bytes = std::size_t{16} << 20;
  int max_reconnects = 5;  // consecutive failed reconnects before giving up
};

// Holds the standalone GET stream open until `stop`, reconnecting (with
// Last-Event-ID) after the server's retry delay when it ends. `opened` runs
// once: true when the first GET was answered with an event stream, false when
// the server refused it (405 and the like are normal) or it failed.
void run_get_stream(http::StreamingClient& http, const GetStreamSpec& spec, Inbox& inbox,
                    const std::atomic<bool>& stop,
                    const std::function<void(bool opened, int status)>& opened);

}  // namespace mcp::client
