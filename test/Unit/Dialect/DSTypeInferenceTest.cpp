//===- DSTypeInferenceTest.cpp - ds ops built from C++ --------------------===//
//
// Passes build ds ops without writing result types; these tests check that
// the inferred types are the ones the op documentation promises.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::ds;

namespace {
class DSTypeInferenceTest : public ::testing::Test {
protected:
  DSTypeInferenceTest() : builder(&context) {
    context.loadDialect<DSDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A value of the given type, produced by a splat constant.
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
  Location loc() { return builder.getUnknownLoc(); }
  static ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(DSTypeInferenceTest, BinaryBroadcastsByTheNumPyRule) {
  Value sum = AddOp::create(builder, loc(), f32({2, 1, 8}), f32({3, 1}));
  EXPECT_EQ(shapeOf(sum), ArrayRef<int64_t>({2, 3, 8}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(DSTypeInferenceTest, CompareYieldsBooleans) {
  Value m = CompareOp::create(builder, loc(), CompareDirection::EQ, f32({4, 4}),
                              f32({}));
  auto type = cast<RankedTensorType>(m.getType());
  EXPECT_TRUE(type.getElementType().isInteger(1));
  EXPECT_EQ(type.getShape(), ArrayRef<int64_t>({4, 4}));
}

TEST_F(DSTypeInferenceTest, MatmulHonoursTransposeFlagsAndBatchBroadcast) {
  Value s = MatmulOp::create(builder, loc(), f32({2, 4, 8, 16}),
                             f32({4, 8, 16}), /*transpose_lhs=*/false,
                             /*transpose_rhs=*/true);
  EXPECT_EQ(shapeOf(s), ArrayRef<int64_t>({2, 4, 8, 8}));
  Value t = MatmulOp::create(builder, loc(), f32({16, 8}), f32({16, 3}),
                             /*transpose_lhs=*/true, /*transpose_rhs=*/false);
  EXPECT_EQ(shapeOf(t), ArrayRef<int64_t>({8, 3}));
}

TEST_F(DSTypeInferenceTest, LinearReplacesTheFeatureDimension) {
  Value y = LinearOp::create(builder, loc(), f32({2, 8, 64}), f32({192, 64}),
                             f32({192}));
  EXPECT_EQ(shapeOf(y), ArrayRef<int64_t>({2, 8, 192}));
}

TEST_F(DSTypeInferenceTest, ReductionsKeepOrDropDimensions) {
  Value kept = SumOp::create(builder, loc(), f32({2, 8, 64}),
                             builder.getDenseI64ArrayAttr({2}),
                             /*keepdim=*/true);
  EXPECT_EQ(shapeOf(kept), ArrayRef<int64_t>({2, 8, 1}));
  Value dropped = MeanOp::create(builder, loc(), f32({2, 8, 64}),
                                 builder.getDenseI64ArrayAttr({0, 2}),
                                 /*keepdim=*/false);
  EXPECT_EQ(shapeOf(dropped), ArrayRef<int64_t>({8}));
}

TEST_F(DSTypeInferenceTest, AttentionWithGroupedKeyValueHeads) {
  Value o = AttentionOp::create(builder, loc(), f32({2, 8, 16, 32}),
                                f32({2, 2, 16, 32}), f32({2, 2, 16, 24}),
                                /*causal=*/true, llvm::APFloat(0.25));
  EXPECT_EQ(shapeOf(o), ArrayRef<int64_t>({2, 8, 16, 24}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(DSTypeInferenceTest, EmbeddingAndCrossEntropy) {
  Value e = EmbeddingOp::create(builder, loc(), f32({256, 64}), i64({2, 8}),
                                /*padding_idx=*/nullptr);
  EXPECT_EQ(shapeOf(e), ArrayRef<int64_t>({2, 8, 64}));
  Value l = CrossEntropyOp::create(builder, loc(), f32({2, 8, 256}),
                                   i64({2, 8}), /*ignore_index=*/-100);
  EXPECT_TRUE(shapeOf(l).empty());
}

TEST_F(DSTypeInferenceTest, ShapeOps) {
  Value t = TransposeOp::create(builder, loc(), f32({2, 8, 4, 16}),
                                builder.getDenseI64ArrayAttr({0, 2, 1, 3}));
  EXPECT_EQ(shapeOf(t), ArrayRef<int64_t>({2, 4, 8, 16}));
  Value s = SliceOp::create(builder, loc(), f32({64, 64}),
                            builder.getDenseI64ArrayAttr({0, 1}),
                            builder.getDenseI64ArrayAttr({8, 64}),
                            builder.getDenseI64ArrayAttr({1, 2}));
  EXPECT_EQ(shapeOf(s), ArrayRef<int64_t>({8, 32}));
  Value c =
      ConcatOp::create(builder, loc(), ValueRange{f32({2, 3}), f32({2, 5})},
                       /*dim=*/1);
  EXPECT_EQ(shapeOf(c), ArrayRef<int64_t>({2, 8}));
  auto split = SplitOp::create(builder, loc(), f32({2, 8, 192}), /*dim=*/2,
                               builder.getDenseI64ArrayAttr({64, 128}));
  ASSERT_EQ(split.getNumResults(), 2u);
  EXPECT_EQ(shapeOf(split.getResult(1)), ArrayRef<int64_t>({2, 8, 128}));
}

TEST_F(DSTypeInferenceTest, ShardingAttributeRoundTripsThroughItsAccessors) {
  auto axes = builder.getArrayAttr({builder.getStringAttr("sp")});
  auto sharding =
      ShardingAttr::get(&context, FlatSymbolRefAttr::get(&context, "mesh"),
                        {builder.getArrayAttr({}), axes});
  EXPECT_EQ(sharding.getRank(), 2);
  EXPECT_EQ(sharding.getMesh().getValue(), "mesh");
  EXPECT_EQ(cast<StringAttr>(sharding.getDims()[1][0]).getValue(), "sp");
}
} // namespace
