/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache: a key-value cache element over GstGpuKvTable (memoisation
 * around an inference element, key/value streams, optional Redis tier).
 * The GstGpuKvCacheMeta it reads and writes is in gst/gstgpukvcachemeta.h.
 */
#pragma once

#include <gst/gst.h>
#include "gpu/kvtable/gstgpukvtable.h"
#include "gst/gstgpukvcachemeta.h"

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

G_END_DECLS
