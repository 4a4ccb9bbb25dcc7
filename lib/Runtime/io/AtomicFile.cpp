//===- AtomicFile.cpp - write a file all at once or not at all ------------===//

#include "dsc/Runtime/AtomicFile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <string>
#include <system_error>

#ifdef LLVM_ON_UNIX
#include <unistd.h>
#endif

using llvm::ArrayRef;
using llvm::StringRef;
using llvm::Twine;

namespace {

llvm::Error makeError(StringRef path, const Twine &message) {
  return llvm::createStringError(path + ": " + message);
}

llvm::Error errnoError(StringRef path, const Twine &what) {
  return makeError(
      path,
      what + ": " + std::error_code(errno, std::generic_category()).message());
}

/// Where the bytes written to `path` go: `path` with every symlink on the
/// way followed (a dangling link's target is created).
llvm::Expected<std::string> resolveTarget(StringRef path) {
  std::string current = path.str();
  for (int hops = 0; hops < 40; ++hops) {
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(current, status, /*Follow=*/false) ||
        status.type() != llvm::sys::fs::file_type::symlink_file)
      return current;
#ifdef LLVM_ON_UNIX
    char buffer[4096];
    ssize_t n = ::readlink(current.c_str(), buffer, sizeof(buffer));
    if (n < 0)
      return errnoError(path,
                        "cannot read the symbolic link '" + current + "'");
    std::string link(buffer, n);
    if (llvm::sys::path::is_absolute(link)) {
      current = link;
    } else {
      llvm::SmallString<256> next(llvm::sys::path::parent_path(current));
      llvm::sys::path::append(next, link);
      current = std::string(next);
    }
#else
    return current;
#endif
  }
  return makeError(path, "too many levels of symbolic links");
}

/// A destination that is written in place: nothing there to replace.
bool isDirect(llvm::sys::fs::file_type type) {
  using llvm::sys::fs::file_type;
  return type == file_type::character_file || type == file_type::block_file ||
         type == file_type::fifo_file || type == file_type::socket_file;
}

/// Checks `target` (resolved from `path`) and returns its status, if it
/// exists.
llvm::Expected<std::optional<llvm::sys::fs::file_status>>
checkTarget(StringRef path, StringRef target) {
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(target, status)) {
    if (status.type() == llvm::sys::fs::file_type::directory_file)
      return makeError(path, "is a directory");
    if (isDirect(status.type()))
      return std::optional(status);
  } else {
    status = llvm::sys::fs::file_status();
  }
  StringRef parent = llvm::sys::path::parent_path(target);
  std::string dir = parent.empty() ? "." : parent.str();
  if (!llvm::sys::fs::is_directory(dir))
    return makeError(path, "the directory '" + dir + "' does not exist");
  if (llvm::sys::fs::access(dir, llvm::sys::fs::AccessMode::Write))
    return makeError(path, "cannot write in the directory '" + dir + "'");
  if (status.type() == llvm::sys::fs::file_type::status_error)
    return std::optional<llvm::sys::fs::file_status>();
  return std::optional(status);
}

} // namespace

llvm::Error dsc::rt::OutputFile::check(StringRef path) {
  if (path == "-")
    return llvm::Error::success();
  llvm::Expected<std::string> target = resolveTarget(path);
  if (!target)
    return target.takeError();
  return checkTarget(path, *target).takeError();
}

llvm::Expected<dsc::rt::OutputFile> dsc::rt::OutputFile::open(StringRef path) {
  OutputFile out;
  out.path = path.str();
#ifdef LLVM_ON_UNIX
  if (path == "-") {
    // Standard output, written in place.
    out.target = "<stdout>";
    out.fd = ::dup(STDOUT_FILENO);
    if (out.fd < 0)
      return errnoError(path, "cannot write standard output");
    out.stream = std::make_unique<llvm::raw_fd_ostream>(out.fd,
                                                        /*shouldClose=*/false);
    return std::move(out);
  }
#endif
  llvm::Expected<std::string> target = resolveTarget(path);
  if (!target)
    return target.takeError();
  auto existing = checkTarget(path, *target);
  if (!existing)
    return existing.takeError();
  out.target = *target;
  if (*existing && isDirect((*existing)->type())) {
    if (std::error_code ec = llvm::sys::fs::openFileForWrite(
            out.target, out.fd, llvm::sys::fs::CD_OpenExisting))
      return makeError(path, "cannot open: " + ec.message());
  } else {
    out.tmpPath =
        (out.target + ".tmp-" + Twine(llvm::sys::Process::getProcessId()))
            .str();
    if (std::error_code ec = llvm::sys::fs::openFileForWrite(
            out.tmpPath, out.fd, llvm::sys::fs::CD_CreateAlways))
      return makeError(path, "cannot create temporary file '" + out.tmpPath +
                                 "': " + ec.message());
    // A crash or an interrupt before the commit leaves no temporary behind.
    (void)llvm::sys::RemoveFileOnSignal(out.tmpPath);
    // The file that replaces another keeps its permissions.
    if (*existing)
      (void)llvm::sys::fs::setPermissions(out.fd, (*existing)->permissions());
  }
  out.stream = std::make_unique<llvm::raw_fd_ostream>(out.fd,
                                                      /*shouldClose=*/false);
  return std::move(out);
}

dsc::rt::OutputFile::OutputFile(OutputFile &&other) noexcept {
  *this = std::move(other);
}

dsc::rt::OutputFile &
dsc::rt::OutputFile::operator=(OutputFile &&other) noexcept {
  if (this == &other)
    return *this;
  discard();
  path = std::move(other.path);
  target = std::move(other.target);
  tmpPath = std::move(other.tmpPath);
  fd = other.fd;
  stream = std::move(other.stream);
  committed = other.committed;
  other.fd = -1;
  other.tmpPath.clear();
  other.committed = true;
  return *this;
}

dsc::rt::OutputFile::~OutputFile() { discard(); }

void dsc::rt::OutputFile::discard() {
  if (stream) {
    // A stream destroyed with an error would abort the process.
    stream->flush();
    stream->clear_error();
    stream.reset();
  }
  if (fd >= 0) {
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    fd = -1;
  }
  if (!committed && !tmpPath.empty()) {
    llvm::sys::fs::remove(tmpPath);
    llvm::sys::DontRemoveFileOnSignal(tmpPath);
  }
  tmpPath.clear();
}

llvm::raw_ostream &dsc::rt::OutputFile::os() { return *stream; }

llvm::Error dsc::rt::OutputFile::flush() {
  stream->flush();
  if (stream->has_error())
    return makeError(path, "cannot write: " + stream->error().message());
  return llvm::Error::success();
}

llvm::Error dsc::rt::OutputFile::commit() {
  stream->flush();
  if (stream->has_error()) {
    std::error_code ec = stream->error();
    discard();
    return makeError(path, "cannot write: " + ec.message());
  }
  stream->clear_error();
  stream.reset();
#ifdef LLVM_ON_UNIX
  // The rename must not become visible before the data is on disk.
  if (!tmpPath.empty() && ::fsync(fd) != 0) {
    llvm::Error error = errnoError(path, "cannot write");
    discard();
    return error;
  }
#endif
  if (std::error_code ec = llvm::sys::Process::SafelyCloseFileDescriptor(fd)) {
    fd = -1;
    discard();
    return makeError(path, "cannot write: " + ec.message());
  }
  fd = -1;
  if (!tmpPath.empty())
    if (std::error_code ec = llvm::sys::fs::rename(tmpPath, target)) {
      discard();
      return makeError(path, "cannot rename '" + tmpPath +
                                 "' over it: " + ec.message());
    }
  if (!tmpPath.empty())
    llvm::sys::DontRemoveFileOnSignal(tmpPath);
  committed = true;
  tmpPath.clear();
  return llvm::Error::success();
}

llvm::Error dsc::rt::writeFileAtomically(StringRef path,
                                         ArrayRef<ArrayRef<uint8_t>> chunks) {
  llvm::Expected<OutputFile> out = OutputFile::open(path);
  if (!out)
    return out.takeError();
  for (ArrayRef<uint8_t> chunk : chunks)
    out->os().write(reinterpret_cast<const char *>(chunk.data()), chunk.size());
  return out->commit();
}

llvm::Error dsc::rt::writeFileAtomically(StringRef path, StringRef bytes) {
  ArrayRef<uint8_t> chunk(reinterpret_cast<const uint8_t *>(bytes.data()),
                          bytes.size());
  return writeFileAtomically(path, ArrayRef<ArrayRef<uint8_t>>(chunk));
}
