//===- Passes.td - cascade passes --------------------------*- tablegen -*-===//

#ifndef CASCADE_TRANSFORMS_PASSES_TD
#define CASCADE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CascadeDecompose : Pass<"cascade-decompose"> {
  let summary = "Rewrite cascade.attention and cascade.moe into einsum and "
                "routing primitives";
  let description = [{
    `cascade.attention` becomes the 3-pass softmax cascade of
    `cascade.einsum` ops (QK^T, logits with scale/softcap/ALiBi/bias/mask, row
    max, exp, row sum, normalise, AV, and the log-sum-exp when asked), with
    GQA expressed by splitting the query heads into [kv_heads, group] through
    `tensor.expand_shape`. Fully masked rows give 0 and a log-sum-exp of
    -inf. Batch and sequence lengths may be run-time sizes (the einsums
    then have dynamic shapes); the head counts and the head dim must be
    static.

    `cascade.moe` becomes router logits (einsum), the router (softmax/sigmoid
    einsums and `cascade.topk`), `cascade.permute` of the chosen slots by
    expert, `cascade.gather` of token rows, `cascade.grouped_einsum` per
    expert with the activation as an einsum map region, and a weighted
    `cascade.scatter` back to tokens, plus dense shared experts. The token
    count may be a run-time size (a serving batch): every op of the chain
    keeps it as one, and the scatter takes it as its `rows`. The hidden
    size and the number of experts must be static, and so must the token
    count when a capacity factor is given (the capacity is a fraction of
    the slots).

    Intermediates of f16/bf16 graphs are kept in f32. What cannot be
    decomposed is reported as an error naming the reason.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect",
                           "::cascade::CascadeDialect"];
}

def CascadeCountPasses : Pass<"cascade-count-passes", "::mlir::func::FuncOp"> {
  let summary = "Count the passes each cascade makes over each reduced rank";
  let description = [{
    The FuseMax analysis. Ranks are followed through the dataflow (an index
    of an einsum input and the same index of its result are one rank; so are
    the kept dimensions of reshapes, pads and slices). For every rank that
    some einsum reduces or iterates over, each value gets the pass over that
    rank in which it is produced:

    * a value that carries the rank streams in the pass of its inputs;
    * a value that no longer carries it (a reduction over it) is complete at
      the end of that pass;
    * an einsum that reads the rank while also reading a value completed in
      pass k runs in pass k + 1.

    The 3-pass softmax needs 3 passes over the key rank (max, then sum, then
    normalise and contract); the 1-pass form needs 1 pass over the block
    rank, carrying running state along it as an iterative rank.

    Results are remarks: one per rank on the function ("rank 'm' ...: 3
    passes"), and one on each einsum that starts a new pass, naming the
    reduction it waits for.
  }];
  let dependentDialects = ["::cascade::CascadeDialect"];
}

def CascadeOnlineSoftmax : Pass<"cascade-online-softmax"> {
  let summary = "Rewrite max -> exp -> sum -> divide -> contract over a rank "
                "into the 1-pass online cascade";
  let description = [{
    Finds, on any cascade, the chain

    ```
    GM = S : max over m          SN = exp(S - GM)         SD = SN : add over m
    A  = SN / SD                 AV = A * V : add over m  [LSE = GM + log(SD)]
    ```

    and rewrites it into FuseMax's 1-pass form. The rank m is partitioned into
    n blocks of `block-size` (the producers of S are partitioned too, down to
    the function's tensors, which are padded to a whole number of blocks;
    masks see the logical extent, so padding is masked), and running state
    is carried along the iterative rank n:

    ```
    LM[n]    = S[n, m] : max over m
    RM[n+1]  = max(RM[n], LM[n])                  RM[0] = -inf
    SLN      = exp(S[n, m] - RM[n+1])
    PRM[n]   = exp(RM[n] - RM[n+1])
    RD[n+1]  = PRM[n] * RD[n] + (SLN : add over m)           RD[0] = 0
    RNV[n+1] = PRM[n] * RNV[n] + (SLN * V : add over m)      RNV[0] = 0
    AV       = RNV[N] / RD[N]          LSE = RM[N] + log(RD[N])
    ```

    Rows whose keys are all masked keep RM = -inf; every exp of a difference
    of -infs is guarded, so they give AV = 0 and LSE = -inf, never NaN. SLN
    is guarded once per row rather than per score: it subtracts RM[n+1]
    with -inf taken as 0, exact because such a row's scores are all -inf.
    Its exponent is then at most 0 (or NaN), which its `math.exp` says with
    the unit attribute `cascade.nonpositive_argument`.

    With f32 scores and bf16 values, SLN is rounded to bf16 for the product
    with V (SLN * V is then bf16 x bf16, which the CPU target computes on
    AVX512-BF16 or AMX), as FlashAttention's and PyTorch's bf16 kernels
    round their weights; RD sums SLN unrounded. The weights lie in [0, 1]
    and are summed, not cancelled: the output moves by at most 2^-9 of its
    scale.

    A run-time number of keys (a dynamic sequence length) gives a run-time
    number of blocks, ceil(M / block-size): the inputs are padded at run
    time (`tensor.pad` by a computed amount, `tensor.expand_shape` with a
    run-time `output_shape`), the masks take the logical extent as run-time
    `mask_extent` sizes, and the state tensors are `tensor.splat`s of
    run-time size. With `splits`, the run-time blocks are dealt to that
    many scans of ceil(blocks / splits) each (a run-time size; the last
    scans padded or empty), unless a producer's body reads the key
    coordinate (ALiBi), which would need that size there: then one scan.
    The chain's intermediates must have no other users.

    With `splits=S > 1` (split-KV, Flash-Decoding style, for few queries) the
    blocks are dealt to S independent scans (a parallel rank s in front of
    n), and a combine step merges them with the same algebra:
    `w_s = exp(RM_s - max_s RM_s)`, `AV = sum_s w_s RNV_s / sum_s w_s RD_s`,
    `LSE = max_s RM_s + log(sum_s w_s RD_s)`. With `splits=0` a chain
    whose queries are one row (a decode step) gets 4 scans, others one
    (the CPU target's default).
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"64",
           "Size of a block of the partitioned rank">,
    Option<"splits", "splits", "int64_t", /*default=*/"1",
           "Independent scans over the blocks (split-KV), combined at the "
           "end; 0: 4 for a decode step (one query row), else 1">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect",
                           "::cascade::CascadeDialect"];
}

def CascadeSparsify : Pass<"cascade-sparsify"> {
  let summary = "Classify every masked einsum's blocks as empty, full or "
                "partial";
  let description = [{
    For each masked einsum, a `cascade.classify_blocks` of its mask over the
    mask's logical extent is attached (`blocks(...) block([bq, bk])`). A key
    rank partitioned by `cascade-online-softmax` uses its block size (the
    in-block rank); otherwise `key-block` is used, and `query-block` for
    queries. Masks without runtime operands are classified at compile time
    into a constant table (exact for every analytic mask, neighborhoods of
    any rank and dilation included) when the extent is static; with a
    run-time extent (a dynamic sequence length) the
    `cascade.classify_blocks` takes the sizes as `tensor.dim` operands and
    runs at run time; runtime masks (document ids, content-based block
    indices) are classified at run time from their operands. A block-sparse
    table is used as given (each cell is all-or-nothing).

    Each einsum with a constant table gets a remark counting its empty,
    partial and full blocks.
  }];
  let options = [
    Option<"queryBlock", "query-block", "int64_t", /*default=*/"64",
           "Queries per block">,
    Option<"keyBlock", "key-block", "int64_t", /*default=*/"64",
           "Keys per block when the key rank is not partitioned">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::cascade::CascadeDialect"];
}

def CascadeFuseExperts : Pass<"cascade-fuse-experts"> {
  let summary = "Fuse the expert activation into the grouped contractions";
  let description = [{
    An elementwise map einsum (SwiGLU's `silu(g) * u`, GELU) whose inputs
    are grouped contractions of the same rows, segments and spec becomes
    one `cascade.grouped_einsum` with several weights and the map as its
    epilogue, so the gate and up projections and the activation run as one
    step per expert segment.
  }];
  let dependentDialects = ["::cascade::CascadeDialect"];
}

def CascadeLowerRouting : Pass<"cascade-lower-routing"> {
  let summary = "Expert routing without a sort: counts, prefix sums, "
                "positions and an un-permute";
  let description = [{
    `cascade.permute` becomes a scan over the slots counting each expert's
    slots (every slot reads its rank within its expert on the way), the
    exclusive prefix sum of the counts (clipped to the capacity) as a scan
    over the experts (`offsets`), each slot's position `offset + rank` (-1
    when dropped), and a scatter of slot ids to their positions (`perm`).
    The weighted combine, a scatter-add of the expert rows through `perm`,
    becomes an un-permute: every token gathers the rows of its k slots at
    their positions and sums them with its routing weights (one writer per
    output row). Results are those of the ops replaced.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::cascade::CascadeDialect"];
}

def CascadeFormTilePrograms : Pass<"cascade-form-tile-programs",
                                   "::mlir::ModuleOp"> {
  let summary = "Lower cascades of einsums into tile programs (the tile IR)";
  let description = [{
    Every einsum goes into a `tile.program`. The einsums of a 1-pass cascade
    (those stepping along one iterative rank, the slices of the running
    states, and the einsums finishing from the final states) become one
    program: the ranks all of them keep form the grid, the iterative rank
    becomes an `scf.for` carrying the states, and each einsum runs on tiles
    with its `origin`. With block classes matching the tiles, an empty block
    skips the step (when every running state is marked
    `cascade.empty_block_identity`) and a full block drops the mask test.
    A state read whole (a prefix sum's offsets) is an output holding the
    initial state and the state after each step; with no grid rank left (a
    routing scan) the program has one work item (`grid([])`). An einsum on
    the iterative rank that reads a value computed after the loop is left
    out of it. Other einsums become one program each over tiles of their
    result.

    The row rank (the mask's query rank, else the largest) is tiled by
    `query-block`; 0 takes the block classes' rows, else a size chosen from
    the target description (`tile.target` on the module, or `target-desc`,
    a file holding a `#tile.target<...>`); every other grid rank gets one
    work item per entry. A row-wise `cascade.topk` joins the program of the
    einsums it reads (a router's logits, softmax and top-k). When a work
    item has one query row (decode), its tiles hold instead several of the
    query heads that share a key/value head (a grid rank K and V do not
    carry), so that it loads each key and value block once for them: as
    many as keep at least `min-work-items` work items (the cores to fill).

    A `cascade.grouped_einsum` becomes a program over (group, row block,
    column block): a work item reads its group's offsets, skips itself when
    its row block starts past the segment's end, and loads and stores its
    rows with `bounds` at that end; the weight tiles of its group are
    contracted and the epilogue applied per tile. The offsets are checked
    (`cascade.check_indices`, non-decreasing within the rows) first, and the
    output starts as zeros for rows outside every segment. Rows are tiled by
    `group-rows`, else by the largest power of two up to 128 whose row tile
    fits half the target's fast memory; the result's last index, when only
    the weights carry it, by the widest power of two from 32 to 256 whose
    result tiles fit the other half. Row blocks are the fastest-varying grid
    dimension, so that consecutive work items share their weight tiles.
    With `grouped-programs=false` grouped einsums are left whole (the CPU
    target does so: its loop of threaded GEMMs measured faster).

    A `cascade.gather` becomes a program with one work item per index entry:
    it reads its entry and, unless it is negative (a dropped slot, whose row
    stays zero), copies row `entry / divisor` of the source; entries past the
    source's rows are a run-time error of the `cascade.check_indices` put
    before it.

    A `cascade.scatter` becomes a program whose work items each own a block
    of up to 256 of the rows' last dimension and walk every entry in order
    (so entries that meet in one row add up in the reference's order):
    read the entry, skip a dropped slot, load the result row's block, add
    the weighted source block, store it back. With `scatter-programs=false`
    scatters are left whole (the CPU target does so: a step of its program
    allocates and copies its one-row tiles, about 66 ns per entry, where the
    runtime's kernel is a plain loop). Permute is left as it is.
  }];
  let options = [
    Option<"queryBlock", "query-block", "int64_t", /*default=*/"0",
           "Rows per work item (0: from the block classes or the target)">,
    Option<"targetDesc", "target-desc", "std::string", /*default=*/"\"\"",
           "File holding a #tile.target<...> attribute">,
    Option<"groupRows", "group-rows", "int64_t", /*default=*/"0",
           "Rows per work item of a grouped einsum (0: from the target)">,
    Option<"groupedPrograms", "grouped-programs", "bool", /*default=*/"true",
           "Form programs of grouped einsums (false: leave them to the "
           "target's own lowering)">,
    Option<"scatterPrograms", "scatter-programs", "bool", /*default=*/"true",
           "Form programs of scatters (false: leave them to the target's "
           "own lowering)">,
    Option<"minWorkItems", "min-work-items", "int64_t", /*default=*/"16",
           "Work items a decode program keeps when its tiles group query "
           "heads sharing a key/value head (the cores to fill)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::cascade::CascadeDialect",
                           "::cascade::tile::TileDialect"];
}

def CascadeFoldPaddedTileInputs : Pass<"cascade-fold-padded-tile-inputs",
                                      "::mlir::ModuleOp"> {
  let summary = "Tile programs read unpadded inputs instead of padded copies";
  let description = [{
    A rank partitioned into blocks is padded to a whole number of blocks
    (`tensor.pad`, then `tensor.expand_shape` into blocks x block). When a
    `tile.program` only reads such an input through `tile.load`s that each
    cover one contiguous range of the padded dimension, and their pad value
    is the padding's, the program reads the unpadded tensor instead: each
    load becomes a load of the unpadded buffer (which pads past its bounds)
    reshaped back into the tile. The padded copy, made on one thread before
    the work items start, goes away (K and V of attention with S = 1000).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::cascade::tile::TileDialect"];
}

//===----------------------------------------------------------------------===//
// Out of the cascade and tile dialects (the CPU target's front half)
//===----------------------------------------------------------------------===//

def CascadeConvertToLinalg : Pass<"cascade-convert-to-linalg"> {
  let summary = "Lower einsums, grouped einsums and run-time block "
                "classification to linalg and scf";
  let description = [{
    Each `cascade.einsum` becomes one `linalg.generic`: the spec gives the
    indexing maps (loop order: result indices, then reduced ones, and
    innermost the index contiguous in the most operands), the map operator or
    region is the body (`cascade.coord` is `linalg.index` plus the origin),
    the reduce operator folds into the output (initialised to its identity),
    and a mask is a predicate over `linalg.index` (plus `mask_origin`, bounded
    by `mask_extent`): a masked point keeps the accumulator, or writes `fill`
    when nothing is reduced. An iterative einsum becomes an `scf.for` over its
    iterative rank whose step is an ordinary einsum on the previous state. A
    `cascade.grouped_einsum` becomes an `scf.for` over groups contracting the
    group's rows (`offsets[g]` to `offsets[g+1]`) with the group's weights,
    then the epilogue. `cascade.classify_blocks` of masks that read run-time
    tensors becomes two `linalg.generic`s (kept/dropped bits per block, then
    the class). Block classes on whole einsums are dropped: they never change
    a result.

    With `microkernels`, f32 contractions of matrix shape (after dropping
    unit dimensions, C[i, j] = sum_k A[i|k] B[k|j], as the Q.K^T and P.V
    tiles of attention programs and the expert GEMMs) become calls of the
    runtime's register-blocked `cascade_rt_matmul_f32` on buffers of the
    operands (any strides: tiles read in place are strided views) instead of
    generics. An elementwise einsum that is the only reader of such a
    product and scales it by a constant, or adds it to an accumulator scaled
    per row (`acc * s + product`), is done in the same call
    (`cascade_rt_matmul_scaled_f32`, `cascade_rt_matmul_acc_f32`).
  }];
  let options = [
    Option<"microkernels", "microkernels", "bool", /*default=*/"false",
           "Matrix-shaped f32 contractions call the runtime's microkernel">,
    Option<"padColumnMajorRows", "pad-column-major-rows", "bool",
           /*default=*/"false",
           "With microkernels: an einsum whose result a product reads as "
           "a column-major A (P of P.V, keys-first) allocates its rows with "
           "an odd number of cache lines">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CascadeMicrokernelLayout : Pass<"cascade-microkernel-layout"> {
  let summary = "Order matrix products in loops so that the operand the "
                "loop does not change is the CPU microkernel's packed B";
  let description = [{
    For an f32 contraction of matrix shape inside an `scf.for` (a step of a
    tile program) whose A operand (the one holding the result's first
    non-unit index: the rows the microkernel broadcasts) is defined outside
    the loop and whose B operand changes in every step, swaps the result's
    row and column dimensions. The microkernel then reads the changing
    operand in place as A and packs the unchanging one as B, once, before
    the loop (`cascade-convert-to-linalg` with `microkernels`). An attention
    step's scores Q.K^T become keys x queries: the keys are no longer
    transposed into panels by every query block's work item.

    The new layout follows the product through the einsums that read it
    elementwise (same indices as their result: scale, mask, softcap, exp),
    whose results swap too; every other reader only re-indexes its operand
    (the softmax's reductions over the keys now run over an outer dimension;
    P.V reads P transposed). A product read by anything but einsums keeps its
    layout. Results are the same; only loop orders change.
  }];
}

def CascadeSinkIntoBlockBranches : Pass<"cascade-sink-into-block-branches"> {
  let summary = "Clone a masked step's product and block max into the "
                "branches of its full and partial blocks";
  let description = [{
    A tile program whose mask leaves full and partial key blocks computes a
    step's scores once, then branches (`scf.if`) on the block's class: the
    full block's branch scales the scores, the partial one scales and masks
    them, and the softmax's block max reads what the branch yields. Neither
    the scale nor the max then follows the product, so
    `cascade-convert-to-linalg` fuses neither into the CPU microkernel (as
    it does in a dense step: the scale as the product's alpha, the max taken
    from its registers).

    This pass clones

    - a `cascade.einsum` that only the branches of one `scf.if` read (the
      `scf.if` after it, in its block) into each branch that reads it, and
    - a block max marked `cascade.softmax_shift` of a value that an `scf.if`
      yields into both branches, on the value each yields, as one more
      result of the `scf.if`.

    The full block's branch is then a dense step. One branch runs per step,
    so the work is the same; the cloned einsums' code is duplicated.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect"];
}

def CascadeApproximateMath : Pass<"cascade-approximate-math"> {
  let summary = "Polynomial approximations of f32 exp, tanh and erf";
  let description = [{
    Rewrites `math.exp`, `math.tanh` and `math.erf` on f32 (scalars or
    vectors) into polynomial arithmetic, so that loops computing a softmax,
    a softcap or a GELU vectorize instead of calling libm once per element.
    tanh and erf take upstream MLIR's approximations; exp, computed for
    every attention score, a shorter one of its own (17 vector operations:
    a rounding shift, a two-step argument reduction, a degree-7 Horner
    polynomial, 2^n from the exponent bits). The error is at most 1.2e-7
    relative below x = 88.37 and 3e-7 above, far inside the f32 bounds of
    docs/numerics.md; exp(-inf) is exactly 0 and NaN stays NaN. An exp
    marked `cascade.nonpositive_argument` (a softmax's exponent, from
    `cascade-online-softmax`) skips the two upper clamps and takes a
    degree-5 polynomial (13 operations, within 2.3e-7 relative).
    f64 and other types are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CascadeExpandBf16 : Pass<"cascade-expand-bf16"> {
  let summary = "bf16 conversions (arith.truncf, arith.extf) as integer arithmetic";
  let description = [{
    Rewrites `arith.truncf` to bf16 and `arith.extf` from bf16 into integer
    arithmetic (round to nearest even, NaN kept) with upstream MLIR's bf16
    patterns of `arith-expand`, and nothing else. The CPU target runs it
    before the LLVM dialect: LLVM would lower the conversion to a call of
    `__truncsfbf2`, which GCC 12's libgcc lacks, so AOT objects of bf16
    kernels would not link into applications built with it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CascadeConvertRoutingToRuntime : Pass<"cascade-convert-routing-to-runtime",
                                          "::mlir::ModuleOp"> {
  let summary = "Lower top-k, gather and scatter to calls of the runtime's "
                "kernels";
  let description = [{
    `cascade.topk`, `cascade.gather` and `cascade.scatter` become calls of
    `cascade_rt_<op>_<value type>_<index type>` (declared
    `llvm.emit_c_interface`, implemented in runtime/lib/RoutingKernels.cpp)
    on 1-D buffers of their operands (`bufferization.to_buffer` of the
    flattened tensors) and freshly allocated 1-D results, with row lengths
    as i64 arguments. The kernels check every index and report a bad one as
    a run-time error (`cascade_rt_take_error`) instead of reading out of
    bounds. `cascade.permute` is not lowered: run `cascade-lower-routing`
    first.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CascadeConvertTileToSCF : Pass<"cascade-convert-tile-to-scf"> {
  let summary = "Lower tile programs to scf.parallel over buffers";
  let description = [{
    A `tile.program` becomes an `scf.parallel` over its grid, the body
    inlined: inputs through `bufferization.to_buffer`, outputs in fresh
    buffers (initialised from `outs` unless those are `tensor.empty`; filled
    where `outs` is a splat constant) that become the results through
    `bufferization.to_tensor`. `tile.load` is a subview of the buffer where
    the tile lies inside it and its bounds (decided at run time unless it
    folds), else a subview clipped to them and a `tensor.pad` with the pad
    value up to the tile shape; `tile.store` writes the in-bounds part of the
    tile through
    `bufferization.materialize_in_destination` into a clipped subview. The
    remaining tensor code is left to one-shot bufferization.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CascadeParallelizeHostLoops : Pass<"cascade-parallelize-host-loops"> {
  let summary = "Spread large linalg ops outside the work items over the "
                "threads";
  let description = [{
    Tile programs become parallel loops (the kernel's work items), but a
    linalg op outside them, on buffers, was lowered to a serial loop nest
    on the calling thread. In a MoE layer these are the zero fills of the
    grouped products' results and the expert activation between an
    expert's GEMMs: at 16 threads, serial passes over hundreds of MiB. This
    pass tiles such an op along its first loop that is not a unit one (a
    batch of 1), when that loop is parallel, into an `scf.parallel` of
    blocks of rows (upstream `linalg` tiling),
    which `convert-scf-to-openmp` spreads over the threads like the work
    items. An op inside a parallel loop or OpenMP region is left alone, and
    so is a small one: its static loop ranges must hold `min-elements`
    elements, or `min-row-elements` if one of its ranges is a run-time size
    (which may be small). A block holds whole rows, at least
    `block-elements` elements of them (64 KiB of f32: a thread's turn
    costs more than taking it), or one row when a row has a run-time size.

    ```mlir
    linalg.fill ins(%zero : f32) outs(%buf : memref<8192x2816xf32>)
    // becomes (blocks of 6 rows: at least 16384 elements)
    scf.parallel (%i) = (%c0) to (%c8192) step (%c6) {
      %n = affine.min affine_map<(d0) -> (-d0 + 8192, 6)>(%i)
      %rows = memref.subview %buf[%i, 0] [%n, 2816] [1, 1] : ...
      linalg.fill ins(%zero : f32) outs(%rows : memref<?x2816xf32, ...>)
    }
    ```
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", "65536",
           "Elements an op of static sizes needs to be spread">,
    Option<"minRowElements", "min-row-elements", "int64_t", "2048",
           "Static elements an op with a run-time size needs to be spread">,
    Option<"blockElements", "block-elements", "int64_t", "16384",
           "Elements of a block of rows (at least)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CascadeScheduleWorkItems : Pass<"cascade-schedule-work-items"> {
  let summary = "Choose how OpenMP hands work items to the threads";
  let description = [{
    `convert-scf-to-openmp` leaves the schedule of the parallel loops it
    makes (a kernel's work items) unset, which OpenMP runs as `static`: each
    thread takes an equal, contiguous share of the work items, fixed in
    advance. When threads run at different speeds (a core shared with
    another process, a noisy cloud host) or work items differ in cost, the
    fast threads then wait at the loop's end. This pass sets the schedule
    of every `omp.wsloop` that has none: `dynamic` (the default: threads
    take the next `chunk` work items as they finish), `guided`, or
    `static`.
  }];
  let options = [
    Option<"schedule", "schedule", "std::string", "\"dynamic\"",
           "static, dynamic or guided">,
    Option<"chunk", "chunk", "int64_t", "1",
           "Work items a thread takes at a time (dynamic and guided)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::omp::OpenMPDialect"];
}

def CascadeFuseIntoReductions : Pass<"cascade-fuse-into-reductions"> {
  let summary = "Compute a reduction in the same loop as the elementwise "
                "values it reduces";
  let description = [{
    A `linalg.generic` that reduces the result of an elementwise
    (all-parallel) `linalg.generic` over the same iteration space, while that
    result is read elsewhere too (only after the reduction: the fused
    generic takes the reduction's place), is fused with it: one generic computes
    each value, stores it and adds it into the reduction. In the 1-pass
    attention step this is the exp of the scores and their sum over the
    keys: the exponentials are still stored (P.V reads them), but no longer
    read back by a loop of their own. Upstream's elementwise fusion
    (`linalg-fuse-elementwise-ops`) does the rewrite; this pass only
    chooses where, leaving everything else alone: producers read by the
    reduction alone, and producers over fewer loops than the reduction
    (which fusion would recompute for every reduced element), are not
    fused. The reduction adds the same values in the same loop order: the
    dense and causal kernels' outputs are bit for bit those without the
    pass.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // CASCADE_TRANSFORMS_PASSES_TD
