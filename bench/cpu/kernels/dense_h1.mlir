// B1 H1 S4096 D128 f32, no mask. One head of dense.mlir: a call of 50-100 ms at
// 1 thread, which paired.py alternates with PyTorch's many times a minute.
func.func @main(%q: tensor<1x1x4096x128xf32> {cascade.name = "q"},
                %k: tensor<1x1x4096x128xf32> {cascade.name = "k"},
                %v: tensor<1x1x4096x128xf32> {cascade.name = "v"})
    -> tensor<1x1x4096x128xf32> {
  %o = cascade.attention %q, %k, %v : tensor<1x1x4096x128xf32>, tensor<1x1x4096x128xf32>, tensor<1x1x4096x128xf32> -> tensor<1x1x4096x128xf32>
  return %o : tensor<1x1x4096x128xf32>
}
