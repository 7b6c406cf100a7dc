/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache inside: the instance struct and what its three files share.
 * gstgpukvcache.c is the element (properties, pads, states, stats, the
 * Redis tier's glue); gstgpukvcachememo.c the memoising modes (lookup,
 * store); gstgpukvcachestream.c the key/value stream modes (get, put,
 * erase); gstgpukvcacheregistry.c the tables shared by cache-name.
 */
#pragma once

#include "elements/gpukvcache/gstgpukvcache.h"
#include "elements/gpukvcache/gstgpukvcacheregistry.h"
#include "elements/gpukvcache/gstgpukvredis.h"
#include "gpu/device/gstgpudevice.h"
#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpustats.h"
#include "gst/gstgputensorinfo.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_kv_cache_debug);

struct _GstGpuKvCache
{
  GstElement parent;
  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  GstGpuKvCacheMode mode;
  gchar *cache_name;
  guint64 capacity;
  guint64 max_bytes;
  guint value_size;
  GstGpuKvEviction eviction;
  guint64 ttl;
  GstGpuDeviceHandle device_handle;
  GstClockTime stats_interval;
  gchar *backing_store;
  guint redis_ttl;
  guint redis_timeout;

  /* from NULL->READY to READY->NULL */
  GstGpuDevice *device;
  GstGpuKvCacheEntry *entry;
  GstGpuKvRedis *redis;
  gchar *redis_masked_url; /* for warnings, from any thread */
  GstGpuStatsTimer stats_timer;

  /* streaming thread only */
  GstGpuTensorsConfig config;
  gboolean have_caps;
  guint n_slots;                     /* batch dimension N of the caps */
  gsize item[GST_GPU_TENSORS_LIMIT]; /* bytes per slot per tensor */
  gboolean int_keys; /* get/put/erase: uint64 keys, else 16-byte keys */
  guint scratch_slots;
  guint scratch_vs;
  GstGpuKvKey *keys;
  guint8 *found;
  guint8 *status;
  guint32 *idx;
  guint8 *values;
  GstGpuKvKey *pkeys; /* Redis promotion / store staging */
  guint8 *pvalues;

  /* counters, under the object lock */
  guint64 batches;
  guint64 items_in;      /* valid slots received */
  guint64 items_out;     /* pushed, downstream took them */
  guint64 items_dropped; /* pushed, downstream refused them */
  guint64 items_failed;  /* in batches this element failed on */
  guint64 items_hit;
  guint64 items_missed;
  guint64 items_stored;
  guint64 items_filled;
  guint64 redis_hits;
};

/* Returns: (transfer full) (nullable): the shared table, created with this
 * element's properties when absent and @value_size > 0; NULL with
 * @failed FALSE while no value size is known. A table that cannot be made,
 * or one of another value size, posts an error and sets @failed. Any
 * thread. */
GstGpuKvTable *gst_gpu_kv_cache_get_table (
    GstGpuKvCache *self, guint value_size, gboolean *failed);

/* Makes sure the shared table holds values of @value_size bytes (creating
 * it when absent) and the per-batch arrays fit them; FALSE with an error
 * posted otherwise. Streaming thread. */
gboolean gst_gpu_kv_cache_prepare_values (
    GstGpuKvCache *self, guint value_size);

/* Sizes the per-batch arrays for @n_slots slots of @value_size bytes (once
 * per caps, not per item). Streaming thread. */
void gst_gpu_kv_cache_ensure_scratch (
    GstGpuKvCache *self, guint n_slots, guint value_size);

/* FALSE, with an error posted, when @bmeta (nullable) does not describe a
 * batch of the caps' batch dimension. Streaming thread. */
gboolean gst_gpu_kv_cache_check_batch_meta (
    GstGpuKvCache *self, GstGpuBatchMeta *bmeta);

/* The Redis tier's first failure of an outage, from the thread that saw
 * it (streaming or the tier's writer): one warning per outage. */
void gst_gpu_kv_cache_redis_outage (
    GstGpuRedisFailure failure, const gchar *detail, gpointer user_data);

/* gstgpukvcachetier.c: looks the table's misses (self->idx[0..n_missed)) up in the Redis tier,
 * writes found values at their index in @values, sets @found and promotes
 * them into @table. Returns how many were found. Streaming thread. */
guint gst_gpu_kv_cache_redis_read_through (GstGpuKvCache *self,
    GstGpuKvTable *table, const GstGpuKvKey *keys, guint n_missed, guint vs,
    guint8 *values, guint8 *found);

/* Queues @n values for the Redis tier's writer thread: never waits for
 * Redis. Streaming thread. */
void gst_gpu_kv_cache_redis_write_through (GstGpuKvCache *self,
    const GstGpuKvKey *keys, const guint32 *idx, guint n, guint vs,
    const guint8 *values);

/* gstgpukvcachememo.c: lookup and store; gstgpukvcachestream.c: get, put
 * and erase. set_caps returns (transfer full) (nullable) the src caps for
 * @caps, or NULL with an error posted; process takes @buf and sets @out to
 * the buffer to push (also on error). Streaming thread. */
GstCaps *gst_gpu_kv_cache_memo_set_caps (GstGpuKvCache *self, GstCaps *caps);
GstFlowReturn gst_gpu_kv_cache_memo_process (
    GstGpuKvCache *self, GstBuffer *buf, GstBuffer **out);
GstCaps *gst_gpu_kv_cache_stream_set_caps (GstGpuKvCache *self, GstCaps *caps);
GstFlowReturn gst_gpu_kv_cache_stream_process (
    GstGpuKvCache *self, GstBuffer *buf, GstBuffer **out);

G_END_DECLS
