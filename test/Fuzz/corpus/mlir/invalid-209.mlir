
func.func @adamw_schedule_ratio(%p: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op has min_lr_ratio outside [0, 1]}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 lr_schedule = "cosine" total_steps = 5 min_lr_ratio = 2.0 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
