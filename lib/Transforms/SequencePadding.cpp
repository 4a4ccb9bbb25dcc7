//===- SequencePadding.cpp - grow the sequence to a size sp divides -------===//
//
// Padding is tracked in atoms, as sharding is (ShardingLayout.h): a
// dimension [B*S] whose S part grew to S' is [{B}, {S -> S'}], so padding
// survives reshapes that merge or split dimensions around it.
//
// Over 500 lines because it is one engine (SequencePadder: pad, convert,
// rescale) whose methods share its state; the pass is PadSequence.cpp.
//
//===----------------------------------------------------------------------===//

#include "SequencePadding.h"

#include "dsc/Analysis/FactorPropagation.h"
#include "dsc/Analysis/ShardingLayout.h"
#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <limits>
#include <map>

using namespace mlir;
using namespace mlir::ds;

namespace {

/// `size` elements of the original program, held in `padded` >= `size`
/// elements: the real ones first.
struct PadAtom {
  int64_t size = 1;
  int64_t padded = 1;
  bool isPadded() const { return padded != size; }
  bool operator==(const PadAtom &other) const {
    return size == other.size && padded == other.padded;
  }
};
using PadDim = SmallVector<PadAtom, 2>;
using PadLayout = SmallVector<PadDim>;

PadLayout unpaddedLayout(ArrayRef<int64_t> shape) {
  PadLayout layout;
  for (int64_t size : shape)
    layout.push_back({PadAtom{size, size}});
  return layout;
}

bool isPadded(const PadDim &dim) {
  return llvm::any_of(dim, [](const PadAtom &a) { return a.isPadded(); });
}

bool isPadded(const PadLayout &layout) {
  return llvm::any_of(layout, [](const PadDim &d) { return isPadded(d); });
}

SmallVector<int64_t> originalSizes(const PadDim &dim) {
  return llvm::map_to_vector(dim, [](const PadAtom &a) { return a.size; });
}

int64_t paddedSize(const PadDim &dim) {
  int64_t size = 1;
  for (const PadAtom &a : dim)
    size *= a.padded;
  return size;
}

/// `layout` with neighbouring unpadded atoms merged: two layouts whose merged
/// forms are equal hold their elements at the same places.
PadLayout merged(const PadLayout &layout) {
  PadLayout out;
  for (const PadDim &dim : layout) {
    PadDim atoms;
    for (const PadAtom &a : dim) {
      if (!a.isPadded() && !atoms.empty() && !atoms.back().isPadded()) {
        atoms.back().size *= a.size;
        atoms.back().padded *= a.padded;
        continue;
      }
      atoms.push_back(a);
    }
    out.push_back(atoms);
  }
  return out;
}

std::string str(const PadLayout &layout) {
  std::string text;
  llvm::raw_string_ostream os(text);
  for (const PadDim &dim : layout) {
    os << "[";
    for (const PadAtom &a : dim)
      os << a.size << ">" << a.padded << ",";
    os << "]";
  }
  return text;
}

/// Splits the atoms of `dim` at the boundaries of `sizes` (a refinement of
/// their original sizes, as dsc::refineSizes makes); fails where a padded
/// atom would be cut.
std::optional<PadDim> refine(const PadDim &dim, ArrayRef<int64_t> sizes) {
  PadDim out;
  size_t next = 0;
  for (const PadAtom &atom : dim) {
    if (atom.size == 1)
      continue;
    size_t first = next;
    int64_t covered = 1;
    while (covered < atom.size && next < sizes.size())
      covered *= sizes[next++];
    if (covered != atom.size)
      return std::nullopt;
    if (atom.isPadded()) {
      if (next - first != 1)
        return std::nullopt;
      out.push_back(atom);
      continue;
    }
    for (size_t i = first; i < next; ++i)
      out.push_back(PadAtom{sizes[i], sizes[i]});
  }
  if (out.empty())
    out.push_back(PadAtom{1, 1});
  return out;
}

/// Refines two layouts of one tensor to common pieces, dimension by
/// dimension.
std::optional<std::pair<PadDim, PadDim>> commonPieces(const PadDim &a,
                                                      const PadDim &b) {
  auto sizes = dsc::refineSizes(originalSizes(a), originalSizes(b));
  if (!sizes)
    return std::nullopt;
  auto pa = refine(a, *sizes), pb = refine(b, *sizes);
  if (!pa || !pb || pa->size() != pb->size())
    return std::nullopt;
  return std::make_pair(*pa, *pb);
}

/// Padding for the shared driver (FactorPropagation.h): an atom is marked
/// when padded; operands that pad one factor must pad it the same way.
struct PadAtoms {
  using Atom = PadAtom;
  using Dim = PadDim;
  int64_t sizeOf(const Atom &a) const { return a.size; }
  Atom whole(int64_t size) const { return PadAtom{size, size}; }
  bool isMarked(const Atom &a) const { return a.isPadded(); }
  std::optional<Dim> cut(const Dim &dim, ArrayRef<int64_t> sizes) const {
    return refine(dim, sizes);
  }
  FailureOr<Dim> merge(const Dim &current, const Dim &incoming) const {
    if (!isPadded(incoming))
      return current;
    if (isPadded(current) && current != incoming)
      return failure();
    return incoming;
  }
};
using Factors = dsc::FactorAtoms<PadAtoms>;

class SequencePadder {
public:
  explicit SequencePadder(func::FuncOp step)
      : step(step), builder(step.getContext()) {}

  LogicalResult run(ArrayRef<dsc::SequencePad> pads);

private:
  LogicalResult pad(Operation *op, const std::optional<ShardingRule> &rule);
  /// Multiplies each result of `op` that is a mean over some of the padded
  /// factors `means` by padded count / real count, for all later uses.
  void rescaleMeans(Operation *op, const ShardingRule &rule,
                    const Factors &factorAtoms, ArrayRef<int64_t> means);
  PadLayout layoutOf(Value v) {
    auto it = layouts.find(v);
    if (it != layouts.end())
      return it->second;
    return unpaddedLayout(cast<RankedTensorType>(v.getType()).getShape());
  }
  /// Converts `value` from layout `from` to `to` (of the same original
  /// sizes): padded pieces are cut back or zero-padded, and then, with
  /// `fill`, the padded positions of `to` are set to `fill`.
  FailureOr<Value> convert(Value value, const PadLayout &from,
                           const PadLayout &to, std::optional<double> fill,
                           Location loc);

  func::FuncOp step;
  OpBuilder builder;
  DenseMap<Value, PadLayout> layouts;
  std::map<std::pair<void *, std::string>, Value> converted;
};

FailureOr<Value> SequencePadder::convert(Value value, const PadLayout &from,
                                         const PadLayout &to,
                                         std::optional<double> fill,
                                         Location loc) {
  // Nothing to cut, grow or mask: the value itself, so that later passes see
  // the same value (the partitioner reuses attention's head-split output).
  if (!fill && merged(from) == merged(to))
    return value;
  std::string key = str(from) + "->" + str(to) +
                    (fill ? "/" + std::to_string(*fill) : std::string());
  auto cacheKey = std::make_pair(value.getAsOpaquePointer(), key);
  if (auto it = converted.find(cacheKey); it != converted.end())
    return it->second;

  // A view with one dimension per common piece (of the merged forms: an
  // unpadded [2, 2] meets a padded [4 -> 6] as [4]).
  SmallVector<PadAtom> source, target;
  for (auto [a, b] : llvm::zip(merged(from), merged(to))) {
    auto pieces = commonPieces(a, b);
    if (!pieces)
      return emitError(loc) << "cannot carry the sequence padding from "
                            << str(from) << " to " << str(to);
    source.append(pieces->first.begin(), pieces->first.end());
    target.append(pieces->second.begin(), pieces->second.end());
  }
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape =
      llvm::map_to_vector(source, [](const PadAtom &a) { return a.padded; });
  Value v = value;
  auto reshapeTo = [&](ArrayRef<int64_t> newShape) {
    if (cast<RankedTensorType>(v.getType()).getShape() != newShape)
      v = ReshapeOp::create(builder, loc, type.clone(newShape), v);
  };
  reshapeTo(shape);
  SmallVector<int64_t> zeros(shape.size(), 0), ones(shape.size(), 1);
  for (auto [k, pair] : llvm::enumerate(llvm::zip(source, target))) {
    auto [a, b] = pair;
    if (a.padded == b.padded)
      continue;
    if (b.padded < a.padded) {
      SmallVector<int64_t> limits = shape;
      limits[k] = b.padded;
      v = SliceOp::create(builder, loc, v, zeros, limits, ones);
    } else {
      SmallVector<int64_t> grown = shape;
      grown[k] = b.padded;
      v = PadOp::create(builder, loc, type.clone(grown), v, zeros, ones);
    }
    shape[k] = b.padded;
  }
  if (fill) {
    for (auto [k, b] : llvm::enumerate(target)) {
      if (!b.isPadded())
        continue;
      SmallVector<int64_t> maskShape(shape.size(), 1);
      maskShape[k] = b.padded;
      SmallVector<bool> real(b.padded, false);
      std::fill(real.begin(), real.begin() + b.size, true);
      auto maskType = RankedTensorType::get(maskShape, builder.getI1Type());
      Value mask = ConstantOp::create(
          builder, loc, DenseElementsAttr::get(maskType, ArrayRef<bool>(real)));
      Value padding =
          vjp::createScalar(builder, loc, type.getElementType(), *fill);
      v = SelectOp::create(builder, loc, mask, v, padding);
    }
  }
  reshapeTo(
      llvm::map_to_vector(to, [](const PadDim &d) { return paddedSize(d); }));
  converted[cacheKey] = v;
  if (isPadded(to))
    layouts[v] = to;
  return v;
}

LogicalResult SequencePadder::pad(Operation *op,
                                  const std::optional<ShardingRule> &rule) {
  if (llvm::none_of(op->getOperands(),
                    [&](Value v) { return layouts.count(v); }))
    return success();
  builder.setInsertionPoint(op);
  if (!rule) {
    // An op without a rule (the return) reads the real positions only.
    for (OpOperand &use : op->getOpOperands()) {
      auto it = layouts.find(use.get());
      if (it == layouts.end())
        continue;
      PadLayout real =
          unpaddedLayout(llvm::map_to_vector(it->second, [](const PadDim &d) {
            int64_t size = 1;
            for (const PadAtom &a : d)
              size *= a.size;
            return size;
          }));
      FailureOr<Value> v =
          convert(use.get(), it->second, real, std::nullopt, op->getLoc());
      if (failed(v))
        return failure();
      use.set(*v);
    }
    return success();
  }

  int64_t numFactors = rule->getNumFactors();
  Factors factorAtoms(*rule, PadAtoms{});

  // 1. What the padded operands say about each factor. A dimension whose
  // padding the rule cannot carry (a reshape that cuts a padded atom) or
  // that pads a factor otherwise than an earlier operand is left out: step 3
  // converts it to the layout the factors give, its padding cut back to the
  // real positions or grown to the earlier operand's (exact either way).
  (void)factorAtoms.read(
      op->getNumOperands(),
      [&](unsigned i) -> ArrayRef<PadDim> {
        auto it = layouts.find(op->getOperand(i));
        return it == layouts.end() ? ArrayRef<PadDim>() : it->second;
      },
      [](unsigned, unsigned, dsc::FactorMismatch) { return success(); });

  // Factors whose sizes must stay equal are padded alike.
  for (auto [a, b] : rule->equalFactors) {
    if (factorAtoms.isMarked(a) && !factorAtoms.isMarked(b))
      factorAtoms[b] = factorAtoms[a];
    else if (factorAtoms.isMarked(b) && !factorAtoms.isMarked(a))
      factorAtoms[a] = factorAtoms[b];
  }

  // 2. What each padded factor asks of the operands that have it.
  auto operandHas = [&](size_t i, int64_t f) {
    return i < rule->operandDims.size() &&
           llvm::any_of(rule->operandDims[i], [&](auto &factors) {
             return llvm::is_contained(factors, f);
           });
  };
  auto namedValue = [&](size_t i) -> std::optional<double> {
    return i < rule->paddingValues.size() ? rule->paddingValues[i]
                                          : std::nullopt;
  };
  SmallVector<std::optional<double>> fills(op->getNumOperands());
  SmallVector<int64_t> paddedMeans, masked;
  for (int64_t f = 0; f < numFactors; ++f) {
    if (!factorAtoms.isMarked(f))
      continue;
    FactorKind kind = rule->factorKinds[f];
    if (kind == FactorKind::PassThrough)
      continue;
    if (kind == FactorKind::NeedReplication) {
      // Cut back, unless padding at the end never reaches real positions,
      // or the op can leave it out.
      if (llvm::is_contained(rule->maskableFactors, f))
        masked.push_back(f);
      else if (!llvm::is_contained(rule->paddableFactors, f))
        factorAtoms[f] = {PadAtom{rule->factorSizes[f], rule->factorSizes[f]}};
      continue;
    }
    bool named =
        llvm::any_of(llvm::seq<size_t>(0, op->getNumOperands()), [&](size_t i) {
          return operandHas(i, f) && namedValue(i);
        });
    if (named)
      continue;
    // An integer maximum pads with the type's smallest value (no -inf);
    // an integer mean has no exact rescale, nor a boolean maximum a fill.
    IntegerType integer;
    for (size_t i = 0; i < op->getNumOperands(); ++i)
      if (operandHas(i, f))
        if (auto type = dyn_cast<IntegerType>(
                getElementTypeOrSelf(op->getOperand(i).getType())))
          integer = type;
    if (integer &&
        (kind == FactorKind::ReductionMean ||
         (kind == FactorKind::ReductionMax && integer.getWidth() < 2)))
      return op->emitError()
             << "cannot pad the sequence (sp does not divide its length) "
                "through an integer "
             << (kind == FactorKind::ReductionMax ? "maximum" : "mean")
             << " over it";
    std::optional<double> identity;
    if (kind == FactorKind::ReductionSum) {
      identity = 0.0;
    } else if (kind == FactorKind::ReductionMax) {
      // -2^(w-1) is exact in a double for every width up to 64.
      identity =
          integer
              ? static_cast<double>(
                    APInt::getSignedMinValue(integer.getWidth()).getSExtValue())
              : -std::numeric_limits<double>::infinity();
    } else {
      // A mean over zero-filled padding divides by the padded count: the
      // result is rescaled by padded / real.
      identity = 0.0;
      paddedMeans.push_back(f);
    }
    for (size_t i = 0; i < op->getNumOperands(); ++i)
      if (operandHas(i, f))
        fills[i] = identity;
  }

  // 3. Operands: padded, cut back or masked as the factors now say.
  auto layoutFromFactors = [&](ArrayRef<SmallVector<int64_t, 2>> dims,
                               Value value) -> PadLayout {
    return factorAtoms.build(
        dims, cast<RankedTensorType>(value.getType()).getShape());
  };
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (!isa<RankedTensorType>(operand.getType()) ||
        i >= rule->operandDims.size())
      continue;
    PadLayout from = layoutOf(operand);
    PadLayout to = layoutFromFactors(rule->operandDims[i], operand);
    std::optional<double> fill = fills[i];
    if (isPadded(to) && namedValue(i))
      fill = namedValue(i);
    if (!isPadded(from) && !isPadded(to))
      continue;
    FailureOr<Value> v = convert(operand, from, to, fill, op->getLoc());
    if (failed(v))
      return failure();
    op->setOperand(i, *v);
  }

  // 4. Results grow with their factors.
  bool grown = false;
  for (auto [r, result] : llvm::enumerate(op->getResults())) {
    if (r >= rule->resultDims.size())
      break;
    PadLayout layout = layoutFromFactors(rule->resultDims[r], result);
    if (!isPadded(layout))
      continue;
    auto type = cast<RankedTensorType>(result.getType());
    result.setType(type.clone(llvm::map_to_vector(
        layout, [](const PadDim &d) { return paddedSize(d); })));
    layouts[result] = layout;
    grown = true;
  }
  auto ruleOp = cast<ShardingRuleOpInterface>(op);
  if (grown)
    ruleOp.localizeAttributes();
  for (int64_t f : masked)
    ruleOp.maskPadding(f, rule->factorSizes[f]);
  if (!paddedMeans.empty())
    rescaleMeans(op, *rule, factorAtoms, paddedMeans);
  return success();
}

void SequencePadder::rescaleMeans(Operation *op, const ShardingRule &rule,
                                  const Factors &factorAtoms,
                                  ArrayRef<int64_t> means) {
  builder.setInsertionPointAfter(op);
  for (auto [r, result] : llvm::enumerate(op->getResults())) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type || !isa<FloatType>(type.getElementType()) ||
        r >= rule.resultDims.size())
      continue;
    // Only the means this result is reduced over (absent from it).
    double scale = 1.0;
    for (int64_t f : means)
      if (llvm::none_of(rule.resultDims[r], [&](auto &factors) {
            return llvm::is_contained(factors, f);
          }))
        scale *= static_cast<double>(paddedSize(factorAtoms[f])) /
                 static_cast<double>(rule.factorSizes[f]);
    if (scale == 1.0)
      continue;
    // In at least f32: 8/7 in bf16 would be 0.2% off.
    Location loc = op->getLoc();
    Type elementType = type.getElementType();
    Type computeType = elementType.getIntOrFloatBitWidth() < 32
                           ? builder.getF32Type()
                           : elementType;
    // An op that can keep its float32 accumulator (a half-type mean) gives
    // it, so that the mean is rescaled before its one rounding.
    Value wide = result;
    auto accumulator = dyn_cast<ShardingRuleOpInterface>(op);
    if (computeType != elementType && accumulator &&
        accumulator.accumulatesInFloat32(r))
      result.setType(type.clone(computeType));
    else if (computeType != elementType)
      wide = ConvertOp::create(builder, loc, type.clone(computeType), result);
    Value scaled =
        MulOp::create(builder, loc, wide,
                      vjp::createScalar(builder, loc, computeType, scale));
    Operation *multiply = scaled.getDefiningOp();
    if (computeType != elementType)
      scaled = ConvertOp::create(builder, loc, type, scaled);
    SmallPtrSet<Operation *, 3> added = {scaled.getDefiningOp(), multiply,
                                         wide.getDefiningOp()};
    result.replaceUsesWithIf(scaled, [&](OpOperand &use) {
      return !added.contains(use.getOwner());
    });
    if (auto it = layouts.find(result); it != layouts.end())
      layouts[scaled] = it->second;
  }
}

LogicalResult SequencePadder::run(ArrayRef<dsc::SequencePad> pads) {
  Block &body = step.front();
  // The rules of the original types, before any of them grows.
  auto ops = dsc::rulesOf(body);
  for (const dsc::SequencePad &pad : pads) {
    auto type = cast<RankedTensorType>(pad.argument.getType());
    PadLayout layout = unpaddedLayout(type.getShape());
    layout[pad.dim][0].padded = pad.size;
    layouts[pad.argument] = layout;
    step.setArgAttr(pad.argument.getArgNumber(),
                    mlir::ds::DSDialect::kDataShapeAttr,
                    builder.getDenseI64ArrayAttr(type.getShape()));
    SmallVector<int64_t> shape(type.getShape());
    shape[pad.dim] = pad.size;
    BlockArgument argument = pad.argument;
    argument.setType(type.clone(shape));
  }
  for (auto &[op, rule] : ops)
    if (failed(pad(op, rule)))
      return failure();
  step.setType(builder.getFunctionType(
      body.getArgumentTypes(), body.getTerminator()->getOperandTypes()));
  return success();
}

} // namespace

LogicalResult dsc::padSequence(func::FuncOp step, ArrayRef<SequencePad> pads) {
  if (pads.empty())
    return success();
  return SequencePadder(step).run(pads);
}
