//===- AtomicFileTest.cpp - outputs replace their destination or nothing --===//

#include "dsc/Runtime/AtomicFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <csignal>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace dsc::rt;
using llvm::StringRef;

namespace {

std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

class AtomicFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> path;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("dsc-atomic-file", path));
    dir = std::string(path);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string pathTo(StringRef name) const {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  }
  std::string read(StringRef path) const {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    return buffer ? (*buffer)->getBuffer().str() : "<unreadable>";
  }
  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir;
};

TEST_F(AtomicFileTest, UncommittedOutputLeavesTheOldFile) {
  std::string path = pathTo("model.mlir");
  ASSERT_EQ(message(writeFileAtomically(path, "old")), "");
  {
    auto out = OutputFile::open(path);
    ASSERT_TRUE(bool(out)) << message(out.takeError());
    out->os() << "new but abandoned";
  }
  EXPECT_EQ(read(path), "old");
  EXPECT_EQ(listDir(), std::vector<std::string>{"model.mlir"});
}

TEST_F(AtomicFileTest, ACrashLeavesNoTemporary) {
  // A process killed by a signal it can catch (a crash, an interrupt)
  // removes its temporary; the old file stays whole.
  std::string path = pathTo("step.plan");
  ASSERT_EQ(message(writeFileAtomically(path, "old")), "");
  for (int signal : {SIGSEGV, SIGTERM}) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto out = OutputFile::open(path);
      if (!out)
        _exit(2);
      out->os() << "half a plan";
      (void)out->flush();
      raise(signal);
      _exit(3);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    EXPECT_EQ(WTERMSIG(status), signal);
    EXPECT_EQ(read(path), "old");
    EXPECT_EQ(listDir(), std::vector<std::string>{"step.plan"});
  }
}

TEST_F(AtomicFileTest, CommitReplacesAndKeepsPermissions) {
  std::string path = pathTo("step.plan");
  ASSERT_EQ(message(writeFileAtomically(path, "old")), "");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto out = OutputFile::open(path);
  ASSERT_TRUE(bool(out)) << message(out.takeError());
  out->os() << "new";
  ASSERT_EQ(message(out->commit()), "");
  EXPECT_EQ(read(path), "new");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(listDir(), std::vector<std::string>{"step.plan"});
}

TEST_F(AtomicFileTest, SymlinksAreWrittenThrough) {
  std::string target = pathTo("real.safetensors");
  std::string link = pathTo("link.safetensors");
  ASSERT_EQ(message(writeFileAtomically(target, "old")), "");
  ASSERT_EQ(::symlink("real.safetensors", link.c_str()), 0);
  ASSERT_EQ(message(writeFileAtomically(link, "new")), "");
  EXPECT_EQ(read(target), "new");
  llvm::sys::fs::file_status status;
  ASSERT_FALSE(llvm::sys::fs::status(link, status, /*Follow=*/false));
  EXPECT_EQ(status.type(), llvm::sys::fs::file_type::symlink_file);

  // A dangling link creates its target.
  std::string dangling = pathTo("dangling");
  ASSERT_EQ(::symlink("created", dangling.c_str()), 0);
  ASSERT_EQ(message(writeFileAtomically(dangling, "made")), "");
  EXPECT_EQ(read(pathTo("created")), "made");

  // A loop of links is an error, not a hang.
  ASSERT_EQ(::symlink("loop-b", pathTo("loop-a").c_str()), 0);
  ASSERT_EQ(::symlink("loop-a", pathTo("loop-b").c_str()), 0);
  EXPECT_EQ(message(writeFileAtomically(pathTo("loop-a"), "x")),
            pathTo("loop-a") + ": too many levels of symbolic links");
}

TEST_F(AtomicFileTest, DevicesAreWrittenInPlace) {
  // Through a link to /dev/null: the link and the device stay what they are.
  std::string link = pathTo("null");
  ASSERT_EQ(::symlink("/dev/null", link.c_str()), 0);
  ASSERT_EQ(message(writeFileAtomically(link, "discarded")), "");
  llvm::sys::fs::file_status status;
  ASSERT_FALSE(llvm::sys::fs::status(link, status, /*Follow=*/false));
  EXPECT_EQ(status.type(), llvm::sys::fs::file_type::symlink_file);
  ASSERT_FALSE(llvm::sys::fs::status("/dev/null", status));
  EXPECT_EQ(status.type(), llvm::sys::fs::file_type::character_file);
  EXPECT_EQ(listDir(), std::vector<std::string>{"null"});
}

TEST_F(AtomicFileTest, BadDestinationsAreRefusedBeforeWriting) {
  EXPECT_EQ(message(OutputFile::check(dir)), dir + ": is a directory");
  std::string missing = pathTo("no/such/dir/out.plan");
  EXPECT_EQ(message(OutputFile::check(missing)), missing + ": the directory '" +
                                                     pathTo("no/such/dir") +
                                                     "' does not exist");
  EXPECT_EQ(message(OutputFile::check(pathTo("fine.plan"))), "");
  if (::geteuid() != 0) {
    std::string locked = pathTo("locked");
    ASSERT_FALSE(llvm::sys::fs::create_directory(locked));
    ASSERT_EQ(::chmod(locked.c_str(), 0500), 0);
    std::string inside = locked + "/out.plan";
    EXPECT_EQ(message(OutputFile::check(inside)),
              inside + ": cannot write in the directory '" + locked + "'");
    ::chmod(locked.c_str(), 0700);
  }
  // Checking creates nothing.
  for (const std::string &name : listDir())
    EXPECT_EQ(name, "locked");
}

} // namespace
