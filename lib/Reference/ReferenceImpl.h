//===- ReferenceImpl.h - pieces of the reference interpreter --*- C++ -*-===//

#ifndef CASCADE_LIB_REFERENCE_REFERENCEIMPL_H
#define CASCADE_LIB_REFERENCE_REFERENCEIMPL_H

#include "cascade/Dialect/Cascade.h"
#include "cascade/Support/HostTensor.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

namespace cascade::reference {

/// IEEE maximum/minimum: NaN in, NaN out (what arith.maximumf, reduce(max)
/// and map(max) mean everywhere in the reference).
inline double nanMax(double a, double b) {
  return (std::isnan(a) || std::isnan(b)) ? NAN : std::max(a, b);
}
inline double nanMin(double a, double b) {
  return (std::isnan(a) || std::isnan(b)) ? NAN : std::min(a, b);
}

/// A mask bound to its sizes and runtime operands: allowed(q, k).
class MaskEvaluator {
public:
  /// Checks the runtime operands (block indices in range, ...); reports at
  /// `op` and returns nullptr on error.
  static std::unique_ptr<MaskEvaluator>
  create(mlir::Operation *op, MaskAttrInterface mask, int64_t numQueries,
         int64_t numKeys, llvm::ArrayRef<const HostTensor *> runtimeArgs);
  virtual ~MaskEvaluator() = default;
  virtual bool allowed(int64_t q, int64_t k) const = 0;
};

/// An einsum map region compiled to straight-line scalar code over float64.
class ScalarProgram {
public:
  /// Reports unsupported ops at the op; returns nullptr on error.
  /// `coordIndex` maps an index letter to its position in the coordinate
  /// array passed to run().
  static std::unique_ptr<ScalarProgram>
  compile(mlir::Region &region, llvm::function_ref<int(char)> coordIndex);
  double run(const double *args, const int64_t *coords) const;

  struct Inst;
  ~ScalarProgram();

private:
  std::vector<Inst> insts;
  unsigned numSlots = 0, resultSlot = 0, numArgs = 0;
  mutable std::vector<double> slots;
};

/// Mask data for an einsum-shaped evaluation. The query (key) coordinate
/// is sum(coords[pos] * multiplier) over its terms (a partitioned rank reads
/// row-major); coordinates at or past the extent are masked.
struct MaskBinding {
  const MaskEvaluator *mask = nullptr;
  llvm::SmallVector<std::pair<int, int64_t>> queryTerms, keyTerms;
  int64_t queryExtent = 0, keyExtent = 0;
  /// Added to both coordinates: where a tile sits in the whole einsum.
  int64_t queryOffset = 0, keyOffset = 0;
  double fill = -INFINITY;
  /// Optional block classes (BlockClass values) over blocks of
  /// [blockQ, blockK]; every lookup is checked against the mask.
  const HostTensor *classes = nullptr;
  int64_t blockQ = 1, blockK = 1;
  /// The first disagreement between the classes and the mask, if any.
  mutable std::string classError;

  bool allowed(const int64_t *coords) const {
    int64_t q = queryOffset, k = keyOffset;
    for (auto [pos, mult] : queryTerms)
      q += coords[pos] * mult;
    for (auto [pos, mult] : keyTerms)
      k += coords[pos] * mult;
    bool keep = q < queryExtent && k < keyExtent && mask->allowed(q, k);
    if (classes && q < queryExtent && k < keyExtent)
      checkClass(q, k, keep);
    return keep;
  }

private:
  void checkClass(int64_t q, int64_t k, bool keep) const {
    int64_t blocksK = classes->shape[1];
    auto cls = static_cast<BlockClass>(
        static_cast<int>(classes->data[(q / blockQ) * blocksK + k / blockK]));
    if (classError.empty() && ((cls == BlockClass::Empty && keep) ||
                               (cls == BlockClass::Full && !keep)))
      classError = "block (" + std::to_string(q / blockQ) + ", " +
                   std::to_string(k / blockK) + ") is classified " +
                   (cls == BlockClass::Empty ? "empty" : "full") +
                   " but the mask " + (keep ? "keeps" : "drops") + " (" +
                   std::to_string(q) + ", " + std::to_string(k) + ")";
  }
};

/// Generic extended-Einsum engine. `map` combines the inputs' values at a
/// point (given the loop coordinates); reduce is nullopt or none for no
/// reduction. The loop order is the result's indices then the reduced ones;
/// `loopIndices` receives that order so callers can locate coordinates.
void evalEinsum(llvm::ArrayRef<std::string> inputIndices,
                llvm::StringRef resultIndices,
                llvm::ArrayRef<const HostTensor *> inputs,
                std::optional<ReduceKind> reduce, const MaskBinding &mask,
                llvm::function_ref<double(const double *, const int64_t *)> map,
                HostTensor &result);

/// Iterative einsum: along index `iterative` of the result,
/// result[0] = init, result[n + 1] = map(result[n], inputs[n]).
void evalScan(llvm::ArrayRef<std::string> inputIndices,
              llvm::StringRef resultIndices, char iterative,
              llvm::ArrayRef<const HostTensor *> inputs, const HostTensor &init,
              llvm::function_ref<double(const double *, const int64_t *)> map,
              HostTensor &result);

/// Loop order evalEinsum uses: result indices, then reduced ones in
/// first-seen order.
std::string loopOrder(llvm::ArrayRef<std::string> inputIndices,
                      llvm::StringRef resultIndices);

/// Top-k of `values` (descending; ties to the lower index; NaN ranks
/// highest), with DeepSeek-style group limiting when numGroups > 0.
void topK(llvm::ArrayRef<double> values, int64_t k, int64_t numGroups,
          int64_t groupsKept, llvm::SmallVectorImpl<int64_t> &indices);

} // namespace cascade::reference

#endif // CASCADE_LIB_REFERENCE_REFERENCEIMPL_H
