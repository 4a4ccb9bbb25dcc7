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

bool mlir::ds::isOverlappedCompute(Operation *op) {
  return !isa<OptimizerUpdateOpInterface, ReloadOp, OffloadOp, WaitOp,
              ReshapeOp>(op) &&
         !op->hasTrait<OpTrait::IsTerminator>();
}

#define GET_OP_CLASSES
#include "dsc/Dialect/DS/IR/DSOps.cpp.inc"
