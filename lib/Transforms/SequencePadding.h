//===- SequencePadding.h - grow the sequence to a size sp divides -*- C++
//-*-===//
//
// Internal to lib/Transforms: used by -ds-partition when sp does not divide
// the sequence length.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_SEQUENCEPADDING_H
#define DSC_LIB_TRANSFORMS_SEQUENCEPADDING_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace dsc {

/// One input dimension to grow at its end.
struct SequencePad {
  mlir::BlockArgument argument;
  int64_t dim;
  /// The padded size (larger than the dimension's size).
  int64_t size;
};

/// Grows the given input dimensions of `step` to their padded sizes and
/// every value that carries them, by the ops' sharding rules, so that the
/// step computes exactly what it did on the real positions:
///  - a factor that passes through an op grows with it (the padded
///    positions compute values that only reach padded positions);
///  - before a factor that is summed (maximised) over, the padded positions
///    of every operand that has it become 0 (-inf), unless the op names the
///    value its operands' padding must hold (the loss's labels:
///    `ignore_index`); a mean over a padded factor masks with 0 and its
///    result is rescaled by the padded count over the real count;
///  - a factor that must be whole stays padded where the op says padding at
///    its end never reaches real positions (causal attention); otherwise the
///    operands are cut back to the real size first;
///  - an operand without the padding of a factor it shares (a position
///    table, a mask) is zero-padded.
/// The arguments get `ds.data_shape`: the global shape of the data the user
/// supplies, which the runtime zero-pads. Fails, with a diagnostic at the
/// op, where a rule cannot carry the padding.
mlir::LogicalResult padSequence(mlir::func::FuncOp step,
                                llvm::ArrayRef<SequencePad> pads);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_SEQUENCEPADDING_H
