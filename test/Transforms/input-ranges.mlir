// RUN: ds-opt %s -split-input-file -ds-autodiff=optimizer=sgd -ds-input-ranges | FileCheck %s

// Hugging Face style: token ids into the embedding (through a reshape and a
// widening convert), labels into the loss with ignore_index = -100. The
// ranges are what every indexing op of the step accepts (the embedding's
// backward too).
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: {ds.name = "input_ids", ds.role = "input", ds.valid_range = array<i64: 0, 32>}
// CHECK-SAME: {ds.name = "labels", ds.role = "input", ds.valid_range = array<i64: 0, 16, -100>}
func.func @forward(%wte: tensor<32x16xf32> {ds.name = "wte", ds.trainable},
                   %head: tensor<16x16xf32> {ds.name = "head", ds.trainable},
                   %ids: tensor<2x8xi32> {ds.input, ds.name = "input_ids"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %flat = ds.reshape %ids : (tensor<2x8xi32>) -> tensor<16xi32>
  %wide = ds.convert %flat : (tensor<16xi32>) -> tensor<16xi64>
  %x = ds.embedding %wte, %wide : (tensor<32x16xf32>, tensor<16xi64>) -> tensor<16x16xf32>
  %logits = ds.linear %x, %head : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// nanoGPT style: one tensor gives both the inputs (idx[:, :-1]) and the
// targets (idx[:, 1:]). A slice leaves part of it unindexed, so no range is
// guessed for it; an ignore_index inside the classes adds nothing.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: {ds.name = "idx", ds.role = "input"}
// CHECK-NOT: ds.valid_range
// CHECK-SAME: {ds.name = "targets", ds.role = "input", ds.valid_range = array<i64: 0, 16>}
func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %idx: tensor<2x9xi64> {ds.input, ds.name = "idx"},
                   %targets: tensor<16xi64> {ds.input, ds.name = "targets"}) -> tensor<f32> {
  %x0 = ds.slice %idx starts = [0, 0] limits = [2, 8] strides = [1, 1] : (tensor<2x9xi64>) -> tensor<2x8xi64>
  %x1 = ds.reshape %x0 : (tensor<2x8xi64>) -> tensor<16xi64>
  %x = ds.embedding %wte, %x1 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<16x16xf32>
  %loss = ds.cross_entropy %x, %targets ignore_index = 0 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Two embeddings of one input (tied vocabularies of different sizes): the
// smaller bounds it.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: {ds.name = "ids", ds.role = "input", ds.valid_range = array<i64: 0, 8>}
func.func @forward(%a: tensor<32x4xf32> {ds.name = "a", ds.trainable},
                   %b: tensor<8x4xf32> {ds.name = "b", ds.trainable},
                   %ids: tensor<4xi64> {ds.input, ds.name = "ids"}) -> tensor<f32> {
  %x = ds.embedding %a, %ids : (tensor<32x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  %y = ds.embedding %b, %ids : (tensor<8x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  %z = ds.add %x, %y : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %l = ds.sum %z dims = [0, 1] : (tensor<4x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
