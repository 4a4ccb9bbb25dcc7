
func.func @bad_op_attr(%w: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.neg' op unknown discardable attribute 'ds.shardng' (known: ds.sharding, ds.shardings, ds.data_shape)}}
  %0 = ds.neg %w {ds.shardng = 1 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

