//===- PlanListing.cpp - dumpPlan -----------------------------------------===//
//
// The plan as text (ds-run --dump-plan): one line per tensor and per
// instruction, doubles printed so that they read back exactly.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>

using namespace dsc::rt;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Formats a double so that it reads back exactly and never looks like an
/// integer.
std::string formatDouble(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  std::string text = buffer;
  if (text.find_first_of(".eni") == std::string::npos)
    text += ".0";
  return text;
}

/// Prints `text` in double quotes with C escapes; UTF-8 stays readable.
void printQuoted(llvm::raw_ostream &os, StringRef text) {
  os << '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\')
      os << '\\' << c;
    else if (c == '\n')
      os << "\\n";
    else if (c == '\t')
      os << "\\t";
    else if (c < 0x20 || c == 0x7f)
      os << "\\x" << llvm::hexdigit(c >> 4) << llvm::hexdigit(c & 15);
    else
      os << c;
  }
  os << '"';
}

void printAttr(llvm::raw_ostream &os, const AttrValue &value) {
  if (const auto *i = std::get_if<int64_t>(&value))
    os << *i;
  else if (const auto *d = std::get_if<double>(&value))
    os << formatDouble(*d);
  else if (const auto *s = std::get_if<std::string>(&value))
    printQuoted(os, *s);
  else {
    os << "[";
    llvm::interleaveComma(std::get<std::vector<int64_t>>(value), os);
    os << "]";
  }
}

void printTensorList(llvm::raw_ostream &os, llvm::ArrayRef<uint32_t> list) {
  os << "(";
  llvm::interleaveComma(list, os, [&](uint32_t t) { os << "%t" << t; });
  os << ")";
}

} // namespace

//===----------------------------------------------------------------------===//
// dumpPlan
//===----------------------------------------------------------------------===//

std::string dsc::rt::dumpPlan(const Plan &plan) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "plan: arena " << plan.arenaBytes << " bytes, alignment "
     << plan.arenaAlignment << "\n";
  os << "  " << plan.tensors.size() << " tensors, " << plan.instructions.size()
     << " instructions, " << plan.constants.size() << " constant bytes, "
     << plan.gradients.size() << " gradients\n";
  for (const auto &[key, value] : plan.metadata) {
    os << "  " << key << " = ";
    printQuoted(os, value);
    os << "\n";
  }

  if (!plan.mesh.empty()) {
    os << "  mesh = [";
    llvm::interleaveComma(plan.mesh, os, [&](const auto &axis) {
      printQuoted(os, axis.first);
      os << " = " << axis.second;
    });
    os << "]\n";
  }

  os << "tensors:\n";
  for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
    os << "  %t" << index << " = " << storageName(desc.storage);
    if (desc.storage == Storage::Arena || desc.storage == Storage::Constant)
      os << "[offset=" << desc.offset << "]";
    if (desc.splat)
      os << " splat";
    if (desc.parameter)
      os << " param";
    os << " " << formatType(desc);
    if (!desc.name.empty()) {
      os << " ";
      printQuoted(os, desc.name);
    }
    if (!desc.shardAxes.empty()) {
      os << " split[";
      llvm::interleaveComma(desc.shardAxes, os, [&](int32_t axis) {
        if (axis >= 0 && static_cast<size_t>(axis) < plan.mesh.size())
          os << plan.mesh[axis].first;
        else
          os << "-";
      });
      os << "]";
    }
    if (!desc.dataShape.empty()) {
      os << " data[";
      llvm::interleave(desc.dataShape, os, ",");
      os << "]";
    }
    if (!desc.validRange.empty())
      os << " values " << desc.describeValidRange();
    if (!desc.copyOf.empty()) {
      os << " copy of ";
      printQuoted(os, desc.copyOf);
    }
    os << "\n";
  }

  os << "instructions:\n";
  for (auto [index, inst] : llvm::enumerate(plan.instructions)) {
    os << "  " << index << ": " << inst.kernel;
    printTensorList(os, inst.operands);
    os << " -> ";
    printTensorList(os, inst.results);
    if (!inst.attrs.empty()) {
      os << " {";
      llvm::interleaveComma(inst.attrs, os, [&](const auto &attr) {
        os << attr.first << " = ";
        printAttr(os, attr.second);
      });
      os << "}";
    }
    os << "\n";
  }

  os << "gradients:\n";
  for (auto [param, grad] : plan.gradients)
    os << "  %t" << param << " <- %t" << grad << "\n";
  os << "loss: %t" << plan.loss << "\n";
  return text;
}
