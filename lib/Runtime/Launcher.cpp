//===- Launcher.cpp - start the ranks of a run on this machine ------------===//
//
// fork + execve with everything prepared before the fork (argument and
// environment arrays), so that the child only calls async-signal-safe
// functions. Each child's stderr is a pipe the parent reads with poll(); a
// pipe's end of file wakes the parent as soon as its child dies, which is
// how the rank that died first is told from the ranks that then failed
// because it was gone.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Launcher.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <random>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace dsc::rt;
using llvm::StringRef;
using llvm::Twine;
using Clock = std::chrono::steady_clock;

namespace {

/// One child process and the state of its stderr pipe.
struct Child {
  int rank = 0;
  pid_t pid = -1;
  int fd = -1;
  std::string partial;
  bool exited = false;
  int status = 0;
  /// Since when the child has been stopped (SIGSTOP, SIGTSTP, ...), and by
  /// which signal; none while it runs.
  std::optional<std::chrono::steady_clock::time_point> stoppedAt;
  int stopSignal = 0;
};

/// The variables the launcher sets; inherited values are dropped.
constexpr StringRef kRankVariables[] = {
    "RANK",        "WORLD_SIZE",  "LOCAL_RANK", "LOCAL_WORLD_SIZE",
    "MASTER_ADDR", "MASTER_PORT", "DSC_RUN_ID"};

std::vector<std::string> childEnvironment(int rank, int size,
                                          StringRef masterAddr, int port,
                                          StringRef runId) {
  std::vector<std::string> env;
  for (char **entry = environ; *entry; ++entry) {
    StringRef name = StringRef(*entry).split('=').first;
    if (!llvm::is_contained(kRankVariables, name))
      env.emplace_back(*entry);
  }
  env.push_back("RANK=" + std::to_string(rank));
  env.push_back("WORLD_SIZE=" + std::to_string(size));
  env.push_back("LOCAL_RANK=" + std::to_string(rank));
  env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(size));
  env.push_back("MASTER_ADDR=" + masterAddr.str());
  env.push_back("MASTER_PORT=" + std::to_string(port));
  env.push_back("DSC_RUN_ID=" + runId.str());
  return env;
}

std::vector<char *> pointers(std::vector<std::string> &strings) {
  std::vector<char *> result;
  for (std::string &s : strings)
    result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

std::string signalName(int sig) {
  static const std::pair<int, const char *> names[] = {
      {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
      {SIGILL, "SIGILL"},   {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},
      {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"},
      {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
      {SIGSTOP, "SIGSTOP"}, {SIGTSTP, "SIGTSTP"}, {SIGTTIN, "SIGTTIN"},
      {SIGTTOU, "SIGTTOU"}};
  for (auto [number, name] : names)
    if (number == sig)
      return std::to_string(sig) + " (" + name + ")";
  return std::to_string(sig);
}

std::string describeExit(const Child &child) {
  if (WIFSIGNALED(child.status))
    return "rank " + std::to_string(child.rank) + " was killed by signal " +
           signalName(WTERMSIG(child.status));
  return "rank " + std::to_string(child.rank) + " exited with code " +
         std::to_string(WEXITSTATUS(child.status));
}

std::string describeStop(const Child &child) {
  return "rank " + std::to_string(child.rank) + " was stopped by signal " +
         signalName(child.stopSignal) + " and stopped answering";
}

bool failed(const Child &child) {
  return !WIFEXITED(child.status) || WEXITSTATUS(child.status) != 0;
}

/// Forwards the complete lines of `child`'s output (all of it at `eof`).
void forwardLines(Child &child, llvm::raw_ostream &os, bool eof) {
  size_t start = 0;
  for (size_t newline = child.partial.find('\n'); newline != std::string::npos;
       newline = child.partial.find('\n', start)) {
    os << "[rank " << child.rank << "] "
       << StringRef(child.partial).slice(start, newline + 1);
    start = newline + 1;
  }
  child.partial.erase(0, start);
  if (eof && !child.partial.empty()) {
    os << "[rank " << child.rank << "] " << child.partial << "\n";
    child.partial.clear();
  }
  os.flush();
}

/// Reads what `child`'s pipe holds; closes it at end of file.
void drain(Child &child, llvm::raw_ostream &os) {
  char buffer[4096];
  ssize_t n = ::read(child.fd, buffer, sizeof(buffer));
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n > 0) {
    child.partial.append(buffer, n);
    forwardLines(child, os, false);
    return;
  }
  forwardLines(child, os, true);
  ::close(child.fd);
  child.fd = -1;
}

} // namespace

llvm::Expected<int> dsc::rt::pickFreePort(StringRef address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return llvm::createStringError(Twine("cannot pick a port: socket: ") +
                                   std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (::inet_pton(AF_INET, address.str().c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return llvm::createStringError("cannot pick a port: '" + address +
                                   "' is not an IPv4 address");
  }
  socklen_t size = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &size) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return llvm::createStringError("cannot pick a port on " + address + ": " +
                                   why);
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::vector<std::string> dsc::rt::removeOption(llvm::ArrayRef<std::string> args,
                                               StringRef name) {
  std::vector<std::string> result;
  std::string single = "-" + name.str(), dashed = "--" + name.str();
  for (size_t i = 0; i < args.size(); ++i) {
    StringRef arg = args[i];
    if (arg == "--") {
      result.insert(result.end(), args.begin() + i, args.end());
      break;
    }
    if (arg == single || arg == dashed) {
      ++i; // and its value
      continue;
    }
    if (arg.starts_with(single + "=") || arg.starts_with(dashed + "="))
      continue;
    result.push_back(args[i]);
  }
  return result;
}

int dsc::rt::launchLocalRanks(const LaunchOptions &options) {
  llvm::raw_ostream &os = options.errs ? *options.errs : llvm::errs();
  auto error = [&](const Twine &message) {
    os << options.errorPrefix << message << "\n";
    os.flush();
    return 1;
  };
  if (options.numRanks < 1)
    return error("the number of ranks must be at least 1");
  auto port = pickFreePort(options.masterAddr);
  if (!port)
    return error(llvm::toString(port.takeError()));

  // A name for this run that no other run on the machine shares, so that
  // ranks of another run that picked the same port cannot join it.
  std::random_device entropy;
  std::string runId =
      llvm::formatv("{0:x}-{1:x}{2:x}", ::getpid(), entropy(), entropy()).str();

  std::vector<std::string> args = options.args;
  std::vector<char *> argv = pointers(args);
  pid_t parent = ::getpid();
  std::vector<Child> children(options.numRanks);
  auto killAll = [&](int sig) {
    for (Child &child : children)
      if (child.pid > 0 && !child.exited)
        ::kill(child.pid, sig);
  };

  for (int rank = 0; rank < options.numRanks; ++rank) {
    Child &child = children[rank];
    child.rank = rank;
    std::vector<std::string> env = childEnvironment(
        rank, options.numRanks, options.masterAddr, *port, runId);
    std::vector<char *> envp = pointers(env);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      killAll(SIGKILL);
      return error(Twine("cannot start rank ") + Twine(rank) +
                   ": pipe: " + std::strerror(errno));
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      // The child: die with the launcher, even if it died before this line.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(128 + SIGKILL);
      ::dup2(fds[1], STDERR_FILENO);
      ::execve(options.program.c_str(), argv.data(), envp.data());
      const char message[] = "cannot execute the rank's program\n";
      (void)!::write(STDERR_FILENO, message, sizeof(message) - 1);
      ::_exit(127);
    }
    ::close(fds[1]);
    if (pid < 0) {
      ::close(fds[0]);
      killAll(SIGKILL);
      return error(Twine("cannot start rank ") + Twine(rank) +
                   ": fork: " + std::strerror(errno));
    }
    child.pid = pid;
    child.fd = fds[0];
  }

  // The first failure's description: the rank that caused it, not the
  // ranks that then lost it.
  std::optional<std::string> firstFailure;
  std::optional<Clock::time_point> termAt, killAt;
  bool terminated = false, killed = false;
  auto running = [&] {
    return llvm::any_of(children,
                        [](const Child &c) { return !c.exited || c.fd >= 0; });
  };
  auto fail = [&](std::string why, std::chrono::milliseconds settle) {
    if (firstFailure)
      return;
    firstFailure = std::move(why);
    termAt = Clock::now() + settle;
    killAt = *termAt + options.grace;
  };
  while (running()) {
    std::vector<pollfd> fds;
    std::vector<Child *> polled;
    for (Child &child : children)
      if (child.fd >= 0) {
        fds.push_back({child.fd, POLLIN, 0});
        polled.push_back(&child);
      }
    int ready = ::poll(fds.data(), fds.size(), 50);
    if (ready > 0)
      for (size_t i = 0; i < fds.size(); ++i)
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
          drain(*polled[i], os);

    // Reap, and follow stops and continues; within one round a rank killed
    // by a signal counts as the first failure: the others most likely
    // failed because it was gone. A rank that is stopped when another
    // fails is the cause: it stopped answering.
    std::vector<size_t> failedNow;
    for (auto [index, child] : llvm::enumerate(children)) {
      if (child.exited)
        continue;
      int status = 0;
      pid_t pid =
          ::waitpid(child.pid, &status, WNOHANG | WUNTRACED | WCONTINUED);
      if (pid != child.pid)
        continue;
      if (WIFSTOPPED(status)) {
        child.stoppedAt = Clock::now();
        child.stopSignal = WSTOPSIG(status);
        continue;
      }
      if (WIFCONTINUED(status)) {
        child.stoppedAt.reset();
        continue;
      }
      child.exited = true;
      child.stoppedAt.reset();
      child.status = status;
      if (failed(child))
        failedNow.push_back(index);
    }
    auto stopped = llvm::find_if(children, [](const Child &c) {
      return c.stoppedAt.has_value() && !c.exited;
    });
    if (!failedNow.empty()) {
      auto signalled = llvm::find_if(failedNow, [&](size_t index) {
        return WIFSIGNALED(children[index].status);
      });
      fail(stopped != children.end() ? describeStop(*stopped)
           : signalled != failedNow.end()
               ? describeExit(children[*signalled])
               : describeExit(children[failedNow.front()]),
           options.settle);
    }
    // A rank stopped for longer than the others would wait for it ends the
    // run now, named; a stopped process only dies by SIGKILL.
    if (stopped != children.end() &&
        Clock::now() - *stopped->stoppedAt >= options.stopLimit) {
      fail(
          describeStop(*stopped) +
              llvm::formatv(" for {0:f1} s", options.stopLimit.count() / 1000.0)
                  .str(),
          std::chrono::milliseconds(0));
      ::kill(stopped->pid, SIGKILL);
    }
    if (termAt && !terminated && Clock::now() >= *termAt) {
      killAll(SIGTERM);
      terminated = true;
    }
    if (killAt && !killed && Clock::now() >= *killAt) {
      killAll(SIGKILL);
      killed = true;
    }
  }

  if (firstFailure)
    return error(*firstFailure);
  return 0;
}
