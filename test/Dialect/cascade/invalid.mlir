// Verifier errors: every message names the operand, the index and the
// expected vs actual size.
// RUN: cascade-opt %s -split-input-file -verify-diagnostics

func.func @spec_no_arrow(%a: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{spec 'pe' has no '->'}}
  %0 = cascade.einsum "pe" ins(%a : tensor<4x8xf32>) reduce(add) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @spec_repeated(%a: tensor<4x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{repeats index 'p' in 'pp' (diagonals are not supported)}}
  %0 = cascade.einsum "pp->p" ins(%a : tensor<4x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @spec_bad_char(%a: tensor<4x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{has '1', indices must be letters}}
  %0 = cascade.einsum "p1->p" ins(%a : tensor<4x4xf32>) reduce(add) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @spec_input_count(%a: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{spec 'pe,me->p' names 2 inputs but the op has 1}}
  %0 = cascade.einsum "pe,me->p" ins(%a : tensor<4x8xf32>) reduce(add) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @rank_mismatch(%a: tensor<4x8x2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{input #0 has rank 3 but the spec gives it 2 indices 'pe'}}
  %0 = cascade.einsum "pe->p" ins(%a : tensor<4x8x2xf32>) reduce(add) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @size_conflict(%q: tensor<4x64xf32>, %k: tensor<6x80xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{index 'e' has size 80 in input #1 but 64 in input #0}}
  %0 = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<4x64xf32>, tensor<6x80xf32>) map(mul) reduce(add) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @result_size(%q: tensor<4x8xf32>, %k: tensor<6x8xf32>) -> tensor<4x7xf32> {
  // expected-error @+1 {{result dimension 1 (index 'm') has size 7, expected 6}}
  %0 = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<4x8xf32>, tensor<6x8xf32>) map(mul) reduce(add) -> tensor<4x7xf32>
  return %0 : tensor<4x7xf32>
}

// -----

func.func @result_rank(%q: tensor<4x8xf32>) -> tensor<4x8x1xf32> {
  // expected-error @+1 {{result has rank 3 but the spec gives it 2 indices 'pe'}}
  %0 = cascade.einsum "pe->pe" ins(%q : tensor<4x8xf32>) -> tensor<4x8x1xf32>
  return %0 : tensor<4x8x1xf32>
}

// -----

func.func @result_unknown_index(%q: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{result index 'z' appears in no input}}
  %0 = cascade.einsum "pe->pz" ins(%q : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @missing_reduce(%q: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{indices 'e' are absent from the result, so a reduce operator (add, max or min) is required}}
  %0 = cascade.einsum "pe->p" ins(%q : tensor<4x8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @useless_reduce(%q: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{reduce(add) given but every index appears in the result}}
  %0 = cascade.einsum "pe->pe" ins(%q : tensor<4x8xf32>) reduce(add) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @missing_map(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{2 inputs need a map operator or a map region}}
  %0 = cascade.einsum "p,p->p" ins(%a, %b : tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @binary_map_arity(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{map(mul) combines exactly 2 inputs, got 1}}
  %0 = cascade.einsum "p->p" ins(%a : tensor<4xf32>) map(mul) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @map_and_region(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{map(add) and a map region are exclusive}}
  %0 = cascade.einsum "p,p->p" ins(%a, %b : tensor<4xf32>, tensor<4xf32>) map(add) {
  ^bb0(%x: f32, %y: f32):
    cascade.yield %x : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @region_arg_type(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{map region argument #0 has type 'f16', expected 'f32' (element type of input #0)}}
  %0 = cascade.einsum "p->p" ins(%a : tensor<4xf32>) {
  ^bb0(%x: f16):
    %e = arith.extf %x : f16 to f32
    cascade.yield %e : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @region_arg_count(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{map region has 2 arguments, expected one per input (1)}}
  %0 = cascade.einsum "p->p" ins(%a : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    cascade.yield %x : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @yield_type(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = cascade.einsum "p->p" ins(%a : tensor<4xf32>) {
  ^bb0(%x: f32):
    %t = arith.truncf %x : f32 to f16
    // expected-error @+1 {{must yield one value of the result element type 'f32'}}
    cascade.yield %t : f16
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @coord_unknown(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = cascade.einsum "p->p" ins(%a : tensor<4xf32>) {
  ^bb0(%x: f32):
    // expected-error @+1 {{'m' is not an index of the einsum 'p->p'}}
    %m = cascade.coord "m" : index
    cascade.yield %x : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @coord_outside(%a: tensor<4xf32>) -> index {
  // expected-error @+1 {{expects parent op 'cascade.einsum'}}
  %m = cascade.coord "m" : index
  return %m : index
}

// -----

func.func @region_captures(%a: tensor<4xf32>, %c: f32) -> tensor<4xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = cascade.einsum "p->p" ins(%a : tensor<4xf32>) {
  ^bb0(%x: f32):
    // expected-error @+1 {{using value defined outside the region}}
    %y = arith.addf %x, %c : f32
    cascade.yield %y : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @mask_without_key(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{expected ','}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.causal on "p") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @mask_unknown_dim(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask index 'x' is not an index of the einsum}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.causal on "p", "x") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @mask_same_dims(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask index 'p' is used twice; query and key indices must differ}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.causal on "p", "p") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @mask_args_without_mask(%s: tensor<4x6xf32>, %i: tensor<4xi32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask_args given without a mask}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask_args(%i : tensor<4xi32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @fill_without_mask(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{fill given without a mask}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) fill(0.0) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @fill_with_reduce(%s: tensor<4x6xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{fill is unused when masked points are reduced}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(add) mask(#cascade.causal on "p", "m") fill(0.0) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @document_arg_count(%s: tensor<4x6xf32>, %i: tensor<4xi32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask #cascade.document takes 2 runtime operands (query and key segment ids), got 1}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.document on "p", "m") mask_args(%i : tensor<4xi32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @document_arg_shape(%s: tensor<4x6xf32>, %i: tensor<4xi32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{key segment ids must have shape [6], got 'tensor<4xi32>'}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.document on "p", "m") mask_args(%i, %i : tensor<4xi32>, tensor<4xi32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @document_arg_float(%s: tensor<4x6xf32>, %a: tensor<4xf32>, %b: tensor<6xi32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{query segment ids must be a tensor of integers, got 'tensor<4xf32>'}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.document on "p", "m") mask_args(%a, %b : tensor<4xf32>, tensor<6xi32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @causal_with_args(%s: tensor<4x6xf32>, %i: tensor<4xi32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask #cascade.causal takes no runtime operands, got 1}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.causal on "p", "m") mask_args(%i : tensor<4xi32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @block_table_shape(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{block_sparse table must be 2x2 for 4 queries and 6 keys in blocks of [2, 3], got 2x3}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.block_sparse<block = [2, 3], table = dense<true> : tensor<2x3xi1>> on "p", "m") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @dynamic_blocks_rows(%s: tensor<4x6xf32>, %b: tensor<3x1xi64>) -> tensor<4x6xf32> {
  // expected-error @+1 {{key block indices must be a 2-D integer tensor with 2 rows (one per query block), got 'tensor<3x1xi64>'}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.dynamic_block_sparse<block = [2, 3]> on "p", "m") mask_args(%b : tensor<3x1xi64>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @neighborhood_cells(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{neighborhood grid has 12 cells but the masked ranks have sizes 16 (queries) and 16 (keys)}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<16x16xf32>) mask(#cascade.neighborhood<grid = [3, 4], kernel = [3, 3], dilation = [1, 1]> on "p", "m") -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @neighborhood_fit(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{neighborhood kernel 3 with dilation 2 does not fit grid dimension 1 of size 4}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<16x16xf32>) mask(#cascade.neighborhood<grid = [4, 4], kernel = [3, 3], dilation = [1, 2]> on "p", "m") -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @neighborhood_rank(%s: tensor<16x16xf32>) -> tensor<16x16xf32> {
  // expected-error @+1 {{neighborhood grid, kernel and dilation must have the same rank, got 2, 1, 2}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<16x16xf32>) mask(#cascade.neighborhood<grid = [4, 4], kernel = [3], dilation = [1, 1]> on "p", "m") -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

func.func @window_negative(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{sliding_window extents must be >= 0, got left = -1, right = 0}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.sliding_window<left = -1, right = 0> on "p", "m") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @all_of_not_mask(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{all_of element 1 : i64 is not a mask}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.all_of<[#cascade.causal, 1]> on "p", "m") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @unknown_mask(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{unknown attribute `diagonal` in dialect `cascade`}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.diagonal on "p", "m") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @not_a_mask(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{invalid kind of attribute specified}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(unit on "p", "m") -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @topk_too_large(%l: tensor<5x8xf32>) {
  // expected-error @+1 {{k = 9 is larger than the size 8 of the last dimension of 'input'}}
  %v, %i = cascade.topk %l k(9) : tensor<5x8xf32> -> tensor<5x9xf32>, tensor<5x9xi64>
  return
}

// -----

func.func @topk_zero(%l: tensor<5x8xf32>) {
  // expected-error @+1 {{k must be >= 1, got 0}}
  %v, %i = cascade.topk %l k(0) : tensor<5x8xf32> -> tensor<5x0xf32>, tensor<5x0xi64>
  return
}

// -----

func.func @topk_values_shape(%l: tensor<5x8xf32>) {
  // expected-error @+1 {{dimension 1 of 'values' is 3, expected 2}}
  %v, %i = cascade.topk %l k(2) : tensor<5x8xf32> -> tensor<5x3xf32>, tensor<5x2xi64>
  return
}

// -----

func.func @topk_float_indices(%l: tensor<5x8xf32>) {
  // expected-error @+1 {{'indices' must be a tensor of integers, got 'tensor<5x2xf32>'}}
  %v, %i = cascade.topk %l k(2) : tensor<5x8xf32> -> tensor<5x2xf32>, tensor<5x2xf32>
  return
}

// -----

func.func @topk_groups_split(%l: tensor<5x8xf32>) {
  // expected-error @+1 {{the last dimension (8) must split into 3 equal groups}}
  %v, %i = cascade.topk %l k(2) groups(3, 1) : tensor<5x8xf32> -> tensor<5x2xf32>, tensor<5x2xi64>
  return
}

// -----

func.func @topk_groups_k(%l: tensor<5x8xf32>) {
  // expected-error @+1 {{k = 3 exceeds the 2 candidates in the 1 groups kept}}
  %v, %i = cascade.topk %l k(3) groups(4, 1) : tensor<5x8xf32> -> tensor<5x3xf32>, tensor<5x3xi64>
  return
}

// -----

func.func @gather_shape(%x: tensor<5x16xf32>, %i: tensor<10xi64>) {
  // expected-error @+1 {{dimension 1 of 'result' is 8, expected 16}}
  %r = cascade.gather %x[%i] : tensor<5x16xf32>, tensor<10xi64> -> tensor<10x8xf32>
  return
}

// -----

func.func @gather_float_index(%x: tensor<5x16xf32>, %i: tensor<10xf32>) {
  // expected-error @+1 {{'indices' must be a tensor of integers}}
  %r = cascade.gather %x[%i] : tensor<5x16xf32>, tensor<10xf32> -> tensor<10x16xf32>
  return
}

// -----

func.func @gather_divisor(%x: tensor<5x16xf32>, %i: tensor<10xi64>) {
  // expected-error @+1 {{divisor must be >= 1, got 0}}
  %r = cascade.gather %x[%i] divisor(0) : tensor<5x16xf32>, tensor<10xi64> -> tensor<10x16xf32>
  return
}

// -----

func.func @scatter_weights(%y: tensor<10x16xf32>, %i: tensor<10xi64>, %w: tensor<9xf32>) {
  // expected-error @+1 {{dimension 0 of 'weights' is 9, expected 10}}
  %r = cascade.scatter %y[%i] weights(%w : tensor<9xf32>) : tensor<10x16xf32>, tensor<10xi64> -> tensor<5x16xf32>
  return
}

// -----

func.func @scatter_dynamic_rows(%y: tensor<10x16xf32>, %i: tensor<10xi64>) {
  // expected-error @+1 {{needs 'rows' for a run-time number of result rows}}
  %r = cascade.scatter %y[%i] : tensor<10x16xf32>, tensor<10xi64> -> tensor<?x16xf32>
  return
}

// -----

func.func @scatter_static_rows(%y: tensor<10x16xf32>, %i: tensor<10xi64>, %n: index) {
  // expected-error @+1 {{has 'rows' but a static number of result rows}}
  %r = cascade.scatter %y[%i] rows(%n) : tensor<10x16xf32>, tensor<10xi64> -> tensor<5x16xf32>
  return
}

// -----

func.func @scatter_result(%y: tensor<10x16xf32>, %i: tensor<10xi64>) {
  // expected-error @+1 {{dimension 1 of 'result' is 8, expected 16}}
  %r = cascade.scatter %y[%i] : tensor<10x16xf32>, tensor<10xi64> -> tensor<5x8xf32>
  return
}

// -----

func.func @permute_offsets(%i: tensor<5x2xi64>) {
  // expected-error @+1 {{dimension 0 of 'offsets' is 8, expected 9}}
  %p, %o = cascade.permute %i groups(8) : tensor<5x2xi64> -> tensor<10xi64>, tensor<8xi64>
  return
}

// -----

func.func @permute_perm(%i: tensor<5x2xi64>) {
  // expected-error @+1 {{dimension 0 of 'perm' is 5, expected 10}}
  %p, %o = cascade.permute %i groups(8) : tensor<5x2xi64> -> tensor<5xi64>, tensor<9xi64>
  return
}

// -----

func.func @grouped_row_index_in_weights(%x: tensor<6x2xf64>, %w: tensor<2x6x2xf64>, %o: tensor<3xi64>) {
  // expected-error @+1 {{the segmented index 'r' (first of 'lhs') must not appear in 'rhs': each row meets its group's weights whole}}
  %y = cascade.grouped_einsum "rh,erh->r" ins(%x, %w : tensor<6x2xf64>, tensor<2x6x2xf64>) offsets(%o : tensor<3xi64>) -> tensor<6xf64>
  return
}

// -----

func.func @grouped_group_index(%x: tensor<10x16xf32>, %w: tensor<8x16x32xf32>, %o: tensor<9xi64>) {
  // expected-error @+1 {{the group index 'e' (first of 'rhs') must appear only in 'rhs'}}
  %h = cascade.grouped_einsum "rh,ehi->rie" ins(%x, %w : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%o : tensor<9xi64>) -> tensor<10x32x8xf32>
  return
}

// -----

func.func @grouped_offsets(%x: tensor<10x16xf32>, %w: tensor<8x16x32xf32>, %o: tensor<8xi64>) {
  // expected-error @+1 {{dimension 0 of 'offsets' is 8, expected 9}}
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%o : tensor<8xi64>) -> tensor<10x32xf32>
  return
}

// -----

func.func @grouped_size(%x: tensor<10x16xf32>, %w: tensor<8x12x32xf32>, %o: tensor<9xi64>) {
  // expected-error @+1 {{index 'h' has size 12 in 'rhs' but 16 in 'lhs'}}
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<10x16xf32>, tensor<8x12x32xf32>) offsets(%o : tensor<9xi64>) -> tensor<10x32xf32>
  return
}

// -----

func.func @grouped_row_not_leading(%x: tensor<10x16xf32>, %w: tensor<8x16x32xf32>, %o: tensor<9xi64>) {
  // expected-error @+1 {{the segmented index 'r' (first of 'lhs') must lead the result}}
  %h = cascade.grouped_einsum "rh,ehi->ir" ins(%x, %w : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%o : tensor<9xi64>) -> tensor<32x10xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x80xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{dimension 3 (head_dim) of 'key' is 80, expected 64}}
  %o = cascade.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x2x16x80xf32>, tensor<1x2x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_gqa(%q: tensor<1x8x16x64xf32>, %k: tensor<1x3x16x64xf32>, %v: tensor<1x3x16x64xf32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of key/value heads (3)}}
  %o = cascade.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_value_keys(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x12x64xf32>) {
  // expected-error @+1 {{dimension 2 (keys) of 'value' is 12, expected 16}}
  %o = cascade.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x12x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_output(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x32x64xf32>, %v: tensor<1x2x32x80xf32>) {
  // expected-error @+1 {{dimension 3 (value_dim) of 'output' is 64, expected 80}}
  %o = cascade.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x2x32x64xf32>, tensor<1x2x32x80xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_rank(%q: tensor<8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{'query' must have rank 4 [batch, heads, queries, head_dim], got 'tensor<8x16x64xf32>'}}
  %o = cascade.attention %q, %k, %v : tensor<8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_bias(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x32x64xf32>, %v: tensor<1x2x32x64xf32>, %b: tensor<16x16xf32>) {
  // expected-error @+1 {{dimension 1 (keys) of 'bias' is 16, expected 32}}
  %o = cascade.attention %q, %k, %v bias(%b : tensor<16x16xf32>) : tensor<1x8x16x64xf32>, tensor<1x2x32x64xf32>, tensor<1x2x32x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_lse(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{dimension 2 (queries) of 'lse' is 8, expected 16}}
  %o, %l = cascade.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x8x16x64xf32>, tensor<1x8x8xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{block_sparse table must be 2x2 for 16 queries and 16 keys in blocks of [8, 8], got 1x1}}
  %o = cascade.attention %q, %k, %v mask(#cascade.block_sparse<block = [8, 8], table = dense<true> : tensor<1x1xi1>>) : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_softcap(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{softcap must be > 0}}
  %o = cascade.attention %q, %k, %v {softcap = -1.0 : f64} : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @moe_k(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{k = 9 is larger than the number of experts 8}}
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(9) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_weight_count(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{swiglu experts take 3 weight tensors (gate, up, down), got 2}}
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(2) experts(swiglu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_expert_shape(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x12x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{dimension 1 (hidden) of 'expert up' is 12, expected 16}}
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x12x32xf32>, tensor<8x32x16xf32>) : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_expert_count(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<4x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{dimension 0 (experts) of 'expert up' is 4, expected 8}}
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(2) experts(gelu %wu, %wd : tensor<4x16x32xf32>, tensor<8x32x16xf32>) : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_bias_needed(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{router_bias is required by, and only used by, the sigmoid_bias router}}
  %y = cascade.moe %x router(sigmoid_bias %wr : tensor<16x8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_groups(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %b: tensor<8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{the 8 experts must split into 3 equal groups}}
  %y = cascade.moe %x router(sigmoid_bias %wr : tensor<16x8xf32>) router_bias(%b : tensor<8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) {num_groups = 3, groups_kept = 1} : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_capacity(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{capacity_factor must be > 0}}
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) {capacity_factor = 0.0 : f64} : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_shared_count(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>, %s: tensor<16x24xf32>) {
  // expected-error @+1 {{gelu shared experts take 2 weight matrices, got 1}}
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) shared(%s : tensor<16x24xf32>) : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_normalize(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{normalize applies to the softmax_topk router only}}
  %y = cascade.moe %x router(topk_softmax %wr : tensor<16x8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) {normalize} : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @moe_bad_router(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'router' [softmax_topk, topk_softmax, sigmoid_bias]}}
  %y = cascade.moe %x router(softmax %wr : tensor<16x8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) : tensor<5x16xf32> -> tensor<5x16xf32>
  return
}

// -----

func.func @mask_extent_too_big(%s: tensor<4x2x3xf32>) -> tensor<4x2x3xf32> {
  // expected-error @+1 {{mask_extent keys = 7 is outside [0, 6], the size of 'nm'}}
  %0 = cascade.einsum "pnm->pnm" ins(%s : tensor<4x2x3xf32>) mask(#cascade.causal on "p", "nm") mask_extent([4, 7]) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

func.func @mask_extent_sizes_alone(%s: tensor<4x6xf32>, %n: index) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask_extent sizes given without a mask_extent}}
  %0 = "cascade.einsum"(%s, %n) <{spec = "pm->pm", mask = #cascade.causal, mask_query = "p", mask_key = "m", operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 1>}> ({}) : (tensor<4x6xf32>, index) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @mask_extent_sizes_count(%s: tensor<4x6xf32>, %n: index) -> tensor<4x6xf32> {
  // expected-error @+1 {{expected 1 dynamic mask_extent values}}
  %0 = "cascade.einsum"(%s, %n, %n) <{spec = "pm->pm", mask = #cascade.causal, mask_query = "p", mask_key = "m", mask_extent = array<i64: 4, -9223372036854775808>, operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 2>}> ({}) : (tensor<4x6xf32>, index, index) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @mask_extent_arity(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask_extent takes [queries, keys], got 1 values}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.causal on "p", "m") mask_extent([4]) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @mask_extent_checks_table(%s: tensor<4x2x4xf32>) -> tensor<4x2x4xf32> {
  // The block table is checked against the logical 4 x 7 extent.
  // expected-error @+1 {{block_sparse table must be 2x3 for 4 queries and 7 keys in blocks of [2, 3], got 2x2}}
  %0 = cascade.einsum "pnm->pnm" ins(%s : tensor<4x2x4xf32>) mask(#cascade.block_sparse<block = [2, 3], table = dense<true> : tensor<2x2xi1>> on "p", "nm") mask_extent([4, 7]) -> tensor<4x2x4xf32>
  return %0 : tensor<4x2x4xf32>
}

// -----

func.func @extent_without_mask(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{mask indices, extent or block classes given without a mask}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask_extent([4, 6]) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @iterate_size(%x: tensor<5x3xf32>, %s0: tensor<3xf32>) -> tensor<5x3xf32> {
  // expected-error @+1 {{result dimension 0 (index 'n') has size 5, expected 6 (steps + 1)}}
  %0 = cascade.einsum "np->np" ins(%x : tensor<5x3xf32>) iterate("n" init %s0 : tensor<3xf32>) {
  ^bb0(%prev: f32, %a: f32):
    %r = arith.maximumf %prev, %a : f32
    cascade.yield %r : f32
  } -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @iterate_init_shape(%x: tensor<5x3xf32>, %s0: tensor<4xf32>) -> tensor<6x3xf32> {
  // expected-error @+1 {{dimension 0 of 'init' is 4, expected 3}}
  %0 = cascade.einsum "np->np" ins(%x : tensor<5x3xf32>) iterate("n" init %s0 : tensor<4xf32>) {
  ^bb0(%prev: f32, %a: f32):
    cascade.yield %a : f32
  } -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

func.func @iterate_no_region(%x: tensor<5x3xf32>, %s0: tensor<3xf32>) -> tensor<6x3xf32> {
  // expected-error @+1 {{an iterative einsum needs a map region taking the previous state first}}
  %0 = cascade.einsum "np->np" ins(%x : tensor<5x3xf32>) iterate("n" init %s0 : tensor<3xf32>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

func.func @iterate_reduce(%x: tensor<5x3x2xf32>, %s0: tensor<3xf32>) -> tensor<6x3xf32> {
  // expected-error @+1 {{an iterative einsum cannot reduce}}
  %0 = cascade.einsum "npm->np" ins(%x : tensor<5x3x2xf32>) iterate("n" init %s0 : tensor<3xf32>) reduce(add) {
  ^bb0(%prev: f32, %a: f32):
    cascade.yield %a : f32
  } -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

func.func @iterate_state_arg(%x: tensor<5x3xf32>, %s0: tensor<3xf32>) -> tensor<6x3xf32> {
  // expected-error @+1 {{map region has 1 arguments, expected the previous state and one per input (1)}}
  %0 = cascade.einsum "np->np" ins(%x : tensor<5x3xf32>) iterate("n" init %s0 : tensor<3xf32>) {
  ^bb0(%a: f32):
    cascade.yield %a : f32
  } -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

func.func @iterate_not_in_result(%x: tensor<5x3xf32>, %s0: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{iterative index 'n' must be an index of the result}}
  %0 = cascade.einsum "np->p" ins(%x : tensor<5x3xf32>) iterate("n" init %s0 : tensor<3xf32>) {
  ^bb0(%prev: f32, %a: f32):
    cascade.yield %a : f32
  } -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @classes_shape(%s: tensor<8x8xf32>, %t: tensor<2x3xi8>) -> tensor<8xf32> {
  // expected-error @+1 {{dimension 1 (key blocks) of 'block classes' is 3, expected 2}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<8x8xf32>) reduce(add) mask(#cascade.causal on "p", "m") blocks(%t : tensor<2x3xi8>) block([4, 4]) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @classes_without_block(%s: tensor<8x8xf32>, %t: tensor<2x2xi8>) -> tensor<8xf32> {
  // expected-error @+1 {{block classes and their block size go together}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<8x8xf32>) reduce(add) mask(#cascade.causal on "p", "m") blocks(%t : tensor<2x2xi8>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @classes_type(%s: tensor<8x8xf32>, %t: tensor<2x2xi32>) -> tensor<8xf32> {
  // expected-error @+1 {{block classes must be i8, got 'tensor<2x2xi32>'}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<8x8xf32>) reduce(add) mask(#cascade.causal on "p", "m") blocks(%t : tensor<2x2xi32>) block([4, 4]) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @classify_extent() -> tensor<2x2xi8> {
  // expected-error @+1 {{dimension 0 (query blocks) of 'block classes' is 2, expected 3}}
  %t = cascade.classify_blocks #cascade.causal extent([9, 8]) block([4, 4]) : tensor<2x2xi8>
  return %t : tensor<2x2xi8>
}

// -----

func.func @classify_block_size() -> tensor<2x2xi8> {
  // expected-error @+1 {{block sizes must be two positive numbers [queries, keys]}}
  %t = cascade.classify_blocks #cascade.causal extent([8, 8]) block([0, 4]) : tensor<2x2xi8>
  return %t : tensor<2x2xi8>
}

// -----

func.func @classify_negative_extent() -> tensor<2x2xi8> {
  // expected-error @+1 {{extent must be [queries, keys]}}
  %t = cascade.classify_blocks #cascade.causal extent([-3, 8]) block([4, 4]) : tensor<2x2xi8>
  return %t : tensor<2x2xi8>
}

// -----

func.func @classify_runtime_args(%ids: tensor<8xi32>) -> tensor<2x2xi8> {
  // expected-error @+1 {{mask #cascade.document takes 2 runtime operands (query and key segment ids), got 1}}
  %t = cascade.classify_blocks #cascade.document extent([8, 8]) block([4, 4]) mask_args(%ids : tensor<8xi32>) : tensor<2x2xi8>
  return %t : tensor<2x2xi8>
}

// -----

func.func @grouped_weights_differ(%x: tensor<10x16xf32>, %a: tensor<8x16x32xf32>, %b: tensor<8x16x16xf32>, %o: tensor<9xi64>) {
  // expected-error @+1 {{weights must share one type, got 'tensor<8x16x32xf32>' and 'tensor<8x16x16xf32>'}}
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %a, %b : tensor<10x16xf32>, tensor<8x16x32xf32>, tensor<8x16x16xf32>) offsets(%o : tensor<9xi64>) {
  ^bb0(%g: f32, %u: f32):
    cascade.yield %g : f32
  } -> tensor<10x32xf32>
  return
}

// -----

func.func @grouped_needs_epilogue(%x: tensor<10x16xf32>, %a: tensor<8x16x32xf32>, %o: tensor<9xi64>) {
  // expected-error @+1 {{2 weights need an epilogue region combining them}}
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %a, %a : tensor<10x16xf32>, tensor<8x16x32xf32>, tensor<8x16x32xf32>) offsets(%o : tensor<9xi64>) -> tensor<10x32xf32>
  return
}

// -----

func.func @grouped_epilogue_args(%x: tensor<10x16xf32>, %a: tensor<8x16x32xf32>, %o: tensor<9xi64>) {
  // expected-error @+1 {{epilogue has 1 arguments, expected one per weight (2)}}
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %a, %a : tensor<10x16xf32>, tensor<8x16x32xf32>, tensor<8x16x32xf32>) offsets(%o : tensor<9xi64>) {
  ^bb0(%g: f32):
    cascade.yield %g : f32
  } -> tensor<10x32xf32>
  return
}

// -----

func.func @grouped_epilogue_yield(%x: tensor<10x16xf32>, %a: tensor<8x16x32xf32>, %o: tensor<9xi64>) {
  // expected-error @+1 {{epilogue must yield one value of type 'f32'}}
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %a : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%o : tensor<9xi64>) {
  ^bb0(%g: f32):
    %t = arith.truncf %g : f32 to f16
    cascade.yield %t : f16
  } -> tensor<10x32xf32>
  return
}

// -----

func.func @check_floats(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{checks integer tensors, got 'tensor<4xf32>'}}
  %0 = cascade.check_indices %x in [0, 8) what("x") : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @check_empty_range(%x: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{range [3, 3) is empty}}
  %0 = cascade.check_indices %x in [3, 3) what("x") : tensor<4xi64>
  return %0 : tensor<4xi64>
}
