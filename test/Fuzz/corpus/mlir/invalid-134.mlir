
func.func @shardings_count(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ds.neg' op discardable attribute 'ds.shardings' must be an array of one #ds.sharding per result}}
  %0 = ds.neg %x {ds.shardings = []} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

