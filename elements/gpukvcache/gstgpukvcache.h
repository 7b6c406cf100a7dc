/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache: a key-value cache element over GstGpuKvTable (memoisation
 * around an inference element, key/value streams, optional Redis tier),
 * and GstGpuKvCacheMeta, which carries a lookup's keys and found values to
 * the matching store element.
 */
#pragma once

#include <gst/gst.h>
#include "gpu/kvtable/gstgpukvtable.h"

G_BEGIN_DECLS

/**
 * GstGpuKvCacheMode:
 * @GST_GPU_KV_CACHE_MODE_LOOKUP: key each valid batch slot by its content,
 *   mark hits in GstGpuBatchMeta, attach keys and values (GstGpuKvCacheMeta)
 * @GST_GPU_KV_CACHE_MODE_STORE: store missed slots' outputs under the
 *   lookup's keys, fill hit slots with their cached values
 * @GST_GPU_KV_CACHE_MODE_GET: key tensor in, values + found mask out
 * @GST_GPU_KV_CACHE_MODE_PUT: key tensor + value tensor in, stored, passed on
 * @GST_GPU_KV_CACHE_MODE_ERASE: key tensor in, keys removed, passed on
 */
typedef enum {
  GST_GPU_KV_CACHE_MODE_LOOKUP,
  GST_GPU_KV_CACHE_MODE_STORE,
  GST_GPU_KV_CACHE_MODE_GET,
  GST_GPU_KV_CACHE_MODE_PUT,
  GST_GPU_KV_CACHE_MODE_ERASE,
} GstGpuKvCacheMode;

GType gst_gpu_kv_cache_mode_get_type (void);
#define GST_TYPE_GPU_KV_CACHE_MODE (gst_gpu_kv_cache_mode_get_type ())

#define GST_TYPE_GPU_KV_CACHE (gst_gpu_kv_cache_get_type ())
G_DECLARE_FINAL_TYPE (
    GstGpuKvCache, gst_gpu_kv_cache, GST, GPU_KV_CACHE, GstElement);

/**
 * GstGpuKvCacheMeta:
 * @n_slots: batch slots
 * @value_size: bytes per value in @values (0 when the shared table did not
 *   exist yet at lookup time: every slot missed)
 * @keyed: (array length=n_slots): 1 for the slots the lookup keyed (valid
 *   slots with status OK)
 * @hit: (array length=n_slots): 1 for slots found in the cache
 * @keys: (array length=n_slots): content keys of the keyed slots
 * @values: n_slots * value_size bytes; a hit slot's cached value
 *
 * Attached by gpukvcache mode=lookup, consumed (and removed) by
 * mode=store. Copied along with the buffer's metadata, so elements that
 * copy metas (gpuinfer) carry it over.
 */
typedef struct
{
  GstMeta meta;
  guint n_slots;
  guint value_size;
  guint8 *keyed;
  guint8 *hit;
  GstGpuKvKey *keys;
  guint8 *values;
} GstGpuKvCacheMeta;

GType gst_gpu_kv_cache_meta_api_get_type (void);
#define GST_GPU_KV_CACHE_META_API_TYPE (gst_gpu_kv_cache_meta_api_get_type ())
const GstMetaInfo *gst_gpu_kv_cache_meta_get_info (void);

#define gst_buffer_get_gpu_kv_cache_meta(b)                                    \
  ((GstGpuKvCacheMeta *)gst_buffer_get_meta (                                  \
      (b), GST_GPU_KV_CACHE_META_API_TYPE))

/* Returns: (transfer none): a zeroed meta for @n_slots slots of
 * @value_size bytes. */
GstGpuKvCacheMeta *gst_buffer_add_gpu_kv_cache_meta (
    GstBuffer *buffer, guint n_slots, guint value_size);

G_END_DECLS
