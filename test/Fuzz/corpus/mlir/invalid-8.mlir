
// expected-error @+1 {{'dsrt.mesh' op has 1 axis names but 2 sizes}}
dsrt.mesh @mesh ["sp"] sizes [2, 2]

