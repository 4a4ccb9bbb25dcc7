
//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

func.func @reshape_count(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.reshape' op cannot reshape 16 elements into 18}}
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<3x6xf32>
  return
}

