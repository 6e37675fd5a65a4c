// credential_process: the shared config names a command that prints
// credentials as JSON. It runs under /bin/sh (as the SDKs do), in its own
// process group so a timeout can kill whatever it started.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "aws/credential_sources.hpp"
#include "aws/json_fields.hpp"
#include "aws/timestamp.hpp"

extern char** environ;  // NOLINT: POSIX

namespace aws::detail {

namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxStdout = std::size_t{1} << 20;
constexpr std::size_t kMaxStderr = std::size_t{64} << 10;

Error error(ErrorKind kind, std::string message) {
  return Error{kind, {}, std::move(message), 0};
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
  bool open() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
    read.reset(fds[0]);
    write.reset(fds[1]);
    return true;
  }
};

struct Output {
  int status = 0;  // waitpid status
  std::string out;
  std::string err;
};

enum class RunEnd { kExited, kTimeout, kCancelled, kTooLarge };

// Spawns the command with stdout and stderr on pipes and stdin on /dev/null.
std::optional<pid_t> spawn(const std::string& command, Pipe& out, Pipe& err, std::string& why) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  // The server's sockets and files are not the helper's business (a helper
  // that daemonises would otherwise keep the listening port open).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // Own process group (for the kill on timeout), default signal handling
  // (the server ignores SIGPIPE), nothing blocked.
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string sh = "/bin/sh";
  std::string dash_c = "-c";
  std::string cmd = command;
  std::array<char*, 4> argv{sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    why = std::strerror(rc);
    return std::nullopt;
  }
  return pid;
}

// Reads both pipes until the child closes them and exits, or time runs out.
RunEnd collect(pid_t pid, Pipe& out, Pipe& err, Clock::time_point until, const CallContext& call, Output& o) {
  std::array<pollfd, 2> fds{pollfd{out.read.get(), POLLIN, 0}, pollfd{err.read.get(), POLLIN, 0}};
  std::array<char, 8192> buf{};
  bool exited = false;
  for (;;) {
    if (call.is_cancelled()) return RunEnd::kCancelled;
    const auto now = Clock::now();
    if (now >= until) return RunEnd::kTimeout;
    const bool pipes_open = fds[0].fd >= 0 || fds[1].fd >= 0;
    if (!pipes_open) {
      // Output finished: wait for the exit itself (briefly polling).
      const pid_t w = ::waitpid(pid, &o.status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR)) {
        exited = true;
        break;
      }
      ::usleep(5000);
      continue;
    }
    const auto wait = std::min<Clock::duration>(milliseconds{50}, until - now);
    const int n = ::poll(fds.data(), fds.size(),
                         static_cast<int>(std::chrono::duration_cast<milliseconds>(wait).count()) + 1);
    if (n < 0 && errno != EINTR) return RunEnd::kTimeout;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buf.data(), buf.size());
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fds[i].fd = -1;  // the Fd owner closes it
        continue;
      }
      std::string& sink = i == 0 ? o.out : o.err;
      const std::size_t cap = i == 0 ? kMaxStdout : kMaxStderr;
      if (i == 0 && sink.size() + static_cast<std::size_t>(got) > cap) return RunEnd::kTooLarge;
      sink.append(buf.data(), std::min(static_cast<std::size_t>(got), cap - std::min(cap, sink.size())));
    }
  }
  return exited ? RunEnd::kExited : RunEnd::kTimeout;
}

std::string first_line(std::string_view text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  text = text.substr(start);
  text = text.substr(0, text.find_first_of("\r\n"));
  std::string out;
  for (const char c : text.substr(0, 200)) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  return out;
}

}  // namespace

CredentialsResult parse_process_output(std::string_view text) {
  const auto j = parse_json(text);
  // The output is never quoted back: it is full of secrets.
  if (!j.is_object())
    return mcp::util::unexpected(
        error(ErrorKind::kCredentials, "credential_process printed something that is not a JSON object"));
  const auto version = integer_field(j, "Version");
  if (!version || *version != 1) {
    return mcp::util::unexpected(
        error(ErrorKind::kCredentials, "credential_process output must have \"Version\": 1"));
  }
  Credentials c;
  c.access_key_id = string_field(j, "AccessKeyId");
  c.secret_access_key = string_field(j, "SecretAccessKey");
  c.session_token = string_field(j, "SessionToken");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return mcp::util::unexpected(
        error(ErrorKind::kCredentials, "credential_process output lacks AccessKeyId or SecretAccessKey"));
  }
  if (const std::string exp = string_field(j, "Expiration"); !exp.empty()) {
    const auto when = parse_iso8601(exp);
    if (!when) {
      return mcp::util::unexpected(
          error(ErrorKind::kCredentials,
                fmt::format("credential_process printed an unreadable Expiration \"{}\"", first_line(exp))));
    }
    c.expiration = *when;
  }
  return c;
}

CredentialsResult from_process(const std::string& command, milliseconds timeout, const CallContext& call) {
  Pipe out;
  Pipe err;
  if (!out.open() || !err.open()) {
    return mcp::util::unexpected(
        error(ErrorKind::kCredentials,
              fmt::format("credential_process: cannot create a pipe: {}", std::strerror(errno))));
  }
  std::string why;
  const auto pid = spawn(command, out, err, why);
  if (!pid) {
    return mcp::util::unexpected(
        error(ErrorKind::kCredentials, fmt::format("credential_process: cannot start /bin/sh: {}", why)));
  }
  out.write.reset();
  err.write.reset();
  const milliseconds budget = call.remaining(timeout);
  const auto until = Clock::now() + budget;
  Output o;
  const RunEnd end = collect(*pid, out, err, until, call, o);
  if (end != RunEnd::kExited) {
    ::kill(-*pid, SIGKILL);
    int status = 0;
    while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  switch (end) {
    case RunEnd::kCancelled:
      return mcp::util::unexpected(error(ErrorKind::kCancelled, "cancelled"));
    case RunEnd::kTimeout:
      return mcp::util::unexpected(
          error(ErrorKind::kCredentials,
                fmt::format("credential_process did not finish within {} ms", budget.count())));
    case RunEnd::kTooLarge:
      return mcp::util::unexpected(
          error(ErrorKind::kCredentials, "credential_process printed more than 1 MiB"));
    case RunEnd::kExited:
      break;
  }
  if (!WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0) {
    const std::string how = WIFEXITED(o.status) ? fmt::format("exited with status {}", WEXITSTATUS(o.status))
                                                : fmt::format("was killed by signal {}", WTERMSIG(o.status));
    const std::string line = first_line(o.err);
    return mcp::util::unexpected(
        error(ErrorKind::kCredentials, line.empty() ? fmt::format("credential_process {}", how)
                                                    : fmt::format("credential_process {}: {}", how, line)));
  }
  return parse_process_output(o.out);
}

}  // namespace aws::detail
