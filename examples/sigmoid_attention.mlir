// Causal sigmoid attention written directly as einsums (docs/tutorial.md).
func.func @main(%q: tensor<128x64xf32>, %k: tensor<128x64xf32>, %v: tensor<128x64xf32>) -> tensor<128x64xf32> {
  %s = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<128x64xf32>, tensor<128x64xf32>)
         map(mul) reduce(add) -> tensor<128x128xf32>
  %a = cascade.einsum "pm->pm" ins(%s : tensor<128x128xf32>) mask(#cascade.causal on "p", "m") fill(0.0) {
  ^bb0(%x: f32):
    %n = arith.negf %x : f32
    %e = math.exp %n : f32
    %one = arith.constant 1.0 : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %one, %d : f32
    cascade.yield %r : f32
  } -> tensor<128x128xf32>
  %o = cascade.einsum "pm,mf->pf" ins(%a, %v : tensor<128x128xf32>, tensor<128x64xf32>)
         map(mul) reduce(add) -> tensor<128x64xf32>
  return %o : tensor<128x64xf32>
}
