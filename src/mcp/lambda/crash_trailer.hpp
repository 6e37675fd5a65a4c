#pragma once
// Best-effort error trailers when a fatal signal (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT) ends the process in the middle of a streamed response:
// the Runtime API then reports Runtime.Crash to the caller instead of a body
// that just stops. A signal handler can only reach static storage, so this
// is the one piece of process-wide state in the project; it holds a socket
// number and two flags, nothing else.
namespace mcp::lambda::crash_trailer {

// Installs the handlers (once per process).
void install();
// The streamed response is being written on `fd`.
void arm(int fd);
void disarm();
bool armed();
// A write is in progress: trailers now would corrupt a chunk, so a crash
// then only ends the process.
void set_writing(bool writing);

}  // namespace mcp::lambda::crash_trailer
