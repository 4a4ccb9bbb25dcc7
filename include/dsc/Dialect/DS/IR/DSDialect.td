//===- DSDialect.td - the ds dialect -----------------------*- tablegen -*-===//
//
// The `ds` dialect: tensor-level, value-semantics ops for transformer
// training graphs, their distribution over a device mesh, and memory ops.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSDIALECT_TD
#define DSC_DIALECT_DS_IR_DSDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "dsc/Dialect/DS/IR/DSInterfaces.td"

def DS_Dialect : Dialect {
  let name = "ds";
  let cppNamespace = "::mlir::ds";
  let summary = "Tensor-level ops for distributed transformer training";
  let description = [{
    The `ds` dialect holds what transformer training graphs are made of:
    elementwise arithmetic, matrix products, normalisations, attention,
    losses, shape manipulation and collectives over a named device mesh.

    All tensors are statically shaped `RankedTensorType`s with value
    semantics. Distribution is described by a `ds.mesh` symbol naming the
    mesh axes and by `#ds.sharding` attributes saying which mesh axes split
    each tensor dimension.

    **Broadcasting.** Ops documented as broadcasting follow one rule, the
    NumPy rule: operand shapes are aligned at their trailing dimensions; a
    missing leading dimension counts as 1; two aligned sizes must be equal or
    one of them must be 1, and the result takes the larger. The result rank
    is the largest operand rank.

    **Dimensions.** Dimension attributes (`dim`, `dims`, `split_dim`, ...)
    are non-negative indices; importers normalise PyTorch's negative ones.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // `ds.*` attributes on function arguments, results and ops are checked:
  // a misspelt `ds.trainabel` would otherwise freeze a parameter silently.
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let hasOperationAttrVerify = 1;
  let dependentDialects = ["::mlir::func::FuncDialect"];
  let extraClassDeclaration = [{
    void registerAttributes();

    // The contract between ds-import, the passes and the lowering, declared
    // once: the discardable attributes the verifiers check, and the
    // functions the pipeline reads and writes.
    /// A parameter's, state's or input's name (arguments).
    static constexpr ::llvm::StringLiteral kNameAttr = "ds.name";
    /// A parameter the optimizer updates (forward arguments).
    static constexpr ::llvm::StringLiteral kTrainableAttr = "ds.trainable";
    /// A model input (forward arguments).
    static constexpr ::llvm::StringLiteral kInputAttr = "ds.input";
    /// "parameter", "state" or "input" (train_step arguments); "loss"
    /// (its first result).
    static constexpr ::llvm::StringLiteral kRoleAttr = "ds.role";
    /// The argument a train_step result replaces.
    static constexpr ::llvm::StringLiteral kUpdatesAttr = "ds.updates";
    /// How an argument is split over the mesh.
    static constexpr ::llvm::StringLiteral kShardingAttr = "ds.sharding";
    /// Where an argument lives between steps when not in device memory
    /// ("nvme", -ds-offload).
    static constexpr ::llvm::StringLiteral kMemorySpaceAttr =
        "ds.memory_space";
    /// How each result of an op is split (-ds-propagate-sharding).
    static constexpr ::llvm::StringLiteral kShardingsAttr = "ds.shardings";
    /// The shape of the user's data where the compiler padded an input.
    static constexpr ::llvm::StringLiteral kDataShapeAttr = "ds.data_shape";
    /// The parameter whose weights a state argument starts as a copy of
    /// (its flat piece where the state has ds.data_shape), where it is not
    /// zero at the first step: a master copy (-ds-host-updates).
    static constexpr ::llvm::StringLiteral kCopyOfAttr = "ds.copy_of";
    /// The values an integer input may hold: [lo, hi) and optionally one
    /// more (-ds-input-ranges).
    static constexpr ::llvm::StringLiteral kValidRangeAttr = "ds.valid_range";
    /// The forward loss function ds-import writes.
    static constexpr ::llvm::StringLiteral kForwardFunc = "forward";
    /// The training step -ds-autodiff builds.
    static constexpr ::llvm::StringLiteral kTrainStepFunc = "train_step";
  }];
}

// Every op reports its cost (DS_CostOpInterface); `costMethods` names the
// methods an op overrides (its definitions are in DSCosts.cpp).
class DS_Op<string mnemonic, list<Trait> traits = [],
            list<string> costMethods = []>
    : Op<DS_Dialect, mnemonic, !listconcat(traits,
        [DeclareOpInterfaceMethods<DS_CostOpInterface, costMethods>])>;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def DS_Tensor : StaticShapeTensorOf<[AnyType]>;
def DS_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;
// Integers are 8 to 64 bits wide: `i1` is the booleans' type, which the
// arithmetic kernels do not take (masks compare and select).
def DS_Integer : SignlessIntOfWidths<[8, 16, 32, 64]>;
def DS_IntTensor : StaticShapeTensorOf<[DS_Integer]>;
def DS_BoolTensor : StaticShapeTensorOf<[I1]>;
def DS_NumericTensor : StaticShapeTensorOf<[AnyFloat, DS_Integer]>;
def DS_ScalarFloatTensor : 0DTensorOf<[AnyFloat]>;

#endif // DSC_DIALECT_DS_IR_DSDIALECT_TD
