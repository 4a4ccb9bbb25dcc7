// RUN: ds-opt %s | ds-opt | FileCheck %s
// RUN: ds-opt %s --mlir-print-op-generic | ds-opt | FileCheck %s
// RUN: ds-opt %s --emit-bytecode | ds-opt | FileCheck %s

// Every op of the ds dialect and the #ds.sharding attribute survive a round
// trip through the custom syntax, the generic syntax and bytecode.

// CHECK: ds.mesh @mesh ["dp" = 2, "sp" = 4]
ds.mesh @mesh ["dp" = 2, "sp" = 4]

// CHECK-LABEL: func.func @unary(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8xf32>, %[[I:.*]]: tensor<4xi32>) -> (tensor<2x8xf32>, tensor<4xi32>)
// CHECK-NEXT:    %[[NEG:.*]] = ds.neg %[[X]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[NEGI:.*]] = ds.neg %[[I]] : tensor<4xi32>
// CHECK-NEXT:    %[[EXP:.*]] = ds.exp %[[NEG]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[LOG:.*]] = ds.log %[[EXP]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[SQRT:.*]] = ds.sqrt %[[LOG]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[RSQRT:.*]] = ds.rsqrt %[[SQRT]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[TANH:.*]] = ds.tanh %[[RSQRT]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[RELU:.*]] = ds.relu %[[TANH]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[SILU:.*]] = ds.silu %[[RELU]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[SIGMOID:.*]] = ds.sigmoid %[[SILU]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[LOG1P:.*]] = ds.log1p %[[SIGMOID]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[SIN:.*]] = ds.sin %[[LOG1P]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[COS:.*]] = ds.cos %[[SIN]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[ERF:.*]] = ds.erf %[[COS]] : tensor<2x8xf32>
// CHECK-NEXT:    return %[[ERF]], %[[NEGI]] : tensor<2x8xf32>, tensor<4xi32>
func.func @unary(%x: tensor<2x8xf32>, %i: tensor<4xi32>) -> (tensor<2x8xf32>, tensor<4xi32>) {
  %neg = ds.neg %x : tensor<2x8xf32>
  %negi = ds.neg %i : tensor<4xi32>
  %exp = ds.exp %neg : tensor<2x8xf32>
  %log = ds.log %exp : tensor<2x8xf32>
  %sqrt = ds.sqrt %log : tensor<2x8xf32>
  %rsqrt = ds.rsqrt %sqrt : tensor<2x8xf32>
  %tanh = ds.tanh %rsqrt : tensor<2x8xf32>
  %relu = ds.relu %tanh : tensor<2x8xf32>
  %silu = ds.silu %relu : tensor<2x8xf32>
  %sigmoid = ds.sigmoid %silu : tensor<2x8xf32>
  %log1p = ds.log1p %sigmoid : tensor<2x8xf32>
  %sin = ds.sin %log1p : tensor<2x8xf32>
  %cos = ds.cos %sin : tensor<2x8xf32>
  %erf = ds.erf %cos : tensor<2x8xf32>
  return %erf, %negi : tensor<2x8xf32>, tensor<4xi32>
}

// CHECK-LABEL: func.func @gelu(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[ERF:.*]] = ds.gelu %[[X]] approximate = none : tensor<2x8xf32>
// CHECK-NEXT:    %[[TANH:.*]] = ds.gelu %[[ERF]] approximate = tanh : tensor<2x8xf32>
// CHECK-NEXT:    return %[[TANH]] : tensor<2x8xf32>
func.func @gelu(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %erf = ds.gelu %x approximate = none : tensor<2x8xf32>
  %tanh = ds.gelu %erf approximate = tanh : tensor<2x8xf32>
  return %tanh : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @round(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[F:.*]] = ds.round %[[X]] mode = floor : tensor<2x8xf32>
// CHECK-NEXT:    %[[E:.*]] = ds.round %[[F]] mode = even : tensor<2x8xf32>
// CHECK-NEXT:    %[[L2:.*]] = ds.log2 %[[E]] : tensor<2x8xf32>
// CHECK-NEXT:    %[[L10:.*]] = ds.log10 %[[L2]] : tensor<2x8xf32>
// CHECK-NEXT:    return %[[L10]] : tensor<2x8xf32>
func.func @round(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %floor = ds.round %x mode = floor : tensor<2x8xf32>
  %even = ds.round %floor mode = even : tensor<2x8xf32>
  %log2 = ds.log2 %even : tensor<2x8xf32>
  %log10 = ds.log10 %log2 : tensor<2x8xf32>
  return %log10 : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @pow(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8xbf16>) -> tensor<2x8xbf16>
// CHECK-NEXT:    %[[SQ:.*]] = ds.pow %[[X]], 2.000000e+00 : tensor<2x8xbf16>
// CHECK-NEXT:    %[[RSQRT:.*]] = ds.pow %[[SQ]], -5.000000e-01 : tensor<2x8xbf16>
// CHECK-NEXT:    return %[[RSQRT]] : tensor<2x8xbf16>
func.func @pow(%x: tensor<2x8xbf16>) -> tensor<2x8xbf16> {
  %sq = ds.pow %x, 2.0 : tensor<2x8xbf16>
  %rsqrt = ds.pow %sq, -5.000000e-01 : tensor<2x8xbf16>
  return %rsqrt : tensor<2x8xbf16>
}

// CHECK-LABEL: func.func @binary(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8xf32>, %[[Y:.*]]: tensor<8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[ADD:.*]] = ds.add %[[X]], %[[Y]] : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[SUB:.*]] = ds.sub %[[Y]], %[[X]] : (tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[MUL:.*]] = ds.mul %[[ADD]], %[[SUB]] : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[DIV:.*]] = ds.div %[[MUL]], %[[Y]] : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[MAX:.*]] = ds.maximum %[[DIV]], %[[X]] : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    return %[[MAX]] : tensor<2x8xf32>
func.func @binary(%x: tensor<2x8xf32>, %y: tensor<8xf32>) -> tensor<2x8xf32> {
  %add = ds.add %x, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %sub = ds.sub %y, %x : (tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %mul = ds.mul %add, %sub : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %div = ds.div %mul, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %max = ds.maximum %div, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %max : tensor<2x8xf32>
}

// Both operands broadcast (4x1 and 1x3 give 4x3), on integers.
// CHECK-LABEL: func.func @binary_broadcast_both(
// CHECK-SAME:      %[[A:.*]]: tensor<4x1xi64>, %[[B:.*]]: tensor<1x3xi64>) -> tensor<4x3xi64>
// CHECK-NEXT:    %[[ADD:.*]] = ds.add %[[A]], %[[B]] : (tensor<4x1xi64>, tensor<1x3xi64>) -> tensor<4x3xi64>
// CHECK-NEXT:    return %[[ADD]] : tensor<4x3xi64>
func.func @binary_broadcast_both(%a: tensor<4x1xi64>, %b: tensor<1x3xi64>) -> tensor<4x3xi64> {
  %add = ds.add %a, %b : (tensor<4x1xi64>, tensor<1x3xi64>) -> tensor<4x3xi64>
  return %add : tensor<4x3xi64>
}

// CHECK-LABEL: func.func @compare(
// CHECK-SAME:      %[[X:.*]]: tensor<4x4xf32>, %[[S:.*]]: tensor<f32>, %[[I:.*]]: tensor<4xi32>, %[[J:.*]]: tensor<4x4xi32>) -> (tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<i1>, tensor<4x4xi1>)
// CHECK-NEXT:    %[[EQ:.*]] = ds.compare eq, %[[X]], %[[S]] : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xi1>
// CHECK-NEXT:    %[[NE:.*]] = ds.compare ne, %[[X]], %[[X]] : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xi1>
// CHECK-NEXT:    %[[LT:.*]] = ds.compare lt, %[[I]], %[[J]] : (tensor<4xi32>, tensor<4x4xi32>) -> tensor<4x4xi1>
// CHECK-NEXT:    %[[LE:.*]] = ds.compare le, %[[J]], %[[I]] : (tensor<4x4xi32>, tensor<4xi32>) -> tensor<4x4xi1>
// CHECK-NEXT:    %[[GT:.*]] = ds.compare gt, %[[S]], %[[S]] : (tensor<f32>, tensor<f32>) -> tensor<i1>
// CHECK-NEXT:    %[[GE:.*]] = ds.compare ge, %[[X]], %[[S]] : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xi1>
// CHECK-NEXT:    return %[[EQ]], %[[NE]], %[[LT]], %[[LE]], %[[GT]], %[[GE]] : tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<i1>, tensor<4x4xi1>
func.func @compare(%x: tensor<4x4xf32>, %s: tensor<f32>, %i: tensor<4xi32>, %j: tensor<4x4xi32>) -> (tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<i1>, tensor<4x4xi1>) {
  %eq = ds.compare eq, %x, %s : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xi1>
  %ne = ds.compare ne, %x, %x : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xi1>
  %lt = ds.compare lt, %i, %j : (tensor<4xi32>, tensor<4x4xi32>) -> tensor<4x4xi1>
  %le = ds.compare le, %j, %i : (tensor<4x4xi32>, tensor<4xi32>) -> tensor<4x4xi1>
  %gt = ds.compare gt, %s, %s : (tensor<f32>, tensor<f32>) -> tensor<i1>
  %ge = ds.compare ge, %x, %s : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xi1>
  return %eq, %ne, %lt, %le, %gt, %ge : tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<4x4xi1>, tensor<i1>, tensor<4x4xi1>
}

// CHECK-LABEL: func.func @select(
// CHECK-SAME:      %[[M:.*]]: tensor<1x1x8x8xi1>, %[[X:.*]]: tensor<2x4x8x8xf32>, %[[NINF:.*]]: tensor<f32>, %[[C:.*]]: tensor<i1>, %[[I:.*]]: tensor<4xi32>, %[[J:.*]]: tensor<4x4xi32>) -> (tensor<2x4x8x8xf32>, tensor<4x4xi32>)
// CHECK-NEXT:    %[[MASKED:.*]] = ds.select %[[M]], %[[X]], %[[NINF]] : (tensor<1x1x8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT:    %[[INTS:.*]] = ds.select %[[C]], %[[I]], %[[J]] : (tensor<i1>, tensor<4xi32>, tensor<4x4xi32>) -> tensor<4x4xi32>
// CHECK-NEXT:    return %[[MASKED]], %[[INTS]] : tensor<2x4x8x8xf32>, tensor<4x4xi32>
func.func @select(%m: tensor<1x1x8x8xi1>, %x: tensor<2x4x8x8xf32>, %ninf: tensor<f32>, %c: tensor<i1>, %i: tensor<4xi32>, %j: tensor<4x4xi32>) -> (tensor<2x4x8x8xf32>, tensor<4x4xi32>) {
  %masked = ds.select %m, %x, %ninf : (tensor<1x1x8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %ints = ds.select %c, %i, %j : (tensor<i1>, tensor<4xi32>, tensor<4x4xi32>) -> tensor<4x4xi32>
  return %masked, %ints : tensor<2x4x8x8xf32>, tensor<4x4xi32>
}

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:.*]]: tensor<2x4x8x16xf32>, %[[B:.*]]: tensor<2x4x16x8xf32>) -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<2x4x16x16xf32>, tensor<2x4x8x8xf32>)
// CHECK-NEXT:    %[[PLAIN:.*]] = ds.matmul %[[A]], %[[B]] : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT:    %[[TRHS:.*]] = ds.matmul %[[A]], %[[A]] transpose_rhs : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT:    %[[TLHS:.*]] = ds.matmul %[[A]], %[[A]] transpose_lhs : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x16x16xf32>
// CHECK-NEXT:    %[[TBOTH:.*]] = ds.matmul %[[B]], %[[A]] transpose_lhs transpose_rhs : (tensor<2x4x16x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT:    return %[[PLAIN]], %[[TRHS]], %[[TLHS]], %[[TBOTH]] : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<2x4x16x16xf32>, tensor<2x4x8x8xf32>
func.func @matmul(%a: tensor<2x4x8x16xf32>, %b: tensor<2x4x16x8xf32>) -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<2x4x16x16xf32>, tensor<2x4x8x8xf32>) {
  %plain = ds.matmul %a, %b : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %trhs = ds.matmul %a, %a transpose_rhs : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32>
  %tlhs = ds.matmul %a, %a transpose_lhs : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x16x16xf32>
  %tboth = ds.matmul %b, %a transpose_lhs transpose_rhs : (tensor<2x4x16x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32>
  return %plain, %trhs, %tlhs, %tboth : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<2x4x16x16xf32>, tensor<2x4x8x8xf32>
}

// Missing batch dimensions and batch dimensions of size 1 broadcast.
// CHECK-LABEL: func.func @matmul_batch_broadcast(
// CHECK-SAME:      %[[A:.*]]: tensor<2x4x8x16xf32>, %[[W:.*]]: tensor<16x8xf32>, %[[D:.*]]: tensor<3x1x8x16xbf16>, %[[E:.*]]: tensor<5x16x8xbf16>) -> (tensor<2x4x8x8xf32>, tensor<3x5x8x8xbf16>)
// CHECK-NEXT:    %[[RANK2:.*]] = ds.matmul %[[A]], %[[W]] : (tensor<2x4x8x16xf32>, tensor<16x8xf32>) -> tensor<2x4x8x8xf32>
// CHECK-NEXT:    %[[ONES:.*]] = ds.matmul %[[D]], %[[E]] : (tensor<3x1x8x16xbf16>, tensor<5x16x8xbf16>) -> tensor<3x5x8x8xbf16>
// CHECK-NEXT:    return %[[RANK2]], %[[ONES]] : tensor<2x4x8x8xf32>, tensor<3x5x8x8xbf16>
func.func @matmul_batch_broadcast(%a: tensor<2x4x8x16xf32>, %w: tensor<16x8xf32>, %d: tensor<3x1x8x16xbf16>, %e: tensor<5x16x8xbf16>) -> (tensor<2x4x8x8xf32>, tensor<3x5x8x8xbf16>) {
  %rank2 = ds.matmul %a, %w : (tensor<2x4x8x16xf32>, tensor<16x8xf32>) -> tensor<2x4x8x8xf32>
  %ones = ds.matmul %d, %e : (tensor<3x1x8x16xbf16>, tensor<5x16x8xbf16>) -> tensor<3x5x8x8xbf16>
  return %rank2, %ones : tensor<2x4x8x8xf32>, tensor<3x5x8x8xbf16>
}

// Half operands may give a float32 result: the accumulator, unrounded.
// CHECK-LABEL: func.func @accumulated(
// CHECK-NEXT:    ds.matmul %{{.*}}, %{{.*}} transpose_lhs : (tensor<16x4xbf16>, tensor<16x8xbf16>) -> tensor<4x8xf32>
// CHECK-NEXT:    ds.sum %{{.*}} dims = [0] : (tensor<16x4xf16>) -> tensor<4xf32>
// CHECK-NEXT:    ds.mean %{{.*}} dims = [0, 1] : (tensor<16x4xbf16>) -> tensor<f32>
func.func @accumulated(%a: tensor<16x4xbf16>, %b: tensor<16x8xbf16>, %h: tensor<16x4xf16>) -> (tensor<4x8xf32>, tensor<4xf32>, tensor<f32>) {
  %p = ds.matmul %a, %b transpose_lhs : (tensor<16x4xbf16>, tensor<16x8xbf16>) -> tensor<4x8xf32>
  %s = ds.sum %h dims = [0] : (tensor<16x4xf16>) -> tensor<4xf32>
  %m = ds.mean %a dims = [0, 1] : (tensor<16x4xbf16>) -> tensor<f32>
  return %p, %s, %m : tensor<4x8xf32>, tensor<4xf32>, tensor<f32>
}

// An RMSNorm's weight gradient may be float32 over a half input.
// CHECK-LABEL: func.func @accumulated_norm_grad(
// CHECK-NEXT:    ds.rms_norm_grad {{.*}} -> (tensor<2x8xbf16>, tensor<8xf32>)
func.func @accumulated_norm_grad(%x: tensor<2x8xbf16>, %w: tensor<8xbf16>, %dy: tensor<2x8xbf16>) -> tensor<8xf32> {
  %rx, %rw = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8xbf16>, tensor<8xbf16>, tensor<2x8xbf16>) -> (tensor<2x8xbf16>, tensor<8xf32>)
  return %rw : tensor<8xf32>
}

// CHECK-LABEL: func.func @linear(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x64xf32>, %[[W:.*]]: tensor<192x64xf32>, %[[B:.*]]: tensor<192xf32>, %[[V:.*]]: tensor<64xf32>) -> (tensor<2x8x192xf32>, tensor<2x8x192xf32>, tensor<192xf32>)
// CHECK-NEXT:    %[[BIASED:.*]] = ds.linear %[[X]], %[[W]] bias %[[B]] : (tensor<2x8x64xf32>, tensor<192x64xf32>, tensor<192xf32>) -> tensor<2x8x192xf32>
// CHECK-NEXT:    %[[NOBIAS:.*]] = ds.linear %[[X]], %[[W]] : (tensor<2x8x64xf32>, tensor<192x64xf32>) -> tensor<2x8x192xf32>
// CHECK-NEXT:    %[[VECTOR:.*]] = ds.linear %[[V]], %[[W]] : (tensor<64xf32>, tensor<192x64xf32>) -> tensor<192xf32>
// CHECK-NEXT:    return %[[BIASED]], %[[NOBIAS]], %[[VECTOR]] : tensor<2x8x192xf32>, tensor<2x8x192xf32>, tensor<192xf32>
func.func @linear(%x: tensor<2x8x64xf32>, %w: tensor<192x64xf32>, %b: tensor<192xf32>, %v: tensor<64xf32>) -> (tensor<2x8x192xf32>, tensor<2x8x192xf32>, tensor<192xf32>) {
  %biased = ds.linear %x, %w bias %b : (tensor<2x8x64xf32>, tensor<192x64xf32>, tensor<192xf32>) -> tensor<2x8x192xf32>
  %nobias = ds.linear %x, %w : (tensor<2x8x64xf32>, tensor<192x64xf32>) -> tensor<2x8x192xf32>
  %vector = ds.linear %v, %w : (tensor<64xf32>, tensor<192x64xf32>) -> tensor<192xf32>
  return %biased, %nobias, %vector : tensor<2x8x192xf32>, tensor<2x8x192xf32>, tensor<192xf32>
}

// CHECK-LABEL: func.func @reductions(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x64xf32>, %[[I:.*]]: tensor<4x6xi32>) -> (tensor<2x8x1xf32>, tensor<8xf32>, tensor<2x1x64xf32>, tensor<f32>, tensor<2x8x1xf32>, tensor<4xi32>)
// CHECK-NEXT:    %[[SUMK:.*]] = ds.sum %[[X]] dims = [2] keepdim : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
// CHECK-NEXT:    %[[SUM:.*]] = ds.sum %[[X]] dims = [0, 2] : (tensor<2x8x64xf32>) -> tensor<8xf32>
// CHECK-NEXT:    %[[MEANK:.*]] = ds.mean %[[X]] dims = [1] keepdim : (tensor<2x8x64xf32>) -> tensor<2x1x64xf32>
// CHECK-NEXT:    %[[MEAN:.*]] = ds.mean %[[X]] dims = [0, 1, 2] : (tensor<2x8x64xf32>) -> tensor<f32>
// CHECK-NEXT:    %[[MAXK:.*]] = ds.max %[[X]] dims = [2] keepdim : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
// CHECK-NEXT:    %[[MAX:.*]] = ds.max %[[I]] dims = [1] : (tensor<4x6xi32>) -> tensor<4xi32>
// CHECK-NEXT:    return %[[SUMK]], %[[SUM]], %[[MEANK]], %[[MEAN]], %[[MAXK]], %[[MAX]] : tensor<2x8x1xf32>, tensor<8xf32>, tensor<2x1x64xf32>, tensor<f32>, tensor<2x8x1xf32>, tensor<4xi32>
func.func @reductions(%x: tensor<2x8x64xf32>, %i: tensor<4x6xi32>) -> (tensor<2x8x1xf32>, tensor<8xf32>, tensor<2x1x64xf32>, tensor<f32>, tensor<2x8x1xf32>, tensor<4xi32>) {
  %sumk = ds.sum %x dims = [2] keepdim : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
  %sum = ds.sum %x dims = [0, 2] : (tensor<2x8x64xf32>) -> tensor<8xf32>
  %meank = ds.mean %x dims = [1] keepdim : (tensor<2x8x64xf32>) -> tensor<2x1x64xf32>
  %mean = ds.mean %x dims = [0, 1, 2] : (tensor<2x8x64xf32>) -> tensor<f32>
  %maxk = ds.max %x dims = [2] keepdim : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
  %max = ds.max %i dims = [1] : (tensor<4x6xi32>) -> tensor<4xi32>
  return %sumk, %sum, %meank, %mean, %maxk, %max : tensor<2x8x1xf32>, tensor<8xf32>, tensor<2x1x64xf32>, tensor<f32>, tensor<2x8x1xf32>, tensor<4xi32>
}

// CHECK-LABEL: func.func @softmax(
// CHECK-SAME:      %[[X:.*]]: tensor<2x4x8x8xf32>) -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>)
// CHECK-NEXT:    %[[P:.*]] = ds.softmax %[[X]] dim = 3 : tensor<2x4x8x8xf32>
// CHECK-NEXT:    %[[LOGP:.*]] = ds.log_softmax %[[X]] dim = 0 : tensor<2x4x8x8xf32>
// CHECK-NEXT:    return %[[P]], %[[LOGP]] : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>
func.func @softmax(%x: tensor<2x4x8x8xf32>) -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) {
  %p = ds.softmax %x dim = 3 : tensor<2x4x8x8xf32>
  %logp = ds.log_softmax %x dim = 0 : tensor<2x4x8x8xf32>
  return %p, %logp : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>
}

// CHECK-LABEL: func.func @layer_norm(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x64xf32>, %[[G:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>)
// CHECK-NEXT:    %[[BOTH:.*]] = ds.layer_norm %[[X]] weight %[[G]] bias %[[B]] epsilon = 1.000000e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    %[[NONE:.*]] = ds.layer_norm %[[X]] epsilon = 1.000000e-05 : (tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    %[[WEIGHT:.*]] = ds.layer_norm %[[X]] weight %[[G]] epsilon = 9.9999999999999995E-7 : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    %[[BIAS:.*]] = ds.layer_norm %[[X]] bias %[[B]] epsilon = 1.000000e-05 : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    return %[[BOTH]], %[[NONE]], %[[WEIGHT]], %[[BIAS]] : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>
func.func @layer_norm(%x: tensor<2x8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>) {
  %both = ds.layer_norm %x weight %g bias %b epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %none = ds.layer_norm %x epsilon = 1.0e-05 : (tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  %weight = ds.layer_norm %x weight %g epsilon = 1.0e-06 : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %bias = ds.layer_norm %x bias %b epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  return %both, %none, %weight, %bias : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>
}

// CHECK-LABEL: func.func @rms_norm(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x64xbf16>, %[[G:.*]]: tensor<64xbf16>) -> (tensor<2x8x64xbf16>, tensor<2x8x64xbf16>)
// CHECK-NEXT:    %[[WEIGHT:.*]] = ds.rms_norm %[[X]] weight %[[G]] epsilon = 1.000000e-05 : (tensor<2x8x64xbf16>, tensor<64xbf16>) -> tensor<2x8x64xbf16>
// CHECK-NEXT:    %[[NONE:.*]] = ds.rms_norm %[[X]] epsilon = 9.9999999999999995E-7 : (tensor<2x8x64xbf16>) -> tensor<2x8x64xbf16>
// CHECK-NEXT:    return %[[WEIGHT]], %[[NONE]] : tensor<2x8x64xbf16>, tensor<2x8x64xbf16>
func.func @rms_norm(%x: tensor<2x8x64xbf16>, %g: tensor<64xbf16>) -> (tensor<2x8x64xbf16>, tensor<2x8x64xbf16>) {
  %weight = ds.rms_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x8x64xbf16>, tensor<64xbf16>) -> tensor<2x8x64xbf16>
  %none = ds.rms_norm %x epsilon = 1.0e-06 : (tensor<2x8x64xbf16>) -> tensor<2x8x64xbf16>
  return %weight, %none : tensor<2x8x64xbf16>, tensor<2x8x64xbf16>
}

// CHECK-LABEL: func.func @embedding(
// CHECK-SAME:      %[[WTE:.*]]: tensor<256x64xf32>, %[[TOKENS:.*]]: tensor<2x8xi64>, %[[ONE:.*]]: tensor<i32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>)
// CHECK-NEXT:    %[[E:.*]] = ds.embedding %[[WTE]], %[[TOKENS]] : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    %[[ROW:.*]] = ds.embedding %[[WTE]], %[[ONE]] : (tensor<256x64xf32>, tensor<i32>) -> tensor<64xf32>
// CHECK-NEXT:    %[[PAD:.*]] = ds.embedding %[[WTE]], %[[TOKENS]] padding_idx = 0 : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    return %[[E]], %[[ROW]], %[[PAD]] : tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>
func.func @embedding(%wte: tensor<256x64xf32>, %tokens: tensor<2x8xi64>, %one: tensor<i32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) {
  %e = ds.embedding %wte, %tokens : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
  %row = ds.embedding %wte, %one : (tensor<256x64xf32>, tensor<i32>) -> tensor<64xf32>
  %pad = ds.embedding %wte, %tokens padding_idx = 0 : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
  return %e, %row, %pad : tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>
}

// CHECK-LABEL: func.func @attention(
// CHECK-SAME:      %[[Q:.*]]: tensor<2x8x16x32xf32>, %[[K:.*]]: tensor<2x8x16x32xf32>, %[[V:.*]]: tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
// CHECK-NEXT:    %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] causal scale = 0.17677669529663687 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
// CHECK-NEXT:    return %[[O]] : tensor<2x8x16x32xf32>
func.func @attention(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32> {
  %o = ds.attention %q, %k, %v causal scale = 0.17677669529663687 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return %o : tensor<2x8x16x32xf32>
}

// Without `causal` the key length may differ from the query length.
// Options: an ALiBi-like bias with a sliding window, a key-padding bias with
// a key length, and the backward with the forward's options; soft-capping;
// the backward with the bias's gradient.
// CHECK-LABEL: func.func @attention_options(
// CHECK-NEXT:    ds.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} causal window = 4 scale = 2.500000e-01 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>) -> tensor<2x8x16x32xf32>
// CHECK-NEXT:    ds.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} key_length = 13 scale = 2.500000e-01 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x1x1x16xf32>) -> tensor<2x8x16x32xf32>
// CHECK-NEXT:    ds.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} causal window = 4 key_length = 15 scale = 2.500000e-01 :
// CHECK-NEXT:    ds.attention %{{.*}}, %{{.*}}, %{{.*}} causal scale = 2.500000e-01 softcap = 5.000000e+01 :
// CHECK-NEXT:    ds.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} causal scale = 2.500000e-01 softcap = 5.000000e+01 :
// CHECK-NEXT:    %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = ds.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} scale = 2.500000e-01 : ({{.*}}) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>)
// Sinks: forward, backward with their gradient last, also after a bias's.
// CHECK-NEXT:    ds.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} sinks %{{.*}} causal window = 4 scale = 2.500000e-01 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>, tensor<8xf32>) -> tensor<2x8x16x32xf32>
// CHECK-NEXT:    %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = ds.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} sinks %{{.*}} causal scale = 2.500000e-01 : ({{.*}}, tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<8xf32>)
// CHECK-NEXT:    %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = ds.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} sinks %{{.*}} scale = 2.500000e-01 : ({{.*}}) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>, tensor<8xf32>)
// A fill (DeBERTa's masked_fill after its biases), forward and backward.
// CHECK-NEXT:    ds.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} scale = 2.500000e-01 fill = -3.4028234663852886E+38 :
// CHECK-NEXT:    ds.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} scale = 2.500000e-01 fill = -3.4028234663852886E+38 :
func.func @attention_options(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %alibi: tensor<1x8x1x16xf32>, %keys: tensor<2x1x1x16xf32>, %sinks: tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) {
  %w = ds.attention %q, %k, %v bias %alibi causal window = 4 scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>) -> tensor<2x8x16x32xf32>
  %p = ds.attention %q, %k, %v bias %keys key_length = 13 scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x1x1x16xf32>) -> tensor<2x8x16x32xf32>
  %g:3 = ds.attention_grad %q, %k, %v, %w, %w bias %alibi causal window = 4 key_length = 15 scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x8x1x16xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  %c = ds.attention %q, %k, %v causal scale = 0.25 softcap = 50.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  %cg:3 = ds.attention_grad %q, %k, %v, %c, %c causal scale = 0.25 softcap = 50.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  %bg:4 = ds.attention_grad %q, %k, %v, %c, %c bias %alibi scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x8x1x16xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>)
  %s = ds.attention %q, %k, %v bias %alibi sinks %sinks causal window = 4 scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>, tensor<8xf32>) -> tensor<2x8x16x32xf32>
  %sg:4 = ds.attention_grad %q, %k, %v, %s, %s sinks %sinks causal scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<8xf32>)
  %sbg:5 = ds.attention_grad %q, %k, %v, %s, %s bias %alibi sinks %sinks scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x8x1x16xf32>, tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>, tensor<8xf32>)
  %f = ds.attention %q, %k, %v bias %keys scale = 0.25 fill = -3.4028234663852886E+38 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x1x1x16xf32>) -> tensor<2x8x16x32xf32>
  %fg:3 = ds.attention_grad %q, %k, %v, %f, %f bias %keys scale = 0.25 fill = -3.4028234663852886E+38 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x1x1x16xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return %w, %p, %g#0 : tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>
}

// CHECK-LABEL: func.func @attention_cross(
// CHECK-SAME:      %[[Q:.*]]: tensor<2x8x16x32xf32>, %[[K:.*]]: tensor<2x8x24x32xf32>, %[[V:.*]]: tensor<2x8x24x32xf32>) -> tensor<2x8x16x32xf32>
// CHECK-NEXT:    %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] scale = 1.000000e+00 : (tensor<2x8x16x32xf32>, tensor<2x8x24x32xf32>, tensor<2x8x24x32xf32>) -> tensor<2x8x16x32xf32>
// CHECK-NEXT:    return %[[O]] : tensor<2x8x16x32xf32>
func.func @attention_cross(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x24x32xf32>, %v: tensor<2x8x24x32xf32>) -> tensor<2x8x16x32xf32> {
  %o = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x24x32xf32>, tensor<2x8x24x32xf32>) -> tensor<2x8x16x32xf32>
  return %o : tensor<2x8x16x32xf32>
}

// Grouped-query attention: 8 query heads share 2 key/value heads; the value
// head dimension (64) sets the result's.
// CHECK-LABEL: func.func @attention_gqa(
// CHECK-SAME:      %[[Q:.*]]: tensor<2x8x16x32xf32>, %[[K:.*]]: tensor<2x2x16x32xf32>, %[[V:.*]]: tensor<2x2x16x64xf32>) -> tensor<2x8x16x64xf32>
// CHECK-NEXT:    %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] causal scale = 2.500000e-01 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>) -> tensor<2x8x16x64xf32>
// CHECK-NEXT:    return %[[O]] : tensor<2x8x16x64xf32>
func.func @attention_gqa(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>) -> tensor<2x8x16x64xf32> {
  %o = ds.attention %q, %k, %v causal scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>) -> tensor<2x8x16x64xf32>
  return %o : tensor<2x8x16x64xf32>
}

// CHECK-LABEL: func.func @cross_entropy(
// CHECK-SAME:      %[[LOGITS:.*]]: tensor<16x256xf32>, %[[LABELS:.*]]: tensor<16xi64>, %[[L3:.*]]: tensor<2x8x256xbf16>, %[[Y3:.*]]: tensor<2x8xi32>) -> (tensor<f32>, tensor<bf16>)
// CHECK-NEXT:    %[[LOSS:.*]] = ds.cross_entropy %[[LOGITS]], %[[LABELS]] ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>) -> tensor<f32>
// CHECK-NEXT:    %[[LOSS3:.*]] = ds.cross_entropy %[[L3]], %[[Y3]] ignore_index = 0 : (tensor<2x8x256xbf16>, tensor<2x8xi32>) -> tensor<bf16>
// CHECK-NEXT:    return %[[LOSS]], %[[LOSS3]] : tensor<f32>, tensor<bf16>
func.func @cross_entropy(%logits: tensor<16x256xf32>, %labels: tensor<16xi64>, %l3: tensor<2x8x256xbf16>, %y3: tensor<2x8xi32>) -> (tensor<f32>, tensor<bf16>) {
  %loss = ds.cross_entropy %logits, %labels ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>) -> tensor<f32>
  %loss3 = ds.cross_entropy %l3, %y3 ignore_index = 0 : (tensor<2x8x256xbf16>, tensor<2x8xi32>) -> tensor<bf16>
  return %loss, %loss3 : tensor<f32>, tensor<bf16>
}

// CHECK-LABEL: func.func @reshape_transpose(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x64xf32>) -> tensor<2x4x8x16xf32>
// CHECK-NEXT:    %[[HEADS:.*]] = ds.reshape %[[X]] : (tensor<2x8x64xf32>) -> tensor<2x8x4x16xf32>
// CHECK-NEXT:    %[[T:.*]] = ds.transpose %[[HEADS]] permutation = [0, 2, 1, 3] : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK-NEXT:    return %[[T]] : tensor<2x4x8x16xf32>
func.func @reshape_transpose(%x: tensor<2x8x64xf32>) -> tensor<2x4x8x16xf32> {
  %heads = ds.reshape %x : (tensor<2x8x64xf32>) -> tensor<2x8x4x16xf32>
  %t = ds.transpose %heads permutation = [0, 2, 1, 3] : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  return %t : tensor<2x4x8x16xf32>
}

// CHECK-LABEL: func.func @slice(
// CHECK-SAME:      %[[M:.*]]: tensor<64x64xf32>) -> (tensor<8x8xf32>, tensor<32x21xf32>)
// CHECK-NEXT:    %[[CORNER:.*]] = ds.slice %[[M]] starts = [0, 0] limits = [8, 8] strides = [1, 1] : (tensor<64x64xf32>) -> tensor<8x8xf32>
// CHECK-NEXT:    %[[STRIDED:.*]] = ds.slice %[[M]] starts = [1, 0] limits = [64, 63] strides = [2, 3] : (tensor<64x64xf32>) -> tensor<32x21xf32>
// CHECK-NEXT:    return %[[CORNER]], %[[STRIDED]] : tensor<8x8xf32>, tensor<32x21xf32>
func.func @slice(%m: tensor<64x64xf32>) -> (tensor<8x8xf32>, tensor<32x21xf32>) {
  %corner = ds.slice %m starts = [0, 0] limits = [8, 8] strides = [1, 1] : (tensor<64x64xf32>) -> tensor<8x8xf32>
  %strided = ds.slice %m starts = [1, 0] limits = [64, 63] strides = [2, 3] : (tensor<64x64xf32>) -> tensor<32x21xf32>
  return %corner, %strided : tensor<8x8xf32>, tensor<32x21xf32>
}

// CHECK-LABEL: func.func @concat(
// CHECK-SAME:      %[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x5xf32>) -> (tensor<2x8xf32>, tensor<2x3xf32>)
// CHECK-NEXT:    %[[AB:.*]] = ds.concat %[[A]], %[[B]] dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[SINGLE:.*]] = ds.concat %[[A]] dim = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    return %[[AB]], %[[SINGLE]] : tensor<2x8xf32>, tensor<2x3xf32>
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> (tensor<2x8xf32>, tensor<2x3xf32>) {
  %ab = ds.concat %a, %b dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %single = ds.concat %a dim = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %ab, %single : tensor<2x8xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @split(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x64xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x32xf32>, tensor<2x8x64xf32>)
// CHECK-NEXT:    %[[PARTS:.*]]:3 = ds.split %[[X]] dim = 2 sizes = [16, 16, 32] : (tensor<2x8x64xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x32xf32>)
// CHECK-NEXT:    %[[WHOLE:.*]] = ds.split %[[X]] dim = 0 sizes = [2] : (tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    return %[[PARTS]]#1, %[[PARTS]]#2, %[[WHOLE]] : tensor<2x8x16xf32>, tensor<2x8x32xf32>, tensor<2x8x64xf32>
func.func @split(%x: tensor<2x8x64xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x32xf32>, tensor<2x8x64xf32>) {
  %parts:3 = ds.split %x dim = 2 sizes = [16, 16, 32] : (tensor<2x8x64xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8x32xf32>)
  %whole = ds.split %x dim = 0 sizes = [2] : (tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  return %parts#1, %parts#2, %whole : tensor<2x8x16xf32>, tensor<2x8x32xf32>, tensor<2x8x64xf32>
}

// CHECK-LABEL: func.func @broadcast(
// CHECK-SAME:      %[[V:.*]]: tensor<64xf32>, %[[M:.*]]: tensor<1x8xi1>) -> (tensor<2x8x64xf32>, tensor<2x8x8xi1>)
// CHECK-NEXT:    %[[B:.*]] = ds.broadcast %[[V]] : (tensor<64xf32>) -> tensor<2x8x64xf32>
// CHECK-NEXT:    %[[MASK:.*]] = ds.broadcast %[[M]] : (tensor<1x8xi1>) -> tensor<2x8x8xi1>
// CHECK-NEXT:    return %[[B]], %[[MASK]] : tensor<2x8x64xf32>, tensor<2x8x8xi1>
func.func @broadcast(%v: tensor<64xf32>, %m: tensor<1x8xi1>) -> (tensor<2x8x64xf32>, tensor<2x8x8xi1>) {
  %b = ds.broadcast %v : (tensor<64xf32>) -> tensor<2x8x64xf32>
  %mask = ds.broadcast %m : (tensor<1x8xi1>) -> tensor<2x8x8xi1>
  return %b, %mask : tensor<2x8x64xf32>, tensor<2x8x8xi1>
}

// CHECK-LABEL: func.func @dropout_mask(
// CHECK-NEXT:    ds.dropout_mask %{{.*}} p = 1.000000e-01 stream = 2 seed = 7 : (tensor<i64>) -> tensor<2x8x64xi1>
func.func @dropout_mask(%step: tensor<i64>) -> tensor<2x8x64xi1> {
  %keep = ds.dropout_mask %step p = 0.1 stream = 2 seed = 7 : (tensor<i64>) -> tensor<2x8x64xi1>
  return %keep : tensor<2x8x64xi1>
}

// CHECK-LABEL: func.func @uniform(
// CHECK-NEXT:    ds.uniform %{{.*}} stream = 3 seed = 7 : (tensor<i64>) -> tensor<2x1x1xf32>
// CHECK-NEXT:    ds.uniform %{{.*}} stream = 4 seed = 0 : (tensor<i64>) -> tensor<8xbf16>
func.func @uniform(%step: tensor<i64>) -> (tensor<2x1x1xf32>, tensor<8xbf16>) {
  %u = ds.uniform %step stream = 3 seed = 7 : (tensor<i64>) -> tensor<2x1x1xf32>
  %h = ds.uniform %step stream = 4 seed = 0 : (tensor<i64>) -> tensor<8xbf16>
  return %u, %h : tensor<2x1x1xf32>, tensor<8xbf16>
}

// CHECK-LABEL: func.func @iota(
// CHECK-SAME:      ) -> (tensor<8xi64>, tensor<4x8xf32>)
// CHECK-NEXT:    %[[POS:.*]] = ds.iota dim = 0 : tensor<8xi64>
// CHECK-NEXT:    %[[COLS:.*]] = ds.iota dim = 1 : tensor<4x8xf32>
// CHECK-NEXT:    return %[[POS]], %[[COLS]] : tensor<8xi64>, tensor<4x8xf32>
func.func @iota() -> (tensor<8xi64>, tensor<4x8xf32>) {
  %pos = ds.iota dim = 0 : tensor<8xi64>
  %cols = ds.iota dim = 1 : tensor<4x8xf32>
  return %pos, %cols : tensor<8xi64>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @convert(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8xbf16>, %[[I:.*]]: tensor<8xi64>) -> (tensor<2x8xf32>, tensor<8xf32>)
// CHECK-NEXT:    %[[F:.*]] = ds.convert %[[X]] : (tensor<2x8xbf16>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[G:.*]] = ds.convert %[[I]] : (tensor<8xi64>) -> tensor<8xf32>
// CHECK-NEXT:    return %[[F]], %[[G]] : tensor<2x8xf32>, tensor<8xf32>
func.func @convert(%x: tensor<2x8xbf16>, %i: tensor<8xi64>) -> (tensor<2x8xf32>, tensor<8xf32>) {
  %f = ds.convert %x : (tensor<2x8xbf16>) -> tensor<2x8xf32>
  %g = ds.convert %i : (tensor<8xi64>) -> tensor<8xf32>
  return %f, %g : tensor<2x8xf32>, tensor<8xf32>
}

// CHECK-LABEL: func.func @stop_gradient(
// CHECK-NEXT:    %[[Y:.*]] = ds.stop_gradient %arg0 : tensor<2x8xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @stop_gradient(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = ds.stop_gradient %x : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @constant(
// CHECK-SAME:      ) -> (tensor<2x8xf32>, tensor<2x2xi64>, tensor<3xi32>, tensor<2xbf16>, tensor<4x4xi1>, tensor<f32>)
// CHECK-NEXT:    %[[SPLATF:.*]] = ds.constant dense<0.000000e+00> : tensor<2x8xf32>
// CHECK-NEXT:    %[[DENSEI:.*]] = ds.constant dense<{{\[\[}}1, 0], [1, 1{{\]\]}}> : tensor<2x2xi64>
// CHECK-NEXT:    %[[SPLATI:.*]] = ds.constant dense<7> : tensor<3xi32>
// CHECK-NEXT:    %[[DENSEF:.*]] = ds.constant dense<[1.500000e+00, -2.000000e+00]> : tensor<2xbf16>
// CHECK-NEXT:    %[[BOOLS:.*]] = ds.constant dense<true> : tensor<4x4xi1>
// CHECK-NEXT:    %[[SCALAR:.*]] = ds.constant dense<3.000000e+00> : tensor<f32>
// CHECK-NEXT:    return %[[SPLATF]], %[[DENSEI]], %[[SPLATI]], %[[DENSEF]], %[[BOOLS]], %[[SCALAR]] : tensor<2x8xf32>, tensor<2x2xi64>, tensor<3xi32>, tensor<2xbf16>, tensor<4x4xi1>, tensor<f32>
func.func @constant() -> (tensor<2x8xf32>, tensor<2x2xi64>, tensor<3xi32>, tensor<2xbf16>, tensor<4x4xi1>, tensor<f32>) {
  %splatf = ds.constant dense<0.000000e+00> : tensor<2x8xf32>
  %densei = ds.constant dense<[[1, 0], [1, 1]]> : tensor<2x2xi64>
  %splati = ds.constant dense<7> : tensor<3xi32>
  %densef = ds.constant dense<[1.500000e+00, -2.000000e+00]> : tensor<2xbf16>
  %bools = ds.constant dense<true> : tensor<4x4xi1>
  %scalar = ds.constant dense<3.000000e+00> : tensor<f32>
  return %splatf, %densei, %splati, %densef, %bools, %scalar : tensor<2x8xf32>, tensor<2x2xi64>, tensor<3xi32>, tensor<2xbf16>, tensor<4x4xi1>, tensor<f32>
}

// CHECK-LABEL: func.func @all_to_all(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x4x16xf32>) -> (tensor<2x2x16x16xf32>, tensor<2x8x4x16xf32>, tensor<2x2x16x16xf32>)
// CHECK-NEXT:    %[[HEADS:.*]] = ds.all_to_all %[[X]] on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<2x8x4x16xf32>) -> tensor<2x2x16x16xf32>
// CHECK-NEXT:    %[[SAME:.*]] = ds.all_to_all %[[X]] on @mesh ["dp", "sp"] split_dim = 1 concat_dim = 1 : (tensor<2x8x4x16xf32>) -> tensor<2x8x4x16xf32>
// CHECK-NEXT:    %[[REAL:.*]] = ds.all_to_all %[[X]] on @mesh ["sp"] split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1] : (tensor<2x8x4x16xf32>) -> tensor<2x2x16x16xf32>
// CHECK-NEXT:    return %[[HEADS]], %[[SAME]], %[[REAL]] : tensor<2x2x16x16xf32>, tensor<2x8x4x16xf32>, tensor<2x2x16x16xf32>
func.func @all_to_all(%x: tensor<2x8x4x16xf32>) -> (tensor<2x2x16x16xf32>, tensor<2x8x4x16xf32>, tensor<2x2x16x16xf32>) {
  %heads = ds.all_to_all %x on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<2x8x4x16xf32>) -> tensor<2x2x16x16xf32>
  %same = ds.all_to_all %x on @mesh ["dp", "sp"] split_dim = 1 concat_dim = 1 : (tensor<2x8x4x16xf32>) -> tensor<2x8x4x16xf32>
  %real = ds.all_to_all %x on @mesh ["sp"] split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1] : (tensor<2x8x4x16xf32>) -> tensor<2x2x16x16xf32>
  return %heads, %same, %real : tensor<2x2x16x16xf32>, tensor<2x8x4x16xf32>, tensor<2x2x16x16xf32>
}

// CHECK-LABEL: func.func @all_gather(
// CHECK-SAME:      %[[W:.*]]: tensor<32x64xf32>) -> (tensor<64x64xf32>, tensor<32x512xf32>)
// CHECK-NEXT:    %[[DP:.*]] = ds.all_gather %[[W]] on @mesh ["dp"] dim = 0 : (tensor<32x64xf32>) -> tensor<64x64xf32>
// CHECK-NEXT:    %[[BOTH:.*]] = ds.all_gather %[[W]] on @mesh ["sp", "dp"] dim = 1 : (tensor<32x64xf32>) -> tensor<32x512xf32>
// CHECK-NEXT:    return %[[DP]], %[[BOTH]] : tensor<64x64xf32>, tensor<32x512xf32>
func.func @all_gather(%w: tensor<32x64xf32>) -> (tensor<64x64xf32>, tensor<32x512xf32>) {
  %dp = ds.all_gather %w on @mesh ["dp"] dim = 0 : (tensor<32x64xf32>) -> tensor<64x64xf32>
  %both = ds.all_gather %w on @mesh ["sp", "dp"] dim = 1 : (tensor<32x64xf32>) -> tensor<32x512xf32>
  return %dp, %both : tensor<64x64xf32>, tensor<32x512xf32>
}

// CHECK-LABEL: func.func @reduce_scatter(
// CHECK-SAME:      %[[G:.*]]: tensor<64x64xf32>) -> (tensor<32x64xf32>, tensor<64x16xf32>, tensor<8x64xf32>)
// CHECK-NEXT:    %[[SUM:.*]] = ds.reduce_scatter %[[G]] on @mesh ["dp"] dim = 0 reduction = sum : (tensor<64x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT:    %[[MAX:.*]] = ds.reduce_scatter %[[G]] on @mesh ["sp"] dim = 1 reduction = max : (tensor<64x64xf32>) -> tensor<64x16xf32>
// CHECK-NEXT:    %[[MEAN:.*]] = ds.reduce_scatter %[[G]] on @mesh ["dp", "sp"] dim = 0 reduction = mean : (tensor<64x64xf32>) -> tensor<8x64xf32>
// CHECK-NEXT:    return %[[SUM]], %[[MAX]], %[[MEAN]] : tensor<32x64xf32>, tensor<64x16xf32>, tensor<8x64xf32>
func.func @reduce_scatter(%g: tensor<64x64xf32>) -> (tensor<32x64xf32>, tensor<64x16xf32>, tensor<8x64xf32>) {
  %sum = ds.reduce_scatter %g on @mesh ["dp"] dim = 0 reduction = sum : (tensor<64x64xf32>) -> tensor<32x64xf32>
  %max = ds.reduce_scatter %g on @mesh ["sp"] dim = 1 reduction = max : (tensor<64x64xf32>) -> tensor<64x16xf32>
  %mean = ds.reduce_scatter %g on @mesh ["dp", "sp"] dim = 0 reduction = mean : (tensor<64x64xf32>) -> tensor<8x64xf32>
  return %sum, %max, %mean : tensor<32x64xf32>, tensor<64x16xf32>, tensor<8x64xf32>
}

// CHECK-LABEL: func.func @all_reduce(
// CHECK-SAME:      %[[L:.*]]: tensor<f32>, %[[G:.*]]: tensor<64x64xf32>, %[[N:.*]]: tensor<4xi32>) -> (tensor<f32>, tensor<64x64xf32>, tensor<4xi32>)
// CHECK-NEXT:    %[[MEAN:.*]] = ds.all_reduce %[[L]] on @mesh ["dp", "sp"] reduction = mean : tensor<f32>
// CHECK-NEXT:    %[[SUM:.*]] = ds.all_reduce %[[G]] on @mesh ["dp"] reduction = sum : tensor<64x64xf32>
// CHECK-NEXT:    %[[MAX:.*]] = ds.all_reduce %[[N]] on @mesh ["sp"] reduction = max : tensor<4xi32>
// CHECK-NEXT:    return %[[MEAN]], %[[SUM]], %[[MAX]] : tensor<f32>, tensor<64x64xf32>, tensor<4xi32>
func.func @all_reduce(%l: tensor<f32>, %g: tensor<64x64xf32>, %n: tensor<4xi32>) -> (tensor<f32>, tensor<64x64xf32>, tensor<4xi32>) {
  %mean = ds.all_reduce %l on @mesh ["dp", "sp"] reduction = mean : tensor<f32>
  %sum = ds.all_reduce %g on @mesh ["dp"] reduction = sum : tensor<64x64xf32>
  %max = ds.all_reduce %n on @mesh ["sp"] reduction = max : tensor<4xi32>
  return %mean, %sum, %max : tensor<f32>, tensor<64x64xf32>, tensor<4xi32>
}

// CHECK-LABEL: func.func @sharding(
// CHECK-SAME:      %[[X:.*]]: tensor<8x1024x512xf32> {ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"sp"}, {}]>}, %[[Y:.*]]: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"dp", "sp"}, {}]>}, %[[Z:.*]]: tensor<f32> {ds.sharding = #ds.sharding<@mesh, []>}) -> (tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>})
// CHECK-NEXT:    return %[[Y]] : tensor<8x16xf32>
func.func @sharding(%x: tensor<8x1024x512xf32> {ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"sp"}, {}]>}, %y: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"dp", "sp"}, {}]>}, %z: tensor<f32> {ds.sharding = #ds.sharding<@mesh, []>}) -> (tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>}) {
  return %y : tensor<8x16xf32>
}

// Pieces, partial axes, and the reshard that -ds-propagate-sharding writes.
// CHECK-LABEL: func.func @reshard(
// CHECK-NEXT:    %[[Q:.*]] = ds.reshard %{{.*}} to <@mesh, [{}, {4:"sp", 16}, {}]> : tensor<2x64x8xf32>
// CHECK-NEXT:    %[[P:.*]] = ds.neg %[[Q]] {ds.shardings = [#ds.sharding<@mesh, [{}, {4:"sp", 16}, {}], partial = {"dp": sum}>]} : tensor<2x64x8xf32>
// CHECK-NEXT:    ds.reshard %[[P]] to <@mesh, [{"dp"}, {}, {}]> : tensor<2x64x8xf32>
func.func @reshard(%x: tensor<2x64x8xf32>) -> tensor<2x64x8xf32> {
  %q = ds.reshard %x to <@mesh, [{}, {4:"sp", 16}, {}]> : tensor<2x64x8xf32>
  %p = ds.neg %q {ds.shardings = [#ds.sharding<@mesh, [{}, {4:"sp", 16}, {}], partial = {"dp": sum}>]} : tensor<2x64x8xf32>
  %r = ds.reshard %p to <@mesh, [{"dp"}, {}, {}]> : tensor<2x64x8xf32>
  return %r : tensor<2x64x8xf32>
}


//===----------------------------------------------------------------------===//
// Backward and optimizer ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention_grad(
// CHECK-SAME:      %[[Q:.*]]: tensor<2x8x16x32xf32>, %[[K:.*]]: tensor<2x2x16x32xf32>, %[[V:.*]]: tensor<2x2x16x64xf32>, %[[O:.*]]: tensor<2x8x16x64xf32>, %[[DO:.*]]: tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
// CHECK-NEXT:    %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = ds.attention_grad %[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]] causal scale = 2.500000e-01 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
// CHECK-NEXT:    %[[FDQ:.*]], %[[FDK:.*]], %[[FDV:.*]] = ds.attention_grad %[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]] scale = 1.000000e+00 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
// CHECK-NEXT:    return %[[DQ]], %[[FDK]], %[[DV]] : tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>
func.func @attention_grad(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>) {
  %causal:3 = ds.attention_grad %q, %k, %v, %o, %do causal scale = 0.25 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
  %full:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>)
  return %causal#0, %full#1, %causal#2 : tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>
}

// CHECK-LABEL: func.func @norm_grads(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[DY:.*]]: tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2x8x64xf32>, tensor<64xf32>)
// CHECK-NEXT:    %[[LDX:.*]], %[[LDW:.*]], %[[LDB:.*]] = ds.layer_norm_grad %[[X]], %[[W]], %[[DY]] epsilon = 1.000000e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
// CHECK-NEXT:    %[[RDX:.*]], %[[RDW:.*]] = ds.rms_norm_grad %[[X]], %[[W]], %[[DY]] epsilon = 9.9999999999999995E-7 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
// CHECK-NEXT:    return %[[LDX]], %[[LDW]], %[[LDB]], %[[RDX]], %[[RDW]] : tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2x8x64xf32>, tensor<64xf32>
func.func @norm_grads(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2x8x64xf32>, tensor<64xf32>) {
  %ln:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  %rms:2 = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-06 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
  return %ln#0, %ln#1, %ln#2, %rms#0, %rms#1 : tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<2x8x64xf32>, tensor<64xf32>
}

// CHECK-LABEL: func.func @activation_grads(
// CHECK-SAME:      %[[X:.*]]: tensor<2x8x256xf32>, %[[DY:.*]]: tensor<2x8x256xf32>) -> tensor<2x8x256xf32>
// CHECK-NEXT:    %[[SILU:.*]] = ds.silu_grad %[[X]], %[[DY]] : tensor<2x8x256xf32>
// CHECK-NEXT:    %[[ERF:.*]] = ds.gelu_grad %[[X]], %[[SILU]] approximate = none : tensor<2x8x256xf32>
// CHECK-NEXT:    %[[TANH:.*]] = ds.gelu_grad %[[X]], %[[ERF]] approximate = tanh : tensor<2x8x256xf32>
// CHECK-NEXT:    return %[[TANH]] : tensor<2x8x256xf32>
func.func @activation_grads(%x: tensor<2x8x256xf32>, %dy: tensor<2x8x256xf32>) -> tensor<2x8x256xf32> {
  %silu = ds.silu_grad %x, %dy : tensor<2x8x256xf32>
  %erf = ds.gelu_grad %x, %silu approximate = none : tensor<2x8x256xf32>
  %tanh = ds.gelu_grad %x, %erf approximate = tanh : tensor<2x8x256xf32>
  return %tanh : tensor<2x8x256xf32>
}

// CHECK-LABEL: func.func @softmax_grads(
// CHECK-SAME:      %[[Y:.*]]: tensor<2x4x8x8xf32>, %[[DY:.*]]: tensor<2x4x8x8xf32>) -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>)
// CHECK-NEXT:    %[[SM:.*]] = ds.softmax_grad %[[Y]], %[[DY]] dim = 3 : tensor<2x4x8x8xf32>
// CHECK-NEXT:    %[[LSM:.*]] = ds.log_softmax_grad %[[Y]], %[[DY]] dim = 1 : tensor<2x4x8x8xf32>
// CHECK-NEXT:    return %[[SM]], %[[LSM]] : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>
func.func @softmax_grads(%y: tensor<2x4x8x8xf32>, %dy: tensor<2x4x8x8xf32>) -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) {
  %sm = ds.softmax_grad %y, %dy dim = 3 : tensor<2x4x8x8xf32>
  %lsm = ds.log_softmax_grad %y, %dy dim = 1 : tensor<2x4x8x8xf32>
  return %sm, %lsm : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>
}

// CHECK-LABEL: func.func @cross_entropy_grad(
// CHECK-SAME:      %[[LOGITS:.*]]: tensor<16x256xf32>, %[[LABELS:.*]]: tensor<16xi64>, %[[DLOSS:.*]]: tensor<f32>) -> tensor<16x256xf32>
// CHECK-NEXT:    %[[DL:.*]] = ds.cross_entropy_grad %[[LOGITS]], %[[LABELS]], %[[DLOSS]] ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<f32>) -> tensor<16x256xf32>
// CHECK-NEXT:    return %[[DL]] : tensor<16x256xf32>
func.func @cross_entropy_grad(%logits: tensor<16x256xf32>, %labels: tensor<16xi64>, %dloss: tensor<f32>) -> tensor<16x256xf32> {
  %dl = ds.cross_entropy_grad %logits, %labels, %dloss ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<f32>) -> tensor<16x256xf32>
  return %dl : tensor<16x256xf32>
}

// CHECK-LABEL: func.func @embedding_grad(
// CHECK-SAME:      %[[TOKENS:.*]]: tensor<2x8xi64>, %[[DY:.*]]: tensor<2x8x64xf32>) -> (tensor<256x64xf32>, tensor<256x64xf32>)
// CHECK-NEXT:    %[[DW:.*]] = ds.embedding_grad %[[TOKENS]], %[[DY]] : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x64xf32>
// CHECK-NEXT:    %[[DWP:.*]] = ds.embedding_grad %[[TOKENS]], %[[DY]] padding_idx = 255 : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x64xf32>
// CHECK-NEXT:    return %[[DW]], %[[DWP]] : tensor<256x64xf32>, tensor<256x64xf32>
func.func @embedding_grad(%tokens: tensor<2x8xi64>, %dy: tensor<2x8x64xf32>) -> (tensor<256x64xf32>, tensor<256x64xf32>) {
  %dw = ds.embedding_grad %tokens, %dy : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x64xf32>
  %dwp = ds.embedding_grad %tokens, %dy padding_idx = 255 : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x64xf32>
  return %dw, %dwp : tensor<256x64xf32>, tensor<256x64xf32>
}

// The strided pad is the gradient of the strided slice in @slice.
// CHECK-LABEL: func.func @pad(
// CHECK-SAME:      %[[X:.*]]: tensor<8x8xf32>, %[[S:.*]]: tensor<32x21xi32>) -> (tensor<8x16xf32>, tensor<64x64xi32>)
// CHECK-NEXT:    %[[SHIFTED:.*]] = ds.pad %[[X]] low = [0, 2] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x16xf32>
// CHECK-NEXT:    %[[STRIDED:.*]] = ds.pad %[[S]] low = [1, 0] strides = [2, 3] : (tensor<32x21xi32>) -> tensor<64x64xi32>
// CHECK-NEXT:    return %[[SHIFTED]], %[[STRIDED]] : tensor<8x16xf32>, tensor<64x64xi32>
func.func @pad(%x: tensor<8x8xf32>, %s: tensor<32x21xi32>) -> (tensor<8x16xf32>, tensor<64x64xi32>) {
  %shifted = ds.pad %x low = [0, 2] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x16xf32>
  %strided = ds.pad %s low = [1, 0] strides = [2, 3] : (tensor<32x21xi32>) -> tensor<64x64xi32>
  return %shifted, %strided : tensor<8x16xf32>, tensor<64x64xi32>
}

// CHECK-LABEL: func.func @adamw_update(
// CHECK-SAME:      %[[P:.*]]: tensor<64xf32>, %[[G:.*]]: tensor<64xf32>, %[[M:.*]]: tensor<64xf32>, %[[V:.*]]: tensor<64xf32>, %[[T:.*]]: tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
// CHECK-NEXT:    %[[P1:.*]], %[[M1:.*]], %[[V1:.*]] = ds.adamw_update %[[P]], %[[G]], %[[M]], %[[V]], %[[T]] lr = 1.000000e-03 beta1 = 9.000000e-01 beta2 = 0.99899999999999999 eps = 1.000000e-08 weight_decay = 1.000000e-02 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
// CHECK-NEXT:    return %[[P1]], %[[M1]], %[[V1]] : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
func.func @adamw_update(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>, %t: tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %new:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return %new#0, %new#1, %new#2 : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
}

// CHECK-LABEL: func.func @sgd_update(
// CHECK-SAME:      %[[P:.*]]: tensor<64x32xbf16>, %[[G:.*]]: tensor<64x32xbf16>, %[[B:.*]]: tensor<64x32xbf16>) -> (tensor<64x32xbf16>, tensor<64x32xbf16>)
// CHECK-NEXT:    %[[P1:.*]], %[[B1:.*]] = ds.sgd_update %[[P]], %[[G]], %[[B]] lr = 1.000000e-01 momentum = 9.000000e-01 weight_decay = 0.000000e+00 : (tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x32xbf16>) -> (tensor<64x32xbf16>, tensor<64x32xbf16>)
// CHECK-NEXT:    %[[P2:.*]], %[[B2:.*]] = ds.sgd_update %[[P1]], %[[G]], %[[B1]] lr = 1.000000e-01 momentum = 9.000000e-01 weight_decay = 0.000000e+00 fused beside 3 : (tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x32xbf16>) -> (tensor<64x32xbf16>, tensor<64x32xbf16>)
// CHECK-NEXT:    return %[[P2]], %[[B2]] : tensor<64x32xbf16>, tensor<64x32xbf16>
func.func @sgd_update(%p: tensor<64x32xbf16>, %g: tensor<64x32xbf16>, %b: tensor<64x32xbf16>) -> (tensor<64x32xbf16>, tensor<64x32xbf16>) {
  %new:2 = ds.sgd_update %p, %g, %b lr = 0.1 momentum = 0.9 weight_decay = 0.0 : (tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x32xbf16>) -> (tensor<64x32xbf16>, tensor<64x32xbf16>)
  %beside:2 = ds.sgd_update %new#0, %g, %new#1 lr = 0.1 momentum = 0.9 weight_decay = 0.0 fused beside 3 : (tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x32xbf16>) -> (tensor<64x32xbf16>, tensor<64x32xbf16>)
  return %beside#0, %beside#1 : tensor<64x32xbf16>, tensor<64x32xbf16>
}

// CHECK-LABEL: func.func @recompute(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<8x8xf32>)
// CHECK-NEXT:    %[[R:.*]]:2 = ds.recompute block = 3 (%[[X]], %[[W]]) : (tensor<4x8xf32>, tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8x8xf32>):
// CHECK-NEXT:      %[[M:.*]] = ds.matmul %[[A]], %[[B]]
// CHECK-NEXT:      %[[G:.*]] = ds.gelu %[[M]] approximate = none
// CHECK-NEXT:      ds.yield %[[M]], %[[G]] : tensor<4x8xf32>, tensor<4x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]]#1
func.func @recompute(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %r:2 = ds.recompute block = 3 (%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  ^bb0(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>):
    %m = ds.matmul %a, %b : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %g = ds.gelu %m approximate = none : tensor<4x8xf32>
    ds.yield %m, %g : tensor<4x8xf32>, tensor<4x8xf32>
  }
  return %r#1 : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @cumsum(
// CHECK-NEXT:    %[[P:.*]] = ds.cumsum %{{.*}} dim = 1 : tensor<2x16xi64>
// CHECK-NEXT:    ds.cumsum %{{.*}} dim = 0 {reverse = true} : tensor<2x16xf32>
func.func @cumsum(%m: tensor<2x16xi64>, %x: tensor<2x16xf32>) -> (tensor<2x16xi64>, tensor<2x16xf32>) {
  %p = ds.cumsum %m dim = 1 : tensor<2x16xi64>
  %r = ds.cumsum %x dim = 0 {reverse = true} : tensor<2x16xf32>
  return %p, %r : tensor<2x16xi64>, tensor<2x16xf32>
}
