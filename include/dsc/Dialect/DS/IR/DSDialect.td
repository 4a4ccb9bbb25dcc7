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
  }];
}

class DS_Op<string mnemonic, list<Trait> traits = []>
    : Op<DS_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def DS_Tensor : StaticShapeTensorOf<[AnyType]>;
def DS_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;
def DS_IntTensor : StaticShapeTensorOf<[AnySignlessInteger]>;
def DS_BoolTensor : StaticShapeTensorOf<[I1]>;
def DS_NumericTensor : StaticShapeTensorOf<[AnyFloat, AnySignlessInteger]>;
def DS_ScalarFloatTensor : 0DTensorOf<[AnyFloat]>;

#endif // DSC_DIALECT_DS_IR_DSDIALECT_TD
