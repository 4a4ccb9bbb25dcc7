//===- CommandLine.h - what the dsc tools add to llvm::cl -------*- C++ -*-===//
//
// LLVM's command line parser reads every one-letter option as groupable
// (`-la` is `-l -a`), and its help has the one-letter alias `-h`, which
// prints and exits with 0 as soon as it is seen. So a misspelt long option
// that begins with "h" (`--hardwre=h200`) would print the help and exit
// with 0, having done nothing: a script would go on as if it had run. The
// tools refuse such an option first.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_COMMANDLINE_H
#define DSC_TOOLS_COMMANDLINE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

namespace dsc {

/// Returns false, after saying so, if an argument before "--" is an
/// option that begins with "h" and is not registered (LLVM would read it as
/// `-h` followed by more grouped letters).
inline bool refuseGroupedHelp(int argc, const char *const *argv) {
  auto options = llvm::cl::getRegisteredOptions();
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg(argv[i]);
    if (arg == "--")
      break;
    if (!arg.starts_with("-"))
      continue;
    llvm::StringRef name = arg.ltrim('-').split('=').first;
    if (name.size() > 1 && name.starts_with("h") && !options.contains(name)) {
      llvm::StringRef tool = llvm::sys::path::filename(argv[0]);
      llvm::WithColor::error(llvm::errs(), tool)
          << "unknown option '" << arg << "'; try: '" << tool << " --help'\n";
      return false;
    }
  }
  return true;
}

/// cl::ParseCommandLineOptions, after refuseGroupedHelp (exit code 1).
inline void parseCommandLine(int argc, const char *const *argv,
                             llvm::StringRef overview) {
  if (!refuseGroupedHelp(argc, argv))
    std::exit(1);
  llvm::cl::ParseCommandLineOptions(argc, argv, overview);
}

} // namespace dsc

#endif // DSC_TOOLS_COMMANDLINE_H
