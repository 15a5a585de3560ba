// B1 H16 S4096 D128 bf16, no mask.
func.func @main(%q: tensor<1x16x4096x128xbf16> {cascade.name = "q"},
                %k: tensor<1x16x4096x128xbf16> {cascade.name = "k"},
                %v: tensor<1x16x4096x128xbf16> {cascade.name = "v"})
    -> tensor<1x16x4096x128xbf16> {
  %o = cascade.attention %q, %k, %v : tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16>, tensor<1x16x4096x128xbf16> -> tensor<1x16x4096x128xbf16>
  return %o : tensor<1x16x4096x128xbf16>
}
