//===- ReferenceImpl.h - pieces of the reference interpreter --*- C++ -*-===//

#ifndef CASCADE_LIB_REFERENCE_REFERENCEIMPL_H
#define CASCADE_LIB_REFERENCE_REFERENCEIMPL_H

#include "cascade/Dialect/Cascade.h"
#include "cascade/Support/HostTensor.h"

#include <functional>
#include <memory>

namespace cascade::reference {

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

/// Mask data for an einsum-shaped evaluation.
struct MaskBinding {
  const MaskEvaluator *mask = nullptr;
  int qDim = -1, kDim = -1; // positions in the loop order
  double fill = -INFINITY;
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
