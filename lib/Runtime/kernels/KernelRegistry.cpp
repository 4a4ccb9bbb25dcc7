//===- KernelRegistry.cpp - the kernel table and check helpers ------------===//
//
// No ATen here: the table is assembled from the register functions of the
// kernel files, and the helpers look at plan descriptions only.
//
//===----------------------------------------------------------------------===//

#include "KernelRegistry.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>

using namespace dsc::rt;
using namespace dsc::rt::kernels;
using llvm::StringRef;
using llvm::Twine;

namespace {

const llvm::StringMap<KernelInfo> &kernelTable() {
  static const llvm::StringMap<KernelInfo> table = [] {
    llvm::StringMap<KernelInfo> t;
    registerElementwiseKernels(t);
    registerNeuralKernels(t);
    registerShapeKernels(t);
    registerGradientKernels(t);
    registerCollectiveKernels(t);
    return t;
  }();
  return table;
}

/// Finds attribute `name` or reports it missing.
llvm::Expected<const AttrValue *> findAttr(const Instruction &inst,
                                           StringRef name) {
  auto it = inst.attrs.find(name.str());
  if (it == inst.attrs.end())
    return checkError("missing attribute '" + name + "'");
  return &it->second;
}

llvm::Error wrongAttrType(StringRef name, StringRef expected) {
  return checkError("attribute '" + name + "' must be " + expected);
}

} // namespace

const KernelInfo *dsc::rt::kernels::lookupKernel(StringRef name) {
  const auto &table = kernelTable();
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

std::vector<std::string> dsc::rt::kernels::kernelNames() {
  std::vector<std::string> names;
  for (const auto &entry : kernelTable())
    names.push_back(entry.getKey().str());
  llvm::sort(names);
  return names;
}

llvm::Error dsc::rt::kernels::checkError(const Twine &message) {
  return llvm::createStringError(message);
}

std::string dsc::rt::kernels::numberString(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

std::string dsc::rt::kernels::typeString(DType dtype,
                                         llvm::ArrayRef<int64_t> shape) {
  std::string text = StringRef(dtypeName(dtype)).lower() + "[";
  llvm::raw_string_ostream os(text);
  llvm::interleave(shape, os, ",");
  os << "]";
  return text;
}

std::string dsc::rt::kernels::typeString(const TensorDesc &desc) {
  return typeString(desc.dtype, desc.shape);
}

bool dsc::rt::kernels::isFloatType(DType dtype) {
  return dtype == DType::F64 || dtype == DType::F32 || dtype == DType::F16 ||
         dtype == DType::BF16;
}

llvm::Error dsc::rt::kernels::expectFloat(const TensorDesc &desc,
                                          StringRef what) {
  if (isFloatType(desc.dtype))
    return llvm::Error::success();
  return checkError(what + " must be a float tensor, got " + typeString(desc));
}

llvm::Error dsc::rt::kernels::expectInt(const TensorDesc &desc,
                                        StringRef what) {
  if (isIntegerDType(desc.dtype))
    return llvm::Error::success();
  return checkError(what + " must be an integer tensor, got " +
                    typeString(desc));
}

llvm::Error dsc::rt::kernels::expectNumeric(const TensorDesc &desc,
                                            StringRef what) {
  if (desc.dtype != DType::Bool)
    return llvm::Error::success();
  return checkError(what + " must be a numeric tensor, got " +
                    typeString(desc));
}

llvm::Error dsc::rt::kernels::expectBool(const TensorDesc &desc,
                                         StringRef what) {
  return expectDType(desc, DType::Bool, what);
}

DType dsc::rt::kernels::accumulatorDType(DType operand, DType result) {
  bool wider =
      (operand == DType::BF16 || operand == DType::F16) && result == DType::F32;
  return wider ? result : operand;
}

llvm::Error dsc::rt::kernels::expectDType(const TensorDesc &desc, DType dtype,
                                          StringRef what) {
  if (desc.dtype == dtype)
    return llvm::Error::success();
  return checkError(what + " must have dtype " +
                    StringRef(dtypeName(dtype)).lower() + ", got " +
                    typeString(desc));
}

llvm::Error dsc::rt::kernels::expectShape(const TensorDesc &desc,
                                          llvm::ArrayRef<int64_t> shape,
                                          StringRef what) {
  if (llvm::ArrayRef<int64_t>(desc.shape) == shape)
    return llvm::Error::success();
  return checkError(what + " must be " + typeString(desc.dtype, shape) +
                    ", got " + typeString(desc));
}

llvm::Error dsc::rt::kernels::expectType(const TensorDesc &desc, DType dtype,
                                         llvm::ArrayRef<int64_t> shape,
                                         StringRef what) {
  if (desc.dtype == dtype && llvm::ArrayRef<int64_t>(desc.shape) == shape)
    return llvm::Error::success();
  return checkError(what + " must be " + typeString(dtype, shape) + ", got " +
                    typeString(desc));
}

llvm::Error dsc::rt::kernels::expectSameType(const TensorDesc &desc,
                                             StringRef what,
                                             const TensorDesc &other,
                                             StringRef otherWhat) {
  if (desc.dtype == other.dtype && desc.shape == other.shape)
    return llvm::Error::success();
  return checkError(what + " must have the type of " + otherWhat + " (" +
                    typeString(other) + "), got " + typeString(desc));
}

llvm::Error dsc::rt::kernels::expectRank(const TensorDesc &desc, size_t rank,
                                         StringRef what, bool atLeast) {
  if (desc.shape.size() == rank || (atLeast && desc.shape.size() > rank))
    return llvm::Error::success();
  return checkError(what + " must have rank " + (atLeast ? "at least " : "") +
                    Twine(rank) + ", got " + typeString(desc));
}

llvm::Expected<std::vector<int64_t>>
dsc::rt::kernels::broadcastShapes(llvm::ArrayRef<std::vector<int64_t>> shapes) {
  size_t rank = 0;
  for (const auto &shape : shapes)
    rank = std::max(rank, shape.size());
  std::vector<int64_t> result(rank, 1);
  for (const auto &shape : shapes) {
    size_t skip = rank - shape.size();
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t &out = result[skip + i];
      if (shape[i] == out || shape[i] == 1)
        continue;
      if (out != 1) {
        std::string text;
        llvm::raw_string_ostream os(text);
        llvm::interleave(
            shapes, os,
            [&](const std::vector<int64_t> &s) {
              os << "[";
              llvm::interleave(s, os, ",");
              os << "]";
            },
            " and ");
        return checkError("shapes " + text + " do not broadcast");
      }
      out = shape[i];
    }
  }
  return result;
}

llvm::Expected<int64_t> dsc::rt::kernels::readInt(const Instruction &inst,
                                                  StringRef name) {
  auto attr = findAttr(inst, name);
  if (!attr)
    return attr.takeError();
  if (const auto *value = std::get_if<int64_t>(*attr))
    return *value;
  return wrongAttrType(name, "an integer");
}

llvm::Expected<double> dsc::rt::kernels::readDouble(const Instruction &inst,
                                                    StringRef name) {
  auto attr = findAttr(inst, name);
  if (!attr)
    return attr.takeError();
  if (const auto *value = std::get_if<double>(*attr))
    return *value;
  if (const auto *value = std::get_if<int64_t>(*attr))
    return static_cast<double>(*value);
  return wrongAttrType(name, "a number");
}

llvm::Expected<std::string>
dsc::rt::kernels::readString(const Instruction &inst, StringRef name,
                             llvm::ArrayRef<StringRef> allowed) {
  auto attr = findAttr(inst, name);
  if (!attr)
    return attr.takeError();
  const auto *value = std::get_if<std::string>(*attr);
  if (!value || !llvm::is_contained(allowed, StringRef(*value)))
    return wrongAttrType(name,
                         "one of \"" + llvm::join(allowed, "\", \"") + "\"");
  return *value;
}

llvm::Expected<std::vector<int64_t>>
dsc::rt::kernels::readInts(const Instruction &inst, StringRef name) {
  auto attr = findAttr(inst, name);
  if (!attr)
    return attr.takeError();
  if (const auto *value = std::get_if<std::vector<int64_t>>(*attr))
    return *value;
  return wrongAttrType(name, "a list of integers");
}

llvm::Expected<bool> dsc::rt::kernels::readFlag(const Instruction &inst,
                                                StringRef name) {
  auto it = inst.attrs.find(name.str());
  if (it == inst.attrs.end())
    return false;
  if (const auto *value = std::get_if<int64_t>(&it->second))
    return *value != 0;
  return wrongAttrType(name, "a unit attribute (an integer)");
}

llvm::Expected<int64_t> dsc::rt::kernels::normalizeDim(int64_t dim, size_t rank,
                                                       StringRef what) {
  int64_t r = static_cast<int64_t>(rank);
  if (dim < -r || dim >= r)
    return checkError(what + " " + Twine(dim) + " is out of range for rank " +
                      Twine(rank));
  return dim < 0 ? dim + r : dim;
}

llvm::Expected<NormOperands>
dsc::rt::kernels::layerNormOperands(const Instruction &inst) {
  size_t count = inst.operands.size();
  NormOperands result;
  if (inst.has("operand_segment_sizes"))
    return checkError("the plan names its operands the way older dsc did "
                      "(operand_segment_sizes); compile it again");
  if (!inst.has("has_weight") && !inst.has("has_bias")) {
    // Without the flags the operands can only be read in order.
    result.hasWeight = count >= 2;
    result.hasBias = count >= 3;
    return result;
  }
  for (auto [name, flag] : {std::pair("has_weight", &result.hasWeight),
                            std::pair("has_bias", &result.hasBias)}) {
    int64_t value = inst.getInt(name, -1);
    if (value != 0 && value != 1)
      return checkError(Twine("attribute '") + name + "' must be 0 or 1");
    *flag = value == 1;
  }
  if (1 + result.hasWeight + result.hasBias != count)
    return checkError("has_weight and has_bias name " +
                      Twine(1 + result.hasWeight + result.hasBias) +
                      " operands, but there are " + Twine(count));
  return result;
}
