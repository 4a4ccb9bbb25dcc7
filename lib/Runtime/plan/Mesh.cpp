//===- Mesh.cpp - ranks, mesh coordinates and split inputs ----------------===//

#include "dsc/Runtime/Mesh.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cassert>
#include <cstring>

using namespace dsc::rt;
using llvm::StringRef;
using llvm::Twine;

int64_t dsc::rt::meshRanks(const Plan &plan) {
  int64_t ranks = 1;
  for (const auto &axis : plan.mesh)
    ranks *= axis.second;
  return ranks;
}

std::string dsc::rt::describeMesh(const Plan &plan) {
  if (plan.mesh.empty())
    return "no mesh";
  std::string text;
  for (const auto &[name, size] : plan.mesh)
    text += (text.empty() ? "" : ", ") + name + "=" + std::to_string(size);
  return text;
}

std::vector<int64_t> dsc::rt::meshShape(const Plan &plan) {
  std::vector<int64_t> shape;
  for (const auto &axis : plan.mesh)
    shape.push_back(axis.second);
  return shape;
}

std::vector<int64_t> dsc::rt::meshCoordinates(const Plan &plan, int rank) {
  std::vector<int64_t> coordinates(plan.mesh.size());
  int64_t rest = rank;
  for (size_t axis = plan.mesh.size(); axis-- > 0;) {
    coordinates[axis] = rest % plan.mesh[axis].second;
    rest /= plan.mesh[axis].second;
  }
  return coordinates;
}

llvm::Expected<std::vector<int>> dsc::rt::parseMeshAxes(const Plan &plan,
                                                        StringRef axes) {
  auto fail = [&](const Twine &why) {
    return llvm::createStringError("mesh axes \"" + axes + "\": " + why +
                                   " (the plan's mesh: " + describeMesh(plan) +
                                   ")");
  };
  llvm::SmallVector<StringRef> names;
  axes.split(names, ',');
  std::vector<int> indices;
  for (StringRef name : names) {
    name = name.trim();
    if (name.empty())
      return fail("empty axis name");
    auto it = llvm::find_if(
        plan.mesh, [&](const auto &axis) { return axis.first == name; });
    if (it == plan.mesh.end())
      return fail("no mesh axis '" + name + "'");
    int index = static_cast<int>(it - plan.mesh.begin());
    if (llvm::is_contained(indices, index))
      return fail("axis '" + name + "' named twice");
    indices.push_back(index);
  }
  return indices;
}

std::vector<int64_t> dsc::rt::globalShape(const Plan &plan,
                                          const TensorDesc &desc) {
  std::vector<int64_t> shape = desc.shape;
  for (auto [dim, axis] : llvm::enumerate(desc.shardAxes))
    if (axis >= 0)
      shape[dim] *= plan.mesh[axis].second;
  return shape;
}

std::vector<int64_t> dsc::rt::dataShape(const Plan &plan,
                                        const TensorDesc &desc) {
  if (!desc.dataShape.empty())
    return desc.dataShape;
  return globalShape(plan, desc);
}

void dsc::rt::copyLocalBlock(const Plan &plan, const TensorDesc &desc,
                             llvm::ArrayRef<int64_t> coordinates,
                             llvm::ArrayRef<uint8_t> global,
                             llvm::MutableArrayRef<uint8_t> local) {
  assert(local.size() == desc.numBytes() && "local block of the wrong size");
  if (local.empty())
    return;
  size_t rank = desc.shape.size();
  size_t elementBytes = dtypeSize(desc.dtype);
  if (rank == 0) {
    std::memcpy(local.data(), global.data(), elementBytes);
    return;
  }
  std::vector<int64_t> data = dataShape(plan, desc);
  // Where the block starts along each dimension, and the data's strides.
  std::vector<int64_t> start(rank, 0), strides(rank, 1);
  for (size_t dim = 0; dim < rank; ++dim)
    if (!desc.shardAxes.empty() && desc.shardAxes[dim] >= 0)
      start[dim] = coordinates[desc.shardAxes[dim]] * desc.shape[dim];
  for (size_t dim = rank - 1; dim-- > 0;)
    strides[dim] = strides[dim + 1] * data[dim + 1];
  assert(global.size() ==
             static_cast<size_t>(strides[0] * data[0]) * elementBytes &&
         "global data of the wrong size");

  // Copy one innermost row at a time, odometer over the outer dimensions.
  // A row whose outer index lies beyond the data is padding; a row that
  // starts inside the data may end beyond it, and its tail is padding.
  int64_t rowLength = desc.shape[rank - 1];
  int64_t inRow =
      std::clamp<int64_t>(data[rank - 1] - start[rank - 1], 0, rowLength);
  std::vector<int64_t> index(rank, 0);
  uint8_t *out = local.data();
  while (true) {
    int64_t element = start[rank - 1];
    bool padding = false;
    for (size_t dim = 0; dim + 1 < rank; ++dim) {
      int64_t at = start[dim] + index[dim];
      padding |= at >= data[dim];
      element += at * strides[dim];
    }
    size_t copied = padding ? 0 : inRow * elementBytes;
    if (copied)
      std::memcpy(out, global.data() + element * elementBytes, copied);
    std::memset(out + copied, 0, rowLength * elementBytes - copied);
    out += rowLength * elementBytes;
    size_t dim = rank - 1;
    while (dim-- > 0) {
      if (++index[dim] < desc.shape[dim])
        break;
      index[dim] = 0;
    }
    if (dim == static_cast<size_t>(-1))
      break;
  }
}
