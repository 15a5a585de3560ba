//===- FormTilePrograms.cpp - cascades of einsums into tile programs ------===//
//
// Every einsum of a function goes into a `tile.program`. The einsums that
// step along one iterative rank (a 1-pass cascade: the scores, block max,
// running max/sum/numerator, ...) and the einsums that finish from the final
// state become ONE program: the ranks every one of them keeps are the grid
// (one work item per tile of them), the iterative rank is an scf.for whose
// iter_args are the running states, and the einsums run on tiles inside it.
// When the masked einsum carries block classes whose blocks match the tiles,
// an empty block skips the whole step (its key and value tiles are never
// loaded) and a full block runs without the mask test. Einsums outside such
// cascades become one program each, over tiles of their result.
//
// Which dimensions are "the same rank" across the einsums comes from the rank
// analysis (cascade/Analysis/Ranks.h), so the rewrite reads the dataflow, not
// index letters.
//
// Run-time lengths: a grid rank or the iterative rank may have a run-time
// size (tiles still have static shapes, so what a work item holds whole may
// not). The grid then takes a run-time number of work items, the loop a
// run-time trip count, and the run-time sizes the body needs (trip count,
// mask extent) become the program's parameters. Each size is read from the
// program's inputs, never from an einsum the program replaces.
//
//===----------------------------------------------------------------------===//

#include "UnitDims.h"

#include "cascade/Analysis/Ranks.h"
#include "cascade/Dialect/Tile.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MemoryBuffer.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEFORMTILEPROGRAMS
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;
using namespace cascade::ranks;

tile::TargetAttr cascade::defaultTileTarget(MLIRContext *ctx) {
  // A CPU core: AVX-512 vectors, 1 MiB of L2 for a work item's tiles.
  int64_t matrix[] = {1, 1, 1};
  return tile::TargetAttr::get(ctx, "generic-cpu", 512, 32 * 16, 1 << 20,
                               matrix);
}

FailureOr<tile::TargetAttr> cascade::parseTileTarget(MLIRContext *ctx,
                                                     StringRef text,
                                                     StringRef what) {
  ctx->loadDialect<tile::TileDialect>();
  Attribute attr = parseAttribute(text.trim(), ctx);
  auto target = dyn_cast_or_null<tile::TargetAttr>(attr);
  if (!target) {
    emitError(UnknownLoc::get(ctx))
        << what << " is not a #tile.target<...> attribute";
    return failure();
  }
  return target;
}

int64_t cascade::chooseRowTile(tile::TargetAttr target, int64_t rowBytes,
                               int64_t rows) {
  // The largest power of two whose rows fit in the fast memory, at least the
  // matrix unit's m (so the contractions fill it), at most 128 rows.
  int64_t tile = 1;
  while (tile < 128 && tile < rows &&
         2 * tile * std::max<int64_t>(rowBytes, 1) <= target.getSharedMemory())
    tile *= 2;
  int64_t m = target.getMatrix()[0];
  if (tile < m && m <= rows)
    tile = m;
  return tile;
}

namespace {

enum class DimKind { Grid, Loop, Whole };

/// One program in the making: its einsums and slices, its grid and loop.
struct Group {
  SmallVector<Operation *> loopOps, postOps;
  llvm::SmallPtrSet<Operation *, 16> members;
  // Grid dimensions: rank, size (kDynamic: run-time), the dimension of a
  // value of the group the size is read from, tile.
  SmallVector<Dim> gridRanks;
  SmallVector<int64_t> gridSizes, gridTiles;
  SmallVector<Dim> gridSizeDims;
  std::optional<Dim> loopRank;
  // Steps of the loop (kDynamic: run-time), and a per-step input's dimension
  // along the loop, whose size is the number of steps.
  int64_t loopSize = 0;
  std::optional<Dim> stepsDim;
  // Block skipping: the einsum with the classes and the grid dim of rows.
  EinsumOp classified;
  int rowGridDim = -1;
  bool skipEmpty = false, fullWithoutMask = false;
  // The mask's key extent when the keys do not fill whole blocks of
  // `keyBlock` (null otherwise): a full block at or past extent / keyBlock
  // still needs the mask to drop its padded keys.
  OpFoldResult paddedKeyExtent;
  int64_t keyBlock = 1;
};

class ProgramBuilder;

struct FormTileProgramsPass
    : cascade::impl::CascadeFormTileProgramsBase<FormTileProgramsPass> {
  using Base::Base;

  void runOnOperation() override;
  LogicalResult planLoopGroup(Block &body, EinsumOp first, Group &g);
  bool isChainable(Operation *op);
  Group planChain(Block &body, Operation *first);
  bool isBatchRank(const Group &g, Dim r);
  LogicalResult checkWholeDimsStatic(Group &g);
  void planTiles(Group &g, ArrayRef<Value> shapeSources,
                 std::optional<Dim> rowRank, int64_t preferred);
  LogicalResult emit(Group &g, Block &body);

  RankClasses ranks;
  tile::TargetAttr target;
  llvm::DenseSet<Operation *> consumed;
  SmallVector<Operation *> dead;
};

/// The kind of dimension `d` of `v` in `g`, and the grid dim for Grid.
static std::pair<DimKind, int> kindOf(RankClasses &ranks, const Group &g,
                                      Value v, unsigned d) {
  Dim r = ranks.leader({v, d});
  if (g.loopRank && r == *g.loopRank)
    return {DimKind::Loop, -1};
  for (auto [i, gr] : llvm::enumerate(g.gridRanks))
    if (gr == r)
      return {DimKind::Grid, static_cast<int>(i)};
  return {DimKind::Whole, -1};
}

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// A grid size for choosing tiles: a run-time one counts as the largest.
static int64_t sizeOrMax(int64_t size) {
  return ShapedType::isDynamic(size) ? std::numeric_limits<int64_t>::max()
                                     : size;
}

/// The dimension an einsum's or top-k's result dimension takes its size
/// from: the first input dimension with its letter (the iterative index has
/// one more state than steps: not followed), the rows of a top-k.
static std::optional<Dim> sizeOperand(Dim dim) {
  auto [v, d] = dim;
  if (auto e = v.getDefiningOp<EinsumOp>()) {
    if (auto source = e.getSizeSource(d))
      return Dim{e.getInputs()[source->first],
                 static_cast<unsigned>(source->second)};
    return std::nullopt;
  }
  if (auto topk = v.getDefiningOp<TopKOp>();
      topk && d + 1 < tensorType(v).getRank())
    return Dim{topk.getInput(), d};
  return std::nullopt;
}

/// The sizes `v` was built with (a reshape's output shape, an empty or
/// splat tensor's sizes, a slice's), when they are visible.
static SmallVector<OpFoldResult> builtSizes(Value v) {
  MLIRContext *ctx = v.getContext();
  if (auto op = v.getDefiningOp<tensor::ExpandShapeOp>())
    return op.getMixedOutputShape();
  if (auto op = v.getDefiningOp<tensor::EmptyOp>())
    return op.getMixedSizes();
  if (auto op = v.getDefiningOp<tensor::SplatOp>())
    return getMixedValues(op.getType().getShape(), op.getDynamicSizes(), ctx);
  if (auto op = v.getDefiningOp<tensor::ExtractSliceOp>()) {
    llvm::SmallBitVector dropped = droppedDims(op);
    SmallVector<OpFoldResult> sizes;
    for (auto [d, size] : llvm::enumerate(op.getMixedSizes()))
      if (!dropped.test(d))
        sizes.push_back(size);
    return sizes;
  }
  return {};
}

/// Whether `size` is provably the size of `dim`: the same constant, or a
/// run-time value that is a tensor.dim of it or the size it was built with,
/// here or at a dimension of an einsum input it takes its size from.
static bool isSizeOf(OpFoldResult size, Dim dim) {
  if (std::optional<int64_t> n = getConstantIntValue(size))
    return tensorType(dim.first).getDimSize(dim.second) == *n;
  Value value = cast<Value>(size);
  for (std::optional<Dim> at = dim; at; at = sizeOperand(*at)) {
    auto [v, d] = *at;
    if (auto dimOp = value.getDefiningOp<tensor::DimOp>())
      if (dimOp.getSource() == v && dimOp.getConstantIndex() == d)
        return true;
    SmallVector<OpFoldResult> built = builtSizes(v);
    if (d < built.size() && built[d] == size)
      return true;
  }
  return false;
}

/// What a slice of an iterative result reads: the states before each step
/// ([0, N)), after each step ([1, N]), or the final state ([N]).
enum class StateSlice { Before, After, Final, Other };

static StateSlice classifyStateSlice(RankClasses &ranks, const Group &g,
                                     tensor::ExtractSliceOp slice) {
  auto source = tensorType(slice.getSource());
  llvm::SmallBitVector dropped = droppedDims(slice);
  StateSlice kind = StateSlice::Other;
  for (unsigned d = 0; d < source.getRank(); ++d) {
    int64_t offset = slice.getStaticOffsets()[d],
            size = slice.getStaticSizes()[d],
            stride = slice.getStaticStrides()[d];
    if (stride != 1)
      return StateSlice::Other;
    OpFoldResult mixedOffset = slice.getMixedOffsets()[d],
                 mixedSize = slice.getMixedSizes()[d];
    if (ranks.leader({slice.getSource(), d}) != *g.loopRank) {
      if (offset != 0 || !isSizeOf(mixedSize, {slice.getSource(), d}))
        return StateSlice::Other;
      continue;
    }
    auto isSteps = [&](OpFoldResult n) {
      if (std::optional<int64_t> c = getConstantIntValue(n))
        return *c == g.loopSize;
      return g.stepsDim && isSizeOf(n, *g.stepsDim);
    };
    bool offsetIsSteps = isSteps(mixedOffset), sizeIsSteps = isSteps(mixedSize);
    if (offsetIsSteps && size == 1)
      kind = StateSlice::Final;
    if (!dropped.test(d) && sizeIsSteps && (offset == 0 || offset == 1))
      kind = offset == 0 ? StateSlice::Before : StateSlice::After;
  }
  return kind;
}

} // namespace

/// Plans the program of the 1-pass cascade around `first`, an iterative
/// einsum: every einsum on its iterative rank, the slices of the states, and
/// the einsums that finish from the final states.
LogicalResult FormTileProgramsPass::planLoopGroup(Block &body, EinsumOp first,
                                                  Group &g) {
  char n = first.getIterativeIndex();
  Dim loop = ranks.leader(
      {first.getResult(),
       static_cast<unsigned>(first.getIndices().result.find(n))});
  g.loopRank = loop;
  // Steps: the states minus the initial one (kDynamic for a run-time count,
  // read from `stepsDim` when the program is built).
  int64_t states = tensorType(first.getResult())
                       .getDimSize(first.getIndices().result.find(n));
  g.loopSize = ShapedType::isDynamic(states) ? states : states - 1;
  EinsumOp::Indices firstIdx = first.getIndices();
  for (auto [letters, input] :
       llvm::zip(ArrayRef<std::string>(firstIdx.inputs), first.getInputs()))
    if (size_t p = letters.find(n); p != std::string::npos) {
      g.stepsDim = Dim{input, static_cast<unsigned>(p)};
      break;
    }
  llvm::DenseSet<Value> iterResults;
  for (Operation &op : body) {
    // An einsum another program already holds (one that finishes from an
    // earlier scan's final state) is read as its output.
    if (consumed.contains(&op))
      continue;
    if (auto e = dyn_cast<EinsumOp>(op)) {
      bool onLoop = e.getIterativeIndex()
                        ? ranks.leader({e.getResult(),
                                        static_cast<unsigned>(
                                            e.getIndices().result.find(
                                                e.getIterativeIndex()))}) ==
                              loop
                        : ranks.carries(e.getResult(), loop);
      if (!onLoop)
        continue;
      if (e.getIterativeIndex())
        iterResults.insert(e.getResult());
      g.loopOps.push_back(e);
    } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      if (iterResults.contains(slice.getSource()))
        g.loopOps.push_back(slice);
    }
  }
  // An einsum on the loop rank that reads a value computed after the loop
  // from the loop's values (a scan's per-step results combined with the
  // prefix sums of its final state) cannot run inside the loop: it is left
  // out, to become a program of its own. Walked in order, so what reads it
  // is left out too.
  {
    llvm::SmallPtrSet<Operation *, 16> inLoop;
    for (Operation *op : g.loopOps)
      inLoop.insert(op);
    llvm::DenseSet<Value> later;
    llvm::SmallPtrSet<Operation *, 8> leftOut;
    for (Operation &op : body) {
      bool readsLater = llvm::any_of(
          op.getOperands(), [&](Value v) { return later.contains(v); });
      if (inLoop.contains(&op)) {
        if (!readsLater)
          continue;
        auto e = dyn_cast<EinsumOp>(op);
        if (!e || e.getIterativeIndex())
          return op.emitRemark() << "not tiled: reads a value computed from "
                                    "the running states";
        inLoop.erase(&op);
        leftOut.insert(&op);
      } else if (!readsLater && llvm::none_of(op.getOperands(), [&](Value v) {
                   Operation *def = v.getDefiningOp();
                   return def && inLoop.contains(def);
                 })) {
        continue;
      }
      for (Value r : op.getResults())
        later.insert(r);
    }
    llvm::erase_if(g.loopOps,
                   [&](Operation *op) { return leftOut.contains(op); });
  }
  // Grid: the ranks every einsum of the loop keeps, in the order of the first
  // iterative einsum's result.
  for (unsigned d = 0; d < tensorType(first.getResult()).getRank(); ++d) {
    Dim r = ranks.leader({first.getResult(), d});
    if (r == loop)
      continue;
    bool everywhere = llvm::all_of(g.loopOps, [&](Operation *op) {
      return !isa<EinsumOp>(op) || ranks.carries(op->getResult(0), r);
    });
    if (everywhere && !llvm::is_contained(g.gridRanks, r)) {
      g.gridRanks.push_back(r);
      g.gridSizes.push_back(tensorType(first.getResult()).getDimSize(d));
      g.gridSizeDims.push_back({first.getResult(), d});
    }
  }
  for (Operation *op : g.loopOps)
    g.members.insert(op);
  // What the loop cannot express is left as it is.
  for (Operation *op : g.loopOps) {
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      if (classifyStateSlice(ranks, g, slice) == StateSlice::Other)
        return slice.emitRemark()
               << "not tiled: this slice of a running state is not the "
                  "state before, after or at the end of the steps";
      continue;
    }
    auto e = cast<EinsumOp>(op);
    if (llvm::is_contained(tensorType(e.getResult()).getShape(), 0))
      return e.emitRemark() << "not tiled: a tensor has no elements";
    // Read whole, the states are the program's output (the state before
    // the first step, then the state after each); inside the loop, only
    // through slices.
    if (e.getIterativeIndex() &&
        llvm::any_of(e->getUsers(), [&](Operation *user) {
          return !isa<tensor::ExtractSliceOp>(user) && g.members.contains(user);
        }))
      return e.emitRemark() << "not tiled: a running state read other than "
                               "through slices";
    EinsumOp::Indices idx = e.getIndices();
    // A reduction over a grid rank or the loop rank crosses work items or
    // steps.
    for (auto [v, letters] :
         llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs)))
      for (auto [d, c] : llvm::enumerate(letters)) {
        Dim r = ranks.leader({v, static_cast<unsigned>(d)});
        if (!llvm::is_contained(idx.result, c) &&
            (r == loop || llvm::is_contained(g.gridRanks, r)))
          return e.emitRemark()
                 << "not tiled: reduces index '" << c
                 << "' across the steps or the work items";
      }
  }

  // Final-state slices and the einsums that finish from them.
  auto isMemberValue = [&](Value v) {
    Operation *def = v.getDefiningOp();
    return def && g.members.contains(def);
  };
  // Values computed outside the group from its values: a member may not
  // read them (the program would depend on itself).
  llvm::DenseSet<Value> downstream;
  auto isDownstream = [&](Value v) { return downstream.contains(v); };
  auto markDownstream = [&](Operation &op) {
    for (Value r : op.getResults())
      downstream.insert(r);
  };
  for (Operation &op : body) {
    if (g.members.contains(&op)) {
      if (llvm::any_of(op.getOperands(), isDownstream))
        return op.emitRemark() << "not tiled: reads a value computed from "
                                  "the running states";
      continue;
    }
    bool readsGroup = llvm::any_of(op.getOperands(), isMemberValue);
    if (!readsGroup && !llvm::any_of(op.getOperands(), isDownstream))
      continue;
    auto e = dyn_cast<EinsumOp>(op);
    // An einsum another program holds (a scan planned earlier took it as a
    // step) is read as that program's output.
    if (!e || !readsGroup || consumed.contains(e) || e.getIterativeIndex() ||
        e.getBlockClasses() || llvm::any_of(op.getOperands(), isDownstream)) {
      markDownstream(op);
      continue;
    }
    bool keepsGrid = llvm::all_of(g.gridRanks, [&](Dim r) {
      return ranks.carries(e.getResult(), r);
    });
    if (!keepsGrid || llvm::any_of(e->getOperands(), [&](Value v) {
          return ranks.carries(v, loop);
        })) {
      markDownstream(op);
      continue;
    }
    g.postOps.push_back(e);
    g.members.insert(e);
  }
  return success();
}

/// Einsums (not iterative) and row-wise top-k can be chained into one
/// program (a run-time size is checked once the grid is known: only grid
/// ranks may have one).
bool FormTileProgramsPass::isChainable(Operation *op) {
  auto e = dyn_cast<EinsumOp>(op);
  if (!(e && !e.getIterativeIndex()) && !isa<TopKOp>(op))
    return false;
  // A size-0 tensor (no queries, no keys): no work item to give it.
  auto isEmpty = [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && llvm::is_contained(type.getShape(), 0);
  };
  if (llvm::any_of(op->getOperands(), isEmpty) ||
      llvm::any_of(op->getResults(), isEmpty)) {
    op->emitRemark() << "not tiled: a tensor has no elements";
    consumed.insert(op);
    return false;
  }
  return true;
}

/// A program for `first` and the consumers chained after it (a router's
/// logits, softmax and top-k): the grid is the ranks every result keeps, so
/// what one op reduces is whole in every tile.
Group FormTileProgramsPass::planChain(Block &body, Operation *first) {
  Group g;
  auto resultRanks = [&](Operation *op) {
    SmallVector<Dim> out;
    auto type = tensorType(op->getResult(0));
    // A top-k's k entries are chosen per whole row: not a grid rank.
    unsigned rank = type.getRank() - (isa<TopKOp>(op) ? 1 : 0);
    for (unsigned d = 0; d < rank; ++d) {
      Dim r = ranks.leader({op->getResult(0), d});
      bool everywhere = llvm::all_of(op->getResults(), [&](Value v) {
        return ranks.carries(v, r);
      });
      if (everywhere && !llvm::is_contained(out, r))
        out.push_back(r);
    }
    return out;
  };
  SmallVector<Dim> grid = resultRanks(first);
  g.postOps.push_back(first);
  g.members.insert(first);
  llvm::DenseSet<Value> downstream;
  bool started = false;
  for (Operation &op : body) {
    if (&op == first) {
      started = true;
      continue;
    }
    if (!started)
      continue;
    bool readsGroup = llvm::any_of(op.getOperands(), [&](Value v) {
      return v.getDefiningOp() && g.members.contains(v.getDefiningOp());
    });
    bool readsDownstream = llvm::any_of(
        op.getOperands(), [&](Value v) { return downstream.contains(v); });
    if (!readsGroup && !readsDownstream)
      continue;
    if (readsGroup && !readsDownstream && !consumed.contains(&op) &&
        isChainable(&op)) {
      SmallVector<Dim> kept;
      for (Dim r : resultRanks(&op))
        if (llvm::is_contained(grid, r))
          kept.push_back(r);
      // Row-wise only: a chained top-k's rows must be grid ranks of its own.
      if (!kept.empty()) {
        grid.assign(kept.begin(), kept.end());
        g.postOps.push_back(&op);
        g.members.insert(&op);
        continue;
      }
    }
    for (Value r : op.getResults())
      downstream.insert(r);
  }
  for (Operation *op : g.postOps)
    consumed.insert(op);
  for (Dim r : grid) {
    g.gridRanks.push_back(r);
    for (Operation *op : g.postOps) {
      auto type = tensorType(op->getResult(0));
      bool found = false;
      for (unsigned d = 0; d < type.getRank() && !found; ++d)
        if (ranks.leader({op->getResult(0), d}) == r) {
          g.gridSizes.push_back(type.getDimSize(d));
          g.gridSizeDims.push_back({op->getResult(0), d});
          found = true;
        }
      if (found)
        break;
    }
  }
  return g;
}

/// Whether `r` is a batch rank of `g`'s contractions: each contraction that
/// has it has it in every input (the heads of a chunked linear attention),
/// and one of them has it. Work items gain nothing from holding several
/// entries of such a rank, unlike rows (the tokens of an expert's product),
/// which fill the microkernel's or the matrix unit's rows.
bool FormTileProgramsPass::isBatchRank(const Group &g, Dim r) {
  bool found = false;
  for (Operation *op : llvm::concat<Operation *const>(g.loopOps, g.postOps)) {
    auto e = dyn_cast<EinsumOp>(op);
    if (!e || !e.getReduce() || e.getInputs().size() < 2)
      continue;
    EinsumOp::Indices idx = e.getIndices();
    unsigned holders = 0;
    for (auto [v, letters] :
         llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs)))
      for (unsigned d = 0; d < letters.size(); ++d)
        if (ranks.leader({v, d}) == r) {
          ++holders;
          break;
        }
    if (holders == 0)
      continue;
    if (holders != e.getInputs().size())
      return false;
    found = true;
  }
  return found;
}

/// Tiles have static shapes: what a work item holds whole (every dimension
/// not on the grid or the loop) needs a static size.
LogicalResult FormTileProgramsPass::checkWholeDimsStatic(Group &g) {
  for (Operation *op : llvm::concat<Operation *>(g.loopOps, g.postOps))
    for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      // Block classes are read as a table, not loaded as tiles.
      auto e = dyn_cast<EinsumOp>(op);
      if (!type || isa<tensor::ExtractSliceOp>(op) ||
          (e && v == e.getBlockClasses()))
        continue;
      for (unsigned d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d) &&
            kindOf(ranks, g, v, d).first == DimKind::Whole)
          return op->emitRemark()
                 << "not tiled: dimension " << d << " of a " << type
                 << " has a run-time size, and each work item would hold "
                    "it whole";
    }
  return success();
}

/// Tile sizes: the row rank (if any) gets a tile chosen from the target, the
/// others one work item per entry.
void FormTileProgramsPass::planTiles(Group &g, ArrayRef<Value> shapeSources,
                                     std::optional<Dim> rowRank,
                                     int64_t preferred) {
  // Bytes per row of everything the program holds: whole dims of its values.
  int64_t rowBytes = 0;
  for (Value v : shapeSources) {
    auto type = tensorType(v);
    int64_t elems = 1;
    for (unsigned d = 0; d < type.getRank(); ++d)
      if (kindOf(ranks, g, v, d).first == DimKind::Whole)
        elems *= type.getDimSize(d);
    rowBytes += elems * std::max<int64_t>(
                            type.getElementType().getIntOrFloatBitWidth() / 8,
                            1);
  }
  g.gridTiles.assign(g.gridRanks.size(), 1);
  for (auto [i, r] : llvm::enumerate(g.gridRanks)) {
    if (!rowRank || r != *rowRank)
      continue;
    // A run-time number of rows: as many as the fast memory holds.
    int64_t rows = sizeOrMax(g.gridSizes[i]);
    int64_t tile = queryBlock > 0  ? static_cast<int64_t>(queryBlock)
                   : preferred > 0 ? preferred
                                   : chooseRowTile(target, rowBytes, rows);
    g.gridTiles[i] = std::min(tile, rows);
    g.rowGridDim = i;
  }
  // Decode (one row per work item): a tile's rows may instead be the
  // entries of a grid rank that a per-step input does not carry (the query
  // heads sharing one key/value head), so that the work item loads each key
  // and value block once for several of them instead of once per head: as
  // many as keep `minWorkItems` work items (grouping all 4 query heads of
  // 8 key/value heads left 8 of 16 cores idle: bench/RESULTS.md). Only one
  // such rank, so that the rows stay one dimension of the contractions.
  bool oneRow = g.rowGridDim < 0 || g.gridSizes[g.rowGridDim] == 1;
  if (!g.loopRank || !oneRow)
    return;
  auto sharedBy = [&](Dim r) {
    return llvm::any_of(g.loopOps, [&](Operation *op) {
      auto e = dyn_cast<EinsumOp>(op);
      return e && llvm::any_of(e.getInputs(), [&](Value v) {
               Operation *def = v.getDefiningOp();
               return (!def || !g.members.contains(def)) &&
                      ranks.carries(v, *g.loopRank) && !ranks.carries(v, r);
             });
    });
  };
  for (auto [i, r] : llvm::enumerate(g.gridRanks)) {
    int64_t size = g.gridSizes[i];
    if (static_cast<int>(i) == g.rowGridDim || ShapedType::isDynamic(size) ||
        size == 1 || !sharedBy(r))
      continue;
    // Work items of the other grid ranks (a run-time size counts as many).
    int64_t others = 1;
    for (auto [j, n] : llvm::enumerate(g.gridSizes))
      if (j != i)
        others = ShapedType::isDynamic(n)
                     ? std::max<int64_t>(minWorkItems, 1)
                     : others * ((n + g.gridTiles[j] - 1) / g.gridTiles[j]);
    int64_t tile = std::min<int64_t>(size, 128);
    while (tile > 1 &&
           (size % tile != 0 || others * (size / tile) < minWorkItems))
      --tile;
    g.gridTiles[i] = tile;
    break;
  }
}

void FormTileProgramsPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (!targetDesc.empty()) {
    auto buffer = llvm::MemoryBuffer::getFile(targetDesc);
    if (!buffer) {
      module.emitError() << "cannot read --target-desc file '" << targetDesc
                         << "'";
      return signalPassFailure();
    }
    FailureOr<tile::TargetAttr> parsed = parseTileTarget(
        &getContext(), (*buffer)->getBuffer(), "--target-desc " + targetDesc);
    if (failed(parsed))
      return signalPassFailure();
    target = *parsed;
    module->setAttr("tile.target", target);
  } else if (auto attr = module->getAttr("tile.target")) {
    target = dyn_cast<tile::TargetAttr>(attr);
    if (!target) {
      module.emitError() << "tile.target must be a #tile.target<...>";
      return signalPassFailure();
    }
  } else {
    target = defaultTileTarget(&getContext());
  }

  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || !func.getBody().hasOneBlock())
      continue;
    Block &body = func.getBody().front();
    ranks = RankClasses();
    for (Operation &op : body)
      uniteThroughOp(&op, ranks);
    consumed.clear();

    std::vector<Group> groups;
    for (Operation &op : body) {
      auto e = dyn_cast<EinsumOp>(op);
      if (!e || consumed.contains(e) || !e.getIterativeIndex())
        continue;
      Group g;
      LogicalResult planned = planLoopGroup(body, e, g);
      // Members of a loop that cannot be formed stay whole einsums.
      for (Operation *m : g.members)
        consumed.insert(m);
      if (succeeded(planned))
        groups.push_back(std::move(g));
    }
    for (Operation &op : body) {
      if (!isChainable(&op) || consumed.contains(&op))
        continue;
      groups.push_back(planChain(body, &op));
    }

    for (Group &g : groups) {
      // The row rank: the mask's query rank, else the largest grid rank
      // that is not a batch rank of the contractions (none: every work
      // item takes one entry of each grid rank).
      std::optional<Dim> rowRank;
      int64_t preferred = 0; // the block classes' rows, to skip blocks
      SmallVector<Value> shapeSources;
      for (Operation *op : llvm::concat<Operation *>(g.loopOps, g.postOps)) {
        if (isa<TopKOp>(op))
          shapeSources.push_back(op->getResult(0));
        auto e = dyn_cast<EinsumOp>(op);
        if (!e)
          continue;
        shapeSources.push_back(e.getResult());
        if (!e.getMask() || rowRank)
          continue;
        EinsumOp::Indices idx = e.getIndices();
        char q = (*e.getMaskQuery())[0];
        for (auto [v, letters] :
             llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs)))
          if (size_t d = letters.find(q); d != std::string::npos) {
            Dim r = ranks.leader({v, static_cast<unsigned>(d)});
            if (llvm::is_contained(g.gridRanks, r)) {
              rowRank = r;
              if (e.getClassBlock() && e.getMaskQuery()->size() == 1)
                preferred = (*e.getClassBlock())[0];
            }
            break;
          }
      }
      if (!rowRank) {
        std::optional<size_t> best;
        for (size_t i = 0; i < g.gridRanks.size(); ++i)
          if ((!best ||
               sizeOrMax(g.gridSizes[i]) >= sizeOrMax(g.gridSizes[*best])) &&
              !isBatchRank(g, g.gridRanks[i]))
            best = i;
        if (best)
          rowRank = g.gridRanks[*best];
      }
      if (failed(checkWholeDimsStatic(g)))
        continue;
      planTiles(g, shapeSources, rowRank, preferred);
      if (failed(emit(g, body)))
        return signalPassFailure();
    }
    for (Operation *op : llvm::reverse(dead)) {
      op->dropAllUses();
      op->erase();
    }
    dead.clear();
    RewritePatternSet routing(&getContext());
    populateGatherTileProgramPatterns(routing);
    if (scatterPrograms)
      populateScatterTileProgramPatterns(routing);
    if (groupedPrograms)
      populateGroupedTileProgramPatterns(routing, target, groupRows);
    walkAndApplyPatterns(func, std::move(routing));
    if (!sortTopologically(&body)) {
      func.emitError() << "tile programs form a cycle (internal error)";
      return signalPassFailure();
    }
  }
}

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

/// Dimension `dim` of a value of `g`: a constant, or a value computed at
/// `b`'s insertion point (before the program) from the program's inputs or
/// the run-time sizes the group's slices were built with; null when neither
/// gives it.
static OpFoldResult sizeOutside(OpBuilder &b, Location loc, const Group &g,
                                Dim dim) {
  auto [v, d] = dim;
  int64_t n = tensorType(v).getDimSize(d);
  if (!ShapedType::isDynamic(n))
    return b.getIndexAttr(n);
  Operation *def = v.getDefiningOp();
  if (!def || !g.members.contains(def)) {
    // The size it was built with, else a tensor.dim of it.
    SmallVector<OpFoldResult> built = builtSizes(v);
    return d < built.size() ? built[d] : tensor::getMixedSize(b, loc, v, d);
  }
  if (auto e = dyn_cast<EinsumOp>(def);
      e && e.getIndices().result[d] == e.getIterativeIndex()) {
    // The states: one more than the steps.
    OpFoldResult steps =
        g.stepsDim ? sizeOutside(b, loc, g, *g.stepsDim) : OpFoldResult();
    if (!steps)
      return {};
    return arith::AddIOp::create(b, loc,
                                 getValueOrCreateConstantIndexOp(b, loc, steps),
                                 arith::ConstantIndexOp::create(b, loc, 1))
        .getResult();
  }
  if (isa<tensor::ExtractSliceOp>(def)) {
    OpFoldResult size = builtSizes(v)[d];
    Operation *sizeDef = cast<Value>(size).getDefiningOp();
    if (sizeDef && g.members.contains(sizeDef))
      return {};
    return size;
  }
  if (std::optional<Dim> from = sizeOperand(dim))
    return sizeOutside(b, loc, g, *from);
  return {};
}

namespace {

/// Builds the body of one program.
class ProgramBuilder {
public:
  ProgramBuilder(RankClasses &ranks, Group &g, tile::ProgramOp program,
                 ArrayRef<Value> inputs, ArrayRef<Value> outputs)
      : ranks(ranks), g(g), program(program), inputs(inputs), outputs(outputs),
        outside(program) {}

  LogicalResult build();

private:
  Value constIndex(OpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc(), v);
  }
  Location loc() { return program.getLoc(); }

  /// A size in the body: a constant, or the parameter of a run-time value
  /// computed before the program.
  Value inside(OpBuilder &b, OpFoldResult size) {
    if (std::optional<int64_t> n = getConstantIntValue(size))
      return constIndex(b, *n);
    return program.getOrAddParam(cast<Value>(size));
  }

  /// Index values `op` (a clone in the body) reads from outside the program
  /// (run-time sizes) become parameters; anything else from outside cannot
  /// be read by an isolated body.
  void importOutsideValues(Operation *op) {
    op->walk([&](Operation *nested) {
      for (OpOperand &use : nested->getOpOperands()) {
        Region *region = use.get().getParentRegion();
        if (program.getBody().isAncestor(region))
          continue;
        if (use.get().getType().isIndex())
          use.set(program.getOrAddParam(use.get()));
        else
          unsupported = true;
      }
    });
  }

  /// Offsets of `v`'s tile: grid origin, `step` (the loop index unless
  /// given), or 0.
  SmallVector<Value> offsetsOf(OpBuilder &b, Value v, Value step = {}) {
    SmallVector<Value> offsets;
    for (unsigned d = 0; d < tensorType(v).getRank(); ++d) {
      auto [kind, i] = kindOf(ranks, g, v, d);
      offsets.push_back(kind == DimKind::Grid   ? gridOrigin[i]
                        : kind == DimKind::Loop ? (step ? step : iv)
                                                : zero);
    }
    return offsets;
  }

  /// The tile type of `v`: grid tiles, one loop step, whole otherwise.
  RankedTensorType tileTypeOf(Value v) {
    auto type = tensorType(v);
    SmallVector<int64_t> shape;
    for (unsigned d = 0; d < type.getRank(); ++d) {
      auto [kind, i] = kindOf(ranks, g, v, d);
      shape.push_back(kind == DimKind::Grid   ? g.gridTiles[i]
                      : kind == DimKind::Loop ? 1
                                              : type.getDimSize(d));
    }
    return RankedTensorType::get(shape, type.getElementType());
  }

  /// The tile of `v` in the program: computed here, or loaded from its
  /// buffer (hoisted out of the loop when it does not step along it).
  Value tileOf(OpBuilder &b, Value v) {
    if (Value t = mapping.lookupOrNull(v))
      return t;
    auto it = llvm::find(inputs, v);
    assert(it != inputs.end() && "operand neither computed nor an input");
    Value buffer = program.getInputBuffers()[it - inputs.begin()];
    bool steps = g.loopRank && ranks.carries(v, *g.loopRank);
    if (!steps) {
      if (Value t = hoisted.lookup(v))
        return t;
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(preheader);
      Value t = tile::LoadOp::create(b, loc(), tileTypeOf(v), buffer,
                                     offsetsOf(b, v), ValueRange(),
                                     nullptr);
      hoisted[v] = t;
      return t;
    }
    Value t = tile::LoadOp::create(b, loc(), tileTypeOf(v), buffer,
                                   offsetsOf(b, v), ValueRange(),
                                     nullptr);
    mapping.map(v, t);
    return t;
  }

  void storeIfOutput(OpBuilder &b, Value v, Value t, Value step = {}) {
    auto it = llvm::find(outputs, v);
    if (it == outputs.end())
      return;
    tile::StoreOp::create(b, loc(), t,
                          program.getOutputBuffers()[it - outputs.begin()],
                          offsetsOf(b, v, step), ValueRange());
  }

  /// The einsum `e` on tiles: same spec, map, reduce and mask, with the
  /// tile's origin for the indices its mask and coordinates read.
  Value tileEinsum(OpBuilder &b, EinsumOp e, bool withMask) {
    IRMapping operands;
    for (Value v : llvm::concat<Value>(e.getInputs(), e.getMaskArgs()))
      operands.map(v, tileOf(b, v));
    auto clone = cast<EinsumOp>(b.clone(*e, operands));
    clone.getBlockClassesMutable().clear();
    clone.removeClassBlockAttr();
    clone.getResult().setType(tileTypeOf(e.getResult()));
    EinsumOp::Indices idx = e.getIndices();
    auto locate = [&](char c) -> std::pair<Value, unsigned> {
      for (auto [v, letters] :
           llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs)))
        if (size_t d = letters.find(c); d != std::string::npos)
          return {v, static_cast<unsigned>(d)};
      return {Value(), 0};
    };
    if (withMask && e.getMask()) {
      // The offsets are computed before the einsum that reads them.
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(clone);
      SmallVector<OpFoldResult> extent;
      SmallVector<Value> maskOrigin;
      bool tiled = false;
      for (int side = 0; side < 2; ++side) {
        // Row-major over the group: the tile's first element sits at
        // sum(offset_c * stride_c) with strides of the whole einsum; the
        // tile's own row-major coordinates add to that while every index
        // after one that varies within the tile is whole.
        StringRef group = side ? *e.getMaskKey() : *e.getMaskQuery();
        Value offset = zero;
        // The stride: a constant times, past a run-time size (the blocks of
        // a split-KV scan over a run-time number of keys), a product of
        // parameters in the body.
        int64_t stride = 1;
        Value runTimeStride;
        // Run-time sizes not multiplied in yet: parameters only when used.
        SmallVector<Dim> pending;
        auto strideValue = [&]() -> Value {
          for (Dim factor : pending) {
            OpFoldResult n = sizeOutside(outside, loc(), g, factor);
            if (!n) {
              unsupported = true;
              return constIndex(b, stride);
            }
            Value size = inside(b, n);
            runTimeStride =
                runTimeStride
                    ? arith::MulIOp::create(b, loc(), runTimeStride, size)
                          .getResult()
                    : size;
          }
          pending.clear();
          if (!runTimeStride)
            return constIndex(b, stride);
          if (stride == 1)
            return runTimeStride;
          return arith::MulIOp::create(b, loc(), runTimeStride,
                                       constIndex(b, stride));
        };
        bool wholeAfter = true;
        for (char c : llvm::reverse(group)) {
          auto [v, d] = locate(c);
          int64_t whole = tensorType(v).getDimSize(d);
          int64_t tileSize = tileTypeOf(v).getDimSize(d);
          auto [kind, i] = kindOf(ranks, g, v, d);
          if (tileSize > 1 && !wholeAfter)
            unsupported = true;
          if (kind != DimKind::Whole && tileSize != whole) {
            Value at = kind == DimKind::Grid ? gridOrigin[i] : iv;
            Value term =
                stride == 1 && !runTimeStride && pending.empty()
                    ? at
                    : arith::MulIOp::create(b, loc(), at, strideValue())
                          .getResult();
            offset = offset == zero
                         ? term
                         : arith::AddIOp::create(b, loc(), offset, term)
                               .getResult();
            tiled = true;
          }
          wholeAfter &= tileSize == whole;
          if (!ShapedType::isDynamic(whole)) {
            stride *= whole;
            continue;
          }
          pending.push_back({v, d});
        }
        // The whole group's extent, when the einsum does not give it.
        if (!e.getMaskExtent())
          extent.push_back(runTimeStride || !pending.empty()
                               ? OpFoldResult(strideValue())
                               : b.getIndexAttr(stride));
        maskOrigin.push_back(offset);
      }
      if (!e.getMaskExtent())
        clone.setMixedMaskExtent(extent);
      if (tiled)
        clone.getMaskOriginMutable().assign(maskOrigin);
    } else {
      clone.removeMaskAttr();
      clone.removeMaskQueryAttr();
      clone.removeMaskKeyAttr();
      clone.removeMaskExtentAttr();
      clone.getMaskExtentSizesMutable().clear();
      clone.removeFillAttr();
      clone.getMaskArgsMutable().clear();
    }
    setCoordOrigin(b, e, clone);
    importOutsideValues(clone);
    return clone.getResult();
  }

  /// `tiled` (an einsum of `e`'s on tiles) with the origin of its tile for
  /// the indices its `cascade.coord`s read: the grid origin of a tiled grid
  /// rank, the loop index of the loop rank.
  void setCoordOrigin(OpBuilder &b, EinsumOp e, EinsumOp tiled) {
    EinsumOp::Indices idx = e.getIndices();
    std::string letters;
    tiled.walk([&](CoordOp c) {
      if (!llvm::is_contained(letters, c.getName()[0]))
        letters.push_back(c.getName()[0]);
    });
    std::string origin;
    SmallVector<Value> offsets;
    for (char c : letters) {
      Value v;
      unsigned d = 0;
      for (auto [input, names] :
           llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs)))
        if (size_t at = names.find(c); at != std::string::npos) {
          v = input;
          d = at;
          break;
        }
      if (!v)
        continue;
      auto [kind, i] = kindOf(ranks, g, v, d);
      if (kind == DimKind::Whole ||
          (kind == DimKind::Grid && g.gridTiles[i] == g.gridSizes[i]))
        continue;
      origin.push_back(c);
      offsets.push_back(kind == DimKind::Grid ? gridOrigin[i] : iv);
    }
    if (!origin.empty()) {
      tiled.setOriginAttr(b.getStringAttr(origin));
      tiled.getOriginOffsetsMutable().assign(offsets);
    }
  }

  /// A state tile with a unit dimension put back at `pos`.
  Value insertUnitDim(OpBuilder &b, Value state, unsigned pos) {
    auto type = tensorType(state);
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + pos, 1);
    return tensor::ExpandShapeOp::create(
        b, loc(), RankedTensorType::get(shape, type.getElementType()), state,
        unitDimGroups(type.getRank(), pos));
  }
  /// The step tile of a state with its unit dimension at `pos` dropped.
  Value dropUnitDim(OpBuilder &b, Value value, unsigned pos) {
    auto type = tensorType(value);
    SmallVector<int64_t> shape(type.getShape());
    shape.erase(shape.begin() + pos);
    return tensor::CollapseShapeOp::create(
        b, loc(), RankedTensorType::get(shape, type.getElementType()), value,
        unitDimGroups(type.getRank() - 1, pos));
  }

  /// One step of the loop; returns the new states.
  SmallVector<Value> emitStep(OpBuilder &b, ValueRange states,
                              Value blockClass);

  RankClasses &ranks;
  Group &g;
  tile::ProgramOp program;
  ArrayRef<Value> inputs, outputs;
  /// Inserts before the program: run-time sizes it takes as parameters.
  OpBuilder outside;
  /// Key blocks before this one hold no padding (null: every block).
  Value fullKeyBlocks;
  IRMapping mapping;
  llvm::DenseMap<Value, Value> hoisted;
  SmallVector<Value> gridOrigin;
  Value iv, zero;
  Operation *preheader = nullptr;
  /// Set when a tile cannot express its einsum (the program is dropped).
  bool unsupported = false;
  SmallVector<EinsumOp> iterative;
  llvm::DenseMap<Value, Value> before, after;
};

} // namespace

SmallVector<Value> ProgramBuilder::emitStep(OpBuilder &b, ValueRange states,
                                            Value blockClass) {
  for (auto [e, s] : llvm::zip(iterative, states)) {
    unsigned pos = e.getIndices().result.find(e.getIterativeIndex());
    before[e.getResult()] = insertUnitDim(b, s, pos);
  }
  SmallVector<Value> next(states.size());
  for (Operation *op : g.loopOps) {
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      // [0, N) is the state before the step, [1, N] after it; the final
      // state is read after the loop.
      StateSlice kind = classifyStateSlice(ranks, g, slice);
      if (kind == StateSlice::Before || kind == StateSlice::After) {
        Value t = kind == StateSlice::Before ? before[slice.getSource()]
                                             : after[slice.getSource()];
        mapping.map(slice.getResult(), t);
        storeIfOutput(b, slice.getResult(), t);
      }
      continue;
    }
    auto e = cast<EinsumOp>(op);
    if (e.getIterativeIndex()) {
      // state[n + 1] = map(state[n], inputs[n]) as an einsum on the step.
      EinsumOp::Indices idx = e.getIndices();
      std::string spec = idx.result;
      SmallVector<Value> operands = {before[e.getResult()]};
      for (auto [v, letters] :
           llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs))) {
        spec += "," + letters;
        operands.push_back(tileOf(b, v));
      }
      spec += "->" + idx.result;
      auto step = EinsumOp::create(b, loc(), tileTypeOf(e.getResult()), spec,
                                   operands, std::nullopt, std::nullopt);
      IRMapping none;
      e.getBody().cloneInto(&step.getBody(), none);
      // Its coordinates are the tile's and step's, as for any einsum here.
      setCoordOrigin(b, e, step);
      importOutsideValues(step);
      after[e.getResult()] = step.getResult();
      // States read whole: the state after step n is entry n + 1.
      if (llvm::is_contained(outputs, e.getResult()))
        storeIfOutput(b, e.getResult(), step.getResult(),
                      arith::AddIOp::create(b, loc(), iv, constIndex(b, 1)));
      unsigned pos = idx.result.find(e.getIterativeIndex());
      next[llvm::find(iterative, e) - iterative.begin()] =
          dropUnitDim(b, step.getResult(), pos);
      continue;
    }
    Value t;
    if (e == g.classified && g.fullWithoutMask) {
      // Loads go before the branches, which both read them.
      for (Value v : llvm::concat<Value>(e.getInputs(), e.getMaskArgs()))
        tileOf(b, v);
      // A full block needs no mask test.
      Value full = arith::CmpIOp::create(
          b, loc(), arith::CmpIPredicate::eq, blockClass,
          arith::ConstantIntOp::create(
              b, loc(), b.getI8Type(),
              static_cast<int64_t>(BlockClass::Full)));
      if (fullKeyBlocks)
        full = arith::AndIOp::create(
            b, loc(), full,
            arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::slt, iv,
                                  fullKeyBlocks));
      auto branch = scf::IfOp::create(b, loc(), tileTypeOf(e.getResult()),
                                      full, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(branch.thenBlock());
      scf::YieldOp::create(b, loc(), tileEinsum(b, e, /*withMask=*/false));
      b.setInsertionPointToStart(branch.elseBlock());
      scf::YieldOp::create(b, loc(), tileEinsum(b, e, /*withMask=*/true));
      t = branch.getResult(0);
    } else {
      t = tileEinsum(b, e, /*withMask=*/true);
    }
    mapping.map(e.getResult(), t);
    storeIfOutput(b, e.getResult(), t);
  }
  return next;
}

LogicalResult ProgramBuilder::build() {
  Block &entry = program.getBody().front();
  OpBuilder b(program.getContext());
  b.setInsertionPoint(entry.getTerminator());
  zero = constIndex(b, 0);
  for (auto [i, id] : llvm::enumerate(program.getWorkItemIds()))
    gridOrigin.push_back(
        g.gridTiles[i] == 1
            ? Value(id)
            : arith::MulIOp::create(b, loc(), id,
                                    constIndex(b, g.gridTiles[i]))
                  .getResult());
  // Hoisted loads go before this marker.
  preheader = arith::ConstantIndexOp::create(b, loc(), 1);

  if (g.loopRank) {
    SmallVector<Value> inits;
    for (Operation *op : g.loopOps)
      if (auto e = dyn_cast<EinsumOp>(op); e && e.getIterativeIndex()) {
        iterative.push_back(e);
        inits.push_back(tileOf(b, e.getInit()));
        // States read whole: entry 0 is the initial state.
        if (llvm::is_contained(outputs, e.getResult()))
          storeIfOutput(
              b, e.getResult(),
              insertUnitDim(b, inits.back(),
                            e.getIndices().result.find(e.getIterativeIndex())),
              zero);
      }
    Value classes;
    if (g.skipEmpty || g.fullWithoutMask) {
      auto it = llvm::find(inputs, g.classified.getBlockClasses());
      classes = program.getInputBuffers()[it - inputs.begin()];
    }
    if (g.fullWithoutMask && g.paddedKeyExtent)
      fullKeyBlocks = arith::DivUIOp::create(
          b, loc(), inside(b, g.paddedKeyExtent), constIndex(b, g.keyBlock));
    // The number of steps: a per-step input's size along the loop.
    OpFoldResult steps = b.getIndexAttr(g.loopSize);
    if (ShapedType::isDynamic(g.loopSize)) {
      steps = g.stepsDim ? sizeOutside(outside, loc(), g, *g.stepsDim)
                         : OpFoldResult();
      if (!steps)
        return failure();
    }
    auto loop = scf::ForOp::create(b, loc(), zero, inside(b, steps),
                                   preheader->getResult(0), inits);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      iv = loop.getInductionVar();
      ValueRange states = loop.getRegionIterArgs();
      Value blockClass;
      if (classes)
        blockClass = memref::LoadOp::create(
            b, loc(), classes,
            ValueRange{program.getWorkItemIds()[g.rowGridDim], iv});
      SmallVector<Value> next;
      if (g.skipEmpty) {
        // An empty block leaves every state as it was: skip the step.
        Value empty = arith::CmpIOp::create(
            b, loc(), arith::CmpIPredicate::eq, blockClass,
            arith::ConstantIntOp::create(
                b, loc(), b.getI8Type(),
                static_cast<int64_t>(BlockClass::Empty)));
        auto branch = scf::IfOp::create(b, loc(), TypeRange(states), empty,
                                        /*withElseRegion=*/true);
        b.setInsertionPointToStart(branch.thenBlock());
        scf::YieldOp::create(b, loc(), states);
        b.setInsertionPointToStart(branch.elseBlock());
        scf::YieldOp::create(b, loc(), emitStep(b, states, blockClass));
        b.setInsertionPointAfter(branch);
        next.assign(branch.getResults().begin(), branch.getResults().end());
      } else {
        next = emitStep(b, states, blockClass);
      }
      scf::YieldOp::create(b, loc(), next);
    }
    iv = Value();
    // Final states, read by the slices [N] of the iterative results.
    for (Operation *op : g.loopOps) {
      auto slice = dyn_cast<tensor::ExtractSliceOp>(op);
      if (!slice || mapping.contains(slice.getResult()))
        continue;
      auto e = cast<EinsumOp>(slice.getSource().getDefiningOp());
      Value state = loop.getResult(llvm::find(iterative, e) - iterative.begin());
      if (tensorType(slice.getResult()).getRank() != tensorType(state).getRank())
        state = insertUnitDim(
            b, state, e.getIndices().result.find(e.getIterativeIndex()));
      mapping.map(slice.getResult(), state);
      storeIfOutput(b, slice.getResult(), state);
    }
  }
  for (Operation *op : g.postOps) {
    if (auto e = dyn_cast<EinsumOp>(op)) {
      Value t = tileEinsum(b, e, /*withMask=*/true);
      mapping.map(e.getResult(), t);
      storeIfOutput(b, e.getResult(), t);
      continue;
    }
    // Row-wise ops (top-k) run on the tile's rows as they are.
    IRMapping operands;
    for (Value v : op->getOperands())
      operands.map(v, tileOf(b, v));
    Operation *clone = b.clone(*op, operands);
    importOutsideValues(clone);
    for (auto [r, t] : llvm::zip(op->getResults(), clone->getResults())) {
      t.setType(tileTypeOf(r));
      mapping.map(r, t);
      storeIfOutput(b, r, t);
    }
  }
  if (preheader->use_empty())
    preheader->erase();
  return failure(unsupported);
}

LogicalResult FormTileProgramsPass::emit(Group &g, Block &body) {
  // Inputs: operands from outside the group; outputs: values used outside.
  llvm::SetVector<Value> inputs, outputs;
  Operation *last = nullptr;
  for (Operation &op : body) {
    if (!g.members.contains(&op))
      continue;
    last = &op;
    // Index operands (run-time sizes) become parameters, not buffers.
    for (Value v : op.getOperands())
      if ((!v.getDefiningOp() || !g.members.contains(v.getDefiningOp())) &&
          isa<RankedTensorType>(v.getType()))
        inputs.insert(v);
    for (Value r : op.getResults())
      for (Operation *user : r.getUsers())
        if (!g.members.contains(user))
          outputs.insert(r);
  }
  // Block classes are read as a table, not loaded as tiles.
  for (Operation *op : g.loopOps) {
    auto e = dyn_cast<EinsumOp>(op);
    if (!e || !e.getBlockClasses() || g.rowGridDim < 0)
      continue;
    // Usable when the class blocks are the program's tiles: rows of the row
    // rank, keys of one loop step.
    ArrayRef<int64_t> block = *e.getClassBlock();
    EinsumOp::Indices idx = e.getIndices();
    StringRef keyGroup = *e.getMaskKey();
    bool keyIsStep = false, rowsMatch = false;
    int64_t keyBlock = 1;
    for (char c : keyGroup)
      for (auto [v, letters] :
           llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs)))
        if (size_t d = letters.find(c); d != std::string::npos) {
          auto [kind, i] = kindOf(ranks, g, v, d);
          int64_t size = tensorType(v).getDimSize(d);
          if (c == keyGroup[0])
            keyIsStep = kind == DimKind::Loop;
          else if (ShapedType::isDynamic(size) ||
                   ShapedType::isDynamic(keyBlock))
            keyBlock = ShapedType::kDynamic; // not one step's keys
          else
            keyBlock *= size;
          break;
        }
    StringRef queryGroup = *e.getMaskQuery();
    for (auto [v, letters] :
         llvm::zip(e.getInputs(), ArrayRef<std::string>(idx.inputs)))
      if (size_t d = letters.find(queryGroup[0]); d != std::string::npos) {
        auto [kind, i] = kindOf(ranks, g, v, d);
        rowsMatch = queryGroup.size() == 1 && kind == DimKind::Grid &&
                    i == g.rowGridDim && g.gridTiles[i] == block[0];
        break;
      }
    if (!keyIsStep || !rowsMatch || keyBlock != block[1])
      continue;
    g.classified = e;
    bool stateSafe = llvm::all_of(g.loopOps, [&](Operation *op) {
      auto it = dyn_cast<EinsumOp>(op);
      return !it || !it.getIterativeIndex() ||
             it->hasAttr(kEmptyBlockIdentityAttr);
    });
    // Skipping leaves stored per-step outputs unwritten: only when none.
    bool stepsStored = llvm::any_of(outputs, [&](Value v) {
      return ranks.carries(v, *g.loopRank);
    });
    g.skipEmpty = stateSafe && !stepsStored;
    // Full blocks hold no padding, except the last key block when the keys
    // do not fill whole blocks (or may not, at run time): that one keeps the
    // mask.
    g.fullWithoutMask = true;
    if (e.getMaskExtent()) {
      OpFoldResult keyExtent = e.getMixedMaskExtent()[1];
      std::optional<int64_t> n = getConstantIntValue(keyExtent);
      if (!n || *n % block[1] != 0) {
        g.paddedKeyExtent = keyExtent;
        g.keyBlock = block[1];
      }
    }
    break;
  }

  // Nothing outside reads the group (a permutation whose result is unused):
  // its einsums are dead code, not a program without outputs.
  if (outputs.empty()) {
    for (Operation &op : body)
      if (g.members.contains(&op))
        dead.push_back(&op);
    return success();
  }
  OpBuilder b(last);
  Location loc = last->getLoc();
  Operation *first = g.loopOps.empty() ? g.postOps[0] : g.loopOps[0];
  // Run-time sizes are computed before the program; what cannot be read
  // from its inputs leaves the einsums whole. What was built before `last`
  // for a program that is not formed is erased again (pure ops the
  // canonicalizer would remove; erased here so the IR stays as it was).
  Operation *before = last->getPrevNode();
  auto eraseBuilt = [&] {
    SmallVector<Operation *> built;
    for (Operation *op = before ? before->getNextNode() : &body.front();
         op != last; op = op->getNextNode())
      built.push_back(op);
    for (Operation *op : llvm::reverse(built))
      if (op->use_empty())
        op->erase();
  };
  auto cannotSize = [&](Dim dim) {
    eraseBuilt();
    first->emitRemark() << "not tiled: the run-time size of dimension "
                        << dim.second << " of a " << dim.first.getType()
                        << " is not read from the program's inputs";
    return success();
  };
  SmallVector<Value> outs;
  for (Value v : outputs) {
    auto type = tensorType(v);
    SmallVector<OpFoldResult> sizes;
    for (unsigned d = 0; d < type.getRank(); ++d) {
      sizes.push_back(sizeOutside(b, loc, g, {v, d}));
      if (!sizes.back())
        return cannotSize({v, d});
    }
    outs.push_back(
        tensor::EmptyOp::create(b, loc, sizes, type.getElementType()));
  }
  SmallVector<OpFoldResult> grid;
  for (auto [size, tile, dim] :
       llvm::zip(g.gridSizes, g.gridTiles, g.gridSizeDims)) {
    if (!ShapedType::isDynamic(size)) {
      grid.push_back(b.getIndexAttr((size + tile - 1) / tile));
      continue;
    }
    OpFoldResult n = sizeOutside(b, loc, g, dim);
    if (!n)
      return cannotSize(dim);
    grid.push_back(tile == 1 ? n
                             : arith::CeilDivUIOp::create(
                                   b, loc, cast<Value>(n),
                                   arith::ConstantIndexOp::create(b, loc, tile))
                                   .getResult());
  }
  auto program = tile::ProgramOp::create(b, loc, grid, ValueRange(),
                                         inputs.getArrayRef(), outs);
  ProgramBuilder builder(ranks, g, program, inputs.getArrayRef(),
                         outputs.getArrayRef());
  LogicalResult built = builder.build();
  if (succeeded(built)) {
    // A shape this pass does not handle yet must not become a wrong
    // program: check it, and keep the einsums whole otherwise.
    ScopedDiagnosticHandler quiet(program.getContext(),
                                  [](Diagnostic &) { return success(); });
    built = mlir::verify(program);
  }
  if (failed(built)) {
    program.erase();
    eraseBuilt();
    first->emitRemark() << "not tiled: this cascade's shape is not "
                           "supported by cascade-form-tile-programs yet";
    return success();
  }
  for (auto [out, r] : llvm::zip(outputs, program.getResults())) {
    // Later programs read the result in place of the value: same ranks.
    for (unsigned d = 0; d < tensorType(r).getRank(); ++d)
      ranks.unite({out, d}, {r, d});
    Value(out).replaceUsesWithIf(r, [&](OpOperand &use) {
      return !g.members.contains(use.getOwner());
    });
  }
  // Erased once every program is built, so no rank key is reused.
  for (Operation &op : body)
    if (g.members.contains(&op))
      dead.push_back(&op);
  return success();
}
