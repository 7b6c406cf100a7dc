/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Aligned system memory whose allocation may fail without aborting.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "gpu/device/gstgpuhostmemory.h"

struct _GstGpuHostAllocator
{
  GstAllocator parent;
};

G_DEFINE_TYPE (GstGpuHostAllocator, gst_gpu_host_allocator, GST_TYPE_ALLOCATOR);

/* Any thread that allocates (usually a pool's acquirer). The memory is
 * wrapped system memory: the system allocator maps it and frees it with
 * free(). */
static GstMemory *
gst_gpu_host_allocator_alloc (
    GstAllocator *allocator, gsize size, GstAllocationParams *params)
{
  gsize align = MAX (params->align + 1, sizeof (gpointer));
  gsize maxsize;
  gpointer data = NULL;

  if (params->prefix > G_MAXSIZE - size
      || params->padding > G_MAXSIZE - size - params->prefix)
    return NULL;
  maxsize = params->prefix + size + params->padding;
  /* align is a power of two (params->align is its mask) */
  if (maxsize == 0 || posix_memalign (&data, align, maxsize) != 0) {
    GST_WARNING_OBJECT (allocator,
        "could not allocate %" G_GSIZE_FORMAT " bytes aligned to "
        "%" G_GSIZE_FORMAT,
        maxsize, align);
    return NULL;
  }
  if (params->prefix > 0 && (params->flags & GST_MEMORY_FLAG_ZERO_PREFIXED))
    memset (data, 0, params->prefix);
  if (params->padding > 0 && (params->flags & GST_MEMORY_FLAG_ZERO_PADDED))
    memset ((guint8 *)data + params->prefix + size, 0, params->padding);

  return gst_memory_new_wrapped (
      params->flags, data, maxsize, params->prefix, size, data, free);
}

/* Never called: the memory belongs to the system allocator. */
static void
gst_gpu_host_allocator_free (GstAllocator *allocator, GstMemory *memory)
{
  g_return_if_reached ();
}

static void
gst_gpu_host_allocator_class_init (GstGpuHostAllocatorClass *klass)
{
  GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS (klass);

  allocator_class->alloc = gst_gpu_host_allocator_alloc;
  allocator_class->free = gst_gpu_host_allocator_free;
}

static void
gst_gpu_host_allocator_init (GstGpuHostAllocator *self)
{
  /* what it hands out is system memory */
  GST_ALLOCATOR (self)->mem_type = GST_ALLOCATOR_SYSMEM;
  GST_OBJECT_FLAG_SET (self, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

GstAllocator *
gst_gpu_host_allocator_get (void)
{
  static GstAllocator *allocator;

  if (g_once_init_enter (&allocator)) {
    GstAllocator *a = g_object_new (GST_TYPE_GPU_HOST_ALLOCATOR, NULL);

    gst_object_ref_sink (a);
    /* lives as long as the process, like GStreamer's own allocators */
    GST_OBJECT_FLAG_SET (a, GST_OBJECT_FLAG_MAY_BE_LEAKED);
    g_once_init_leave (&allocator, a);
  }
  return gst_object_ref (allocator);
}
