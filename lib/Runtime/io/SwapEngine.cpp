//===- SwapEngine.cpp - tensors swapped to NVMe through io_uring ----------===//

#include "dsc/Runtime/SwapEngine.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;
using dsc::rt::SwapEngine;

struct SwapEngine::Tensor {
  std::string name, path;
  uint64_t bytes = 0, fileBytes = 0;
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
};

struct SwapEngine::Transfer {
  unsigned tensor = 0;
  bool write = false;
  uint8_t *memory = nullptr;
  uint64_t next = 0;
  unsigned pending = 0;
  bool failed = false;
  std::string error;
};

struct SwapEngine::Slot {
  Ticket ticket = 0;
  uint64_t offset = 0;
  uint32_t length = 0, requested = 0;
  bool bounced = false;
  std::unique_ptr<uint8_t, decltype(&std::free)> bounce{nullptr, &std::free};
};

namespace {

std::string errnoText(int error) { return std::strerror(error); }

/// The tensor's name as a file name: [A-Za-z0-9._-], at most 96 characters.
std::string fileNameOf(unsigned index, StringRef name) {
  std::string out = std::to_string(index) + "-";
  for (char c : name.take_front(96))
    out += isAlnum(c) || c == '.' || c == '_' || c == '-' ? c : '_';
  return out + ".swap";
}

/// Reads the pid a lock file holds (0 where unreadable).
long lockOwner(int fd) {
  char text[32] = {};
  ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
  return n > 0 ? std::strtol(text, nullptr, 10) : 0;
}

} // namespace

Expected<std::unique_ptr<SwapEngine>>
SwapEngine::create(const SwapOptions &options, std::unique_ptr<IoQueue> queue,
                   std::string *notice) {
  if (options.queueDepth == 0 || options.queueDepth > 4096)
    return createStringError(
        formatv("swap queue depth {0} is out of range (1 to 4096)",
                options.queueDepth));
  if (options.blockBytes == 0 || options.blockBytes > (1u << 30))
    return createStringError(
        formatv("swap block size {0} is out of range (1 byte to 1 GiB)",
                options.blockBytes));
  std::unique_ptr<SwapEngine> engine(new SwapEngine());
  engine->options = options;
  if (Error e = engine->openDirectory(notice))
    return std::move(e);
  if (!queue) {
    Expected<std::unique_ptr<IoQueue>> uring =
        createUringQueue(options.queueDepth);
    if (!uring)
      return uring.takeError();
    queue = std::move(*uring);
    if (options.faults)
      queue = createFaultInjectingQueue(std::move(queue), *options.faults);
  }
  engine->queue = std::move(queue);
  engine->options.blockBytes = alignTo(options.blockBytes, engine->align);
  unsigned depth = std::min(options.queueDepth, engine->queue->depth());
  engine->slots.resize(depth);
  SmallVector<ArrayRef<uint8_t>> buffers;
  for (unsigned i = 0; i < depth; ++i) {
    Slot &slot = engine->slots[i];
    slot.bounce.reset(static_cast<uint8_t *>(
        std::aligned_alloc(engine->align, engine->options.blockBytes)));
    if (!slot.bounce)
      return createStringError(
          formatv("cannot allocate {0} swap buffers of {1} bytes", depth,
                  engine->options.blockBytes));
    buffers.push_back({slot.bounce.get(), engine->options.blockBytes});
    engine->freeSlots.push_back(depth - 1 - i);
  }
  // Registration fails under a low locked-memory limit: plain requests.
  if (Error e = engine->queue->registerBuffers(buffers))
    consumeError(std::move(e));
  else
    engine->counters.registered = true;
  return engine;
}

Error SwapEngine::openDirectory(std::string *notice) {
  const std::string &base = options.directory;
  struct stat st;
  if (::stat(base.c_str(), &st) != 0)
    return createStringError(
        formatv("--nvme-path {0}: {1}", base, errnoText(errno)));
  if (!S_ISDIR(st.st_mode))
    return createStringError(formatv("--nvme-path {0}: not a directory", base));
  dir = base + "/dsc-swap-rank" + std::to_string(options.rank);
  std::string lockPath = dir + "/lock";
  bool existed = false;
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno != EEXIST)
      return createStringError(
          formatv("cannot create {0}: {1}", dir, errnoText(errno)));
    existed = true;
  }
  lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockFd < 0)
    return createStringError(
        formatv("cannot open {0}: {1}", lockPath, errnoText(errno)));
  if (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    long owner = lockOwner(lockFd);
    ::close(lockFd);
    lockFd = -1;
    dir.clear(); // not ours: leave it alone
    return createStringError(formatv(
        "{0}/dsc-swap-rank{1} is in use by another run (pid {2}); give each "
        "run its own --nvme-path",
        base, options.rank, owner));
  }
  if (existed) {
    // Unlocked: the run that made it died. Its files are garbage.
    long owner = lockOwner(lockFd);
    unsigned removed = 0;
    if (DIR *d = ::opendir(dir.c_str())) {
      while (dirent *entry = ::readdir(d)) {
        StringRef name = entry->d_name;
        if (name == "." || name == ".." || name == "lock")
          continue;
        if (::unlink((dir + "/" + name.str()).c_str()) == 0)
          ++removed;
      }
      ::closedir(d);
    }
    if (notice)
      *notice = formatv("removed {0} stale swap files of a run that did not "
                        "end (pid {1}) from {2}",
                        removed, owner, dir);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lockFd, 0) != 0 ||
      ::pwrite(lockFd, pid.data(), pid.size(), 0) !=
          static_cast<ssize_t>(pid.size()))
    return createStringError(
        formatv("cannot write {0}: {1}", lockPath, errnoText(errno)));
  // The file system's direct-I/O alignment, and whether it has direct I/O.
  int probe = ::open(lockPath.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (probe < 0)
    return createStringError(
        formatv("--nvme-path {0}: the file system does not support direct I/O "
                "(O_DIRECT: {1}); swap to a local disk",
                base, errnoText(errno)));
  struct statx sx;
  if (::statx(probe, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
      (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_mem_align &&
      sx.stx_dio_offset_align)
    align = std::max<uint64_t>(
        {sx.stx_dio_mem_align, sx.stx_dio_offset_align, alignof(max_align_t)});
  ::close(probe);
  return Error::success();
}

Expected<unsigned> SwapEngine::addTensor(StringRef name, uint64_t bytes) {
  unsigned index = tensors.size();
  Tensor tensor;
  tensor.name = name.str();
  tensor.bytes = bytes;
  tensor.fileBytes = alignTo(std::max<uint64_t>(bytes, 1), align);
  tensor.path = dir + "/" + fileNameOf(index, name);
  tensor.fd = ::open(tensor.path.c_str(),
                     O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600);
  if (tensor.fd < 0)
    return createStringError(formatv("cannot create swap file {0} (tensor "
                                     "{1}): {2}",
                                     tensor.path, name, errnoText(errno)));
  int rc = ::fallocate(tensor.fd, 0, 0, tensor.fileBytes);
  if (rc != 0 && (errno == EOPNOTSUPP || errno == ENOSYS))
    rc = ::ftruncate(tensor.fd, tensor.fileBytes);
  if (rc != 0) {
    int error = errno;
    ::close(tensor.fd);
    ::unlink(tensor.path.c_str());
    return createStringError(
        formatv("cannot allocate {0} bytes for swap file {1} (tensor {2}): {3}",
                tensor.fileBytes, tensor.path, name, errnoText(error)));
  }
  struct stat st;
  ::fstat(tensor.fd, &st);
  tensor.dev = st.st_dev;
  tensor.ino = st.st_ino;
  tensors.push_back(std::move(tensor));
  return index;
}

StringRef SwapEngine::filePath(unsigned tensor) const {
  return tensors[tensor].path;
}

Error SwapEngine::checkFile(const Tensor &tensor) const {
  struct stat byPath, byFd;
  if (::stat(tensor.path.c_str(), &byPath) != 0 ||
      byPath.st_dev != tensor.dev || byPath.st_ino != tensor.ino)
    return createStringError(
        formatv("swap file {0} (tensor {1}) was replaced or removed behind "
                "the run's back",
                tensor.path, tensor.name));
  if (::fstat(tensor.fd, &byFd) != 0 ||
      static_cast<uint64_t>(byFd.st_size) < tensor.fileBytes)
    return createStringError(
        formatv("swap file {0} (tensor {1}) was truncated to {2} of {3} "
                "bytes behind the run's back",
                tensor.path, tensor.name, byFd.st_size, tensor.fileBytes));
  return Error::success();
}

Expected<SwapEngine::Ticket> SwapEngine::write(unsigned tensor,
                                               const void *source) {
  return start(tensor,
               const_cast<uint8_t *>(static_cast<const uint8_t *>(source)),
               true);
}

Expected<SwapEngine::Ticket> SwapEngine::read(unsigned tensor,
                                              void *destination) {
  return start(tensor, static_cast<uint8_t *>(destination), false);
}

Expected<SwapEngine::Ticket> SwapEngine::start(unsigned tensor, uint8_t *memory,
                                               bool write) {
  if (tensor >= tensors.size())
    return createStringError(formatv("no swap tensor {0}", tensor));
  if (Error e = checkFile(tensors[tensor]))
    return std::move(e);
  Ticket ticket = nextTicket++;
  auto transfer = std::make_unique<Transfer>();
  transfer->tensor = tensor;
  transfer->write = write;
  transfer->memory = memory;
  transfers.emplace(ticket, std::move(transfer));
  toIssue.push_back(ticket);
  if (Error e = issue())
    return std::move(e);
  return ticket;
}

Error SwapEngine::issue() {
  SmallVector<IoRequest> batch;
  while (!toIssue.empty() && !freeSlots.empty()) {
    Ticket ticket = toIssue.front();
    Transfer &transfer = *transfers.at(ticket);
    const Tensor &tensor = tensors[transfer.tensor];
    if (transfer.failed || transfer.next >= tensor.bytes) {
      toIssue.pop_front();
      continue;
    }
    unsigned index = freeSlots.back();
    freeSlots.pop_back();
    Slot &slot = slots[index];
    slot.ticket = ticket;
    slot.offset = transfer.next;
    slot.length = static_cast<uint32_t>(
        std::min(options.blockBytes, tensor.bytes - transfer.next));
    transfer.next += slot.length;
    uint8_t *memory = transfer.memory + slot.offset;
    slot.bounced = reinterpret_cast<uintptr_t>(memory) % align != 0 ||
                   slot.length % align != 0;
    slot.requested = static_cast<uint32_t>(alignTo(slot.length, align));
    IoRequest request;
    request.kind =
        transfer.write ? IoRequest::Kind::Write : IoRequest::Kind::Read;
    request.fd = tensor.fd;
    request.length = slot.requested;
    request.offset = slot.offset;
    request.tag = index;
    request.buffer = memory;
    if (slot.bounced) {
      request.buffer = slot.bounce.get();
      if (counters.registered)
        request.registered = static_cast<int>(index);
      if (transfer.write) {
        std::memcpy(slot.bounce.get(), memory, slot.length);
        std::memset(slot.bounce.get() + slot.length, 0,
                    slot.requested - slot.length);
      }
      counters.bouncedBytes += slot.length;
    }
    ++transfer.pending;
    ++inFlight;
    ++counters.requests;
    batch.push_back(request);
  }
  if (batch.empty())
    return Error::success();
  return queue->submit(batch);
}

void SwapEngine::fail(Transfer &transfer, std::string message) {
  if (!transfer.failed)
    transfer.error = std::move(message);
  transfer.failed = true;
}

Error SwapEngine::progress(bool block) {
  SmallVector<IoCompletion> completions;
  if (Error e = queue->reap(completions, block))
    return e;
  for (const IoCompletion &completion : completions) {
    if (completion.tag >= slots.size())
      return createStringError(formatv(
          "swap I/O completed with an unknown tag {0}", completion.tag));
    Slot &slot = slots[completion.tag];
    --inFlight;
    freeSlots.push_back(completion.tag);
    auto it = transfers.find(slot.ticket);
    if (it == transfers.end())
      continue; // given up on by a wait that failed
    Transfer &transfer = *it->second;
    const Tensor &tensor = tensors[transfer.tensor];
    StringRef verb = transfer.write ? "writing" : "reading";
    if (completion.result < 0) {
      int error = static_cast<int>(-completion.result);
      fail(transfer,
           formatv("{0} swap file {1} (tensor {2}) at offset {3}: {4}{5}", verb,
                   tensor.path, tensor.name, slot.offset, errnoText(error),
                   error == ENOSPC ? " (the disk is full)" : "")
               .str());
    } else if (completion.result < slot.requested) {
      fail(transfer,
           formatv("short {0} of swap file {1} (tensor {2}): {3} of {4} bytes "
                   "at offset {5}{6}",
                   transfer.write ? "write" : "read", tensor.path, tensor.name,
                   completion.result, slot.requested, slot.offset,
                   transfer.write ? " (the disk is full?)"
                                  : " (was the file truncated?)")
               .str());
    } else if (transfer.write) {
      counters.bytesWritten += slot.length;
    } else {
      if (slot.bounced)
        std::memcpy(transfer.memory + slot.offset, slot.bounce.get(),
                    slot.length);
      counters.bytesRead += slot.length;
    }
    --transfer.pending;
  }
  return issue();
}

bool SwapEngine::done(Ticket ticket) {
  auto it = transfers.find(ticket);
  if (it == transfers.end())
    return true;
  if (Error e = progress(false)) {
    fail(*it->second, toString(std::move(e)));
    return it->second->pending == 0;
  }
  const Transfer &transfer = *it->second;
  return transfer.pending == 0 &&
         (transfer.failed || transfer.next >= tensors[transfer.tensor].bytes);
}

Error SwapEngine::poll() { return progress(/*block=*/false); }

Error SwapEngine::wait(Ticket ticket) {
  auto it = transfers.find(ticket);
  if (it == transfers.end())
    return createStringError(formatv("no swap transfer {0}", ticket));
  Transfer &transfer = *it->second;
  const Tensor &tensor = tensors[transfer.tensor];
  while (transfer.pending > 0 ||
         (!transfer.failed && transfer.next < tensor.bytes)) {
    // Nothing of this transfer in flight and no slot free would never end.
    if (Error e = progress(/*block=*/inFlight > 0)) {
      fail(transfer, toString(std::move(e)));
      break;
    }
  }
  std::string error = std::move(transfer.error);
  bool failed = transfer.failed;
  transfers.erase(it);
  if (failed)
    return createStringError(error);
  return Error::success();
}

Error SwapEngine::waitAll() {
  Error first = Error::success();
  SmallVector<Ticket> tickets;
  for (const auto &entry : transfers)
    tickets.push_back(entry.first);
  llvm::sort(tickets);
  for (Ticket ticket : tickets)
    if (Error e = wait(ticket)) {
      if (first)
        consumeError(std::move(e));
      else
        first = std::move(e);
    }
  return first;
}

void SwapEngine::shutdown() {
  if (queue && inFlight > 0) {
    queue->cancelAll();
    SmallVector<IoCompletion> completions;
    while (inFlight > 0) {
      completions.clear();
      if (Error e = queue->reap(completions, true)) {
        consumeError(std::move(e));
        break;
      }
      inFlight -= std::min<unsigned>(inFlight, completions.size());
    }
  }
  queue.reset();
  for (Tensor &tensor : tensors) {
    if (tensor.fd >= 0)
      ::close(tensor.fd);
    ::unlink(tensor.path.c_str());
  }
  tensors.clear();
  if (lockFd >= 0) {
    ::unlink((dir + "/lock").c_str());
    ::rmdir(dir.c_str());
    ::close(lockFd);
    lockFd = -1;
  }
}

SwapEngine::~SwapEngine() { shutdown(); }
