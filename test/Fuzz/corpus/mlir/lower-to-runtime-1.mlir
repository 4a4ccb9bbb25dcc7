
// Values never live at the same instruction share bytes: %a is read while %c
// is written, so %c cannot take its slot, but %d can.
func.func @train_step(%x: tensor<16xf32> {ds.name = "x", ds.role = "input"}) -> (tensor<f32> {ds.role = "loss"}) {
  %a = ds.exp %x : tensor<16xf32>
  %b = ds.exp %a : tensor<16xf32>
  %c = ds.add %a, %b : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %d = ds.exp %c : tensor<16xf32>
  %l = ds.sum %d dims = [0] : (tensor<16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

