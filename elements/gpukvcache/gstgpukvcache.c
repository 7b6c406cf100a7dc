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
 *
 * This file is the element; the modes are in gstgpukvcachememo.c (lookup,
 * store) and gstgpukvcachestream.c (get, put, erase), the shared tables in
 * gstgpukvcacheregistry.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpukvcacheprivate.h"
#include "gst/gstgpustreamelements.h"

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


/* ---- what the modes share ---- */

GstGpuKvTable *
gst_gpu_kv_cache_get_table (
    GstGpuKvCache *self, guint value_size, gboolean *failed)
{
  GstGpuKvTableConfig config;
  GstGpuKvTable *table;
  GError *error = NULL;

  gst_gpu_kv_table_config_init (&config);
  config.capacity = self->capacity;
  config.max_bytes = self->max_bytes;
  config.value_size = value_size;
  config.eviction = self->eviction;
  config.ttl = self->ttl;
  config.device = GST_OBJECT (self->device);
  table = gst_gpu_kv_cache_entry_ensure_table (
      self->entry, &config, GST_OBJECT_NAME (self), &error);
  *failed = error != NULL;
  if (g_error_matches (error, GST_GPU_KV_CACHE_REGISTRY_ERROR,
          GST_GPU_KV_CACHE_REGISTRY_ERROR_VALUE_SIZE))
    goto wrong_value_size;
  if (error)
    goto no_table;
  return table;

  /* ERRORS */
wrong_value_size:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("Elements sharing cache-name '%s' must have the same value-size and "
       "output shape",
          gst_gpu_kv_cache_entry_get_name (self->entry)),
      ("%s", error->message));
  g_clear_error (&error);
  return NULL;
no_table:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Could not create the cache table; check the capacity, max-bytes and "
       "value-size properties"),
      ("%s (capacity %" G_GUINT64_FORMAT ", max-bytes %" G_GUINT64_FORMAT
       ", value-size %u, device %s)",
          error->message, self->capacity, self->max_bytes, value_size,
          gst_gpu_device_get_name (self->device)));
  g_clear_error (&error);
  return NULL;
}

gboolean
gst_gpu_kv_cache_prepare_values (GstGpuKvCache *self, guint value_size)
{
  GstGpuKvTable *table;
  gboolean failed;

  table = gst_gpu_kv_cache_get_table (self, value_size, &failed);
  if (failed)
    return FALSE;
  g_clear_pointer (&table, gst_gpu_kv_table_unref);
  gst_gpu_kv_cache_ensure_scratch (self, self->n_slots, value_size);
  return TRUE;
}

void
gst_gpu_kv_cache_ensure_scratch (
    GstGpuKvCache *self, guint n_slots, guint value_size)
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

gboolean
gst_gpu_kv_cache_check_batch_meta (GstGpuKvCache *self, GstGpuBatchMeta *bmeta)
{
  if (bmeta
      && (bmeta->n_slots != self->n_slots || bmeta->n_valid > bmeta->n_slots))
    goto wrong_batch_meta;
  return TRUE;

  /* ERRORS */
wrong_batch_meta:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The input batch does not match its caps"),
      ("Batch meta says %u valid of %u slots but the caps' batch dimension "
       "is %u",
          bmeta->n_valid, bmeta->n_slots, self->n_slots));
  return FALSE;
}

/* ---- pads ---- */

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

  if (gst_gpu_device_handle_query (
          &self->device_handle, GST_ELEMENT (self), query))
    return TRUE;
  return gst_pad_query_default (pad, parent, query);
}

/* Sizes of the batch: its dimension N (the tensors' outermost, the same
 * in every tensor) and the bytes per slot of each tensor. */
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

/* streaming thread */
static gboolean
handle_caps (GstGpuKvCache *self, GstCaps *caps)
{
  GError *error = NULL;
  GstCaps *out_caps;
  gchar *str;

  if (!gst_gpu_tensors_config_from_caps (&self->config, caps, &error))
    goto not_tensors;
  if (!is_batch_dim_consistent (self))
    goto batch_dims_differ;
  if (self->mode == GST_GPU_KV_CACHE_MODE_LOOKUP
      || self->mode == GST_GPU_KV_CACHE_MODE_STORE)
    out_caps = gst_gpu_kv_cache_memo_set_caps (self, caps);
  else
    out_caps = gst_gpu_kv_cache_stream_set_caps (self, caps);
  if (!out_caps)
    return FALSE;
  self->have_caps = gst_pad_set_caps (self->srcpad, out_caps);
  gst_caps_unref (out_caps);
  return self->have_caps;

  /* ERRORS */
not_tensors:
  str = gst_caps_to_string (caps);
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("gpukvcache needs fixed other/tensors caps: %s", error->message),
      ("caps %s", str));
  g_free (str);
  g_clear_error (&error);
  return FALSE;
batch_dims_differ:
  str = gst_caps_to_string (caps);
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The input tensors' outermost (batch) dimensions differ"),
      ("caps %s", str));
  g_free (str);
  return FALSE;
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
  if (!self->have_caps)
    goto not_negotiated;
  if (self->mode == GST_GPU_KV_CACHE_MODE_LOOKUP
      || self->mode == GST_GPU_KV_CACHE_MODE_STORE)
    flow = gst_gpu_kv_cache_memo_process (self, buf, &out);
  else
    flow = gst_gpu_kv_cache_stream_process (self, buf, &out);
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

  /* ERRORS */
not_negotiated:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("gpukvcache received data before other/tensors caps"),
      ("buffer %" GST_PTR_FORMAT, buf));
  gst_buffer_unref (buf);
  flow = GST_FLOW_NOT_NEGOTIATED;
  goto failed;
failed:
  GST_OBJECT_LOCK (self);
  self->items_failed += n_items;
  GST_OBJECT_UNLOCK (self);
  return flow;
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
  if (self->entry)
    table = gst_gpu_kv_cache_entry_get_table (self->entry);
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

  g_clear_pointer (&self->entry, gst_gpu_kv_cache_registry_leave);
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
  gchar *url, *name;
  guint timeout, ttl;
  gboolean failed;

  GST_OBJECT_LOCK (self);
  url = g_strdup (self->backing_store);
  name = self->cache_name && *self->cache_name ? g_strdup (self->cache_name)
                                               : NULL;
  timeout = self->redis_timeout;
  ttl = self->redis_ttl;
  GST_OBJECT_UNLOCK (self);
  if (url && *url) {
    self->redis_masked_url = gst_gpu_redis_mask_url (url);
    redis = gst_gpu_kv_redis_new (
        url, timeout, ttl, gst_gpu_kv_cache_redis_outage, self, &error);
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
  if (self->capacity == 0 && self->max_bytes == 0)
    goto no_size;
  self->entry = gst_gpu_kv_cache_registry_join (
      name, self->capacity, self->max_bytes, GST_OBJECT_NAME (self), &error);
  if (!self->entry)
    goto shared_size_differs;
  if (self->value_size > 0) {
    table = gst_gpu_kv_cache_get_table (self, self->value_size, &failed);
    g_clear_pointer (&table, gst_gpu_kv_table_unref);
    if (failed)
      goto failed;
  }
  g_free (url);
  g_free (name);
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
      ("Could not place the cache table on the requested device: %s",
          error ? error->message : "unknown error"),
      ("check the `device` and `device-id` properties"));
  g_clear_error (&error);
  goto failed;
no_size:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("The capacity and max-bytes properties are both 0; set one of them"),
      ("capacity %" G_GUINT64_FORMAT ", max-bytes %" G_GUINT64_FORMAT,
          self->capacity, self->max_bytes));
  goto failed;
shared_size_differs:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Elements sharing cache-name '%s' must have the same capacity and "
       "max-bytes",
          name),
      ("%s", error->message));
  g_clear_error (&error);
  goto failed;
failed:
  g_free (url);
  g_free (name);
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
