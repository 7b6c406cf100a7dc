/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A stand-in libcuda.so.1 for tests on machines without a GPU: one device,
 * "device memory" in host RAM, streams and events that complete at once,
 * and a fake module format. It lets the CUDA path of the device layer run
 * (context sharing, push/pop, allocator staging, pools, kernel cache) and
 * checks its discipline: calls that need a current context fail without
 * one, and the mock_cuda_* counters expose leaks and push/pop imbalance.
 *
 * It defines its own minimal types instead of including cuda.h, whose
 * macros rename the entry points; the exported names are those
 * gstreamer-cuda 1.22 and our loader resolve, and no more: a symbol the
 * loader asked for without calling it would make the CUDA path unavailable
 * with a driver that lacks it, and this test would fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void *CUcontext;
typedef void *CUstream;
typedef void *CUevent;
typedef void *CUmodule;
typedef void *CUfunction;

#define CUDA_SUCCESS 0
#define CUDA_ERROR_INVALID_VALUE 1
#define CUDA_ERROR_OUT_OF_MEMORY 2
#define CUDA_ERROR_INVALID_DEVICE 101
#define CUDA_ERROR_INVALID_IMAGE 200
#define CUDA_ERROR_INVALID_CONTEXT 201
#define CUDA_ERROR_INVALID_HANDLE 400
#define CUDA_ERROR_NOT_FOUND 500
#define CUDA_ERROR_NOT_SUPPORTED 801

#define MOCK_EXPORT __attribute__ ((visibility ("default")))

/* A fatbin this driver accepts starts with this tag. */
#define MOCK_IMAGE_TAG "MOCKCUDAIMAGE"
#define MOCK_KERNEL_NAME "mock_kernel"

#define MOCK_FREE_BYTES (3ULL << 30)
#define MOCK_TOTAL_BYTES (4ULL << 30)

enum {
  MOCK_DEVICE_ALLOCS,
  MOCK_HOST_ALLOCS,
  MOCK_CONTEXTS,
  MOCK_STREAMS,
  MOCK_EVENTS,
  MOCK_MODULES,
  MOCK_MODULE_LOADS,
  MOCK_NO_CONTEXT_CALLS,
  MOCK_COPIES_HTOD,
  MOCK_COPIES_DTOH,
  MOCK_N_COUNTERS
};

static long mock_counters[MOCK_N_COUNTERS];
static __thread int mock_depth;
static __thread CUcontext mock_stack[64];
static int mock_ctx_token;
static int mock_stream_token;

static void
mock_add (int counter, long delta)
{
  __atomic_add_fetch (&mock_counters[counter], delta, __ATOMIC_SEQ_CST);
}

/* Calls that act on the current context fail without one, as the real
 * driver does. */
static int
mock_need_context (void)
{
  if (mock_depth > 0 && mock_stack[mock_depth - 1] != NULL)
    return 1;
  mock_add (MOCK_NO_CONTEXT_CALLS, 1);
  return 0;
}

MOCK_EXPORT long
mock_cuda_counter (const char *name)
{
  static const char *names[MOCK_N_COUNTERS] = {
    "device-allocs",
    "host-allocs",
    "contexts",
    "streams",
    "events",
    "modules",
    "module-loads",
    "no-context-calls",
    "copies-htod",
    "copies-dtoh",
  };
  int i;

  for (i = 0; i < MOCK_N_COUNTERS; i++) {
    if (strcmp (names[i], name) == 0)
      return __atomic_load_n (&mock_counters[i], __ATOMIC_SEQ_CST);
  }
  return -1;
}

MOCK_EXPORT int
mock_cuda_thread_depth (void)
{
  return mock_depth;
}

MOCK_EXPORT CUresult
cuInit (unsigned int flags)
{
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuDriverGetVersion (int *version)
{
  *version = 12000;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuGetErrorName (CUresult error, const char **str)
{
  switch (error) {
    case CUDA_SUCCESS:
      *str = "CUDA_SUCCESS";
      break;
    case CUDA_ERROR_INVALID_CONTEXT:
      *str = "CUDA_ERROR_INVALID_CONTEXT";
      break;
    case CUDA_ERROR_INVALID_IMAGE:
      *str = "CUDA_ERROR_INVALID_IMAGE";
      break;
    case CUDA_ERROR_NOT_FOUND:
      *str = "CUDA_ERROR_NOT_FOUND";
      break;
    default:
      *str = "CUDA_ERROR_MOCK";
      break;
  }
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuGetErrorString (CUresult error, const char **str)
{
  *str = "mock driver error";
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuDeviceGetCount (int *count)
{
  *count = 1;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuDeviceGet (CUdevice *device, int ordinal)
{
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuDeviceGetName (char *name, int len, CUdevice dev)
{
  if (dev != 0 || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  snprintf (name, (size_t)len, "Mock CUDA Device");
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuDeviceGetAttribute (int *value, int attrib, CUdevice dev)
{
  switch (attrib) {
    case 14: /* TEXTURE_ALIGNMENT */
      *value = 512;
      break;
    case 75: /* COMPUTE_CAPABILITY_MAJOR */
      *value = 8;
      break;
    case 76: /* COMPUTE_CAPABILITY_MINOR */
      *value = 6;
      break;
    default:
      *value = 0;
      break;
  }
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuDeviceCanAccessPeer (int *can, CUdevice dev, CUdevice peer)
{
  *can = 0;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuCtxCreate_v2 (CUcontext *ctx, unsigned int flags, CUdevice dev)
{
  if (dev != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (mock_depth >= 64)
    return CUDA_ERROR_INVALID_VALUE;
  /* Any distinct non-NULL address will do. */
  *ctx = (CUcontext)(uintptr_t)(0x1000
                                + __atomic_add_fetch (
                                    &mock_ctx_token, 16, __ATOMIC_SEQ_CST));
  mock_add (MOCK_CONTEXTS, 1);
  /* A new context becomes current. */
  mock_stack[mock_depth++] = *ctx;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuCtxDestroy_v2 (CUcontext ctx)
{
  if (!ctx)
    return CUDA_ERROR_INVALID_CONTEXT;
  mock_add (MOCK_CONTEXTS, -1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuCtxPushCurrent_v2 (CUcontext ctx)
{
  if (!ctx)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (mock_depth >= 64)
    return CUDA_ERROR_INVALID_VALUE;
  mock_stack[mock_depth++] = ctx;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuCtxPopCurrent_v2 (CUcontext *ctx)
{
  if (mock_depth == 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  mock_depth--;
  if (ctx)
    *ctx = mock_stack[mock_depth];
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuCtxEnablePeerAccess (CUcontext peer, unsigned int flags)
{
  return CUDA_ERROR_NOT_SUPPORTED;
}

MOCK_EXPORT CUresult
cuCtxDisablePeerAccess (CUcontext peer)
{
  return CUDA_ERROR_NOT_SUPPORTED;
}

MOCK_EXPORT CUresult
cuMemGetInfo_v2 (size_t *free_bytes, size_t *total_bytes)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  *free_bytes = MOCK_FREE_BYTES;
  *total_bytes = MOCK_TOTAL_BYTES;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuMemAlloc_v2 (CUdeviceptr *dptr, size_t size)
{
  void *p;

  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (size == 0)
    return CUDA_ERROR_INVALID_VALUE;
  /* The real driver aligns to at least 256 bytes. */
  if (posix_memalign (&p, 256, size) != 0)
    return CUDA_ERROR_OUT_OF_MEMORY;
  /* Poison: device memory starts undefined. */
  memset (p, 0xa5, size);
  mock_add (MOCK_DEVICE_ALLOCS, 1);
  *dptr = (CUdeviceptr)(uintptr_t)p;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuMemAllocPitch_v2 (CUdeviceptr *dptr, size_t *pitch, size_t width,
    size_t height, unsigned int elem)
{
  return CUDA_ERROR_NOT_SUPPORTED;
}

MOCK_EXPORT CUresult
cuMemFree_v2 (CUdeviceptr dptr)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!dptr)
    return CUDA_ERROR_INVALID_VALUE;
  free ((void *)(uintptr_t)dptr);
  mock_add (MOCK_DEVICE_ALLOCS, -1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuMemAllocHost_v2 (void **p, size_t size)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  *p = malloc (size ? size : 1);
  if (!*p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  mock_add (MOCK_HOST_ALLOCS, 1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuMemFreeHost (void *p)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  free (p);
  mock_add (MOCK_HOST_ALLOCS, -1);
  return CUDA_SUCCESS;
}

static CUresult
mock_copy_htod (CUdeviceptr dst, const void *src, size_t size)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  memcpy ((void *)(uintptr_t)dst, src, size);
  mock_add (MOCK_COPIES_HTOD, 1);
  return CUDA_SUCCESS;
}

static CUresult
mock_copy_dtoh (void *dst, CUdeviceptr src, size_t size)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  memcpy (dst, (const void *)(uintptr_t)src, size);
  mock_add (MOCK_COPIES_DTOH, 1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuMemcpyHtoDAsync_v2 (
    CUdeviceptr dst, const void *src, size_t size, CUstream stream)
{
  return mock_copy_htod (dst, src, size);
}

MOCK_EXPORT CUresult
cuMemcpyDtoHAsync_v2 (void *dst, CUdeviceptr src, size_t size, CUstream stream)
{
  return mock_copy_dtoh (dst, src, size);
}

MOCK_EXPORT CUresult
cuMemcpyDtoDAsync_v2 (
    CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  memmove ((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, size);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuMemsetD8Async (
    CUdeviceptr dst, unsigned char value, size_t count, CUstream stream)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  memset ((void *)(uintptr_t)dst, value, count);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuMemcpy2D_v2 (const void *copy)
{
  return CUDA_ERROR_NOT_SUPPORTED;
}

MOCK_EXPORT CUresult
cuMemcpy2DAsync_v2 (const void *copy, CUstream stream)
{
  return CUDA_ERROR_NOT_SUPPORTED;
}

MOCK_EXPORT CUresult
cuStreamCreate (CUstream *stream, unsigned int flags)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  *stream = (CUstream)(uintptr_t)(0x100000
                                  + __atomic_add_fetch (&mock_stream_token, 16,
                                      __ATOMIC_SEQ_CST));
  mock_add (MOCK_STREAMS, 1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuStreamDestroy (CUstream stream)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!stream)
    return CUDA_ERROR_INVALID_HANDLE;
  mock_add (MOCK_STREAMS, -1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuStreamSynchronize (CUstream stream)
{
  return mock_need_context () ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

MOCK_EXPORT CUresult
cuEventCreate (CUevent *event, unsigned int flags)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  *event = malloc (1);
  mock_add (MOCK_EVENTS, 1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuEventRecord (CUevent event, CUstream stream)
{
  return event ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

MOCK_EXPORT CUresult
cuEventSynchronize (CUevent event)
{
  return event ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

MOCK_EXPORT CUresult
cuEventDestroy_v2 (CUevent event)
{
  if (!event)
    return CUDA_ERROR_INVALID_HANDLE;
  free (event);
  mock_add (MOCK_EVENTS, -1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuModuleLoadData (CUmodule *module, const void *image)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!image || memcmp (image, MOCK_IMAGE_TAG, strlen (MOCK_IMAGE_TAG)) != 0)
    return CUDA_ERROR_INVALID_IMAGE;
  *module = malloc (1);
  mock_add (MOCK_MODULES, 1);
  mock_add (MOCK_MODULE_LOADS, 1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuModuleUnload (CUmodule module)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  free (module);
  mock_add (MOCK_MODULES, -1);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuModuleGetFunction (CUfunction *func, CUmodule module, const char *name)
{
  if (!mock_need_context ())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (strcmp (name, MOCK_KERNEL_NAME) != 0)
    return CUDA_ERROR_NOT_FOUND;
  /* Distinct per module, stable across lookups. */
  *func = (CUfunction)((char *)module + 0);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult
cuLaunchKernel (CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
    unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
    CUstream stream, void **params, void **extra)
{
  return CUDA_ERROR_NOT_SUPPORTED;
}

/* Texture and graphics interop: resolved by gstreamer-cuda, never used. */
#define MOCK_UNSUPPORTED(name)                                                 \
  MOCK_EXPORT CUresult name (void)                                             \
  {                                                                            \
    return CUDA_ERROR_NOT_SUPPORTED;                                           \
  }

MOCK_UNSUPPORTED (cuTexObjectCreate)
MOCK_UNSUPPORTED (cuTexObjectDestroy)
MOCK_UNSUPPORTED (cuGLGetDevices_v2)
MOCK_UNSUPPORTED (cuGraphicsGLRegisterBuffer)
MOCK_UNSUPPORTED (cuGraphicsGLRegisterImage)
MOCK_UNSUPPORTED (cuGraphicsMapResources)
MOCK_UNSUPPORTED (cuGraphicsResourceGetMappedPointer_v2)
MOCK_UNSUPPORTED (cuGraphicsResourceSetMapFlags_v2)
MOCK_UNSUPPORTED (cuGraphicsSubResourceGetMappedArray)
MOCK_UNSUPPORTED (cuGraphicsUnmapResources)
MOCK_UNSUPPORTED (cuGraphicsUnregisterResource)
