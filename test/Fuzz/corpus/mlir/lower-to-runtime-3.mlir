
// The runtime splits an input's dimensions whole.
ds.mesh @mesh ["sp" = 2]
// expected-error @+1 {{input 'tokens' has the sharding #ds.sharding<@mesh, [{2:"sp", 2}]>; the runtime splits an input's dimensions whole, each over at most one axis}}
func.func @train_step(%t: tensor<4xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{2:"sp", 2}]>}) -> (tensor<f32> {ds.role = "loss"}) {
  %f = ds.convert %t : (tensor<4xi64>) -> tensor<4xf32>
  %l = ds.sum %f dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

