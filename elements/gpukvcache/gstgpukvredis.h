/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuKvRedis: the optional Redis tier behind gpukvcache, one per element.
 *
 * Reads (one MGET for a batch's table misses) run on the caller's streaming
 * thread, on a connection of their own. Writes are copied into a bounded
 * queue and sent by a writer thread of the tier on a second connection (one
 * pipeline of SETs per batch), so the streaming thread never waits for them;
 * a batch that does not fit in the queue is dropped and counted.
 *
 * Both connections go through one GstGpuRedisLink (gstgpuredislink.h):
 * its circuit breaker, and its writer thread for the SETs.
 */
#pragma once

#include <gst/gst.h>
#include "elements/gpukvcache/gstgpuredislink.h"
#include "gpu/kvtable/gstgpukvtable.h"

G_BEGIN_DECLS

typedef struct _GstGpuKvRedis GstGpuKvRedis;

/**
 * GstGpuKvRedisOutcome:
 * @GST_GPU_KV_REDIS_OK: the round trip succeeded
 * @GST_GPU_KV_REDIS_SKIPPED: the breaker is open (backing off); nothing was
 *   sent
 * @GST_GPU_KV_REDIS_FAILED: connecting or the round trip failed (counted)
 */
typedef enum {
  GST_GPU_KV_REDIS_OK,
  GST_GPU_KV_REDIS_SKIPPED,
  GST_GPU_KV_REDIS_FAILED,
} GstGpuKvRedisOutcome;

/* The link's counters (entries are keys); reconnects is not used. */
typedef GstGpuRedisCounters GstGpuKvRedisCounters;

/* Entries the write queue holds at most. */
#define GST_GPU_KV_REDIS_MAX_QUEUED 4096

/**
 * gst_gpu_kv_redis_new:
 * @url: redis://[:password@]host[:port][/db] (port 1-65535, default 6379;
 *   db 0-15, default 0) or unix:///path/to/socket[?db=N] (also unix:/path).
 *   Without a password in @url, GST_GPUSTREAM_REDIS_PASSWORD is used when
 *   set.
 * @timeout_ms: connect and command timeout
 * @ttl_s: expiry of written entries in seconds, 0 for none
 * @outage: (nullable): called once per outage
 * @user_data: for @outage
 * @error: says what is wrong with @url
 *
 * Parses @url and starts the writer thread; does not connect (the first
 * batch does).
 *
 * Returns: (transfer full) (nullable): the tier, NULL on a malformed URL.
 */
GstGpuKvRedis *gst_gpu_kv_redis_new (const gchar *url, guint timeout_ms,
    guint ttl_s, GstGpuRedisOutageFunc outage, gpointer user_data,
    GError **error);
/* Writes (or drops, when the tier is down) what is queued, then stops the
 * writer thread. */
void gst_gpu_kv_redis_free (GstGpuKvRedis *redis);

/**
 * gst_gpu_kv_redis_mget:
 * @keys: every key of the batch
 * @idx: (array length=n_idx): which keys to fetch
 * @values: value_size bytes per key of @keys; a found key's value is
 *   written at its index
 * @found: (out caller-allocates): one byte per key of @keys, set to 1 for
 *   the fetched keys that Redis holds with exactly @value_size bytes
 * @n_found: (out): how many were found
 *
 * One thread at a time (the streaming thread).
 */
GstGpuKvRedisOutcome gst_gpu_kv_redis_mget (GstGpuKvRedis *redis,
    const GstGpuKvKey *keys, const guint32 *idx, guint n_idx, guint value_size,
    guint8 *values, guint8 *found, guint *n_found);

/**
 * gst_gpu_kv_redis_queue_set:
 * @idx: (array length=n_idx): which keys of @keys to write; their values
 *   are at index * @value_size in @values
 *
 * Copies the entries into the write queue and returns at once; the writer
 * thread sends them as one pipeline of SET commands (EX ttl when set).
 * Entries that do not fit in the queue are dropped (counted). Any thread.
 */
void gst_gpu_kv_redis_queue_set (GstGpuKvRedis *redis, const GstGpuKvKey *keys,
    const guint32 *idx, guint n_idx, guint value_size, const guint8 *values);

/* Waits until every queued entry is written or dropped: at most a few
 * timeouts, since the breaker skips the rest once one fails. */
void gst_gpu_kv_redis_drain (GstGpuKvRedis *redis);

void gst_gpu_kv_redis_get_counters (
    GstGpuKvRedis *redis, GstGpuKvRedisCounters *counters);
/* Zeroes the counters (not writes_pending). */
void gst_gpu_kv_redis_reset_counters (GstGpuKvRedis *redis);

G_END_DECLS
