//===- Plan.cpp - what the runtime needs from a plan in memory ------------===//
//
// The file format lives in PlanFile.cpp, validation in PlanValidation.cpp
// and the listing (ds-run --dump-plan) in PlanListing.cpp.
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

bool dsc::rt::isKnownDType(DType dtype) {
  return static_cast<uint8_t>(dtype) <= static_cast<uint8_t>(DType::Bool);
}

/// Returns the lowercase dtype name listings use ("f32", "bf16", "bool").
static std::string lowerDTypeName(DType dtype) {
  if (!isKnownDType(dtype))
    return "dtype" + std::to_string(static_cast<unsigned>(dtype));
  return StringRef(dtypeName(dtype)).lower();
}

std::string dsc::rt::formatType(const TensorDesc &desc) {
  std::string text = lowerDTypeName(desc.dtype) + "[";
  llvm::raw_string_ostream os(text);
  llvm::interleave(desc.shape, os, ",");
  os << "]";
  return text;
}

//===----------------------------------------------------------------------===//
// TensorDesc, Instruction, Plan
//===----------------------------------------------------------------------===//

StringRef dsc::rt::storageName(Storage storage) {
  switch (storage) {
  case Storage::Arena:
    return "arena";
  case Storage::Parameter:
    return "param";
  case Storage::State:
    return "state";
  case Storage::Input:
    return "input";
  case Storage::Constant:
    return "const";
  case Storage::Swapped:
    return "swap";
  case Storage::Host:
    return "host";
  }
  return "unknown";
}

std::optional<uint64_t>
TensorDesc::firstRejected(llvm::ArrayRef<uint8_t> bytes) const {
  if (validRange.empty() || !isIntegerDType(dtype))
    return std::nullopt;
  size_t size = dtypeSize(dtype);
  for (uint64_t i = 0, n = bytes.size() / size; i < n; ++i)
    if (!acceptsValue(loadInteger(dtype, bytes.data() + i * size)))
      return i;
  return std::nullopt;
}

std::string TensorDesc::describeValidRange() const {
  if (validRange.size() < 2)
    return "any value";
  std::string text = "[" + std::to_string(validRange[0]) + ", " +
                     std::to_string(validRange[1]) + ")";
  if (validRange.size() == 3)
    text += " or " + std::to_string(validRange[2]);
  return text;
}

uint64_t TensorDesc::storedBytes() const {
  return splat && isKnownDType(dtype) ? dtypeSize(dtype) : numBytes();
}

int64_t TensorDesc::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    if (dim < 0 || llvm::MulOverflow(count, dim, count))
      return -1;
  return count;
}

uint64_t TensorDesc::numBytes() const {
  constexpr uint64_t kInvalid = std::numeric_limits<uint64_t>::max();
  int64_t count = numElements();
  uint64_t bytes;
  if (count < 0 || !isKnownDType(dtype) ||
      __builtin_mul_overflow(static_cast<uint64_t>(count),
                             static_cast<uint64_t>(dtypeSize(dtype)), &bytes) ||
      bytes == kInvalid)
    return kInvalid;
  return bytes;
}

int64_t Instruction::getInt(StringRef name, int64_t fallback) const {
  auto it = attrs.find(name.str());
  if (it == attrs.end())
    return fallback;
  const auto *value = std::get_if<int64_t>(&it->second);
  return value ? *value : fallback;
}

double Instruction::getDouble(StringRef name, double fallback) const {
  auto it = attrs.find(name.str());
  if (it == attrs.end())
    return fallback;
  if (const auto *value = std::get_if<double>(&it->second))
    return *value;
  if (const auto *value = std::get_if<int64_t>(&it->second))
    return static_cast<double>(*value);
  return fallback;
}

std::string Instruction::getString(StringRef name, StringRef fallback) const {
  auto it = attrs.find(name.str());
  if (it == attrs.end())
    return fallback.str();
  const auto *value = std::get_if<std::string>(&it->second);
  return value ? *value : fallback.str();
}

std::vector<int64_t> Instruction::getInts(StringRef name) const {
  auto it = attrs.find(name.str());
  if (it == attrs.end())
    return {};
  const auto *value = std::get_if<std::vector<int64_t>>(&it->second);
  return value ? *value : std::vector<int64_t>();
}

int64_t Plan::numRanks() const {
  uint64_t ranks = 1;
  bool overflow = false;
  for (const auto &[name, size] : mesh)
    ranks = llvm::SaturatingMultiply(
        ranks, static_cast<uint64_t>(std::max<int64_t>(size, 1)), &overflow);
  return overflow || ranks > INT64_MAX ? INT64_MAX
                                       : static_cast<int64_t>(ranks);
}

bool Plan::isGradientPiece(size_t index) const {
  auto [param, grad] = gradients[index];
  return tensors[param].isParameterPiece() ||
         tensors[param].shape != tensors[grad].shape;
}

std::optional<TransferKind> dsc::rt::transferKind(StringRef kernel) {
  if (kernel == "reload" || kernel == "reload_wait")
    return TransferKind{/*write=*/false, kernel.ends_with("_wait")};
  if (kernel == "offload" || kernel == "offload_wait")
    return TransferKind{/*write=*/true, kernel.ends_with("_wait")};
  return std::nullopt;
}

/// The indices of the tensors of `plan` that `keep` accepts, in order.
template <typename Predicate>
static std::vector<uint32_t> indicesWhere(const Plan &plan, Predicate keep) {
  std::vector<uint32_t> indices;
  for (auto [index, desc] : llvm::enumerate(plan.tensors))
    if (keep(desc))
      indices.push_back(static_cast<uint32_t>(index));
  return indices;
}

std::vector<uint32_t> Plan::parameterTensors() const {
  return indicesWhere(
      *this, [](const TensorDesc &desc) { return desc.isParameter(); });
}

std::vector<uint32_t> Plan::loadedTensors() const {
  return indicesWhere(*this,
                      [](const TensorDesc &desc) { return desc.isLoaded(); });
}

std::vector<uint32_t> Plan::tensorsWith(Storage storage) const {
  return indicesWhere(*this, [storage](const TensorDesc &desc) {
    return desc.storage == storage;
  });
}
