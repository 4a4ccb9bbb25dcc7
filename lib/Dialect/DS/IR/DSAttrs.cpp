//===- DSAttrs.cpp - ds dialect attributes --------------------------------===//
//
// The sharding attribute's syntax is `<@mesh, [{"a", "b"}, {}]>`: one brace
// group of axis names per tensor dimension, as Shardy writes it.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSAttrs.h"
#include "dsc/Dialect/DS/IR/DSDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ds;

#include "dsc/Dialect/DS/IR/DSEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dsc/Dialect/DS/IR/DSAttrs.cpp.inc"

void DSDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dsc/Dialect/DS/IR/DSAttrs.cpp.inc"
      >();
}

Attribute ShardingAttr::parse(AsmParser &parser, Type) {
  FlatSymbolRefAttr mesh;
  SmallVector<ArrayAttr> dims;
  auto parseDim = [&]() -> ParseResult {
    SmallVector<Attribute> axes;
    if (parser.parseLBrace())
      return failure();
    if (failed(parser.parseOptionalRBrace())) {
      if (parser.parseCommaSeparatedList([&]() -> ParseResult {
            std::string name;
            if (parser.parseString(&name))
              return failure();
            axes.push_back(parser.getBuilder().getStringAttr(name));
            return success();
          }) ||
          parser.parseRBrace())
        return failure();
    }
    dims.push_back(parser.getBuilder().getArrayAttr(axes));
    return success();
  };
  if (parser.parseLess() || parser.parseAttribute(mesh) || parser.parseComma() ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseDim) ||
      parser.parseGreater())
    return {};
  return parser.getChecked<ShardingAttr>(parser.getContext(), mesh, dims);
}

void ShardingAttr::print(AsmPrinter &printer) const {
  printer << "<" << getMesh() << ", [";
  llvm::interleaveComma(getDims(), printer, [&](ArrayAttr axes) {
    printer << "{";
    llvm::interleaveComma(axes, printer, [&](Attribute axis) {
      printer << "\"" << cast<StringAttr>(axis).getValue() << "\"";
    });
    printer << "}";
  });
  printer << "]>";
}

LogicalResult
ShardingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                     FlatSymbolRefAttr mesh, ArrayRef<ArrayAttr> dims) {
  llvm::StringSet<> seen;
  for (ArrayAttr axes : dims) {
    for (Attribute axis : axes) {
      auto name = dyn_cast<StringAttr>(axis);
      if (!name || name.getValue().empty())
        return emitError() << "sharding axes must be non-empty strings";
      if (!seen.insert(name.getValue()).second)
        return emitError() << "mesh axis \"" << name.getValue()
                           << "\" appears more than once in the sharding";
    }
  }
  return success();
}
