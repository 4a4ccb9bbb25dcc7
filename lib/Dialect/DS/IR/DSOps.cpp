//===- DSOps.cpp - ds dialect operations ----------------------------------===//
//
// The generated op definitions and the custom assembly directives. Type
// inference, verifiers, folders and collectives live in the files beside
// this one, one concern each.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::ds;

/// Parses `["dp" = 2, "sp" = 4]`.
static ParseResult parseMeshAxes(OpAsmParser &parser, ArrayAttr &names,
                                 DenseI64ArrayAttr &sizes) {
  SmallVector<Attribute> nameAttrs;
  SmallVector<int64_t> sizeValues;
  if (parser.parseCommaSeparatedList(
          OpAsmParser::Delimiter::Square, [&]() -> ParseResult {
            std::string name;
            int64_t size = 0;
            if (parser.parseString(&name) || parser.parseEqual() ||
                parser.parseInteger(size))
              return failure();
            nameAttrs.push_back(parser.getBuilder().getStringAttr(name));
            sizeValues.push_back(size);
            return success();
          }))
    return failure();
  names = parser.getBuilder().getArrayAttr(nameAttrs);
  sizes = parser.getBuilder().getDenseI64ArrayAttr(sizeValues);
  return success();
}

static void printMeshAxes(OpAsmPrinter &printer, Operation *, ArrayAttr names,
                          DenseI64ArrayAttr sizes) {
  printer << "[";
  llvm::interleaveComma(
      llvm::zip(names, sizes.asArrayRef()), printer, [&](auto axis) {
        printer << "\"" << cast<StringAttr>(std::get<0>(axis)).getValue()
                << "\" = " << std::get<1>(axis);
      });
  printer << "]";
}

/// Parses `(gq, gk, gv[, grad_bias][, grad_sinks])` as functional-type
/// prints results: the sinks' gradient is there, and last, exactly when
/// the sinks are; a type left over is the bias's gradient.
static ParseResult parseAttentionGradResultTypes(
    OpAsmParser &parser, Type &query, Type &key, Type &value, Type &bias,
    Type &sinks, std::optional<OpAsmParser::UnresolvedOperand> sinksOperand) {
  SmallVector<Type, 5> types;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLParen() || parser.parseTypeList(types) ||
      parser.parseRParen())
    return failure();
  size_t required = sinksOperand ? 4 : 3;
  if (types.size() != required && types.size() != required + 1)
    return parser.emitError(loc)
           << "expected " << required << " or " << required + 1
           << " result types (query, key and value gradients, "
           << (sinksOperand ? "the sinks' gradient, " : "")
           << "maybe the bias's), got " << types.size();
  query = types[0];
  key = types[1];
  value = types[2];
  if (types.size() == required + 1)
    bias = types[3];
  if (sinksOperand)
    sinks = types.back();
  return success();
}

static void printAttentionGradResultTypes(OpAsmPrinter &printer, Operation *,
                                          Type query, Type key, Type value,
                                          Type bias, Type sinks, Value) {
  printer << "(" << query << ", " << key << ", " << value;
  for (Type optional : {bias, sinks})
    if (optional)
      printer << ", " << optional;
  printer << ")";
}

bool mlir::ds::isOverlappedCompute(Operation *op) {
  return !isa<OptimizerUpdateOpInterface, ReloadOp, OffloadOp, WaitOp,
              ReshapeOp>(op) &&
         !op->hasTrait<OpTrait::IsTerminator>();
}

#define GET_OP_CLASSES
#include "dsc/Dialect/DS/IR/DSOps.cpp.inc"
