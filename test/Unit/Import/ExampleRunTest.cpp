//===- ExampleRunTest.cpp - running nodes on shape-only examples ----------===//
//
// runOnExamples picks where an op runs: on meta tensors, as given, or on
// zeros standing in for meta tensors. Each test's op stands for a kind of
// kernel (one with a meta kernel, one that needs a CPU operand, one with no
// meta kernel) and checks the results' device, shape and aliasing: the
// importer's in-place checks rely on the aliasing being PyTorch's.
//
//===----------------------------------------------------------------------===//

#include "ExampleRun.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using dsc::ts::runOnExamples;
using dsc::ts::shapeOnly;

namespace {

at::Tensor resultOf(const torch::jit::Stack &stack, size_t i = 0) {
  return stack.at(i).toTensor();
}

/// An op without a meta kernel: refuses meta operands as ATen's fallback
/// does, then runs `body`.
auto withoutMeta(std::function<at::Tensor(const at::Tensor &)> body) {
  return [body](torch::jit::Stack &stack) {
    at::Tensor input = stack.at(0).toTensor();
    TORCH_CHECK(!input.is_meta(), "no Meta kernel registered");
    stack = {body(input)};
  };
}

TEST(ExampleRunTest, ShapeOnlyKeepsTheLayout) {
  at::Tensor base = at::arange(24, at::kFloat).reshape({2, 3, 4});
  at::Tensor view = base.transpose(0, 2).slice(1, 1);
  at::Tensor example = shapeOnly(view);
  EXPECT_TRUE(example.is_meta());
  EXPECT_EQ(example.sizes(), view.sizes());
  EXPECT_EQ(example.strides(), view.strides());
  EXPECT_EQ(example.storage_offset(), view.storage_offset());
  EXPECT_EQ(example.scalar_type(), at::kFloat);
}

TEST(ExampleRunTest, ConstantsRunOnTheirValues) {
  torch::jit::Stack inputs{at::ones({2, 2}), at::full({2, 2}, 3.0)};
  torch::jit::Stack out = runOnExamples(
      [](torch::jit::Stack &s) { s = {s[0].toTensor() + s[1].toTensor()}; },
      inputs);
  EXPECT_FALSE(resultOf(out).is_meta());
  EXPECT_TRUE(at::equal(resultOf(out), at::full({2, 2}, 4.0)));
}

TEST(ExampleRunTest, MetaOperandsMakeConstantsMeta) {
  at::Tensor x = shapeOnly(at::empty({8, 4, 4}));
  at::Tensor mask = at::ones({4, 4}, at::kBool).tril();
  torch::jit::Stack out = runOnExamples(
      [](torch::jit::Stack &s) {
        s = {at::where(s[1].toTensor(), s[0].toTensor(), -1e9)};
      },
      {x, mask});
  EXPECT_TRUE(resultOf(out).is_meta());
  EXPECT_EQ(resultOf(out).sizes(), x.sizes());
}

TEST(ExampleRunTest, AViewOfAConstantIsNotOfItsMetaCopy) {
  // constant.expand_as(meta): a view of the constant, as in PyTorch; a view
  // of a meta copy of it would hide a later in-place write from the
  // importer's checks.
  at::Tensor constant = at::arange(4, at::kFloat);
  at::Tensor x = shapeOnly(at::empty({3, 4}));
  torch::jit::Stack out = runOnExamples(
      [](torch::jit::Stack &s) {
        s = {s[0].toTensor().expand_as(s[1].toTensor())};
      },
      {constant, x});
  EXPECT_FALSE(resultOf(out).is_meta());
  EXPECT_TRUE(resultOf(out).is_alias_of(constant));
  EXPECT_EQ(resultOf(out).sizes(), x.sizes());
}

TEST(ExampleRunTest, WithoutAMetaKernelViewsStayViewsOfTheMetaTensor) {
  at::Tensor x = shapeOnly(at::empty({6, 5}));
  torch::jit::Stack out = runOnExamples(
      withoutMeta([](const at::Tensor &t) { return t.slice(0, 2).t(); }), {x});
  at::Tensor view = resultOf(out);
  EXPECT_TRUE(view.is_meta());
  EXPECT_TRUE(view.is_alias_of(x));
  EXPECT_EQ(view.sizes(), (std::vector<int64_t>{5, 4}));
  EXPECT_EQ(view.strides(), (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(view.storage_offset(), 10);
}

TEST(ExampleRunTest, WithoutAMetaKernelTheInputItselfStaysItself) {
  // `x.to(same dtype)` returns x: the importer follows in-place writes by
  // tensor identity.
  at::Tensor x = shapeOnly(at::empty({3}));
  torch::jit::Stack out =
      runOnExamples(withoutMeta([](const at::Tensor &t) { return t; }), {x});
  EXPECT_EQ(resultOf(out).unsafeGetTensorImpl(), x.unsafeGetTensorImpl());
}

TEST(ExampleRunTest, WithoutAMetaKernelNewResultsBecomeMeta) {
  // What follows runs on meta tensors again: the zeros' result is not kept.
  at::Tensor x = shapeOnly(at::empty({2, 3}));
  torch::jit::Stack out = runOnExamples(
      withoutMeta([](const at::Tensor &t) { return t.transpose(0, 1) * 2; }),
      {x});
  EXPECT_TRUE(resultOf(out).is_meta());
  EXPECT_FALSE(resultOf(out).is_alias_of(x));
  EXPECT_EQ(resultOf(out).sizes(), (std::vector<int64_t>{3, 2}));
}

TEST(ExampleRunTest, TheLastAttemptsErrorPropagates) {
  at::Tensor x = shapeOnly(at::empty({2}));
  EXPECT_THROW(runOnExamples(
                   [](torch::jit::Stack &s) {
                     TORCH_CHECK(false, "this op fails everywhere");
                   },
                   {x}),
               c10::Error);
}

TEST(ExampleRunTest, ListsOfTensorsAreConverted) {
  at::Tensor x = shapeOnly(at::empty({2, 3}));
  c10::List<at::Tensor> list({x, at::ones({2, 3})});
  torch::jit::Stack out = runOnExamples(
      [](torch::jit::Stack &s) { s = {at::cat(s[0].toTensorVector())}; },
      {list});
  EXPECT_TRUE(resultOf(out).is_meta());
  EXPECT_EQ(resultOf(out).sizes(), (std::vector<int64_t>{4, 3}));
}

} // namespace
