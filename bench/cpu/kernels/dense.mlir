// B1 H16 S4096 D128 f32, no mask.
func.func @main(%q: tensor<1x16x4096x128xf32> {cascade.name = "q"},
                %k: tensor<1x16x4096x128xf32> {cascade.name = "k"},
                %v: tensor<1x16x4096x128xf32> {cascade.name = "v"})
    -> tensor<1x16x4096x128xf32> {
  %o = cascade.attention %q, %k, %v : tensor<1x16x4096x128xf32>, tensor<1x16x4096x128xf32>, tensor<1x16x4096x128xf32> -> tensor<1x16x4096x128xf32>
  return %o : tensor<1x16x4096x128xf32>
}
