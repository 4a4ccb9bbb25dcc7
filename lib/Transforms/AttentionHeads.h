//===- AttentionHeads.h - head counts that sp divides -----------*- C++ -*-===//
//
// Internal to lib/Transforms: used by -ds-partition before it splits the
// sequence, so that Ulysses can split attention's heads.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_ATTENTIONHEADS_H
#define DSC_LIB_TRANSFORMS_ATTENTIONHEADS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace dsc {

/// Rewrites every `ds.attention` and `ds.attention_grad` of `step` whose
/// head counts `sp` does not divide into one whose head counts it does,
/// computing the same values:
///  - fewer key/value heads than sp allows (grouped-query attention, sp
///    dividing the query heads): each key/value head is repeated r times,
///    r = sp / gcd(Hkv, sp), the least that makes sp divide Hkv·r while
///    Hkv·r still divides Hq; the key/value gradients are summed back over
///    the repeats;
///  - query heads that sp does not divide: the key/value heads are
///    repeated up to the query heads, and all heads are padded with zero
///    heads up to the next multiple of sp (a zero query and key attend
///    uniformly to zero values, so padded heads compute zeros and get zero
///    gradients); the results are cut back to the real heads.
/// Every rank then holds whole heads after the all-to-all, as Ulysses
/// needs; the price is the repeated heads and, in the second case, the
/// padded ones (communicated and computed).
void prepareAttentionHeads(mlir::func::FuncOp step, int64_t sp);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_ATTENTIONHEADS_H
