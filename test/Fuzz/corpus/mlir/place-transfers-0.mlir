
// Each add takes 100 s on this machine (100 flops at 1 flop/s), each write
// of 400 bytes 200 s at 2 bytes/s. The first write runs from 100 s to
// 300 s; the second starts at 200 s behind it on the disk and is over at
// 500 s, not at 400 s as alone: its wait follows the add that ends at
// 500 s.
// QUEUE-LABEL: func.func @train_step
// QUEUE: %[[A:.*]] = ds.offload
// QUEUE-NEXT: ds.add
// QUEUE-NEXT: %[[B:.*]] = ds.offload
// QUEUE-NEXT: ds.add
// QUEUE-NEXT: ds.wait %[[A]]
// QUEUE-NEXT: ds.add
// QUEUE-NEXT: ds.add
// QUEUE-NEXT: ds.wait %[[B]]
// QUEUE-NEXT: ds.add
// QUEUE-NEXT: ds.sum

// With 400 bytes in flight at most, the second write starts after the
// first's wait, at 300 s, and is over at 500 s.
// BUDGET-LABEL: func.func @train_step
// BUDGET: %[[A:.*]] = ds.offload
// BUDGET-NEXT: ds.add
// BUDGET-NEXT: ds.wait %[[A]]
// BUDGET-NEXT: %[[B:.*]] = ds.offload
// BUDGET-NEXT: ds.add
// BUDGET-NEXT: ds.add
// BUDGET-NEXT: ds.wait %[[B]]
// BUDGET-NEXT: ds.add
// BUDGET-NEXT: ds.add
// BUDGET-NEXT: ds.sum
func.func @train_step(%x: tensor<100xf32>) -> (tensor<f32> {ds.role = "loss"}, tensor<100xf32>, tensor<100xf32>) {
  %a = ds.add %x, %x : (tensor<100xf32>, tensor<100xf32>) -> tensor<100xf32>
  %oa = ds.offload %a to "nvme" : tensor<100xf32>
  %b = ds.add %a, %x : (tensor<100xf32>, tensor<100xf32>) -> tensor<100xf32>
  %ob = ds.offload %b to "nvme" : tensor<100xf32>
  %wa = ds.wait %oa : tensor<100xf32>
  %wb = ds.wait %ob : tensor<100xf32>
  %c1 = ds.add %b, %x : (tensor<100xf32>, tensor<100xf32>) -> tensor<100xf32>
  %c2 = ds.add %c1, %x : (tensor<100xf32>, tensor<100xf32>) -> tensor<100xf32>
  %c3 = ds.add %c2, %x : (tensor<100xf32>, tensor<100xf32>) -> tensor<100xf32>
  %c4 = ds.add %c3, %x : (tensor<100xf32>, tensor<100xf32>) -> tensor<100xf32>
  %l = ds.sum %c4 dims = [0] : (tensor<100xf32>) -> tensor<f32>
  return %l, %wa, %wb : tensor<f32>, tensor<100xf32>, tensor<100xf32>
}
