//===- CascadeAttrs.cpp - mask attributes ---------------------------------===//

#include "cascade/Dialect/Cascade.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cascade;

#include "cascade/Dialect/CascadeAttrInterfaces.cpp.inc"
#include "cascade/Dialect/CascadeEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "cascade/Dialect/CascadeAttrs.cpp.inc"

void CascadeDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "cascade/Dialect/CascadeAttrs.cpp.inc"
      >();
}

using EmitErrorFn = llvm::function_ref<InFlightDiagnostic()>;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Masks without runtime operands reject any that are passed.
static LogicalResult verifyNoRuntimeOperands(EmitErrorFn emitError,
                                             StringRef mask,
                                             TypeRange runtimeTypes) {
  if (runtimeTypes.empty())
    return success();
  return emitError() << "mask " << mask << " takes no runtime operands, got "
                     << runtimeTypes.size();
}

/// A runtime operand of an integer element type with the given shape.
static LogicalResult verifyIntegerTensor(EmitErrorFn emitError, StringRef what,
                                         Type type, ArrayRef<int64_t> shape) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.getElementType().isSignlessInteger())
    return emitError() << what << " must be a tensor of integers, got " << type;
  if (tensor.getShape() != shape) {
    auto diag = emitError() << what << " must have shape [";
    llvm::interleaveComma(shape, diag);
    diag << "], got " << type;
    return diag;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// full
//===----------------------------------------------------------------------===//

unsigned FullMaskAttr::getNumRuntimeOperands() const { return 0; }
LogicalResult FullMaskAttr::verifyShapes(EmitErrorFn emitError, int64_t,
                                         int64_t,
                                         TypeRange runtimeTypes) const {
  return verifyNoRuntimeOperands(emitError, "#cascade.full", runtimeTypes);
}

//===----------------------------------------------------------------------===//
// causal
//===----------------------------------------------------------------------===//

unsigned CausalMaskAttr::getNumRuntimeOperands() const { return 0; }
LogicalResult CausalMaskAttr::verifyShapes(EmitErrorFn emitError, int64_t,
                                           int64_t,
                                           TypeRange runtimeTypes) const {
  return verifyNoRuntimeOperands(emitError, "#cascade.causal", runtimeTypes);
}

//===----------------------------------------------------------------------===//
// sliding_window / prefix_lm
//===----------------------------------------------------------------------===//

LogicalResult SlidingWindowMaskAttr::verify(EmitErrorFn emitError, int64_t left,
                                            int64_t right) {
  if (left < 0 || right < 0)
    return emitError() << "sliding_window extents must be >= 0, got left = "
                       << left << ", right = " << right;
  return success();
}
unsigned SlidingWindowMaskAttr::getNumRuntimeOperands() const { return 0; }
LogicalResult
SlidingWindowMaskAttr::verifyShapes(EmitErrorFn emitError, int64_t, int64_t,
                                    TypeRange runtimeTypes) const {
  return verifyNoRuntimeOperands(emitError, "#cascade.sliding_window",
                                 runtimeTypes);
}

LogicalResult PrefixLmMaskAttr::verify(EmitErrorFn emitError, int64_t prefix) {
  if (prefix < 0)
    return emitError() << "prefix_lm prefix must be >= 0, got " << prefix;
  return success();
}
unsigned PrefixLmMaskAttr::getNumRuntimeOperands() const { return 0; }
LogicalResult PrefixLmMaskAttr::verifyShapes(EmitErrorFn emitError, int64_t,
                                             int64_t,
                                             TypeRange runtimeTypes) const {
  return verifyNoRuntimeOperands(emitError, "#cascade.prefix_lm", runtimeTypes);
}

//===----------------------------------------------------------------------===//
// document
//===----------------------------------------------------------------------===//

unsigned DocumentMaskAttr::getNumRuntimeOperands() const { return 2; }
LogicalResult DocumentMaskAttr::verifyShapes(EmitErrorFn emitError,
                                             int64_t numQueries,
                                             int64_t numKeys,
                                             TypeRange runtimeTypes) const {
  if (runtimeTypes.size() != 2)
    return emitError() << "mask #cascade.document takes 2 runtime operands "
                          "(query and key segment ids), got "
                       << runtimeTypes.size();
  if (failed(verifyIntegerTensor(emitError, "query segment ids",
                                 runtimeTypes[0], {numQueries})))
    return failure();
  return verifyIntegerTensor(emitError, "key segment ids", runtimeTypes[1],
                             {numKeys});
}

//===----------------------------------------------------------------------===//
// neighborhood
//===----------------------------------------------------------------------===//

LogicalResult NeighborhoodMaskAttr::verify(EmitErrorFn emitError,
                                           ArrayRef<int64_t> grid,
                                           ArrayRef<int64_t> kernel,
                                           ArrayRef<int64_t> dilation) {
  if (grid.empty() || grid.size() > 3)
    return emitError() << "neighborhood grid must have 1 to 3 dimensions, got "
                       << grid.size();
  if (kernel.size() != grid.size() || dilation.size() != grid.size())
    return emitError() << "neighborhood grid, kernel and dilation must have "
                          "the same rank, got "
                       << grid.size() << ", " << kernel.size() << ", "
                       << dilation.size();
  for (size_t d = 0; d < grid.size(); ++d) {
    if (grid[d] <= 0 || kernel[d] <= 0 || dilation[d] <= 0)
      return emitError() << "neighborhood sizes must be positive (dimension "
                         << d << ")";
    // Every dilation group along d must hold at least `kernel` positions.
    if (kernel[d] * dilation[d] > grid[d])
      return emitError() << "neighborhood kernel " << kernel[d]
                         << " with dilation " << dilation[d]
                         << " does not fit grid dimension " << d << " of size "
                         << grid[d];
  }
  return success();
}
unsigned NeighborhoodMaskAttr::getNumRuntimeOperands() const { return 0; }
LogicalResult NeighborhoodMaskAttr::verifyShapes(EmitErrorFn emitError,
                                                 int64_t numQueries,
                                                 int64_t numKeys,
                                                 TypeRange runtimeTypes) const {
  int64_t cells = 1;
  for (int64_t g : getGrid())
    cells *= g;
  if (numQueries != cells || numKeys != cells)
    return emitError() << "neighborhood grid has " << cells
                       << " cells but the masked ranks have sizes "
                       << numQueries << " (queries) and " << numKeys
                       << " (keys)";
  return verifyNoRuntimeOperands(emitError, "#cascade.neighborhood",
                                 runtimeTypes);
}

//===----------------------------------------------------------------------===//
// block_sparse / dynamic_block_sparse
//===----------------------------------------------------------------------===//

static LogicalResult verifyBlock(EmitErrorFn emitError, int64_t blockQ,
                                 int64_t blockK) {
  if (blockQ <= 0 || blockK <= 0)
    return emitError() << "block sizes must be positive, got [" << blockQ
                       << ", " << blockK << "]";
  return success();
}

LogicalResult BlockSparseMaskAttr::verify(EmitErrorFn emitError, int64_t blockQ,
                                          int64_t blockK,
                                          DenseIntElementsAttr table) {
  if (failed(verifyBlock(emitError, blockQ, blockK)))
    return failure();
  if (table.getType().getRank() != 2)
    return emitError() << "block_sparse table must be 2-D, got "
                       << table.getType();
  return success();
}
unsigned BlockSparseMaskAttr::getNumRuntimeOperands() const { return 0; }
LogicalResult BlockSparseMaskAttr::verifyShapes(EmitErrorFn emitError,
                                                int64_t numQueries,
                                                int64_t numKeys,
                                                TypeRange runtimeTypes) const {
  ArrayRef<int64_t> shape = getTable().getType().getShape();
  int64_t rows = ceilDiv(numQueries, getBlockQ());
  int64_t cols = ceilDiv(numKeys, getBlockK());
  if (shape[0] != rows || shape[1] != cols)
    return emitError() << "block_sparse table must be " << rows << "x" << cols
                       << " for " << numQueries << " queries and " << numKeys
                       << " keys in blocks of [" << getBlockQ() << ", "
                       << getBlockK() << "], got " << shape[0] << "x"
                       << shape[1];
  return verifyNoRuntimeOperands(emitError, "#cascade.block_sparse",
                                 runtimeTypes);
}

LogicalResult DynamicBlockSparseMaskAttr::verify(EmitErrorFn emitError,
                                                 int64_t blockQ,
                                                 int64_t blockK) {
  return verifyBlock(emitError, blockQ, blockK);
}
unsigned DynamicBlockSparseMaskAttr::getNumRuntimeOperands() const { return 1; }
LogicalResult
DynamicBlockSparseMaskAttr::verifyShapes(EmitErrorFn emitError,
                                         int64_t numQueries, int64_t numKeys,
                                         TypeRange runtimeTypes) const {
  if (runtimeTypes.size() != 1)
    return emitError() << "mask #cascade.dynamic_block_sparse takes 1 runtime "
                          "operand (key block indices), got "
                       << runtimeTypes.size();
  auto tensor = dyn_cast<RankedTensorType>(runtimeTypes[0]);
  int64_t rows = ceilDiv(numQueries, getBlockQ());
  if (!tensor || !tensor.getElementType().isSignlessInteger() ||
      tensor.getRank() != 2 || tensor.getDimSize(0) != rows)
    return emitError() << "key block indices must be a 2-D integer tensor with "
                       << rows << " rows (one per query block), got "
                       << runtimeTypes[0];
  return success();
}

//===----------------------------------------------------------------------===//
// all_of
//===----------------------------------------------------------------------===//

LogicalResult AllOfMaskAttr::verify(EmitErrorFn emitError, ArrayAttr masks) {
  if (masks.empty())
    return emitError() << "all_of needs at least one mask";
  for (Attribute mask : masks)
    if (!isa<MaskAttrInterface>(mask))
      return emitError() << "all_of element " << mask << " is not a mask";
  return success();
}
unsigned AllOfMaskAttr::getNumRuntimeOperands() const {
  unsigned count = 0;
  for (Attribute mask : getMasks())
    count += cast<MaskAttrInterface>(mask).getNumRuntimeOperands();
  return count;
}
LogicalResult AllOfMaskAttr::verifyShapes(EmitErrorFn emitError,
                                          int64_t numQueries, int64_t numKeys,
                                          TypeRange runtimeTypes) const {
  if (runtimeTypes.size() != getNumRuntimeOperands())
    return emitError() << "mask #cascade.all_of takes "
                       << getNumRuntimeOperands() << " runtime operands, got "
                       << runtimeTypes.size();
  for (Attribute attr : getMasks()) {
    auto mask = cast<MaskAttrInterface>(attr);
    unsigned n = mask.getNumRuntimeOperands();
    if (failed(mask.verifyShapes(emitError, numQueries, numKeys,
                                 runtimeTypes.take_front(n))))
      return failure();
    runtimeTypes = runtimeTypes.drop_front(n);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Compile-time block classification
//===----------------------------------------------------------------------===//

/// Class of a block where the mask keeps (q, k) iff lo(q) <= k <= hi(q), with
/// lo and hi non-decreasing in q (every analytic band mask is of this form).
static BlockClass classifyBand(int64_t qBegin, int64_t qEnd, int64_t kBegin,
                               int64_t kEnd,
                               llvm::function_ref<int64_t(int64_t)> lo,
                               llvm::function_ref<int64_t(int64_t)> hi) {
  int64_t qLast = qEnd - 1, kLast = kEnd - 1;
  // Empty: the last query's band ends before the block, or the first
  // query's band starts after it.
  if (hi(qLast) < kBegin || lo(qBegin) > kLast)
    return BlockClass::Empty;
  // Full: every query's band covers the block.
  if (lo(qLast) <= kBegin && hi(qBegin) >= kLast)
    return BlockClass::Full;
  return BlockClass::Partial;
}

BlockClass FullMaskAttr::classifyBlock(int64_t, int64_t, int64_t, int64_t,
                                       int64_t, int64_t) const {
  return BlockClass::Full;
}

BlockClass CausalMaskAttr::classifyBlock(int64_t qBegin, int64_t qEnd,
                                         int64_t kBegin, int64_t kEnd,
                                         int64_t numQueries,
                                         int64_t numKeys) const {
  int64_t shift =
      getAlign() == CausalAlign::bottom_right ? numKeys - numQueries : 0;
  return classifyBand(
      qBegin, qEnd, kBegin, kEnd, [](int64_t) { return INT64_MIN / 2; },
      [&](int64_t q) { return q + shift; });
}

BlockClass SlidingWindowMaskAttr::classifyBlock(int64_t qBegin, int64_t qEnd,
                                                int64_t kBegin, int64_t kEnd,
                                                int64_t, int64_t) const {
  int64_t left = getLeft(), right = getRight();
  return classifyBand(
      qBegin, qEnd, kBegin, kEnd, [&](int64_t q) { return q - left; },
      [&](int64_t q) { return q + right; });
}

BlockClass PrefixLmMaskAttr::classifyBlock(int64_t qBegin, int64_t qEnd,
                                           int64_t kBegin, int64_t kEnd,
                                           int64_t, int64_t) const {
  // Keeps k < prefix or k <= q: a band [0, max(q, prefix - 1)].
  int64_t prefix = getPrefix();
  return classifyBand(
      qBegin, qEnd, kBegin, kEnd, [](int64_t) { return INT64_MIN / 2; },
      [&](int64_t q) { return std::max(q, prefix - 1); });
}

BlockClass BlockSparseMaskAttr::classifyBlock(int64_t qBegin, int64_t qEnd,
                                              int64_t kBegin, int64_t kEnd,
                                              int64_t, int64_t) const {
  // Each table cell is all-or-nothing: look at the cells the block covers.
  int64_t cols = getTable().getType().getDimSize(1);
  auto values = getTable().getValues<APInt>();
  bool any = false, all = true;
  for (int64_t r = qBegin / getBlockQ(); r <= (qEnd - 1) / getBlockQ(); ++r)
    for (int64_t c = kBegin / getBlockK(); c <= (kEnd - 1) / getBlockK(); ++c) {
      bool kept = !values[r * cols + c].isZero();
      any |= kept;
      all &= kept;
    }
  return all ? BlockClass::Full : any ? BlockClass::Partial : BlockClass::Empty;
}

BlockClass AllOfMaskAttr::classifyBlock(int64_t qBegin, int64_t qEnd,
                                        int64_t kBegin, int64_t kEnd,
                                        int64_t numQueries,
                                        int64_t numKeys) const {
  BlockClass result = BlockClass::Full;
  for (Attribute attr : getMasks()) {
    BlockClass part = cast<MaskAttrInterface>(attr).classifyBlock(
        qBegin, qEnd, kBegin, kEnd, numQueries, numKeys);
    if (part == BlockClass::Empty)
      return BlockClass::Empty;
    if (part == BlockClass::Partial)
      result = BlockClass::Partial;
  }
  return result;
}

namespace {
/// The keys a neighborhood keeps for one query along one grid dimension:
/// the arithmetic progression residue + dilation * (start + j), j < kernel
/// (NATTEN: the window of the query's dilation group, shifted inward at the
/// group's borders).
struct NeighborhoodWindow {
  int64_t residue, dilation, start, kernel;

  NeighborhoodWindow(int64_t x, int64_t len, int64_t kernel, int64_t dilation)
      : residue(x % dilation), dilation(dilation), kernel(kernel) {
    int64_t groupLen = (len - residue + dilation - 1) / dilation;
    start =
        std::clamp<int64_t>(x / dilation - kernel / 2, 0, groupLen - kernel);
  }
  /// How many kept coordinates are below y.
  int64_t countBelow(int64_t y) const {
    if (y <= residue)
      return 0;
    int64_t below = (y - residue + dilation - 1) / dilation; // progression
    return std::clamp<int64_t>(below - start, 0, kernel);
  }
  bool contains(int64_t y) const {
    if (y < residue || (y - residue) % dilation != 0)
      return false;
    int64_t j = (y - residue) / dilation - start;
    return j >= 0 && j < kernel;
  }
};
} // namespace

BlockClass NeighborhoodMaskAttr::classifyBlock(int64_t qBegin, int64_t qEnd,
                                               int64_t kBegin, int64_t kEnd,
                                               int64_t, int64_t) const {
  // The kept keys of a query are a product of one progression per grid
  // dimension. Counting those below a flattened key (row-major, last
  // dimension fastest) is a sum over dimensions, so each query's count
  // in [kBegin, kEnd) is exact in O(rank): the block is empty when every
  // count is 0, full when every count is the block's width.
  ArrayRef<int64_t> grid = getGrid(), kernel = getKernel(),
                    dilation = getDilation();
  int64_t rank = grid.size(), cells = 1;
  for (int64_t g : grid)
    cells *= g;
  qEnd = std::min(qEnd, cells);
  kEnd = std::min(kEnd, cells);
  if (qBegin >= qEnd || kBegin >= kEnd)
    return BlockClass::Empty;
  SmallVector<int64_t> inner(rank, 1); // kept keys per step of dimension d
  for (int64_t d = rank - 2; d >= 0; --d)
    inner[d] = inner[d + 1] * kernel[d + 1];
  auto coordinates = [&](int64_t flat) {
    SmallVector<int64_t> c(rank);
    for (int64_t d = rank - 1; d >= 0; --d) {
      c[d] = flat % grid[d];
      flat /= grid[d];
    }
    return c;
  };
  SmallVector<int64_t> kLow = coordinates(kBegin);
  SmallVector<int64_t> kHigh =
      kEnd < cells ? coordinates(kEnd) : SmallVector<int64_t>();
  bool any = false, all = true;
  for (int64_t q = qBegin; q < qEnd && (all || !any); ++q) {
    SmallVector<int64_t> qc = coordinates(q);
    SmallVector<NeighborhoodWindow> windows;
    for (int64_t d = 0; d < rank; ++d)
      windows.emplace_back(qc[d], grid[d], kernel[d], dilation[d]);
    auto countBelow = [&](ArrayRef<int64_t> key) {
      if (key.empty()) // the end of the grid: every kept key
        return inner[0] * kernel[0];
      int64_t count = 0;
      for (int64_t d = 0; d < rank; ++d) {
        count += windows[d].countBelow(key[d]) * inner[d];
        if (!windows[d].contains(key[d]))
          break;
      }
      return count;
    };
    int64_t kept = countBelow(kHigh) - countBelow(kLow);
    any |= kept > 0;
    all &= kept == kEnd - kBegin;
  }
  return all ? BlockClass::Full : any ? BlockClass::Partial : BlockClass::Empty;
}
