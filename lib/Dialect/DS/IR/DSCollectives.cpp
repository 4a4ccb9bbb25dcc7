//===- DSCollectives.cpp - the mesh and the collective ops ----------------===//
//
// A collective's shape rules depend on the sizes of its mesh axes, so they
// are checked when symbol uses are verified, with the mesh resolved.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Dialect/MeshAxes.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::ds;

//===----------------------------------------------------------------------===//
// MeshOp
//===----------------------------------------------------------------------===//

LogicalResult MeshOp::verify() {
  return dsc::verifyMeshAxes(getAxisNames(), getAxisSizes(),
                             [&] { return emitOpError(); });
}

int64_t MeshOp::getAxisSize(StringRef name) {
  for (auto [axis, size] :
       llvm::zip(getAxisNames().getAsValueRange<StringAttr>(), getAxisSizes()))
    if (axis == name)
      return size;
  return -1;
}

int64_t MeshOp::getNumRanks() {
  int64_t ranks = 1;
  for (int64_t size : getAxisSizes())
    ranks *= size;
  return ranks;
}

//===----------------------------------------------------------------------===//
// Shared collective rules
//===----------------------------------------------------------------------===//

namespace {
/// Checks the rules that need no mesh: the axis list and a dimension.
LogicalResult verifyAxesAndDims(Operation *op, ArrayAttr axes,
                                ArrayRef<std::pair<StringRef, int64_t>> dims) {
  if (axes.empty())
    return op->emitOpError() << "needs at least one mesh axis";
  llvm::StringSet<> seen;
  for (StringRef axis : axes.getAsValueRange<StringAttr>())
    if (!seen.insert(axis).second)
      return op->emitOpError() << "names mesh axis \"" << axis << "\" twice";
  auto rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  for (auto [what, dim] : dims)
    if (dim < 0 || dim >= rank)
      return op->emitOpError()
             << what << " " << dim << " is out of range for rank " << rank;
  return success();
}

/// Resolves the mesh and returns the product of the sizes of `axes`.
FailureOr<int64_t> resolveGroupSize(Operation *op, FlatSymbolRefAttr meshRef,
                                    ArrayAttr axes,
                                    SymbolTableCollection &symbolTable) {
  auto mesh = symbolTable.lookupNearestSymbolFrom<MeshOp>(op, meshRef);
  if (!mesh)
    return op->emitOpError()
           << "refers to " << meshRef << ", which is not a ds.mesh";
  int64_t n = 1;
  for (StringRef axis : axes.getAsValueRange<StringAttr>()) {
    int64_t size = mesh.getAxisSize(axis);
    if (size < 0)
      return op->emitOpError()
             << "mesh " << meshRef << " has no axis \"" << axis << "\"";
    n *= size;
  }
  return n;
}

/// Checks that `result` is `input` with dimension `dim` scaled by
/// `num / den` (and, when `dim2 >= 0`, dimension `dim2` by `den / num`).
LogicalResult verifyScaledShape(Operation *op, int64_t dim, int64_t num,
                                int64_t den, int64_t dim2 = -1) {
  auto input = cast<RankedTensorType>(op->getOperand(0).getType());
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<int64_t> expected(input.getShape());
  if (expected[dim] * num % den != 0)
    return op->emitOpError()
           << "dimension " << dim << " of size " << expected[dim]
           << " is not divisible by the " << den << " ranks of the group";
  expected[dim] = expected[dim] * num / den;
  if (dim2 >= 0)
    expected[dim2] = expected[dim2] * den / num;
  if (result.getShape() != ArrayRef<int64_t>(expected) ||
      result.getElementType() != input.getElementType())
    return op->emitOpError()
           << "result type " << result << " should be "
           << RankedTensorType::get(expected, input.getElementType());
  return success();
}
} // namespace

#define DS_COLLECTIVE_GROUP_SIZE(OP)                                           \
  FailureOr<int64_t> OP::getGroupSize(SymbolTableCollection &symbolTable) {    \
    return resolveGroupSize(*this, getMeshAttr(), getAxes(), symbolTable);     \
  }
DS_COLLECTIVE_GROUP_SIZE(AllToAllOp)
DS_COLLECTIVE_GROUP_SIZE(AllGatherOp)
DS_COLLECTIVE_GROUP_SIZE(ReduceScatterOp)
DS_COLLECTIVE_GROUP_SIZE(AllReduceOp)
DS_COLLECTIVE_GROUP_SIZE(LocalSliceOp)
#undef DS_COLLECTIVE_GROUP_SIZE

//===----------------------------------------------------------------------===//
// The collectives
//===----------------------------------------------------------------------===//

LogicalResult AllToAllOp::verify() {
  if (getRealDim().has_value() != getRealSizes().has_value())
    return emitOpError() << "needs real_dim and real_sizes together";
  SmallVector<std::pair<StringRef, int64_t>, 3> dims = {
      {"split_dim", getSplitDim()}, {"concat_dim", getConcatDim()}};
  if (std::optional<uint64_t> realDim = getRealDim())
    dims.push_back({"real_dim", static_cast<int64_t>(*realDim)});
  return verifyAxesAndDims(*this, getAxes(), dims);
}

int64_t AllToAllOp::getPieceExtent(int64_t dim, int64_t groupSize) {
  int64_t size = getInput().getType().getDimSize(dim);
  return dim == static_cast<int64_t>(getSplitDim()) ? size / groupSize : size;
}

/// Checks `real_sizes` against the group size `n` and the pieces' extent.
static LogicalResult verifyRealSizes(AllToAllOp op, int64_t n) {
  std::optional<ArrayRef<int64_t>> sizes = op.getRealSizes();
  if (!sizes)
    return success();
  if (static_cast<int64_t>(sizes->size()) != n * n)
    return op.emitOpError()
           << "real_sizes has " << sizes->size() << " entries; a group of " << n
           << " needs " << n * n;
  int64_t extent = op.getPieceExtent(static_cast<int64_t>(*op.getRealDim()), n);
  for (int64_t size : *sizes)
    if (size < 0 || size > extent)
      return op.emitOpError() << "real size " << size << " is outside [0, "
                              << extent << "], the pieces' extent along "
                              << "real_dim";
  return success();
}

LogicalResult AllToAllOp::verifySymbolUses(SymbolTableCollection &table) {
  FailureOr<int64_t> n = getGroupSize(table);
  if (failed(n))
    return failure();
  if (getSplitDim() == getConcatDim()) {
    int64_t size = getInput().getType().getDimSize(getSplitDim());
    if (size % *n != 0)
      return emitOpError() << "dimension " << getSplitDim() << " of size "
                           << size << " is not divisible by the " << *n
                           << " ranks of the group";
    if (failed(verifyScaledShape(*this, getSplitDim(), 1, 1)))
      return failure();
  } else if (failed(verifyScaledShape(*this, getSplitDim(), 1, *n,
                                      getConcatDim()))) {
    return failure();
  }
  return verifyRealSizes(*this, *n);
}

LogicalResult AllGatherOp::verify() {
  return verifyAxesAndDims(*this, getAxes(), {{"dim", getDim()}});
}

LogicalResult AllGatherOp::verifySymbolUses(SymbolTableCollection &table) {
  FailureOr<int64_t> n = getGroupSize(table);
  if (failed(n))
    return failure();
  return verifyScaledShape(*this, getDim(), *n, 1);
}

LogicalResult ReduceScatterOp::verify() {
  return verifyAxesAndDims(*this, getAxes(), {{"dim", getDim()}});
}

LogicalResult ReduceScatterOp::verifySymbolUses(SymbolTableCollection &table) {
  FailureOr<int64_t> n = getGroupSize(table);
  if (failed(n))
    return failure();
  return verifyScaledShape(*this, getDim(), 1, *n);
}

LogicalResult AllReduceOp::verify() {
  return verifyAxesAndDims(*this, getAxes(), {});
}

LogicalResult AllReduceOp::verifySymbolUses(SymbolTableCollection &table) {
  return getGroupSize(table);
}

LogicalResult LocalSliceOp::verify() {
  return verifyAxesAndDims(*this, getAxes(), {{"dim", getDim()}});
}

LogicalResult LocalSliceOp::verifySymbolUses(SymbolTableCollection &table) {
  FailureOr<int64_t> n = getGroupSize(table);
  if (failed(n))
    return failure();
  return verifyScaledShape(*this, getDim(), 1, *n);
}

//===----------------------------------------------------------------------===//
// ReshardOp
//===----------------------------------------------------------------------===//

LogicalResult ReshardOp::verify() {
  auto type = dyn_cast<RankedTensorType>(getType());
  if (type && getSharding().getRank() != type.getRank())
    return emitOpError() << "sharding has " << getSharding().getRank()
                         << " dimensions but the tensor has " << type.getRank();
  return success();
}

LogicalResult ReshardOp::verifySymbolUses(SymbolTableCollection &table) {
  ShardingAttr sharding = getSharding();
  auto mesh = table.lookupNearestSymbolFrom<MeshOp>(*this, sharding.getMesh());
  if (!mesh)
    return emitOpError() << "sharding names " << sharding.getMesh()
                         << ", which is not a ds.mesh";
  auto checkAxis = [&](Attribute axis, int64_t pieceSize) -> LogicalResult {
    StringRef name = cast<StringAttr>(axis).getValue();
    int64_t size = mesh.getAxisSize(name);
    if (size < 0)
      return emitOpError() << "sharding names axis \"" << name << "\", which "
                           << sharding.getMesh() << " does not have";
    if (pieceSize > 0 && pieceSize % size != 0)
      return emitOpError() << "a piece of size " << pieceSize
                           << " cannot be split over \"" << name
                           << "\" = " << size;
    return success();
  };
  auto type = cast<RankedTensorType>(getType());
  for (auto [d, entries] : llvm::enumerate(sharding.getDims())) {
    if (!sharding.hasPieces(d)) {
      for (Attribute axis : entries)
        if (failed(checkAxis(axis, 0)))
          return failure();
      continue;
    }
    int64_t product = 1;
    for (Attribute entry : entries) {
      if (auto size = dyn_cast<IntegerAttr>(entry)) {
        product *= size.getInt();
        continue;
      }
      auto piece = cast<ArrayAttr>(entry);
      int64_t size = cast<IntegerAttr>(piece[0]).getInt();
      if (failed(checkAxis(piece[1], size)))
        return failure();
      product *= size;
    }
    if (product != type.getDimSize(d))
      return emitOpError() << "the pieces of dimension " << d << " multiply to "
                           << product << ", not " << type.getDimSize(d);
  }
  for (const PartialAxis &p : sharding.getPartial())
    if (failed(checkAxis(p.axis, 0)))
      return failure();
  return success();
}
