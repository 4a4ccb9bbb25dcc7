
// ZeRO stage 3 on two linear layers (15 and 20 elements): each parameter
// argument becomes this rank's flat piece, with its whole shape in
// ds.data_shape; the forward gathers each right before its reader and the
// backward gathers w2 again (the input gradient of the second layer reads
// it; nothing in the backward reads w1). Gradients are reduce-scattered;
// the updates read and return the pieces, nothing is gathered after them.

// Over dp x sp the pieces are split over both axes and each gather is one
// collective over the four ranks.
// MESH-LABEL: func.func @train_step
// MESH-SAME: tensor<4xf32> {ds.data_shape = array<i64: 5, 3>, ds.name = "w1", ds.role = "parameter", ds.sharding = #ds.sharding<@mesh, [{2:"dp", 8:"sp"}]>
// MESH: ds.all_gather %{{.*}} on @mesh ["dp", "sp"] dim = 0 : (tensor<4xf32>) -> tensor<16xf32>
// MESH: ds.reduce_scatter %{{.*}} on @mesh ["dp", "sp"] dim = 0

// keep-whole=1: the parameter whose forward gather comes last (w2) keeps
// the forward's copy for the backward: one gather of each parameter (w1's
// backward reads nothing of it, so keeping 2 is the same).
// KEEP-LABEL: func.func @train_step
// KEEP-COUNT-2: ds.all_gather
// KEEP-NOT: ds.all_gather
// KEEP: ds.adamw_update

// prefetch=1: each gather is issued one reader early, w2's before w1's
// reader; the backward's one gather has nothing before it to move past.
// PREFETCH-LABEL: func.func @train_step
// PREFETCH: ds.all_gather %[[W1:[a-z0-9]+]] on
// PREFETCH-NOT: ds.linear
// PREFETCH: ds.all_gather %[[W2:[a-z0-9]+]] on
// PREFETCH: ds.linear
// PREFETCH: ds.linear
// PREFETCH: ds.cross_entropy_grad
// PREFETCH-NEXT: ds.reshape
// PREFETCH-NEXT: ds.all_gather %[[W2]] on

// Prefetched, the two forward gathers are adjacent (the cuts to shape stay
// at the readers): -ds-bucket-collectives packs them into one all-gather
// (copies into and out of the bucket), or with parameter-gathers=false
// (sequential) leaves one collective per parameter, each into its own
// buffer.
// COALESCED-LABEL: func.func @train_step
// COALESCED: ds.concat
// COALESCED-NEXT: ds.all_gather {{.*}} : (tensor<1x18xf32>) -> tensor<2x18xf32>
// COALESCED-NEXT: ds.split
// COALESCED: ds.linear
// SEQUENTIAL-LABEL: func.func @train_step
// SEQUENTIAL-NOT: ds.concat
// SEQUENTIAL: ds.all_gather {{.*}} : (tensor<8xf32>) -> tensor<16xf32>
// SEQUENTIAL-NEXT: ds.all_gather {{.*}} : (tensor<10xf32>) -> tensor<20xf32>
// SEQUENTIAL: ds.linear

// STAGE4: error: ds-zero: stage 4 is not supported (0, 1, 2 or 3)

func.func @forward(%w1: tensor<5x3xf32> {ds.name = "w1", ds.trainable},
                   %w2: tensor<4x5xf32> {ds.name = "w2", ds.trainable},
                   %x: tensor<4x2x3xf32> {ds.input, ds.name = "x"},
                   %labels: tensor<4x2xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %h = ds.linear %x, %w1 : (tensor<4x2x3xf32>, tensor<5x3xf32>) -> tensor<4x2x5xf32>
  %a = ds.gelu %h approximate = tanh : tensor<4x2x5xf32>
  %y = ds.linear %a, %w2 : (tensor<4x2x5xf32>, tensor<4x5xf32>) -> tensor<4x2x4xf32>
  %flat = ds.reshape %y : (tensor<4x2x4xf32>) -> tensor<8x4xf32>
  %lab = ds.reshape %labels : (tensor<4x2xi64>) -> tensor<8xi64>
  %l = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<8x4xf32>, tensor<8xi64>) -> tensor<f32>
  return %l : tensor<f32>
}
