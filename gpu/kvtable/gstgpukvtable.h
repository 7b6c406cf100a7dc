/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuKvTable: a fixed-capacity key-value table with eviction, in host or
 * device memory, driven by batched operations (docs/architecture.md).
 *
 * Keys are 128-bit (GstGpuKvKey): XXH3-128 of some content
 * (gst_gpu_kv_key_from_content()) or a caller's 64-bit integer
 * (gst_gpu_kv_key_from_uint64()). Values have one fixed size per table and
 * live in an arena next to the slots.
 *
 * Every operation takes an array of keys and reports per item: a batch may
 * mix hits and misses, and an insert that finds no room (a full bucket pair
 * with eviction "none") fails for that item only.
 *
 * Thread safety: every function may be called from several threads at once
 * on the same table (streaming threads of several elements). On the CPU,
 * buckets are grouped and each group is guarded by one of up to 4096
 * striped mutexes (pthread, so ThreadSanitizer sees them); a writing item
 * takes exactly one lock, for the duration of its probe, so there is no
 * lock ordering to get wrong. Finds and contains (and the hits of
 * find-or-insert) read without the lock: each stripe also has a sequence
 * counter that writers make odd while they change its buckets, and a read
 * is kept only when the counter was even and unchanged across it, else
 * retried and, after a few tries, done under the lock. A find therefore
 * returns a value exactly as some insert stored it, never a mix of two.
 * The eviction score a hit refreshes is updated without the lock, so
 * concurrent hits on one entry may lose an update (LRU/LFU order is
 * approximate under concurrency). Within one batch, items are applied in
 * order (a key inserted twice keeps the last value). On a CUDA table host
 * calls are serialised by a table mutex (they share one pinned staging
 * buffer) and the kernels take a per-group lock in device memory; duplicate
 * keys inside one CUDA batch are applied in an unspecified order.
 */
#pragma once

#include <gst/gst.h>
#include "gpu/kvtable/gstgpukvprobe.h"

G_BEGIN_DECLS

/**
 * GstGpuKvEviction:
 * @GST_GPU_KV_EVICTION_NONE: never evict; an insert into a full bucket pair
 *   fails (status GST_GPU_KV_STATUS_FAILED)
 * @GST_GPU_KV_EVICTION_LRU: evict the least recently used entry of the pair
 * @GST_GPU_KV_EVICTION_LFU: evict the least frequently used entry, the least
 *   recently used among equals
 */
typedef enum {
  GST_GPU_KV_EVICTION_NONE = GST_GPU_KV_POLICY_NONE,
  GST_GPU_KV_EVICTION_LRU = GST_GPU_KV_POLICY_LRU,
  GST_GPU_KV_EVICTION_LFU = GST_GPU_KV_POLICY_LFU,
} GstGpuKvEviction;

GType gst_gpu_kv_eviction_get_type (void);
#define GST_TYPE_GPU_KV_EVICTION (gst_gpu_kv_eviction_get_type ())

/* GstGpuKvStatus (per-item outcome) is in gstgpukvprobe.h. */

#define GST_GPU_KV_TABLE_ERROR (gst_gpu_kv_table_error_quark ())
GQuark gst_gpu_kv_table_error_quark (void);

typedef enum {
  GST_GPU_KV_TABLE_ERROR_CONFIG,    /* invalid capacity/value size/... */
  GST_GPU_KV_TABLE_ERROR_NO_MEMORY, /* the arrays could not be allocated */
  GST_GPU_KV_TABLE_ERROR_DEVICE,    /* a CUDA call failed */
} GstGpuKvTableError;

/**
 * GstGpuKvClockFunc:
 *
 * Time source for ttl, in nanoseconds on a monotonic scale. The default is
 * g_get_monotonic_time () * 1000; tests inject their own.
 */
typedef guint64 (*GstGpuKvClockFunc) (gpointer user_data);

/**
 * GstGpuKvTableConfig:
 * @capacity: entries to hold; 0 to size by @max_bytes instead. Rounded up
 *   to whole lock groups (up to 256 entries), so the table may hold a few
 *   more. Two-choice buckets keep evictions rare up to ~80 % load (about
 *   1 in 10,000 inserts while filling to 80 %): size for the working set
 *   plus ~25 %. Default 0.
 * @max_bytes: bytes for fingerprints, slot records, write times and values
 *   (41 + value_size bytes per entry), rounded down to whole lock groups;
 *   used when @capacity is 0. Default 0.
 * @value_size: bytes per value, > 0. Default 0 (must be set).
 * @eviction: what an insert into a full bucket pair does. Default LRU.
 * @ttl: nanoseconds after which an entry counts as a miss and is reclaimed;
 *   0 (default) for no expiry. Age counts from the last write.
 * @clock: (nullable): time source for @ttl; NULL for the monotonic clock.
 * @clock_data: passed to @clock.
 * @device: (nullable): a GstGpuDevice; a CUDA device puts the table in
 *   device memory, NULL or a CPU device keeps it in host memory.
 *
 * Initialise with gst_gpu_kv_table_config_init().
 */
typedef struct
{
  guint64 capacity;
  guint64 max_bytes;
  guint value_size;
  GstGpuKvEviction eviction;
  guint64 ttl;
  GstGpuKvClockFunc clock;
  gpointer clock_data;
  GstObject *device;
} GstGpuKvTableConfig;

/**
 * GstGpuKvStats:
 *
 * Counters since creation (entries is the current count). find, contains
 * and find-or-insert count hits and misses (an expired entry is a miss and
 * also counts in @expired); evictions count entries pushed out by inserts.
 */
typedef struct
{
  guint64 entries;
  guint64 capacity;
  gdouble load_factor;
  guint64 hits;
  guint64 misses;
  guint64 inserts;
  guint64 assigns;
  guint64 erases;
  guint64 evictions;
  guint64 expired;
  guint64 failed_inserts;
  gdouble hit_ratio;
} GstGpuKvStats;

typedef struct _GstGpuKvTable GstGpuKvTable;

void gst_gpu_kv_table_config_init (GstGpuKvTableConfig *config);

/**
 * gst_gpu_kv_table_new:
 * @config: the table's shape; copied (a device is referenced)
 * @error: where to say why the table could not be made (capacity 0, value
 *   size 0, not enough memory, device failure)
 *
 * Returns: (transfer full) (nullable): a new table with every slot empty.
 */
GstGpuKvTable *gst_gpu_kv_table_new (
    const GstGpuKvTableConfig *config, GError **error);

/* Returns: (transfer full): @table with one more reference. */
GstGpuKvTable *gst_gpu_kv_table_ref (GstGpuKvTable *table);
void gst_gpu_kv_table_unref (GstGpuKvTable *table);

/* Slots in the table (>= the configured capacity). */
guint64 gst_gpu_kv_table_get_capacity (GstGpuKvTable *table);
guint gst_gpu_kv_table_get_value_size (GstGpuKvTable *table);
/* Bytes of slots plus values. */
guint64 gst_gpu_kv_table_get_bytes (GstGpuKvTable *table);
/* TRUE when the table lives in CUDA device memory. */
gboolean gst_gpu_kv_table_is_cuda (GstGpuKvTable *table);

/**
 * gst_gpu_kv_table_find:
 * @keys: (array length=n_keys): keys to look up
 * @values: (out caller-allocates) (nullable): n_keys * value_size bytes;
 *   item i's value is written at i * value_size when found, untouched when
 *   missed
 * @found: (out caller-allocates) (nullable): n_keys bytes, 1 when found
 * @missed: (out caller-allocates) (nullable): room for n_keys indices; the
 *   indices of missed items, in order
 * @n_missed: (out) (optional): how many indices were written to @missed
 *
 * A hit refreshes the entry's eviction score.
 *
 * Returns: the number of hits.
 */
guint gst_gpu_kv_table_find (GstGpuKvTable *table, const GstGpuKvKey *keys,
    guint n_keys, guint8 *values, guint8 *found, guint32 *missed,
    guint *n_missed);

/**
 * gst_gpu_kv_table_contains:
 * @found: (out caller-allocates) (nullable): n_keys bytes, 1 when present
 *
 * Like find without reading values or touching eviction scores.
 *
 * Returns: the number of keys present.
 */
guint gst_gpu_kv_table_contains (
    GstGpuKvTable *table, const GstGpuKvKey *keys, guint n_keys, guint8 *found);

/**
 * gst_gpu_kv_table_insert_or_assign:
 * @values: n_keys * value_size bytes
 * @status: (out caller-allocates) (nullable): n_keys GstGpuKvStatus bytes:
 *   INSERTED, ASSIGNED or FAILED
 *
 * Returns: the number of items stored (inserted or assigned).
 */
guint gst_gpu_kv_table_insert_or_assign (GstGpuKvTable *table,
    const GstGpuKvKey *keys, guint n_keys, const guint8 *values,
    guint8 *status);

/**
 * gst_gpu_kv_table_find_or_insert:
 * @values_in: n_keys * value_size bytes stored for missing keys
 * @values_out: (out caller-allocates) (nullable): n_keys * value_size bytes:
 *   the stored value for found keys, a copy of @values_in for inserted ones
 * @status: (out caller-allocates) (nullable): FOUND, INSERTED or FAILED
 *
 * Returns: the number of keys found.
 */
guint gst_gpu_kv_table_find_or_insert (GstGpuKvTable *table,
    const GstGpuKvKey *keys, guint n_keys, const guint8 *values_in,
    guint8 *values_out, guint8 *status);

/**
 * gst_gpu_kv_table_erase:
 * @erased: (out caller-allocates) (nullable): n_keys bytes, 1 when removed
 *
 * Returns: the number of keys removed.
 */
guint gst_gpu_kv_table_erase (GstGpuKvTable *table, const GstGpuKvKey *keys,
    guint n_keys, guint8 *erased);

/* Removes every entry; counters other than entries are kept. */
void gst_gpu_kv_table_clear (GstGpuKvTable *table);

void gst_gpu_kv_table_get_stats (GstGpuKvTable *table, GstGpuKvStats *stats);

/**
 * gst_gpu_kv_stats_to_structure:
 * @name: structure name, e.g. "gpukvcache-stats"
 *
 * Fields: entries, capacity (guint64), load-factor (gdouble), hits, misses,
 * inserts, assigns, erases, evictions, expired, failed-inserts (guint64),
 * hit-ratio (gdouble).
 *
 * Returns: (transfer full): a new structure.
 */
GstStructure *gst_gpu_kv_stats_to_structure (
    const GstGpuKvStats *stats, const gchar *name);

/* XXH3-128 of @size bytes at @data, top bit of hi cleared (content keys and
 * integer keys never collide). */
GstGpuKvKey gst_gpu_kv_key_from_content (gconstpointer data, gsize size);

G_END_DECLS
