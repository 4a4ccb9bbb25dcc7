//===- ShardingRuleTest.cpp - sharding rules of ds ops --------------------===//
//
// Sharding propagation is only as exact as the op rules it reads. These
// tests write each rule in an einsum-like notation and compare it with the
// one the op returns, and check that every rule verifies against its op.
//
// Notation: factors are named a, b, c, ... in the order the rule adds them;
// `factors()` lists them with their sizes and kinds (no mark: pass-through,
// `+` sum, `~` mean, `^` max, `!` needs replication); `mapping()` writes
// each tensor as its dimensions in brackets, each holding its factors major
// to minor (`[]`: a size-1 dimension without factors; `()`: a 0-d tensor),
// operands before `->`, results after.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;
using namespace mlir::ds;

namespace {
std::string factorName(int64_t factor) {
  if (factor >= 0 && factor < 26)
    return std::string(1, static_cast<char>('a' + factor));
  return "f" + std::to_string(factor);
}

std::string factors(const ShardingRule &rule) {
  std::string text;
  for (auto [i, size, kind] :
       llvm::enumerate(rule.factorSizes, rule.factorKinds)) {
    if (i)
      text += " ";
    text += factorName(i) + std::to_string(size);
    switch (kind) {
    case FactorKind::PassThrough:
      break;
    case FactorKind::ReductionSum:
      text += "+";
      break;
    case FactorKind::ReductionMean:
      text += "~";
      break;
    case FactorKind::ReductionMax:
      text += "^";
      break;
    case FactorKind::NeedReplication:
      text += "!";
      break;
    }
  }
  return text;
}

std::string tensors(ArrayRef<SmallVector<SmallVector<int64_t, 2>>> all) {
  std::string text;
  for (auto [i, dims] : llvm::enumerate(all)) {
    if (i)
      text += ", ";
    if (dims.empty())
      text += "()";
    for (ArrayRef<int64_t> dim : dims) {
      text += "[";
      for (int64_t factor : dim)
        text += factorName(factor);
      text += "]";
    }
  }
  return text;
}

std::string mapping(const ShardingRule &rule) {
  std::string operands = tensors(rule.operandDims);
  return (operands.empty() ? "" : operands + " ") + "-> " +
         tensors(rule.resultDims);
}

std::string print(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  op->print(os);
  return text;
}

class ShardingRuleTest : public ::testing::Test {
protected:
  ShardingRuleTest() : builder(&context) {
    context.loadDialect<DSDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// Every op built by a test, the constants that feed it included, has a
  /// rule that verifies.
  void TearDown() override {
    module->walk([](ShardingRuleOpInterface op) {
      EXPECT_TRUE(op.getShardingRule().verify(op)) << print(op);
    });
  }

  Value value(ArrayRef<int64_t> shape, Type elementType) {
    auto type = RankedTensorType::get(shape, elementType);
    Attribute zero = isa<FloatType>(elementType)
                         ? Attribute(builder.getFloatAttr(elementType, 0.0))
                         : Attribute(builder.getIntegerAttr(elementType, 0));
    return ConstantOp::create(builder, loc(), type,
                              DenseElementsAttr::get(type, zero));
  }
  Value f32(ArrayRef<int64_t> shape) {
    return value(shape, builder.getF32Type());
  }
  Value i64(ArrayRef<int64_t> shape) {
    return value(shape, builder.getI64Type());
  }
  Value i1(ArrayRef<int64_t> shape) {
    return value(shape, builder.getI1Type());
  }
  Location loc() { return builder.getUnknownLoc(); }
  DenseI64ArrayAttr array(ArrayRef<int64_t> values) {
    return builder.getDenseI64ArrayAttr(values);
  }

  /// The rule of `op`, which must verify.
  static ShardingRule ruleOf(Operation *op) {
    auto ruleOp = dyn_cast<ShardingRuleOpInterface>(op);
    EXPECT_TRUE(ruleOp) << print(op);
    if (!ruleOp)
      return {};
    ShardingRule rule = ruleOp.getShardingRule();
    EXPECT_TRUE(rule.verify(op)) << print(op);
    return rule;
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

//===----------------------------------------------------------------------===//
// ShardingRule::verify
//===----------------------------------------------------------------------===//

TEST_F(ShardingRuleTest, VerifyChecksDimensionsAgainstTypes) {
  Operation *op = NegOp::create(builder, loc(), f32({4, 1})).getOperation();
  ShardingRule rule;
  int64_t a = rule.addFactor(4);
  rule.operandDims = {{{a}, {}}};
  rule.resultDims = {{{a}, {}}};
  EXPECT_TRUE(rule.verify(op)) << "a size-1 dimension may have no factors";

  ShardingRule wrongSize = rule;
  wrongSize.factorSizes[a] = 2;
  EXPECT_FALSE(wrongSize.verify(op));

  ShardingRule wrongRank = rule;
  wrongRank.resultDims = {{{a}}};
  EXPECT_FALSE(wrongRank.verify(op));

  ShardingRule missingResult = rule;
  missingResult.resultDims.clear();
  EXPECT_FALSE(missingResult.verify(op));

  ShardingRule unknownFactor = rule;
  unknownFactor.resultDims = {{{a}, {7}}};
  EXPECT_FALSE(unknownFactor.verify(op));

  ShardingRule unusedFactor = rule;
  unusedFactor.addFactor(3);
  EXPECT_FALSE(unusedFactor.verify(op));

  ShardingRule repeated = rule;
  int64_t b = repeated.addFactor(2);
  int64_t c = repeated.addFactor(2);
  repeated.operandDims = {{{b, c}, {}}};
  repeated.resultDims = {{{b, b}, {}}};
  EXPECT_FALSE(repeated.verify(op)) << "a factor twice in one tensor";
}

//===----------------------------------------------------------------------===//
// Elementwise and broadcasting
//===----------------------------------------------------------------------===//

TEST_F(ShardingRuleTest, UnaryOpsShareEveryFactor) {
  ShardingRule rule = ruleOf(
      GeluOp::create(builder, loc(), f32({2, 8}), GeluApproximation::Tanh));
  EXPECT_EQ(factors(rule), "a2 b8");
  EXPECT_EQ(mapping(rule), "[a][b] -> [a][b]");
  Value x = f32({2, 8});
  rule = ruleOf(SiluGradOp::create(builder, loc(), x, x));
  EXPECT_EQ(mapping(rule), "[a][b], [a][b] -> [a][b]");
}

TEST_F(ShardingRuleTest, BinaryOperandsBroadcastAtTrailingDimensions) {
  ShardingRule rule =
      ruleOf(AddOp::create(builder, loc(), f32({2, 1, 8}), f32({3, 1})));
  EXPECT_EQ(factors(rule), "a2 b3 c8");
  EXPECT_EQ(mapping(rule), "[a][][c], [b][] -> [a][b][c]");
}

TEST_F(ShardingRuleTest, SelectBroadcastsMaskAndScalar) {
  ShardingRule rule = ruleOf(SelectOp::create(builder, loc(), i1({1, 1, 8, 8}),
                                              f32({2, 4, 8, 8}), f32({})));
  EXPECT_EQ(factors(rule), "a2 b4 c8 d8");
  EXPECT_EQ(mapping(rule), "[][][c][d], [a][b][c][d], () -> [a][b][c][d]");
  rule = ruleOf(CompareOp::create(builder, loc(), CompareDirection::LT,
                                  f32({4, 1}), f32({1, 4})));
  EXPECT_EQ(mapping(rule), "[a][], [][b] -> [a][b]");
}

TEST_F(ShardingRuleTest, BroadcastOpExpandsLikeAnOperand) {
  Value b = f32({1, 64});
  ShardingRule rule = ruleOf(BroadcastOp::create(
      builder, loc(), RankedTensorType::get({2, 8, 64}, builder.getF32Type()),
      b));
  EXPECT_EQ(factors(rule), "a2 b8 c64");
  EXPECT_EQ(mapping(rule), "[][c] -> [a][b][c]");
}

TEST_F(ShardingRuleTest, ConstantsAndIotaHaveResultFactorsOnly) {
  EXPECT_EQ(mapping(ruleOf(f32({4, 8}).getDefiningOp())), "-> [a][b]");
  ShardingRule rule = ruleOf(IotaOp::create(
      builder, loc(), RankedTensorType::get({8}, builder.getI64Type()), 0));
  EXPECT_EQ(factors(rule), "a8");
  EXPECT_EQ(mapping(rule), "-> [a]");
}

//===----------------------------------------------------------------------===//
// Products and reductions
//===----------------------------------------------------------------------===//

TEST_F(ShardingRuleTest, MatmulContractsKAndBroadcastsBatch) {
  // [2, 4, 8, 16] x [4, 8, 16]ᵀ -> [2, 4, 8, 8].
  ShardingRule rule = ruleOf(
      MatmulOp::create(builder, loc(), f32({2, 4, 8, 16}), f32({4, 8, 16}),
                       /*transpose_lhs=*/false, /*transpose_rhs=*/true));
  EXPECT_EQ(factors(rule), "a2 b4 c8 d8 e16+");
  EXPECT_EQ(mapping(rule), "[a][b][c][e], [b][d][e] -> [a][b][c][d]");

  rule = ruleOf(MatmulOp::create(builder, loc(), f32({3, 1, 8, 16}),
                                 f32({5, 16, 8}), false, false));
  EXPECT_EQ(factors(rule), "a3 b5 c8 d8 e16+");
  EXPECT_EQ(mapping(rule), "[a][][c][e], [b][e][d] -> [a][b][c][d]");

  rule = ruleOf(MatmulOp::create(builder, loc(), f32({16, 8}), f32({16, 3}),
                                 /*transpose_lhs=*/true, false));
  EXPECT_EQ(factors(rule), "a8 b3 c16+");
  EXPECT_EQ(mapping(rule), "[c][a], [c][b] -> [a][b]");
}

TEST_F(ShardingRuleTest, LinearSumsInputFeatures) {
  ShardingRule rule = ruleOf(LinearOp::create(builder, loc(), f32({2, 8, 64}),
                                              f32({192, 64}), Value()));
  EXPECT_EQ(factors(rule), "a2 b8 c64+ d192");
  EXPECT_EQ(mapping(rule), "[a][b][c], [d][c] -> [a][b][d]");
  // With a bias the input features stay whole: a split sum would add the
  // bias once per rank.
  rule = ruleOf(LinearOp::create(builder, loc(), f32({2, 8, 64}),
                                 f32({192, 64}), f32({192})));
  EXPECT_EQ(factors(rule), "a2 b8 c64! d192");
  EXPECT_EQ(mapping(rule), "[a][b][c], [d][c], [d] -> [a][b][d]");
  rule = ruleOf(
      LinearOp::create(builder, loc(), f32({64}), f32({192, 64}), Value()));
  EXPECT_EQ(mapping(rule), "[a], [b][a] -> [b]");
}

TEST_F(ShardingRuleTest, ReductionsKeepOrDropTheirFactor) {
  ShardingRule rule =
      ruleOf(SumOp::create(builder, loc(), f32({2, 8, 64}), array({2}), true));
  EXPECT_EQ(factors(rule), "a2 b8 c64+");
  EXPECT_EQ(mapping(rule), "[a][b][c] -> [a][b][]");
  rule = ruleOf(
      MeanOp::create(builder, loc(), f32({2, 8, 64}), array({0, 2}), false));
  EXPECT_EQ(factors(rule), "a2~ b8 c64~");
  EXPECT_EQ(mapping(rule), "[a][b][c] -> [b]");
  rule = ruleOf(
      MaxOp::create(builder, loc(), f32({2, 8, 64}), array({0, 1, 2}), false));
  EXPECT_EQ(factors(rule), "a2^ b8^ c64^");
  EXPECT_EQ(mapping(rule), "[a][b][c] -> ()");
}

//===----------------------------------------------------------------------===//
// Softmax and normalisations
//===----------------------------------------------------------------------===//

TEST_F(ShardingRuleTest, SoftmaxNeedsItsDimensionWhole) {
  Value x = f32({2, 4, 8, 8});
  ShardingRule rule = ruleOf(SoftmaxOp::create(builder, loc(), x, 3));
  EXPECT_EQ(factors(rule), "a2 b4 c8 d8!");
  EXPECT_EQ(mapping(rule), "[a][b][c][d] -> [a][b][c][d]");
  rule = ruleOf(LogSoftmaxGradOp::create(builder, loc(), x, x, 1));
  EXPECT_EQ(factors(rule), "a2 b4! c8 d8");
  EXPECT_EQ(mapping(rule), "[a][b][c][d], [a][b][c][d] -> [a][b][c][d]");
}

TEST_F(ShardingRuleTest, LayerNormNeedsFeaturesWholeAndSumsParameterGrads) {
  Value x = f32({2, 8, 64}), w = f32({64});
  ShardingRule rule = ruleOf(LayerNormOp::create(
      builder, loc(), x, w, f32({64}), llvm::APFloat(1e-5)));
  EXPECT_EQ(factors(rule), "a2 b8 c64!");
  EXPECT_EQ(mapping(rule), "[a][b][c], [c], [c] -> [a][b][c]");

  Type xType = x.getType(), wType = w.getType();
  auto grad = LayerNormGradOp::create(builder, loc(), xType, wType, wType, x, w,
                                      x, llvm::APFloat(1e-5));
  rule = ruleOf(grad);
  // The leading factors pass through into `grad_input` and are summed in
  // `grad_weight` and `grad_bias`, where they do not appear.
  EXPECT_EQ(factors(rule), "a2+ b8+ c64!");
  EXPECT_EQ(mapping(rule), "[a][b][c], [c], [a][b][c] -> [a][b][c], [c], [c]");

  rule = ruleOf(RmsNormGradOp::create(builder, loc(), xType, wType, x, w, x,
                                      llvm::APFloat(1e-5)));
  EXPECT_EQ(factors(rule), "a2+ b8+ c64!");
  EXPECT_EQ(mapping(rule), "[a][b][c], [c], [a][b][c] -> [a][b][c], [c]");
}

//===----------------------------------------------------------------------===//
// Embedding, attention, loss
//===----------------------------------------------------------------------===//

TEST_F(ShardingRuleTest, EmbeddingNeedsTheWholeTable) {
  ShardingRule rule =
      ruleOf(EmbeddingOp::create(builder, loc(), f32({256, 64}), i64({2, 8}),
                                 /*padding_idx=*/nullptr));
  EXPECT_EQ(factors(rule), "a256! b64 c2 d8");
  EXPECT_EQ(mapping(rule), "[a][b], [c][d] -> [c][d][b]");

  rule = ruleOf(EmbeddingGradOp::create(
      builder, loc(), RankedTensorType::get({256, 64}, builder.getF32Type()),
      i64({2, 8}), f32({2, 8, 64}), /*padding_idx=*/nullptr));
  EXPECT_EQ(factors(rule), "a2+ b8+ c256! d64");
  EXPECT_EQ(mapping(rule), "[a][b], [a][b][d] -> [c][d]");
}

TEST_F(ShardingRuleTest, AttentionSplitsQueryHeadsIntoKeyValueGroups) {
  Value q = f32({2, 8, 16, 32}), k = f32({2, 2, 16, 32}),
        v = f32({2, 2, 16, 24});
  ShardingRule rule = ruleOf(AttentionOp::create(
      builder, loc(), q, k, v, /*causal=*/true, llvm::APFloat(0.25)));
  // a: batch, b: key/value heads, c: query heads per key/value head,
  // d/e: query/key positions, f/g: head dimensions of keys/values.
  EXPECT_EQ(factors(rule), "a2 b2 c4 d16! e16! f32! g24!");
  EXPECT_EQ(mapping(rule),
            "[a][bc][d][f], [a][b][e][f], [a][b][e][g] -> [a][bc][d][g]");

  Value o = f32({2, 8, 16, 24});
  auto grad = AttentionGradOp::create(
      builder, loc(), q.getType(), k.getType(), v.getType(),
      /*grad_bias=*/Type(), /*grad_sinks=*/Type(), q, k, v, o, o,
      /*bias=*/Value(), /*sinks=*/Value(), builder.getUnitAttr(),
      /*window=*/IntegerAttr(),
      /*key_length=*/IntegerAttr(), builder.getF64FloatAttr(0.25),
      /*softcap=*/FloatAttr(), /*fill=*/FloatAttr());
  rule = ruleOf(grad);
  // The key/value gradients add up over the query heads of their group.
  EXPECT_EQ(factors(rule), "a2 b2 c4+ d16! e16! f32! g24!");
  EXPECT_EQ(mapping(rule), "[a][bc][d][f], [a][b][e][f], [a][b][e][g], "
                           "[a][bc][d][g], [a][bc][d][g] -> "
                           "[a][bc][d][f], [a][b][e][f], [a][b][e][g]");

  // Without grouping the head dimension is a single factor.
  rule = ruleOf(AttentionOp::create(builder, loc(), f32({2, 4, 16, 8}),
                                    f32({2, 4, 16, 8}), f32({2, 4, 16, 8}),
                                    false, llvm::APFloat(1.0)));
  EXPECT_EQ(factors(rule), "a2 b4 c16! d16! e8! f8!");

  // A bias takes the factors of the scores' dimensions it does not
  // broadcast: ALiBi [1, Hq, 1, Skv] and a key mask [B, 1, 1, Skv].
  Value alibi = f32({1, 8, 1, 16}), keyMask = f32({2, 1, 1, 16});
  for (auto [bias, expected] :
       {std::pair(alibi, "[][bc][][e]"), std::pair(keyMask, "[a][][][e]")}) {
    rule = ruleOf(
        AttentionOp::create(builder, loc(), q, k, v, bias,
                            /*sinks=*/Value(), UnitAttr(), IntegerAttr(),
                            IntegerAttr(), builder.getF64FloatAttr(0.25),
                            /*softcap=*/FloatAttr(), /*fill=*/FloatAttr()));
    EXPECT_EQ(mapping(rule), "[a][bc][d][f], [a][b][e][f], [a][b][e][g], " +
                                 std::string(expected) + " -> [a][bc][d][g]");
  }

  // The gradient of a bias broadcast over the batch (a relative position
  // bias [1, Hq, S, Skv]) sums over it: the batch is a reduction there,
  // the heads pass into it.
  Value relative = f32({1, 8, 16, 16});
  auto biased = AttentionGradOp::create(
      builder, loc(), q.getType(), k.getType(), v.getType(), relative.getType(),
      /*grad_sinks=*/Type(), q, k, v, o, o, relative,
      /*sinks=*/Value(), builder.getUnitAttr(), IntegerAttr(), IntegerAttr(),
      builder.getF64FloatAttr(0.25), FloatAttr(), FloatAttr());
  rule = ruleOf(biased);
  EXPECT_EQ(factors(rule), "a2+ b2 c4+ d16! e16! f32! g24!");
  EXPECT_EQ(mapping(rule), "[a][bc][d][f], [a][b][e][f], [a][b][e][g], "
                           "[a][bc][d][g], [a][bc][d][g], [][bc][d][e] -> "
                           "[a][bc][d][f], [a][b][e][f], [a][b][e][g], "
                           "[][bc][d][e]");

  // Sinks [Hq] split with the query heads; their gradient sums over the
  // batch (and the rows, which are never split).
  Value sinks = f32({8});
  rule = ruleOf(AttentionOp::create(
      builder, loc(), q, k, v, /*bias=*/Value(), sinks, builder.getUnitAttr(),
      IntegerAttr(), IntegerAttr(), builder.getF64FloatAttr(0.25), FloatAttr(),
      FloatAttr()));
  EXPECT_EQ(factors(rule), "a2 b2 c4 d16! e16! f32! g24!");
  EXPECT_EQ(mapping(rule), "[a][bc][d][f], [a][b][e][f], [a][b][e][g], "
                           "[bc] -> [a][bc][d][g]");
  auto sunk = AttentionGradOp::create(
      builder, loc(), q.getType(), k.getType(), v.getType(),
      /*grad_bias=*/Type(), sinks.getType(), q, k, v, o, o, /*bias=*/Value(),
      sinks, builder.getUnitAttr(), IntegerAttr(), IntegerAttr(),
      builder.getF64FloatAttr(0.25), FloatAttr(), FloatAttr());
  rule = ruleOf(sunk);
  EXPECT_EQ(factors(rule), "a2+ b2 c4+ d16! e16! f32! g24!");
  EXPECT_EQ(mapping(rule), "[a][bc][d][f], [a][b][e][f], [a][b][e][g], "
                           "[a][bc][d][g], [a][bc][d][g], [bc] -> "
                           "[a][bc][d][f], [a][b][e][f], [a][b][e][g], [bc]");
}

TEST_F(ShardingRuleTest, CrossEntropyReducesOverPositions) {
  Value logits = f32({2, 8, 256}), labels = i64({2, 8});
  ShardingRule rule = ruleOf(CrossEntropyOp::create(
      builder, loc(), logits, labels, /*ignore_index=*/-100, /*sum=*/false));
  EXPECT_EQ(factors(rule), "a2~ b8~ c256!");
  EXPECT_EQ(mapping(rule), "[a][b][c], [a][b] -> ()");
  rule = ruleOf(CrossEntropyOp::create(builder, loc(), logits, labels, -100,
                                       /*sum=*/true));
  EXPECT_EQ(factors(rule), "a2+ b8+ c256!");

  rule = ruleOf(CrossEntropyGradOp::create(builder, loc(), logits.getType(),
                                           logits, labels, f32({}), -100,
                                           /*sum=*/false));
  EXPECT_EQ(factors(rule), "a2 b8 c256!");
  EXPECT_EQ(mapping(rule), "[a][b][c], [a][b], () -> [a][b][c]");
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

TEST_F(ShardingRuleTest, ReshapeSplitsDimensionsIntoCommonFactors) {
  auto reshape = [&](ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
    return ruleOf(ReshapeOp::create(
        builder, loc(), RankedTensorType::get(to, builder.getF32Type()),
        f32(from)));
  };
  ShardingRule rule = reshape({8, 16, 256}, {128, 256});
  EXPECT_EQ(factors(rule), "a8 b16 c256");
  EXPECT_EQ(mapping(rule), "[a][b][c] -> [ab][c]");

  rule = reshape({2, 16, 64}, {2, 16, 4, 16});
  EXPECT_EQ(factors(rule), "a2 b16 c4 d16");
  EXPECT_EQ(mapping(rule), "[a][b][cd] -> [a][b][c][d]");

  // 6x4 and 4x6 share the leading 2 (elements 0-11 and 12-23) and the
  // trailing 2 (even and odd elements); the 3 and 2 between them are laid
  // out differently on the two sides.
  rule = reshape({6, 4}, {4, 6});
  EXPECT_EQ(factors(rule), "a2 b3! c2! d2! e3! f2");
  EXPECT_EQ(mapping(rule), "[ab][cf] -> [ad][ef]");

  rule = reshape({3, 2}, {2, 3});
  EXPECT_EQ(factors(rule), "a3! b2! c2! d3!");
  EXPECT_EQ(mapping(rule), "[a][b] -> [c][d]");

  rule = reshape({2, 1, 8}, {16, 1});
  EXPECT_EQ(factors(rule), "a2 b8");
  EXPECT_EQ(mapping(rule), "[a][][b] -> [ab][]");

  rule = reshape({12}, {2, 6});
  EXPECT_EQ(mapping(rule), "[ab] -> [a][b]");

  rule = reshape({1}, {});
  EXPECT_EQ(mapping(rule), "[] -> ()");
}

/// The digit of every factor of a tensor of `shape` made of `dims` at the
/// element with row-major index `flat`; -1 for factors it does not have.
SmallVector<int64_t> factorDigits(const ShardingRule &rule,
                                  ArrayRef<int64_t> shape,
                                  ArrayRef<SmallVector<int64_t, 2>> dims,
                                  int64_t flat) {
  SmallVector<int64_t> digits(rule.getNumFactors(), -1);
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    int64_t index = flat % shape[d];
    flat /= shape[d];
    for (int64_t factor : llvm::reverse(dims[d])) {
      digits[factor] = index % rule.factorSizes[factor];
      index /= rule.factorSizes[factor];
    }
  }
  return digits;
}

// A factor both shapes of a reshape share must index the same elements on
// both sides, and a factor only one side has must need replication; checked
// element by element over many shape pairs.
TEST_F(ShardingRuleTest, ReshapeFactorsAreExact) {
  SmallVector<SmallVector<int64_t>> shapes = {
      {24},    {2, 12},   {12, 2},   {4, 6},       {6, 4},    {3, 8},
      {8, 3},  {2, 3, 4}, {4, 3, 2}, {3, 2, 4},    {2, 2, 6}, {6, 1, 4},
      {1, 24}, {2, 4, 3}, {3, 4, 2}, {1, 2, 1, 12}};
  for (ArrayRef<int64_t> from : shapes) {
    for (ArrayRef<int64_t> to : shapes) {
      ShardingRule rule = ruleOf(ReshapeOp::create(
          builder, loc(), RankedTensorType::get(to, builder.getF32Type()),
          f32(from)));
      std::string context = mapping(rule) + " " + factors(rule);
      ASSERT_EQ(rule.operandDims.size(), 1u) << context;
      for (int64_t flat = 0; flat < 24; ++flat) {
        SmallVector<int64_t> in =
            factorDigits(rule, from, rule.operandDims[0], flat);
        SmallVector<int64_t> out =
            factorDigits(rule, to, rule.resultDims[0], flat);
        for (int64_t f = 0; f < rule.getNumFactors(); ++f) {
          bool shared = in[f] >= 0 && out[f] >= 0;
          EXPECT_EQ(rule.factorKinds[f], shared ? FactorKind::PassThrough
                                                : FactorKind::NeedReplication)
              << context;
          if (shared) {
            EXPECT_EQ(in[f], out[f]) << context << " element " << flat;
          }
        }
      }
    }
  }
}

TEST_F(ShardingRuleTest, TransposePermutesFactors) {
  ShardingRule rule = ruleOf(TransposeOp::create(
      builder, loc(), f32({2, 8, 4, 16}), array({0, 2, 1, 3})));
  EXPECT_EQ(factors(rule), "a2 b8 c4 d16");
  EXPECT_EQ(mapping(rule), "[a][b][c][d] -> [a][c][b][d]");
}

TEST_F(ShardingRuleTest, SliceAndPadNeedCutDimensionsWhole) {
  Value x = f32({64, 64});
  ShardingRule rule = ruleOf(SliceOp::create(builder, loc(), x, array({0, 0}),
                                             array({64, 64}), array({1, 1})));
  EXPECT_EQ(factors(rule), "a64 b64");
  EXPECT_EQ(mapping(rule), "[a][b] -> [a][b]");

  rule = ruleOf(SliceOp::create(builder, loc(), x, array({0, 0}),
                                array({8, 64}), array({1, 1})));
  EXPECT_EQ(factors(rule), "a64! b8! c64");
  EXPECT_EQ(mapping(rule), "[a][c] -> [b][c]");

  rule = ruleOf(SliceOp::create(builder, loc(), x, array({0, 1}),
                                array({64, 64}), array({1, 2})));
  EXPECT_EQ(factors(rule), "a64 b64! c32!");
  EXPECT_EQ(mapping(rule), "[a][b] -> [a][c]");

  rule = ruleOf(PadOp::create(
      builder, loc(), RankedTensorType::get({8, 16}, builder.getF32Type()),
      f32({8, 8}), array({0, 2}), array({1, 1})));
  EXPECT_EQ(factors(rule), "a8 b8! c16!");
  EXPECT_EQ(mapping(rule), "[a][b] -> [a][c]");
}

TEST_F(ShardingRuleTest, ConcatAndSplitNeedTheirDimensionWhole) {
  ShardingRule rule = ruleOf(ConcatOp::create(
      builder, loc(), ValueRange{f32({2, 3}), f32({2, 5})}, /*dim=*/1));
  EXPECT_EQ(factors(rule), "a2 b3! c5! d8!");
  EXPECT_EQ(mapping(rule), "[a][b], [a][c] -> [a][d]");

  auto split = SplitOp::create(builder, loc(), f32({2, 8, 192}), /*dim=*/2,
                               array({64, 128}));
  rule = ruleOf(split);
  EXPECT_EQ(factors(rule), "a2 b8 c192! d64! e128!");
  EXPECT_EQ(mapping(rule), "[a][b][c] -> [a][b][d], [a][b][e]");
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

// Updates run on whole parameters, gradients and state (ZeRO will shard
// them on purpose): every factor needs replication.
TEST_F(ShardingRuleTest, OptimizerStateFollowsTheParameter) {
  Value p = f32({64, 32});
  auto adamw = AdamWUpdateOp::create(
      builder, loc(), p.getType(), p.getType(), p.getType(), p, p, p, p,
      i64({}), llvm::APFloat(1e-3), llvm::APFloat(0.9), llvm::APFloat(0.999),
      llvm::APFloat(1e-8), llvm::APFloat(0.01), /*beside=*/nullptr,
      /*fused=*/false, /*on_host=*/false, /*lr_schedule=*/nullptr,
      /*warmup_steps=*/nullptr, /*total_steps=*/nullptr,
      /*min_lr_ratio=*/nullptr);
  ShardingRule rule = ruleOf(adamw);
  EXPECT_EQ(factors(rule), "a64! b32!");
  EXPECT_EQ(mapping(rule), "[a][b], [a][b], [a][b], [a][b], () -> "
                           "[a][b], [a][b], [a][b]");
  auto sgd = SgdUpdateOp::create(builder, loc(), p.getType(), p.getType(), p, p,
                                 p, llvm::APFloat(0.1), llvm::APFloat(0.9),
                                 llvm::APFloat(0.0), /*beside=*/nullptr);
  EXPECT_EQ(mapping(ruleOf(sgd)), "[a][b], [a][b], [a][b] -> [a][b], [a][b]");
}

//===----------------------------------------------------------------------===//
// Every op of the dialect
//===----------------------------------------------------------------------===//

// Every ds op of the round-trip test but the mesh and the collectives (the
// ops naming mesh axes, which propagation inserts) has a rule, and each rule
// verifies against its op.
TEST(ShardingRuleOpsTest, EveryOpOfTheRoundTripTestHasAVerifiedRule) {
  MLIRContext context;
  context.loadDialect<DSDialect, func::FuncDialect>();
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(DSC_DS_OPS_MLIR, &context);
  ASSERT_TRUE(module) << "cannot parse " << DSC_DS_OPS_MLIR;
  int checked = 0;
  module->walk([&](Operation *op) {
    if (!isa<DSDialect>(op->getDialect()))
      return;
    auto ruleOp = dyn_cast<ShardingRuleOpInterface>(op);
    if (!ruleOp) {
      // The mesh, collectives and ds.reshard (written by propagation,
      // consumed by -ds-partition) are not propagated through, nor are
      // ds.recompute regions (made after partitioning; their ops have rules).
      EXPECT_TRUE((isa<MeshOp, ReshardOp, RecomputeOp, YieldOp>(op)) ||
                  op->hasAttr("mesh"))
          << "no sharding rule: " << print(op);
      return;
    }
    EXPECT_TRUE(ruleOp.getShardingRule().verify(op)) << print(op);
    ++checked;
  });
  EXPECT_GT(checked, 50);
}
} // namespace
