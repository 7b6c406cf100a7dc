/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuKvRedis: the optional Redis tier behind gpukvcache. One connection
 * per element, used only from that element's streaming thread (not
 * thread-safe). Every batch costs one round trip: a single MGET for the
 * table's misses, or one pipeline of SETs for a write-through. When Redis
 * fails or times out the connection is dropped and the next attempt waits
 * for an exponential back-off measured on the monotonic clock (no sleep).
 */
#pragma once

#include <gst/gst.h>
#include "gpu/kvtable/gstgpukvtable.h"

G_BEGIN_DECLS

typedef struct _GstGpuKvRedis GstGpuKvRedis;

/**
 * GstGpuKvRedisOutcome:
 * @GST_GPU_KV_REDIS_OK: the round trip succeeded
 * @GST_GPU_KV_REDIS_SKIPPED: not connected and the back-off has not expired;
 *   nothing was sent
 * @GST_GPU_KV_REDIS_FAILED: connecting or the round trip failed (counted)
 */
typedef enum {
  GST_GPU_KV_REDIS_OK,
  GST_GPU_KV_REDIS_SKIPPED,
  GST_GPU_KV_REDIS_FAILED,
} GstGpuKvRedisOutcome;

/**
 * gst_gpu_kv_redis_new:
 * @url: redis://[:password@]host[:port][/db]; port defaults to 6379, db to
 *   0. Without a password in @url, GST_GPUSTREAM_REDIS_PASSWORD is used when
 *   set.
 * @timeout_ms: connect and command timeout
 * @ttl_s: expiry of written entries in seconds, 0 for none
 * @error: says what is wrong with @url
 *
 * Parses @url; does not connect (the first batch does).
 *
 * Returns: (transfer full) (nullable): the tier, NULL on a malformed URL.
 */
GstGpuKvRedis *gst_gpu_kv_redis_new (
    const gchar *url, guint timeout_ms, guint ttl_s, GError **error);
void gst_gpu_kv_redis_free (GstGpuKvRedis *redis);

/* Returns: (transfer full): @url with any password replaced by "***". */
gchar *gst_gpu_kv_redis_mask_url (const gchar *url);

/**
 * gst_gpu_kv_redis_mget:
 * @keys: every key of the batch
 * @idx: (array length=n_idx): which keys to fetch
 * @values: value_size bytes per key of @keys; a found key's value is
 *   written at its index
 * @found: (out caller-allocates): one byte per key of @keys, set to 1 for
 *   the fetched keys that Redis holds with exactly @value_size bytes
 * @n_found: (out): how many were found
 */
GstGpuKvRedisOutcome gst_gpu_kv_redis_mget (GstGpuKvRedis *redis,
    const GstGpuKvKey *keys, const guint32 *idx, guint n_idx, guint value_size,
    guint8 *values, guint8 *found, guint *n_found);

/**
 * gst_gpu_kv_redis_set:
 * @idx: (array length=n_idx): which keys of @keys to write; their values
 *   are at index * @value_size in @values
 *
 * Writes with one pipeline of SET commands (EX ttl when set).
 */
GstGpuKvRedisOutcome gst_gpu_kv_redis_set (GstGpuKvRedis *redis,
    const GstGpuKvKey *keys, const guint32 *idx, guint n_idx, guint value_size,
    const guint8 *values);

/* Failed connections and round trips so far. */
guint64 gst_gpu_kv_redis_get_errors (GstGpuKvRedis *redis);
/* TRUE while a connection is open. */
gboolean gst_gpu_kv_redis_is_connected (GstGpuKvRedis *redis);

G_END_DECLS
