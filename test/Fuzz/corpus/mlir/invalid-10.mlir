
func.func @split_twice() {
  // expected-error @+1 {{'dsrt.persistent' op axis "sp" splits more than one dimension}}
  %t = dsrt.persistent input "tokens" split ["sp", "sp"] : memref<2x8xi64>
  return
}

