
// expected-error @+1 {{'func.func' op argument attribute 'ds.valid_range' must be array<i64: lo, hi> or array<i64: lo, hi, also> with lo <= hi}}
func.func @bad_range(%t: tensor<4xi64> {ds.valid_range = array<i64: 4, 0>}) {
  return
}

