
func.func @mesh_in_attrs(%a: memref<4xf32>) {
  // expected-error @+1 {{'dsrt.kernel' op names its mesh in kernel_attrs; a collective runs `on @mesh`}}
  dsrt.kernel "all_reduce" (%a) -> (%a) attrs {axes = ["sp"], mesh = @mesh, reduction = "sum"} : (memref<4xf32>) -> (memref<4xf32>)
  return
}

