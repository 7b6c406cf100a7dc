/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Measurements of the gpustream tracer and their rendering (see
 * docs/tracer.md for the metric names).
 *
 * Processing time: each streaming thread keeps a stack of the pushes it is
 * inside. A push into element E opens a frame; when it returns, its
 * duration minus the durations of the pushes E made meanwhile (downstream
 * work on the same thread) is E's own processing time for that buffer.
 *
 * Buffer counts and timings live in qdata on the pads and elements, so
 * they go away with them; the renderer only reaches elements through the
 * pipelines it holds a reference to.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <json-glib/json-glib.h>
#include <string.h>

#include "gst/gstgpustats.h"
#include "tracer/gstgpustreammetrics.h"

/* --- measurements kept on the objects ----------------------------------- */

/* On an element (atomic refcount box): the durations of the pushes into it,
 * less what it pushed downstream meanwhile. */
typedef struct
{
  GMutex lock;
  guint64 count;
  GstClockTime sum;
  GstGpuLatencyHistogram hist;
} ElementTiming;

/* On a src pad (atomic refcount box). */
typedef struct
{
  gint64 buffers; /* atomic */
  /* renderer thread only */
  guint64 last_buffers;
  GstClockTime last_ts;
  gdouble rate;
} PadCount;

typedef struct
{
  ElementTiming *timing; /* one reference, NULL when the pad had no peer */
  GstClockTime start;
  GstClockTime children;
} PushFrame;

static GQuark timing_quark;
static GQuark pad_count_quark;

static void
element_timing_clear (gpointer data)
{
  ElementTiming *t = data;

  g_mutex_clear (&t->lock);
}

static void
element_timing_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, element_timing_clear);
}

static void
pad_count_release (gpointer data)
{
  g_atomic_rc_box_release (data);
}

static void
push_frames_free (gpointer data)
{
  g_array_unref (data);
}

static GPrivate push_frames = G_PRIVATE_INIT (push_frames_free);

static void
init_quarks (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    timing_quark = g_quark_from_static_string ("gpustream-tracer-timing");
    pad_count_quark = g_quark_from_static_string ("gpustream-tracer-pads");
    g_once_init_leave (&done, 1);
  }
}

/* Returns a new reference to @element's timing, creating it the first time
 * (two threads may race: one of them wins, the other's copy is dropped). */
static ElementTiming *
element_timing_acquire (GstElement *element)
{
  ElementTiming *t = g_object_get_qdata (G_OBJECT (element), timing_quark);

  while (!t) {
    ElementTiming *mine = g_atomic_rc_box_new0 (ElementTiming);

    g_mutex_init (&mine->lock);
    if (g_object_replace_qdata (G_OBJECT (element), timing_quark, NULL, mine,
            element_timing_release, NULL))
      t = mine;
    else {
      element_timing_release (mine);
      t = g_object_get_qdata (G_OBJECT (element), timing_quark);
    }
  }
  return g_atomic_rc_box_acquire (t);
}

static PadCount *
pad_count_get (GstPad *pad)
{
  PadCount *c = g_object_get_qdata (G_OBJECT (pad), pad_count_quark);

  while (!c) {
    PadCount *mine = g_atomic_rc_box_new0 (PadCount);

    if (g_object_replace_qdata (G_OBJECT (pad), pad_count_quark, NULL, mine,
            pad_count_release, NULL))
      c = mine;
    else {
      pad_count_release (mine);
      c = g_object_get_qdata (G_OBJECT (pad), pad_count_quark);
    }
  }
  return c;
}

/* Streaming thread of @pad: @pad is about to push @n_buffers. */
void
gst_gpu_stream_metrics_push_pre (GstClockTime ts, GstPad *pad, guint n_buffers)
{
  GArray *frames = g_private_get (&push_frames);
  PushFrame frame = { NULL, ts, 0 };
  GstPad *peer;

  init_quarks ();
  if (!frames) {
    frames = g_array_sized_new (FALSE, FALSE, sizeof (PushFrame), 16);
    g_private_set (&push_frames, frames);
  }

  g_atomic_pointer_add (&pad_count_get (pad)->buffers, n_buffers);

  peer = gst_pad_get_peer (pad);
  if (peer) {
    GstElement *element = gst_pad_get_parent_element (peer);

    if (element) {
      frame.timing = element_timing_acquire (element);
      gst_object_unref (element);
    }
    gst_object_unref (peer);
  }
  g_array_append_val (frames, frame);
}

/* Streaming thread: the push opened by the last push_pre () returned. */
void
gst_gpu_stream_metrics_push_post (GstClockTime ts)
{
  GArray *frames = g_private_get (&push_frames);
  PushFrame frame;
  GstClockTime total, self;

  if (!frames || frames->len == 0)
    return;

  frame = g_array_index (frames, PushFrame, frames->len - 1);
  g_array_set_size (frames, frames->len - 1);
  total = ts > frame.start ? ts - frame.start : 0;
  if (frames->len > 0)
    g_array_index (frames, PushFrame, frames->len - 1).children += total;
  if (!frame.timing)
    return;

  self = total > frame.children ? total - frame.children : 0;
  g_mutex_lock (&frame.timing->lock);
  frame.timing->count++;
  frame.timing->sum += self;
  gst_gpu_latency_histogram_record (&frame.timing->hist, self);
  g_mutex_unlock (&frame.timing->lock);
  element_timing_release (frame.timing);
}

/* --- Prometheus text ------------------------------------------------------ */

typedef struct
{
  gchar *name;
  const gchar *type;
  gchar *help;
  GString *samples;
} Family;

static void
family_free (gpointer data)
{
  Family *f = data;

  g_free (f->name);
  g_free (f->help);
  g_string_free (f->samples, TRUE);
  g_free (f);
}

typedef struct
{
  GHashTable *families; /* name -> Family */
  JsonBuilder *json;
  GstClockTime now;
} Render;

static void
append_label (GString *labels, const gchar *name, const gchar *value)
{
  const gchar *p;

  if (labels->len > 0)
    g_string_append_c (labels, ',');
  g_string_append_printf (labels, "%s=\"", name);
  for (p = value; *p; p++) {
    if (*p == '\\')
      g_string_append (labels, "\\\\");
    else if (*p == '"')
      g_string_append (labels, "\\\"");
    else if (*p == '\n')
      g_string_append (labels, "\\n");
    else
      g_string_append_c (labels, *p);
  }
  g_string_append_c (labels, '"');
}

/* @family: the name in the TYPE line; @suffix: what a sample adds to it
 * (a summary's _sum and _count); @extra_label: e.g. a quantile. */
static void
add_sample (Render *r, const gchar *family, const gchar *type,
    const gchar *help, const gchar *suffix, const gchar *labels,
    const gchar *extra_label, gdouble value)
{
  Family *f = g_hash_table_lookup (r->families, family);
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];

  if (!f) {
    f = g_new0 (Family, 1);
    f->name = g_strdup (family);
    f->type = type;
    f->help = g_strdup (help);
    f->samples = g_string_new (NULL);
    g_hash_table_insert (r->families, f->name, f);
  }
  g_string_append_printf (f->samples, "%s%s{%s%s%s} %s\n", family, suffix,
      labels, extra_label && *labels ? "," : "", extra_label ? extra_label : "",
      g_ascii_formatd (num, sizeof (num), "%.15g", value));
}

/* Counters among the stats fields (docs/tracer.md): everything else that
 * is a number is a gauge. */
static gboolean
field_is_counter (const gchar *field)
{
  static const gchar *const names[] = { "batches", "hits", "misses", "inserts",
    "assigns", "erases", "evictions", "expired", "failed-inserts", "redis-hits",
    "redis-writes", "redis-writes-dropped", "redis-errors", "redis-timeouts",
    NULL };

  if (g_str_has_prefix (field, "items-"))
    return strcmp (field, "items-held") != 0;
  return g_str_has_suffix (field, "-count") || g_strv_contains (names, field);
}

static gboolean
value_as_double (const GValue *v, gdouble *out)
{
  GValue d = G_VALUE_INIT;

  if (G_VALUE_HOLDS_BOOLEAN (v)) {
    *out = g_value_get_boolean (v) ? 1 : 0;
    return TRUE;
  }
  if (!G_TYPE_IS_FUNDAMENTAL (G_VALUE_TYPE (v)) || G_VALUE_HOLDS_STRING (v)
      || !g_value_type_transformable (G_VALUE_TYPE (v), G_TYPE_DOUBLE))
    return FALSE;
  g_value_init (&d, G_TYPE_DOUBLE);
  g_value_transform (v, &d);
  *out = g_value_get_double (&d);
  return TRUE;
}

/* One numeric stats field as a sample of @prefix + the field's name:
 * "-us" durations in seconds (p50/p99 as a summary's quantiles, "-time-us"
 * as a counter), "-time" integers as nanoseconds, counters with _total. */
static void
add_stats_field (Render *r, const gchar *prefix, const gchar *field,
    const GValue *v, const gchar *labels, const gchar *what)
{
  gchar *base, *name, *full, *help, *p;
  const gchar *suffix = "";
  const gchar *type = "gauge";
  const gchar *quantile = NULL;
  gdouble value;

  if (!value_as_double (v, &value))
    return;

  base = g_strdup (field);
  if (g_str_has_suffix (base, "-p50-us")
      || g_str_has_suffix (base, "-p99-us")) {
    quantile = g_str_has_suffix (base, "-p50-us") ? "quantile=\"0.5\""
                                                  : "quantile=\"0.99\"";
    base[strlen (base) - strlen ("-p50-us")] = '\0';
    name = g_strconcat (prefix, base, "-seconds", NULL);
    type = "summary";
    value /= 1e6;
  } else if (g_str_has_suffix (base, "-us")) {
    base[strlen (base) - strlen ("-us")] = '\0';
    value /= 1e6;
    if (g_str_has_suffix (base, "-time")) {
      name = g_strconcat (prefix, base, "-seconds", NULL);
      type = "counter";
      suffix = "_total";
    } else
      name = g_strconcat (prefix, base, "-seconds", NULL);
  } else if (g_str_has_suffix (base, "-time") && !G_VALUE_HOLDS_DOUBLE (v)) {
    name = g_strconcat (prefix, base, "-seconds", NULL);
    value /= 1e9;
    type = "counter";
    suffix = "_total";
  } else {
    name = g_strconcat (prefix, base, NULL);
    if (field_is_counter (base)) {
      type = "counter";
      suffix = "_total";
    }
  }
  for (p = name; *p; p++)
    if (*p == '-')
      *p = '_';

  help = g_strdup_printf ("%s of %s (its stats field %s)",
      quantile ? "quantiles" : "value", what, field);
  full = g_strconcat (name, suffix, NULL);
  add_sample (r, full, type, help, "", labels, quantile, value);
  g_free (full);
  g_free (help);
  g_free (name);
  g_free (base);
}

/* --- JSON ----------------------------------------------------------------- */

static void json_add_value (JsonBuilder *b, const GValue *v);

static gboolean
json_add_field (GQuark field, const GValue *v, gpointer user_data)
{
  json_builder_set_member_name (user_data, g_quark_to_string (field));
  json_add_value (user_data, v);
  return TRUE;
}

static void
json_add_structure (JsonBuilder *b, const GstStructure *s)
{
  json_builder_begin_object (b);
  gst_structure_foreach (s, json_add_field, b);
  json_builder_end_object (b);
}

static void
json_add_value (JsonBuilder *b, const GValue *v)
{
  gdouble d;

  if (G_VALUE_HOLDS_STRING (v)) {
    json_builder_add_string_value (b, g_value_get_string (v));
  } else if (G_VALUE_HOLDS_BOOLEAN (v)) {
    json_builder_add_boolean_value (b, g_value_get_boolean (v));
  } else if (GST_VALUE_HOLDS_STRUCTURE (v)) {
    json_add_structure (b, gst_value_get_structure (v));
  } else if (GST_VALUE_HOLDS_ARRAY (v) || GST_VALUE_HOLDS_LIST (v)) {
    gboolean array = GST_VALUE_HOLDS_ARRAY (v);
    guint i,
        n = array ? gst_value_array_get_size (v) : gst_value_list_get_size (v);

    json_builder_begin_array (b);
    for (i = 0; i < n; i++)
      json_add_value (b, array ? gst_value_array_get_value (v, i)
                               : gst_value_list_get_value (v, i));
    json_builder_end_array (b);
  } else if (value_as_double (v, &d)) {
    json_builder_add_double_value (b, d);
  } else {
    gchar *str = gst_value_serialize (v);

    json_builder_add_string_value (b, str ? str : "");
    g_free (str);
  }
}

/* --- the walk ------------------------------------------------------------- */

static gboolean
is_gpustream_element (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *plugin;

  if (!factory)
    return FALSE;
  plugin = gst_plugin_feature_get_plugin_name (GST_PLUGIN_FEATURE (factory));
  return plugin && g_str_equal (plugin, "gpustream");
}

static GstStructure *
read_stats (GstElement *element)
{
  GParamSpec *pspec
      = g_object_class_find_property (G_OBJECT_GET_CLASS (element), "stats");
  GstStructure *s = NULL;

  if (!pspec || pspec->value_type != GST_TYPE_STRUCTURE
      || !(pspec->flags & G_PARAM_READABLE))
    return NULL;
  g_object_get (element, "stats", &s, NULL);
  return s;
}

/* A stats array of structures (gpuunbatch's "pads") becomes per-source
 * samples named after the field: "pads" -> gpustream_pad_…, labelled with
 * the entry's pad name and index (as source). */
static void
render_stats_array (Render *r, const gchar *field, const GValue *array,
    const gchar *labels, const gchar *element_name)
{
  gchar *prefix = g_strdup_printf ("gpustream-%s", field);
  gchar *what = g_strdup_printf ("one %s entry of %s", field, element_name);
  gchar *dashed;
  guint i, j;

  if (g_str_has_suffix (prefix, "s"))
    prefix[strlen (prefix) - 1] = '\0';
  dashed = g_strconcat (prefix, "-", NULL);
  for (i = 0; i < gst_value_array_get_size (array); i++) {
    const GValue *item = gst_value_array_get_value (array, i);
    const GstStructure *s;
    GString *l;
    gdouble index;

    if (!GST_VALUE_HOLDS_STRUCTURE (item))
      continue;
    s = gst_value_get_structure (item);
    l = g_string_new (labels);
    if (gst_structure_has_field_typed (s, "pad", G_TYPE_STRING))
      append_label (l, "pad", gst_structure_get_string (s, "pad"));
    if (gst_structure_has_field (s, "index")
        && value_as_double (gst_structure_get_value (s, "index"), &index)) {
      gchar *str = g_strdup_printf ("%.0f", index);

      append_label (l, "source", str);
      g_free (str);
    }
    for (j = 0; j < (guint)gst_structure_n_fields (s); j++) {
      const gchar *name = gst_structure_nth_field_name (s, j);

      if (!g_str_equal (name, "index"))
        add_stats_field (
            r, dashed, name, gst_structure_get_value (s, name), l->str, what);
    }
    g_string_free (l, TRUE);
  }
  g_free (dashed);
  g_free (what);
  g_free (prefix);
}

static void
render_pads (Render *r, GstElement *element, const gchar *labels)
{
  GList *pads = NULL, *l;

  GST_OBJECT_LOCK (element);
  for (l = element->pads; l; l = l->next)
    pads = g_list_prepend (pads, gst_object_ref (l->data));
  GST_OBJECT_UNLOCK (element);
  pads = g_list_reverse (pads);

  json_builder_set_member_name (r->json, "pads");
  json_builder_begin_array (r->json);
  for (l = pads; l; l = l->next) {
    GstPad *pad = l->data;
    GstPad *peer = gst_pad_get_peer (pad);
    PadCount *c = g_object_get_qdata (G_OBJECT (pad), pad_count_quark);
    gchar *name = gst_pad_get_name (pad);

    json_builder_begin_object (r->json);
    json_builder_set_member_name (r->json, "name");
    json_builder_add_string_value (r->json, name);
    json_builder_set_member_name (r->json, "direction");
    json_builder_add_string_value (
        r->json, GST_PAD_IS_SRC (pad) ? "src" : "sink");
    json_builder_set_member_name (r->json, "peer");
    if (peer) {
      GstElement *peer_parent = gst_pad_get_parent_element (peer);
      /* copies: a name may change while we render */
      gchar *parent_name
          = peer_parent ? gst_object_get_name (GST_OBJECT (peer_parent)) : NULL;
      gchar *peer_name = gst_object_get_name (GST_OBJECT (peer));
      gchar *str = g_strdup_printf (
          "%s.%s", parent_name ? parent_name : "", peer_name);

      json_builder_add_string_value (r->json, str);
      g_free (str);
      g_free (peer_name);
      g_free (parent_name);
      gst_clear_object (&peer_parent);
      gst_object_unref (peer);
    } else
      json_builder_add_null_value (r->json);

    if (c) {
      guint64 buffers = g_atomic_pointer_get (&c->buffers);
      GString *pl = g_string_new (labels);

      if (GST_CLOCK_TIME_IS_VALID (c->last_ts) && c->last_ts != 0
          && r->now > c->last_ts)
        c->rate = (buffers - c->last_buffers) * (gdouble)GST_SECOND
                  / (r->now - c->last_ts);
      c->last_ts = r->now;
      c->last_buffers = buffers;

      append_label (pl, "pad", name);
      add_sample (r, "gpustream_pad_buffers_total", "counter",
          "buffers pushed through a source pad", "", pl->str, NULL, buffers);
      add_sample (r, "gpustream_pad_buffer_rate", "gauge",
          "buffers per second through a source pad over the last refresh "
          "interval",
          "", pl->str, NULL, c->rate);
      g_string_free (pl, TRUE);
      json_builder_set_member_name (r->json, "buffers");
      json_builder_add_int_value (r->json, buffers);
      json_builder_set_member_name (r->json, "rate");
      json_builder_add_double_value (r->json, c->rate);
    }
    json_builder_end_object (r->json);
    g_free (name);
  }
  json_builder_end_array (r->json);
  g_list_free_full (pads, gst_object_unref);
}

static void
render_timing (Render *r, GstElement *element, const gchar *labels)
{
  ElementTiming *t = g_object_get_qdata (G_OBJECT (element), timing_quark);
  guint64 count;
  GstClockTime sum, p50, p99;
  const gchar *help = "time an element spends on a buffer pushed into it, "
                      "less the time of its own pushes downstream";

  if (!t)
    return;
  g_mutex_lock (&t->lock);
  count = t->count;
  sum = t->sum;
  p50 = gst_gpu_latency_histogram_percentile (&t->hist, 0.5);
  p99 = gst_gpu_latency_histogram_percentile (&t->hist, 0.99);
  g_mutex_unlock (&t->lock);

  add_sample (r, "gpustream_element_processing_seconds", "summary", help, "",
      labels, "quantile=\"0.5\"", p50 / 1e9);
  add_sample (r, "gpustream_element_processing_seconds", "summary", help, "",
      labels, "quantile=\"0.99\"", p99 / 1e9);
  add_sample (r, "gpustream_element_processing_seconds", "summary", help,
      "_sum", labels, NULL, sum / 1e9);
  add_sample (r, "gpustream_element_processing_seconds", "summary", help,
      "_count", labels, NULL, count);

  json_builder_set_member_name (r->json, "processing");
  json_builder_begin_object (r->json);
  json_builder_set_member_name (r->json, "count");
  json_builder_add_int_value (r->json, count);
  json_builder_set_member_name (r->json, "mean-us");
  json_builder_add_double_value (r->json, count ? sum / 1e3 / count : 0);
  json_builder_set_member_name (r->json, "p50-us");
  json_builder_add_double_value (r->json, p50 / 1e3);
  json_builder_set_member_name (r->json, "p99-us");
  json_builder_add_double_value (r->json, p99 / 1e3);
  json_builder_end_object (r->json);
}

static void
render_stats (Render *r, GstStructure *stats, const gchar *labels,
    const gchar *element_name)
{
  gchar *what = g_strdup_printf ("element %s", element_name);
  gint i;

  for (i = 0; i < gst_structure_n_fields (stats); i++) {
    const gchar *name = gst_structure_nth_field_name (stats, i);
    const GValue *v = gst_structure_get_value (stats, name);

    if (GST_VALUE_HOLDS_ARRAY (v))
      render_stats_array (r, name, v, labels, element_name);
    else
      add_stats_field (r, "gpustream-", name, v, labels, what);
  }
  g_free (what);
  json_builder_set_member_name (r->json, "stats");
  json_add_structure (r->json, stats);
}

static void render_bin (Render *r, const gchar *pipeline, GstBin *bin);

static void
render_element (
    Render *r, const gchar *pipeline, const gchar *parent, GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *kind
      = factory ? GST_OBJECT_NAME (factory) : G_OBJECT_TYPE_NAME (element);
  gboolean ours = is_gpustream_element (element);
  GstStructure *stats = ours ? read_stats (element) : NULL;
  gchar *name = gst_element_get_name (element);
  GstState state, pending;
  GString *labels = g_string_new (NULL);

  GST_OBJECT_LOCK (element);
  state = GST_STATE (element);
  pending = GST_STATE_PENDING (element);
  GST_OBJECT_UNLOCK (element);

  append_label (labels, "pipeline", pipeline);
  append_label (labels, "element", name);
  append_label (labels, "kind", kind);
  if (stats && gst_structure_has_field_typed (stats, "device", G_TYPE_STRING))
    append_label (labels, "device", gst_structure_get_string (stats, "device"));

  add_sample (r, "gpustream_element_state", "gauge",
      "element state: 1 NULL, 2 READY, 3 PAUSED, 4 PLAYING", "", labels->str,
      NULL, state);

  json_builder_begin_object (r->json);
  json_builder_set_member_name (r->json, "name");
  json_builder_add_string_value (r->json, name);
  json_builder_set_member_name (r->json, "kind");
  json_builder_add_string_value (r->json, kind);
  json_builder_set_member_name (r->json, "parent");
  json_builder_add_string_value (r->json, parent);
  json_builder_set_member_name (r->json, "bin");
  json_builder_add_boolean_value (r->json, GST_IS_BIN (element));
  json_builder_set_member_name (r->json, "gpustream");
  json_builder_add_boolean_value (r->json, ours);
  json_builder_set_member_name (r->json, "state");
  json_builder_add_string_value (r->json, gst_element_state_get_name (state));
  json_builder_set_member_name (r->json, "pending");
  json_builder_add_string_value (r->json, gst_element_state_get_name (pending));
  if (stats)
    render_stats (r, stats, labels->str, name);
  render_timing (r, element, labels->str);
  render_pads (r, element, labels->str);
  json_builder_end_object (r->json);

  if (GST_IS_BIN (element))
    render_bin (r, pipeline, GST_BIN (element));

  g_clear_pointer (&stats, gst_structure_free);
  g_string_free (labels, TRUE);
  g_free (name);
}

static void
render_bin (Render *r, const gchar *pipeline, GstBin *bin)
{
  GList *children = NULL, *l;
  gchar *name;

  /* bin->children is prepended to: reverse for the order of addition; the
   * name is copied, as it may change while we render */
  GST_OBJECT_LOCK (bin);
  for (l = bin->children; l; l = l->next)
    children = g_list_prepend (children, gst_object_ref (l->data));
  name = g_strdup (GST_OBJECT_NAME (bin));
  GST_OBJECT_UNLOCK (bin);

  for (l = children; l; l = l->next)
    render_element (r, pipeline, name, l->data);
  g_list_free_full (children, gst_object_unref);
  g_free (name);
}

void
gst_gpu_stream_metrics_render (GPtrArray *pipelines, GstClockTime now,
    guint interval_ms, GBytes **prometheus, GBytes **json)
{
  Render r = { NULL, NULL, now };
  GList *names, *l;
  GString *text = g_string_new (NULL);
  JsonGenerator *gen;
  JsonNode *root;
  gsize len;
  gchar *str;
  guint i;

  init_quarks ();
  r.families
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, family_free);
  r.json = json_builder_new ();

  json_builder_begin_object (r.json);
  json_builder_set_member_name (r.json, "time");
  json_builder_add_double_value (r.json, now / 1e9);
  json_builder_set_member_name (r.json, "wall-time");
  json_builder_add_double_value (r.json, g_get_real_time () / 1e6);
  json_builder_set_member_name (r.json, "interval-ms");
  json_builder_add_int_value (r.json, interval_ms);
  json_builder_set_member_name (r.json, "pipelines");
  json_builder_begin_array (r.json);
  for (i = 0; i < pipelines->len; i++) {
    GstElement *pipeline = g_ptr_array_index (pipelines, i);
    gchar *name = gst_element_get_name (pipeline);

    json_builder_begin_object (r.json);
    json_builder_set_member_name (r.json, "name");
    json_builder_add_string_value (r.json, name);
    json_builder_set_member_name (r.json, "elements");
    json_builder_begin_array (r.json);
    render_element (&r, name, "", pipeline);
    json_builder_end_array (r.json);
    json_builder_end_object (r.json);
    g_free (name);
  }
  json_builder_end_array (r.json);
  json_builder_end_object (r.json);

  names = g_list_sort (
      g_hash_table_get_keys (r.families), (GCompareFunc)g_strcmp0);
  for (l = names; l; l = l->next) {
    Family *f = g_hash_table_lookup (r.families, l->data);

    g_string_append_printf (text, "# HELP %s %s\n# TYPE %s %s\n%s", f->name,
        f->help, f->name, f->type, f->samples->str);
  }
  g_list_free (names);
  len = text->len;
  *prometheus = g_bytes_new_take (g_string_free (text, FALSE), len);

  gen = json_generator_new ();
  root = json_builder_get_root (r.json);
  json_generator_set_root (gen, root);
  str = json_generator_to_data (gen, &len);
  *json = g_bytes_new_take (str, len);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (r.json);
  g_hash_table_unref (r.families);
}
