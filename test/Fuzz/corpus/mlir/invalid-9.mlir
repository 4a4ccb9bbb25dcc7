
func.func @split_rank() {
  // expected-error @+1 {{'dsrt.persistent' op split has 1 entries for a buffer of rank 2}}
  %t = dsrt.persistent input "tokens" split ["sp"] : memref<2x8xi64>
  return
}

