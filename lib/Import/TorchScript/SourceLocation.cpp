//===- SourceLocation.cpp - the model's source line of a node ------------===//
//
// TorchScript records the Python stack of every traced op; the importer
// names the innermost frame outside PyTorch (the user's model code) in
// locations and messages.
//
//===----------------------------------------------------------------------===//

#include "ImporterState.h"

#include "llvm/Support/FormatVariadic.h"

#include <regex>
#include <sstream>

using namespace mlir;
using namespace dsc::ts;

namespace {

/// The innermost frame of the Python stack that TorchScript recorded for
/// `node` that is not inside PyTorch itself: the user's model code.
std::optional<std::pair<std::string, int>>
pythonSourceLine(const torch::jit::Node *node) {
  torch::jit::SourceRange range = node->sourceRange();
  if (!range.source())
    return std::nullopt;
  // A loaded archive's ranges point into its serialised code; the debug
  // information maps them back to what tracing recorded.
  if (c10::optional<torch::jit::SourceRange> original =
          range.findSourceRangeThatGenerated())
    range = *original;
  static const std::regex frame(R"(^\s*(.+)\((\d+)\): \S+\s*$)");
  std::string text = range.text().str();
  std::istringstream lines(text);
  std::optional<std::pair<std::string, int>> innermost;
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, frame))
      continue;
    std::pair<std::string, int> loc{match[1].str(), std::stoi(match[2].str())};
    if (!innermost)
      innermost = loc;
    bool insideTorch = loc.first.find("/torch/") != std::string::npos;
    if (!insideTorch)
      return loc;
  }
  if (innermost)
    return innermost;
  if (auto flc = range.file_line_col())
    return std::make_pair(std::get<0>(*flc),
                          static_cast<int>(std::get<1>(*flc)));
  return std::nullopt;
}

} // namespace

Location dsc::ts::nodeLocation(MLIRContext *context,
                               const torch::jit::Node *node,
                               StringRef modelPath) {
  if (auto line = pythonSourceLine(node))
    return FileLineColLoc::get(context, line->first, line->second, 0);
  return FileLineColLoc::get(context, modelPath, 0, 0);
}

std::string dsc::ts::describeLocation(const torch::jit::Node *node) {
  if (auto line = pythonSourceLine(node))
    return llvm::formatv("{0}:{1}", line->first, line->second).str();
  return "an unknown source line";
}
