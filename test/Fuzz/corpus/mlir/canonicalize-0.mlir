
// The folders of DSFolders.cpp: identities vanish, reshapes of reshapes read
// the original value, constants fold through reshape and splats through
// slice and broadcast. Each fold has a neighbour that must stay.

func.func @reshape_identity(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

func.func @reshape_kept(%x: tensor<2x8xf32>) -> tensor<16xf32> {
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

func.func @reshape_of_reshape(%x: tensor<2x8xf32>) -> tensor<4x4xf32> {
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<16xf32>
  %1 = ds.reshape %0 : (tensor<16xf32>) -> tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
}

// The inner reshape has another use, so it stays; the outer one still reads
// the original value.
func.func @reshape_of_reshape_shared(%x: tensor<2x8xf32>) -> (tensor<16xf32>, tensor<4x4xf32>) {
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<16xf32>
  %1 = ds.reshape %0 : (tensor<16xf32>) -> tensor<4x4xf32>
  return %0, %1 : tensor<16xf32>, tensor<4x4xf32>
}

func.func @reshape_round_trip(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<16xf32>
  %1 = ds.reshape %0 : (tensor<16xf32>) -> tensor<2x8xf32>
  return %1 : tensor<2x8xf32>
}

func.func @reshape_constant() -> tensor<4xi32> {
  %0 = ds.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  %1 = ds.reshape %0 : (tensor<2x2xi32>) -> tensor<4xi32>
  return %1 : tensor<4xi32>
}

func.func @reshape_splat_constant() -> tensor<2x3xf32> {
  %0 = ds.constant dense<1.5> : tensor<6xf32>
  %1 = ds.reshape %0 : (tensor<6xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

func.func @transpose_identity(%x: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %0 = ds.transpose %x permutation = [0, 1, 2] : (tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

func.func @transpose_kept(%x: tensor<2x8x4xf32>) -> tensor<2x4x8xf32> {
  %0 = ds.transpose %x permutation = [0, 2, 1] : (tensor<2x8x4xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// Same type in and out, but the permutation moves data: no fold.
func.func @transpose_square_kept(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = ds.transpose %x permutation = [1, 0] : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

func.func @slice_identity(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %0 = ds.slice %x starts = [0, 0] limits = [8, 8] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

func.func @slice_kept(%x: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = ds.slice %x starts = [4, 0] limits = [8, 8] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

func.func @slice_splat() -> tensor<2x4xf32> {
  %0 = ds.constant dense<-1.0e+09> : tensor<8x8xf32>
  %1 = ds.slice %0 starts = [0, 0] limits = [2, 8] strides = [1, 2] : (tensor<8x8xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

func.func @slice_non_splat_kept() -> tensor<2xi64> {
  %0 = ds.constant dense<[0, 1, 2, 3]> : tensor<4xi64>
  %1 = ds.slice %0 starts = [1] limits = [3] strides = [1] : (tensor<4xi64>) -> tensor<2xi64>
  return %1 : tensor<2xi64>
}

func.func @broadcast_identity(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = ds.broadcast %x : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

func.func @broadcast_kept(%x: tensor<64xf32>) -> tensor<2x64xf32> {
  %0 = ds.broadcast %x : (tensor<64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

func.func @broadcast_splat() -> tensor<2x8x8xi1> {
  %0 = ds.constant dense<true> : tensor<1x8xi1>
  %1 = ds.broadcast %0 : (tensor<1x8xi1>) -> tensor<2x8x8xi1>
  return %1 : tensor<2x8x8xi1>
}

func.func @broadcast_non_splat_kept() -> tensor<3x2xf32> {
  %0 = ds.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %1 = ds.broadcast %0 : (tensor<2xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

func.func @convert_identity(%x: tensor<2x8xbf16>) -> tensor<2x8xbf16> {
  %0 = ds.convert %x : (tensor<2x8xbf16>) -> tensor<2x8xbf16>
  return %0 : tensor<2x8xbf16>
}

func.func @convert_kept(%x: tensor<2x8xbf16>) -> tensor<2x8xf32> {
  %0 = ds.convert %x : (tensor<2x8xbf16>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// `ds.constant` folds to its value, so the canonicalizer uniques equal
// constants.
func.func @constants_uniqued() -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = ds.constant dense<2.0> : tensor<4xf32>
  %1 = ds.constant dense<2.0> : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
