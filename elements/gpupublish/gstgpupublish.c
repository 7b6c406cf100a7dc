/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-gpupublish
 * @title: gpupublish
 *
 * Publishes the decoded results of each batch as JSON, one object per valid
 * slot, and passes the batches through unchanged. Each object holds the
 * slot's source (N of gpubatch's sink_N), pts (ns), original frame width
 * and height, status, and its results from the batch's GstGpuResultsMeta:
 * label, class_id, confidence, a box in original frame pixels (boxes only)
 * and keypoints.
 *
 * The objects go to any of: a file of JSON lines (`location`, truncated at
 * start unless `append`), element messages on the bus (`messages`), and a
 * Redis stream (`redis-address`, `redis-stream`: one XADD per object, with
 * fields `json` and `source`, trimmed with MAXLEN ~ `redis-maxlen`). Redis
 * is written from a thread of its own behind a circuit breaker shared with
 * gpukvcache's Redis tier: an unreachable or slow server never stalls or
 * fails the pipeline; what could not be written is counted in `stats`.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 gpubatch name=b keep-frames=true ! gpuinfer model=m.onnx \
 *   ! gpudecode ! gpupublish location=results.jsonl \
 *   redis-address=localhost:6379 redis-stream=faces ! fakesink \
 *   videotestsrc num-buffers=10 ! b.sink_0
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpupublish/gstgpupublish.h"

#include "elements/gpukvcache/gstgpuredislink.h"
#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpuresultsmeta.h"
#include "gst/gstgpustats.h"

#include <errno.h>
#include <gst/base/gstbasetransform.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_gpu_publish_debug);
#define GST_CAT_DEFAULT gst_gpu_publish_debug

#define DEFAULT_LOCATION NULL
#define DEFAULT_APPEND FALSE
#define DEFAULT_MESSAGES FALSE
#define DEFAULT_REDIS_ADDRESS NULL
#define DEFAULT_REDIS_STREAM "gpustream-results"
#define DEFAULT_REDIS_MAXLEN 10000
#define DEFAULT_REDIS_TIMEOUT 100
#define DEFAULT_STATS_INTERVAL 0

/* Objects the Redis queue holds at most; more are dropped and counted. */
#define REDIS_MAX_QUEUED 4096

/* Name of the structure of each item's element message. */
#define RESULT_MESSAGE_NAME "gpupublish-result"

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_APPEND,
  PROP_MESSAGES,
  PROP_REDIS_ADDRESS,
  PROP_REDIS_STREAM,
  PROP_REDIS_MAXLEN,
  PROP_REDIS_TIMEOUT,
  PROP_STATS,
  PROP_STATS_INTERVAL,
};

/* The objects of one batch for the Redis writer thread. */
typedef struct
{
  guint n;
  gchar **json;     /* n objects */
  guint *source;    /* n pad indexes */
  gchar *stream;    /* key */
  gchar maxlen[24]; /* "" for no MAXLEN */
} RedisJob;

struct _GstGpuPublish
{
  GstBaseTransform parent;

  /* properties; object lock */
  gchar *location;
  gboolean append;
  gboolean messages;
  gchar *redis_address;
  gchar *redis_stream;
  guint redis_maxlen;
  guint redis_timeout;
  GstClockTime stats_interval;

  /* from NULL->READY to READY->NULL */
  FILE *file;
  GstGpuRedisLink *redis;
  gchar *redis_masked_url; /* for warnings, from the writer thread */
  GstGpuStatsTimer stats_timer;

  /* counters; object lock */
  guint64 batches;
  guint64 items_in;
  guint64 lines;
  guint64 messages_posted;
  gboolean warned_no_meta;

  /* streaming thread only */
  JsonGenerator *generator;
};

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("other/tensors; other/tensors(ANY)"));
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("other/tensors; other/tensors(ANY)"));

G_DEFINE_TYPE (GstGpuPublish, gst_gpu_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpupublish, "gpupublish", GST_RANK_NONE,
    GST_TYPE_GPU_PUBLISH,
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_publish_debug, "gpupublish", 0, "publishes results"));

static void gst_gpu_publish_finalize (GObject *object);
static void gst_gpu_publish_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_publish_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_gpu_publish_change_state (
    GstElement *element, GstStateChange transition);
static gboolean gst_gpu_publish_sink_event (
    GstBaseTransform *trans, GstEvent *event);
static GstFlowReturn gst_gpu_publish_transform_ip (
    GstBaseTransform *trans, GstBuffer *buf);
static GstStructure *gst_gpu_publish_make_stats (GstElement *element);

static void
gst_gpu_publish_class_init (GstGpuPublishClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw_ready
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->finalize = gst_gpu_publish_finalize;
  gobject_class->set_property = gst_gpu_publish_set_property;
  gobject_class->get_property = gst_gpu_publish_get_property;

  /**
   * GstGpuPublish:location:
   *
   * File the JSON lines are written to, one object per valid slot; NULL
   * (default) for none.
   */
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "File to write the results to as JSON lines, one object per "
          "valid batch slot (default: none)",
          DEFAULT_LOCATION, rw_ready));
  /**
   * GstGpuPublish:append:
   *
   * Append to `location` instead of truncating it when the element starts.
   * Default FALSE.
   */
  g_object_class_install_property (gobject_class, PROP_APPEND,
      g_param_spec_boolean ("append", "Append",
          "Append to location instead of truncating it at start "
          "(default: false)",
          DEFAULT_APPEND, rw_ready));
  /**
   * GstGpuPublish:messages:
   *
   * Post one element message "gpupublish-result" per valid slot, whose
   * structure holds the JSON object (`json`) and its main fields. Default
   * FALSE.
   */
  g_object_class_install_property (gobject_class, PROP_MESSAGES,
      g_param_spec_boolean ("messages", "Messages",
          "Post one element message \"" RESULT_MESSAGE_NAME
          "\" per valid batch slot with fields json (the object), source, "
          "pts, width, height, status and n-results (default: false)",
          DEFAULT_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstGpuPublish:redis-address:
   *
   * Redis server to XADD the objects to: host[:port] (port default 6379),
   * redis://[:password@]host[:port][/db], a socket path /path/to/redis.sock
   * or unix:///path/to/redis.sock[?db=N]. NULL (default) for none.
   */
  g_object_class_install_property (gobject_class, PROP_REDIS_ADDRESS,
      g_param_spec_string ("redis-address", "Redis address",
          "Redis server to add the objects to as stream entries: host[:port] "
          "(port 1-65535, default 6379), redis://host[:port][/db] (db 0-15, "
          "default 0), /path/to/redis.sock or "
          "unix:///path/to/redis.sock[?db=N]; give a password in the "
          "environment variable GST_GPUSTREAM_REDIS_PASSWORD "
          "(default: none)",
          DEFAULT_REDIS_ADDRESS, rw_ready));
  /**
   * GstGpuPublish:redis-stream:
   *
   * Key of the Redis stream. Default "gpustream-results".
   */
  g_object_class_install_property (gobject_class, PROP_REDIS_STREAM,
      g_param_spec_string ("redis-stream", "Redis stream",
          "Key of the Redis stream the objects are added to, with fields "
          "json and source (default: \"" DEFAULT_REDIS_STREAM "\")",
          DEFAULT_REDIS_STREAM, rw_ready));
  /**
   * GstGpuPublish:redis-maxlen:
   *
   * Entries the stream keeps, about (XADD MAXLEN ~); 0 keeps all. Default
   * 10000.
   */
  g_object_class_install_property (gobject_class, PROP_REDIS_MAXLEN,
      g_param_spec_uint ("redis-maxlen", "Redis stream length",
          "Entries the Redis stream keeps, approximately (XADD MAXLEN ~ N); "
          "0 keeps all (default: 10000)",
          0, G_MAXUINT, DEFAULT_REDIS_MAXLEN, rw_ready));
  /**
   * GstGpuPublish:redis-timeout:
   *
   * Connect and command timeout in milliseconds. Default 100.
   */
  g_object_class_install_property (gobject_class, PROP_REDIS_TIMEOUT,
      g_param_spec_uint ("redis-timeout", "Redis timeout",
          "Redis connect and command timeout in milliseconds (1-60000; "
          "default: 100)",
          1, 60000, DEFAULT_REDIS_TIMEOUT, rw_ready));
  /**
   * GstGpuPublish:stats:
   *
   * batches, items-in (valid slots published), lines (written to
   * location), messages (posted), redis-published (entries added),
   * redis-failed (not added: server down, error reply or queue full),
   * redis-pending (queued), redis-reconnects (connections made after the
   * first), redis-connected (the last round trip succeeded).
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "batches, items-in (valid slots published), lines (written to "
          "location), messages (posted), redis-published (stream entries "
          "added), redis-failed (not added: server down, error reply or "
          "queue full), redis-pending (queued), redis-reconnects "
          "(connections after the first), redis-connected (the last round "
          "trip succeeded)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  gst_gpu_stats_install_interval_property (gobject_class, PROP_STATS_INTERVAL);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Result publisher",
      "Filter/Metadata",
      "Publishes the decoded results of each batch item as JSON lines, "
      "messages or a Redis stream",
      "gst-gpustream");

  element_class->change_state = gst_gpu_publish_change_state;
  trans_class->sink_event = gst_gpu_publish_sink_event;
  trans_class->transform_ip = gst_gpu_publish_transform_ip;
  trans_class->transform_ip_on_passthrough = TRUE;
}

static void
gst_gpu_publish_init (GstGpuPublish *self)
{
  self->append = DEFAULT_APPEND;
  self->messages = DEFAULT_MESSAGES;
  self->redis_stream = g_strdup (DEFAULT_REDIS_STREAM);
  self->redis_maxlen = DEFAULT_REDIS_MAXLEN;
  self->redis_timeout = DEFAULT_REDIS_TIMEOUT;
  self->stats_interval = DEFAULT_STATS_INTERVAL;
  self->generator = json_generator_new ();
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_gpu_publish_finalize (GObject *object)
{
  GstGpuPublish *self = GST_GPU_PUBLISH (object);

  g_free (self->location);
  g_free (self->redis_address);
  g_free (self->redis_stream);
  g_clear_object (&self->generator);
  G_OBJECT_CLASS (gst_gpu_publish_parent_class)->finalize (object);
}

/* ---- Redis ---- */

static void
redis_job_free (gpointer data)
{
  RedisJob *job = data;
  guint i;

  for (i = 0; i < job->n; i++)
    g_free (job->json[i]);
  g_free (job->json);
  g_free (job->source);
  g_free (job->stream);
  g_free (job);
}

/* The link's writer thread: one XADD per object. */
static gint
redis_append_xadd (redisContext *c, gpointer data)
{
  const RedisJob *job = data;
  guint i;

  for (i = 0; i < job->n; i++) {
    const char *argv[10];
    size_t argvlen[10];
    gchar source[16];
    int k, argc = 0;

    g_snprintf (source, sizeof (source), "%u", job->source[i]);
    argv[argc++] = "XADD";
    argv[argc++] = job->stream;
    if (job->maxlen[0]) {
      argv[argc++] = "MAXLEN";
      argv[argc++] = "~";
      argv[argc++] = job->maxlen;
    }
    argv[argc++] = "*";
    argv[argc++] = "json";
    argv[argc++] = job->json[i];
    argv[argc++] = "source";
    argv[argc++] = source;
    for (k = 0; k < argc; k++)
      argvlen[k] = strlen (argv[k]);
    if (redisAppendCommandArgv (c, argc, argv, argvlen) != REDIS_OK)
      return -1;
  }
  return (gint)job->n;
}

/* The first failure of an outage, from the writer thread: one warning. */
static void
redis_outage (GstGpuRedisFailure failure, const gchar *detail, gpointer data)
{
  GstGpuPublish *self = data;
  const gchar *why;

  switch (failure) {
    case GST_GPU_REDIS_FAILURE_AUTH:
      why = "refused the password (set it with the environment variable "
            "GST_GPUSTREAM_REDIS_PASSWORD)";
      break;
    case GST_GPU_REDIS_FAILURE_TIMEOUT:
      why = "did not answer within redis-timeout";
      break;
    case GST_GPU_REDIS_FAILURE_UNREACHABLE:
      why = "is unreachable";
      break;
    default:
      why = "answered with an error";
      break;
  }
  GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
      ("Redis server %s %s; results not added to the stream are counted in "
       "stats (redis-failed), retrying with back-off",
          self->redis_masked_url, why),
      ("%s", detail));
}

/* ---- JSON ---- */

/* One result as a JSON object member of the array being built. */
static void
add_result (JsonBuilder *b, const GstGpuResult *r)
{
  gchar *label = gst_gpu_result_dup_label (r);
  guint k;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label);
  json_builder_set_member_name (b, "class_id");
  json_builder_add_int_value (b, r->class_id);
  json_builder_set_member_name (b, "confidence");
  json_builder_add_double_value (b, r->confidence);
  if (r->kind == GST_GPU_RESULT_BOX) {
    json_builder_set_member_name (b, "box");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "x");
    json_builder_add_double_value (b, r->x);
    json_builder_set_member_name (b, "y");
    json_builder_add_double_value (b, r->y);
    json_builder_set_member_name (b, "width");
    json_builder_add_double_value (b, r->width);
    json_builder_set_member_name (b, "height");
    json_builder_add_double_value (b, r->height);
    json_builder_end_object (b);
  }
  if (r->n_keypoints > 0) {
    json_builder_set_member_name (b, "keypoints");
    json_builder_begin_array (b);
    for (k = 0; k < MIN (r->n_keypoints, GST_GPU_RESULT_MAX_KEYPOINTS); k++) {
      json_builder_begin_array (b);
      json_builder_add_double_value (b, r->keypoints[2 * k]);
      json_builder_add_double_value (b, r->keypoints[2 * k + 1]);
      json_builder_end_array (b);
    }
    json_builder_end_array (b);
  }
  json_builder_end_object (b);
  g_free (label);
}

/* Returns: (transfer full): the JSON text of @slot and its @n results. */
static gchar *
slot_to_json (GstGpuPublish *self, const GstGpuBatchSlot *slot,
    const GstGpuResult *results, guint n)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  gchar *text;
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "source");
  json_builder_add_int_value (b, slot->pad_index);
  json_builder_set_member_name (b, "pts");
  if (GST_CLOCK_TIME_IS_VALID (slot->pts))
    json_builder_add_int_value (b, (gint64)slot->pts);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, slot->width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, slot->height);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (
      b, gst_gpu_slot_status_to_string (slot->status));
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (i = 0; i < n; i++)
    add_result (b, &results[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (self->generator, root);
  text = json_generator_to_data (self->generator, NULL);
  json_node_unref (root);
  g_object_unref (b);
  return text;
}

static void
post_item_message (GstGpuPublish *self, const GstGpuBatchSlot *slot,
    guint n_results, const gchar *json)
{
  GstStructure *s = gst_structure_new (RESULT_MESSAGE_NAME, "json",
      G_TYPE_STRING, json, "source", G_TYPE_UINT, slot->pad_index, "pts",
      G_TYPE_UINT64, (guint64)slot->pts, "width", G_TYPE_UINT, slot->width,
      "height", G_TYPE_UINT, slot->height, "status", G_TYPE_STRING,
      gst_gpu_slot_status_to_string (slot->status), "n-results", G_TYPE_UINT,
      n_results, NULL);

  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* ---- streaming ---- */

/* streaming thread; object lock for the settings and counters */
static GstFlowReturn
gst_gpu_publish_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstGpuPublish *self = GST_GPU_PUBLISH (trans);
  GstGpuBatchMeta *bmeta = gst_buffer_get_gpu_batch_meta (buf);
  GstGpuResultsMeta *rmeta = gst_buffer_get_gpu_results_meta (buf);
  RedisJob *job = NULL;
  gboolean messages;
  guint i, n_valid, n_lines = 0;

  if (!bmeta)
    goto no_batch_meta;
  n_valid = MIN (bmeta->n_valid, bmeta->n_slots);
  GST_OBJECT_LOCK (self);
  messages = self->messages;
  if (self->redis) {
    job = g_new0 (RedisJob, 1);
    job->json = g_new0 (gchar *, MAX (n_valid, 1));
    job->source = g_new0 (guint, MAX (n_valid, 1));
    job->stream = g_strdup (self->redis_stream);
    if (self->redis_maxlen > 0)
      g_snprintf (job->maxlen, sizeof (job->maxlen), "%u", self->redis_maxlen);
  }
  GST_OBJECT_UNLOCK (self);

  for (i = 0; i < n_valid; i++) {
    const GstGpuBatchSlot *slot = &bmeta->slots[i];
    const GstGpuResult *results = NULL;
    guint n_results = 0;
    gchar *json;

    if (rmeta)
      results = gst_gpu_results_meta_get_slot (rmeta, i, &n_results);
    json = slot_to_json (self, slot, results, n_results);
    if (self->file) {
      if (fputs (json, self->file) == EOF || fputc ('\n', self->file) == EOF) {
        g_free (json);
        goto write_failed;
      }
      n_lines++;
    }
    if (messages)
      post_item_message (self, slot, n_results, json);
    if (job) {
      job->source[job->n] = slot->pad_index;
      job->json[job->n++] = json;
    } else {
      g_free (json);
    }
  }
  if (self->file && fflush (self->file) != 0)
    goto write_failed;
  if (job && job->n > 0)
    gst_gpu_redis_link_queue (self->redis, job, job->n);
  else if (job)
    redis_job_free (job);

  GST_OBJECT_LOCK (self);
  self->batches++;
  self->items_in += n_valid;
  self->lines += n_lines;
  if (messages)
    self->messages_posted += n_valid;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;

  /* ERRORS */
no_batch_meta : {
  GST_OBJECT_LOCK (self);
  if (!self->warned_no_meta) {
    self->warned_no_meta = TRUE;
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("gpupublish got a buffer that is not a batch; it passes such "
         "buffers through without publishing (place it after gpubatch, "
         "gpuinfer and a decoder)"),
        ("buffer %" GST_PTR_FORMAT " has no GstGpuBatchMeta", buf));
  } else {
    GST_OBJECT_UNLOCK (self);
  }
  return GST_FLOW_OK;
}
write_failed : {
  int saved_errno = errno;
  gchar *location;

  if (job)
    redis_job_free (job);
  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
      ("Could not write the results to file \"%s\".", location),
      ("%s", g_strerror (saved_errno)));
  g_free (location);
  return GST_FLOW_ERROR;
}
}

/* streaming thread */
static gboolean
gst_gpu_publish_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstGpuPublish *self = GST_GPU_PUBLISH (trans);

  /* what the stream holds at EOS is in Redis (or counted) before the
   * application sees EOS; bounded by the breaker */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->redis)
    gst_gpu_redis_link_drain (self->redis);
  return GST_BASE_TRANSFORM_CLASS (gst_gpu_publish_parent_class)
      ->sink_event (trans, event);
}

/* any thread; object lock */
static GstStructure *
gst_gpu_publish_make_stats (GstElement *element)
{
  GstGpuPublish *self = GST_GPU_PUBLISH (element);
  GstGpuRedisCounters rc = { 0 };
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  if (self->redis)
    gst_gpu_redis_link_get_counters (self->redis, &rc);
  s = gst_structure_new ("gpupublish-stats", GST_GPU_STATS_BATCHES,
      G_TYPE_UINT64, self->batches, GST_GPU_STATS_ITEMS_IN, G_TYPE_UINT64,
      self->items_in, "lines", G_TYPE_UINT64, self->lines, "messages",
      G_TYPE_UINT64, self->messages_posted, "redis-published", G_TYPE_UINT64,
      rc.writes, "redis-failed", G_TYPE_UINT64, rc.writes_dropped,
      "redis-pending", G_TYPE_UINT64, rc.writes_pending, "redis-reconnects",
      G_TYPE_UINT64, rc.reconnects, "redis-connected", G_TYPE_BOOLEAN,
      rc.connected, NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

/* ---- state ---- */

/* Returns: (transfer full): @address as a URL gst_gpu_redis_link_new ()
 * takes: host[:port] and socket paths are written as URLs. */
static gchar *
redis_url (const gchar *address)
{
  if (strstr (address, "://") || g_str_has_prefix (address, "unix:"))
    return g_strdup (address);
  if (address[0] == '/')
    return g_strconcat ("unix://", address, NULL);
  return g_strconcat ("redis://", address, NULL);
}

/* NULL->READY: checks the settings, opens the file and the Redis link.
 * Application thread. */
static gboolean
open_outputs (GstGpuPublish *self)
{
  gchar *location, *address, *stream, *url = NULL;
  gboolean append, messages;
  guint timeout;
  GError *error = NULL;
  GstGpuRedisLink *redis;

  GST_OBJECT_LOCK (self);
  location
      = self->location && *self->location ? g_strdup (self->location) : NULL;
  address = self->redis_address && *self->redis_address
                ? g_strdup (self->redis_address)
                : NULL;
  stream = g_strdup (self->redis_stream);
  append = self->append;
  messages = self->messages;
  timeout = self->redis_timeout;
  GST_OBJECT_UNLOCK (self);

  if (!location && !address && !messages)
    goto nothing_to_publish;
  if (append && !location)
    goto append_without_location;
  if (address && (!stream || !*stream))
    goto no_stream;
  if (location) {
    self->file = fopen (location, append ? "a" : "w");
    if (!self->file)
      goto open_failed;
  }
  if (address) {
    url = redis_url (address);
    redis = gst_gpu_redis_link_new (url, "redis-address", timeout,
        REDIS_MAX_QUEUED, redis_append_xadd, redis_job_free, redis_outage, self,
        &error);
    if (!redis)
      goto bad_address;
    self->redis_masked_url
        = g_strdup (gst_gpu_redis_link_get_masked_url (redis));
    GST_OBJECT_LOCK (self);
    self->redis = redis;
    GST_OBJECT_UNLOCK (self);
  }
  g_free (url);
  g_free (location);
  g_free (address);
  g_free (stream);
  return TRUE;

  /* ERRORS */
nothing_to_publish:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("gpupublish has nowhere to publish: set location, messages=true or "
       "redis-address"),
      ("all three outputs are off"));
  goto out;
append_without_location:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("append=true needs location (the file to append to)"),
      ("location is not set"));
  goto out;
no_stream:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("redis-address is set but redis-stream is empty: name the stream "
       "key"),
      ("redis-address '%s'", address));
  goto out;
open_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("Could not open file \"%s\" for writing.", location), GST_ERROR_SYSTEM);
  goto out;
bad_address:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
      ("redis-address as a URL: '%s'", url));
  g_clear_error (&error);
  g_clear_pointer (&self->file, fclose);
  goto out;
out:
  g_free (url);
  g_free (location);
  g_free (address);
  g_free (stream);
  return FALSE;
}

/* READY->NULL: writes (or counts) what Redis still has queued. */
static void
close_outputs (GstGpuPublish *self)
{
  GstGpuRedisLink *redis;

  GST_OBJECT_LOCK (self);
  redis = self->redis;
  self->redis = NULL;
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&redis, gst_gpu_redis_link_free);
  g_clear_pointer (&self->redis_masked_url, g_free);
  g_clear_pointer (&self->file, fclose);
}

/* application thread */
static GstStateChangeReturn
gst_gpu_publish_change_state (GstElement *element, GstStateChange transition)
{
  GstGpuPublish *self = GST_GPU_PUBLISH (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!open_outputs (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      GST_OBJECT_LOCK (self);
      self->batches = self->items_in = self->lines = 0;
      self->messages_posted = 0;
      self->warned_no_meta = FALSE;
      if (self->redis)
        gst_gpu_redis_link_reset_counters (self->redis);
      GST_OBJECT_UNLOCK (self);
      if (self->stats_interval > 0)
        gst_gpu_stats_timer_start (&self->stats_timer, element,
            self->stats_interval, gst_gpu_publish_make_stats);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_gpu_publish_parent_class)
            ->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_gpu_stats_timer_stop (&self->stats_timer);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      close_outputs (self);
      break;
    default:
      break;
  }
  if (ret == GST_STATE_CHANGE_FAILURE
      && transition == GST_STATE_CHANGE_NULL_TO_READY)
    close_outputs (self);
  return ret;
}

/* ---- properties ---- */

/* any thread; object lock */
static void
gst_gpu_publish_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuPublish *self = GST_GPU_PUBLISH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_APPEND:
      self->append = g_value_get_boolean (value);
      break;
    case PROP_MESSAGES:
      self->messages = g_value_get_boolean (value);
      break;
    case PROP_REDIS_ADDRESS:
      g_free (self->redis_address);
      self->redis_address = g_value_dup_string (value);
      break;
    case PROP_REDIS_STREAM:
      g_free (self->redis_stream);
      self->redis_stream = g_value_dup_string (value);
      break;
    case PROP_REDIS_MAXLEN:
      self->redis_maxlen = g_value_get_uint (value);
      break;
    case PROP_REDIS_TIMEOUT:
      self->redis_timeout = g_value_get_uint (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* any thread; object lock (stats takes it itself) */
static void
gst_gpu_publish_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuPublish *self = GST_GPU_PUBLISH (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_gpu_publish_make_stats (GST_ELEMENT (self)));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_APPEND:
      g_value_set_boolean (value, self->append);
      break;
    case PROP_MESSAGES:
      g_value_set_boolean (value, self->messages);
      break;
    case PROP_REDIS_ADDRESS:
      g_value_set_string (value, self->redis_address);
      break;
    case PROP_REDIS_STREAM:
      g_value_set_string (value, self->redis_stream);
      break;
    case PROP_REDIS_MAXLEN:
      g_value_set_uint (value, self->redis_maxlen);
      break;
    case PROP_REDIS_TIMEOUT:
      g_value_set_uint (value, self->redis_timeout);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint64 (value, self->stats_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}
