//===- CascadeOps.td - cascade ops -------------------------*- tablegen -*-===//

#ifndef CASCADE_OPS_TD
#define CASCADE_OPS_TD

include "CascadeDialect.td"
include "CascadeAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

//===----------------------------------------------------------------------===//
// Extended Einsum
//===----------------------------------------------------------------------===//

def Cascade_EinsumOp : Cascade_Op<"einsum", [
    AttrSizedOperandSegments, Pure, IsolatedFromAbove]> {
  let summary = "extended Einsum: map, reduce and mask over named indices";
  let description = [{
    `spec` names the indices of every input and of the result, one letter per
    rank, NumPy style: `"pe,me->pm"`. The iteration space is the union of all
    indices; every index has one size, taken from whichever operand has it.

    At every point the **map** operator combines the inputs' elements: one of
    `mul add sub div max min` for two inputs, the identity for a single input,
    or a region for any scalar code (block arguments are the inputs' elements,
    `cascade.yield` returns the value; `cascade.coord "p"` reads a coordinate).
    The **reduce** operator (`add max min`) folds the indices absent from the
    result; it must be given exactly when some index is absent.

    An optional **mask** (any `#cascade.*` mask attribute) is a predicate over
    a query coordinate and a key coordinate, named by `on "p", "m"`. A group
    of several letters is a partitioned rank, read row-major: `on "p", "nm"`
    is key `n * size(m) + m`. `mask_extent([P, M])` gives the logical sizes
    the mask sees; coordinates past them (padding of a partitioned rank) are
    masked. Either may be a run-time `index` (`mask_extent([%p, %m])`: a
    run-time sequence length padded to whole blocks). Points where the mask is false do not take part in the
    reduction; without a reduction they take the `fill` value (default
    -inf). Masks that read runtime tensors get them through `mask_args`.

    **Iterative ranks.** With `iterate("n" init %s0)`, index `n` is an
    iterative rank: the result has one more entry along `n` than the inputs,
    `result[n = 0] = init` and `result[n + 1] = map(result[n], inputs[n])`,
    the map region taking the previous state as its first argument. This is
    how 1-pass cascades carry running state (FuseMax's
    `RM[m1+1] = max(RM[m1], LM[m1])`) and how chunked recurrences (linear
    attention's `S[c+1] = S[c] + K[c]^T V[c]`) are written. An iterative
    einsum does not reduce and has no mask.

    **Block classes.** `blocks(%t : tensor<QBxKBxi8>) block([bq, bk])`
    attaches the mask's class per (query block, key block), as computed by
    `cascade.classify_blocks`: lowerings skip empty blocks and drop the mask
    test in full ones. The classes never change the result; the reference
    interpreter checks that they agree with the mask.

    **Tiles.** Inside a `tile.program` an einsum computes one tile of a
    larger cascade. `origin("pn" = %p0, %n0)` gives the coordinate, in the
    whole cascade, of the tile's first element along each named index, which
    `cascade.coord` adds to the local coordinate. For the mask,
    `mask_origin(%q0, %k0)` gives the query and key coordinates of the tile's
    first element: the mask sees `mask_origin + the row-major coordinate
    within the tile`, so a tile of a causal einsum is masked exactly as its
    place in the full einsum is. A tile's mask needs `mask_extent` (the
    logical sizes cannot be read off a tile).

    ```mlir
    %s = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<128x64xf32>, tensor<256x64xf32>)
           map(mul) reduce(add) mask(#cascade.causal on "p", "m") -> tensor<128x256xf32>
    %e = cascade.einsum "pm,p->pm" ins(%s, %mx : tensor<128x256xf32>, tensor<128xf32>) {
         ^bb0(%a: f32, %b: f32):
           %d = arith.subf %a, %b : f32
           %x = math.exp %d : f32
           cascade.yield %x : f32
         } -> tensor<128x256xf32>
    ```
  }];
  let arguments = (ins StrAttr:$spec,
                       Variadic<AnyRankedTensor>:$inputs,
                       Variadic<AnyRankedTensor>:$mask_args,
                       Optional<AnyRankedTensor>:$init,
                       Optional<AnyRankedTensor>:$block_classes,
                       Variadic<Index>:$origin_offsets,
                       Variadic<Index>:$mask_origin,
                       Variadic<Index>:$mask_extent_sizes,
                       OptionalAttr<Cascade_MapKind>:$map,
                       OptionalAttr<Cascade_ReduceKind>:$reduce,
                       OptionalAttr<StrAttr>:$iterate,
                       OptionalAttr<Cascade_MaskAttrInterface>:$mask,
                       OptionalAttr<StrAttr>:$mask_query,
                       OptionalAttr<StrAttr>:$mask_key,
                       OptionalAttr<DenseI64ArrayAttr>:$mask_extent,
                       OptionalAttr<DenseI64ArrayAttr>:$class_block,
                       OptionalAttr<F64Attr>:$fill,
                       OptionalAttr<StrAttr>:$origin);
  let results = (outs AnyRankedTensor:$result);
  let regions = (region AnyRegion:$body);
  let assemblyFormat = [{
    $spec `ins` `(` $inputs `:` type($inputs) `)`
    (`iterate` `(` $iterate^ `init` $init `:` type($init) `)`)?
    (`map` `(` $map^ `)`)?
    (`reduce` `(` $reduce^ `)`)?
    (`mask` `(` $mask^ `on` $mask_query `,` $mask_key `)`)?
    custom<MaskExtent>($mask_extent_sizes, $mask_extent)
    (`mask_origin` `(` $mask_origin^ `)`)?
    (`mask_args` `(` $mask_args^ `:` type($mask_args) `)`)?
    (`blocks` `(` $block_classes^ `:` type($block_classes) `)`)?
    (`block` `(` $class_block^ `)`)?
    (`fill` `(` $fill^ `)`)?
    (`origin` `(` $origin^ `=` $origin_offsets `)`)?
    ($body^)? attr-dict-with-keyword `->` type($result)
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Type":$resultType, "::llvm::StringRef":$spec,
                   "::mlir::ValueRange":$inputs,
                   "std::optional<MapKind>":$map,
                   "std::optional<ReduceKind>":$reduce)>
  ];
  let extraClassDeclaration = [{
    /// Index letters of each input and of the result, parsed from `spec`.
    struct Indices {
      ::llvm::SmallVector<std::string> inputs;
      std::string result;
    };
    static ::mlir::FailureOr<Indices> parseSpec(::llvm::StringRef spec);
    Indices getIndices();
    /// Indices present in some input but not in the result, in first-seen order.
    std::string getReducedIndices();
    /// mask_extent as [queries, keys], run-time sizes as values; empty
    /// without one.
    ::llvm::SmallVector<::mlir::OpFoldResult> getMixedMaskExtent();
    /// Sets mask_extent, run-time sizes as operands.
    void setMixedMaskExtent(::llvm::ArrayRef<::mlir::OpFoldResult> extent);
    /// The input dimension that result dimension `resultDim` takes its size
    /// from: the first input holding its letter, as (input number,
    /// dimension). None for the iterative index, whose result dimension has
    /// one more state than the input has steps.
    std::optional<std::pair<unsigned, int64_t>>
    getSizeSource(int64_t resultDim);
    /// The iterative index, or 0.
    char getIterativeIndex() {
      return getIterate() ? (*getIterate())[0] : 0;
    }
    /// Adds the map region with one argument per input element type; the
    /// builder is left at the start of its block.
    ::mlir::Block &addMapBlock(::mlir::OpBuilder &builder);
  }];
}

def Cascade_YieldOp : Cascade_Op<"yield", [Pure, Terminator,
    ParentOneOf<["EinsumOp", "GroupedEinsumOp"]>]> {
  let summary = "returns the map value of an einsum point";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

def Cascade_CoordOp : Cascade_Op<"coord", [Pure, HasParent<"EinsumOp">]> {
  let summary = "coordinate of a named index at the current einsum point";
  let description = [{
    Inside an einsum map region, `cascade.coord "p" : index` is the coordinate
    of index `p` at the point being computed (like `linalg.index`), so maps can
    depend on positions (ALiBi, relative biases, custom masks).
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Index:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Cascade_ClassifyBlocksOp : Cascade_Op<"classify_blocks", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "classify (query block, key block) pairs of a mask";
  let description = [{
    The result has one entry per block of `block = [bq, bk]` over the
    logical `extent = [queries, keys]`: 0 when the mask keeps no point of
    the block (empty: never loaded), 2 when it keeps every point (full: no
    mask test), 1 otherwise (partial). Masks without runtime operands fold
    to a constant table at compile time when the extent is static (analytic
    rules per mask; a mask without a rule says partial, which is always
    correct). The others are classified at run time: masks with runtime
    operands from those operands, and any mask whose extent is only known
    at run time (an `index` operand in `extent`, e.g. the `tensor.dim` of a
    dynamic sequence length; the table then has a dynamic size).

    ```mlir
    %t = cascade.classify_blocks #cascade.causal extent([4096, 4096])
           block([64, 64]) : tensor<64x64xi8>
    %u = cascade.classify_blocks #cascade.causal extent([%p, %m])
           block([64, 64]) : tensor<?x?xi8>
    ```
  }];
  let arguments = (ins Cascade_MaskAttrInterface:$mask,
                       Variadic<Index>:$dynamic_extent,
                       DenseI64ArrayAttr:$extent, DenseI64ArrayAttr:$block,
                       Variadic<AnyRankedTensor>:$mask_args);
  let results = (outs AnyRankedTensor:$classes);
  let assemblyFormat = [{
    $mask `extent` `(` custom<DynamicIndexList>($dynamic_extent, $extent) `)`
    `block` `(` $block `)`
    (`mask_args` `(` $mask_args^ `:` type($mask_args) `)`)? attr-dict `:`
    type($classes)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// Shape of the table over `extent` (entries may be dynamic) in blocks
    /// of `block`: one entry per (query block, key block).
    static ::llvm::SmallVector<int64_t, 2>
    getTableShape(::llvm::ArrayRef<int64_t> extent,
                  ::llvm::ArrayRef<int64_t> block);
  }];
}

//===----------------------------------------------------------------------===//
// Routing primitives
//===----------------------------------------------------------------------===//

def Cascade_TopKOp : Cascade_Op<"topk", [Pure]> {
  let summary = "k largest values along the last dimension, and their indices";
  let description = [{
    Values are sorted in descending order; ties go to the lower index. With
    `groups(G, kept)` the last dimension is split into G equal groups, each
    group is scored by the sum of its two largest values (DeepSeek-V3's
    group-limited routing), only the `kept` best groups are eligible, and the
    top k is taken among their members.
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$k,
                       OptionalAttr<I64Attr>:$num_groups,
                       OptionalAttr<I64Attr>:$groups_kept);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$indices);
  let assemblyFormat = [{
    $input `k` `(` $k `)` (`groups` `(` $num_groups^ `,` $groups_kept `)`)?
    attr-dict `:` type($input) `->` type($values) `,` type($indices)
  }];
  let hasVerifier = 1;
}

def Cascade_GatherOp : Cascade_Op<"gather", [Pure]> {
  let summary = "rows of a tensor selected by an index tensor";
  let description = [{
    `result[i..., r...] = source[indices[i...] floordiv divisor, r...]`: the
    result's shape is the indices' shape followed by the source's trailing
    dimensions. A negative index gives a row of zeros (a dropped slot); an
    index past the rows of `source` is a run-time error.
  }];
  let arguments = (ins AnyRankedTensor:$source, AnyRankedTensor:$indices,
                       DefaultValuedAttr<I64Attr, "1">:$divisor);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $source `[` $indices `]` (`divisor` `(` $divisor^ `)`)? attr-dict `:`
    type($source) `,` type($indices) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cascade_ScatterOp : Cascade_Op<"scatter", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "weighted scatter-add of rows (MoE combine)";
  let description = [{
    Starting from zeros of the result type,
    `result[indices[i...] floordiv divisor, r...] += weights[i...] * source[i..., r...]`
    for every i (weights default to 1). Negative indices are skipped (dropped
    slots); an index past the result's rows is a run-time error.

    The result's rows are a run-time size (`?`, e.g. the tokens of a serving
    batch) exactly when `rows(%n)` gives them; the other result dimensions
    are the source's.

    ```mlir
    %out = cascade.scatter %down[%perm] weights(%w : tensor<?xf32>) divisor(2)
             rows(%tokens) : tensor<?x128xf32>, tensor<?xi64> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$source, AnyRankedTensor:$indices,
                       Optional<AnyRankedTensor>:$weights,
                       Optional<Index>:$rows,
                       DefaultValuedAttr<I64Attr, "1">:$divisor);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $source `[` $indices `]` (`weights` `(` $weights^ `:` type($weights) `)`)?
    (`divisor` `(` $divisor^ `)`)? (`rows` `(` $rows^ `)`)? attr-dict `:`
    type($source) `,` type($indices) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cascade_PermuteOp : Cascade_Op<"permute", [Pure]> {
  let summary = "group slots by key: a stable permutation and group offsets";
  let description = [{
    `keys` (integers in [0, groups), any shape) is read in row-major order as
    slots s = 0 .. N-1. `perm` lists the slots grouped by key, ascending, each
    group in slot order; `offsets[g]` is where group g starts and
    `offsets[groups]` is the number of rows kept. With `capacity(C)` only the
    first C slots of each group are kept; the dropped slots appear as -1 at
    the end of `perm`. A key outside [0, groups) is a run-time error.
  }];
  let arguments = (ins AnyRankedTensor:$keys, I64Attr:$groups,
                       OptionalAttr<I64Attr>:$capacity);
  let results = (outs AnyRankedTensor:$perm, AnyRankedTensor:$offsets);
  let assemblyFormat = [{
    $keys `groups` `(` $groups `)` (`capacity` `(` $capacity^ `)`)? attr-dict
    `:` type($keys) `->` type($perm) `,` type($offsets)
  }];
  let hasVerifier = 1;
}

def Cascade_GroupedEinsumOp : Cascade_Op<"grouped_einsum", [Pure,
    IsolatedFromAbove]> {
  let summary = "one contraction per segment of rows, with per-group weights";
  let description = [{
    `"rh,ehi->ri"`: the first index of the input (`r`) is split into
    segments by `offsets` (size G+1, as produced by `cascade.permute`); rows of
    segment g are contracted with slice g of the weights along their first
    index (`e`, of size G). Rows outside every segment give zeros. Indices
    absent from the result are summed.

    With several weights of one shape and an **epilogue** region, each is
    contracted with the same rows and the region combines the results per
    point: the expert MLP's gate and up projections with the activation
    fused, SwiGLU being
    ```mlir
    %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w_gate, %w_up : ...)
           offsets(%off : tensor<9xi64>) {
         ^bb0(%g: f32, %u: f32):  // silu(g) * u
           ...
           cascade.yield %h : f32
         } -> tensor<10x32xf32>
    ```
  }];
  let arguments = (ins StrAttr:$spec, AnyRankedTensor:$lhs,
                       Variadic<AnyRankedTensor>:$weights,
                       AnyRankedTensor:$offsets);
  let results = (outs AnyRankedTensor:$result);
  let regions = (region AnyRegion:$epilogue);
  let assemblyFormat = [{
    $spec `ins` `(` $lhs `,` $weights `:` type($lhs) `,` type($weights) `)`
    `offsets` `(` $offsets `:` type($offsets) `)` ($epilogue^)? attr-dict
    `->` type($result)
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Cascade_CheckIndicesOp : Cascade_Op<"check_indices", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "run-time check that integer entries lie in a range";
  let description = [{
    Returns `input` unchanged when every entry lies in `[lower, upper)` (an
    entry equal to `allow`, when given, is accepted too, e.g. -1 padding;
    `lower` = -2^63 bounds nothing, e.g. where every negative entry is a
    dropped slot)
    and, with `nondecreasing`, no entry is smaller than the one before it.
    Otherwise execution stops with a run-time error naming `what`, the
    entry's position and its value. (A compiled kernel reports it when the
    launch returns; its work items still run to the end, seeing the entries
    forced into range, so that none indexes out of bounds.) Lowerings insert it where a bad index
    would otherwise read or write out of bounds or give a silent wrong
    answer (routing keys, group offsets, block indices); users of the result
    see only checked values.

    ```mlir
    %k = cascade.check_indices %keys in [0, 8) what("expert ids")
           : tensor<64x2xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$lower, I64Attr:$upper,
                       OptionalAttr<I64Attr>:$allow, UnitAttr:$nondecreasing,
                       StrAttr:$what);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `in` `[` $lower `,` $upper `)` (`allow` `(` $allow^ `)`)?
    (`nondecreasing` $nondecreasing^)? `what` `(` $what `)` attr-dict `:`
    type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

def Cascade_AttentionOp : Cascade_Op<"attention", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention with masks, biases and GQA";
  let description = [{
    query [B, H, P, D], key [B, Hkv, M, D], value [B, Hkv, M, F] give
    output [B, H, P, F]; H must be a multiple of Hkv (GQA; Hkv = 1 is MQA).
    Logits are `scale * q.k` (default 1/sqrt(D)), then `softcap * tanh(x /
    softcap)` if `softcap` is set, then plus the ALiBi bias
    `slope_h * (k - q)` with the standard slopes 2^(-8(h+1)/H) if `alibi` is
    set, plus `bias` if given (shape [P, M], [H, P, M] or [B, H, P, M]), then
    masked by `mask`. A row whose keys are all masked gives 0, and -inf as its
    log-sum-exp. The optional second result is the log-sum-exp [B, H, P].
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key,
                       AnyRankedTensor:$value,
                       Optional<AnyRankedTensor>:$bias,
                       Variadic<AnyRankedTensor>:$mask_args,
                       OptionalAttr<F64Attr>:$scale,
                       OptionalAttr<F64Attr>:$softcap,
                       UnitAttr:$alibi,
                       OptionalAttr<Cascade_MaskAttrInterface>:$mask);
  let results = (outs AnyRankedTensor:$output,
                      Optional<AnyRankedTensor>:$lse);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`mask` `(` $mask^ `)`)?
    (`mask_args` `(` $mask_args^ `:` type($mask_args) `)`)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) `->` type($output)
    (`,` type($lse)^)?
  }];
  let hasVerifier = 1;
}

def Cascade_MoeOp : Cascade_Op<"moe", [Pure, AttrSizedOperandSegments]> {
  let summary = "Mixture-of-Experts layer: router, top-k, experts, combine";
  let description = [{
    input [T, Hd]; router weight [Hd, E]; expert weights, in
    `experts(...)`: SwiGLU takes (gate [E, Hd, I], up [E, Hd, I], down [E, I, Hd])
    and computes down(silu(x gate) * (x up)); GELU takes (up, down) and
    computes down(gelu(x up)) with the exact (erf) GELU. `shared(...)` gives
    dense experts of the same activation applied to every token
    ([Hd, S] / [S, Hd] matrices), added to the routed output.

    Routers: `softmax_topk` (softmax over experts, top-k, renormalised when
    `normalize` is set), `topk_softmax` (top-k of the logits, softmax over the
    k), `sigmoid_bias` (DeepSeek-V3: sigmoid scores, top-k of scores +
    `router_bias` with optional group limiting `num_groups`/`groups_kept`,
    weights are the unbiased scores renormalised). Weights are multiplied by
    `routed_scale` (default 1).

    Without `capacity_factor` routing is dropless; with it each expert takes
    at most ceil(capacity_factor * T * k / E) slots, in token order, and the
    rest are dropped (they contribute nothing).
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       AnyRankedTensor:$router_weight,
                       Optional<AnyRankedTensor>:$router_bias,
                       Variadic<AnyRankedTensor>:$expert_weights,
                       Variadic<AnyRankedTensor>:$shared_weights,
                       Cascade_RouterKind:$router, I64Attr:$k,
                       Cascade_Activation:$activation,
                       UnitAttr:$normalize,
                       OptionalAttr<I64Attr>:$num_groups,
                       OptionalAttr<I64Attr>:$groups_kept,
                       OptionalAttr<F64Attr>:$routed_scale,
                       OptionalAttr<F64Attr>:$capacity_factor);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input `router` `(` $router $router_weight `:` type($router_weight) `)`
    (`router_bias` `(` $router_bias^ `:` type($router_bias) `)`)?
    `k` `(` $k `)`
    `experts` `(` $activation $expert_weights `:` type($expert_weights) `)`
    (`shared` `(` $shared_weights^ `:` type($shared_weights) `)`)?
    attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of expert weight tensors the activation takes (3 or 2).
    unsigned getNumWeightsPerExpert() {
      return getActivation() == Activation::swiglu ? 3 : 2;
    }
  }];
}

#endif // CASCADE_OPS_TD
