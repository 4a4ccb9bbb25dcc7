
// A misspelt attribute would silently leave the parameter untrained.
// expected-error @+1 {{'func.func' op unknown argument attribute 'ds.trainabel' (known: ds.name, ds.trainable, ds.input, ds.role, ds.sharding, ds.data_shape, ds.valid_range, ds.memory_space, ds.copy_of)}}
func.func @misspelt_trainable(%w: tensor<4xf32> {ds.name = "w", ds.trainabel}) {
  return
}

