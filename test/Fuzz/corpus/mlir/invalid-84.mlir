
// 0-d logits have no class dimension to drop for the labels' shape.
func.func @cross_entropy_logits_rank(%l: tensor<f32>, %y: tensor<i64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.cross_entropy' op labels shape [] must be the logits shape [] without its last dimension}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<f32>, tensor<i64>) -> tensor<f32>
  return
}

