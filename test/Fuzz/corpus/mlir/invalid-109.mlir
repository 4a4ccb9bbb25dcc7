
func.func @split_sizes_empty(%x: tensor<0x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes [] must add up to the size 0 of dimension 0}}
  ds.split %x dim = 0 sizes = [] : (tensor<0x8xf32>) -> ()
  return
}

