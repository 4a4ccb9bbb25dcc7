//===- OpTime.h - an op's planned time on the cost model -------*- C++ -*-===//
//
// The bridge from an op's costs (CostOpInterface) to the cost model's
// roofline (CostModel.h), for the passes that place work in time.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_OPTIME_H
#define DSC_ANALYSIS_OPTIME_H

#include "dsc/Analysis/CostModel.h"

#include "mlir/IR/Operation.h"

namespace dsc {

/// The planned time of `op` on `hardware`: kernelTime of its flops and the
/// bytes it reads and writes (on the host's processor for an update on the
/// host); none for an op without costs.
double plannedSeconds(const Hardware &hardware, mlir::Operation *op);

} // namespace dsc

#endif // DSC_ANALYSIS_OPTIME_H
