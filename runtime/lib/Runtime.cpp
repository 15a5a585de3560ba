//===- Runtime.cpp - contexts, buffers, launches and errors ---------------===//

#include "cascade/runtime.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

// The two OpenMP API calls the runtime makes (libomp); declared here rather
// than through <omp.h>, which lives in clang's resource directory.
extern "C" {
void omp_set_num_threads(int);
int omp_get_num_procs(void);
}

struct cascade_context {
  cascade_device_kind_t kind;
  int numThreads;
  std::string error;
};

struct cascade_buffer {
  cascade_dtype_t dtype;
  std::vector<int64_t> shape;
  void *data;
  bool owned;
};

namespace {

// A kernel's run-time error, pending until its launch ends. Global rather
// than per thread: kernels may report from any worker of a parallel region.
std::mutex pendingMutex;
std::string pendingError;
bool hasPendingError = false;

cascade_status_t fail(cascade_context_t ctx, cascade_status_t status,
                      const std::string &message) {
  if (ctx)
    ctx->error = message;
  return status;
}

bool validDType(cascade_dtype_t dtype) {
  return dtype >= CASCADE_F64 && dtype <= CASCADE_I8;
}

const char *dtypeName(cascade_dtype_t dtype) {
  static const char *names[] = {"f64", "f32", "f16", "bf16",
                                "i64", "i32", "i8"};
  return validDType(dtype) ? names[dtype] : "?";
}

/// Negative entries (run-time sizes of an entry point) print as '?'.
std::string shapeString(int rank, const int64_t *shape) {
  std::string s = "[";
  for (int i = 0; i < rank; ++i)
    s += (i ? ", " : "") +
         (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

cascade_status_t makeBuffer(cascade_context_t ctx, cascade_dtype_t dtype,
                            int rank, const int64_t *shape, void *data,
                            cascade_buffer_t *out) {
  if (!ctx || !out || rank < 0 || (rank > 0 && !shape))
    return fail(ctx, CASCADE_ERROR_INVALID_ARGUMENT,
                "cascade_buffer_create: null argument or negative rank");
  if (!validDType(dtype))
    return fail(ctx, CASCADE_ERROR_INVALID_ARGUMENT,
                "cascade_buffer_create: unknown dtype " +
                    std::to_string(static_cast<int>(dtype)));
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return fail(ctx, CASCADE_ERROR_INVALID_ARGUMENT,
                  "cascade_buffer_create: negative dimension in shape " +
                      shapeString(rank, shape));
    n *= shape[i];
  }
  auto *buffer = new (std::nothrow) cascade_buffer;
  if (!buffer)
    return fail(ctx, CASCADE_ERROR_OUT_OF_MEMORY, "out of memory");
  buffer->dtype = dtype;
  buffer->shape.assign(shape, shape + rank);
  buffer->owned = data == nullptr;
  buffer->data = data;
  if (!data) {
    size_t bytes = static_cast<size_t>(n) * cascade_dtype_size(dtype);
    size_t rounded = (bytes + 63) / 64 * 64;
    buffer->data = std::aligned_alloc(64, rounded ? rounded : 64);
    if (!buffer->data) {
      delete buffer;
      return fail(ctx, CASCADE_ERROR_OUT_OF_MEMORY,
                  "cascade_buffer_create: cannot allocate " +
                      std::to_string(bytes) + " bytes");
    }
    std::memset(buffer->data, 0, rounded ? rounded : 64);
  }
  *out = buffer;
  return CASCADE_OK;
}

} // namespace

extern "C" {

const char *cascade_status_string(cascade_status_t status) {
  switch (status) {
  case CASCADE_OK:
    return "ok";
  case CASCADE_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case CASCADE_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case CASCADE_ERROR_KERNEL:
    return "kernel error";
  case CASCADE_ERROR_UNSUPPORTED:
    return "unsupported";
  }
  return "unknown status";
}

size_t cascade_dtype_size(cascade_dtype_t dtype) {
  switch (dtype) {
  case CASCADE_F64:
  case CASCADE_I64:
    return 8;
  case CASCADE_F32:
  case CASCADE_I32:
    return 4;
  case CASCADE_F16:
  case CASCADE_BF16:
    return 2;
  case CASCADE_I8:
    return 1;
  }
  return 0;
}

cascade_status_t cascade_context_create(cascade_device_kind_t kind,
                                        int num_threads,
                                        cascade_context_t *out) {
  if (!out || num_threads < 0)
    return CASCADE_ERROR_INVALID_ARGUMENT;
  if (kind != CASCADE_DEVICE_CPU)
    return CASCADE_ERROR_UNSUPPORTED;
  auto *ctx = new (std::nothrow) cascade_context;
  if (!ctx)
    return CASCADE_ERROR_OUT_OF_MEMORY;
  ctx->kind = kind;
  ctx->numThreads = num_threads ? num_threads : omp_get_num_procs();
  *out = ctx;
  return CASCADE_OK;
}

void cascade_context_destroy(cascade_context_t ctx) { delete ctx; }

int cascade_context_num_threads(cascade_context_t ctx) {
  return ctx ? ctx->numThreads : 0;
}

const char *cascade_context_error(cascade_context_t ctx) {
  return ctx ? ctx->error.c_str() : "null context";
}

cascade_status_t cascade_synchronize(cascade_context_t ctx) {
  return ctx ? CASCADE_OK : CASCADE_ERROR_INVALID_ARGUMENT;
}

cascade_status_t cascade_buffer_create(cascade_context_t ctx,
                                       cascade_dtype_t dtype, int rank,
                                       const int64_t *shape,
                                       cascade_buffer_t *out) {
  return makeBuffer(ctx, dtype, rank, shape, nullptr, out);
}

cascade_status_t cascade_buffer_wrap(cascade_context_t ctx,
                                     cascade_dtype_t dtype, int rank,
                                     const int64_t *shape, void *data,
                                     cascade_buffer_t *out) {
  if (!data)
    return fail(ctx, CASCADE_ERROR_INVALID_ARGUMENT,
                "cascade_buffer_wrap: null data");
  return makeBuffer(ctx, dtype, rank, shape, data, out);
}

void cascade_buffer_destroy(cascade_buffer_t buffer) {
  if (!buffer)
    return;
  if (buffer->owned)
    std::free(buffer->data);
  delete buffer;
}

void *cascade_buffer_data(cascade_buffer_t buffer) {
  return buffer ? buffer->data : nullptr;
}
cascade_dtype_t cascade_buffer_dtype(cascade_buffer_t buffer) {
  return buffer ? buffer->dtype : CASCADE_F32;
}
int cascade_buffer_rank(cascade_buffer_t buffer) {
  return buffer ? static_cast<int>(buffer->shape.size()) : 0;
}
const int64_t *cascade_buffer_shape(cascade_buffer_t buffer) {
  return buffer ? buffer->shape.data() : nullptr;
}
int64_t cascade_buffer_num_elements(cascade_buffer_t buffer) {
  int64_t n = 1;
  if (buffer)
    for (int64_t d : buffer->shape)
      n *= d;
  return n;
}

cascade_status_t cascade_launch_check(cascade_context_t ctx,
                                      cascade_buffer_t buffer,
                                      const char *what, cascade_dtype_t dtype,
                                      int rank, const int64_t *shape) {
  if (!buffer)
    return fail(ctx, CASCADE_ERROR_INVALID_ARGUMENT,
                std::string(what) + ": null buffer");
  bool sameShape = static_cast<int>(buffer->shape.size()) == rank &&
                   std::equal(shape, shape + rank, buffer->shape.begin(),
                              [](int64_t want, int64_t have) {
                                return want < 0 || want == have;
                              });
  if (buffer->dtype != dtype || !sameShape)
    return fail(ctx, CASCADE_ERROR_INVALID_ARGUMENT,
                std::string(what) + ": expected " + dtypeName(dtype) + " " +
                    shapeString(rank, shape) + ", got " +
                    dtypeName(buffer->dtype) + " " +
                    shapeString(static_cast<int>(buffer->shape.size()),
                                buffer->shape.data()));
  return CASCADE_OK;
}

void cascade_launch_begin(cascade_context_t ctx) {
  omp_set_num_threads(ctx->numThreads);
  char discard[1];
  cascade_rt_take_error(discard, 0);
}

cascade_status_t cascade_launch_end(cascade_context_t ctx) {
  char message[1024];
  if (cascade_rt_take_error(message, sizeof message))
    return fail(ctx, CASCADE_ERROR_KERNEL, message);
  ctx->error.clear();
  return CASCADE_OK;
}

void cascade_rt_fail(const char *format, ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  std::lock_guard<std::mutex> lock(pendingMutex);
  if (!hasPendingError) {
    pendingError = message;
    hasPendingError = true;
  }
}

int cascade_rt_take_error(char *buf, size_t size) {
  std::lock_guard<std::mutex> lock(pendingMutex);
  if (!hasPendingError)
    return 0;
  if (size) {
    std::strncpy(buf, pendingError.c_str(), size - 1);
    buf[size - 1] = 0;
  }
  hasPendingError = false;
  pendingError.clear();
  return 1;
}

} // extern "C"

// memref.copy between buffers of non-identity layout lowers to a call of
// `memrefCopy` (as in MLIR's c_runner_utils); compiled kernels get it here
// so that neither the JIT nor applications need MLIR's runner libraries.
namespace {
struct UnrankedDescriptor {
  int64_t rank;
  void *descriptor;
};
} // namespace

extern "C" void memrefCopy(int64_t elemSize, UnrankedDescriptor *src,
                           UnrankedDescriptor *dst) {
  int64_t rank = src->rank;
  auto *s = static_cast<int64_t *>(src->descriptor);
  auto *d = static_cast<int64_t *>(dst->descriptor);
  // {allocated, aligned, offset, sizes[rank], strides[rank]}
  char *srcBase = reinterpret_cast<char *>(s[1]) + s[2] * elemSize;
  char *dstBase = reinterpret_cast<char *>(d[1]) + d[2] * elemSize;
  const int64_t *sizes = s + 3, *srcStrides = s + 3 + rank,
                *dstStrides = d + 3 + rank;
  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= sizes[i];
  if (total == 0)
    return;
  // Rows of the innermost dimension are copied whole when both sides are
  // contiguous along it (tiles of row-major tensors always are).
  int64_t inner = rank ? sizes[rank - 1] : 1;
  bool rows = rank && srcStrides[rank - 1] == 1 && dstStrides[rank - 1] == 1;
  int64_t outerRank = rows ? rank - 1 : rank;
  int64_t chunk = rows ? inner : 1;
  std::vector<int64_t> index(outerRank, 0);
  for (int64_t n = 0; n < total / chunk; ++n) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i < outerRank; ++i) {
      so += index[i] * srcStrides[i];
      dof += index[i] * dstStrides[i];
    }
    std::memcpy(dstBase + dof * elemSize, srcBase + so * elemSize,
                chunk * elemSize);
    for (int64_t i = outerRank - 1; i >= 0; --i) {
      if (++index[i] < sizes[i])
        break;
      index[i] = 0;
    }
  }
}
