/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuKvCacheMeta: the keys of a batch's slots and the values a cache
 * found for them. gpukvcache mode=lookup attaches it and mode=store consumes
 * it; an application or an upstream element may attach it first to key
 * slots itself (see gpukvcache's documentation).
 */
#pragma once

#include <gst/gst.h>
#include "gpu/kvtable/gstgpukvkey.h"

G_BEGIN_DECLS

/**
 * GstGpuKvCacheMeta:
 * @n_slots: batch slots
 * @value_size: bytes per value in @values (0 when the shared table did not
 *   exist yet at lookup time: every slot missed)
 * @keyed: (array length=n_slots): 1 for the slots the lookup keyed (valid
 *   slots with status OK)
 * @hit: (array length=n_slots): 1 for slots found in the cache
 * @keys: (array length=n_slots): the keys of the keyed slots
 * @values: n_slots * value_size bytes; a hit slot's cached value
 *
 * Attached by gpukvcache mode=lookup, consumed (and removed) by
 * mode=store. Copied along with the buffer's metadata, so elements that
 * copy metas (gpuinfer) carry it over.
 *
 * Keys given by the application: attach the meta before the lookup
 * element (value_size 0), set @keyed and @keys for the slots to key, e.g.
 * with gst_gpu_kv_key_from_uint64 (frame_id); lookup uses those keys for
 * those slots and hashes the content of the others.
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
