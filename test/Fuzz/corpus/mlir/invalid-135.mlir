
//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

func.func @unknown_mesh(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op refers to @mesh, which is not a ds.mesh}}
  %0 = ds.all_reduce %x on @mesh ["dp"] reduction = sum : tensor<8xf32>
  return
}

