/*===- cascade/runtime.h - the Cascade runtime's C API ---------------------===
 *
 * What applications and AOT-compiled kernels share: a context per device
 * kind, buffers (typed, shaped, owning or wrapping memory), launches through
 * the functions `cascade-compile --header` declares, synchronisation, and
 * status codes with a message. C99 and C++; the library is C++ inside.
 *
 * Error model: every call that can fail returns a cascade_status_t; the
 * message of the last failure on a context is cascade_context_error(ctx).
 * Kernels never abort the process on bad data (an index out of range, a
 * buffer of the wrong shape): the launch returns CASCADE_ERROR_KERNEL or
 * CASCADE_ERROR_INVALID_ARGUMENT and the message says what and where.
 *
 *===----------------------------------------------------------------------===*/

#ifndef CASCADE_RUNTIME_H
#define CASCADE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_status {
  CASCADE_OK = 0,
  CASCADE_ERROR_INVALID_ARGUMENT = 1, /* wrong dtype/shape/null handle */
  CASCADE_ERROR_OUT_OF_MEMORY = 2,
  CASCADE_ERROR_KERNEL = 3,      /* a kernel found bad data at run time */
  CASCADE_ERROR_UNSUPPORTED = 4  /* a device kind this build lacks */
} cascade_status_t;

typedef enum cascade_device_kind {
  CASCADE_DEVICE_CPU = 0
} cascade_device_kind_t;

typedef enum cascade_dtype {
  CASCADE_F64 = 0,
  CASCADE_F32 = 1,
  CASCADE_F16 = 2,
  CASCADE_BF16 = 3,
  CASCADE_I64 = 4,
  CASCADE_I32 = 5,
  CASCADE_I8 = 6
} cascade_dtype_t;

typedef struct cascade_context *cascade_context_t;
typedef struct cascade_buffer *cascade_buffer_t;

/* "ok", "invalid argument", ... */
const char *cascade_status_string(cascade_status_t status);
/* Bytes per element. */
size_t cascade_dtype_size(cascade_dtype_t dtype);

/* A context runs launches on one device kind. num_threads: work items run
 * on this many threads (0: one per core). */
cascade_status_t cascade_context_create(cascade_device_kind_t kind,
                                        int num_threads,
                                        cascade_context_t *out);
void cascade_context_destroy(cascade_context_t ctx);
int cascade_context_num_threads(cascade_context_t ctx);
/* The message of the last failure on ctx ("" if none). */
const char *cascade_context_error(cascade_context_t ctx);
/* Waits for every launch on ctx (CPU launches are synchronous today). */
cascade_status_t cascade_synchronize(cascade_context_t ctx);

/* A buffer owning 64-byte aligned memory of shape[rank] elements, zeroed. */
cascade_status_t cascade_buffer_create(cascade_context_t ctx,
                                       cascade_dtype_t dtype, int rank,
                                       const int64_t *shape,
                                       cascade_buffer_t *out);
/* A buffer over caller-owned row-major memory (not freed by destroy). */
cascade_status_t cascade_buffer_wrap(cascade_context_t ctx,
                                     cascade_dtype_t dtype, int rank,
                                     const int64_t *shape, void *data,
                                     cascade_buffer_t *out);
void cascade_buffer_destroy(cascade_buffer_t buffer);
void *cascade_buffer_data(cascade_buffer_t buffer);
cascade_dtype_t cascade_buffer_dtype(cascade_buffer_t buffer);
int cascade_buffer_rank(cascade_buffer_t buffer);
const int64_t *cascade_buffer_shape(cascade_buffer_t buffer);
int64_t cascade_buffer_num_elements(cascade_buffer_t buffer);

/* Compiled kernels keep their large intermediates (1 MiB and up) after a
 * launch and reuse them in the next, so that repeated launches do not map
 * and page-fault them in again; at most CASCADE_ALLOCATOR_CACHE_MB MiB
 * (environment, default 1024; 0 keeps nothing). This returns the kept
 * memory to the system. */
void cascade_release_cached_memory(void);
/* Bytes kept now. */
size_t cascade_cached_memory_bytes(void);

/* Used by the launch functions of generated headers. */
/* Checks that `buffer` has dtype and shape (a negative entry of `shape`, a
 * run-time size, accepts any size); on mismatch records a message naming
 * `what` on ctx and returns CASCADE_ERROR_INVALID_ARGUMENT. */
cascade_status_t cascade_launch_check(cascade_context_t ctx,
                                      cascade_buffer_t buffer,
                                      const char *what, cascade_dtype_t dtype,
                                      int rank, const int64_t *shape);
/* Brackets a kernel call: applies the context's thread count; after the
 * call, moves a kernel's run-time error (if any) onto ctx. */
void cascade_launch_begin(cascade_context_t ctx);
cascade_status_t cascade_launch_end(cascade_context_t ctx);

/* Called by compiled kernels: records the first run-time error of the
 * current launch (printf-style). take_error copies it into buf (if any)
 * and clears it; returns 1 when there was one. */
void cascade_rt_fail(const char *format, ...);
int cascade_rt_take_error(char *buf, size_t size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CASCADE_RUNTIME_H */
