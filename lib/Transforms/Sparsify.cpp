//===- Sparsify.cpp - block classes for masked einsums --------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADESPARSIFY
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

/// The input of `op` that has `letter`, and the letter's dimension in it.
std::optional<std::pair<Value, int64_t>> inputWith(EinsumOp op, char letter) {
  EinsumOp::Indices idx = op.getIndices();
  for (auto [letters, input] : llvm::zip(idx.inputs, op.getInputs()))
    if (size_t p = letters.find(letter); p != std::string::npos)
      return std::make_pair(input, static_cast<int64_t>(p));
  return std::nullopt;
}

/// Size of `letter` in `op`'s operands, or kDynamic.
int64_t sizeOf(EinsumOp op, char letter) {
  if (auto found = inputWith(op, letter))
    return cast<RankedTensorType>(found->first.getType())
        .getDimSize(found->second);
  return ShapedType::kDynamic;
}

/// Logical extent of a mask index group: mask_extent, or the product of
/// the group's sizes.
int64_t extentOf(EinsumOp op, StringRef group, unsigned side) {
  if (std::optional<ArrayRef<int64_t>> extent = op.getMaskExtent())
    return (*extent)[side];
  int64_t n = 1;
  for (char c : group) {
    int64_t size = sizeOf(op, c);
    if (ShapedType::isDynamic(size))
      return size;
    n *= size;
  }
  return n;
}

/// The run-time size of `letter`: tensor.dim of an input that has it.
Value runtimeSizeOf(OpBuilder &b, EinsumOp op, char letter) {
  auto [input, dim] = *inputWith(op, letter);
  return tensor::DimOp::create(b, op.getLoc(), input, dim);
}

/// Block size along a mask index group: a partitioned group's in-block rank,
/// else `fallback` (capped by the extent).
int64_t blockOf(EinsumOp op, StringRef group, int64_t extent,
                int64_t fallback) {
  if (group.size() > 1)
    return sizeOf(op, group.back());
  if (ShapedType::isDynamic(extent))
    return fallback;
  return std::max<int64_t>(1, std::min(fallback, extent));
}

struct CascadeSparsifyPass
    : cascade::impl::CascadeSparsifyBase<CascadeSparsifyPass> {
  using Base::Base;

  void runOnOperation() override {
    if (queryBlock < 1 || keyBlock < 1) {
      getOperation()->emitError() << "block sizes must be >= 1";
      return signalPassFailure();
    }
    getOperation()->walk([&](EinsumOp op) {
      // A tile (mask_origin) already sits inside a program that decided
      // which of its blocks run; classes describe whole einsums only.
      if (!op.getMask() || op.getBlockClasses() || !op.getMaskOrigin().empty())
        return;
      StringRef queries = *op.getMaskQuery(), keys = *op.getMaskKey();
      int64_t numQueries = extentOf(op, queries, 0);
      int64_t numKeys = extentOf(op, keys, 1);
      bool dynamic =
          ShapedType::isDynamic(numQueries) || ShapedType::isDynamic(numKeys);
      // A run-time extent is a run-time mask_extent (a partitioned rank
      // padded to whole blocks) or one rank's run-time size.
      SmallVector<OpFoldResult> given = op.getMixedMaskExtent();
      if (dynamic && given.empty() && (queries.size() != 1 || keys.size() != 1))
        return;
      int64_t bq = blockOf(op, queries, numQueries, queryBlock);
      int64_t bk = blockOf(op, keys, numKeys, keyBlock);
      if (ShapedType::isDynamic(bq) || ShapedType::isDynamic(bk))
        return;
      OpBuilder builder(op);
      // Run-time extents are classified at run time, from the sizes.
      SmallVector<Value> runtimeExtent;
      if (ShapedType::isDynamic(numQueries))
        runtimeExtent.push_back(given.empty()
                                    ? runtimeSizeOf(builder, op, queries[0])
                                    : cast<Value>(given[0]));
      if (ShapedType::isDynamic(numKeys))
        runtimeExtent.push_back(given.empty()
                                    ? runtimeSizeOf(builder, op, keys[0])
                                    : cast<Value>(given[1]));
      auto type = RankedTensorType::get(
          ClassifyBlocksOp::getTableShape({numQueries, numKeys}, {bq, bk}),
          builder.getI8Type());
      Value classes = builder.createOrFold<ClassifyBlocksOp>(
          op.getLoc(), type, *op.getMask(), runtimeExtent,
          builder.getDenseI64ArrayAttr({numQueries, numKeys}),
          builder.getDenseI64ArrayAttr({bq, bk}), op.getMaskArgs());
      op.getBlockClassesMutable().assign(classes);
      op.setClassBlockAttr(builder.getDenseI64ArrayAttr({bq, bk}));

      DenseIntElementsAttr table;
      if (matchPattern(classes, m_Constant(&table))) {
        int64_t counts[3] = {0, 0, 0};
        for (const APInt &v : table.getValues<APInt>())
          ++counts[v.getSExtValue()];
        op.emitRemark() << "blocks of [" << bq << ", " << bk
                        << "]: " << counts[0] << " empty, " << counts[1]
                        << " partial, " << counts[2] << " full";
      } else if (dynamic) {
        op.emitRemark() << "blocks of [" << bq << ", " << bk
                        << "]: classified at run time (run-time extent)";
      }
    });
  }
};

} // namespace
