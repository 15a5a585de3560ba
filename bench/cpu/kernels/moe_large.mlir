// Mixtral-style top-2 SwiGLU MoE, 4096 tokens, width 1024, 8 experts of
// intermediate size 2816, f32, dropless.
func.func @main(%x: tensor<4096x1024xf32> {cascade.name = "x"},
                %router: tensor<1024x8xf32> {cascade.name = "router"},
                %gate: tensor<8x1024x2816xf32> {cascade.name = "w_gate"},
                %up: tensor<8x1024x2816xf32> {cascade.name = "w_up"},
                %down: tensor<8x2816x1024xf32> {cascade.name = "w_down"})
    -> tensor<4096x1024xf32> {
  %y = cascade.moe %x router(softmax_topk %router : tensor<1024x8xf32>) k(2)
      experts(swiglu %gate, %up, %down
              : tensor<8x1024x2816xf32>, tensor<8x1024x2816xf32>, tensor<8x2816x1024xf32>)
      {normalize} : tensor<4096x1024xf32> -> tensor<4096x1024xf32>
  return %y : tensor<4096x1024xf32>
}
