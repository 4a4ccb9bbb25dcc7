
// expected-error @+1 {{'dsrt.mesh' op axis "sp" is declared twice}}
dsrt.mesh @mesh ["sp", "sp"] sizes [2, 2]

