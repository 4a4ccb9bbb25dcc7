
// expected-error @+1 {{'func.func' op unknown result attribute 'ds.update' (known: ds.role, ds.updates, ds.sharding)}}
func.func @bad_result(%w: tensor<4xf32>) -> (tensor<4xf32> {ds.update = "w"}) {
  return %w : tensor<4xf32>
}

