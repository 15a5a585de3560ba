func.func @main(%a: tensor<2x3xf64> {cascade.name = "a"}, %b: tensor<4xf32>, %c: tensor<3xf16>, %d: tensor<3xbf16>, %e: tensor<5xi32>, %f: tensor<5xi64> {cascade.range = array<i64: -100, 100>}, %g: tensor<7xi1>) -> (tensor<2x3xf64>, tensor<4xf32>, tensor<3xf16>, tensor<3xbf16>, tensor<5xi32>, tensor<5xi64>, tensor<7xi1>) {
  return %a, %b, %c, %d, %e, %f, %g : tensor<2x3xf64>, tensor<4xf32>, tensor<3xf16>, tensor<3xbf16>, tensor<5xi32>, tensor<5xi64>, tensor<7xi1>
}

func.func @sum_f32(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %s = cascade.einsum "pm->p" ins(%x : tensor<2x3xf32>) reduce(add) -> tensor<2xf32>
  return %s : tensor<2xf32>
}

func.func @half(%x: tensor<3xf16>, %y: tensor<3xbf16>) -> (tensor<3xf16>, tensor<3xbf16>) {
  return %x, %y : tensor<3xf16>, tensor<3xbf16>
}
