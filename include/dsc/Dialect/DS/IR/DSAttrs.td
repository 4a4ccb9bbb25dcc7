//===- DSAttrs.td - ds dialect attributes ------------------*- tablegen -*-===//

#ifndef DSC_DIALECT_DS_IR_DSATTRS_TD
#define DSC_DIALECT_DS_IR_DSATTRS_TD

include "dsc/Dialect/DS/IR/DSDialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def DS_ReductionKind : I32EnumAttr<"ReductionKind",
    "how a collective combines the values of the ranks", [
      I32EnumAttrCase<"Sum", 0, "sum">,
      I32EnumAttrCase<"Mean", 1, "mean">,
      I32EnumAttrCase<"Max", 2, "max">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::ds";
}
def DS_ReductionKindAttr : EnumAttr<DS_Dialect, DS_ReductionKind, "reduction">;

def DS_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "the formula `ds.gelu` evaluates", [
      I32EnumAttrCase<"None", 0, "none">,
      I32EnumAttrCase<"Tanh", 1, "tanh">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::ds";
}
def DS_GeluApproximationAttr
    : EnumAttr<DS_Dialect, DS_GeluApproximation, "gelu_approximation">;

def DS_RoundingMode : I32EnumAttr<"RoundingMode",
    "the integer `ds.round` rounds to", [
      I32EnumAttrCase<"Floor", 0, "floor">,
      I32EnumAttrCase<"Ceil", 1, "ceil">,
      I32EnumAttrCase<"Trunc", 2, "trunc">,
      I32EnumAttrCase<"Even", 3, "even">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::ds";
}
def DS_RoundingModeAttr
    : EnumAttr<DS_Dialect, DS_RoundingMode, "rounding_mode">;

def DS_CompareDirection : I32EnumAttr<"CompareDirection",
    "the relation `ds.compare` tests", [
      I32EnumAttrCase<"EQ", 0, "eq">,
      I32EnumAttrCase<"NE", 1, "ne">,
      I32EnumAttrCase<"LT", 2, "lt">,
      I32EnumAttrCase<"LE", 3, "le">,
      I32EnumAttrCase<"GT", 4, "gt">,
      I32EnumAttrCase<"GE", 5, "ge">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::ds";
}
def DS_CompareDirectionAttr
    : EnumAttr<DS_Dialect, DS_CompareDirection, "compare_direction">;

//===----------------------------------------------------------------------===//
// Sharding
//===----------------------------------------------------------------------===//

def DS_ShardingAttr : AttrDef<DS_Dialect, "Sharding"> {
  let mnemonic = "sharding";
  let summary = "How each dimension of a tensor is split over mesh axes";
  let description = [{
    A sharding names a `ds.mesh` and, for each tensor dimension, the list of
    mesh axes that split it, major to minor (Shardy's dimension shardings).
    An empty list means the dimension is replicated. Axes not named anywhere
    replicate the whole tensor.

    ```mlir
    ds.mesh @mesh ["dp" = 2, "sp" = 4]
    // Batch split over dp, sequence over sp, hidden replicated.
    func.func @f(%x: tensor<8x1024x512xf32>
                 {ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"sp"}, {} ]>})
    ```

    A dimension that is made of pieces (a reshape merged heads and head
    size into one dimension, and only the heads are split) lists its pieces
    major to minor, each a size, split over an axis where `:` names one:
    `{4:"sp", 64}` is a dimension of 256 = 4 x 64 whose piece of 4 is split
    over `sp` (each rank holds 64 x 4/sp contiguous elements), the piece of
    64 whole. This is what `-ds-propagate-sharding` writes where a split
    survives a reshape; Shardy expresses the same with sub-axes.

    `partial` lists the axes over which the value is a partial result (a
    split contraction or reduction) and how the ranks' values combine;
    one all-reduce per kind completes it.

    ```mlir
    // [B, S, 256] with the heads of the last dimension split over sp,
    // partial sums over dp.
    #ds.sharding<@mesh, [{}, {}, {4:"sp", 64} ], partial = {"dp": sum} >
    ```

    **Constraints:**
    - an axis appears at most once in the whole sharding (partial axes
      included);
    - a dimension is either a list of axes or a list of pieces;
    - piece sizes are at least 1;
    - when attached to a value, the number of dimension entries equals the
      tensor's rank, the pieces' sizes multiply to the dimension's size and
      each named axis exists in the mesh (checked by the ops and passes that
      consume the attribute).
  }];
  let parameters = (ins
    "::mlir::FlatSymbolRefAttr":$mesh,
    ArrayRefParameter<"::mlir::ArrayAttr",
                      "per dimension: axes, or pieces (size or [size, axis])">:$dims,
    OptionalArrayRefParameter<"::mlir::ds::PartialAxis",
                              "partial axes and their reductions">:$partial);
  let builders = [
    AttrBuilder<(ins "::mlir::FlatSymbolRefAttr":$mesh,
                     "::llvm::ArrayRef<::mlir::ArrayAttr>":$dims), [{
      return $_get($_ctxt, mesh, dims, ::llvm::ArrayRef<PartialAxis>());
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Returns the rank this sharding describes.
    int64_t getRank() const { return getDims().size(); }
    /// Whether dimension `d` is written as pieces rather than axes.
    bool hasPieces(int64_t d) const;
  }];
}

#endif // DSC_DIALECT_DS_IR_DSATTRS_TD
