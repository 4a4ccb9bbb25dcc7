
// A linear model: the batch (dp) or the sequence (sp) of the tokens splits
// the embedding, the linear and the loss; the loss becomes a sum over the
// tokens and a count, each completed by one all-reduce; the weight
// gradients, contractions over the split positions, get one all-reduce each.

// DP: ds.mesh @mesh ["dp" = 2]
// DP-LABEL: func.func @train_step
// DP-SAME: tensor<2x8xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{"dp"}, {}]>}
// DP: ds.embedding %{{.*}} : (tensor<32x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
// DP-DAG: %[[C:.*]] = ds.sum %{{.*}} dims = [0] : (tensor<16xf32>) -> tensor<f32>
// DP-DAG: %[[CG:.*]] = ds.all_reduce %[[C]] on @mesh ["dp"] reduction = sum : tensor<f32>
// DP-DAG: %[[S:.*]] = ds.cross_entropy {{.*}} sum : (tensor<16x32xf32>, tensor<16xi64>) -> tensor<f32>
// DP-DAG: %[[SG:.*]] = ds.all_reduce %[[S]] on @mesh ["dp"] reduction = sum
// DP: %[[L:.*]] = ds.div %[[SG]], %[[CG]]
// DP: ds.cross_entropy_grad {{.*}} sum
// DP: %[[D1:.*]] = ds.all_reduce %{{.*}} on @mesh ["dp"] reduction = sum : tensor<32x16xf32>
// DP: %[[D2:.*]] = ds.all_reduce %{{.*}} on @mesh ["dp"] reduction = sum : tensor<32x16xf32>
// DP: %[[DW:.*]] = ds.add %[[D1]], %[[D2]]
// DP: ds.adamw_update %{{.*}}, %[[DW]]
// DP: return %[[L]]

// SP: ds.mesh @mesh ["sp" = 2]
// SP-LABEL: func.func @train_step
// SP-SAME: tensor<4x4xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>}
// SP-NOT: ds.all_to_all
// SP-NOT: ds.all_gather
// SP: ds.all_reduce %{{.*}} on @mesh ["sp"] reduction = sum : tensor<f32>
func.func @train_step(%w: tensor<32x16xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
                      %m: tensor<32x16xf32> {ds.name = "exp_avg.w", ds.role = "state"},
                      %v: tensor<32x16xf32> {ds.name = "exp_avg_sq.w", ds.role = "state"},
                      %step: tensor<i64> {ds.name = "step", ds.role = "state"},
                      %tokens: tensor<4x8xi64> {ds.name = "tokens", ds.role = "input"},
                      %labels: tensor<4x8xi64> {ds.name = "labels", ds.role = "input"})
    -> (tensor<f32> {ds.role = "loss"}, tensor<32x16xf32> {ds.updates = "w"},
        tensor<32x16xf32> {ds.updates = "exp_avg.w"}, tensor<32x16xf32> {ds.updates = "exp_avg_sq.w"},
        tensor<i64> {ds.updates = "step"}) {
  %e = ds.embedding %w, %tokens : (tensor<32x16xf32>, tensor<4x8xi64>) -> tensor<4x8x16xf32>
  %y = ds.linear %e, %w : (tensor<4x8x16xf32>, tensor<32x16xf32>) -> tensor<4x8x32xf32>
  %flat = ds.reshape %y : (tensor<4x8x32xf32>) -> tensor<32x32xf32>
  %lab = ds.reshape %labels : (tensor<4x8xi64>) -> tensor<32xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<32x32xf32>, tensor<32xi64>) -> tensor<f32>
  %one = ds.constant dense<1.0> : tensor<f32>
  %dflat = ds.cross_entropy_grad %flat, %lab, %one ignore_index = -100 : (tensor<32x32xf32>, tensor<32xi64>, tensor<f32>) -> tensor<32x32xf32>
  %dy = ds.reshape %dflat : (tensor<32x32xf32>) -> tensor<4x8x32xf32>
  %dw1 = ds.matmul %dflat, %flat transpose_lhs : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %ef = ds.reshape %e : (tensor<4x8x16xf32>) -> tensor<32x16xf32>
  %dw2 = ds.matmul %dflat, %ef transpose_lhs : (tensor<32x32xf32>, tensor<32x16xf32>) -> tensor<32x16xf32>
  %de = ds.matmul %dy, %w : (tensor<4x8x32xf32>, tensor<32x16xf32>) -> tensor<4x8x16xf32>
  %dw3 = ds.embedding_grad %tokens, %de : (tensor<4x8xi64>, tensor<4x8x16xf32>) -> tensor<32x16xf32>
  %dw = ds.add %dw2, %dw3 : (tensor<32x16xf32>, tensor<32x16xf32>) -> tensor<32x16xf32>
  %c1 = ds.constant dense<1> : tensor<i64>
  %step1 = ds.add %step, %c1 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %w1, %m1, %v1 = ds.adamw_update %w, %dw, %m, %v, %step1 lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.0 : (tensor<32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>, tensor<i64>) -> (tensor<32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>)
  return %loss, %w1, %m1, %v1, %step1 : tensor<f32>, tensor<32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>, tensor<i64>
}
