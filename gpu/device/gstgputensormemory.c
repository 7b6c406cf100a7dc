/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuTensorAllocator: linear CUDA device memory (cuMemAlloc) with lazily
 * allocated pinned host staging for CPU maps. GStreamer's 1.22 CUDA
 * allocator only knows pitched video frames, hence our own.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/device/gstgputensormemory.h"

#ifdef HAVE_CUDA
#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/cuda-gst.h>
#include "gpu/device/gstgpucudaloader.h"
#endif

GST_DEBUG_CATEGORY_STATIC (gst_gpu_tensor_memory_debug);
#define GST_CAT_DEFAULT gst_gpu_tensor_memory_debug

struct _GstGpuTensorAllocator
{
  GstAllocator parent;

  GstObject *device; /* the GstGpuDevice, reached through ops only */
  const GstGpuTensorDeviceOps *ops;
};

G_DEFINE_TYPE_WITH_CODE (GstGpuTensorAllocator, gst_gpu_tensor_allocator,
    GST_TYPE_ALLOCATOR,
    GST_DEBUG_CATEGORY_INIT (gst_gpu_tensor_memory_debug, "gputensormemory", 0,
        "gst-gpustream tensor memory"));

#ifdef HAVE_CUDA
typedef struct
{
  GstMemory mem;

  CUdeviceptr dptr; /* maxsize bytes, owned */

  /* Protects staging and staging_valid; taken by host maps and unmaps, which
   * may run in any thread. */
  GMutex lock;
  gpointer staging;       /* pinned, maxsize bytes, or NULL */
  gboolean staging_valid; /* staging holds the device bytes */
} GstGpuTensorMemory;

static GstGpuTensorMemory *
gst_gpu_tensor_memory_new (GstGpuTensorAllocator *self, GstMemoryFlags flags,
    gsize maxsize, gsize align, gsize offset, gsize size)
{
  GstGpuTensorMemory *mem;
  CUdeviceptr dptr = 0;
  CUstream stream;
  gboolean ok;

  if (align > 255) {
    GST_WARNING_OBJECT (self,
        "alignment %" G_GSIZE_FORMAT " exceeds the "
        "256 bytes cuMemAlloc guarantees",
        align + 1);
  }

  if (!self->ops->push (self->device))
    goto no_context;
  if (!GST_GPU_CU_CHECK (CuMemAlloc (&dptr, maxsize)))
    goto no_memory;

  stream = self->ops->get_stream (self->device);
  ok = TRUE;
  if (offset > 0 && (flags & GST_MEMORY_FLAG_ZERO_PREFIXED))
    ok &= GST_GPU_CU_CHECK (GstGpuCuMemsetD8Async (dptr, 0, offset, stream));
  if (maxsize > offset + size && (flags & GST_MEMORY_FLAG_ZERO_PADDED)) {
    ok &= GST_GPU_CU_CHECK (GstGpuCuMemsetD8Async (
        dptr + offset + size, 0, maxsize - offset - size, stream));
  }
  if (!ok)
    goto no_memset;
  self->ops->pop (self->device);

  mem = g_new0 (GstGpuTensorMemory, 1);
  gst_memory_init (GST_MEMORY_CAST (mem), flags, GST_ALLOCATOR_CAST (self),
      NULL, maxsize, align, offset, size);
  mem->dptr = dptr;
  g_mutex_init (&mem->lock);
  return mem;

  /* ERRORS */
no_context:
  GST_ERROR_OBJECT (self, "cannot make the CUDA context current");
  return NULL;
no_memory:
  GST_ERROR_OBJECT (self, "cannot allocate %" G_GSIZE_FORMAT " bytes on %s",
      maxsize, self->ops->get_name (self->device));
  self->ops->pop (self->device);
  return NULL;
no_memset:
  GST_GPU_CU_CHECK (CuMemFree (dptr));
  self->ops->pop (self->device);
  return NULL;
}

/* Any thread that allocates (usually the pool's acquirer). */
static GstMemory *
gst_gpu_tensor_allocator_alloc (
    GstAllocator *allocator, gsize size, GstAllocationParams *params)
{
  GstGpuTensorAllocator *self = GST_GPU_TENSOR_ALLOCATOR (allocator);
  gsize maxsize;

  if (size == 0 || params->prefix > G_MAXSIZE - size
      || params->padding > G_MAXSIZE - size - params->prefix)
    return NULL;

  maxsize = params->prefix + size + params->padding;

  return (GstMemory *)gst_gpu_tensor_memory_new (
      self, params->flags, maxsize, params->align, params->prefix, size);
}

/* Whichever thread drops the last reference. */
static void
gst_gpu_tensor_allocator_free (GstAllocator *allocator, GstMemory *memory)
{
  GstGpuTensorAllocator *self = GST_GPU_TENSOR_ALLOCATOR (allocator);
  GstGpuTensorMemory *mem = (GstGpuTensorMemory *)memory;

  /* A shared sub-range owns nothing; GstMemory drops its parent. */
  if (!memory->parent && self->ops->push (self->device)) {
    if (mem->staging)
      GST_GPU_CU_CHECK (CuMemFreeHost (mem->staging));
    GST_GPU_CU_CHECK (CuMemFree (mem->dptr));
    self->ops->pop (self->device);
  } else if (!memory->parent) {
    GST_ERROR_OBJECT (self,
        "cannot make the CUDA context current: leaking "
        "%" G_GSIZE_FORMAT " bytes of device memory",
        memory->maxsize);
  }
  g_mutex_clear (&mem->lock);
  g_free (mem);
}

/* Sub-ranges made by share use the device memory and staging of the memory
 * they were cut from. */
static inline GstGpuTensorMemory *
gst_gpu_tensor_memory_root (GstMemory *memory)
{
  return (GstGpuTensorMemory *)(memory->parent ? memory->parent : memory);
}

/* Any mapping thread; the caller holds the memory's lock. Makes staging
 * hold the device bytes. */
static gboolean
gst_gpu_tensor_memory_download (
    GstGpuTensorAllocator *self, GstGpuTensorMemory *mem)
{
  CUstream stream = self->ops->get_stream (self->device);

  if (!self->ops->push (self->device))
    return FALSE;
  if (!mem->staging
      && !GST_GPU_CU_CHECK (CuMemAllocHost (&mem->staging, mem->mem.maxsize)))
    goto no_staging;
  if (!mem->staging_valid) {
    if (!GST_GPU_CU_CHECK (GstGpuCuMemcpyDtoHAsync (
            mem->staging, mem->dptr, mem->mem.maxsize, stream))
        || !GST_GPU_CU_CHECK (CuStreamSynchronize (stream)))
      goto out_pop;
    mem->staging_valid = TRUE;
  }
  self->ops->pop (self->device);
  return TRUE;

  /* ERRORS */
no_staging:
  mem->staging = NULL;
  GST_ERROR_OBJECT (self,
      "cannot allocate %" G_GSIZE_FORMAT " bytes of pinned host memory",
      mem->mem.maxsize);
out_pop:
  self->ops->pop (self->device);
  return FALSE;
}

/* Any mapping thread; the caller holds the memory's lock. */
static gboolean
gst_gpu_tensor_memory_upload (
    GstGpuTensorAllocator *self, GstGpuTensorMemory *mem)
{
  CUstream stream = self->ops->get_stream (self->device);
  gboolean ret;

  if (!self->ops->push (self->device))
    return FALSE;
  ret = GST_GPU_CU_CHECK (GstGpuCuMemcpyHtoDAsync (
            mem->dptr, mem->staging, mem->mem.maxsize, stream))
        && GST_GPU_CU_CHECK (CuStreamSynchronize (stream));
  self->ops->pop (self->device);
  return ret;
}

/* Any thread mapping the memory; takes the memory's lock for host maps. */
static gpointer
gst_gpu_tensor_memory_map (GstMemory *memory, GstMapInfo *info, gsize maxsize)
{
  GstGpuTensorAllocator *self = GST_GPU_TENSOR_ALLOCATOR (memory->allocator);
  /* Shared sub-ranges map their root; GstMemory adds their offset. */
  GstGpuTensorMemory *mem = gst_gpu_tensor_memory_root (memory);
  gpointer ret = NULL;

  g_mutex_lock (&mem->lock);
  if (info->flags & GST_MAP_GPU_DEVICE) {
    /* Kernels queued on the stream may write it from now on. */
    if (info->flags & GST_MAP_WRITE)
      mem->staging_valid = FALSE;
    ret = (gpointer)(guintptr)mem->dptr;
    goto out_unlock;
  }

  /* Write-only maps download too: a partial write must not lose the rest. */
  if (!gst_gpu_tensor_memory_download (self, mem))
    goto out_unlock;
  ret = mem->staging;

out_unlock:
  g_mutex_unlock (&mem->lock);
  return ret;
}

/* Any thread unmapping the memory; takes the memory's lock. */
static void
gst_gpu_tensor_memory_unmap (GstMemory *memory, GstMapInfo *info)
{
  GstGpuTensorAllocator *self = GST_GPU_TENSOR_ALLOCATOR (memory->allocator);
  GstGpuTensorMemory *mem = gst_gpu_tensor_memory_root (memory);

  g_mutex_lock (&mem->lock);
  if (info->flags & GST_MAP_GPU_DEVICE) {
    if (info->flags & GST_MAP_WRITE)
      mem->staging_valid = FALSE;
  } else if (info->flags & GST_MAP_WRITE) {
    if (!gst_gpu_tensor_memory_upload (self, mem)) {
      GST_ERROR_OBJECT (self,
          "uploading %" G_GSIZE_FORMAT " bytes to %s "
          "failed: device contents are stale",
          mem->mem.maxsize, self->ops->get_name (self->device));
    }
  }
  g_mutex_unlock (&mem->lock);
}

/* Any thread copying a buffer (gst_buffer_copy_region, make_writable). */
static GstMemory *
gst_gpu_tensor_memory_copy (GstMemory *memory, gssize offset, gssize size)
{
  GstGpuTensorAllocator *self = GST_GPU_TENSOR_ALLOCATOR (memory->allocator);
  GstGpuTensorMemory *src = gst_gpu_tensor_memory_root (memory);
  GstGpuTensorMemory *copy;
  CUstream stream;
  gboolean ok;

  if (offset < 0 || (gsize)offset > memory->size)
    return NULL;
  if (size < 0)
    size = memory->size - offset;
  if (size == 0 || (gsize)offset + size > memory->size)
    return NULL;

  copy = gst_gpu_tensor_memory_new (self, 0, size, memory->align, 0, size);
  if (!copy)
    return NULL;

  stream = self->ops->get_stream (self->device);
  if (!self->ops->push (self->device))
    goto out_unref;
  ok = GST_GPU_CU_CHECK (GstGpuCuMemcpyDtoDAsync (
           copy->dptr, src->dptr + memory->offset + offset, size, stream))
       && GST_GPU_CU_CHECK (CuStreamSynchronize (stream));
  self->ops->pop (self->device);
  if (!ok)
    goto out_unref;
  return (GstMemory *)copy;

  /* ERRORS */
out_unref:
  gst_memory_unref (GST_MEMORY_CAST (copy));
  return NULL;
}

/* Any thread (gst_buffer_copy_region, gst_buffer_copy): a sub-range of the
 * same device memory, no copy. */
static GstMemory *
gst_gpu_tensor_memory_share (GstMemory *memory, gssize offset, gssize size)
{
  GstGpuTensorMemory *root = gst_gpu_tensor_memory_root (memory);
  GstGpuTensorMemory *sub;

  if (offset < 0 || (gsize)offset > memory->size)
    return NULL;
  if (size < 0)
    size = memory->size - offset;
  if ((gsize)offset + size > memory->size)
    return NULL;

  sub = g_new0 (GstGpuTensorMemory, 1);
  /* Read-only like every shared GstMemory; its root stays alive and
   * exclusively locked while it exists. */
  gst_memory_init (GST_MEMORY_CAST (sub),
      GST_MINI_OBJECT_FLAGS (root) | GST_MINI_OBJECT_FLAG_LOCK_READONLY,
      memory->allocator, GST_MEMORY_CAST (root), root->mem.maxsize,
      memory->align, memory->offset + offset, size);
  sub->dptr = root->dptr;
  g_mutex_init (&sub->lock);
  return (GstMemory *)sub;
}

/* Any thread merging buffer memories: two sub-ranges of one root are
 * contiguous when one ends where the other starts. */
static gboolean
gst_gpu_tensor_memory_is_span (GstMemory *mem1, GstMemory *mem2, gsize *offset)
{
  GstMemory *root = mem1->parent;

  if (!root || mem2->parent != root
      || mem1->offset + mem1->size != mem2->offset)
    return FALSE;

  if (offset)
    *offset = mem1->offset - root->offset;
  return TRUE;
}
#endif /* HAVE_CUDA */

static void
gst_gpu_tensor_allocator_dispose (GObject *object)
{
  GstGpuTensorAllocator *self = GST_GPU_TENSOR_ALLOCATOR (object);

  gst_clear_object (&self->device);

  G_OBJECT_CLASS (gst_gpu_tensor_allocator_parent_class)->dispose (object);
}

static void
gst_gpu_tensor_allocator_class_init (GstGpuTensorAllocatorClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS (klass);

  gobject_class->dispose = gst_gpu_tensor_allocator_dispose;
#ifdef HAVE_CUDA
  allocator_class->alloc = gst_gpu_tensor_allocator_alloc;
  allocator_class->free = gst_gpu_tensor_allocator_free;
#else
  (void)allocator_class;
#endif
}

static void
gst_gpu_tensor_allocator_init (GstGpuTensorAllocator *self)
{
  GstAllocator *alloc = GST_ALLOCATOR_CAST (self);

  alloc->mem_type = GST_GPU_TENSOR_MEMORY_TYPE;
#ifdef HAVE_CUDA
  alloc->mem_map_full = gst_gpu_tensor_memory_map;
  alloc->mem_unmap_full = gst_gpu_tensor_memory_unmap;
  alloc->mem_copy = gst_gpu_tensor_memory_copy;
  alloc->mem_share = gst_gpu_tensor_memory_share;
  alloc->mem_is_span = gst_gpu_tensor_memory_is_span;
#endif
}

GstAllocator *
gst_gpu_tensor_allocator_new_for_device (
    GstObject *device, const GstGpuTensorDeviceOps *ops)
{
  GstGpuTensorAllocator *self;

  g_return_val_if_fail (GST_IS_OBJECT (device), NULL);
  g_return_val_if_fail (ops != NULL, NULL);

  self = g_object_new (GST_TYPE_GPU_TENSOR_ALLOCATOR, NULL);
  gst_object_ref_sink (self);
  self->device = gst_object_ref (device);
  self->ops = ops;
  return (GstAllocator *)self;
}

gboolean
gst_is_gpu_tensor_memory (GstMemory *mem)
{
  return mem != NULL && mem->allocator != NULL
         && GST_IS_GPU_TENSOR_ALLOCATOR (mem->allocator);
}

GstGpuDevice *
gst_gpu_tensor_memory_get_device (GstMemory *mem)
{
  if (!gst_is_gpu_tensor_memory (mem))
    return NULL;
  return (GstGpuDevice *)GST_GPU_TENSOR_ALLOCATOR (mem->allocator)->device;
}
