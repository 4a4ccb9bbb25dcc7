
// expected-error @+1 {{'ds.mesh' op axis "dp" is declared twice}}
ds.mesh @mesh ["dp" = 2, "sp" = 4, "dp" = 2]

