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

/// One entry of a dimension: an axis name, or a piece `size` or
/// `size:"axis"`.
static ParseResult parseDimEntry(AsmParser &parser,
                                 SmallVectorImpl<Attribute> &entries) {
  Builder &b = parser.getBuilder();
  std::string name;
  if (succeeded(parser.parseOptionalString(&name))) {
    entries.push_back(b.getStringAttr(name));
    return success();
  }
  int64_t size;
  if (parser.parseInteger(size))
    return failure();
  if (failed(parser.parseOptionalColon())) {
    entries.push_back(b.getI64IntegerAttr(size));
    return success();
  }
  if (parser.parseString(&name))
    return failure();
  entries.push_back(
      b.getArrayAttr({b.getI64IntegerAttr(size), b.getStringAttr(name)}));
  return success();
}

Attribute ShardingAttr::parse(AsmParser &parser, Type) {
  FlatSymbolRefAttr mesh;
  SmallVector<ArrayAttr> dims;
  SmallVector<PartialAxis> partial;
  auto parseDim = [&]() -> ParseResult {
    SmallVector<Attribute> entries;
    if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Braces, [&]() {
          return parseDimEntry(parser, entries);
        }))
      return failure();
    dims.push_back(parser.getBuilder().getArrayAttr(entries));
    return success();
  };
  auto parsePartial = [&]() -> ParseResult {
    std::string name;
    if (parser.parseString(&name) || parser.parseColon())
      return failure();
    StringRef keyword;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeyword(&keyword))
      return failure();
    std::optional<ReductionKind> kind = symbolizeReductionKind(keyword);
    if (!kind)
      return parser.emitError(loc) << "unknown reduction '" << keyword << "'";
    partial.push_back({parser.getBuilder().getStringAttr(name), *kind});
    return success();
  };
  if (parser.parseLess() || parser.parseAttribute(mesh) ||
      parser.parseComma() ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseDim))
    return {};
  if (succeeded(parser.parseOptionalComma()) &&
      (parser.parseKeyword("partial") || parser.parseEqual() ||
       parser.parseCommaSeparatedList(AsmParser::Delimiter::Braces,
                                      parsePartial)))
    return {};
  if (parser.parseGreater())
    return {};
  return parser.getChecked<ShardingAttr>(parser.getContext(), mesh, dims,
                                         partial);
}

void ShardingAttr::print(AsmPrinter &printer) const {
  printer << "<" << getMesh() << ", [";
  llvm::interleaveComma(getDims(), printer, [&](ArrayAttr entries) {
    printer << "{";
    llvm::interleaveComma(entries, printer, [&](Attribute entry) {
      if (auto axis = dyn_cast<StringAttr>(entry)) {
        printer << "\"" << axis.getValue() << "\"";
      } else if (auto size = dyn_cast<IntegerAttr>(entry)) {
        printer << size.getInt();
      } else {
        auto piece = cast<ArrayAttr>(entry);
        printer << cast<IntegerAttr>(piece[0]).getInt() << ":\""
                << cast<StringAttr>(piece[1]).getValue() << "\"";
      }
    });
    printer << "}";
  });
  printer << "]";
  if (!getPartial().empty()) {
    printer << ", partial = {";
    llvm::interleaveComma(getPartial(), printer, [&](const PartialAxis &p) {
      printer << "\"" << p.axis.getValue()
              << "\": " << stringifyReductionKind(p.kind);
    });
    printer << "}";
  }
  printer << ">";
}

bool ShardingAttr::hasPieces(int64_t d) const {
  return llvm::any_of(getDims()[d],
                      [](Attribute e) { return !isa<StringAttr>(e); });
}

LogicalResult ShardingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   FlatSymbolRefAttr mesh,
                                   ArrayRef<ArrayAttr> dims,
                                   ArrayRef<PartialAxis> partial) {
  llvm::StringSet<> seen;
  auto use = [&](Attribute axis) -> LogicalResult {
    auto name = dyn_cast_or_null<StringAttr>(axis);
    if (!name || name.getValue().empty())
      return emitError() << "sharding axes must be non-empty strings";
    if (!seen.insert(name.getValue()).second)
      return emitError() << "mesh axis \"" << name.getValue()
                         << "\" appears more than once in the sharding";
    return success();
  };
  for (ArrayAttr entries : dims) {
    bool pieces =
        llvm::any_of(entries, [](Attribute e) { return !isa<StringAttr>(e); });
    for (Attribute entry : entries) {
      if (!pieces) {
        if (failed(use(entry)))
          return failure();
        continue;
      }
      IntegerAttr size = dyn_cast<IntegerAttr>(entry);
      auto piece = dyn_cast<ArrayAttr>(entry);
      if (piece && piece.size() == 2) {
        size = dyn_cast<IntegerAttr>(piece[0]);
        if (failed(use(piece[1])))
          return failure();
      } else if (!size) {
        return emitError()
               << "a sharding dimension is either axis names or pieces";
      }
      if (!size || size.getInt() < 1)
        return emitError() << "sharding pieces must have a size of at least 1";
    }
  }
  for (const PartialAxis &p : partial)
    if (failed(use(p.axis)))
      return failure();
  return success();
}
