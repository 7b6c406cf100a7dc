/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuKvTable, host side and CPU path. See gstgpukvtable.h for the
 * contract and gstgpukvprobe.h for the layout and probe logic shared with
 * the CUDA kernels.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/kvtable/gstgpukvtable.h"
#include "gpu/kvtable/gstgpukvtableprivate.h"

#ifdef GST_GPU_KV_WITH_CUDA
#include "gpu/device/gstgpudevice.h"
#endif

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>


GST_DEBUG_CATEGORY_STATIC (gst_gpu_kv_table_debug);
#define GST_CAT_DEFAULT gst_gpu_kv_table_debug

/* Bytes of slot metadata per entry: fingerprint, slot record, write
 * time. */
#define SLOT_META_BYTES (1 + sizeof (GstGpuKvSlot) + 8)
#define MAX_STRIPES 4096
/* Items hashed and prefetched ahead of probing; bounds the stack use. */
#define BATCH_CHUNK 64
/* Optimistic reads of one item before it falls back to the stripe lock. */
#define OPTIMISTIC_ATTEMPTS 4
/* Values up to this size are read lock-free through a stack buffer (the
 * caller's buffer must stay untouched on a miss, and an optimistic copy is
 * only known good after the sequence re-check). Larger values are copied
 * under the lock, where the copy itself outweighs the lock. */
#define OPTIMISTIC_VALUE_MAX 512

/* Memory orders of the slot fields that lock-free readers load while a
 * writer may store them. The seqlock below needs only relaxed accesses plus
 * two fences. ThreadSanitizer does not model fences (GCC warns and ignores
 * them), so under TSan the fences are left out and the field accesses
 * carry the ordering instead (release stores, acquire loads): also correct,
 * just costlier on weakly ordered CPUs. */
#if defined(__SANITIZE_THREAD__)
#define GST_GPU_KV_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GST_GPU_KV_TSAN 1
#endif
#endif
#ifdef GST_GPU_KV_TSAN
#define FIELD_LOAD __ATOMIC_ACQUIRE
#define FIELD_STORE __ATOMIC_RELEASE
#define SEQ_FENCE(order)
#else
#define FIELD_LOAD __ATOMIC_RELAXED
#define FIELD_STORE __ATOMIC_RELAXED
#define SEQ_FENCE(order) __atomic_thread_fence (order)
#endif

/* A lock stripe. Writers (every operation that may change a slot) hold
 * @lock and make @seq odd while they modify the stripe's groups, even
 * again when done. Finds read optimistically: load @seq (acquire), probe
 * and copy with atomic loads, fence, re-load @seq; a change means a writer
 * interfered and the read is retried, then done under @lock. */
typedef struct
{
  /* a pthread mutex rather than GMutex: GLib's futex-based GMutex is
   * invisible to ThreadSanitizer, which must check this table */
  pthread_mutex_t lock;
  guint64 seq;    /* atomic; odd while a writer modifies the groups */
  gint64 entries; /* entries in this stripe's groups, under @lock */
  /* keep stripes on separate cache lines: threads on different stripes
   * should not bounce each other's lines */
  guint8 pad[64 - sizeof (pthread_mutex_t) - 2 * sizeof (gint64)];
} GstGpuKvStripe;

struct _GstGpuKvTable
{
  gint ref_count;

  GstGpuKvGeometry geom;
  guint64 n_slots;
  guint64 bytes;
  guint value_size;
  gint policy;
  guint64 ttl;
  GstGpuKvClockFunc clock;
  gpointer clock_data;
  GstObject *device;

  /* CPU arrays (NULL for a CUDA table), see gstgpukvprobe.h */
  guint8 *fps;
  GstGpuKvSlot *slots;
  guint64 *born;
  guint8 *values;

  GstGpuKvStripe *stripes;
  guint stripe_mask;

  guint64 tick;                            /* atomic: access ticks handed out */
  guint64 counters[GST_GPU_KV_N_COUNTERS]; /* atomic */

  GstGpuKvCuda *cuda;
  GMutex cuda_lock; /* serialises CUDA batches (shared staging) */
};

GQuark
gst_gpu_kv_table_error_quark (void)
{
  return g_quark_from_static_string ("gst-gpu-kv-table-error-quark");
}

GType
gst_gpu_kv_eviction_get_type (void)
{
  static const GEnumValue values[] = {
    { GST_GPU_KV_EVICTION_NONE, "Never evict: inserts into a full bucket fail",
        "none" },
    { GST_GPU_KV_EVICTION_LRU, "Evict the least recently used entry", "lru" },
    { GST_GPU_KV_EVICTION_LFU,
        "Evict the least frequently used entry (then least recently used)",
        "lfu" },
    { 0, NULL, NULL },
  };
  static gsize type = 0;

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuKvEviction", values);
    g_once_init_leave (&type, t);
  }
  return (GType)type;
}

static void
gst_gpu_kv_table_init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_kv_table_debug, "gpukvtable", 0, "GPU key-value table");
    g_once_init_leave (&done, 1);
  }
}

static guint64
gst_gpu_kv_default_clock (gpointer user_data)
{
  return (guint64)g_get_monotonic_time () * 1000;
}

void
gst_gpu_kv_table_config_init (GstGpuKvTableConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof (*config));
  config->eviction = GST_GPU_KV_EVICTION_LRU;
}

GstGpuKvKey
gst_gpu_kv_key_from_content (gconstpointer data, gsize size)
{
  XXH128_hash_t h = XXH3_128bits (data, size);
  GstGpuKvKey key;

  key.lo = h.low64;
  key.hi = h.high64 & GST_GPU_KV_CONTENT_HI_MASK;
  return key;
}

/* Picks the geometry for @n_buckets wanted buckets: groups of up to
 * GST_GPU_KV_GROUP_BUCKETS buckets; @round_up decides whether a partial
 * group is added (capacity) or dropped (max-bytes). */
static GstGpuKvGeometry
gst_gpu_kv_geometry_for (guint64 n_buckets, gboolean round_up)
{
  GstGpuKvGeometry geom;
  guint32 g = GST_GPU_KV_GROUP_BUCKETS;

  while (g > 1 && g > n_buckets)
    g >>= 1;
  geom.group_buckets = g;
  geom.n_groups = round_up ? (n_buckets + g - 1) / g : n_buckets / g;
  return geom;
}

/* Arrays of 2 MiB and more are mapped directly and marked for transparent
 * huge pages: probes touch random lines all over them, and with 4 KiB pages
 * nearly every touch would also miss the TLB. Zeroed, like calloc. */
#define HUGE_ARRAY_BYTES (2 * 1024 * 1024)

static gpointer
gst_gpu_kv_alloc_array (guint64 n, gsize elem)
{
  gsize size;
  gpointer p;

  if (!g_size_checked_mul (&size, n, elem))
    return NULL;
  if (size < HUGE_ARRAY_BYTES)
    return g_try_malloc0 (size);
  p = mmap (
      NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
#ifdef MADV_HUGEPAGE
  madvise (p, size, MADV_HUGEPAGE);
#endif
  return p;
}

static void
gst_gpu_kv_free_array (gpointer p, guint64 n, gsize elem)
{
  gsize size = n * elem;

  if (!p)
    return;
  if (size < HUGE_ARRAY_BYTES)
    g_free (p);
  else
    munmap (p, size);
}

static gboolean
gst_gpu_kv_table_alloc_cpu (GstGpuKvTable *t, GError **error)
{
  gsize values_bytes;

  if (!g_size_checked_mul (&values_bytes, t->n_slots, t->value_size))
    goto out_no_memory;
  t->fps = gst_gpu_kv_alloc_array (t->n_slots, 1);
  t->slots = gst_gpu_kv_alloc_array (t->n_slots, sizeof (GstGpuKvSlot));
  t->born = gst_gpu_kv_alloc_array (t->n_slots, sizeof (guint64));
  t->values = gst_gpu_kv_alloc_array (t->n_slots, t->value_size);
  if (!t->fps || !t->slots || !t->born || !t->values)
    goto out_no_memory;
  return TRUE;

out_no_memory:
  g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_NO_MEMORY,
      "Not enough host memory for a key-value table of %" G_GUINT64_FORMAT
      " entries of %u bytes (%" G_GUINT64_FORMAT " bytes); lower capacity "
      "or max-bytes",
      t->n_slots, t->value_size, t->bytes);
  return FALSE;
}

static void
gst_gpu_kv_table_free (GstGpuKvTable *t)
{
  guint i;

#ifdef GST_GPU_KV_WITH_CUDA
  g_clear_pointer (&t->cuda, gst_gpu_kv_cuda_free);
#endif
  gst_gpu_kv_free_array (t->fps, t->n_slots, 1);
  gst_gpu_kv_free_array (t->slots, t->n_slots, sizeof (GstGpuKvSlot));
  gst_gpu_kv_free_array (t->born, t->n_slots, sizeof (guint64));
  gst_gpu_kv_free_array (t->values, t->n_slots, t->value_size);
  if (t->stripes) {
    for (i = 0; i <= t->stripe_mask; i++)
      pthread_mutex_destroy (&t->stripes[i].lock);
    g_free (t->stripes);
  }
  g_mutex_clear (&t->cuda_lock);
  gst_clear_object (&t->device);
  g_free (t);
}

GstGpuKvTable *
gst_gpu_kv_table_new (const GstGpuKvTableConfig *config, GError **error)
{
  GstGpuKvTable *t;
  guint64 n_buckets, entries;
  guint n_stripes, i;
  gboolean use_cuda = FALSE;

  g_return_val_if_fail (config != NULL, NULL);
  gst_gpu_kv_table_init_debug ();

  if (config->value_size == 0) {
    g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_CONFIG,
        "value-size is 0: a key-value table needs values of at least 1 byte");
    return NULL;
  }
  if (config->capacity == 0 && config->max_bytes == 0) {
    g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_CONFIG,
        "capacity is 0 and max-bytes is 0: set one of them to size the "
        "key-value table");
    return NULL;
  }
  if (config->eviction != GST_GPU_KV_EVICTION_NONE
      && config->eviction != GST_GPU_KV_EVICTION_LRU
      && config->eviction != GST_GPU_KV_EVICTION_LFU) {
    g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_CONFIG,
        "unknown eviction policy %d (use none, lru or lfu)", config->eviction);
    return NULL;
  }
  if (config->capacity > G_MAXUINT32 * (guint64)GST_GPU_KV_BUCKET_SLOTS) {
    g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_CONFIG,
        "capacity %" G_GUINT64_FORMAT
        " is too large (at most %" G_GUINT64_FORMAT " entries)",
        config->capacity, G_MAXUINT32 * (guint64)GST_GPU_KV_BUCKET_SLOTS);
    return NULL;
  }

  t = g_new0 (GstGpuKvTable, 1);
  t->ref_count = 1;
  g_mutex_init (&t->cuda_lock);
  t->value_size = config->value_size;
  t->policy = config->eviction;
  t->ttl = config->ttl;
  t->clock = config->clock ? config->clock : gst_gpu_kv_default_clock;
  t->clock_data = config->clock ? config->clock_data : NULL;

  if (config->capacity > 0) {
    n_buckets = (config->capacity + GST_GPU_KV_BUCKET_SLOTS - 1)
                / GST_GPU_KV_BUCKET_SLOTS;
    t->geom = gst_gpu_kv_geometry_for (n_buckets, TRUE);
  } else {
    entries = config->max_bytes / (SLOT_META_BYTES + config->value_size);
    n_buckets = MIN (entries / GST_GPU_KV_BUCKET_SLOTS, G_MAXUINT32);
    t->geom = gst_gpu_kv_geometry_for (n_buckets, FALSE);
    if (t->geom.n_groups == 0) {
      g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_CONFIG,
          "max-bytes %" G_GUINT64_FORMAT " is too small for one bucket of %d "
          "entries of %u bytes (needs %" G_GUINT64_FORMAT " bytes)",
          config->max_bytes, GST_GPU_KV_BUCKET_SLOTS, config->value_size,
          (guint64)GST_GPU_KV_BUCKET_SLOTS
              * (SLOT_META_BYTES + config->value_size));
      goto out_free;
    }
  }
  t->n_slots = (guint64)t->geom.n_groups * t->geom.group_buckets
               * GST_GPU_KV_BUCKET_SLOTS;
  t->bytes = t->n_slots * (SLOT_META_BYTES + t->value_size);

  n_stripes = 1;
  while (n_stripes * 2 <= MIN (t->geom.n_groups, MAX_STRIPES))
    n_stripes *= 2;
  t->stripe_mask = n_stripes - 1;
  t->stripes = g_new0 (GstGpuKvStripe, n_stripes);
  for (i = 0; i < n_stripes; i++)
    pthread_mutex_init (&t->stripes[i].lock, NULL);

  if (config->device)
    t->device = gst_object_ref (config->device);
#ifdef GST_GPU_KV_WITH_CUDA
  use_cuda = t->device && gst_gpu_device_is_cuda (GST_GPU_DEVICE (t->device));
  if (use_cuda) {
    t->cuda = gst_gpu_kv_cuda_new (
        t->device, t->geom, t->value_size, t->policy, t->ttl, error);
    if (!t->cuda)
      goto out_free;
  }
#endif
  if (!use_cuda && !gst_gpu_kv_table_alloc_cpu (t, error))
    goto out_free;

  GST_INFO ("key-value table on %s: %" G_GUINT64_FORMAT " slots (%u groups "
            "x %u buckets x %d), value size %u, %" G_GUINT64_FORMAT " bytes, "
            "%u lock stripes",
      use_cuda ? "cuda" : "cpu", t->n_slots, t->geom.n_groups,
      t->geom.group_buckets, GST_GPU_KV_BUCKET_SLOTS, t->value_size, t->bytes,
      n_stripes);
  return t;

  /* ERRORS */
out_free:
  gst_gpu_kv_table_free (t);
  return NULL;
}

GstGpuKvTable *
gst_gpu_kv_table_ref (GstGpuKvTable *table)
{
  g_return_val_if_fail (table != NULL, NULL);

  g_atomic_int_inc (&table->ref_count);
  return table;
}

void
gst_gpu_kv_table_unref (GstGpuKvTable *table)
{
  g_return_if_fail (table != NULL);

  if (g_atomic_int_dec_and_test (&table->ref_count))
    gst_gpu_kv_table_free (table);
}

guint64
gst_gpu_kv_table_get_capacity (GstGpuKvTable *table)
{
  return table->n_slots;
}

guint
gst_gpu_kv_table_get_value_size (GstGpuKvTable *table)
{
  return table->value_size;
}

guint64
gst_gpu_kv_table_get_bytes (GstGpuKvTable *table)
{
  return table->bytes;
}

gboolean
gst_gpu_kv_table_is_cuda (GstGpuKvTable *table)
{
  return table->cuda != NULL;
}

/* --- CPU path -------------------------------------------------------------
 * Everything below runs in the caller's thread. The probe, claim and write
 * helpers run with the item's stripe lock held; lock-free finds
 * (gst_gpu_kv_find_optimistic()) and the prefetch stage do not, and only
 * read the slots, with atomic loads. */


static inline guint
gst_gpu_kv_n_buckets (const GstGpuKvLocation *loc)
{
  return loc->bucket[0] == loc->bucket[1] ? 1 : 2;
}

static inline void
gst_gpu_kv_drop_slot (GstGpuKvTable *t, guint64 s, GstGpuKvStripe *stripe)
{
  __atomic_store_n (&t->fps[s], 0, FIELD_STORE);
  stripe->entries--;
}

/* Writer side of the stripe's seqlock, called with the stripe lock held.
 * The release fence keeps the odd sequence store ahead of the slot stores
 * that follow, so a reader that sees any of them also sees the odd (or a
 * later) sequence on its re-check. */
static inline void
gst_gpu_kv_write_begin (GstGpuKvStripe *stripe)
{
  guint64 seq = __atomic_load_n (&stripe->seq, __ATOMIC_RELAXED);

  __atomic_store_n (&stripe->seq, seq + 1, __ATOMIC_RELAXED);
  SEQ_FENCE (__ATOMIC_RELEASE);
}

/* The release store publishes the slot stores before the even sequence. */
static inline void
gst_gpu_kv_write_end (GstGpuKvStripe *stripe)
{
  guint64 seq = __atomic_load_n (&stripe->seq, __ATOMIC_RELAXED);

  __atomic_store_n (&stripe->seq, seq + 1, __ATOMIC_RELEASE);
}

/* Value copies into and out of the arena. Lock-free readers load values
 * while a writer may store them, so both sides use atomic accesses: 8-byte
 * words where the arena address is aligned, single bytes for an unaligned
 * head or tail. A reader may see a mix of old and new words; its sequence
 * re-check then fails and the copy is discarded. */
static inline void
gst_gpu_kv_value_store (guint8 *dst, const guint8 *src, gsize n)
{
  gsize i = 0;

  for (; i < n && ((guintptr)(dst + i) & 7) != 0; i++)
    __atomic_store_n (dst + i, src[i], FIELD_STORE);
  for (; i + 8 <= n; i += 8) {
    guint64 w;

    memcpy (&w, src + i, 8);
    __atomic_store_n ((guint64 *)(dst + i), w, FIELD_STORE);
  }
  for (; i < n; i++)
    __atomic_store_n (dst + i, src[i], FIELD_STORE);
}

static inline void
gst_gpu_kv_value_load (guint8 *dst, const guint8 *src, gsize n)
{
  gsize i = 0;

  for (; i < n && ((guintptr)(src + i) & 7) != 0; i++)
    dst[i] = __atomic_load_n (src + i, FIELD_LOAD);
  for (; i + 8 <= n; i += 8) {
    guint64 w = __atomic_load_n ((const guint64 *)(src + i), FIELD_LOAD);

    memcpy (dst + i, &w, 8);
  }
  for (; i < n; i++)
    dst[i] = __atomic_load_n (src + i, FIELD_LOAD);
}

/* Returns the slot holding @key, or -1; an expired match is reclaimed and
 * reported as absent. */
static inline gint64
gst_gpu_kv_probe (GstGpuKvTable *t, const GstGpuKvLocation *loc,
    const GstGpuKvKey *key, guint64 now, GstGpuKvStripe *stripe,
    gint64 *counters)
{
  guint k, nb = gst_gpu_kv_n_buckets (loc);

  for (k = 0; k < nb; k++) {
    guint64 base = (guint64)loc->bucket[k] * GST_GPU_KV_BUCKET_SLOTS;
    guint32 m = gst_gpu_kv_match_host (t->fps + base, loc->fp);

    while (m) {
      guint64 s = base + gst_gpu_kv_first_bit (m);

      if (gst_gpu_kv_key_equal (t->slots[s].key, *key)) {
        if (t->ttl != 0 && gst_gpu_kv_expired (t->born[s], now, t->ttl)) {
          gst_gpu_kv_drop_slot (t, s, stripe);
          counters[GST_GPU_KV_COUNTER_EXPIRED]++;
          return -1;
        }
        return (gint64)s;
      }
      m &= m - 1;
    }
  }
  return -1;
}

/* Returns an empty slot for a new key in one of its two buckets, reclaiming
 * expired entries and then evicting by score when both are full; -1 when
 * there is no room and eviction is off. */
static inline gint64
gst_gpu_kv_claim (GstGpuKvTable *t, const GstGpuKvLocation *loc, guint64 now,
    GstGpuKvStripe *stripe, gint64 *counters)
{
  guint k, i, nb = gst_gpu_kv_n_buckets (loc);
  guint32 free_mask[2] = { 0, 0 };
  guint64 base[2], victim = 0, victim_access = 0;
  guint32 victim_freq = 0;
  gboolean have_victim = FALSE;

  for (k = 0; k < nb; k++) {
    base[k] = (guint64)loc->bucket[k] * GST_GPU_KV_BUCKET_SLOTS;
    free_mask[k] = gst_gpu_kv_match_host (t->fps + base[k], 0);
  }

  if (!(free_mask[0] | free_mask[1]) && t->ttl != 0) {
    for (k = 0; k < nb; k++) {
      for (i = 0; i < GST_GPU_KV_BUCKET_SLOTS; i++) {
        guint64 s = base[k] + i;
        if (gst_gpu_kv_expired (t->born[s], now, t->ttl)) {
          gst_gpu_kv_drop_slot (t, s, stripe);
          counters[GST_GPU_KV_COUNTER_EXPIRED]++;
          free_mask[k] |= 1u << i;
        }
      }
    }
  }

  if (free_mask[0] | free_mask[1]) {
    k = gst_gpu_kv_pick_bucket (
        gst_gpu_kv_popcount (free_mask[0]), gst_gpu_kv_popcount (free_mask[1]));
    return (gint64)(base[k] + gst_gpu_kv_first_bit (free_mask[k]));
  }

  if (t->policy == GST_GPU_KV_POLICY_NONE)
    return -1;

  /* the scores are read atomically: lock-free hits refresh them */
  for (k = 0; k < nb; k++) {
    for (i = 0; i < GST_GPU_KV_BUCKET_SLOTS; i++) {
      guint64 s = base[k] + i;
      guint32 freq = __atomic_load_n (&t->slots[s].freq, __ATOMIC_RELAXED);
      guint64 access = __atomic_load_n (&t->slots[s].access, __ATOMIC_RELAXED);

      if (!have_victim
          || gst_gpu_kv_victim_before (
              t->policy, freq, access, victim_freq, victim_access)) {
        victim = s;
        victim_freq = freq;
        victim_access = access;
        have_victim = TRUE;
      }
    }
  }
  gst_gpu_kv_drop_slot (t, victim, stripe);
  counters[GST_GPU_KV_COUNTER_EVICTIONS]++;
  return (gint64)victim;
}

/* Refreshes the eviction score of a hit. Lock-free finds call this without
 * the stripe lock, racing with other hits and with writers, so the score
 * fields are only accessed atomically, but the refresh is a load and a
 * store rather than an atomic read-modify-write: two concurrent hits may
 * lose one update (an access count one short, an older tick kept), and a
 * hit racing with an eviction may score the slot's new entry. Either only
 * perturbs the eviction order, never what a find returns. */
static inline void
gst_gpu_kv_touch (GstGpuKvTable *t, guint64 s, guint64 tick)
{
  GstGpuKvSlot *slot = &t->slots[s];
  guint32 freq = __atomic_load_n (&slot->freq, __ATOMIC_RELAXED);

  if (__atomic_load_n (&slot->access, __ATOMIC_RELAXED) < tick)
    __atomic_store_n (&slot->access, tick, __ATOMIC_RELAXED);
  __atomic_store_n (&slot->freq, gst_gpu_kv_freq_bump (freq), __ATOMIC_RELAXED);
}

static inline void
gst_gpu_kv_write_new (GstGpuKvTable *t, guint64 s, const GstGpuKvLocation *loc,
    const GstGpuKvKey *key, const guint8 *value, guint64 tick, guint64 now,
    GstGpuKvStripe *stripe)
{
  __atomic_store_n (&t->slots[s].key.lo, key->lo, FIELD_STORE);
  __atomic_store_n (&t->slots[s].key.hi, key->hi, FIELD_STORE);
  if (t->ttl != 0)
    __atomic_store_n (&t->born[s], now, FIELD_STORE);
  __atomic_store_n (&t->slots[s].access, tick, __ATOMIC_RELAXED);
  __atomic_store_n (&t->slots[s].freq, 1, __ATOMIC_RELAXED);
  gst_gpu_kv_value_store (t->values + s * t->value_size, value, t->value_size);
  __atomic_store_n (&t->fps[s], loc->fp, FIELD_STORE);
  stripe->entries++;
}

/* Applies @op to one item with its stripe lock held, inside a seqlock
 * write section (gst_gpu_kv_write_begin()); returns its status. */
static inline GstGpuKvStatus
gst_gpu_kv_apply (GstGpuKvTable *t, GstGpuKvOp op, const GstGpuKvLocation *loc,
    const GstGpuKvKey *key, const guint8 *value_in, guint8 *value_out,
    guint64 tick, guint64 now, GstGpuKvStripe *stripe, gint64 *counters)
{
  gint64 s = gst_gpu_kv_probe (t, loc, key, now, stripe, counters);
  gsize vs = t->value_size;

  switch (op) {
    case GST_GPU_KV_OP_FIND:
    case GST_GPU_KV_OP_CONTAINS:
      if (s < 0) {
        counters[GST_GPU_KV_COUNTER_MISSES]++;
        return GST_GPU_KV_STATUS_MISS;
      }
      counters[GST_GPU_KV_COUNTER_HITS]++;
      if (op == GST_GPU_KV_OP_FIND) {
        gst_gpu_kv_touch (t, s, tick);
        if (value_out)
          memcpy (value_out, t->values + s * vs, vs);
      }
      return GST_GPU_KV_STATUS_FOUND;
    case GST_GPU_KV_OP_FIND_OR_INSERT:
      if (s >= 0) {
        counters[GST_GPU_KV_COUNTER_HITS]++;
        gst_gpu_kv_touch (t, s, tick);
        if (value_out)
          memcpy (value_out, t->values + s * vs, vs);
        return GST_GPU_KV_STATUS_FOUND;
      }
      /* a miss inserts the key, as insert-or-assign does */
      counters[GST_GPU_KV_COUNTER_MISSES]++;
      /* fall through */
    case GST_GPU_KV_OP_INSERT_OR_ASSIGN:
      if (s >= 0) {
        gst_gpu_kv_value_store (t->values + s * vs, value_in, vs);
        if (t->ttl != 0)
          __atomic_store_n (&t->born[s], now, FIELD_STORE);
        gst_gpu_kv_touch (t, s, tick);
        counters[GST_GPU_KV_COUNTER_ASSIGNS]++;
        return GST_GPU_KV_STATUS_ASSIGNED;
      }
      s = gst_gpu_kv_claim (t, loc, now, stripe, counters);
      if (s < 0) {
        counters[GST_GPU_KV_COUNTER_FAILED]++;
        return GST_GPU_KV_STATUS_FAILED;
      }
      gst_gpu_kv_write_new (t, s, loc, key, value_in, tick, now, stripe);
      counters[GST_GPU_KV_COUNTER_INSERTS]++;
      if (value_out)
        memcpy (value_out, value_in, vs);
      return GST_GPU_KV_STATUS_INSERTED;
    case GST_GPU_KV_OP_ERASE:
      if (s < 0)
        return GST_GPU_KV_STATUS_MISS;
      gst_gpu_kv_drop_slot (t, s, stripe);
      counters[GST_GPU_KV_COUNTER_ERASES]++;
      return GST_GPU_KV_STATUS_FOUND;
  }
  return GST_GPU_KV_STATUS_MISS;
}

/* What an operation's return value counts: items stored for
 * insert-or-assign, items found (or erased) for the others. */
static inline gboolean
gst_gpu_kv_status_counts (GstGpuKvOp op, guint8 st)
{
  if (op == GST_GPU_KV_OP_INSERT_OR_ASSIGN)
    return st == GST_GPU_KV_STATUS_INSERTED || st == GST_GPU_KV_STATUS_ASSIGNED;
  return st == GST_GPU_KV_STATUS_FOUND;
}

static void
gst_gpu_kv_add_counters (GstGpuKvTable *t, const gint64 *counters)
{
  guint i;

  for (i = 0; i < GST_GPU_KV_N_COUNTERS; i++) {
    if (counters[i])
      __atomic_fetch_add (
          &t->counters[i], (guint64)counters[i], __ATOMIC_RELAXED);
  }
}

/* Bit i set when fingerprint i of a bucket equals @fp, from the bucket's
 * 16 bytes loaded as two words (@w0: slots 0..7, @w1: slots 8..15).
 * Works on registers on purpose: a 16-byte vector load from two 8-byte
 * stores just made to the stack cannot be forwarded from the store buffer
 * and waits for the stores to retire, i.e. for every older load still on
 * its way from memory; that serialised the batch's prefetch pipeline and
 * cost about two thirds of the find throughput at 16M entries. */
static inline guint32
gst_gpu_kv_match_words (guint64 w0, guint64 w1, guint8 fp)
{
#if defined(__SSE2__) && defined(__x86_64__)
  __m128i v = _mm_unpacklo_epi64 (
      _mm_cvtsi64_si128 ((long long)w0), _mm_cvtsi64_si128 ((long long)w1));
  __m128i eq = _mm_cmpeq_epi8 (v, _mm_set1_epi8 ((char)fp));

  return (guint32)_mm_movemask_epi8 (eq);
#else
  guint32 m = 0;
  guint i;

  for (i = 0; i < 8; i++) {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
    guint shift = 8 * i;
#else
    guint shift = 56 - 8 * i;
#endif
    m |= (guint32)((guint8)(w0 >> shift) == fp) << i;
    m |= (guint32)((guint8)(w1 >> shift) == fp) << (i + 8);
  }
  return m;
#endif
}

/* Loads the 16 fingerprints of @bucket without the lock, as two 8-byte
 * atomic loads: a hint that may be stale for the prefetch stage, and the
 * first step of a lock-free find, which validates it with the stripe's
 * sequence. */
static inline guint32
gst_gpu_kv_hint_match (GstGpuKvTable *t, guint32 bucket, guint8 fp)
{
  const guint64 *p
      = (const guint64 *)(t->fps + (guint64)bucket * GST_GPU_KV_BUCKET_SLOTS);

  return gst_gpu_kv_match_words (
      __atomic_load_n (p, FIELD_LOAD), __atomic_load_n (p + 1, FIELD_LOAD), fp);
}

typedef enum {
  OPTIMISTIC_MISS,
  OPTIMISTIC_FOUND,
  OPTIMISTIC_LOCK, /* contended, expired or too large: take the lock */
} GstGpuKvOptimistic;

/* A find without the stripe lock (seqlock reader): probes with atomic
 * loads, copies the value into @bounce and keeps the result only when the
 * stripe's sequence was even and unchanged across it. A hit is then copied
 * to @value_out and, for FIND and FIND_OR_INSERT, its score refreshed
 * (gst_gpu_kv_touch()). An expired match is left to the locked path, which
 * reclaims it and counts it, exactly as before; so is a hit whose value is
 * larger than OPTIMISTIC_VALUE_MAX. Gives up after OPTIMISTIC_ATTEMPTS
 * interfered reads. */
static inline GstGpuKvOptimistic
gst_gpu_kv_find_optimistic (GstGpuKvTable *t, GstGpuKvOp op,
    const GstGpuKvLocation *loc, const GstGpuKvKey *key, guint8 *value_out,
    guint8 *bounce, guint64 tick, guint64 now, GstGpuKvStripe *stripe)
{
  guint k, nb = gst_gpu_kv_n_buckets (loc), attempt;
  gsize vs = t->value_size;
  gboolean copy = value_out != NULL && vs <= OPTIMISTIC_VALUE_MAX;
  GstGpuKvOptimistic ret = OPTIMISTIC_LOCK;

  for (attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    guint64 seq = __atomic_load_n (&stripe->seq, __ATOMIC_ACQUIRE);
    gint64 found = -1;
    gboolean expired = FALSE;

    if (seq & 1)
      continue; /* a writer is in the middle of this stripe */

    for (k = 0; k < nb && found < 0; k++) {
      guint64 base = (guint64)loc->bucket[k] * GST_GPU_KV_BUCKET_SLOTS;
      guint32 m = gst_gpu_kv_hint_match (t, loc->bucket[k], loc->fp);

      for (; m; m &= m - 1) {
        guint64 s = base + gst_gpu_kv_first_bit (m);

        if (__atomic_load_n (&t->slots[s].key.lo, FIELD_LOAD) == key->lo
            && __atomic_load_n (&t->slots[s].key.hi, FIELD_LOAD) == key->hi) {
          found = (gint64)s;
          break;
        }
      }
    }
    if (found >= 0 && t->ttl != 0)
      expired = gst_gpu_kv_expired (
          __atomic_load_n (&t->born[found], FIELD_LOAD), now, t->ttl);
    if (found >= 0 && !expired && copy)
      gst_gpu_kv_value_load (bounce, t->values + found * vs, vs);

    /* keeps the loads above ahead of the re-check */
    SEQ_FENCE (__ATOMIC_ACQUIRE);
    if (__atomic_load_n (&stripe->seq, __ATOMIC_RELAXED) != seq)
      continue;

    if (found < 0) {
      ret = OPTIMISTIC_MISS;
    } else if (expired || (value_out != NULL && !copy)) {
      ret = OPTIMISTIC_LOCK;
    } else {
      if (copy)
        memcpy (value_out, bounce, vs);
      if (op != GST_GPU_KV_OP_CONTAINS)
        gst_gpu_kv_touch (t, (guint64)found, tick);
      ret = OPTIMISTIC_FOUND;
    }
    break;
  }
  return ret;
}

/* Second pipeline stage: guesses from the (prefetched) fingerprints which
 * slot the item will touch and prefetches its key, value and score, so the
 * probe finds them in cache. A wrong guess costs only bandwidth.
 * Branch-free on purpose: the fingerprints may still be on their way from
 * memory, and a branch on them that the CPU mispredicts (half the hits are
 * in the second bucket) would throw away the loads it had started for the
 * following items, serialising the stage on memory latency. When there is
 * nothing to prefetch, the prefetches go to @idle, a line in cache. */
static inline void
gst_gpu_kv_prefetch_slot (GstGpuKvTable *t, GstGpuKvOp op,
    const GstGpuKvLocation *loc, gconstpointer idle)
{
  gboolean inserts = op == GST_GPU_KV_OP_INSERT_OR_ASSIGN
                     || op == GST_GPU_KV_OP_FIND_OR_INSERT;
  guint32 m0 = gst_gpu_kv_hint_match (t, loc->bucket[0], loc->fp);
  guint32 m1 = gst_gpu_kv_hint_match (t, loc->bucket[1], loc->fp);
  guint32 e0 = inserts ? gst_gpu_kv_hint_match (t, loc->bucket[0], 0) : 0;
  guint32 in1 = m0 == 0 && m1 != 0;
  guint32 m = in1 ? m1 : m0;
  guint64 bucket = in1 ? loc->bucket[1] : loc->bucket[0];
  guintptr use, slot_addr, value_addr;
  guint64 s;

  /* a miss: only an insert touches a slot, an empty one of bucket 0 */
  m = m ? m : e0;
  s = bucket * GST_GPU_KV_BUCKET_SLOTS + (guint64)__builtin_ctz (m | 0x10000);
  use = (guintptr)0 - (guintptr)(m != 0);
  slot_addr = (guintptr)&t->slots[s];
  value_addr = (guintptr)(t->values + s * t->value_size);
  __builtin_prefetch (
      (gconstpointer)((slot_addr & use) | ((guintptr)idle & ~use)), 1);
  __builtin_prefetch (
      (gconstpointer)((value_addr & use) | ((guintptr)idle & ~use)), 1);
}

/* The CPU batch, a chunk of BATCH_CHUNK keys at a time: hash every key and
 * prefetch the fingerprints of its two buckets; guess the slot each key will
 * touch and prefetch it; then apply the op item by item. Finds and contains
 * (and the hits of find-or-insert) first try without the lock
 * (gst_gpu_kv_find_optimistic()); everything else runs under the item's
 * stripe lock in a seqlock write section. Returns what
 * gst_gpu_kv_status_counts() counts. */
static guint
gst_gpu_kv_cpu_batch (GstGpuKvTable *t, GstGpuKvOp op, const GstGpuKvKey *keys,
    guint n_keys, const guint8 *values_in, guint8 *values_out, guint8 *status,
    guint32 *missed, guint *n_missed, guint64 tick_base, guint64 now)
{
  GstGpuKvLocation locs[BATCH_CHUNK];
  gint64 counters[GST_GPU_KV_N_COUNTERS] = {
    0,
  };
  guint8 bounce[OPTIMISTIC_VALUE_MAX];
  gsize vs = t->value_size;
  guint start, i, n_ok = 0, n_miss = 0;
  gboolean reads = op == GST_GPU_KV_OP_FIND || op == GST_GPU_KV_OP_CONTAINS
                   || op == GST_GPU_KV_OP_FIND_OR_INSERT;

  for (start = 0; start < n_keys; start += BATCH_CHUNK) {
    guint end = MIN (start + BATCH_CHUNK, n_keys);

    for (i = start; i < end; i++) {
      GstGpuKvLocation *loc = &locs[i - start];

      *loc = gst_gpu_kv_locate (t->geom, keys[i]);
      __builtin_prefetch (
          t->fps + (guint64)loc->bucket[0] * GST_GPU_KV_BUCKET_SLOTS, 1);
      __builtin_prefetch (
          t->fps + (guint64)loc->bucket[1] * GST_GPU_KV_BUCKET_SLOTS, 1);
    }

    for (i = start; i < end; i++)
      gst_gpu_kv_prefetch_slot (t, op, &locs[i - start], locs);

    for (i = start; i < end; i++) {
      const GstGpuKvLocation *loc = &locs[i - start];
      GstGpuKvStripe *stripe = &t->stripes[loc->group & t->stripe_mask];
      guint8 *value_out = values_out ? values_out + i * vs : NULL;
      GstGpuKvOptimistic opt = OPTIMISTIC_LOCK;
      GstGpuKvStatus st;

      if (reads)
        opt = gst_gpu_kv_find_optimistic (t, op, loc, &keys[i], value_out,
            bounce, tick_base + i, now, stripe);

      if (opt == OPTIMISTIC_FOUND) {
        counters[GST_GPU_KV_COUNTER_HITS]++;
        st = GST_GPU_KV_STATUS_FOUND;
      } else if (opt == OPTIMISTIC_MISS && op != GST_GPU_KV_OP_FIND_OR_INSERT) {
        counters[GST_GPU_KV_COUNTER_MISSES]++;
        st = GST_GPU_KV_STATUS_MISS;
      } else {
        /* a write, a miss of find-or-insert, or an interfered read */
        pthread_mutex_lock (&stripe->lock);
        gst_gpu_kv_write_begin (stripe);
        st = gst_gpu_kv_apply (t, op, loc, &keys[i],
            values_in ? values_in + i * vs : NULL, value_out, tick_base + i,
            now, stripe, counters);
        gst_gpu_kv_write_end (stripe);
        pthread_mutex_unlock (&stripe->lock);
      }

      if (status)
        status[i] = st;
      if (gst_gpu_kv_status_counts (op, st))
        n_ok++;
      else if (missed)
        missed[n_miss++] = i;
    }
  }

  gst_gpu_kv_add_counters (t, counters);
  if (n_missed)
    *n_missed = n_keys - n_ok;
  return n_ok;
}

/* Runs @op on the CPU or on the device. For FIND/CONTAINS/ERASE, status is
 * FOUND (1) or MISS (0), i.e. the found mask. */
static guint
gst_gpu_kv_table_run (GstGpuKvTable *t, GstGpuKvOp op, const GstGpuKvKey *keys,
    guint n_keys, const guint8 *values_in, guint8 *values_out, guint8 *status,
    guint32 *missed, guint *n_missed)
{
  guint64 tick_base, now;
  guint n_ok = 0;

  if (n_missed)
    *n_missed = 0;
  if (n_keys == 0)
    return 0;

  /* every item gets its own tick so LRU order inside a batch is defined */
  tick_base = __atomic_fetch_add (&t->tick, n_keys, __ATOMIC_RELAXED) + 1;
  now = t->ttl ? t->clock (t->clock_data) : 0;

#ifdef GST_GPU_KV_WITH_CUDA
  if (t->cuda) {
    gint64 counters[GST_GPU_KV_N_COUNTERS] = {
      0,
    };
    guint8 *st = status ? status : g_malloc (n_keys);
    guint i, n_miss = 0;

    g_mutex_lock (&t->cuda_lock);
    gst_gpu_kv_cuda_run (t->cuda, op, keys, n_keys, values_in, values_out, st,
        tick_base, now, counters);
    g_mutex_unlock (&t->cuda_lock);
    gst_gpu_kv_add_counters (t, counters);
    for (i = 0; i < n_keys; i++) {
      if (gst_gpu_kv_status_counts (op, st[i]))
        n_ok++;
      else if (missed)
        missed[n_miss++] = i;
    }
    if (n_missed)
      *n_missed = n_keys - n_ok;
    if (st != status)
      g_free (st);
    return n_ok;
  }
#endif

  n_ok = gst_gpu_kv_cpu_batch (t, op, keys, n_keys, values_in, values_out,
      status, missed, n_missed, tick_base, now);
  return n_ok;
}

guint
gst_gpu_kv_table_find (GstGpuKvTable *table, const GstGpuKvKey *keys,
    guint n_keys, guint8 *values, guint8 *found, guint32 *missed,
    guint *n_missed)
{
  g_return_val_if_fail (table != NULL, 0);
  g_return_val_if_fail (keys != NULL || n_keys == 0, 0);

  return gst_gpu_kv_table_run (table, GST_GPU_KV_OP_FIND, keys, n_keys, NULL,
      values, found, missed, n_missed);
}

guint
gst_gpu_kv_table_contains (
    GstGpuKvTable *table, const GstGpuKvKey *keys, guint n_keys, guint8 *found)
{
  g_return_val_if_fail (table != NULL, 0);
  g_return_val_if_fail (keys != NULL || n_keys == 0, 0);

  return gst_gpu_kv_table_run (table, GST_GPU_KV_OP_CONTAINS, keys, n_keys,
      NULL, NULL, found, NULL, NULL);
}

guint
gst_gpu_kv_table_insert_or_assign (GstGpuKvTable *table,
    const GstGpuKvKey *keys, guint n_keys, const guint8 *values, guint8 *status)
{
  g_return_val_if_fail (table != NULL, 0);
  g_return_val_if_fail (keys != NULL || n_keys == 0, 0);
  g_return_val_if_fail (values != NULL || n_keys == 0, 0);

  return gst_gpu_kv_table_run (table, GST_GPU_KV_OP_INSERT_OR_ASSIGN, keys,
      n_keys, values, NULL, status, NULL, NULL);
}

guint
gst_gpu_kv_table_find_or_insert (GstGpuKvTable *table, const GstGpuKvKey *keys,
    guint n_keys, const guint8 *values_in, guint8 *values_out, guint8 *status)
{
  g_return_val_if_fail (table != NULL, 0);
  g_return_val_if_fail (keys != NULL || n_keys == 0, 0);
  g_return_val_if_fail (values_in != NULL || n_keys == 0, 0);

  return gst_gpu_kv_table_run (table, GST_GPU_KV_OP_FIND_OR_INSERT, keys,
      n_keys, values_in, values_out, status, NULL, NULL);
}

guint
gst_gpu_kv_table_erase (
    GstGpuKvTable *table, const GstGpuKvKey *keys, guint n_keys, guint8 *erased)
{
  g_return_val_if_fail (table != NULL, 0);
  g_return_val_if_fail (keys != NULL || n_keys == 0, 0);

  return gst_gpu_kv_table_run (
      table, GST_GPU_KV_OP_ERASE, keys, n_keys, NULL, NULL, erased, NULL, NULL);
}

void
gst_gpu_kv_table_clear (GstGpuKvTable *table)
{
  guint64 slots_per_group, g, s;
  guint i;

  g_return_if_fail (table != NULL);

#ifdef GST_GPU_KV_WITH_CUDA
  if (table->cuda) {
    g_mutex_lock (&table->cuda_lock);
    if (gst_gpu_kv_cuda_clear (table->cuda))
      __atomic_store_n (
          &table->counters[GST_GPU_KV_COUNTER_ENTRIES], 0, __ATOMIC_RELAXED);
    g_mutex_unlock (&table->cuda_lock);
    return;
  }
#endif

  /* One stripe at a time, in a seqlock write section: a concurrent batch
   * sees each group either before or after the clear. The fingerprints are
   * zeroed with atomic stores because lock-free finds read them. */
  slots_per_group
      = (guint64)table->geom.group_buckets * GST_GPU_KV_BUCKET_SLOTS;
  for (i = 0; i <= table->stripe_mask; i++) {
    pthread_mutex_lock (&table->stripes[i].lock);
    gst_gpu_kv_write_begin (&table->stripes[i]);
    for (g = i; g < table->geom.n_groups; g += table->stripe_mask + 1) {
      guint64 *words = (guint64 *)(table->fps + g * slots_per_group);

      for (s = 0; s < slots_per_group / 8; s++)
        __atomic_store_n (&words[s], 0, FIELD_STORE);
    }
    table->stripes[i].entries = 0;
    gst_gpu_kv_write_end (&table->stripes[i]);
    pthread_mutex_unlock (&table->stripes[i].lock);
  }
}

void
gst_gpu_kv_table_get_stats (GstGpuKvTable *table, GstGpuKvStats *stats)
{
  guint64 c[GST_GPU_KV_N_COUNTERS];
  gint64 entries = 0;
  guint i;

  g_return_if_fail (table != NULL);
  g_return_if_fail (stats != NULL);

  for (i = 0; i < GST_GPU_KV_N_COUNTERS; i++)
    c[i] = __atomic_load_n (&table->counters[i], __ATOMIC_RELAXED);

  if (table->cuda) {
    entries = (gint64)c[GST_GPU_KV_COUNTER_ENTRIES];
  } else {
    for (i = 0; i <= table->stripe_mask; i++) {
      pthread_mutex_lock (&table->stripes[i].lock);
      entries += table->stripes[i].entries;
      pthread_mutex_unlock (&table->stripes[i].lock);
    }
  }

  memset (stats, 0, sizeof (*stats));
  stats->entries = (guint64)MAX (entries, 0);
  stats->capacity = table->n_slots;
  stats->load_factor = (gdouble)stats->entries / (gdouble)table->n_slots;
  stats->hits = c[GST_GPU_KV_COUNTER_HITS];
  stats->misses = c[GST_GPU_KV_COUNTER_MISSES];
  stats->inserts = c[GST_GPU_KV_COUNTER_INSERTS];
  stats->assigns = c[GST_GPU_KV_COUNTER_ASSIGNS];
  stats->erases = c[GST_GPU_KV_COUNTER_ERASES];
  stats->evictions = c[GST_GPU_KV_COUNTER_EVICTIONS];
  stats->expired = c[GST_GPU_KV_COUNTER_EXPIRED];
  stats->failed_inserts = c[GST_GPU_KV_COUNTER_FAILED];
  if (stats->hits + stats->misses > 0)
    stats->hit_ratio
        = (gdouble)stats->hits / (gdouble)(stats->hits + stats->misses);
}

GstStructure *
gst_gpu_kv_stats_to_structure (const GstGpuKvStats *stats, const gchar *name)
{
  g_return_val_if_fail (stats != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return gst_structure_new (name, "entries", G_TYPE_UINT64, stats->entries,
      "capacity", G_TYPE_UINT64, stats->capacity, "load-factor", G_TYPE_DOUBLE,
      stats->load_factor, "hits", G_TYPE_UINT64, stats->hits, "misses",
      G_TYPE_UINT64, stats->misses, "inserts", G_TYPE_UINT64, stats->inserts,
      "assigns", G_TYPE_UINT64, stats->assigns, "erases", G_TYPE_UINT64,
      stats->erases, "evictions", G_TYPE_UINT64, stats->evictions, "expired",
      G_TYPE_UINT64, stats->expired, "failed-inserts", G_TYPE_UINT64,
      stats->failed_inserts, "hit-ratio", G_TYPE_DOUBLE, stats->hit_ratio,
      NULL);
}
