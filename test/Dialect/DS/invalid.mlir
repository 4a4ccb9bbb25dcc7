// RUN: ds-opt %s -split-input-file -verify-diagnostics

// One case per rule the verifiers and the type inference check. Ops whose
// result type is inferred (InferTypeOpAdaptor) report the broken rule and then
// "failed to infer returned types" on the same op, so their cases expect both.
//
// Rules that textual IR cannot break, so have no case here:
// - a `#ds.sharding` axis that is not a string: the attribute parser reads
//   only string literals (the empty string is covered below);
// - a `#ds.sharding` whose rank or axes do not fit the value or the mesh:
//   the attribute documents these as checked by its consumers, and the
//   dialect has no verifier for them.

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

func.func @add_not_broadcastable(%x: tensor<2x8xf32>, %y: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.add' op operand shapes [2, 8] and [4] are not broadcast-compatible}}
  %0 = ds.add %x, %y : (tensor<2x8xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @add_element_types(%x: tensor<2x8xf32>, %y: tensor<2x8xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.add' op operand element types differ: 'f32' vs 'bf16'}}
  %0 = ds.add %x, %y : (tensor<2x8xf32>, tensor<2x8xbf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @add_wrong_result(%x: tensor<2x8xf32>, %y: tensor<8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.add' op inferred type(s) 'tensor<2x8xf32>' are incompatible with return type(s) of operation 'tensor<8xf32>'}}
  %0 = ds.add %x, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @sub_not_broadcastable(%x: tensor<3x1xi32>, %y: tensor<2x4xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.sub' op operand shapes [3, 1] and [2, 4] are not broadcast-compatible}}
  %0 = ds.sub %x, %y : (tensor<3x1xi32>, tensor<2x4xi32>) -> tensor<3x4xi32>
  return
}

// -----

func.func @sub_element_types(%x: tensor<4xi32>, %y: tensor<4xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.sub' op operand element types differ: 'i32' vs 'i64'}}
  %0 = ds.sub %x, %y : (tensor<4xi32>, tensor<4xi64>) -> tensor<4xi32>
  return
}

// -----

func.func @mul_not_broadcastable(%x: tensor<2x8xf32>, %y: tensor<3x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.mul' op operand shapes [2, 8] and [3, 8] are not broadcast-compatible}}
  %0 = ds.mul %x, %y : (tensor<2x8xf32>, tensor<3x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @mul_element_types(%x: tensor<8xf32>, %y: tensor<8xf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.mul' op operand element types differ: 'f32' vs 'f16'}}
  %0 = ds.mul %x, %y : (tensor<8xf32>, tensor<8xf16>) -> tensor<8xf32>
  return
}

// -----

func.func @div_not_broadcastable(%x: tensor<2x8xf32>, %y: tensor<2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.div' op operand shapes [2, 8] and [2] are not broadcast-compatible}}
  %0 = ds.div %x, %y : (tensor<2x8xf32>, tensor<2xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @div_element_types(%x: tensor<8xf32>, %y: tensor<8xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.div' op operand element types differ: 'f32' vs 'i32'}}
  %0 = ds.div %x, %y : (tensor<8xf32>, tensor<8xi32>) -> tensor<8xf32>
  return
}

// -----

func.func @maximum_not_broadcastable(%x: tensor<5xf32>, %y: tensor<6xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.maximum' op operand shapes [5] and [6] are not broadcast-compatible}}
  %0 = ds.maximum %x, %y : (tensor<5xf32>, tensor<6xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @maximum_element_types(%x: tensor<5xbf16>, %y: tensor<5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.maximum' op operand element types differ: 'bf16' vs 'f32'}}
  %0 = ds.maximum %x, %y : (tensor<5xbf16>, tensor<5xf32>) -> tensor<5xbf16>
  return
}

// -----

func.func @compare_element_types(%x: tensor<4xf32>, %y: tensor<4xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.compare' op operand element types differ: 'f32' vs 'i32'}}
  %0 = ds.compare eq, %x, %y : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xi1>
  return
}

// -----

func.func @compare_not_broadcastable(%x: tensor<4x4xf32>, %y: tensor<3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.compare' op operand shapes [4, 4] and [3] are not broadcast-compatible}}
  %0 = ds.compare lt, %x, %y : (tensor<4x4xf32>, tensor<3xf32>) -> tensor<4x4xi1>
  return
}

// -----

func.func @compare_result_not_i1(%x: tensor<4xf32>, %y: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.compare' op inferred type(s) 'tensor<4xi1>' are incompatible with return type(s) of operation 'tensor<8xi1>'}}
  %0 = ds.compare gt, %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<8xi1>
  return
}

// -----

func.func @select_element_types(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.select' op on_true and on_false element types differ: 'f32' vs 'bf16'}}
  %0 = ds.select %c, %x, %y : (tensor<4xi1>, tensor<4xf32>, tensor<4xbf16>) -> tensor<4xf32>
  return
}

// -----

func.func @select_condition_not_broadcastable(%c: tensor<3xi1>, %x: tensor<4xf32>, %y: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.select' op operand shapes [3] and [4] and [] are not broadcast-compatible}}
  %0 = ds.select %c, %x, %y : (tensor<3xi1>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return
}

// -----

func.func @select_values_not_broadcastable(%c: tensor<i1>, %x: tensor<4xf32>, %y: tensor<2x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.select' op operand shapes [] and [4] and [2, 5] are not broadcast-compatible}}
  %0 = ds.select %c, %x, %y : (tensor<i1>, tensor<4xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

func.func @matmul_lhs_rank(%a: tensor<16xf32>, %b: tensor<16x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op operands must have rank >= 2, got 1 and 2}}
  %0 = ds.matmul %a, %b : (tensor<16xf32>, tensor<16x8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @matmul_rhs_rank(%a: tensor<4x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op operands must have rank >= 2, got 2 and 1}}
  %0 = ds.matmul %a, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<4x16xf32>, %b: tensor<16x8xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op operand element types differ: 'f32' vs 'bf16'}}
  %0 = ds.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xbf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_contracted(%a: tensor<4x16xf32>, %b: tensor<8x16xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op contracted dimensions differ: 16 vs 8}}
  %0 = ds.matmul %a, %b : (tensor<4x16xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Without `transpose_lhs` the shapes would contract (16 vs 16).
func.func @matmul_contracted_transpose_lhs(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op contracted dimensions differ: 4 vs 16}}
  %0 = ds.matmul %a, %b transpose_lhs : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return
}

// -----

// Without `transpose_rhs` the shapes would contract (16 vs 16).
func.func @matmul_contracted_transpose_rhs(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op contracted dimensions differ: 16 vs 8}}
  %0 = ds.matmul %a, %b transpose_rhs : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x4x8x16xf32>, %b: tensor<3x16x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op batch dimensions [2, 4] and [3] are not broadcast-compatible}}
  %0 = ds.matmul %a, %b : (tensor<2x4x8x16xf32>, tensor<3x16x8xf32>) -> tensor<2x4x8x8xf32>
  return
}

// -----

func.func @matmul_wrong_result(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op inferred type(s) 'tensor<2x8x4xf32>' are incompatible with return type(s) of operation 'tensor<8x4xf32>'}}
  %0 = ds.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

// A wider result only where it holds the accumulator exactly: float32 over
// bfloat16 and float16, nothing else.
func.func @matmul_accumulator_f16(%a: tensor<8x16xbf16>, %b: tensor<16x4xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op inferred type(s) 'tensor<8x4xbf16>' are incompatible with return type(s) of operation 'tensor<8x4xf16>'}}
  %0 = ds.matmul %a, %b : (tensor<8x16xbf16>, tensor<16x4xbf16>) -> tensor<8x4xf16>
  return
}

// -----

func.func @matmul_accumulator_f64(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op inferred type(s) 'tensor<8x4xf32>' are incompatible with return type(s) of operation 'tensor<8x4xf64>'}}
  %0 = ds.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf64>
  return
}

// -----

func.func @matmul_accumulator_shape(%a: tensor<8x16xbf16>, %b: tensor<16x4xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op inferred type(s) 'tensor<8x4xbf16>' are incompatible with return type(s) of operation 'tensor<4x8xf32>'}}
  %0 = ds.matmul %a, %b : (tensor<8x16xbf16>, tensor<16x4xbf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @max_accumulator(%a: tensor<8x16xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.max' op inferred type(s) 'tensor<8xbf16>' are incompatible with return type(s) of operation 'tensor<8xf32>'}}
  %0 = ds.max %a dims = [1] : (tensor<8x16xbf16>) -> tensor<8xf32>
  return
}

// -----

func.func @sum_accumulator_int(%a: tensor<8x16xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.sum' op inferred type(s) 'tensor<8xi32>' are incompatible with return type(s) of operation 'tensor<8xf32>'}}
  %0 = ds.sum %a dims = [1] : (tensor<8x16xi32>) -> tensor<8xf32>
  return
}

// -----

// Only the parameters' gradients may accumulate in float32.
func.func @norm_grad_input_accumulator(%x: tensor<2x8xbf16>, %w: tensor<8xbf16>, %dy: tensor<2x8xbf16>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op grad_input has type 'tensor<2x8xf32>', expected 'tensor<2x8xbf16>'}}
  %rx, %rw = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8xbf16>, tensor<8xbf16>, tensor<2x8xbf16>) -> (tensor<2x8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @norm_grad_f64_accumulator(%x: tensor<2x8xf32>, %w: tensor<8xf32>, %dy: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op grad_weight has type 'tensor<8xf64>', expected 'tensor<8xf32>'}}
  %rx, %rw = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<8xf64>)
  return
}

// -----

// ATen's half-type layer_norm backward keeps no float32 accumulator.
func.func @layer_norm_grad_accumulator(%x: tensor<2x8xbf16>, %w: tensor<8xbf16>, %dy: tensor<2x8xbf16>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op grad_weight has type 'tensor<8xf32>', expected 'tensor<8xbf16>'}}
  %dx, %dw, %db = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8xbf16>, tensor<8xbf16>, tensor<2x8xbf16>) -> (tensor<2x8xbf16>, tensor<8xf32>, tensor<8xbf16>)
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op weight must have rank 2, got 1}}
  %0 = ds.linear %x, %w : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @linear_input_rank(%x: tensor<f32>, %w: tensor<8x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op input must have rank >= 1}}
  %0 = ds.linear %x, %w : (tensor<f32>, tensor<8x1xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @linear_features(%x: tensor<2x64xf32>, %w: tensor<192x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op input features 64 differ from weight's 32}}
  %0 = ds.linear %x, %w : (tensor<2x64xf32>, tensor<192x32xf32>) -> tensor<2x192xf32>
  return
}

// -----

func.func @linear_weight_element_type(%x: tensor<2x64xf32>, %w: tensor<192x64xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op weight element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.linear %x, %w : (tensor<2x64xf32>, tensor<192x64xbf16>) -> tensor<2x192xf32>
  return
}

// -----

func.func @linear_bias_size(%x: tensor<2x64xf32>, %w: tensor<192x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op bias must have shape [192], got [64]}}
  %0 = ds.linear %x, %w bias %b : (tensor<2x64xf32>, tensor<192x64xf32>, tensor<64xf32>) -> tensor<2x192xf32>
  return
}

// -----

// The leading size matches; only the rank is wrong.
func.func @linear_bias_rank(%x: tensor<2x64xf32>, %w: tensor<192x64xf32>, %b: tensor<192x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op bias must have shape [192], got [192, 1]}}
  %0 = ds.linear %x, %w bias %b : (tensor<2x64xf32>, tensor<192x64xf32>, tensor<192x1xf32>) -> tensor<2x192xf32>
  return
}

// -----

func.func @linear_bias_element_type(%x: tensor<2x64xf32>, %w: tensor<192x64xf32>, %b: tensor<192xf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op bias element type 'f16' differs from the input's 'f32'}}
  %0 = ds.linear %x, %w bias %b : (tensor<2x64xf32>, tensor<192x64xf32>, tensor<192xf16>) -> tensor<2x192xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

func.func @sum_dims_empty(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.sum' op dims must not be empty}}
  %0 = ds.sum %x dims = [] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @sum_dim_too_large(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.sum' op reduced dimension 2 is out of range for rank 2}}
  %0 = ds.sum %x dims = [2] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @mean_dim_negative(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.mean' op reduced dimension -1 is out of range for rank 2}}
  %0 = ds.mean %x dims = [-1] : (tensor<2x8xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @mean_dims_unsorted(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.mean' op dims must be sorted and distinct}}
  %0 = ds.mean %x dims = [2, 0] : (tensor<2x8x4xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @max_dims_repeated(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.max' op dims must be sorted and distinct}}
  %0 = ds.max %x dims = [1, 1] : (tensor<2x8x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @max_dims_empty(%x: tensor<2x8xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.max' op dims must not be empty}}
  %0 = ds.max %x dims = [] keepdim : (tensor<2x8xi32>) -> tensor<2x8xi32>
  return
}

// -----

func.func @max_keepdim_wrong_result(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.max' op inferred type(s) 'tensor<2x1xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  %0 = ds.max %x dims = [1] keepdim : (tensor<2x8xf32>) -> tensor<2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Softmax and normalisations
//===----------------------------------------------------------------------===//

func.func @softmax_dim(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.softmax' op dim 2 is out of range for rank 2}}
  %0 = ds.softmax %x dim = 2 : tensor<2x8xf32>
  return
}

// -----

func.func @softmax_dim_negative(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.softmax' op dim -1 is out of range for rank 2}}
  %0 = ds.softmax %x dim = -1 : tensor<2x8xf32>
  return
}

// -----

func.func @log_softmax_dim(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.log_softmax' op dim 5 is out of range for rank 2}}
  %0 = ds.log_softmax %x dim = 5 : tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_weight_size(%x: tensor<2x64xf32>, %g: tensor<32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight must have shape [64], got [32]}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<32xf32>) -> tensor<2x64xf32>
  return
}

// -----

// The leading size matches; only the rank is wrong.
func.func @layer_norm_weight_rank(%x: tensor<2x64xf32>, %g: tensor<64x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight must have shape [64], got [64, 1]}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64x1xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @layer_norm_input_rank(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight must have shape [0], got [1]}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<f32>, tensor<1xf32>) -> tensor<f32>
  return
}

// -----

func.func @layer_norm_weight_element_type(%x: tensor<2x64xf32>, %g: tensor<64xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64xbf16>) -> tensor<2x64xf32>
  return
}

// -----

func.func @layer_norm_bias_size(%x: tensor<2x64xf32>, %g: tensor<64xf32>, %b: tensor<65xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op bias must have shape [64], got [65]}}
  %0 = ds.layer_norm %x weight %g bias %b epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64xf32>, tensor<65xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @layer_norm_bias_element_type(%x: tensor<2x64xf32>, %b: tensor<64xf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op bias element type 'f16' differs from the input's 'f32'}}
  %0 = ds.layer_norm %x bias %b epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64xf16>) -> tensor<2x64xf32>
  return
}

// -----

func.func @layer_norm_epsilon_zero(%x: tensor<2x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op epsilon must be positive, got 0.000000e+00}}
  %0 = ds.layer_norm %x epsilon = 0.0 : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @layer_norm_epsilon_negative(%x: tensor<2x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op epsilon must be positive, got -1.000000e-03}}
  %0 = ds.layer_norm %x epsilon = -1.0e-03 : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @rms_norm_weight_size(%x: tensor<2x64xf32>, %g: tensor<128xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op weight must have shape [64], got [128]}}
  %0 = ds.rms_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<128xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @rms_norm_weight_rank(%x: tensor<2x64xf32>, %g: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op weight must have shape [64], got []}}
  %0 = ds.rms_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<f32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @rms_norm_weight_element_type(%x: tensor<2x64xbf16>, %g: tensor<64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op weight element type 'f32' differs from the input's 'bf16'}}
  %0 = ds.rms_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xbf16>, tensor<64xf32>) -> tensor<2x64xbf16>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<2x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op epsilon must be positive, got 0.000000e+00}}
  %0 = ds.rms_norm %x epsilon = 0.0 : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Embedding, attention, loss
//===----------------------------------------------------------------------===//

func.func @embedding_weight_rank(%w: tensor<256xf32>, %i: tensor<2x8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.embedding' op weight must have rank 2, got 1}}
  %0 = ds.embedding %w, %i : (tensor<256xf32>, tensor<2x8xi64>) -> tensor<2x8xf32>
  return
}

// -----

func.func @embedding_weight_rank3(%w: tensor<4x256x64xf32>, %i: tensor<8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.embedding' op weight must have rank 2, got 3}}
  %0 = ds.embedding %w, %i : (tensor<4x256x64xf32>, tensor<8xi64>) -> tensor<8x64xf32>
  return
}

// -----

func.func @attention_query_rank(%q: tensor<8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query, key and value must have rank 4}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_key_rank(%q: tensor<2x8x16x32xf32>, %k: tensor<8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query, key and value must have rank 4}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_value_rank(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<1x2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query, key and value must have rank 4}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_key_element_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xbf16>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query, key and value element types differ}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xbf16>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_value_element_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query, key and value element types differ}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf16>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_key_batch(%q: tensor<2x8x16x32xf32>, %k: tensor<4x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op batch sizes differ}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<4x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_value_batch(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<1x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op batch sizes differ}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<2x8x16x32xf32>, %k: tensor<2x4x16x32xf32>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op key and value must agree on heads and length}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_kv_length(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x24x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op key and value must agree on heads and length}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x24x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x64xf32>, %v: tensor<2x8x16x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query head dimension 32 differs from key's 64}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32>
  return
}

// -----

func.func @attention_gqa_heads(%q: tensor<2x8x16x32xf32>, %k: tensor<2x3x16x32xf32>, %v: tensor<2x3x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query heads 8 are not a multiple of key/value heads 3}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x3x16x32xf32>, tensor<2x3x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

// Zero key/value heads used to divide by zero in the verifier.
func.func @attention_zero_kv_heads(%q: tensor<2x8x16x32xf32>, %k: tensor<2x0x16x32xf32>, %v: tensor<2x0x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query heads 8 are not a multiple of key/value heads 0}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x0x16x32xf32>, tensor<2x0x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

// The same shapes are valid without `causal`.
func.func @attention_causal_lengths(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x24x32xf32>, %v: tensor<2x8x24x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op causal attention needs equal query and key lengths, got 16 and 24}}
  %0 = ds.attention %q, %k, %v causal scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x24x32xf32>, tensor<2x8x24x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_bias_shape(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %b: tensor<2x8x16x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op bias tensor<2x8x16x8xf32> does not broadcast to the scores [2, 8, 16, 16]}}
  %0 = ds.attention %q, %k, %v bias %b scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x8xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----
func.func @attention_bias_rank(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %b: tensor<8x16x16xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op bias tensor<8x16x16xf32> does not broadcast to the scores [2, 8, 16, 16]}}
  %0 = ds.attention %q, %k, %v bias %b scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<8x16x16xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----
func.func @attention_bias_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %b: tensor<1x1x1x16xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op bias element type differs from the query's}}
  %0 = ds.attention %q, %k, %v bias %b scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x1x1x16xbf16>) -> tensor<2x8x16x32xf32>
  return
}

// -----
func.func @attention_window_causal(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op window 4 must be at least 1 and needs causal}}
  %0 = ds.attention %q, %k, %v window = 4 scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----
func.func @attention_window_zero(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op window 0 must be at least 1 and needs causal}}
  %0 = ds.attention %q, %k, %v causal window = 0 scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----
func.func @attention_key_length(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op key_length 17 must lie in [1, 16]}}
  %0 = ds.attention %q, %k, %v key_length = 17 scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----
func.func @attention_grad_window(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op window 2 must be at least 1 and needs causal}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o window = 2 scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

// -----

func.func @attention_scale_zero(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op scale must be positive}}
  %0 = ds.attention %q, %k, %v scale = 0.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_scale_negative(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op scale must be positive}}
  %0 = ds.attention %q, %k, %v causal scale = -0.125 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_softcap_zero(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op softcap must be positive and finite, got 0}}
  %0 = ds.attention %q, %k, %v causal scale = 0.125 softcap = 0.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_fill_without_bias(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op fill needs a bias (it replaces the scores whose bias is -inf)}}
  %0 = ds.attention %q, %k, %v scale = 0.125 fill = -1.0e4 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_grad_fill_infinite(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %b: tensor<2x1x1x16xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op fill must be finite, got -INF}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o bias %b scale = 1.0 fill = 0xFFF0000000000000 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x1x1x16xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

// -----

func.func @attention_grad_softcap_negative(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op softcap must be positive and finite, got -5}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o scale = 1.0 softcap = -5.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

// -----

func.func @cross_entropy_labels_shape(%l: tensor<16x256xf32>, %y: tensor<8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.cross_entropy' op labels shape [8] must be the logits shape [16, 256] without its last dimension}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<16x256xf32>, tensor<8xi64>) -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_labels_rank(%l: tensor<2x8x256xf32>, %y: tensor<16xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.cross_entropy' op labels shape [16] must be the logits shape [2, 8, 256] without its last dimension}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<2x8x256xf32>, tensor<16xi64>) -> tensor<f32>
  return
}

// -----

// 0-d logits have no class dimension to drop for the labels' shape.
func.func @cross_entropy_logits_rank(%l: tensor<f32>, %y: tensor<i64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.cross_entropy' op labels shape [] must be the logits shape [] without its last dimension}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<f32>, tensor<i64>) -> tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

func.func @reshape_count(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.reshape' op cannot reshape 16 elements into 18}}
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<3x6xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.reshape' op element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<16xbf16>
  return
}

// -----

func.func @transpose_perm_size(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.transpose' op permutation has 2 entries for rank 3}}
  %0 = ds.transpose %x permutation = [1, 0] : (tensor<2x8x4xf32>) -> tensor<8x2x4xf32>
  return
}

// -----

func.func @transpose_perm_out_of_range(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.transpose' op permutation [0, 3, 1] is not a permutation of 0..2}}
  %0 = ds.transpose %x permutation = [0, 3, 1] : (tensor<2x8x4xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @transpose_perm_negative(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.transpose' op permutation [-1, 0, 1] is not a permutation of 0..2}}
  %0 = ds.transpose %x permutation = [-1, 0, 1] : (tensor<2x8x4xf32>) -> tensor<4x2x8xf32>
  return
}

// -----

func.func @transpose_perm_repeated(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.transpose' op permutation [0, 1, 1] is not a permutation of 0..2}}
  %0 = ds.transpose %x permutation = [0, 1, 1] : (tensor<2x8x4xf32>) -> tensor<2x8x8xf32>
  return
}

// -----

func.func @slice_starts_arity(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op starts, limits and strides need 2 entries each}}
  %0 = ds.slice %x starts = [0] limits = [4, 4] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @slice_limits_arity(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op starts, limits and strides need 2 entries each}}
  %0 = ds.slice %x starts = [0, 0] limits = [4, 4, 4] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @slice_strides_arity(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op starts, limits and strides need 2 entries each}}
  %0 = ds.slice %x starts = [0, 0] limits = [4, 4] strides = [] : (tensor<8x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @slice_start_negative(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice -1:4:1 of dimension 1 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [0, -1] limits = [4, 4] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @slice_start_after_limit(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice 5:4:1 of dimension 0 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [5, 0] limits = [4, 4] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<0x4xf32>
  return
}

// -----

func.func @slice_limit_past_size(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice 0:9:1 of dimension 1 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [0, 0] limits = [8, 9] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x9xf32>
  return
}

// -----

func.func @slice_stride_zero(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice 0:8:0 of dimension 0 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [0, 0] limits = [8, 8] strides = [0, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @slice_wrong_result(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x2xf32>'}}
  %0 = ds.slice %x starts = [0, 1] limits = [4, 8] strides = [1, 3] : (tensor<8x8xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op needs at least one operand}}
  %0 = ds.concat dim = 0 : () -> tensor<0xf32>
  return
}

// -----

func.func @concat_dim(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op dim 2 is out of range for rank 2}}
  %0 = ds.concat %a, %b dim = 2 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_dim_negative(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op dim -1 is out of range for rank 2}}
  %0 = ds.concat %a, %b dim = -1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op operands must share rank and element type}}
  %0 = ds.concat %a, %b dim = 0 : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_element_type(%a: tensor<2x3xf32>, %b: tensor<2x3xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op operands must share rank and element type}}
  %0 = ds.concat %a, %b dim = 0 : (tensor<2x3xf32>, tensor<2x3xbf16>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_other_dims(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op operand shapes [2, 3] and [4, 5] differ outside dimension 1}}
  %0 = ds.concat %a, %b dim = 1 : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @split_dim(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op dim 2 is out of range for rank 2}}
  %0:2 = ds.split %x dim = 2 sizes = [4, 4] : (tensor<2x8xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  return
}

// -----

func.func @split_size_zero(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes must be positive}}
  %0:3 = ds.split %x dim = 1 sizes = [8, 0, 0] : (tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x0xf32>, tensor<2x0xf32>)
  return
}

// -----

func.func @split_size_negative(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes must be positive}}
  %0:2 = ds.split %x dim = 1 sizes = [10, -2] : (tensor<2x8xf32>) -> (tensor<2x10xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @split_sizes_sum(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes [4, 3] must add up to the size 8 of dimension 1}}
  %0:2 = ds.split %x dim = 1 sizes = [4, 3] : (tensor<2x8xf32>) -> (tensor<2x4xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @split_sizes_empty(%x: tensor<0x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes [] must add up to the size 0 of dimension 0}}
  ds.split %x dim = 0 sizes = [] : (tensor<0x8xf32>) -> ()
  return
}

// -----

func.func @split_result_count(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op inferred type(s) 'tensor<2x4xf32>', 'tensor<2x4xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>', 'tensor<2x4xf32>', 'tensor<2x0xf32>'}}
  %0:3 = ds.split %x dim = 1 sizes = [4, 4] : (tensor<2x8xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x0xf32>)
  return
}

// -----

func.func @broadcast_element_type(%x: tensor<64xf32>) {
  // expected-error @+1 {{'ds.broadcast' op element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.broadcast %x : (tensor<64xf32>) -> tensor<2x64xbf16>
  return
}

// -----

func.func @broadcast_rank(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'ds.broadcast' op cannot broadcast rank 2 to the smaller rank 1}}
  %0 = ds.broadcast %x : (tensor<2x64xf32>) -> tensor<64xf32>
  return
}

// -----

func.func @broadcast_size(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'ds.broadcast' op operand dimension 0 of size 2 cannot broadcast to size 4}}
  %0 = ds.broadcast %x : (tensor<2x64xf32>) -> tensor<3x4x64xf32>
  return
}

// -----

func.func @dropout_mask_p(%step: tensor<i64>) {
  // expected-error @+1 {{'ds.dropout_mask' op p = 1.000000e+00 is not in [0, 1)}}
  %0 = ds.dropout_mask %step p = 1.0 stream = 0 seed = 0 : (tensor<i64>) -> tensor<8xi1>
  return
}

// -----

func.func @dropout_mask_stream(%step: tensor<i64>) {
  // expected-error @+1 {{'ds.dropout_mask' op stream and seed must not be negative}}
  %0 = ds.dropout_mask %step p = 0.5 stream = -1 seed = 0 : (tensor<i64>) -> tensor<8xi1>
  return
}

// -----

func.func @dropout_mask_type(%step: tensor<i32>) {
  // expected-error @+1 {{'ds.dropout_mask' op operand #0 must be 0D tensor of 64-bit signless integer values}}
  %0 = ds.dropout_mask %step p = 0.5 stream = 0 seed = 0 : (tensor<i32>) -> tensor<8xi1>
  return
}

// -----

func.func @uniform_seed(%step: tensor<i64>) {
  // expected-error @+1 {{'ds.uniform' op stream and seed must not be negative}}
  %0 = ds.uniform %step stream = 0 seed = -2 : (tensor<i64>) -> tensor<8xf32>
  return
}

// -----

func.func @uniform_type(%step: tensor<i64>) {
  // expected-error @+1 {{'ds.uniform' op draws f64, f32, f16 or bf16, not 'f8E4M3FN'}}
  %0 = ds.uniform %step stream = 0 seed = 0 : (tensor<i64>) -> tensor<8xf8E4M3FN>
  return
}

// -----

func.func @iota_dim() {
  // expected-error @+1 {{'ds.iota' op dim 1 is out of range for rank 1}}
  %0 = ds.iota dim = 1 : tensor<8xi64>
  return
}

// -----

func.func @iota_dim_negative() {
  // expected-error @+1 {{'ds.iota' op dim -1 is out of range for rank 2}}
  %0 = ds.iota dim = -1 : tensor<4x8xi64>
  return
}

// -----

func.func @iota_scalar() {
  // expected-error @+1 {{'ds.iota' op dim 0 is out of range for rank 0}}
  %0 = ds.iota dim = 0 : tensor<i64>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Mesh and sharding
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'ds.mesh' op needs at least one axis}}
ds.mesh @mesh []

// -----

// Only the generic form can give different numbers of names and sizes.
// expected-error @+1 {{'ds.mesh' op has 1 axis names but 2 sizes}}
"ds.mesh"() <{sym_name = "mesh", axis_names = ["dp"], axis_sizes = array<i64: 2, 4>}> : () -> ()

// -----

// expected-error @+1 {{'ds.mesh' op axis names must not be empty}}
ds.mesh @mesh ["dp" = 2, "" = 4]

// -----

// expected-error @+1 {{'ds.mesh' op axis "dp" is declared twice}}
ds.mesh @mesh ["dp" = 2, "sp" = 4, "dp" = 2]

// -----

// expected-error @+1 {{'ds.mesh' op axis "sp" has size 0; sizes must be >= 1}}
ds.mesh @mesh ["dp" = 2, "sp" = 0]

// -----

// expected-error @+1 {{'ds.mesh' op axis "dp" has size -2; sizes must be >= 1}}
ds.mesh @mesh ["dp" = -2]

// -----

func.func @mesh_not_in_module() {
  // expected-error @+1 {{'ds.mesh' op expects parent op 'builtin.module'}}
  ds.mesh @mesh ["dp" = 2]
  return
}

// -----

// expected-error @+1 {{mesh axis "dp" appears more than once in the sharding}}
func.func @sharding_axis_twice(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"dp"}]>})

// -----

// expected-error @+1 {{mesh axis "sp" appears more than once in the sharding}}
func.func @sharding_axis_twice_in_dim(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"sp", "sp"}, {}]>})

// -----

// expected-error @+1 {{sharding axes must be non-empty strings}}
func.func @sharding_empty_axis(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{""}, {}]>})

// -----

// expected-error @+1 {{mesh axis "sp" appears more than once in the sharding}}
func.func @sharding_partial_twice(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"sp"}, {}], partial = {"sp": sum}>})

// -----

// expected-error @+1 {{sharding pieces must have a size of at least 1}}
func.func @sharding_piece_zero(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{0, 8:"sp"}, {}]>})

// -----

// expected-error @+1 {{unknown reduction 'prod'}}
func.func @sharding_partial_kind(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {}], partial = {"sp": prod}>})

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_rank(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op sharding has 1 dimensions but the tensor has 2}}
  %0 = ds.reshard %x to <@mesh, [{"sp"}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_unknown_axis(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op sharding names axis "tp", which @mesh does not have}}
  %0 = ds.reshard %x to <@mesh, [{"tp"}, {}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_pieces(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op the pieces of dimension 0 multiply to 12, not 8}}
  %0 = ds.reshard %x to <@mesh, [{4:"sp", 3}, {}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_piece_split(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op a piece of size 2 cannot be split over "sp" = 4}}
  %0 = ds.reshard %x to <@mesh, [{2:"sp", 4}, {}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @shardings_count(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ds.neg' op discardable attribute 'ds.shardings' must be an array of one #ds.sharding per result}}
  %0 = ds.neg %x {ds.shardings = []} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

func.func @unknown_mesh(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op refers to @mesh, which is not a ds.mesh}}
  %0 = ds.all_reduce %x on @mesh ["dp"] reduction = sum : tensor<8xf32>
  return
}

// -----

func.func @mesh(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_gather' op refers to @mesh, which is not a ds.mesh}}
  %0 = ds.all_gather %x on @mesh ["dp"] dim = 0 : (tensor<8xf32>) -> tensor<16xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @unknown_axis(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op mesh @mesh has no axis "tp"}}
  %0 = ds.reduce_scatter %x on @mesh ["dp", "tp"] dim = 0 reduction = sum : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @unknown_axis_all_to_all(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op mesh @mesh has no axis "tp"}}
  %0 = ds.all_to_all %x on @mesh ["tp"] split_dim = 0 concat_dim = 1 : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @axis_twice(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op names mesh axis "dp" twice}}
  %0 = ds.all_reduce %x on @mesh ["dp", "dp"] reduction = max : tensor<8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @no_axes(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op needs at least one mesh axis}}
  %0 = ds.all_reduce %x on @mesh [] reduction = mean : tensor<8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_reduce_result_type(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op requires the same type for all operands and results}}
  %0 = "ds.all_reduce"(%x) <{mesh = @mesh, axes = ["dp"], reduction = #ds<reduction sum>}> : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_split_dim(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op split_dim 2 is out of range for rank 2}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_concat_dim(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op concat_dim -1 is out of range for rank 2}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = -1 : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_not_divisible(%x: tensor<6x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op dimension 0 of size 6 is not divisible by the 4 ranks of the group}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<6x8xf32>) -> tensor<1x32xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_real_dim_alone(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op needs real_dim and real_sizes together}}
  %0 = ds.all_to_all %x on @mesh ["dp"] split_dim = 0 concat_dim = 1 real_dim = 0 : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_real_dim_range(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op real_dim 2 is out of range for rank 2}}
  %0 = ds.all_to_all %x on @mesh ["dp"] split_dim = 0 concat_dim = 1 real_dim = 2 real_sizes = [1, 1, 1, 1] : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_real_sizes_count(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op real_sizes has 2 entries; a group of 2 needs 4}}
  %0 = ds.all_to_all %x on @mesh ["dp"] split_dim = 0 concat_dim = 1 real_dim = 0 real_sizes = [1, 1] : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_real_size_beyond_piece(%x: tensor<8x8xf32>) {
  // Pieces along the split dimension are 4 long.
  // expected-error @+1 {{'ds.all_to_all' op real size 5 is outside [0, 4], the pieces' extent along real_dim}}
  %0 = ds.all_to_all %x on @mesh ["dp"] split_dim = 0 concat_dim = 1 real_dim = 0 real_sizes = [4, 5, 0, 1] : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_same_dim_not_divisible(%x: tensor<6x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op dimension 0 of size 6 is not divisible by the 4 ranks of the group}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = 0 : (tensor<6x8xf32>) -> tensor<6x8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_result(%x: tensor<2x8x4x16xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op result type 'tensor<2x2x4x16xf32>' should be 'tensor<2x2x16x16xf32>'}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<2x8x4x16xf32>) -> tensor<2x2x4x16xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_same_dim_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op result type 'tensor<2x8xf32>' should be 'tensor<8x8xf32>'}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = 0 : (tensor<8x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_element_type(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op result type 'tensor<2x32xbf16>' should be 'tensor<2x32xf32>'}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<8x8xf32>) -> tensor<2x32xbf16>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_gather_dim(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_gather' op dim 2 is out of range for rank 2}}
  %0 = ds.all_gather %x on @mesh ["dp"] dim = 2 : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_gather_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_gather' op result type 'tensor<16x8xf32>' should be 'tensor<64x8xf32>'}}
  %0 = ds.all_gather %x on @mesh ["dp", "sp"] dim = 0 : (tensor<8x8xf32>) -> tensor<16x8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_gather_element_type(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_gather' op result type 'tensor<16x8xf16>' should be 'tensor<16x8xf32>'}}
  %0 = ds.all_gather %x on @mesh ["dp"] dim = 0 : (tensor<8x8xf32>) -> tensor<16x8xf16>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_dim(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op dim -1 is out of range for rank 2}}
  %0 = ds.reduce_scatter %x on @mesh ["dp"] dim = -1 reduction = sum : (tensor<8x8xf32>) -> tensor<8x4xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_not_divisible(%x: tensor<8x6xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op dimension 1 of size 6 is not divisible by the 8 ranks of the group}}
  %0 = ds.reduce_scatter %x on @mesh ["dp", "sp"] dim = 1 reduction = sum : (tensor<8x6xf32>) -> tensor<8x1xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op result type 'tensor<8x8xf32>' should be 'tensor<4x8xf32>'}}
  %0 = ds.reduce_scatter %x on @mesh ["dp"] dim = 0 reduction = mean : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

// -----

ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_element_type(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op result type 'tensor<4x8xbf16>' should be 'tensor<4x8xf32>'}}
  %0 = ds.reduce_scatter %x on @mesh ["dp"] dim = 0 reduction = max : (tensor<8x8xf32>) -> tensor<4x8xbf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Operand and result types (ODS constraints and traits)
//===----------------------------------------------------------------------===//

func.func @dynamic_shape(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{'ds.neg' op operand #0 must be statically shaped tensor of floating-point or 8/16/32/64-bit signless integer values, but got 'tensor<?x8xf32>'}}
  %0 = ds.neg %x : tensor<?x8xf32>
  return
}

// -----

func.func @exp_of_integers(%x: tensor<8xi32>) {
  // expected-error @+1 {{'ds.exp' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<8xi32>'}}
  %0 = ds.exp %x : tensor<8xi32>
  return
}

// -----

func.func @unary_result_type(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.tanh' op requires the same type for all operands and results}}
  %0 = "ds.tanh"(%x) : (tensor<8xf32>) -> tensor<8xbf16>
  return
}

// -----

func.func @matmul_of_integers(%a: tensor<4x16xi32>, %b: tensor<16x8xi32>) {
  // expected-error @+1 {{'ds.matmul' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4x16xi32>'}}
  %0 = ds.matmul %a, %b : (tensor<4x16xi32>, tensor<16x8xi32>) -> tensor<4x8xi32>
  return
}

// -----

func.func @select_condition_not_i1(%c: tensor<4xi32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.select' op operand #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xi32>'}}
  %0 = ds.select %c, %x, %x : (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @embedding_float_indices(%w: tensor<256x64xf32>, %i: tensor<8xf32>) {
  // expected-error @+1 {{'ds.embedding' op operand #1 must be statically shaped tensor of 8/16/32/64-bit signless integer values, but got 'tensor<8xf32>'}}
  %0 = ds.embedding %w, %i : (tensor<256x64xf32>, tensor<8xf32>) -> tensor<8x64xf32>
  return
}

// -----

func.func @cross_entropy_result_not_scalar(%l: tensor<16x256xf32>, %y: tensor<16xi64>) {
  // expected-error @+1 {{'ds.cross_entropy' op result #0 must be 0D tensor of floating-point values, but got 'tensor<1xf32>'}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>) -> tensor<1xf32>
  return
}

// -----

func.func @convert_shape(%x: tensor<2x8xbf16>) {
  // expected-error @+1 {{'ds.convert' op requires the same shape for all operands and results}}
  %0 = ds.convert %x : (tensor<2x8xbf16>) -> tensor<16xf32>
  return
}

// -----

func.func @constant_type() {
  // expected-error @+1 {{'ds.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "ds.constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<2x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Backward and optimizer ops
//===----------------------------------------------------------------------===//

func.func @attention_grad_grad_query(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_query has type 'tensor<2x8x16x64xf32>', expected 'tensor<2x8x16x32xf32>'}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x64xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
  return
}
// -----

func.func @attention_grad_grad_key(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_key has type 'tensor<2x2x16x32xbf16>', expected 'tensor<2x2x16x32xf32>'}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xbf16>, tensor<2x2x16x64xf32>)
  return
}
// -----

func.func @attention_grad_grad_value(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_value has type 'tensor<2x2x16x32xf32>', expected 'tensor<2x2x16x64xf32>'}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}
// -----

func.func @attention_grad_query_rank(%q: tensor<8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op query and value must have rank 4}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
  return
}
// -----

func.func @attention_grad_value_rank(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op query and value must have rank 4}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x16x64xf32>)
  return
}
// -----

func.func @attention_grad_output(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x32xf32>, %do: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op output has type 'tensor<2x8x16x32xf32>', expected 'tensor<2x8x16x64xf32>'}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
  return
}
// -----

func.func @attention_grad_grad_output(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xbf16>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_output has type 'tensor<2x8x16x64xbf16>', expected 'tensor<2x8x16x64xf32>'}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xbf16>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
  return
}
// -----

func.func @layer_norm_grad_grad_output(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x64xf32>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op grad_output has type 'tensor<2x64xf32>', expected 'tensor<2x8x64xf32>'}}
  %0:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @layer_norm_grad_grad_input(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op grad_input has type 'tensor<2x8x64xbf16>', expected 'tensor<2x8x64xf32>'}}
  %0:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xbf16>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @layer_norm_grad_weight(%x: tensor<2x8x64xf32>, %w: tensor<32xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op weight has type 'tensor<32xf32>', expected 'tensor<64xf32>'}}
  %0:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<32xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @layer_norm_grad_grad_weight(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op grad_weight has type 'tensor<1x64xf32>', expected 'tensor<64xf32>'}}
  %0:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<1x64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @layer_norm_grad_grad_bias(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op grad_bias has type 'tensor<64xf16>', expected 'tensor<64xf32>'}}
  %0:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf16>)
  return
}
// -----

func.func @rms_norm_grad_grad_output(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x32xf32>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op grad_output has type 'tensor<2x8x32xf32>', expected 'tensor<2x8x64xf32>'}}
  %0:2 = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x32xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @rms_norm_grad_grad_input(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op grad_input has type 'tensor<16x64xf32>', expected 'tensor<2x8x64xf32>'}}
  %0:2 = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<16x64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @rms_norm_grad_weight(%x: tensor<2x8x64xf32>, %w: tensor<64xbf16>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op weight has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:2 = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xbf16>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @rms_norm_grad_grad_weight(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op grad_weight has type 'tensor<8xf32>', expected 'tensor<64xf32>'}}
  %0:2 = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<8xf32>)
  return
}
// -----

func.func @softmax_grad_dim(%y: tensor<2x4x8x8xf32>, %dy: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'ds.softmax_grad' op dim 4 is out of range for rank 4}}
  %0 = ds.softmax_grad %y, %dy dim = 4 : tensor<2x4x8x8xf32>
  return
}
// -----

func.func @softmax_grad_dim_negative(%y: tensor<2x4x8x8xf32>, %dy: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'ds.softmax_grad' op dim -1 is out of range for rank 4}}
  %0 = ds.softmax_grad %y, %dy dim = -1 : tensor<2x4x8x8xf32>
  return
}
// -----

func.func @log_softmax_grad_dim(%y: tensor<2x4x8x8xf32>, %dy: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'ds.log_softmax_grad' op dim 7 is out of range for rank 4}}
  %0 = ds.log_softmax_grad %y, %dy dim = 7 : tensor<2x4x8x8xf32>
  return
}
// -----

func.func @cross_entropy_grad_labels(%l: tensor<16x256xf32>, %y: tensor<8xi64>, %d: tensor<f32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op labels must have the logits' shape without its last dimension}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<8xi64>, tensor<f32>) -> tensor<16x256xf32>
  return
}
// -----

// 0-d logits have no class dimension to drop for the labels' shape.
func.func @cross_entropy_grad_logits_rank(%l: tensor<f32>, %y: tensor<i64>, %d: tensor<f32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op labels must have the logits' shape without its last dimension}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<f32>, tensor<i64>, tensor<f32>) -> tensor<f32>
  return
}
// -----

func.func @cross_entropy_grad_grad_loss_element_type(%l: tensor<16x256xf32>, %y: tensor<16xi64>, %d: tensor<bf16>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op grad_loss element type differs from the logits'}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<bf16>) -> tensor<16x256xf32>
  return
}
// -----

func.func @cross_entropy_grad_result(%l: tensor<16x256xf32>, %y: tensor<16xi64>, %d: tensor<f32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op result has type 'tensor<16x128xf32>', expected 'tensor<16x256xf32>'}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<f32>) -> tensor<16x128xf32>
  return
}
// -----

func.func @embedding_padding_idx(%w: tensor<256x64xf32>, %i: tensor<8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.embedding' op padding_idx 256 is not a row of the weight (256 rows)}}
  %0 = ds.embedding %w, %i padding_idx = 256 : (tensor<256x64xf32>, tensor<8xi64>) -> tensor<8x64xf32>
  return
}
// -----

func.func @embedding_grad_padding_idx(%i: tensor<2x8xi64>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op padding_idx -1 is not a row of the result (256 rows)}}
  %0 = ds.embedding_grad %i, %dy padding_idx = -1 : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x64xf32>
  return
}
// -----

func.func @embedding_grad_result_rank(%i: tensor<2x8xi64>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op result must have rank 2}}
  %0 = ds.embedding_grad %i, %dy : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<4x256x64xf32>
  return
}
// -----

func.func @embedding_grad_grad_output(%i: tensor<2x8xi64>, %dy: tensor<16x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op grad_output has type 'tensor<16x64xf32>', expected 'tensor<2x8x64xf32>'}}
  %0 = ds.embedding_grad %i, %dy : (tensor<2x8xi64>, tensor<16x64xf32>) -> tensor<256x64xf32>
  return
}
// -----

func.func @embedding_grad_row_size(%i: tensor<2x8xi64>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op grad_output has type 'tensor<2x8x64xf32>', expected 'tensor<2x8x32xf32>'}}
  %0 = ds.embedding_grad %i, %dy : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x32xf32>
  return
}
// -----

func.func @pad_result_rank(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op result must have the input's rank and element type}}
  %0 = ds.pad %x low = [0, 0] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<64xf32>
  return
}
// -----

func.func @pad_result_element_type(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op result must have the input's rank and element type}}
  %0 = ds.pad %x low = [0, 0] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xbf16>
  return
}
// -----

func.func @pad_low_arity(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op low and strides need 2 entries each}}
  %0 = ds.pad %x low = [0] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
// -----

func.func @pad_strides_arity(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op low and strides need 2 entries each}}
  %0 = ds.pad %x low = [0, 0] strides = [1, 1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
// -----

func.func @pad_low_negative(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 1 needs low >= 0 and stride >= 1}}
  %0 = ds.pad %x low = [0, -1] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
// -----

func.func @pad_stride_zero(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 0 needs low >= 0 and stride >= 1}}
  %0 = ds.pad %x low = [0, 0] strides = [0, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
// -----

func.func @pad_past_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 1 places elements past the result size 8}}
  %0 = ds.pad %x low = [0, 1] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
// -----

func.func @pad_strided_past_result(%x: tensor<32x21xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 1 places elements past the result size 60}}
  %0 = ds.pad %x low = [1, 0] strides = [2, 3] : (tensor<32x21xf32>) -> tensor<64x60xf32>
  return
}
// -----

func.func @adamw_grad(%p: tensor<64xf32>, %g: tensor<64xbf16>, %m: tensor<64xf32>, %v: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op grad has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xbf16>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_schedule_name(%p: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op has lr_schedule}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 lr_schedule = "step" : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_schedule_negative(%p: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op has a negative number of schedule steps}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 lr_schedule = "linear" warmup_steps = -2 total_steps = 5 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_schedule_total(%p: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op needs total_steps for lr_schedule}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 lr_schedule = "cosine" : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_schedule_ratio(%p: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op has min_lr_ratio outside [0, 1]}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 lr_schedule = "cosine" total_steps = 5 min_lr_ratio = 2.0 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_schedule_steps_alone(%p: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op has schedule steps without an lr_schedule}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 warmup_steps = 2 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_exp_avg(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<32xf32>, %v: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op exp_avg has type 'tensor<32xf32>', expected 'tensor<64xf32>'}}
  %0:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_exp_avg_sq(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xbf16>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op exp_avg_sq has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xbf16>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_new_param(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op new_param has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xbf16>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_new_exp_avg(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op new_exp_avg has type 'tensor<1x64xf32>', expected 'tensor<64xf32>'}}
  %0:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<1x64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @adamw_new_exp_avg_sq(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op new_exp_avg_sq has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xbf16>)
  return
}
// -----

func.func @sgd_grad(%p: tensor<64xf32>, %g: tensor<32xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'ds.sgd_update' op grad has type 'tensor<32xf32>', expected 'tensor<64xf32>'}}
  %0:2 = ds.sgd_update %p, %g, %b lr = 0.1 momentum = 0.9 weight_decay = 0.0 : (tensor<64xf32>, tensor<32xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @sgd_momentum_buffer(%p: tensor<64xf32>, %g: tensor<64xf32>, %b: tensor<64xbf16>) {
  // expected-error @+1 {{'ds.sgd_update' op momentum_buffer has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:2 = ds.sgd_update %p, %g, %b lr = 0.1 momentum = 0.9 weight_decay = 0.0 : (tensor<64xf32>, tensor<64xf32>, tensor<64xbf16>) -> (tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @sgd_new_param(%p: tensor<64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'ds.sgd_update' op new_param has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:2 = ds.sgd_update %p, %g, %b lr = 0.1 momentum = 0.9 weight_decay = 0.0 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64xbf16>, tensor<64xf32>)
  return
}
// -----

func.func @sgd_new_momentum_buffer(%p: tensor<64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'ds.sgd_update' op new_momentum_buffer has type 'tensor<64x1xf32>', expected 'tensor<64xf32>'}}
  %0:2 = ds.sgd_update %p, %g, %b lr = 0.1 momentum = 0.9 weight_decay = 0.0 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64x1xf32>)
  return
}
// -----

func.func @adamw_step_type(%p: tensor<64xf32>, %t: tensor<1xi64>) {
  // expected-error @+1 {{'ds.adamw_update' op operand #4 must be 0D tensor of 64-bit signless integer values, but got 'tensor<1xi64>'}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<1xi64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
// -----

func.func @cross_entropy_grad_loss_not_scalar(%l: tensor<16x256xf32>, %y: tensor<16xi64>, %d: tensor<1xf32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op operand #2 must be 0D tensor of floating-point values, but got 'tensor<1xf32>'}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<1xf32>) -> tensor<16x256xf32>
  return
}
// -----

func.func @silu_grad_types(%x: tensor<64xf32>, %dy: tensor<64xbf16>) {
  // expected-error @+1 {{'ds.silu_grad' op requires the same type for all operands and results}}
  %0 = "ds.silu_grad"(%x, %dy) : (tensor<64xf32>, tensor<64xbf16>) -> tensor<64xf32>
  return
}

// -----

// A misspelt attribute would silently leave the parameter untrained.
// expected-error @+1 {{'func.func' op unknown argument attribute 'ds.trainabel' (known: ds.name, ds.trainable, ds.input, ds.role, ds.sharding, ds.data_shape, ds.valid_range, ds.memory_space, ds.copy_of)}}
func.func @misspelt_trainable(%w: tensor<4xf32> {ds.name = "w", ds.trainabel}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument attribute 'ds.role' must be one of "parameter", "state", "input"}}
func.func @bad_role(%w: tensor<4xf32> {ds.role = "weights"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument attribute 'ds.name' must be a non-empty string}}
func.func @bad_name(%w: tensor<4xf32> {ds.name = 3 : i64}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument attribute 'ds.trainable' must be a unit attribute}}
func.func @bad_trainable(%w: tensor<4xf32> {ds.trainable = false}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op unknown result attribute 'ds.update' (known: ds.role, ds.updates, ds.sharding)}}
func.func @bad_result(%w: tensor<4xf32>) -> (tensor<4xf32> {ds.update = "w"}) {
  return %w : tensor<4xf32>
}

// -----

func.func @bad_op_attr(%w: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.neg' op unknown discardable attribute 'ds.shardng' (known: ds.sharding, ds.shardings, ds.data_shape)}}
  %0 = ds.neg %w {ds.shardng = 1 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument attribute 'ds.valid_range' must be array<i64: lo, hi> or array<i64: lo, hi, also> with lo <= hi}}
func.func @bad_range(%t: tensor<4xi64> {ds.valid_range = array<i64: 4, 0>}) {
  return
}

// -----

func.func @recompute_yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.recompute' op yields 1 values whose types differ from its results}}
  %r = ds.recompute block = 0 (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %s = ds.sum %a dims = [0] : (tensor<4xf32>) -> tensor<f32>
    ds.yield %s : tensor<f32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @recompute_arguments(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.recompute' op block arguments must have the types of the inputs}}
  %r = ds.recompute block = 0 (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf64>):
    %n = ds.neg %x : tensor<4xf32>
    ds.yield %n : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @recompute_isolated(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = ds.recompute block = 0 (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    %n = ds.neg %x : tensor<4xf32>
    // expected-note @-4 {{required by region isolation constraints}}
    ds.yield %n : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @recompute_nothing(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.recompute' op recomputes nothing (no results)}}
  ds.recompute block = 0 (%x) : (tensor<4xf32>) -> () {
  ^bb0(%a: tensor<4xf32>):
    ds.yield
  }
  return
}

// -----

func.func @yield_outside(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.yield' op expects parent op 'ds.recompute'}}
  ds.yield %x : tensor<4xf32>
}

// -----

func.func @reload_from_tape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.reload' op memory space must be "cpu" or "nvme", got "tape"}}
  %r = ds.reload %x from "tape" : tensor<4xf32>
  return
}

// -----

func.func @offload_to_gpu(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.offload' op memory space must be "cpu" or "nvme", got "gpu"}}
  %r = ds.offload %x to "gpu" : tensor<4xf32>
  return
}

// -----

func.func @reload_read_before_its_wait(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.reload' op result must be read by one ds.wait (the transfer's end) and nothing else}}
  %r = ds.reload %x from "nvme" : tensor<4xf32>
  %w = ds.wait %r : tensor<4xf32>
  %y = ds.neg %r : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @offload_never_waited(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.offload' op result must be read by one ds.wait (the transfer's end) and nothing else}}
  %o = ds.offload %x to "nvme" : tensor<4xf32>
  return %o : tensor<4xf32>
}

// -----

func.func @wait_for_no_transfer(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.wait' op waits for a transfer: its operand must be the result of a ds.reload or ds.offload}}
  %w = ds.wait %x : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument attribute 'ds.memory_space' must be "cpu" or "nvme"}}
func.func @memory_space_host(%x: tensor<4xf32> {ds.memory_space = "host"}) {
  return
}

// -----

func.func @cumsum_dim(%x: tensor<2x8xi64>) {
  // expected-error @+1 {{'ds.cumsum' op dim 2 is out of range for rank 2}}
  %0 = ds.cumsum %x dim = 2 : tensor<2x8xi64>
  return
}

// -----

func.func @attention_grad_bias_gradient_without_bias(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_bias needs a bias}}
  %0:4 = ds.attention_grad %q, %k, %v, %o, %o scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x16x16xf32>)
  return
}

// -----

func.func @attention_grad_bias_gradient_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %b: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_bias}}
  %0:4 = ds.attention_grad %q, %k, %v, %o, %o bias %b scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x8x16x16xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>)
  return
}

// -----

func.func @attention_sinks_heads(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %s: tensor<2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op sinks tensor<2xf32> must be [8] (one per query head) of the query's element type}}
  %0 = ds.attention %q, %k, %v sinks %s causal scale = 0.125 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @attention_grad_sinks_without_gradient(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{expected 4 or 5 result types (query, key and value gradients, the sinks' gradient, maybe the bias's), got 3}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o sinks %s scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

// -----

func.func @attention_grad_sinks_gradient_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_sinks has type 'tensor<8xf16>', expected 'tensor<8xf32>'}}
  %0:4 = ds.attention_grad %q, %k, %v, %o, %o sinks %s scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<8xf16>)
  return
}

// -----

// Booleans (i1) are no numbers: the arithmetic kernels do not take them.
func.func @add_booleans(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'ds.add' op operand #0 must be statically shaped tensor of floating-point or 8/16/32/64-bit signless integer values, but got 'tensor<4xi1>'}}
  %0 = ds.add %x, %x : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @compare_booleans(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'ds.compare' op operand #0 must be statically shaped tensor of floating-point or 8/16/32/64-bit signless integer values, but got 'tensor<4xi1>'}}
  %0 = ds.compare eq, %x, %x : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}
