
// 0-d logits have no class dimension to drop for the labels' shape.
func.func @cross_entropy_grad_logits_rank(%l: tensor<f32>, %y: tensor<i64>, %d: tensor<f32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op labels must have the logits' shape without its last dimension}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<f32>, tensor<i64>, tensor<f32>) -> tensor<f32>
  return
}
