
func.func @train_step(%a: tensor<2305843009213693952xi8> {ds.name = "a", ds.role = "parameter"}, %b: tensor<2305843009213693952xi8> {ds.name = "b", ds.role = "parameter"}) -> (tensor<f32> {ds.role = "loss"}) {
  // expected-error @+1 {{with a value of type 'tensor<2305843009213693952xi8>', the step holds more than 2^62 bytes (4 EiB); no plan can hold it}}
  %c = ds.add %a, %b : (tensor<2305843009213693952xi8>, tensor<2305843009213693952xi8>) -> tensor<2305843009213693952xi8>
  %f = ds.convert %c : (tensor<2305843009213693952xi8>) -> tensor<2305843009213693952xf32>
  %l = ds.sum %f dims = [0] : (tensor<2305843009213693952xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
