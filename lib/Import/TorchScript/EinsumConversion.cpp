//===- EinsumConversion.cpp - torch.einsum as ds ops ----------------------===//
//
// `einsum(equation, tensors)` lowered as torch.einsum itself computes it:
// each index an operand alone carries and the output does not is summed
// out, then the operands are contracted left to right, each pair as one
// batched ds.matmul ([batch, left, contracted] x [batch, contracted,
// right], the index groups transposed and flattened into place), and the
// result transposed to the output's order. Implicit outputs (no `->`: the
// indices seen once, sorted) and `...` (the same dimensions wherever it
// appears) are accepted; an index repeated within one operand (a diagonal
// or a trace) and sizes that broadcast are refused with the line.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "llvm/ADT/STLExtras.h"

#include <numeric>

using namespace mlir;
using namespace dsc::ts;

namespace {

/// One operand (or a partial product): its value and its indices in order.
struct Term {
  Value value;
  std::string indices;
};

/// The equation's terms and output, `...` replaced by capital letters
/// (einsum's indices are letters, so those are free when the equation
/// uses none) for `ellipsisRank` dimensions.
struct Equation {
  std::vector<std::string> inputs;
  std::string output;
};

Equation parseEquation(ImporterState &s, std::string text,
                       ArrayRef<Value> operands) {
  llvm::erase_if(text, [](char c) { return c == ' '; });
  Equation equation;
  StringRef rest = text;
  auto [lhs, rhs] = rest.split("->");
  bool implicit = !StringRef(text).contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != operands.size())
    s.fail("einsum equation '" + text + "' names " +
           std::to_string(terms.size()) + " operands, it is given " +
           std::to_string(operands.size()));
  // `...` stands for the dimensions an operand has beyond its letters.
  std::optional<int64_t> ellipsisRank;
  std::string ellipsis;
  auto expand = [&](StringRef term, std::optional<int64_t> rank) {
    size_t dots = term.find("...");
    if (dots == StringRef::npos)
      return term.str();
    int64_t extra = rank ? *rank - static_cast<int64_t>(term.size() - 3) : -1;
    if (rank && (extra < 0 || (ellipsisRank && *ellipsisRank != extra)))
      s.fail("einsum equation '" + text +
             "' whose '...' stands for different numbers of dimensions");
    if (rank) {
      ellipsisRank = extra;
      ellipsis.clear();
      for (int64_t i = 0; i < extra; ++i)
        ellipsis.push_back(static_cast<char>('A' + i));
    }
    return (term.take_front(dots) + ellipsis + term.drop_front(dots + 3)).str();
  };
  if (StringRef(text).find_if([](char c) { return c >= 'A' && c <= 'Z'; }) !=
          StringRef::npos &&
      StringRef(text).contains("..."))
    s.fail("einsum equation '" + text +
           "' with both capital letters and '...'");
  for (auto [term, operand] : llvm::zip(terms, operands)) {
    std::string indices = expand(term, typeOf(operand).getRank());
    if (static_cast<int64_t>(indices.size()) != typeOf(operand).getRank())
      s.fail("einsum equation '" + text + "': term '" + term.str() + "' has " +
             std::to_string(indices.size()) +
             " indices for an operand of rank " +
             std::to_string(typeOf(operand).getRank()));
    for (char c : indices)
      if (llvm::count(indices, c) > 1)
        s.fail("einsum equation '" + text + "' repeats index '" +
               std::string(1, c) +
               "' within one operand (a diagonal or a trace), which dsc "
               "does not import");
    equation.inputs.push_back(indices);
  }
  if (implicit) {
    // The indices seen once, in alphabetical order, after '...'.
    std::string all;
    for (const std::string &term : equation.inputs)
      all += term;
    for (char c : ellipsis)
      equation.output.push_back(c);
    std::string seenOnce;
    for (char c : all)
      if (llvm::count(all, c) == 1 && !llvm::is_contained(ellipsis, c))
        seenOnce.push_back(c);
    llvm::sort(seenOnce);
    equation.output += seenOnce;
  } else {
    equation.output = expand(rhs, std::nullopt);
  }
  for (char c : equation.output)
    if (llvm::none_of(equation.inputs, [&](const std::string &term) {
          return llvm::is_contained(term, c);
        }))
      s.fail("einsum equation '" + text + "': output index '" +
             std::string(1, c) + "' is in no operand");
  return equation;
}

/// `term` with its dimensions in `order` (a permutation of its indices).
Term permuted(ImporterState &s, const Term &term, const std::string &order) {
  if (order == term.indices)
    return term;
  SmallVector<int64_t> perm;
  for (char c : order)
    perm.push_back(static_cast<int64_t>(term.indices.find(c)));
  return {ds::TransposeOp::create(s.builder, s.loc, term.value,
                                  s.builder.getDenseI64ArrayAttr(perm)),
          order};
}

/// `term` summed over the indices `keep` does not hold.
Term summedOut(ImporterState &s, const Term &term, StringRef keep) {
  SmallVector<int64_t> dims;
  std::string left;
  for (auto [i, c] : llvm::enumerate(term.indices))
    if (keep.contains(c))
      left.push_back(c);
    else
      dims.push_back(static_cast<int64_t>(i));
  if (dims.empty())
    return term;
  return {ds::SumOp::create(s.builder, s.loc, term.value, dims), left};
}

/// `a` and `b` contracted over the indices both hold and `keep` does not,
/// as one batched matmul; the result's indices are the batch (in both and
/// kept), then `a`'s own, then `b`'s own.
Term contract(ImporterState &s, const Term &a, const Term &b,
              const std::string &keep) {
  std::string batch, summed, left, right;
  for (char c : a.indices)
    (b.indices.find(c) == std::string::npos
         ? left
         : (keep.find(c) != std::string::npos ? batch : summed))
        .push_back(c);
  for (char c : b.indices)
    if (a.indices.find(c) == std::string::npos)
      right.push_back(c);
  auto size = [&](const Term &t, const std::string &group) {
    int64_t n = 1;
    for (char c : group)
      n *= typeOf(t.value).getDimSize(t.indices.find(c));
    return n;
  };
  SmallVector<int64_t> shape;
  for (char c : batch + left)
    shape.push_back(typeOf(a.value).getDimSize(a.indices.find(c)));
  for (char c : right)
    shape.push_back(typeOf(b.value).getDimSize(b.indices.find(c)));
  Term lhs = permuted(s, a, batch + left + summed);
  Term rhs = permuted(s, b, batch + summed + right);
  int64_t nb = size(a, batch), nk = size(a, summed);
  Value product = ds::MatmulOp::create(
      s.builder, s.loc, reshape(s, lhs.value, {nb, size(a, left), nk}),
      reshape(s, rhs.value, {nb, nk, size(b, right)}));
  return {reshape(s, product, shape), batch + left + right};
}

void einsum(ImporterState &s) {
  std::string text = s.constantInput(0).toStringRef();
  std::vector<Value> operands = tensorList(s, 1);
  Equation equation = parseEquation(s, text, operands);
  // Every index one size (no broadcasting of size-1 dimensions).
  llvm::StringMap<int64_t> sizes;
  for (auto [indices, operand] : llvm::zip(equation.inputs, operands))
    for (auto [i, c] : llvm::enumerate(indices)) {
      int64_t size = typeOf(operand).getDimSize(i);
      auto [it, inserted] = sizes.try_emplace(StringRef(&c, 1), size);
      if (!inserted && it->second != size)
        s.fail("einsum equation '" + text + "': index '" + std::string(1, c) +
               "' has sizes " + std::to_string(it->second) + " and " +
               std::to_string(size) + " (broadcasting is not imported)");
    }
  Type element = s.elementType(s.outputScalarType());
  std::vector<Term> terms;
  for (auto [indices, operand] : llvm::zip(equation.inputs, operands))
    terms.push_back({s.convertTo(operand, element), indices});
  // What each term must keep: the output's indices and the later terms'.
  auto needed = [&](size_t after) {
    std::string keep = equation.output;
    for (size_t j = after; j < terms.size(); ++j)
      keep += terms[j].indices;
    return keep;
  };
  for (size_t i = 0; i < terms.size(); ++i) {
    std::string others = equation.output;
    for (size_t j = 0; j < terms.size(); ++j)
      if (j != i)
        others += terms[j].indices;
    terms[i] = summedOut(s, terms[i], others);
  }
  Term result = terms.front();
  for (size_t j = 1; j < terms.size(); ++j)
    result = summedOut(s, contract(s, result, terms[j], needed(j + 1)),
                       needed(j + 1));
  result = summedOut(s, result, equation.output);
  s.bindOutput(0, reshape(s, permuted(s, result, equation.output).value,
                          s.outputType()));
}

} // namespace

void dsc::ts::addEinsumConversion(llvm::StringMap<Conversion> &table) {
  table["aten::einsum"] = einsum;
}
