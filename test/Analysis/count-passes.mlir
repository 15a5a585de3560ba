// RUN: cascade-opt %s --cascade-count-passes -split-input-file -verify-diagnostics -o /dev/null

// The 3-pass softmax of ../shared/cascades.md: max, then sum, then
// normalise and contract, each needing the previous reduction over m.
// expected-remark @+2 {{rank 'e' (size 16, argument #0 dimension 1): 1 pass}}
// expected-remark @+1 {{rank 'm' (size 32, argument #1 dimension 0): 3 passes}}
func.func @three_pass(%q: tensor<8x16xf32>, %k: tensor<32x16xf32>, %v: tensor<32x4xf32>) -> tensor<8x4xf32> {
  %qk = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<8x16xf32>, tensor<32x16xf32>) map(mul) reduce(add) -> tensor<8x32xf32>
  %gm = cascade.einsum "pm->p" ins(%qk : tensor<8x32xf32>) reduce(max) -> tensor<8xf32>
  // expected-remark @+1 {{"pm,p->pm" starts pass 2 over rank 'm': it reads the rank after the reduction over it by "pm->p"}}
  %sn = cascade.einsum "pm,p->pm" ins(%qk, %gm : tensor<8x32xf32>, tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    cascade.yield %e : f32
  } -> tensor<8x32xf32>
  %sd = cascade.einsum "pm->p" ins(%sn : tensor<8x32xf32>) reduce(add) -> tensor<8xf32>
  // expected-remark @+1 {{"pm,p->pm" starts pass 3 over rank 'm': it reads the rank after the reduction over it by "pm->p"}}
  %a = cascade.einsum "pm,p->pm" ins(%sn, %sd : tensor<8x32xf32>, tensor<8xf32>) map(div) -> tensor<8x32xf32>
  %av = cascade.einsum "pm,mf->pf" ins(%a, %v : tensor<8x32xf32>, tensor<32x4xf32>) map(mul) reduce(add) -> tensor<8x4xf32>
  return %av : tensor<8x4xf32>
}

// -----

// Dividing after the contraction (AV = (SN V) / SD) saves one pass.
// expected-remark @+2 {{rank 'e' (size 16, argument #0 dimension 1): 1 pass}}
// expected-remark @+1 {{rank 'm' (size 32, argument #1 dimension 0): 2 passes}}
func.func @two_pass(%q: tensor<8x16xf32>, %k: tensor<32x16xf32>, %v: tensor<32x4xf32>) -> tensor<8x4xf32> {
  %qk = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<8x16xf32>, tensor<32x16xf32>) map(mul) reduce(add) -> tensor<8x32xf32>
  %gm = cascade.einsum "pm->p" ins(%qk : tensor<8x32xf32>) reduce(max) -> tensor<8xf32>
  // expected-remark @+1 {{starts pass 2 over rank 'm'}}
  %sn = cascade.einsum "pm,p->pm" ins(%qk, %gm : tensor<8x32xf32>, tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    cascade.yield %e : f32
  } -> tensor<8x32xf32>
  %sd = cascade.einsum "pm->p" ins(%sn : tensor<8x32xf32>) reduce(add) -> tensor<8xf32>
  %snv = cascade.einsum "pm,mf->pf" ins(%sn, %v : tensor<8x32xf32>, tensor<32x4xf32>) map(mul) reduce(add) -> tensor<8x4xf32>
  %av = cascade.einsum "pf,p->pf" ins(%snv, %sd : tensor<8x4xf32>, tensor<8xf32>) map(div) -> tensor<8x4xf32>
  return %av : tensor<8x4xf32>
}

// -----

// The 1-pass form: keys partitioned into n blocks of m; running max, sum and
// numerator carried along the iterative rank n. One pass over n; within a
// block, two passes over m (the block is held on chip).
// expected-remark @+3 {{rank 'e' (size 16, argument #0 dimension 1): 1 pass}}
// expected-remark @+2 {{rank 'm' (size 8, argument #1 dimension 1): 2 passes}}
// expected-remark @+1 {{rank 'n' (size 4, argument #1 dimension 0): 1 pass}}
func.func @one_pass(%q: tensor<8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x4xf32>) -> tensor<8x4xf32> {
  %qk = cascade.einsum "pe,nme->pnm" ins(%q, %k : tensor<8x16xf32>, tensor<4x8x16xf32>) map(mul) reduce(add) -> tensor<8x4x8xf32>
  %lm = cascade.einsum "pnm->pn" ins(%qk : tensor<8x4x8xf32>) reduce(max) -> tensor<8x4xf32>
  %ninf = arith.constant dense<0xFF800000> : tensor<8xf32>
  %zero = arith.constant dense<0.0> : tensor<8xf32>
  %zero2 = arith.constant dense<0.0> : tensor<8x4xf32>
  %rm = cascade.einsum "pn->pn" ins(%lm : tensor<8x4xf32>) iterate("n" init %ninf : tensor<8xf32>) {
  ^bb0(%prev: f32, %x: f32):
    %m = arith.maximumf %prev, %x : f32
    cascade.yield %m : f32
  } -> tensor<8x5xf32>
  %prev = tensor.extract_slice %rm[0, 0] [8, 4] [1, 1] : tensor<8x5xf32> to tensor<8x4xf32>
  %next = tensor.extract_slice %rm[0, 1] [8, 4] [1, 1] : tensor<8x5xf32> to tensor<8x4xf32>
  // expected-remark @+1 {{starts pass 2 over rank 'm'}}
  %sln = cascade.einsum "pnm,pn->pnm" ins(%qk, %next : tensor<8x4x8xf32>, tensor<8x4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    cascade.yield %e : f32
  } -> tensor<8x4x8xf32>
  %prm = cascade.einsum "pn,pn->pn" ins(%prev, %next : tensor<8x4xf32>, tensor<8x4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    cascade.yield %e : f32
  } -> tensor<8x4xf32>
  %sld = cascade.einsum "pnm->pn" ins(%sln : tensor<8x4x8xf32>) reduce(add) -> tensor<8x4xf32>
  %rd = cascade.einsum "pn,pn->pn" ins(%prm, %sld : tensor<8x4xf32>, tensor<8x4xf32>) iterate("n" init %zero : tensor<8xf32>) {
  ^bb0(%s: f32, %r: f32, %l: f32):
    %t = arith.mulf %s, %r : f32
    %u = arith.addf %t, %l : f32
    cascade.yield %u : f32
  } -> tensor<8x5xf32>
  %slnv = cascade.einsum "pnm,nmf->pfn" ins(%sln, %v : tensor<8x4x8xf32>, tensor<4x8x4xf32>) map(mul) reduce(add) -> tensor<8x4x4xf32>
  %init = arith.constant dense<0.0> : tensor<8x4xf32>
  %rnv = cascade.einsum "pfn,pn->pfn" ins(%slnv, %prm : tensor<8x4x4xf32>, tensor<8x4xf32>) iterate("n" init %init : tensor<8x4xf32>) {
  ^bb0(%s: f32, %x: f32, %r: f32):
    %t = arith.mulf %s, %r : f32
    %u = arith.addf %t, %x : f32
    cascade.yield %u : f32
  } -> tensor<8x4x5xf32>
  %num = tensor.extract_slice %rnv[0, 0, 4] [8, 4, 1] [1, 1, 1] : tensor<8x4x5xf32> to tensor<8x4xf32>
  %den = tensor.extract_slice %rd[0, 4] [8, 1] [1, 1] : tensor<8x5xf32> to tensor<8xf32>
  %av = cascade.einsum "pf,p->pf" ins(%num, %den : tensor<8x4xf32>, tensor<8xf32>) map(div) -> tensor<8x4xf32>
  return %av : tensor<8x4xf32>
}
