// RUN: ds-opt %s -split-input-file -ds-autodiff=optimizer=sgd \
// RUN:   -ds-decompose-mean-loss -ds-pad-attention-heads=sp=2 \
// RUN:   -ds-pad-sequence=sp=2 -ds-propagate-sharding=sp=2 | FileCheck %s
// RUN: ds-opt %s -split-input-file -ds-autodiff=optimizer=sgd \
// RUN:   -ds-decompose-mean-loss -ds-pad-attention-heads=sp=2 \
// RUN:   -ds-pad-sequence='dp=2 sp=2' -ds-propagate-sharding='dp=2 sp=2' \
// RUN:   | FileCheck %s --check-prefix=DPSP
// RUN: ds-opt %s -split-input-file -ds-autodiff=optimizer=sgd -ds-shard=sp=2 \
// RUN:   | FileCheck %s --check-prefix=LOCAL

// -ds-propagate-sharding writes its decisions into the IR, types still
// global: a #ds.sharding per result of every op with a split operand
// (ds.shardings), and ds.reshard where a value changes how it is split.

// Grouped-query attention (4 query heads, 2 kv heads) over sp = 2: the
// sequence split moves onto the heads for the attention (Ulysses) and back.
// CHECK-LABEL: ds.mesh @mesh ["sp" = 2]
// CHECK: func.func @train_step
// CHECK-SAME: %[[TOK:[a-z0-9]+]]: tensor<2x8xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>}
// CHECK: ds.embedding %{{.*}}, %[[TOK]] {ds.shardings = [#ds.sharding<@mesh, [{}, {"sp"}, {}]>]}
// CHECK: %[[QT:.*]] = ds.transpose %{{.*}} {ds.shardings = [#ds.sharding<@mesh, [{}, {}, {"sp"}, {}]>]} : (tensor<2x8x4x4xf32>)
// CHECK: %[[Q:.*]] = ds.reshard %[[QT]] to <@mesh, [{}, {2:"sp", 2}, {}, {}]> : tensor<2x4x8x4xf32>
// CHECK: %[[K:.*]] = ds.reshard %{{.*}} to <@mesh, [{}, {"sp"}, {}, {}]> : tensor<2x2x8x4xf32>
// CHECK: %[[V:.*]] = ds.reshard %{{.*}} to <@mesh, [{}, {"sp"}, {}, {}]> : tensor<2x2x8x4xf32>
// CHECK: %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] causal {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {2:"sp", 2}, {}, {}]>]}
// CHECK: %[[BACK:.*]] = ds.reshard %[[O]] to <@mesh, [{}, {}, {"sp"}, {}]>
// CHECK: ds.transpose %[[BACK]]
// The flattened tokens: [B * S] with S split is the piece 8 of 2 x 8.
// CHECK: ds.reshape %{{.*}} {ds.shardings = [#ds.sharding<@mesh, [{2, 8:"sp"}, {}]>]} : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
// The summed loss and its token count are partial over sp, then completed.
// CHECK: %[[COUNT:.*]] = ds.sum {{.*}}{ds.shardings = [#ds.sharding<@mesh, [], partial = {"sp": sum}>]}
// CHECK-NEXT: ds.reshard %[[COUNT]] to <@mesh, []> : tensor<f32>
// CHECK: %[[LOSS:.*]] = ds.cross_entropy {{.*}} sum {ds.shardings = [#ds.sharding<@mesh, [], partial = {"sp": sum}>]}
// CHECK-NEXT: ds.reshard %[[LOSS]] to <@mesh, []> : tensor<f32>
// The backward reuses the attention's operands and output in the head
// split, and a replicated weight's gradient is a partial sum.
// CHECK: ds.attention_grad %[[Q]], %[[K]], %[[V]], %[[O]], {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {2:"sp", 2}, {}, {}]>, #ds.sharding<@mesh, [{}, {"sp"}, {}, {}]>, #ds.sharding<@mesh, [{}, {"sp"}, {}, {}]>]}
// CHECK: %[[GW:.*]] = ds.matmul {{.*}} transpose_lhs {ds.shardings = [#ds.sharding<@mesh, [{}, {}], partial = {"sp": sum}>]}
// CHECK-NEXT: ds.reshard %[[GW]] to <@mesh, [{}, {}]> : tensor<8x16xf32>

// With dp = 2 as well, the batch is split over dp and the partial results
// are partial over both axes.
// DPSP-LABEL: ds.mesh @mesh ["dp" = 2, "sp" = 2]
// DPSP: tensor<2x8xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"sp"}]>}
// DPSP: ds.reshard %{{.*}} to <@mesh, [{"dp"}, {2:"sp", 2}, {}, {}]> : tensor<2x4x8x4xf32>
// DPSP: ds.cross_entropy {{.*}}{ds.shardings = [#ds.sharding<@mesh, [], partial = {"dp": sum, "sp": sum}>]}

// -ds-partition consumes the decisions: local types and collectives.
// LOCAL-LABEL: func.func @train_step
// LOCAL-SAME: tensor<2x4xi64> {ds.name = "tokens"
// LOCAL-NOT: ds.reshard
// LOCAL-NOT: ds.shardings
// LOCAL: ds.all_to_all
// LOCAL-NOT: ds.reshard
// LOCAL-NOT: ds.shardings
// LOCAL: return
func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %wq: tensor<16x16xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<8x16xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<8x16xf32> {ds.name = "wv", ds.trainable},
                   %tokens: tensor<2x8xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  %q0 = ds.linear %x, %wq : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %k0 = ds.linear %x, %wk : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x8xf32>
  %v0 = ds.linear %x, %wv : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x8xf32>
  %q1 = ds.reshape %q0 : (tensor<2x8x16xf32>) -> tensor<2x8x4x4xf32>
  %k1 = ds.reshape %k0 : (tensor<2x8x8xf32>) -> tensor<2x8x2x4xf32>
  %v1 = ds.reshape %v0 : (tensor<2x8x8xf32>) -> tensor<2x8x2x4xf32>
  %q = ds.transpose %q1 permutation = [0, 2, 1, 3] : (tensor<2x8x4x4xf32>) -> tensor<2x4x8x4xf32>
  %k = ds.transpose %k1 permutation = [0, 2, 1, 3] : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  %v = ds.transpose %v1 permutation = [0, 2, 1, 3] : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  %o = ds.attention %q, %k, %v causal scale = 5.000000e-01 : (tensor<2x4x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>) -> tensor<2x4x8x4xf32>
  %o1 = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<2x4x8x4xf32>) -> tensor<2x8x4x4xf32>
  %o2 = ds.reshape %o1 : (tensor<2x8x4x4xf32>) -> tensor<2x8x16xf32>
  %logits = ds.linear %o2, %wte : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %flat = ds.reshape %logits : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Three heads over sp = 2: -ds-pad-attention-heads pads them with a zero
// head to four, which the head split then divides.
// CHECK-LABEL: ds.mesh @mesh ["sp" = 2]
// CHECK: ds.pad {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {}, {"sp"}, {}]>]} : (tensor<2x3x8x4xf32>) -> tensor<2x4x8x4xf32>
// CHECK: %[[Q:.*]] = ds.reshard %{{.*}} to <@mesh, [{}, {"sp"}, {}, {}]> : tensor<2x4x8x4xf32>
// CHECK: %[[O:.*]] = ds.attention %[[Q]], {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {"sp"}, {}, {}]>]}
// CHECK: %[[BACK:.*]] = ds.reshard %[[O]] to <@mesh, [{}, {}, {"sp"}, {}]>
// CHECK: ds.slice %[[BACK]] {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {}, {"sp"}, {}]>]} : (tensor<2x4x8x4xf32>) -> tensor<2x3x8x4xf32>

func.func @forward(%wte: tensor<16x12xf32> {ds.name = "wte", ds.trainable},
                   %wq: tensor<12x12xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<12x12xf32> {ds.name = "wk", ds.trainable},
                   %tokens: tensor<2x8xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x12xf32>, tensor<2x8xi64>) -> tensor<2x8x12xf32>
  %q0 = ds.linear %x, %wq : (tensor<2x8x12xf32>, tensor<12x12xf32>) -> tensor<2x8x12xf32>
  %k0 = ds.linear %x, %wk : (tensor<2x8x12xf32>, tensor<12x12xf32>) -> tensor<2x8x12xf32>
  %q1 = ds.reshape %q0 : (tensor<2x8x12xf32>) -> tensor<2x8x3x4xf32>
  %k1 = ds.reshape %k0 : (tensor<2x8x12xf32>) -> tensor<2x8x3x4xf32>
  %q = ds.transpose %q1 permutation = [0, 2, 1, 3] : (tensor<2x8x3x4xf32>) -> tensor<2x3x8x4xf32>
  %k = ds.transpose %k1 permutation = [0, 2, 1, 3] : (tensor<2x8x3x4xf32>) -> tensor<2x3x8x4xf32>
  %o = ds.attention %q, %k, %k causal scale = 5.000000e-01 : (tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32>) -> tensor<2x3x8x4xf32>
  %o1 = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<2x3x8x4xf32>) -> tensor<2x8x3x4xf32>
  %o2 = ds.reshape %o1 : (tensor<2x8x3x4xf32>) -> tensor<2x8x12xf32>
  %logits = ds.linear %o2, %wte : (tensor<2x8x12xf32>, tensor<16x12xf32>) -> tensor<2x8x16xf32>
  %flat = ds.reshape %logits : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A sequence of 7 over sp = 2: -ds-pad-sequence grows it to 8 (the data
// stays 7 long: ds.data_shape), the padded positions are zeroed before the
// causal attention, and the shardings are those of the even case.
// CHECK-LABEL: ds.mesh @mesh ["sp" = 2]
// CHECK: tensor<2x8xi64> {ds.data_shape = array<i64: 2, 7>, ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>}
// CHECK: %[[MASK:.*]] = ds.reshard %{{.*}} to <@mesh, [{}, {}, {"sp"}, {}]> : tensor<1x1x8x1xi1>
// CHECK: ds.select %[[MASK]], {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {}, {"sp"}, {}]>]}
// CHECK: %[[Q:.*]] = ds.reshard %{{.*}} to <@mesh, [{}, {2:"sp", 2}, {}, {}]> : tensor<2x4x8x4xf32>
// CHECK: ds.attention %[[Q]], {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {2:"sp", 2}, {}, {}]>]}
// CHECK: ds.reshape %{{.*}} {ds.shardings = [#ds.sharding<@mesh, [{2, 8:"sp"}]>]} : (tensor<2x8xi64>) -> tensor<16xi64>

func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %wq: tensor<16x16xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<8x16xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<8x16xf32> {ds.name = "wv", ds.trainable},
                   %tokens: tensor<2x7xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x7xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x7xi64>) -> tensor<2x7x16xf32>
  %q0 = ds.linear %x, %wq : (tensor<2x7x16xf32>, tensor<16x16xf32>) -> tensor<2x7x16xf32>
  %k0 = ds.linear %x, %wk : (tensor<2x7x16xf32>, tensor<8x16xf32>) -> tensor<2x7x8xf32>
  %v0 = ds.linear %x, %wv : (tensor<2x7x16xf32>, tensor<8x16xf32>) -> tensor<2x7x8xf32>
  %q1 = ds.reshape %q0 : (tensor<2x7x16xf32>) -> tensor<2x7x4x4xf32>
  %k1 = ds.reshape %k0 : (tensor<2x7x8xf32>) -> tensor<2x7x2x4xf32>
  %v1 = ds.reshape %v0 : (tensor<2x7x8xf32>) -> tensor<2x7x2x4xf32>
  %q = ds.transpose %q1 permutation = [0, 2, 1, 3] : (tensor<2x7x4x4xf32>) -> tensor<2x4x7x4xf32>
  %k = ds.transpose %k1 permutation = [0, 2, 1, 3] : (tensor<2x7x2x4xf32>) -> tensor<2x2x7x4xf32>
  %v = ds.transpose %v1 permutation = [0, 2, 1, 3] : (tensor<2x7x2x4xf32>) -> tensor<2x2x7x4xf32>
  %o = ds.attention %q, %k, %v causal scale = 5.000000e-01 : (tensor<2x4x7x4xf32>, tensor<2x2x7x4xf32>, tensor<2x2x7x4xf32>) -> tensor<2x4x7x4xf32>
  %o1 = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<2x4x7x4xf32>) -> tensor<2x7x4x4xf32>
  %o2 = ds.reshape %o1 : (tensor<2x7x4x4xf32>) -> tensor<2x7x16xf32>
  %logits = ds.linear %o2, %wte : (tensor<2x7x16xf32>, tensor<16x16xf32>) -> tensor<2x7x16xf32>
  %flat = ds.reshape %logits : (tensor<2x7x16xf32>) -> tensor<14x16xf32>
  %lab = ds.reshape %labels : (tensor<2x7xi64>) -> tensor<14xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<14x16xf32>, tensor<14xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// The tokens flattened and summed along ([B * S] with S split; GShard's
// expert slots are a running sum over them): the sum needs [B * S] whole,
// gets the features split instead, and hands its result back split on the
// major piece (each rank a block of rows: here a batch row). The flattened
// labels still carry the sequence split. Two operands splitting different
// pieces of one factor over one axis do not combine (before, the loss read
// {2:"sp", 16:"sp"}: each rank a quarter of the tokens, the loss over half
// of them): the labels are resharded onto the logits' piece.
// CHECK-LABEL: ds.mesh @mesh ["sp" = 2]
// CHECK: ds.cumsum %{{.*}} dim = 0 {ds.shardings = [#ds.sharding<@mesh, [{}, {"sp"}]>]}
// CHECK: %[[LOGITS:.*]] = ds.reshape %{{.*}} {ds.shardings = [#ds.sharding<@mesh, [{2:"sp", 8}, {}]>]} : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
// CHECK: %[[FLAT:.*]] = ds.reshape %{{.*}} {ds.shardings = [#ds.sharding<@mesh, [{2, 8:"sp"}]>]} : (tensor<2x8xi64>) -> tensor<16xi64>
// CHECK: %[[LABELS:.*]] = ds.reshard %[[FLAT]] to <@mesh, [{2:"sp", 8}]> : tensor<16xi64>
// CHECK: ds.cross_entropy %[[LOGITS]], %[[LABELS]]

func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %tokens: tensor<2x8xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  %rows = ds.reshape %x : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %run = ds.cumsum %rows dim = 0 : tensor<16x16xf32>
  %h = ds.reshape %run : (tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %logits = ds.linear %h, %wte : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %flat = ds.reshape %logits : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Attention sinks (GPT-OSS), trained: the backward's sinks gradient [Hq]
// has neither sequence, yet the sequence split still moves to the heads
// (the gradient stays split on them) rather than gathering q, k, v, the
// output and its gradient.
// CHECK-LABEL: ds.mesh @mesh ["sp" = 2]
// CHECK: %[[Q:.*]] = ds.reshard %{{.*}} to <@mesh, [{}, {"sp"}, {}, {}]> : tensor<2x4x8x4xf32>
// CHECK: %[[O:.*]] = ds.attention %[[Q]], {{.*}} sinks %{{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {"sp"}, {}, {}]>]}
// CHECK: ds.attention_grad %[[Q]], {{.*}} sinks {{.*}}{ds.shardings = [#ds.sharding<@mesh, [{}, {"sp"}, {}, {}]>, #ds.sharding<@mesh, [{}, {"sp"}, {}, {}]>, #ds.sharding<@mesh, [{}, {"sp"}, {}, {}]>, #ds.sharding<@mesh, [{"sp"}]>]}

func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %wq: tensor<16x16xf32> {ds.name = "wq", ds.trainable},
                   %sinks: tensor<4xf32> {ds.name = "sinks", ds.trainable},
                   %tokens: tensor<2x8xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  %q0 = ds.linear %x, %wq : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %q1 = ds.reshape %q0 : (tensor<2x8x16xf32>) -> tensor<2x8x4x4xf32>
  %q = ds.transpose %q1 permutation = [0, 2, 1, 3] : (tensor<2x8x4x4xf32>) -> tensor<2x4x8x4xf32>
  %o = ds.attention %q, %q, %q sinks %sinks causal scale = 5.000000e-01 : (tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>, tensor<4xf32>) -> tensor<2x4x8x4xf32>
  %o1 = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<2x4x8x4xf32>) -> tensor<2x8x4x4xf32>
  %o2 = ds.reshape %o1 : (tensor<2x8x4x4xf32>) -> tensor<2x8x16xf32>
  %logits = ds.linear %o2, %wte : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %flat = ds.reshape %logits : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Autocast's bfloat16 linear of a float32 weight: the weight's gradient is
// a bfloat16 partial sum over sp. The product and the bias's sum
// accumulate in float32 instead, are completed there, and are rounded to
// bfloat16 once, as the single-device kernels round their accumulators
// (then the cast's gradient widens them again).
// CHECK-LABEL: ds.mesh @mesh ["sp" = 2]
// An RMSNorm's bfloat16 weight gradient likewise (a sum over the tokens).
// CHECK: %{{.*}}, %[[NORM:.*]] = ds.rms_norm_grad {{.*}} partial = {"sp": sum}>]} : {{.*}} -> (tensor<2x8x4xbf16>, tensor<4xf32>)
// CHECK-NEXT: %[[NORMC:.*]] = ds.reshard %[[NORM]] to <@mesh, [{}]> : tensor<4xf32>
// CHECK-NEXT: %[[NORMR:.*]] = ds.convert %[[NORMC]] {{.*}} : (tensor<4xf32>) -> tensor<4xbf16>
// CHECK: %[[GB:.*]] = ds.sum {{.*}} keepdim {ds.shardings = [#ds.sharding<@mesh, [{}, {}, {}], partial = {"sp": sum}>]} : (tensor<2x8x4xbf16>) -> tensor<1x1x4xf32>
// CHECK-NEXT: %[[GBC:.*]] = ds.reshard %[[GB]] to <@mesh, [{}, {}, {}]> : tensor<1x1x4xf32>
// CHECK-NEXT: %[[GBR:.*]] = ds.convert %[[GBC]] {ds.shardings = [#ds.sharding<@mesh, [{}, {}, {}]>]} : (tensor<1x1x4xf32>) -> tensor<1x1x4xbf16>
// CHECK-NEXT: %[[GB1:.*]] = ds.reshape %[[GBR]] : (tensor<1x1x4xbf16>) -> tensor<4xbf16>
// CHECK: %[[GW:.*]] = ds.matmul {{.*}} transpose_lhs {ds.shardings = [#ds.sharding<@mesh, [{}, {}], partial = {"sp": sum}>]} : (tensor<16x4xbf16>, tensor<16x8xbf16>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[GWC:.*]] = ds.reshard %[[GW]] to <@mesh, [{}, {}]> : tensor<4x8xf32>
// CHECK-NEXT: %[[GWR:.*]] = ds.convert %[[GWC]] {ds.shardings = [#ds.sharding<@mesh, [{}, {}]>]} : (tensor<4x8xf32>) -> tensor<4x8xbf16>
// A bfloat16 embedding table's gradient cannot accumulate wide (ATen adds
// its rows in bfloat16): its partial sum is carried through the widening
// cast's gradient and completed in float32 (a reshard of the bfloat16
// value would round each addition).
// CHECK: %[[EMB:.*]] = ds.embedding_grad {{.*}} partial = {"sp": sum}>]}
// CHECK-NOT: ds.reshard %[[EMB]]
// CHECK: %[[WIDEE:.*]] = ds.convert %[[EMB]] {ds.shardings = [#ds.sharding<@mesh, [{}, {}], partial = {"sp": sum}>]} : (tensor<6x8xbf16>) -> tensor<6x8xf32>
// CHECK-NEXT: ds.reshard %[[WIDEE]] to <@mesh, [{}, {}]> : tensor<6x8xf32>
func.func @forward(%w: tensor<4x8xf32> {ds.name = "w", ds.trainable},
                   %bias: tensor<4xf32> {ds.name = "b", ds.trainable},
                   %gain: tensor<4xf32> {ds.name = "g", ds.trainable},
                   %table: tensor<6x8xf32> {ds.name = "wte", ds.trainable},
                   %ids: tensor<2x8xi64> {ds.input, ds.name = "x"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %t16 = ds.convert %table : (tensor<6x8xf32>) -> tensor<6x8xbf16>
  %x16 = ds.embedding %t16, %ids : (tensor<6x8xbf16>, tensor<2x8xi64>) -> tensor<2x8x8xbf16>
  %w16 = ds.convert %w : (tensor<4x8xf32>) -> tensor<4x8xbf16>
  %b16 = ds.convert %bias : (tensor<4xf32>) -> tensor<4xbf16>
  %g16 = ds.convert %gain : (tensor<4xf32>) -> tensor<4xbf16>
  %h0 = ds.linear %x16, %w16 : (tensor<2x8x8xbf16>, tensor<4x8xbf16>) -> tensor<2x8x4xbf16>
  %h = ds.add %h0, %b16 : (tensor<2x8x4xbf16>, tensor<4xbf16>) -> tensor<2x8x4xbf16>
  %n = ds.rms_norm %h weight %g16 epsilon = 1.0e-05 : (tensor<2x8x4xbf16>, tensor<4xbf16>) -> tensor<2x8x4xbf16>
  %h32 = ds.convert %n : (tensor<2x8x4xbf16>) -> tensor<2x8x4xf32>
  %flat = ds.reshape %h32 : (tensor<2x8x4xf32>) -> tensor<16x4xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x4xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
