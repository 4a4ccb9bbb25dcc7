
// expected-error @+1 {{'func.func' op argument attribute 'ds.trainable' must be a unit attribute}}
func.func @bad_trainable(%w: tensor<4xf32> {ds.trainable = false}) {
  return
}

