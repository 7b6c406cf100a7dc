/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-gpukvcache
 * @title: gpukvcache
 *
 * A key-value cache over GstGpuKvTable. Elements with the same
 * `cache-name` in one process share one table.
 *
 * Memoisation (mode=lookup / mode=store around an inference element):
 * |[
 * gst-launch-1.0 ... ! gpubatch ! gpukvcache mode=lookup cache-name=c ! \
 *     gpuinfer model=m.pt ! gpukvcache mode=store cache-name=c ! gpuunbatch
 * ]|
 * Key/value streams: mode=get (keys in; values + found mask out), mode=put
 * (keys + values in, passed on), mode=erase (keys in, passed on). An
 * optional Redis tier (`backing-store`, redis:// or unix: URL) backs the
 * table: reads on the streaming thread, writes queued to a writer thread,
 * both behind a circuit breaker (see gstgpukvredis.h).
 *
 * `device` says where a table this element creates lives: device=cuda, or
 * auto with a usable GPU, puts it in device memory; elements that join a
 * shared table use it where its creator put it (stats say which).
 *
 * Keys: lookup hashes each slot's content, unless a GstGpuKvCacheMeta on
 * the input already gives that slot a key (gst/gstgpukvcachemeta.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpukvcache.h"
#include "elements/gpukvcache/gstgpukvredis.h"
#include "gpu/device/gstgpudevice.h"
#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpustats.h"
#include "gst/gstgpustreamelements.h"
#include "gst/gstgputensorinfo.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_gpu_kv_cache_debug);
#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

#define DEFAULT_MODE GST_GPU_KV_CACHE_MODE_LOOKUP
#define DEFAULT_CAPACITY 65536
#define DEFAULT_MAX_BYTES 0
#define DEFAULT_VALUE_SIZE 0
#define DEFAULT_EVICTION GST_GPU_KV_EVICTION_LRU
#define DEFAULT_TTL 0
#define DEFAULT_REDIS_TTL 0
#define DEFAULT_REDIS_TIMEOUT 100

enum {
  PROP_0,
  PROP_MODE,
  PROP_CACHE_NAME,
  PROP_CAPACITY,
  PROP_MAX_BYTES,
  PROP_VALUE_SIZE,
  PROP_EVICTION,
  PROP_TTL,
  PROP_DEVICE,
  PROP_DEVICE_ID,
  PROP_STATS,
  PROP_STATS_INTERVAL,
  PROP_BACKING_STORE,
  PROP_REDIS_TTL,
  PROP_REDIS_TIMEOUT,
};

/* One shared table per cache-name. The table is made by the first element
 * that knows the value size (a property, or caps in store/put mode). */
typedef struct
{
  gchar *name;
  gint refs;
  guint64 capacity;
  guint64 max_bytes;
  gchar *creator;
  GstGpuKvTable *table; /* NULL until a value size is known */
} CacheEntry;

static GMutex registry_lock;
static GHashTable *registry; /* name -> CacheEntry, under registry_lock */

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
  CacheEntry *entry;
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

#define gst_gpu_kv_cache_parent_class parent_class
G_DEFINE_TYPE (GstGpuKvCache, gst_gpu_kv_cache, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpukvcache, "gpukvcache", GST_RANK_NONE,
    GST_TYPE_GPU_KV_CACHE,
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_kv_cache_debug, "gpukvcache", 0, "GPU key-value cache"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_GPU_TENSORS_MEDIA_TYPE));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_GPU_TENSORS_MEDIA_TYPE));

GType
gst_gpu_kv_cache_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_GPU_KV_CACHE_MODE_LOOKUP, "Key slots by content, mark hits",
        "lookup" },
    { GST_GPU_KV_CACHE_MODE_STORE, "Store misses, fill hits", "store" },
    { GST_GPU_KV_CACHE_MODE_GET, "Keys in, values and found mask out", "get" },
    { GST_GPU_KV_CACHE_MODE_PUT, "Keys and values in, stored", "put" },
    { GST_GPU_KV_CACHE_MODE_ERASE, "Keys in, removed", "erase" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuKvCacheMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_gpu_kv_cache_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_kv_cache_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_gpu_kv_cache_finalize (GObject *object);
static GstStateChangeReturn gst_gpu_kv_cache_change_state (
    GstElement *element, GstStateChange transition);
static gboolean gst_gpu_kv_cache_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static GstFlowReturn gst_gpu_kv_cache_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buf);
static gboolean gst_gpu_kv_cache_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
static void gst_gpu_kv_cache_set_context (
    GstElement *element, GstContext *context);
static GstStructure *gst_gpu_kv_cache_make_stats (GstElement *element);
static void redis_outage (
    GstGpuKvRedisFailure failure, const gchar *detail, gpointer user_data);

static void
gst_gpu_kv_cache_class_init (GstGpuKvCacheClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw_ready
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_gpu_kv_cache_set_property;
  gobject_class->get_property = gst_gpu_kv_cache_get_property;
  gobject_class->finalize = gst_gpu_kv_cache_finalize;

  /**
   * GstGpuKvCache:mode:
   *
   * What the element does with each buffer. Default: lookup.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "What the element does with each batch: lookup (before an "
          "inference element: keys each valid slot by its content, marks "
          "table hits so inference skips them) | store (after it, same "
          "cache-name: stores the computed slots, fills the hit slots) | get "
          "(keys in; values and found mask out) | put (keys and values in, "
          "stored, passed on) | erase (keys in, removed, passed on). "
          "Default: lookup",
          GST_TYPE_GPU_KV_CACHE_MODE, DEFAULT_MODE, rw_ready));
  /**
   * GstGpuKvCache:cache-name:
   *
   * Elements with the same name in a process share one table; the first
   * one to start creates it with its properties. NULL or empty: a table of
   * this element's own. Default: NULL.
   */
  g_object_class_install_property (gobject_class, PROP_CACHE_NAME,
      g_param_spec_string ("cache-name", "Cache name",
          "Elements with the same name in a process share one table (the "
          "first to start sets its size); NULL or empty: a private table. "
          "Default: NULL",
          NULL, rw_ready));
  /**
   * GstGpuKvCache:capacity:
   *
   * Entries the table holds (rounded up to whole lock groups); 0 to size
   * by max-bytes. Default: 65536.
   */
  g_object_class_install_property (gobject_class, PROP_CAPACITY,
      g_param_spec_uint64 ("capacity", "Capacity",
          "Entries the table holds, rounded up to whole lock groups (up to "
          "256 entries more); each takes 41 + value-size bytes. 0: size by "
          "max-bytes instead. Default: 65536",
          0, G_MAXUINT64, DEFAULT_CAPACITY, rw_ready));
  /**
   * GstGpuKvCache:max-bytes:
   *
   * Table size in bytes (41 + value-size per entry), used when capacity is
   * 0. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_BYTES,
      g_param_spec_uint64 ("max-bytes", "Max bytes",
          "Table size in bytes, used when capacity is 0: entries = "
          "max-bytes / (41 + value-size), rounded down to whole lock groups "
          "of up to 256 entries. Default: 0",
          0, G_MAXUINT64, DEFAULT_MAX_BYTES, rw_ready));
  /**
   * GstGpuKvCache:value-size:
   *
   * Bytes per value. 0: in store mode the bytes of one output slot over all
   * tensors, in put mode the bytes per key of the value tensor, in lookup
   * mode the shared table's; get mode needs it or a shared table.
   * Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_VALUE_SIZE,
      g_param_spec_uint ("value-size", "Value size",
          "Bytes per value; 0: store mode takes the bytes of one output slot "
          "over all tensors, put the value tensor's bytes per key, lookup "
          "and get the shared table's (get needs it or a shared table). "
          "Default: 0",
          0, G_MAXINT32, DEFAULT_VALUE_SIZE, rw_ready));
  /**
   * GstGpuKvCache:eviction:
   *
   * What an insert into a full bucket does. Default: lru.
   */
  g_object_class_install_property (gobject_class, PROP_EVICTION,
      g_param_spec_enum ("eviction", "Eviction",
          "What an insert into a full bucket does: lru (evict the least "
          "recently used), lfu (the least frequently used) or none (the "
          "insert fails, counted in failed-inserts). Default: lru",
          GST_TYPE_GPU_KV_EVICTION, DEFAULT_EVICTION, rw_ready));
  /**
   * GstGpuKvCache:ttl:
   *
   * Nanoseconds after its last write an entry expires; 0 for never.
   * Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_TTL,
      g_param_spec_uint64 ("ttl", "TTL",
          "Nanoseconds after its last write an entry expires (1000000000 = "
          "1 s); 0: never. Default: 0",
          0, G_MAXUINT64, DEFAULT_TTL, rw_ready));
  gst_gpu_device_install_properties (
      gobject_class, PROP_DEVICE, PROP_DEVICE_ID);
  /**
   * GstGpuKvCache:stats:
   *
   * "gpukvcache-stats": the table's counters (entries, capacity,
   * load-factor, hits, misses, inserts, assigns, erases, evictions,
   * expired, failed-inserts, hit-ratio) and the element's: batches,
   * items-in, items-out, items-dropped, items-failed, items-held,
   * items-hit, items-missed, items-stored, items-filled, redis-hits,
   * redis-writes, redis-writes-dropped, redis-writes-pending,
   * redis-errors, redis-timeouts, redis-connected, device.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Stats",
          "Read-only \"gpukvcache-stats\" structure. The table's (shared by "
          "the cache-name): entries, capacity, load-factor, hits, misses, "
          "inserts, assigns, erases, evictions, expired, failed-inserts, "
          "hit-ratio. This element's, since READY->PAUSED: batches, items-in "
          "(valid slots received) = items-out (taken downstream) + "
          "items-dropped (refused downstream) + items-failed (in batches "
          "this element failed on) + items-held (always 0); items-hit, "
          "items-missed (lookup/get), items-stored (store/put), items-filled "
          "(store: hit slots filled); Redis: redis-hits, redis-writes, "
          "redis-writes-dropped (queue full, tier down or write failed), "
          "redis-writes-pending, redis-errors, redis-timeouts, "
          "redis-connected (the last round trip succeeded); device (cpu or "
          "cuda: where the table is)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  gst_gpu_stats_install_interval_property (gobject_class, PROP_STATS_INTERVAL);
  /**
   * GstGpuKvCache:backing-store:
   *
   * redis://[:password@]host[:port][/db] (port 1-65535, default 6379; db
   * 0-15, default 0) or unix:///path/to/socket[?db=N] of a Redis tier
   * shared by many pipelines, or NULL for none. Pass the password in the
   * environment variable GST_GPUSTREAM_REDIS_PASSWORD rather than in the
   * URL: a launch line is logged by GStreamer's parser. This plugin never
   * logs it. Default: NULL.
   */
  g_object_class_install_property (gobject_class, PROP_BACKING_STORE,
      g_param_spec_string ("backing-store", "Backing store",
          "Redis tier behind the table: redis://host[:port][/db] (port "
          "1-65535, default 6379; db 0-15, default 0) or "
          "unix:///path/to/redis.sock[?db=N]. Give the password in the "
          "environment variable GST_GPUSTREAM_REDIS_PASSWORD (a "
          "redis://:password@host URL also works, but GStreamer's parser "
          "logs launch lines). NULL: no tier. Default: NULL",
          NULL, rw_ready));
  /**
   * GstGpuKvCache:redis-ttl:
   *
   * Expiry of entries written to Redis, in seconds; 0 for none. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_REDIS_TTL,
      g_param_spec_uint ("redis-ttl", "Redis TTL",
          "Seconds before an entry written to Redis expires (SET ... EX); 0: "
          "never. Default: 0",
          0, G_MAXINT32, DEFAULT_REDIS_TTL, rw_ready));
  /**
   * GstGpuKvCache:redis-timeout:
   *
   * Connect and round-trip timeout for Redis in ms. A tier that fails or
   * times out is skipped for a back-off (50 ms doubling to 5 s) until one
   * round trip succeeds. Default: 100.
   */
  g_object_class_install_property (gobject_class, PROP_REDIS_TIMEOUT,
      g_param_spec_uint ("redis-timeout", "Redis timeout",
          "Milliseconds to wait for a Redis connect or round trip; after a "
          "failure or timeout Redis is skipped for a back-off of 50 ms "
          "doubling to 5 s, then tried once. Default: 100",
          1, 60000, DEFAULT_REDIS_TIMEOUT, rw_ready));

  element_class->change_state = gst_gpu_kv_cache_change_state;
  element_class->set_context = gst_gpu_kv_cache_set_context;
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "GPU key-value cache",
      "Filter/Tensor",
      "Memoises inference and serves key/value streams "
      "from a shared table with an optional Redis tier",
      "gst-gpustream");
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_KV_CACHE_MODE, 0);
  gst_gpu_kv_cache_meta_get_info ();
}

static void
gst_gpu_kv_cache_init (GstGpuKvCache *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_gpu_kv_cache_chain);
  gst_pad_set_event_function (self->sinkpad, gst_gpu_kv_cache_sink_event);
  gst_pad_set_query_function (self->sinkpad, gst_gpu_kv_cache_query);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_pad_set_query_function (self->srcpad, gst_gpu_kv_cache_query);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->mode = DEFAULT_MODE;
  self->capacity = DEFAULT_CAPACITY;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->value_size = DEFAULT_VALUE_SIZE;
  self->eviction = DEFAULT_EVICTION;
  self->ttl = DEFAULT_TTL;
  self->redis_ttl = DEFAULT_REDIS_TTL;
  self->redis_timeout = DEFAULT_REDIS_TIMEOUT;
  gst_gpu_device_handle_init (&self->device_handle);
}

/* any thread; object lock */
static void
gst_gpu_kv_cache_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_CACHE_NAME:
      g_free (self->cache_name);
      self->cache_name = g_value_dup_string (value);
      break;
    case PROP_CAPACITY:
      self->capacity = g_value_get_uint64 (value);
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_VALUE_SIZE:
      self->value_size = g_value_get_uint (value);
      break;
    case PROP_EVICTION:
      self->eviction = g_value_get_enum (value);
      break;
    case PROP_TTL:
      self->ttl = g_value_get_uint64 (value);
      break;
    case PROP_DEVICE:
      self->device_handle.kind = g_value_get_enum (value);
      break;
    case PROP_DEVICE_ID:
      self->device_handle.device_id = g_value_get_int (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_uint64 (value);
      break;
    case PROP_BACKING_STORE:
      g_free (self->backing_store);
      self->backing_store = g_value_dup_string (value);
      break;
    case PROP_REDIS_TTL:
      self->redis_ttl = g_value_get_uint (value);
      break;
    case PROP_REDIS_TIMEOUT:
      self->redis_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* any thread; object lock (stats also takes the registry lock) */
static void
gst_gpu_kv_cache_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (
        value, gst_gpu_kv_cache_make_stats (GST_ELEMENT (self)));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_CACHE_NAME:
      g_value_set_string (value, self->cache_name);
      break;
    case PROP_CAPACITY:
      g_value_set_uint64 (value, self->capacity);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->max_bytes);
      break;
    case PROP_VALUE_SIZE:
      g_value_set_uint (value, self->value_size);
      break;
    case PROP_EVICTION:
      g_value_set_enum (value, self->eviction);
      break;
    case PROP_TTL:
      g_value_set_uint64 (value, self->ttl);
      break;
    case PROP_DEVICE:
      g_value_set_enum (value, self->device_handle.kind);
      break;
    case PROP_DEVICE_ID:
      g_value_set_int (value, self->device_handle.device_id);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint64 (value, self->stats_interval);
      break;
    case PROP_BACKING_STORE:
      g_value_set_string (value, self->backing_store);
      break;
    case PROP_REDIS_TTL:
      g_value_set_uint (value, self->redis_ttl);
      break;
    case PROP_REDIS_TIMEOUT:
      g_value_set_uint (value, self->redis_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
free_scratch (GstGpuKvCache *self)
{
  g_clear_pointer (&self->keys, g_free);
  g_clear_pointer (&self->found, g_free);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->idx, g_free);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->pkeys, g_free);
  g_clear_pointer (&self->pvalues, g_free);
  self->scratch_slots = 0;
  self->scratch_vs = 0;
}

static void
gst_gpu_kv_cache_finalize (GObject *object)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (object);

  free_scratch (self);
  g_free (self->cache_name);
  g_free (self->backing_store);
  gst_gpu_device_handle_clear (&self->device_handle);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Per-batch arrays, sized once per caps (not per item). */
static void
ensure_scratch (GstGpuKvCache *self, guint n_slots, guint value_size)
{
  if (n_slots <= self->scratch_slots && value_size <= self->scratch_vs)
    return;
  free_scratch (self);
  self->keys = g_new0 (GstGpuKvKey, n_slots);
  self->found = g_new0 (guint8, n_slots);
  self->status = g_new0 (guint8, n_slots);
  self->idx = g_new0 (guint32, n_slots);
  self->values = g_malloc0 ((gsize)n_slots * MAX (value_size, 1));
  self->pkeys = g_new0 (GstGpuKvKey, n_slots);
  self->pvalues = g_malloc0 ((gsize)n_slots * MAX (value_size, 1));
  self->scratch_slots = n_slots;
  self->scratch_vs = value_size;
}

/* ---- shared table registry ---- */

static void
entry_release (CacheEntry *entry)
{
  g_mutex_lock (&registry_lock);
  if (--entry->refs == 0) {
    if (entry->name)
      g_hash_table_remove (registry, entry->name);
    g_clear_pointer (&entry->table, gst_gpu_kv_table_unref);
    g_free (entry->name);
    g_free (entry->creator);
    g_free (entry);
  }
  g_mutex_unlock (&registry_lock);
}

/* NULL->READY, application thread. Joins or creates the entry of
 * cache-name; a capacity different from the creator's is an error. */
static gboolean
join_cache (GstGpuKvCache *self)
{
  CacheEntry *entry = NULL;
  gboolean ok = FALSE;
  gchar *name;

  GST_OBJECT_LOCK (self);
  name = self->cache_name && *self->cache_name ? g_strdup (self->cache_name)
                                               : NULL;
  GST_OBJECT_UNLOCK (self);

  if (self->capacity == 0 && self->max_bytes == 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("gpukvcache: capacity is 0 and max-bytes is 0; set one of them"),
        (NULL));
    goto out;
  }

  g_mutex_lock (&registry_lock);
  if (!registry)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  if (name)
    entry = g_hash_table_lookup (registry, name);
  if (entry) {
    if (entry->capacity != self->capacity
        || entry->max_bytes != self->max_bytes) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("cache-name '%s': capacity %" G_GUINT64_FORMAT
           " / max-bytes %" G_GUINT64_FORMAT
           " of %s differ from capacity %" G_GUINT64_FORMAT
           " / max-bytes %" G_GUINT64_FORMAT " of %s, which created it",
              name, self->capacity, self->max_bytes, GST_OBJECT_NAME (self),
              entry->capacity, entry->max_bytes, entry->creator),
          ("give every element sharing a cache-name the same capacity"));
      g_mutex_unlock (&registry_lock);
      goto out;
    }
    entry->refs++;
  } else {
    entry = g_new0 (CacheEntry, 1);
    entry->name = name;
    name = NULL;
    entry->refs = 1;
    entry->capacity = self->capacity;
    entry->max_bytes = self->max_bytes;
    entry->creator = g_strdup (GST_OBJECT_NAME (self));
    if (entry->name)
      g_hash_table_insert (registry, entry->name, entry);
  }
  g_mutex_unlock (&registry_lock);
  self->entry = entry;
  ok = TRUE;

out:
  g_free (name);
  return ok;
}

/* Returns: (transfer full) (nullable): the entry's table, created with
 * this element's properties when absent and @value_size > 0. A value size
 * different from the table's posts an error naming both. Any thread. */
static GstGpuKvTable *
get_table (GstGpuKvCache *self, guint value_size, gboolean *failed)
{
  GstGpuKvTable *table = NULL;
  GError *error = NULL;

  *failed = FALSE;
  g_mutex_lock (&registry_lock);
  if (!self->entry->table && value_size > 0) {
    GstGpuKvTableConfig config;

    gst_gpu_kv_table_config_init (&config);
    config.capacity = self->capacity;
    config.max_bytes = self->max_bytes;
    config.value_size = value_size;
    config.eviction = self->eviction;
    config.ttl = self->ttl;
    config.device = GST_OBJECT (self->device);
    self->entry->table = gst_gpu_kv_table_new (&config, &error);
    if (!self->entry->table) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Cannot create the cache table: %s", error->message),
          ("capacity %" G_GUINT64_FORMAT ", max-bytes %" G_GUINT64_FORMAT
           ", value-size %u, device %s",
              self->capacity, self->max_bytes, value_size,
              gst_gpu_device_get_name (self->device)));
      g_clear_error (&error);
      *failed = TRUE;
      goto out;
    }
    g_free (self->entry->creator);
    self->entry->creator = g_strdup (GST_OBJECT_NAME (self));
    GST_INFO_OBJECT (self,
        "created table '%s': %" G_GUINT64_FORMAT " entries of %u bytes on %s",
        GST_STR_NULL (self->entry->name),
        gst_gpu_kv_table_get_capacity (self->entry->table), value_size,
        gst_gpu_device_get_name (self->device));
  }
  if (self->entry->table && value_size > 0
      && gst_gpu_kv_table_get_value_size (self->entry->table) != value_size) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("cache-name '%s': value-size %u of %s differs from value-size %u of "
         "the shared table created by %s",
            GST_STR_NULL (self->entry->name), value_size,
            GST_OBJECT_NAME (self),
            gst_gpu_kv_table_get_value_size (self->entry->table),
            self->entry->creator),
        ("give every element sharing a cache-name the same value-size and "
         "output shape"));
    *failed = TRUE;
    goto out;
  }
  if (self->entry->table)
    table = gst_gpu_kv_table_ref (self->entry->table);

out:
  g_mutex_unlock (&registry_lock);
  return table;
}

/* ---- stats ---- */

static GstStructure *
gst_gpu_kv_cache_make_stats (GstElement *element)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (element);
  GstGpuKvStats ts;
  GstStructure *s;
  GstGpuKvTable *table = NULL;
  GstGpuKvRedisCounters rc;
  const gchar *device = "cpu";

  memset (&ts, 0, sizeof (ts));
  g_mutex_lock (&registry_lock);
  if (self->entry && self->entry->table)
    table = gst_gpu_kv_table_ref (self->entry->table);
  g_mutex_unlock (&registry_lock);
  /* where the table is, which for a joined table is its creator's choice */
  if (table) {
    gst_gpu_kv_table_get_stats (table, &ts);
    device = gst_gpu_kv_table_is_cuda (table) ? "cuda" : "cpu";
    gst_gpu_kv_table_unref (table);
  } else if (self->device) {
    device = gst_gpu_device_get_kind_name (self->device);
  }
  s = gst_gpu_kv_stats_to_structure (&ts, "gpukvcache-stats");
  memset (&rc, 0, sizeof (rc));
  GST_OBJECT_LOCK (self);
  /* the tier is set and cleared under the object lock */
  if (self->redis)
    gst_gpu_kv_redis_get_counters (self->redis, &rc);
  gst_structure_set (s, GST_GPU_STATS_BATCHES, G_TYPE_UINT64, self->batches,
      GST_GPU_STATS_ITEMS_IN, G_TYPE_UINT64, self->items_in,
      GST_GPU_STATS_ITEMS_OUT, G_TYPE_UINT64, self->items_out,
      GST_GPU_STATS_ITEMS_DROPPED, G_TYPE_UINT64, self->items_dropped,
      GST_GPU_STATS_ITEMS_FAILED, G_TYPE_UINT64, self->items_failed,
      "items-held", G_TYPE_UINT64, (guint64)0, "items-hit", G_TYPE_UINT64,
      self->items_hit, "items-missed", G_TYPE_UINT64, self->items_missed,
      "items-stored", G_TYPE_UINT64, self->items_stored, "items-filled",
      G_TYPE_UINT64, self->items_filled, "redis-hits", G_TYPE_UINT64,
      self->redis_hits, "redis-writes", G_TYPE_UINT64, rc.writes,
      "redis-writes-dropped", G_TYPE_UINT64, rc.writes_dropped,
      "redis-writes-pending", G_TYPE_UINT64, rc.writes_pending, "redis-errors",
      G_TYPE_UINT64, rc.errors, "redis-timeouts", G_TYPE_UINT64, rc.timeouts,
      "redis-connected", G_TYPE_BOOLEAN, rc.connected, GST_GPU_STATS_DEVICE,
      G_TYPE_STRING, device, NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

/* ---- state ---- */

/* Gives back what open_resources () took. Application thread. */
static void
release_resources (GstGpuKvCache *self)
{
  GstGpuKvRedis *redis;

  if (self->entry)
    entry_release (self->entry);
  self->entry = NULL;
  GST_OBJECT_LOCK (self);
  redis = self->redis;
  self->redis = NULL;
  GST_OBJECT_UNLOCK (self);
  /* writes what is still queued first (bounded by the tier's breaker) */
  g_clear_pointer (&redis, gst_gpu_kv_redis_free);
  g_clear_pointer (&self->redis_masked_url, g_free);
  gst_clear_object (&self->device);
}

/* NULL->READY: the Redis tier, the device, the shared table entry, and the
 * table when value-size is set. Application thread. */
static gboolean
open_resources (GstGpuKvCache *self)
{
  GstGpuKvRedis *redis;
  GstGpuKvTable *table;
  GError *error = NULL;
  gchar *url;
  guint timeout, ttl;
  gboolean failed;

  GST_OBJECT_LOCK (self);
  url = g_strdup (self->backing_store);
  timeout = self->redis_timeout;
  ttl = self->redis_ttl;
  GST_OBJECT_UNLOCK (self);
  if (url && *url) {
    self->redis_masked_url = gst_gpu_kv_redis_mask_url (url);
    redis
        = gst_gpu_kv_redis_new (url, timeout, ttl, redis_outage, self, &error);
    if (!redis)
      goto bad_url;
    GST_OBJECT_LOCK (self);
    self->redis = redis;
    GST_OBJECT_UNLOCK (self);
  }
  self->device = gst_gpu_device_handle_acquire (
      &self->device_handle, GST_ELEMENT (self), &error);
  if (!self->device)
    goto no_device;
  if (!join_cache (self))
    goto failed;
  if (self->value_size > 0) {
    table = get_table (self, self->value_size, &failed);
    if (table)
      gst_gpu_kv_table_unref (table);
    if (failed)
      goto failed;
  }
  g_free (url);
  return TRUE;

  /* ERRORS */
bad_url:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Invalid backing-store property: %s", error->message),
      ("expected redis://[:password@]host[:port][/db] or "
       "unix:///path/to/socket[?db=N]"));
  g_clear_error (&error);
  goto failed;
no_device:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Cannot place the cache table on the requested device: %s",
          error ? error->message : "unknown error"),
      ("check the `device` and `device-id` properties"));
  g_clear_error (&error);
  goto failed;
failed:
  g_free (url);
  release_resources (self);
  return FALSE;
}

/* application thread; takes the registry lock */
static GstStateChangeReturn
gst_gpu_kv_cache_change_state (GstElement *element, GstStateChange transition)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!open_resources (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      self->have_caps = FALSE;
      GST_OBJECT_LOCK (self);
      self->batches = self->items_in = self->items_hit = 0;
      self->items_missed = self->items_stored = self->items_filled = 0;
      self->items_out = self->items_dropped = self->items_failed = 0;
      self->redis_hits = 0;
      if (self->redis)
        gst_gpu_kv_redis_reset_counters (self->redis);
      GST_OBJECT_UNLOCK (self);
      if (self->stats_interval > 0)
        gst_gpu_stats_timer_start (&self->stats_timer, element,
            self->stats_interval, gst_gpu_kv_cache_make_stats);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_gpu_stats_timer_stop (&self->stats_timer);
      self->have_caps = FALSE;
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      release_resources (self);
      free_scratch (self);
      break;
    default:
      break;
  }
  return ret;
}

/* any thread: shares the CUDA context with neighbouring elements */
static void
gst_gpu_kv_cache_set_context (GstElement *element, GstContext *context)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (element);

  gst_gpu_device_handle_set_context (&self->device_handle, element, context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* any thread: answers CONTEXT queries with this element's CUDA context */
static gboolean
gst_gpu_kv_cache_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT
      && gst_gpu_device_handle_query (
          &self->device_handle, GST_ELEMENT (self), query))
    return TRUE;
  return gst_pad_query_default (pad, parent, query);
}

/* ---- caps ---- */

static gboolean
is_batch_dim_consistent (GstGpuKvCache *self)
{
  guint t;
  const GstGpuTensorInfo *i0 = &self->config.info[0];
  guint64 n = i0->dims[i0->rank - 1];

  for (t = 0; t < self->config.num_tensors; t++) {
    const GstGpuTensorInfo *ti = &self->config.info[t];
    if (ti->dims[ti->rank - 1] != n)
      return FALSE;
    self->item[t] = gst_gpu_tensor_info_get_size (ti) / n;
  }
  self->n_slots = (guint)n;
  return TRUE;
}

/* Checks a key tensor: uint64 with dims N or 1:N, or uint8 16:N. */
static gboolean
parse_key_tensor (GstGpuKvCache *self, const GstGpuTensorInfo *ti)
{
  gchar *dims = gst_gpu_tensor_info_dimensions_to_string (ti);
  gboolean ok = FALSE;

  if (ti->dtype == GST_GPU_DTYPE_UINT64
      && (ti->rank == 1 || (ti->rank == 2 && ti->dims[0] == 1))) {
    self->int_keys = TRUE;
    ok = TRUE;
  } else if (ti->dtype == GST_GPU_DTYPE_UINT8 && ti->rank == 2
             && ti->dims[0] == 16) {
    self->int_keys = FALSE;
    ok = TRUE;
  } else {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Key tensor is %s with dimensions %s; expected uint64 (N or 1:N) "
         "or uint8 16-byte keys (16:N)",
            gst_gpu_dtype_to_string (ti->dtype), dims),
        ("mode %s", self->mode == GST_GPU_KV_CACHE_MODE_GET   ? "get"
                    : self->mode == GST_GPU_KV_CACHE_MODE_PUT ? "put"
                                                              : "erase"));
  }
  g_free (dims);
  return ok;
}

/* streaming thread */
static gboolean
handle_caps (GstGpuKvCache *self, GstCaps *caps)
{
  GError *error = NULL;
  GstCaps *out_caps = NULL;
  gboolean ok = FALSE, failed;
  GstGpuKvTable *table = NULL;

  if (!gst_gpu_tensors_config_from_caps (&self->config, caps, &error)) {
    gchar *str = gst_caps_to_string (caps);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("gpukvcache needs fixed other/tensors caps: %s", error->message),
        ("caps %s", str));
    g_free (str);
    g_clear_error (&error);
    goto out;
  }
  if (!is_batch_dim_consistent (self)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The tensors' outermost (batch) dimensions differ"), (NULL));
    goto out;
  }

  switch (self->mode) {
    case GST_GPU_KV_CACHE_MODE_LOOKUP:
      ensure_scratch (self, self->n_slots, 0);
      out_caps = gst_caps_ref (caps);
      break;
    case GST_GPU_KV_CACHE_MODE_STORE: {
      gsize vs = 0;
      guint t;
      for (t = 0; t < self->config.num_tensors; t++)
        vs += self->item[t];
      if (self->value_size && self->value_size != vs) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("value-size %u does not match the %" G_GSIZE_FORMAT
             " bytes per slot of the output tensors",
                self->value_size, vs),
            (NULL));
        goto out;
      }
      table = get_table (self, (guint)vs, &failed);
      if (failed)
        goto out;
      ensure_scratch (self, self->n_slots, (guint)vs);
      out_caps = gst_caps_ref (caps);
      break;
    }
    case GST_GPU_KV_CACHE_MODE_PUT: {
      const GstGpuTensorInfo *vi = &self->config.info[1];
      gsize vs;
      if (self->config.num_tensors != 2) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("mode put needs 2 tensors (keys, values), got %u",
                self->config.num_tensors),
            (NULL));
        goto out;
      }
      if (!parse_key_tensor (self, &self->config.info[0]))
        goto out;
      vs = gst_gpu_tensor_info_get_size (vi) / self->n_slots;
      if (self->value_size && self->value_size != vs) {
        gchar *dims = gst_gpu_tensor_info_dimensions_to_string (vi);
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("Value tensor %s holds %" G_GSIZE_FORMAT " bytes per key but "
             "value-size is %u",
                dims, vs, self->value_size),
            (NULL));
        g_free (dims);
        goto out;
      }
      table = get_table (self, (guint)vs, &failed);
      if (failed)
        goto out;
      ensure_scratch (self, self->n_slots, (guint)vs);
      out_caps = gst_caps_ref (caps);
      break;
    }
    case GST_GPU_KV_CACHE_MODE_ERASE:
      if (!parse_key_tensor (self, &self->config.info[0]))
        goto out;
      ensure_scratch (self, self->n_slots, 0);
      out_caps = gst_caps_ref (caps);
      break;
    case GST_GPU_KV_CACHE_MODE_GET: {
      GstGpuTensorsConfig oc;
      guint vs;
      if (!parse_key_tensor (self, &self->config.info[0]))
        goto out;
      table = get_table (self, self->value_size, &failed);
      if (failed)
        goto out;
      if (!table) {
        GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
            ("mode get needs value-size (or a shared cache-name whose table "
             "exists)"),
            (NULL));
        goto out;
      }
      vs = gst_gpu_kv_table_get_value_size (table);
      gst_gpu_tensors_config_init (&oc);
      oc.num_tensors = 2;
      oc.info[0].dtype = GST_GPU_DTYPE_UINT8;
      oc.info[0].rank = 2;
      oc.info[0].dims[0] = vs;
      oc.info[0].dims[1] = self->n_slots;
      oc.info[1].dtype = GST_GPU_DTYPE_UINT8;
      oc.info[1].rank = 2;
      oc.info[1].dims[0] = 1;
      oc.info[1].dims[1] = self->n_slots;
      oc.fps_n = self->config.fps_n;
      oc.fps_d = self->config.fps_d;
      out_caps = gst_gpu_tensors_config_to_caps (&oc, NULL);
      ensure_scratch (self, self->n_slots, vs);
      break;
    }
  }
  ok = gst_pad_set_caps (self->srcpad, out_caps);
  self->have_caps = ok;

out:
  if (table)
    gst_gpu_kv_table_unref (table);
  if (out_caps)
    gst_caps_unref (out_caps);
  return ok;
}

/* streaming thread */
static gboolean
gst_gpu_kv_cache_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gboolean ok;
    gst_event_parse_caps (event, &caps);
    ok = handle_caps (self, caps);
    gst_event_unref (event);
    return ok;
  }
  /* what is written through is in Redis when EOS is: another pipeline
   * reading after this one ended finds it */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->redis)
    gst_gpu_kv_redis_drain (self->redis);
  return gst_pad_event_default (pad, parent, event);
}

/* ---- Redis tier ---- */

/* The Redis tier's first failure of an outage, from the thread that saw
 * it (streaming or the tier's writer): one warning per outage. */
static void
redis_outage (
    GstGpuKvRedisFailure failure, const gchar *detail, gpointer user_data)
{
  GstGpuKvCache *self = user_data;
  const gchar *url = self->redis_masked_url;
  guint timeout;

  GST_OBJECT_LOCK (self);
  timeout = self->redis_timeout;
  GST_OBJECT_UNLOCK (self);
  switch (failure) {
    case GST_GPU_KV_REDIS_FAILURE_AUTH:
      GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
          ("Redis backing store %s: authentication failed (wrong password, "
           "or the server wants one); set it with the environment variable "
           "GST_GPUSTREAM_REDIS_PASSWORD. Continuing with the local table",
              url),
          ("%s", detail));
      break;
    case GST_GPU_KV_REDIS_FAILURE_TIMEOUT:
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("Redis backing store %s did not answer within redis-timeout "
           "(%u ms); continuing with the local table and retrying with "
           "back-off",
              url, timeout),
          ("%s", detail));
      break;
    case GST_GPU_KV_REDIS_FAILURE_UNREACHABLE:
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ_WRITE,
          ("Redis backing store %s is unreachable; continuing with the "
           "local table and retrying with back-off",
              url),
          ("%s", detail));
      break;
    case GST_GPU_KV_REDIS_FAILURE_REPLY:
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("Redis backing store %s answered with an error; continuing with "
           "the local table and retrying with back-off",
              url),
          ("%s", detail));
      break;
  }
}

/* Looks the table's misses (self->idx[0..n_missed)) up in Redis, writes
 * found values at their index in @values, sets @found and promotes them
 * into @table. Returns how many were found. */
static guint
redis_read_through (GstGpuKvCache *self, GstGpuKvTable *table,
    const GstGpuKvKey *keys, guint n_missed, guint vs, guint8 *values,
    guint8 *found)
{
  guint n_found = 0, i, n_promote = 0;

  if (!self->redis || n_missed == 0)
    return 0;
  /* a failure is counted and warned about by the tier */
  gst_gpu_kv_redis_mget (
      self->redis, keys, self->idx, n_missed, vs, values, found, &n_found);
  if (n_found == 0)
    return 0;
  /* promote: pack the found keys and values */
  for (i = 0; i < n_missed; i++) {
    guint32 s = self->idx[i];
    if (!found[s])
      continue;
    self->pkeys[n_promote] = keys[s];
    memcpy (self->pvalues + (gsize)n_promote * vs, values + (gsize)s * vs, vs);
    n_promote++;
  }
  gst_gpu_kv_table_insert_or_assign (
      table, self->pkeys, n_promote, self->pvalues, NULL);
  GST_OBJECT_LOCK (self);
  self->redis_hits += n_found;
  GST_OBJECT_UNLOCK (self);
  return n_found;
}

/* Queued for the tier's writer thread: never waits for Redis. */
static void
redis_write_through (GstGpuKvCache *self, const GstGpuKvKey *keys,
    const guint32 *idx, guint n, guint vs, const guint8 *values)
{
  if (self->redis)
    gst_gpu_kv_redis_queue_set (self->redis, keys, idx, n, vs, values);
}

/* ---- streaming ---- */

static GstGpuKvTable *
current_table (GstGpuKvCache *self)
{
  GstGpuKvTable *table = NULL;

  g_mutex_lock (&registry_lock);
  if (self->entry->table)
    table = gst_gpu_kv_table_ref (self->entry->table);
  g_mutex_unlock (&registry_lock);
  return table;
}

static gboolean
check_batch_meta (GstGpuKvCache *self, GstGpuBatchMeta *bmeta)
{
  if (bmeta
      && (bmeta->n_slots != self->n_slots || bmeta->n_valid > bmeta->n_slots)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Batch meta says %u valid of %u slots but the caps' batch "
         "dimension is %u",
            bmeta->n_valid, bmeta->n_slots, self->n_slots),
        (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
slot_is_live (GstGpuBatchMeta *bmeta, guint s)
{
  if (!bmeta)
    return TRUE;
  return s < bmeta->n_valid && bmeta->slots[s].status == GST_GPU_SLOT_STATUS_OK;
}

/* Content key of slot @s: the slot's bytes of every tensor. */
static GstGpuKvKey
slot_key (GstGpuKvCache *self, const guint8 *data, guint s)
{
  GstGpuKvKey parts[GST_GPU_TENSORS_LIMIT];
  gsize off = 0;
  guint t;

  if (self->config.num_tensors == 1)
    return gst_gpu_kv_key_from_content (
        data + s * self->item[0], self->item[0]);
  for (t = 0; t < self->config.num_tensors; t++) {
    parts[t] = gst_gpu_kv_key_from_content (
        data + off + s * self->item[t], self->item[t]);
    off += self->item[t] * self->n_slots;
  }
  return gst_gpu_kv_key_from_content (
      parts, self->config.num_tensors * sizeof (GstGpuKvKey));
}

static GstFlowReturn
do_lookup (GstGpuKvCache *self, GstBuffer *buf, GstBuffer **out)
{
  GstGpuBatchMeta *bmeta;
  GstGpuKvCacheMeta *cmeta, *given;
  GstGpuKvTable *table = NULL;
  GstMapInfo map;
  guint vs, n_keyed = 0, n_hit = 0, n_missed = 0, i, s;
  GstFlowReturn flow = GST_FLOW_OK;

  buf = gst_buffer_make_writable (buf);
  bmeta = gst_buffer_get_gpu_batch_meta (buf);
  if (!check_batch_meta (self, bmeta)) {
    flow = GST_FLOW_ERROR;
    goto out;
  }
  given = gst_buffer_get_gpu_kv_cache_meta (buf);
  if (given && given->n_slots != self->n_slots) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The GstGpuKvCacheMeta on the input batch keys %u slots but the "
         "caps' batch dimension is %u",
            given->n_slots, self->n_slots),
        (NULL));
    flow = GST_FLOW_ERROR;
    goto out;
  }
  table = current_table (self);
  vs = table ? gst_gpu_kv_table_get_value_size (table) : 0;
  /* grows once, when the shared table first appears */
  ensure_scratch (self, self->n_slots, vs);
  cmeta = gst_buffer_add_gpu_kv_cache_meta (buf, self->n_slots, vs);
  if (given) {
    /* keys given upstream replace content keys for their slots */
    memcpy (cmeta->keyed, given->keyed, self->n_slots);
    memcpy (cmeta->keys, given->keys, self->n_slots * sizeof (GstGpuKvKey));
    gst_buffer_remove_meta (buf, (GstMeta *)given);
  }

  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, READ, ("Cannot map the input batch"), (NULL));
    flow = GST_FLOW_ERROR;
    goto out;
  }
  for (s = 0; s < self->n_slots; s++) {
    gboolean has_key = cmeta->keyed[s];

    cmeta->keyed[s] = slot_is_live (bmeta, s);
    if (!cmeta->keyed[s])
      continue;
    if (!has_key)
      cmeta->keys[s] = slot_key (self, map.data, s);
    n_keyed++;
  }
  gst_buffer_unmap (buf, &map);

  if (table && n_keyed > 0) {
    /* compact the keyed slots, find them, then scatter the results */
    guint n = 0;
    for (s = 0; s < self->n_slots; s++)
      if (cmeta->keyed[s])
        self->keys[n++] = cmeta->keys[s];
    memset (self->found, 0, n);
    gst_gpu_kv_table_find (
        table, self->keys, n, self->values, self->found, self->idx, &n_missed);
    /* idx holds compact indices, like keys and values */
    redis_read_through (
        self, table, self->keys, n_missed, vs, self->values, self->found);
    i = 0;
    for (s = 0; s < self->n_slots; s++) {
      if (!cmeta->keyed[s])
        continue;
      if (self->found[i]) {
        cmeta->hit[s] = 1;
        memcpy (
            cmeta->values + (gsize)s * vs, self->values + (gsize)i * vs, vs);
        if (bmeta)
          bmeta->slots[s].status = GST_GPU_SLOT_STATUS_CACHE_HIT;
        n_hit++;
      }
      i++;
    }
  }

  GST_OBJECT_LOCK (self);
  self->batches++;
  self->items_hit += n_hit;
  self->items_missed += n_keyed - n_hit;
  GST_OBJECT_UNLOCK (self);

out:
  if (table)
    gst_gpu_kv_table_unref (table);
  *out = buf;
  return flow;
}

/* Copies slot @s of the tensors in @data to/from @value (the slot's bytes
 * of every tensor back to back). */
static void
slot_gather (GstGpuKvCache *self, const guint8 *data, guint s, guint8 *value)
{
  gsize off = 0;
  guint t;

  for (t = 0; t < self->config.num_tensors; t++) {
    memcpy (value, data + off + s * self->item[t], self->item[t]);
    value += self->item[t];
    off += self->item[t] * self->n_slots;
  }
}

static void
slot_scatter (GstGpuKvCache *self, guint8 *data, guint s, const guint8 *value)
{
  gsize off = 0;
  guint t;

  for (t = 0; t < self->config.num_tensors; t++) {
    memcpy (data + off + s * self->item[t], value, self->item[t]);
    value += self->item[t];
    off += self->item[t] * self->n_slots;
  }
}

static GstFlowReturn
do_store (GstGpuKvCache *self, GstBuffer *buf, GstBuffer **out)
{
  GstGpuBatchMeta *bmeta;
  GstGpuKvCacheMeta *cmeta;
  GstGpuKvTable *table = NULL;
  GstMapInfo map;
  guint vs, n = 0, n_filled = 0, s;
  GstFlowReturn flow = GST_FLOW_OK;

  buf = gst_buffer_make_writable (buf);
  bmeta = gst_buffer_get_gpu_batch_meta (buf);
  cmeta = gst_buffer_get_gpu_kv_cache_meta (buf);
  if (!check_batch_meta (self, bmeta)) {
    flow = GST_FLOW_ERROR;
    goto out;
  }
  if (!cmeta) {
    GST_LOG_OBJECT (self, "no keys from a lookup element: passing through");
    goto out;
  }
  table = current_table (self);
  vs = table ? gst_gpu_kv_table_get_value_size (table) : 0;
  if (cmeta->n_slots != self->n_slots
      || (cmeta->value_size != 0 && cmeta->value_size != vs)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The lookup element keyed %u slots of %u-byte values but this "
         "store element has %u slots of %u bytes",
            cmeta->n_slots, cmeta->value_size, self->n_slots, vs),
        ("use the same cache-name and batch size for lookup and store"));
    flow = GST_FLOW_ERROR;
    goto out;
  }
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, WRITE, ("Cannot map the output batch"), (NULL));
    flow = GST_FLOW_ERROR;
    goto out;
  }
  for (s = 0; s < self->n_slots; s++) {
    if (!cmeta->keyed[s])
      continue;
    if (cmeta->hit[s]) {
      slot_scatter (self, map.data, s, cmeta->values + (gsize)s * vs);
      if (bmeta && s < bmeta->n_valid
          && bmeta->slots[s].status == GST_GPU_SLOT_STATUS_CACHE_HIT)
        bmeta->slots[s].status = GST_GPU_SLOT_STATUS_OK;
      n_filled++;
    } else if (slot_is_live (bmeta, s)) {
      /* computed by the element in between (a failed slot is not stored) */
      self->pkeys[n] = cmeta->keys[s];
      slot_gather (self, map.data, s, self->pvalues + (gsize)n * vs);
      self->idx[n] = n;
      n++;
    }
  }
  gst_buffer_unmap (buf, &map);
  if (table && n > 0) {
    gst_gpu_kv_table_insert_or_assign (
        table, self->pkeys, n, self->pvalues, NULL);
    redis_write_through (self, self->pkeys, self->idx, n, vs, self->pvalues);
  }
  GST_OBJECT_LOCK (self);
  self->batches++;
  self->items_stored += n;
  self->items_filled += n_filled;
  GST_OBJECT_UNLOCK (self);

out:
  if (cmeta)
    gst_buffer_remove_meta (buf, (GstMeta *)cmeta);
  if (table)
    gst_gpu_kv_table_unref (table);
  *out = buf;
  return flow;
}

/* Keys of the first @n slots of the key tensor at @data. */
static void
read_keys (GstGpuKvCache *self, const guint8 *data, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    if (self->int_keys) {
      guint64 v;
      memcpy (&v, data + (gsize)i * 8, 8);
      self->keys[i] = gst_gpu_kv_key_from_uint64 (v);
    } else {
      GstGpuKvKey k;
      memcpy (&k, data + (gsize)i * 16, 16);
      /* caller keys live in the content key space */
      k.hi &= GST_GPU_KV_CONTENT_HI_MASK;
      self->keys[i] = k;
    }
  }
}

static GstFlowReturn
do_keyed (GstGpuKvCache *self, GstBuffer *buf, GstBuffer **out)
{
  GstGpuBatchMeta *bmeta = gst_buffer_get_gpu_batch_meta (buf);
  GstGpuKvTable *table = NULL;
  GstBuffer *outbuf = NULL;
  GstMapInfo map, omap;
  guint n, vs = 0, n_hit = 0, n_missed = 0, i;
  gboolean failed;
  GstFlowReturn flow = GST_FLOW_OK;

  if (!check_batch_meta (self, bmeta)) {
    flow = GST_FLOW_ERROR;
    goto out;
  }
  n = bmeta ? bmeta->n_valid : self->n_slots;
  table = get_table (self, 0, &failed);
  if (!table) {
    /* erase before anything was stored: nothing to do */
    if (self->mode == GST_GPU_KV_CACHE_MODE_ERASE)
      goto out;
    flow = GST_FLOW_ERROR;
    GST_ELEMENT_ERROR (
        self, STREAM, FAILED, ("The cache table is gone"), (NULL));
    goto out;
  }
  vs = gst_gpu_kv_table_get_value_size (table);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, READ, ("Cannot map the key batch"), (NULL));
    flow = GST_FLOW_ERROR;
    goto out;
  }
  read_keys (self, map.data, n);

  switch (self->mode) {
    case GST_GPU_KV_CACHE_MODE_GET: {
      gsize vbytes = (gsize)self->n_slots * vs;
      outbuf = gst_buffer_new_allocate (NULL, vbytes + self->n_slots, NULL);
      gst_buffer_map (outbuf, &omap, GST_MAP_WRITE);
      memset (omap.data, 0, omap.size);
      n_hit = gst_gpu_kv_table_find (table, self->keys, n, omap.data,
          omap.data + vbytes, self->idx, &n_missed);
      n_hit += redis_read_through (
          self, table, self->keys, n_missed, vs, omap.data, omap.data + vbytes);
      gst_buffer_unmap (outbuf, &omap);
      /* two memories, one per output tensor */
      {
        GstMemory *all = gst_buffer_get_all_memory (outbuf);
        gst_buffer_remove_all_memory (outbuf);
        gst_buffer_append_memory (outbuf, gst_memory_share (all, 0, vbytes));
        gst_buffer_append_memory (
            outbuf, gst_memory_share (all, vbytes, self->n_slots));
        gst_memory_unref (all);
      }
      gst_buffer_copy_into (outbuf, buf,
          GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS
              | GST_BUFFER_COPY_METADATA,
          0, -1);
      break;
    }
    case GST_GPU_KV_CACHE_MODE_PUT: {
      const guint8 *v = map.data + self->item[0] * self->n_slots;
      gst_gpu_kv_table_insert_or_assign (table, self->keys, n, v, NULL);
      for (i = 0; i < n; i++)
        self->idx[i] = i;
      redis_write_through (self, self->keys, self->idx, n, vs, v);
      break;
    }
    case GST_GPU_KV_CACHE_MODE_ERASE:
      n_hit = gst_gpu_kv_table_erase (table, self->keys, n, NULL);
      break;
    default:
      break;
  }
  gst_buffer_unmap (buf, &map);
  GST_OBJECT_LOCK (self);
  self->batches++;
  if (self->mode == GST_GPU_KV_CACHE_MODE_GET) {
    self->items_hit += n_hit;
    self->items_missed += n - n_hit;
  } else if (self->mode == GST_GPU_KV_CACHE_MODE_PUT) {
    self->items_stored += n;
  }
  GST_OBJECT_UNLOCK (self);

out:
  if (table)
    gst_gpu_kv_table_unref (table);
  if (outbuf) {
    gst_buffer_unref (buf);
    *out = outbuf;
  } else {
    *out = buf;
  }
  return flow;
}

/* Items in @buf: the batch meta's valid slots, else every slot (before
 * caps, one). */
static guint64
batch_items (GstGpuKvCache *self, GstBuffer *buf)
{
  GstGpuBatchMeta *bmeta = gst_buffer_get_gpu_batch_meta (buf);

  if (bmeta)
    return MIN (bmeta->n_valid, bmeta->n_slots);
  return self->have_caps ? self->n_slots : 1;
}

/* streaming thread; table locks inside the table, object lock for
 * counters */
static GstFlowReturn
gst_gpu_kv_cache_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstGpuKvCache *self = GST_GPU_KV_CACHE (parent);
  GstBuffer *out = NULL;
  GstFlowReturn flow;
  guint64 n_items = batch_items (self, buf);

  GST_OBJECT_LOCK (self);
  self->items_in += n_items;
  GST_OBJECT_UNLOCK (self);
  if (!self->have_caps) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("gpukvcache received data before other/tensors caps"), (NULL));
    gst_buffer_unref (buf);
    flow = GST_FLOW_NOT_NEGOTIATED;
    goto failed;
  }
  switch (self->mode) {
    case GST_GPU_KV_CACHE_MODE_LOOKUP:
      flow = do_lookup (self, buf, &out);
      break;
    case GST_GPU_KV_CACHE_MODE_STORE:
      flow = do_store (self, buf, &out);
      break;
    default:
      flow = do_keyed (self, buf, &out);
      break;
  }
  if (flow != GST_FLOW_OK) {
    gst_buffer_unref (out);
    goto failed;
  }
  flow = gst_pad_push (self->srcpad, out);
  GST_OBJECT_LOCK (self);
  if (flow == GST_FLOW_OK)
    self->items_out += n_items;
  else
    self->items_dropped += n_items;
  GST_OBJECT_UNLOCK (self);
  return flow;

failed:
  GST_OBJECT_LOCK (self);
  self->items_failed += n_items;
  GST_OBJECT_UNLOCK (self);
  return flow;
}
