//===- RoutingTilePrograms.cpp - routing ops as tile programs -------------===//
//
// A `cascade.grouped_einsum` (the expert GEMMs of a MoE layer) becomes one
// `tile.program` whose work items are (group, column block, row block). The
// rows of a group are a data-dependent segment [offsets[g], offsets[g+1]):
// a work item reads its two offsets, skips itself when its row block starts
// past the segment's end, and otherwise loads a row tile bounded by that end,
// contracts it with its group's weight tile (each weight, for an epilogue
// such as SwiGLU), applies the epilogue, and stores the tile bounded the same
// way. Rows outside every segment keep the zeros the output starts with.
// The grid holds every possible row block of every group; a work item past
// its segment costs two loads and a compare, which is what a grid of
// data-independent size costs.
//
// A `cascade.gather` becomes a program with one work item per index entry:
// it reads its index and, unless it is negative (a dropped slot: the row
// stays zero), copies that row of the source.
//
//===----------------------------------------------------------------------===//

#include "cascade/Dialect/Tile.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace cascade;

namespace {

int64_t byteWidth(Type t) {
  return std::max<int64_t>(t.getIntOrFloatBitWidth() / 8, 1);
}

/// The zeros an output starts as: rows no work item writes stay zero.
Value zerosOf(OpBuilder &b, Location loc, RankedTensorType type) {
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
}

/// `indices` checked for a gather or scatter (`opName`) over `rows` rows
/// (`rowsOf` names them): negative entries are dropped slots, an entry whose
/// row (entry / divisor) lies past the rows is a run-time error, reported
/// before any work item runs.
Value checkedEntries(OpBuilder &b, Location loc, Value indices, int64_t rows,
                     int64_t divisor, StringRef opName, StringRef rowsOf) {
  std::string what = ("'indices' of " + opName + " (").str();
  if (divisor > 1)
    what += "divided by " + std::to_string(divisor) + ", ";
  what += "for the " + std::to_string(rows) + " rows of " + rowsOf.str() + ")";
  return CheckIndicesOp::create(
      b, loc, indices.getType(), indices,
      b.getI64IntegerAttr(std::numeric_limits<int64_t>::min()),
      b.getI64IntegerAttr(rows * divisor), IntegerAttr(), UnitAttr(),
      b.getStringAttr(what));
}

/// Reads the index entry at `entry` and opens `scf.if entry >= 0` (a
/// negative entry is a dropped slot); returns its row, entry / divisor,
/// with `b` inside the branch.
Value rowOfKeptEntry(OpBuilder &b, Location loc, Value indexBuffer,
                     ValueRange entry, int64_t divisor) {
  Value raw = arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      memref::LoadOp::create(b, loc, indexBuffer, entry));
  Value kept =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, raw,
                            arith::ConstantIndexOp::create(b, loc, 0));
  auto branch = scf::IfOp::create(b, loc, kept);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  if (divisor == 1)
    return raw;
  return arith::DivSIOp::create(b, loc, raw,
                                arith::ConstantIndexOp::create(b, loc, divisor));
}

/// The largest power of two from `lowest` up to `highest` (and at most
/// `extent`, unless that is below `lowest`) with `bytesPer` * tile <= budget.
int64_t largestFitting(int64_t lowest, int64_t highest, int64_t extent,
                       int64_t bytesPer, int64_t budget) {
  int64_t tile = lowest;
  while (tile < highest && tile < extent && 2 * tile * bytesPer <= budget)
    tile *= 2;
  return std::min(tile, std::max<int64_t>(extent, 1));
}

struct GroupedEinsumToTileProgram : OpRewritePattern<GroupedEinsumOp> {
  GroupedEinsumToTileProgram(MLIRContext *ctx, tile::TargetAttr target,
                             int64_t rowTile)
      : OpRewritePattern(ctx), target(target), rowTile(rowTile) {}

  LogicalResult matchAndRewrite(GroupedEinsumOp op,
                                PatternRewriter &rewriter) const override {
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto weightType = cast<RankedTensorType>(op.getWeights()[0].getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto offsetsType = cast<RankedTensorType>(op.getOffsets().getType());
    if (!lhsType.hasStaticShape() || !weightType.hasStaticShape() ||
        !offsetsType.hasStaticShape()) {
      op.emitRemark() << "not tiled: tile programs need static shapes";
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    }
    // Nothing to compute (and a grid needs a work item per dimension).
    if (resultType.getNumElements() == 0 || weightType.getNumElements() == 0)
      return rewriter.notifyMatchFailure(op, "empty result or weights");
    Location loc = op.getLoc();
    EinsumOp::Indices idx = *EinsumOp::parseSpec(op.getSpec());
    const std::string &lhsNames = idx.inputs[0];
    std::string weightNames = idx.inputs[1].substr(1);
    const std::string &resultNames = idx.result;
    int64_t rows = lhsType.getDimSize(0);
    int64_t groups = weightType.getDimSize(0);
    Type elt = resultType.getElementType();

    // Tiles: a block of rows; the result's last index in blocks of columns
    // when only the weights carry it; every other dimension whole.
    int64_t lhsRowBytes = byteWidth(lhsType.getElementType());
    for (int64_t d = 1; d < lhsType.getRank(); ++d)
      lhsRowBytes *= lhsType.getDimSize(d);
    int64_t resultRowBytes = byteWidth(elt);
    for (int64_t d = 1; d < resultType.getRank(); ++d)
      resultRowBytes *= resultType.getDimSize(d);
    // A contraction streams its reduced index through the microkernel or
    // matrix unit: what must stay in fast memory is the row tile (read again
    // for every panel of columns) and the result tiles; half the target's
    // fast memory for each. Up to 128 rows and 256 columns.
    int64_t budget = target.getSharedMemory() / 2;
    int64_t rowBlock =
        rowTile > 0 ? std::min(rowTile, std::max<int64_t>(rows, 1))
                    : largestFitting(std::max<int64_t>(target.getMatrix()[0], 1),
                                     128, rows, lhsRowBytes, budget);
    char last = resultNames.back();
    int columnDim = -1; // of the result
    int weightColumnDim = -1;
    if (resultNames.size() > 1 && !llvm::is_contained(lhsNames, last)) {
      columnDim = resultNames.size() - 1;
      weightColumnDim = idx.inputs[1].find(last);
    }
    int64_t columns = columnDim >= 0 ? resultType.getDimSize(columnDim) : 1;
    int64_t columnBlock = columns;
    if (columnDim >= 0)
      columnBlock = largestFitting(
          32, 256, columns,
          (op.getWeights().size() + 1) * rowBlock * resultRowBytes /
              std::max<int64_t>(columns, 1),
          budget);
    // Row blocks vary fastest: the work items that follow one another on a
    // thread share their weight tiles (which stream from memory otherwise).
    SmallVector<int64_t> grid = {groups,
                                 (columns + columnBlock - 1) / columnBlock,
                                 (rows + rowBlock - 1) / rowBlock};

    // Offsets are checked before any work item trusts them.
    Value offsets = CheckIndicesOp::create(
        rewriter, loc, offsetsType, op.getOffsets(),
        rewriter.getI64IntegerAttr(0), rewriter.getI64IntegerAttr(rows + 1),
        IntegerAttr(), rewriter.getUnitAttr(),
        rewriter.getStringAttr("'offsets' of cascade.grouped_einsum"));
    SmallVector<Value> inputs = {op.getLhs()};
    llvm::append_range(inputs, op.getWeights());
    inputs.push_back(offsets);
    Value zeros = zerosOf(rewriter, loc, resultType);
    auto program =
        tile::ProgramOp::create(rewriter, loc, grid, inputs, ValueRange{zeros});

    OpBuilder::InsertionGuard guard(rewriter);
    Block &body = program.getBody().front();
    rewriter.setInsertionPointToStart(&body);
    auto ids = program.getWorkItemIds();
    auto buffers = program.getInputBuffers();
    Value lhsBuffer = buffers[0], offsetsBuffer = buffers.back();
    Value outBuffer = program.getOutputBuffers()[0];
    // Index constants, made once at the top of the body.
    llvm::DenseMap<int64_t, Value> constants;
    auto index = [&](int64_t v) -> Value {
      Value &c = constants[v];
      if (!c) {
        OpBuilder::InsertionGuard atTop(rewriter);
        rewriter.setInsertionPointToStart(&body);
        c = arith::ConstantIndexOp::create(rewriter, loc, v);
      }
      return c;
    };
    auto readOffset = [&](Value at) -> Value {
      Value v = memref::LoadOp::create(rewriter, loc, offsetsBuffer, at);
      return arith::IndexCastOp::create(rewriter, loc,
                                        rewriter.getIndexType(), v);
    };
    Value group = ids[0];
    Value begin = readOffset(group);
    Value end = readOffset(
        arith::AddIOp::create(rewriter, loc, group, index(1)).getResult());
    Value row = arith::AddIOp::create(
        rewriter, loc, begin,
        arith::MulIOp::create(rewriter, loc, ids[2], index(rowBlock)));
    Value column =
        arith::MulIOp::create(rewriter, loc, ids[1], index(columnBlock));
    Value live = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                       row, end);
    auto branch = scf::IfOp::create(rewriter, loc, live);
    rewriter.setInsertionPointToStart(&branch.getThenRegion().front());

    // The row tile, bounded by the segment's end.
    SmallVector<Value> lhsOffsets = {row}, lhsBounds = {end};
    SmallVector<int64_t> lhsTile = {rowBlock};
    for (int64_t d = 1; d < lhsType.getRank(); ++d) {
      lhsOffsets.push_back(index(0));
      lhsBounds.push_back(index(lhsType.getDimSize(d)));
      lhsTile.push_back(lhsType.getDimSize(d));
    }
    Value lhsTileValue = tile::LoadOp::create(
        rewriter, loc, RankedTensorType::get(lhsTile, lhsType.getElementType()),
        lhsBuffer, lhsOffsets, lhsBounds, nullptr);

    // Each weight's tile of this group, without the group dimension.
    SmallVector<int64_t> weightTile(weightType.getShape());
    weightTile[0] = 1;
    if (weightColumnDim >= 0)
      weightTile[weightColumnDim] = columnBlock;
    SmallVector<ReassociationIndices> dropGroup;
    for (int64_t d = 1; d < weightType.getRank(); ++d)
      dropGroup.push_back(d == 1 ? ReassociationIndices{0, 1}
                                 : ReassociationIndices{d});
    SmallVector<int64_t> resultTile(resultType.getShape());
    resultTile[0] = rowBlock;
    if (columnDim >= 0)
      resultTile[columnDim] = columnBlock;
    auto resultTileType = RankedTensorType::get(resultTile, elt);
    bool reduces = llvm::any_of(lhsNames + weightNames, [&](char c) {
      return !llvm::is_contained(resultNames, c);
    });
    std::string spec = lhsNames + "," + weightNames + "->" + resultNames;
    SmallVector<Value> parts;
    for (Value weightBuffer : buffers.slice(1, op.getWeights().size())) {
      SmallVector<Value> weightOffsets = {group};
      for (int64_t d = 1; d < weightType.getRank(); ++d)
        weightOffsets.push_back(d == weightColumnDim ? column : index(0));
      Value w = tile::LoadOp::create(
          rewriter, loc,
          RankedTensorType::get(weightTile, weightType.getElementType()),
          weightBuffer, weightOffsets, ValueRange(), nullptr);
      w = tensor::CollapseShapeOp::create(rewriter, loc, w, dropGroup);
      parts.push_back(EinsumOp::create(
          rewriter, loc, resultTileType, spec, ValueRange{lhsTileValue, w},
          MapKind::mul,
          reduces ? std::optional(ReduceKind::add) : std::nullopt));
    }
    Value result = parts[0];
    if (!op.getEpilogue().empty()) {
      std::string epilogueSpec;
      for (size_t i = 0; i < parts.size(); ++i)
        epilogueSpec += (i ? "," : "") + resultNames;
      epilogueSpec += "->" + resultNames;
      auto epilogue = EinsumOp::create(rewriter, loc, resultTileType,
                                       epilogueSpec, parts, std::nullopt,
                                       std::nullopt);
      IRMapping mapping;
      op.getEpilogue().cloneInto(&epilogue.getBody(), mapping);
      result = epilogue.getResult();
    }

    SmallVector<Value> outOffsets = {row}, outBounds = {end};
    for (int64_t d = 1; d < resultType.getRank(); ++d) {
      outOffsets.push_back(d == columnDim ? column : index(0));
      outBounds.push_back(index(resultType.getDimSize(d)));
    }
    tile::StoreOp::create(rewriter, loc, result, outBuffer, outOffsets,
                          outBounds);
    rewriter.replaceOp(op, program.getResults());
    return success();
  }

  tile::TargetAttr target;
  int64_t rowTile;
};

struct GatherToTileProgram : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    auto sourceType = cast<RankedTensorType>(op.getSource().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    if (!sourceType.hasStaticShape() || !indicesType.hasStaticShape()) {
      op.emitRemark() << "not tiled: tile programs need static shapes";
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    }
    if (indicesType.getRank() == 0 || resultType.getNumElements() == 0)
      return rewriter.notifyMatchFailure(op, "no index entries to spread");
    Location loc = op.getLoc();
    int64_t rows = sourceType.getDimSize(0);
    int64_t divisor = op.getDivisor();
    int64_t entryRank = indicesType.getRank();

    Value indices = checkedEntries(rewriter, loc, op.getIndices(), rows,
                                   divisor, "cascade.gather", "'source'");
    Value zeros = zerosOf(rewriter, loc, resultType);
    auto program = tile::ProgramOp::create(
        rewriter, loc, indicesType.getShape(),
        ValueRange{op.getSource(), indices}, ValueRange{zeros});

    OpBuilder::InsertionGuard guard(rewriter);
    Block &body = program.getBody().front();
    rewriter.setInsertionPointToStart(&body);
    auto ids = program.getWorkItemIds();
    Value sourceBuffer = program.getInputBuffers()[0];
    Value indexBuffer = program.getInputBuffers()[1];
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value row = rowOfKeptEntry(rewriter, loc, indexBuffer, ids, divisor);
    SmallVector<Value> sourceOffsets = {row};
    SmallVector<int64_t> rowShape = {1};
    for (int64_t d = 1; d < sourceType.getRank(); ++d) {
      sourceOffsets.push_back(zero);
      rowShape.push_back(sourceType.getDimSize(d));
    }
    Value tile = tile::LoadOp::create(
        rewriter, loc,
        RankedTensorType::get(rowShape, sourceType.getElementType()),
        sourceBuffer, sourceOffsets, ValueRange(), nullptr);
    if (entryRank > 1) {
      // One unit dimension per index dimension in front of the row.
      SmallVector<int64_t> entryShape(entryRank, 1);
      llvm::append_range(entryShape, ArrayRef(rowShape).drop_front());
      SmallVector<ReassociationIndices> groups = {
          llvm::to_vector(llvm::seq<int64_t>(0, entryRank))};
      for (int64_t d = 1; d < sourceType.getRank(); ++d)
        groups.push_back({entryRank + d - 1});
      tile = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get(entryShape, sourceType.getElementType()), tile,
          groups);
    }
    SmallVector<Value> outOffsets(ids.begin(), ids.end());
    for (int64_t d = 1; d < sourceType.getRank(); ++d)
      outOffsets.push_back(zero);
    tile::StoreOp::create(rewriter, loc, tile,
                          program.getOutputBuffers()[0], outOffsets,
                          ValueRange());
    rewriter.replaceOp(op, program.getResults());
    return success();
  }
};

/// Letters for a tile's dimensions in the einsums the programs build.
std::string lettersFor(int64_t rank) {
  std::string s;
  for (int64_t d = 0; d < rank; ++d)
    s.push_back(static_cast<char>('a' + d));
  return s;
}

struct ScatterToTileProgram : OpRewritePattern<ScatterOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScatterOp op,
                                PatternRewriter &rewriter) const override {
    auto sourceType = cast<RankedTensorType>(op.getSource().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    if (!sourceType.hasStaticShape() || !indicesType.hasStaticShape() ||
        !resultType.hasStaticShape()) {
      op.emitRemark() << "not tiled: tile programs need static shapes";
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    }
    if (indicesType.getRank() == 0 || resultType.getNumElements() == 0)
      return rewriter.notifyMatchFailure(op, "rank-0 indices or no result");
    Location loc = op.getLoc();
    Type elt = resultType.getElementType();
    if (op.getWeights() && !isa<FloatType>(elt))
      return rewriter.notifyMatchFailure(op, "weighted integer rows");
    int64_t entryRank = indicesType.getRank();
    int64_t rows = resultType.getDimSize(0);
    int64_t divisor = op.getDivisor();
    // Entries that meet in one row add up in entry order, as the reference
    // adds them: every work item walks all entries, for its own block of the
    // row's last dimension (so work items write disjoint elements).
    ArrayRef<int64_t> rowShape = resultType.getShape().drop_front();
    int64_t columns = rowShape.empty() ? 1 : rowShape.back();
    int64_t columnBlock = std::min<int64_t>(std::max<int64_t>(columns, 1), 256);
    SmallVector<int64_t> rowTile(rowShape);
    if (!rowTile.empty())
      rowTile.back() = columnBlock;

    Value indices = checkedEntries(rewriter, loc, op.getIndices(), rows,
                                   divisor, "cascade.scatter", "the result");
    SmallVector<Value> inputs = {op.getSource(), indices};
    if (op.getWeights())
      inputs.push_back(op.getWeights());
    Value zeros = zerosOf(rewriter, loc, resultType);
    auto program = tile::ProgramOp::create(
        rewriter, loc, {(columns + columnBlock - 1) / columnBlock}, inputs,
        ValueRange{zeros});

    OpBuilder::InsertionGuard guard(rewriter);
    Block &body = program.getBody().front();
    rewriter.setInsertionPointToStart(&body);
    auto buffers = program.getInputBuffers();
    Value out = program.getOutputBuffers()[0];
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value column = arith::MulIOp::create(
        rewriter, loc, program.getWorkItemIds()[0],
        arith::ConstantIndexOp::create(rewriter, loc, columnBlock));
    // One loop per index dimension, in row-major order.
    SmallVector<Value> entry;
    for (int64_t d = 0; d < entryRank; ++d) {
      auto loop = scf::ForOp::create(
          rewriter, loc, zero,
          arith::ConstantIndexOp::create(rewriter, loc,
                                         indicesType.getDimSize(d)),
          one);
      entry.push_back(loop.getInductionVar());
      rewriter.setInsertionPointToStart(loop.getBody());
    }
    Value row = rowOfKeptEntry(rewriter, loc, buffers[1], entry, divisor);

    auto offsetsInRow = [&](SmallVector<Value> offsets) {
      for (size_t d = 0; d < rowShape.size(); ++d)
        offsets.push_back(d + 1 == rowShape.size() ? column : zero);
      return offsets;
    };
    SmallVector<int64_t> tileShape = {1};
    llvm::append_range(tileShape, rowTile);
    auto tileType = RankedTensorType::get(tileShape, elt);
    Value current = tile::LoadOp::create(rewriter, loc, tileType, out,
                                         offsetsInRow({row}), ValueRange(),
                                         nullptr);
    // The entry's slice of the source, its leading unit dimensions made one.
    SmallVector<int64_t> sourceTile(entryRank, 1);
    llvm::append_range(sourceTile, rowTile);
    Value slice = tile::LoadOp::create(
        rewriter, loc, RankedTensorType::get(sourceTile, elt), buffers[0],
        offsetsInRow(entry), ValueRange(), nullptr);
    SmallVector<ReassociationIndices> leading = {
        llvm::to_vector(llvm::seq<int64_t>(0, entryRank))};
    for (size_t d = 0; d < rowShape.size(); ++d)
      leading.push_back({entryRank + static_cast<int64_t>(d)});
    if (entryRank > 1)
      slice = tensor::CollapseShapeOp::create(rewriter, loc, tileType, slice,
                                              leading);
    std::string t = lettersFor(tileType.getRank());
    SmallVector<Value> operands = {current, slice};
    SmallVector<Type> argTypes = {elt, elt};
    std::string spec = t + "," + t;
    if (op.getWeights()) {
      Type wElt =
          cast<RankedTensorType>(op.getWeights().getType()).getElementType();
      Value w = tile::LoadOp::create(
          rewriter, loc,
          RankedTensorType::get(SmallVector<int64_t>(entryRank, 1), wElt),
          buffers[2], entry, ValueRange(), nullptr);
      if (entryRank > 1)
        w = tensor::CollapseShapeOp::create(
            rewriter, loc, RankedTensorType::get({1}, wElt), w,
            ArrayRef<ReassociationIndices>{leading[0]});
      operands.push_back(w);
      argTypes.push_back(wElt);
      spec += ",a";
    }
    // current + weight * slice, per element.
    auto add = EinsumOp::create(rewriter, loc, tileType, spec + "->" + t,
                                operands, std::nullopt, std::nullopt);
    Block *region = rewriter.createBlock(
        &add.getBody(), {}, argTypes,
        SmallVector<Location>(argTypes.size(), loc));
    Value term = region->getArgument(1);
    if (op.getWeights()) {
      Value weight = region->getArgument(2);
      unsigned from = weight.getType().getIntOrFloatBitWidth(),
               to = elt.getIntOrFloatBitWidth();
      if (from > to)
        weight = arith::TruncFOp::create(rewriter, loc, elt, weight);
      else if (from < to)
        weight = arith::ExtFOp::create(rewriter, loc, elt, weight);
      term = arith::MulFOp::create(rewriter, loc, weight, term);
    }
    Value total =
        isa<FloatType>(elt)
            ? arith::AddFOp::create(rewriter, loc, region->getArgument(0), term)
                  .getResult()
            : arith::AddIOp::create(rewriter, loc, region->getArgument(0), term)
                  .getResult();
    YieldOp::create(rewriter, loc, ValueRange{total});
    rewriter.setInsertionPointAfter(add);
    Value sum = add.getResult();
    tile::StoreOp::create(rewriter, loc, sum, out, offsetsInRow({row}),
                          ValueRange());
    rewriter.replaceOp(op, program.getResults());
    return success();
  }
};

} // namespace

void cascade::populateScatterTileProgramPatterns(RewritePatternSet &patterns) {
  patterns.add<ScatterToTileProgram>(patterns.getContext());
}

void cascade::populateGroupedTileProgramPatterns(RewritePatternSet &patterns,
                                                 tile::TargetAttr target,
                                                 int64_t rowTile) {
  patterns.add<GroupedEinsumToTileProgram>(patterns.getContext(), target,
                                           rowTile);
}

void cascade::populateGatherTileProgramPatterns(RewritePatternSet &patterns) {
  patterns.add<GatherToTileProgram>(patterns.getContext());
}
