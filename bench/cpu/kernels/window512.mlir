// B1 H16 S4096 D128 f32, sliding window: keys q-511 .. q (512 keys).
func.func @main(%q: tensor<1x16x4096x128xf32> {cascade.name = "q"},
                %k: tensor<1x16x4096x128xf32> {cascade.name = "k"},
                %v: tensor<1x16x4096x128xf32> {cascade.name = "v"})
    -> tensor<1x16x4096x128xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.sliding_window<left = 511, right = 0>) : tensor<1x16x4096x128xf32>, tensor<1x16x4096x128xf32>, tensor<1x16x4096x128xf32> -> tensor<1x16x4096x128xf32>
  return %o : tensor<1x16x4096x128xf32>
}
