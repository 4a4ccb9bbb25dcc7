//===- DSInterfaces.td - ds op interfaces ------------------*- tablegen -*-===//
//
// Behaviour that varies by op and that passes query without knowing the op.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSINTERFACES_TD
#define DSC_DIALECT_DS_IR_DSINTERFACES_TD

include "mlir/IR/OpBase.td"

def DS_VJPOpInterface : OpInterface<"VJPOpInterface"> {
  let cppNamespace = "::mlir::ds";
  let description = [{
    The vector-Jacobian product of an op: the rule `ds-autodiff` applies to
    carry gradients from an op's results back to its operands.

    `buildVJP` is given the gradient of every result (a null `Value` where a
    result does not reach the loss) and appends one gradient per operand to
    `operandGrads`, in operand order, each of its operand's type, or a null
    `Value` for an operand that is not differentiable (integer indices and
    labels, boolean conditions). The caller sets the insertion point; the
    rule creates its ops there, at the op's location, and may use the op's
    operands and results, which stay live for the backward pass. At least
    one result gradient is non-null.

    Rules are exact: each computes what `torch.autograd` computes for the
    same function (ties of `max` and `maximum` share the gradient equally,
    as `amax` and `maximum` do in PyTorch).

    ```mlir
    // The rule of `%y = ds.exp %x` builds `%dx = ds.mul %dy, %y`.
    ```
  }];

  let methods = [
    InterfaceMethod<[{
        Appends the gradient of every operand, given the gradient of every
        result, to `operandGrads` (null where an operand or a result has no
        gradient). Fails, with a diagnostic at the op's location, when the
        gradient cannot be expressed.
      }],
      "::llvm::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
    InterfaceMethod<[{
        Whether gradients flow through the op at all. False for
        `ds.stop_gradient`: its results do not depend on a trainable
        parameter as far as the backward pass is concerned.
      }],
      "bool", "propagatesGradients", (ins), /*methodBody=*/[{}],
      /*defaultImplementation=*/[{ return true; }]>
  ];
}

def DS_ShardingRuleOpInterface : OpInterface<"ShardingRuleOpInterface"> {
  let cppNamespace = "::mlir::ds";
  let description = [{
    The op's sharding rule (see `ShardingRule.h`): its factors, their kinds,
    and how each operand and result dimension is made of them. Sharding
    propagation is generic over this interface: no pass special-cases ops.

    ```mlir
    // ds.matmul [b, m, k] x [b, k, n] -> [b, m, n]: factors b, m, n
    // pass through; k is a sum.
    ```
  }];

  let methods = [
    InterfaceMethod<[{
        Returns the op's sharding rule for its current operand and result
        types.
      }],
      "::mlir::ds::ShardingRule", "getShardingRule", (ins)>,
    InterfaceMethod<[{
        Called once the op's operands and results have new types (local,
        per-rank types after partitioning, or padded ones): rewrites
        attributes that spell out sizes of dimensions that are now split or
        padded (a full-range slice's limits) so that the op verifies with
        its new types. Most ops have no such attribute.
      }],
      "void", "localizeAttributes", (ins), /*methodBody=*/[{}],
      /*defaultImplementation=*/[{ return; }]>,
    InterfaceMethod<[{
        Called by the sequence padding for a factor of the rule's
        `maskableFactors` that it grew at its end: positions at or beyond
        `realSize` are padding, which the op must leave out from now on
        (attention records the real key length).
      }],
      "void", "maskPadding", (ins "int64_t":$factor, "int64_t":$realSize),
      /*methodBody=*/[{}], /*defaultImplementation=*/[{ return; }]>,
    InterfaceMethod<[{
        Whether result `index`, where it is bfloat16 or float16, may be
        float32 instead: the op's float32 accumulator over a reduction
        factor, not rounded to the half type, so that a partial sum over
        split ranks is completed in float32 and rounded once, as the
        single-device op rounds it (-ds-propagate-sharding). The op
        verifies with either type.
      }],
      "bool", "accumulatesInFloat32", (ins "unsigned":$index),
      /*methodBody=*/[{}], /*defaultImplementation=*/[{ return false; }]>
  ];
}

def DS_OptimizerUpdateOpInterface : OpInterface<"OptimizerUpdateOpInterface"> {
  let cppNamespace = "::mlir::ds";
  let description = [{
    An optimizer's step for one parameter: it reads the parameter's
    complete gradient. What the gradients depend on is the backward pass;
    the updates are the optimizer's (dsc::computePhases).
  }];
  let methods = [
    InterfaceMethod<"The parameter this op updates.", "::mlir::Value",
                    "getParam">,
    InterfaceMethod<"The operand that is the parameter.", "::mlir::OpOperand &",
                    "getParamMutable">,
    InterfaceMethod<"The parameter's new value.", "::mlir::Value",
                    "getNewParam">,
    InterfaceMethod<"The parameter's complete gradient.", "::mlir::Value",
                    "getGrad">,
    InterfaceMethod<[{
        How many compute ops (ds::isOverlappedCompute) after it it may run
        beside (-ds-overlap-updates), if any: the lowering keeps what it
        reads and writes in memory until the last of them, and the runtime
        runs it on its side thread.
      }], "std::optional<uint64_t>", "getBeside">,
    InterfaceMethod<"Lets it run beside the next `ops` compute ops.", "void",
                    "setBeside", (ins "std::optional<uint64_t>":$ops)>,
    InterfaceMethod<[{
        Whether it runs on the host's processor (-ds-host-updates): its
        operands and results are in host memory, but for one-element
        integers (the step count), which the runtime reads on the host.
      }], "bool", "getOnHost">,
    InterfaceMethod<"Makes it run on the host or not.", "void", "setOnHost",
                    (ins "bool":$onHost)>,
  ];
}

def DS_IndexingOpInterface : OpInterface<"IndexingOpInterface"> {
  let cppNamespace = "::mlir::ds";
  let description = [{
    An op that indexes with the values of an integer operand (an
    embedding's token ids, a loss's labels): the values it accepts there.
    `-ds-input-ranges` carries them back to the model's inputs so that
    ds-run checks the user's data as it reads it.
  }];
  let methods = [
    InterfaceMethod<[{
        The values operand `operand` may hold, or none where the op does
        not index with it.
      }], "::std::optional<::mlir::ds::IndexRange>", "getIndexRange",
      (ins "unsigned":$operand)>,
  ];
}

def DS_CostOpInterface : OpInterface<"CostOpInterface"> {
  let cppNamespace = "::mlir::ds";
  let description = [{
    What one run of the op costs for its (local) shapes: floating-point
    operations and the bytes it reads and writes, from which the roofline
    model (`dsc/Analysis/CostModel.h`) estimates its time on a given
    machine. Every ds op has it. The defaults fit pointwise ops: one
    operation per element of the largest tensor the op touches, every
    operand read once and every result written once. Ops whose work is not
    that override the methods (matrix products, attention, views,
    embeddings, optimizer updates). A collective reports the bytes it
    reads and writes locally; the bytes it sends per link come from the
    collective's own formula (docs/collectives.md).
  }];
  let methods = [
    InterfaceMethod<"Floating-point operations of one run.", "double",
      "getFlops", (ins), /*methodBody=*/[{}], /*defaultImplementation=*/[{
        return ::mlir::ds::cost::largestElementCount($_op);
      }]>,
    InterfaceMethod<"Bytes read from memory by one run.", "double",
      "getBytesRead", (ins), /*methodBody=*/[{}], /*defaultImplementation=*/[{
        return ::mlir::ds::cost::byteCount($_op->getOperandTypes());
      }]>,
    InterfaceMethod<"Bytes written to memory by one run.", "double",
      "getBytesWritten", (ins), /*methodBody=*/[{}],
      /*defaultImplementation=*/[{
        return ::mlir::ds::cost::byteCount($_op->getResultTypes());
      }]>,
    InterfaceMethod<[{
        Whether the op runs at matrix-unit throughput (GEMMs, attention)
        rather than vector throughput.
      }], "bool", "usesMatrixUnits", (ins), /*methodBody=*/[{}],
      /*defaultImplementation=*/[{ return false; }]>,
  ];
}

#endif // DSC_DIALECT_DS_IR_DSINTERFACES_TD
