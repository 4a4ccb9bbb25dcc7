
// A linear layer with a bias, 15 and 5 elements: neither divides by 2 or 4,
// so every piece is padded.

// -ds-zero only writes shardings: state arguments held as flat pieces; the
// gradient's partial sum flattened, padded and resharded to pieces right
// where it is computed; the parameter's piece and the update at the
// update's place; the new parameters resharded whole together at the end,
// then cut back.
// WRITE-LABEL: func.func @train_step
// WRITE-SAME: %[[W:[a-z0-9]+]]: tensor<5x3xf32> {ds.name = "w"
// WRITE-SAME: tensor<16xf32> {ds.name = "exp_avg.w", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{"dp"}]>}
// WRITE-SAME: tensor<16xf32> {ds.name = "exp_avg_sq.w", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{"dp"}]>}
// WRITE-SAME: tensor<6xf32> {ds.name = "exp_avg.b", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{"dp"}]>}
// WRITE-SAME: -> (tensor<f32> {ds.role = "loss"}, tensor<5x3xf32> {ds.updates = "w"}, tensor<5xf32> {ds.updates = "b"}, tensor<16xf32> {ds.updates = "exp_avg.w"}
// WRITE: %[[DW:.*]] = ds.matmul {{.*}} transpose_lhs {ds.shardings = [#ds.sharding<@mesh, [{}, {}], partial = {"dp": sum}>]}
// WRITE-NEXT: %[[GF:.*]] = ds.reshape %[[DW]] {ds.shardings = [#ds.sharding<@mesh, [{}], partial = {"dp": sum}>]} : (tensor<5x3xf32>) -> tensor<15xf32>
// WRITE-NEXT: %[[GP:.*]] = ds.pad %[[GF]] low = [0] strides = [1] {ds.shardings = [#ds.sharding<@mesh, [{}], partial = {"dp": sum}>]}
// WRITE-NEXT: %[[GS:.*]] = ds.reshard %[[GP]] to <@mesh, [{"dp"}]> : tensor<16xf32>
// WRITE-NOT: ds.reshard %[[DW]]
// WRITE: %[[PF:.*]] = ds.reshape %[[W]] : (tensor<5x3xf32>) -> tensor<15xf32>
// WRITE-NEXT: %[[PP:.*]] = ds.pad %[[PF]] low = [0] strides = [1] : (tensor<15xf32>) -> tensor<16xf32>
// WRITE-NEXT: %[[PS:.*]] = ds.reshard %[[PP]] to <@mesh, [{"dp"}]> : tensor<16xf32>
// WRITE-NEXT: %[[NEW:.*]], %{{.*}}, %{{.*}} = ds.adamw_update %[[PS]], %[[GS]], %{{.*}}, %{{.*}}, %{{.*}} {{.*}} {ds.shardings = [#ds.sharding<@mesh, [{"dp"}]>, #ds.sharding<@mesh, [{"dp"}]>, #ds.sharding<@mesh, [{"dp"}]>]}
// WRITE: %[[NEWB:.*]], %{{.*}}, %{{.*}} = ds.adamw_update
// WRITE-NEXT: %[[WHOLE:.*]] = ds.reshard %[[NEW]] to <@mesh, [{}]> : tensor<16xf32>
// WRITE-NEXT: %[[WHOLEB:.*]] = ds.reshard %[[NEWB]] to <@mesh, [{}]> : tensor<6xf32>
// WRITE-NEXT: %[[CUT:.*]] = ds.slice %[[WHOLE]] starts = [0] limits = [15] strides = [1]
// WRITE-NEXT: ds.reshape %[[CUT]] : (tensor<15xf32>) -> tensor<5x3xf32>
// WRITE-NEXT: ds.slice %[[WHOLEB]] starts = [0] limits = [5] strides = [1]

// Stage 1: the gradient is all-reduced whole where it is complete (so the
// all-reduces still share buckets), sliced at the update (no data moves);
// each rank updates its piece and the pieces are gathered.
// STAGE1-LABEL: func.func @train_step
// STAGE1-SAME: tensor<8xf32> {ds.name = "exp_avg.w", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{"dp"}]>}
// STAGE1-SAME: tensor<3xf32> {ds.name = "exp_avg.b", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{"dp"}]>}
// STAGE1-NOT: ds.reduce_scatter
// STAGE1: %[[G:.*]] = ds.all_reduce %{{.*}} on @mesh ["dp"] reduction =  sum : tensor<5x3xf32>
// STAGE1: %[[PS:.*]] = ds.local_slice %{{.*}} on @mesh ["dp"] dim = 0 : (tensor<16xf32>) -> tensor<8xf32>
// STAGE1-NEXT: %[[GF:.*]] = ds.reshape %[[G]] : (tensor<5x3xf32>) -> tensor<15xf32>
// STAGE1-NEXT: %[[GP:.*]] = ds.pad %[[GF]]
// STAGE1-NEXT: %[[GS:.*]] = ds.local_slice %[[GP]] on @mesh ["dp"] dim = 0 : (tensor<16xf32>) -> tensor<8xf32>
// STAGE1-NEXT: %[[NEW:.*]], %{{.*}}, %{{.*}} = ds.adamw_update %[[PS]], %[[GS]], {{.*}} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<i64>)
// STAGE1: ds.all_gather %[[NEW]] on @mesh ["dp"] dim = 0 : (tensor<8xf32>) -> tensor<16xf32>
// STAGE1-NOT: ds.reduce_scatter

// Stage 2: every gradient is reduce-scattered, none all-reduced (the two
// all-reduces left complete the loss and its token count).
// STAGE2-LABEL: func.func @train_step
// STAGE2-COUNT-2: ds.all_reduce {{.*}} : tensor<f32>
// STAGE2-NOT: ds.all_reduce
// STAGE2: %[[DB:.*]] = ds.sum {{.*}} keepdim : (tensor<2x2x5xf32>) -> tensor<1x1x5xf32>
// STAGE2-NEXT: %[[BF:.*]] = ds.reshape %[[DB]] : (tensor<1x1x5xf32>) -> tensor<5xf32>
// STAGE2-NEXT: %[[BP:.*]] = ds.pad %[[BF]] low = [0] strides = [1] : (tensor<5xf32>) -> tensor<6xf32>
// STAGE2-NEXT: %[[BS:.*]] = ds.reduce_scatter %[[BP]] on @mesh ["dp"] dim = 0 reduction =  sum : (tensor<6xf32>) -> tensor<3xf32>
// STAGE2: %[[DW:.*]] = ds.matmul {{.*}} transpose_lhs : (tensor<4x5xf32>, tensor<4x3xf32>) -> tensor<5x3xf32>
// STAGE2-NEXT: %[[GF:.*]] = ds.reshape %[[DW]] : (tensor<5x3xf32>) -> tensor<15xf32>
// STAGE2-NEXT: %[[GP:.*]] = ds.pad %[[GF]]
// STAGE2-NEXT: %[[GS:.*]] = ds.reduce_scatter %[[GP]] on @mesh ["dp"] dim = 0 reduction =  sum : (tensor<16xf32>) -> tensor<8xf32>
// STAGE2: ds.adamw_update %{{.*}}, %[[GS]]
// STAGE2: ds.adamw_update %{{.*}}, %[[BS]]
// STAGE2-NOT: ds.all_reduce

// Clipped (--clip-grad-norm) at stage 2: each gradient is still
// reduce-scattered, never all-reduced whole; its norm's sum of squares is
// each rank's piece's, all-reduced as one number (the padding adds zeros),
// and the piece is scaled by the coefficient right before its update.
// CLIP-LABEL: func.func @train_step
// CLIP: ds.reduce_scatter %{{.*}} on @mesh ["dp", "sp"] dim = 0 reduction =  sum : (tensor<8xf32>) -> tensor<2xf32>
// CLIP: %[[BSQ:.*]] = ds.mul %[[BS:.*]], %[[BS]] : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CLIP-NEXT: %[[BSUM:.*]] = ds.sum %[[BSQ]] dims = [0] : (tensor<2xf32>) -> tensor<f32>
// CLIP-NEXT: %[[BNORM:.*]] = ds.all_reduce %[[BSUM]] on @mesh ["dp", "sp"] reduction =  sum : tensor<f32>
// CLIP: ds.reduce_scatter %{{.*}} on @mesh ["dp", "sp"] dim = 0 reduction =  sum : (tensor<16xf32>) -> tensor<4xf32>
// CLIP: %[[WSQ:.*]] = ds.mul %[[WS:.*]], %[[WS]] : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CLIP-NEXT: %[[WSUM:.*]] = ds.sum %[[WSQ]] dims = [0] : (tensor<4xf32>) -> tensor<f32>
// CLIP-NEXT: %[[WNORM:.*]] = ds.all_reduce %[[WSUM]] on @mesh ["dp", "sp"] reduction =  sum : tensor<f32>
// CLIP-NEXT: ds.sqrt %[[WNORM]]
// CLIP: ds.sqrt %[[BNORM]]
// CLIP-NOT: ds.all_reduce
// CLIP: %[[WSCALED:.*]] = ds.mul %[[WS]], %[[C:.*]] : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CLIP-NEXT: ds.adamw_update %{{.*}}, %[[WSCALED]]
// CLIP: %[[BSCALED:.*]] = ds.mul %[[BS]], %[[C]] : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
// CLIP-NEXT: ds.adamw_update %{{.*}}, %[[BSCALED]]

// Over dp x sp every rank holds a piece, in rank order (dp major): the
// flat dimension, viewed as [dp, sp * k] by the layout, is one dimension
// split over both axes, so each move is one collective over the group of
// all four ranks.
// MESH-LABEL: func.func @train_step
// MESH-SAME: tensor<4xf32> {ds.name = "exp_avg.w", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{2:"dp", 8:"sp"}]>}
// MESH-SAME: tensor<2xf32> {ds.name = "exp_avg.b", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{2:"dp", 4:"sp"}]>}
// MESH-DAG: ds.local_slice %{{.*}} on @mesh ["dp", "sp"] dim = 0 : (tensor<16xf32>) -> tensor<4xf32>
// MESH-DAG: ds.reduce_scatter %{{.*}} on @mesh ["dp", "sp"] dim = 0 reduction =  sum : (tensor<16xf32>) -> tensor<4xf32>
// MESH-DAG: ds.all_gather %{{.*}} on @mesh ["dp", "sp"] dim = 0 : (tensor<4xf32>) -> tensor<16xf32>
// MESH-DAG: ds.reduce_scatter %{{.*}} on @mesh ["dp", "sp"] dim = 0 reduction =  sum : (tensor<8xf32>) -> tensor<2xf32>
// MESH-NOT: on @mesh ["dp"] dim
// MESH-NOT: on @mesh ["sp"] dim

// With -ds-bucket-collectives (as ds-compile runs it): the pieces of both
// gradients in one reduce-scatter, [ranks, 8 + 3] packed along the pieces,
// and both new parameters in one all-gather; over dp x sp, [4, 4 + 2] over
// the four ranks.
// BUCKET-LABEL: func.func @train_step
// BUCKET: ds.reduce_scatter %{{.*}} on @mesh ["dp"] dim = 0 reduction =  sum : (tensor<2x11xf32>) -> tensor<1x11xf32>
// BUCKET-NOT: ds.reduce_scatter
// BUCKET: ds.all_gather %{{.*}} on @mesh ["dp"] dim = 0 : (tensor<1x11xf32>) -> tensor<2x11xf32>
// BUCKET-NOT: ds.all_gather
// BUCKET4-LABEL: func.func @train_step
// BUCKET4: ds.reduce_scatter %{{.*}} on @mesh ["dp", "sp"] dim = 0 reduction =  sum : (tensor<4x6xf32>) -> tensor<1x6xf32>
// BUCKET4-NOT: ds.reduce_scatter
// BUCKET4: ds.all_gather %{{.*}} on @mesh ["dp", "sp"] dim = 0 : (tensor<1x6xf32>) -> tensor<4x6xf32>
// BUCKET4-NOT: ds.all_gather

// Stage 0 and one rank: nothing changes.
// STAGE0-NOT: ds.reduce_scatter
// STAGE0-NOT: tensor<16xf32>
// STAGE0: ds.adamw_update {{.*}} : (tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<i64>)
// ONE-NOT: ds.sharding
// ONE: ds.adamw_update {{.*}} : (tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<5x3xf32>, tensor<i64>)

// LATE: error: ds-zero runs between -ds-propagate-sharding and -ds-partition; this step is partitioned already

func.func @forward(%w: tensor<5x3xf32> {ds.name = "w", ds.trainable},
                   %b: tensor<5xf32> {ds.name = "b", ds.trainable},
                   %x: tensor<4x2x3xf32> {ds.input, ds.name = "x"},
                   %labels: tensor<4x2xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %h = ds.linear %x, %w : (tensor<4x2x3xf32>, tensor<5x3xf32>) -> tensor<4x2x5xf32>
  %b2 = ds.reshape %b : (tensor<5xf32>) -> tensor<1x1x5xf32>
  %bb = ds.broadcast %b2 : (tensor<1x1x5xf32>) -> tensor<4x2x5xf32>
  %y = ds.add %h, %bb : (tensor<4x2x5xf32>, tensor<4x2x5xf32>) -> tensor<4x2x5xf32>
  %flat = ds.reshape %y : (tensor<4x2x5xf32>) -> tensor<8x5xf32>
  %lab = ds.reshape %labels : (tensor<4x2xi64>) -> tensor<8xi64>
  %l = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<8x5xf32>, tensor<8xi64>) -> tensor<f32>
  return %l : tensor<f32>
}
