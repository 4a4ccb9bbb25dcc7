//===- ComplexConversions.cpp - complex tensors as pairs of real ones -----===//
//
// Training code meets complex numbers in rotary embeddings written as
// Meta's LLaMA writes them: torch.view_as_complex of the queries' pairs, a
// product with frequencies precomputed by torch.polar, torch.view_as_real.
// `ds` has no complex types: the importer carries a complex tensor computed
// in the step as its real and imaginary parts (ComplexPair) and builds each
// complex op from real ones. Complex constants (the frequencies, folded at
// import with LibTorch) are split where a conversion reads them.
//
// The gradients are exact: for a real loss, the gradient PyTorch's complex
// autograd returns through view_as_complex is the gradient with respect to
// the real and imaginary parts, which is what the real ops differentiate.
// An op on complex tensors without a conversion here stops the import,
// naming the op and its source line.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace dsc::ts;

namespace {

/// Ops that act on the real and imaginary parts alike: run their real
/// conversion once on each part. Every tensor operand must be complex (a
/// real addend would go into both parts).
bool actsOnEachPart(llvm::StringRef kind) {
  static const llvm::StringSet<> kinds = {
      "aten::view",    "aten::reshape",   "aten::_unsafe_view",
      "aten::flatten", "aten::unflatten", "aten::unsqueeze",
      "aten::squeeze", "aten::expand",    "aten::slice",
      "aten::select",  "aten::narrow",    "aten::transpose",
      "aten::permute", "aten::t",         "aten::contiguous",
      "aten::clone",   "aten::alias",     "aten::add",
      "aten::sub",     "aten::neg",       "aten::repeat",
  };
  return kinds.contains(kind);
}

/// A part of a complex value as the value the real conversion reads: a
/// pair's SSA tensor or a constant's real or imaginary part.
Imported partOf(const Imported &complex, bool imaginary) {
  if (complex.isComplex())
    return Imported{imaginary ? complex.complex().imag
                              : complex.complex().real};
  at::Tensor tensor = complex.constant().toTensor();
  return Imported{c10::IValue(imaginary ? at::imag(tensor) : at::real(tensor))};
}

/// The real or imaginary part of an example result, if it is complex.
c10::IValue examplePart(const c10::IValue &example, bool imaginary) {
  if (!example.isTensor() || !example.toTensor().is_complex())
    return example;
  return imaginary ? at::imag(example.toTensor())
                   : at::real(example.toTensor());
}

/// Runs the real conversion of the current node on the real parts of its
/// complex inputs, then on their imaginary parts, each checked against the
/// part of the example result, and binds the pairs.
void convertEachPart(ImporterState &s) {
  const torch::jit::Node *node = s.node;
  Conversion convert = findConversion(node->kind().toQualString());
  if (!convert)
    s.fail("internal error: no real conversion of '" + s.opName() + "'");
  llvm::DenseMap<const torch::jit::Value *, Imported> complexInputs;
  llvm::DenseMap<const torch::jit::Value *, c10::IValue> examples;
  llvm::StringRef kind = node->kind().toQualString();
  bool sum = kind == "aten::add" || kind == "aten::sub";
  for (auto [i, input] : llvm::enumerate(node->inputs())) {
    const Imported &imported = s.lookup(input);
    if (imported.isComplexTensor())
      complexInputs.try_emplace(input, imported);
    else if (imported.isTensor() || (sum && i == 1) ||
             (imported.isConstant() && imported.constant().isTensor()))
      s.fail("'" + s.opName() +
             "' of a complex and a real operand is not supported");
    examples.try_emplace(input, s.shadowOf(input));
  }
  for (const torch::jit::Value *output : node->outputs())
    examples.try_emplace(output, s.shadowOf(output));

  SmallVector<Value, 2> parts[2];
  for (bool imaginary : {false, true}) {
    for (auto &[input, complex] : complexInputs)
      s.values[input] = partOf(complex, imaginary);
    for (auto &[value, example] : examples)
      s.shadow[value] = examplePart(example, imaginary);
    convert(s);
    checkOutputTypes(s);
    for (const torch::jit::Value *output : node->outputs()) {
      const Imported &result = s.lookup(output);
      if (!result.isTensor())
        s.fail("'" + s.opName() + "' of a complex tensor is not supported");
      parts[imaginary].push_back(result.tensor());
    }
  }
  for (auto &[input, complex] : complexInputs)
    s.values[input] = complex;
  for (auto &[value, example] : examples)
    s.shadow[value] = example;
  for (size_t i = 0; i < node->outputs().size(); ++i)
    s.bindOutput(i, Imported{ComplexPair{parts[0][i], parts[1][i]}});
}

/// The element type of the parts of the current node's complex result.
c10::ScalarType partScalarType(ImporterState &s) {
  return c10::toRealValueType(s.outputScalarType());
}

/// Input `i` as parts of element type `type`: a pair, a complex constant
/// split, or a real operand (`imag` null).
ComplexPair partsOf(ImporterState &s, size_t i, c10::ScalarType type) {
  const Imported &imported = s.lookup(s.node->inputs()[i]);
  Type elementType = s.elementType(type);
  if (imported.isComplex())
    return {s.convertTo(imported.complex().real, elementType),
            s.convertTo(imported.complex().imag, elementType)};
  if (imported.isComplexTensor()) {
    at::Tensor tensor = imported.constant().toTensor();
    return {s.materialize(at::real(tensor).to(type)),
            s.materialize(at::imag(tensor).to(type))};
  }
  if (imported.isConstant() && imported.constant().isComplexDouble()) {
    c10::complex<double> number = imported.constant().toComplexDouble();
    return {scalar(s, number.real(), elementType),
            scalar(s, number.imag(), elementType)};
  }
  return {s.tensorInputAs(i, type), Value()};
}

/// `torch.view_as_complex(x)`: the last dimension of `x` (of size 2) holds
/// the real and imaginary parts.
void viewAsComplex(ImporterState &s) {
  Value x = s.tensorInput(0);
  int64_t last = typeOf(x).getRank() - 1;
  RankedTensorType partType = typeOf(x).clone(typeOf(x).getShape().drop_back());
  auto part = [&](int64_t index) {
    return reshape(s, sliceDim(s, x, last, index, index + 1, 1), partType);
  };
  s.bindOutput(0, Imported{ComplexPair{part(0), part(1)}});
}

/// `torch.view_as_real(z)`: the parts stacked along a new last dimension.
void viewAsReal(ImporterState &s) {
  ComplexPair z = partsOf(s, 0, partScalarType(s));
  SmallVector<int64_t> shape(typeOf(z.real).getShape());
  shape.push_back(1);
  Value parts[] = {reshape(s, z.real, shape), reshape(s, z.imag, shape)};
  s.bindOutput(0, ds::ConcatOp::create(s.builder, s.loc, parts,
                                       static_cast<int64_t>(shape.size()) - 1));
}

/// `torch.real(z)`, `torch.imag(z)`.
template <bool Imaginary> void part(ImporterState &s) {
  ComplexPair z = partsOf(s, 0, s.outputScalarType());
  s.bindOutput(0, Imaginary ? z.imag : z.real);
}

/// `torch.complex(real, imag)`.
void complexFromParts(ImporterState &s) {
  c10::ScalarType type = partScalarType(s);
  s.bindOutput(0, Imported{ComplexPair{s.tensorInputAs(0, type),
                                       s.tensorInputAs(1, type)}});
}

/// `a * b` with either operand complex: (ar + i ai)(br + i bi) =
/// (ar br - ai bi) + i (ar bi + ai br); a real operand scales both parts.
void mul(ImporterState &s) {
  c10::ScalarType type = partScalarType(s);
  ComplexPair a = partsOf(s, 0, type), b = partsOf(s, 1, type);
  auto times = [&](Value x, Value y) {
    return ds::MulOp::create(s.builder, s.loc, x, y).getResult();
  };
  if (!a.imag)
    std::swap(a, b);
  ComplexPair product;
  if (!b.imag) {
    product = {times(a.real, b.real), times(a.imag, b.real)};
  } else {
    product.real = ds::SubOp::create(s.builder, s.loc, times(a.real, b.real),
                                     times(a.imag, b.imag));
    product.imag = ds::AddOp::create(s.builder, s.loc, times(a.real, b.imag),
                                     times(a.imag, b.real));
  }
  s.bindOutput(0, Imported{product});
}

/// `z / x` with `x` real: each part divided.
void divByReal(ImporterState &s) {
  c10::ScalarType type = partScalarType(s);
  ComplexPair z = partsOf(s, 0, type), x = partsOf(s, 1, type);
  if (!z.imag || x.imag)
    s.fail("'" + s.opName() +
           "' is supported only for a complex tensor divided by a real one");
  if (s.node->inputs().size() > 2 && !isNone(s, 2))
    s.fail("'" + s.opName() + "' with a rounding mode");
  s.bindOutput(0, Imported{ComplexPair{
                      ds::DivOp::create(s.builder, s.loc, z.real, x.real),
                      ds::DivOp::create(s.builder, s.loc, z.imag, x.real)}});
}

Conversion findComplexConversion(llvm::StringRef kind) {
  static const llvm::StringMap<Conversion> table = {
      {"aten::view_as_complex", viewAsComplex},
      {"aten::view_as_real", viewAsReal},
      {"aten::real", part<false>},
      {"aten::imag", part<true>},
      {"aten::complex", complexFromParts},
      {"aten::mul", mul},
      {"aten::div", divByReal},
  };
  auto it = table.find(kind);
  if (it != table.end())
    return it->second;
  return actsOnEachPart(kind) ? convertEachPart : nullptr;
}

/// Checks the parts of each complex result against its example.
void checkComplexOutputs(ImporterState &s) {
  for (size_t i = 0; i < s.node->outputs().size(); ++i) {
    const Imported &result = s.lookup(s.node->outputs()[i]);
    if (!result.isComplex())
      continue;
    const at::Tensor &example = s.shadowOf(s.node->outputs()[i]).toTensor();
    auto expected = RankedTensorType::get(
        example.sizes().vec(),
        s.elementType(c10::toRealValueType(example.scalar_type())));
    for (Value part : {result.complex().real, result.complex().imag})
      if (part.getType() != expected)
        s.fail("internal error: a part of '" + s.opName() +
               "' does not have the type PyTorch computes");
  }
}

} // namespace

bool dsc::ts::convertComplexNode(ImporterState &s) {
  // Lists and tuples hold complex values like any other.
  if (s.node->kind().is_prim())
    return false;
  bool complex = llvm::any_of(s.node->inputs(), [&](const auto *input) {
    return s.lookup(input).isComplexTensor();
  });
  complex |= llvm::any_of(s.node->outputs(), [&](const auto *output) {
    const c10::IValue &example = s.shadowOf(output);
    return example.isTensor() && example.toTensor().is_complex();
  });
  if (!complex)
    return false;
  Conversion conversion = findComplexConversion(s.node->kind().toQualString());
  if (!conversion)
    s.fail("'" + s.opName() +
           "' on complex tensors is not supported (dsc computes with complex "
           "tensors only in the ops docs/pytorch-ops.md lists)");
  conversion(s);
  checkComplexOutputs(s);
  return true;
}
