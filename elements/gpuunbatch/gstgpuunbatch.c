/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuunbatch: splits batches back into one stream per source.
 */

/**
 * SECTION:element-gpuunbatch
 * @title: gpuunbatch
 *
 * Takes `other/tensors` batches (the output of gpubatch or gpuinfer) and
 * splits them back into one stream per source. Each batch carries a
 * #GstGpuBatchMeta saying, per slot, which source pad of gpubatch the item
 * came from and its original timestamps. Every valid slot whose status is
 * ok or cache-hit becomes one buffer on `src_N`, N being the slot's source
 * index, with the original PTS, DTS and duration and the slot's slice of
 * every tensor as content (batch dimension set to 1). Dropped and failed
 * slots produce no buffer and are counted in the `stats` property.
 *
 * `src_N` pads appear on their own the first time source N is seen (listen
 * to #GstElement::pad-added), or can be requested beforehand by name so an
 * application or a launch line can link them before data flows. Because a
 * source may first appear at any time, no-more-pads is never posted.
 *
 * While the pipeline prerolls (not yet PLAYING; with a live source the
 * elements are PLAYING by then, the pipeline is not), every source gpubatch
 * announced must get its first buffer before any branch gets a second:
 * later items of branches already fed are held back (copied, so that they
 * pin no batch buffer upstream) until the last branch is fed, the pipeline
 * reaches PLAYING, or EOS, and are then pushed in order. Without this, one
 * fast non-live source fills its branch's queue, the push blocks, and the
 * sinks of the other branches never preroll. At most 128 MiB is held
 * (then pushes block as before). The items held count in `items-held`.
 *
 * Batches in system memory are sliced without copying: every output buffer
 * shares the batch's memory. Batches in device memory (caps feature
 * `memory:GpuTensor`) are staged to host memory once per batch and sliced
 * from that copy; the outputs are always system memory.
 *
 * With `output=frames` each slot gives instead the original frame gpubatch
 * kept in it (`keep-frames=true` on gpubatch): a buffer sharing the frame's
 * memory, with the frame's caps (video/x-raw, also in
 * `memory:CUDAMemory`), the slot's timestamps, and one
 * #GstVideoRegionOfInterestMeta per result the batch's #GstGpuResultsMeta
 * holds for the slot. Failed slots still give their frame (without
 * results); a slot without a frame is an error.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc pattern=ball ! b.sink_0 \
 *     videotestsrc pattern=snow ! b.sink_1 \
 *     gpubatch name=b ! gpuinfer model=model.pt ! gpuunbatch name=u \
 *     u.src_0 ! fakesink u.src_1 ! fakesink
 * ]|
 * |[
 * gst-launch-1.0 videotestsrc ! b.sink_0 \
 *     gpubatch name=b keep-frames=true ! gpuinfer model=face.onnx ! \
 *     gpudecode ! gpuunbatch output=frames name=u \
 *     u.src_0 ! gpuoverlay ! videoconvert ! autovideosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/base/gstflowcombiner.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpuresultsmeta.h"
#include "gst/gstgpustats.h"
#include "gst/gstgputensorinfo.h"
#include "elements/gpuunbatch/gstgpuunbatch.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_unbatch_debug);
#define GST_CAT_DEFAULT gst_gpu_unbatch_debug

/* marks an item held back while prerolling that was a cache hit */
static GQuark cache_hit_quark;
/* output=frames: the caps of a frame waiting to be pushed */
static GQuark frame_caps_quark;

typedef enum {
  GST_GPU_UNBATCH_OUTPUT_TENSORS,
  GST_GPU_UNBATCH_OUTPUT_FRAMES,
} GstGpuUnbatchOutput;

#define GST_TYPE_GPU_UNBATCH_OUTPUT (gst_gpu_unbatch_output_get_type ())
static GType
gst_gpu_unbatch_output_get_type (void)
{
  static const GEnumValue values[] = {
    { GST_GPU_UNBATCH_OUTPUT_TENSORS, "Each slot's slice of the output tensors",
        "tensors" },
    { GST_GPU_UNBATCH_OUTPUT_FRAMES,
        "The original frame of each slot with its results as "
        "GstVideoRegionOfInterestMeta (needs keep-frames=true on gpubatch)",
        "frames" },
    { 0, NULL, NULL },
  };
  static GType type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstGpuUnbatchOutput", values));
  return type;
}

#define DEFAULT_OUTPUT GST_GPU_UNBATCH_OUTPUT_TENSORS

enum {
  PROP_0,
  PROP_STATS,
  PROP_STATS_INTERVAL,
  PROP_OUTPUT,
};

#define SINK_CAPS                                                              \
  GST_GPU_TENSORS_MEDIA_TYPE                                                   \
  ", format = (string) static; " GST_GPU_TENSORS_MEDIA_TYPE                    \
  "(" GST_CAPS_FEATURE_MEMORY_GPU_TENSOR "), "                                 \
  "format = (string) static"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (SINK_CAPS));

/* Request presence, so that `u.src_3` in a launch line and
 * gst_element_request_pad_simple () work; the element also creates pads from
 * this template on its own, like sometimes pads, when a new source shows up
 * in the batch meta. */
#define FRAMES_CAPS "video/x-raw; video/x-raw(memory:CUDAMemory)"

static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src_%u", GST_PAD_SRC, GST_PAD_REQUEST,
        GST_STATIC_CAPS (GST_GPU_TENSORS_MEDIA_TYPE
            ", format = (string) static; " FRAMES_CAPS));

static GstStaticCaps frames_caps = GST_STATIC_CAPS (FRAMES_CAPS);

/* ------------------------------------------------------------------------ */
/* Source pads: one per source index, with per-source counters.             */

#define GST_TYPE_GPU_UNBATCH_PAD (gst_gpu_unbatch_pad_get_type ())
G_DECLARE_FINAL_TYPE (
    GstGpuUnbatchPad, gst_gpu_unbatch_pad, GST, GPU_UNBATCH_PAD, GstPad);

struct _GstGpuUnbatchPad
{
  GstPad parent;

  /* fixed at creation */
  guint index;
  gboolean requested; /* kept across PAUSED->READY */

  /* protected by the element's lock */
  gboolean need_sticky; /* current sticky events not stored yet */
  gboolean discont;
  gboolean fed;  /* got an item since the last start or flush */
  GQueue held;   /* items held back while others preroll, oldest first */
  GstCaps *caps; /* output=frames: caps stored on the pad, NULL before the
                  * first frame */
  guint64 items_out;
  guint64 items_dropped;
  guint64 items_failed;
  guint64 items_cache_hit;
};

G_DEFINE_TYPE (GstGpuUnbatchPad, gst_gpu_unbatch_pad, GST_TYPE_PAD);

static void
gst_gpu_unbatch_pad_finalize (GObject *object)
{
  GstGpuUnbatchPad *pad = GST_GPU_UNBATCH_PAD (object);

  g_queue_clear_full (&pad->held, (GDestroyNotify)gst_buffer_unref);
  gst_clear_caps (&pad->caps);

  G_OBJECT_CLASS (gst_gpu_unbatch_pad_parent_class)->finalize (object);
}

static void
gst_gpu_unbatch_pad_class_init (GstGpuUnbatchPadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_gpu_unbatch_pad_finalize;
}

static void
gst_gpu_unbatch_pad_init (GstGpuUnbatchPad *pad)
{
  pad->need_sticky = TRUE;
  pad->discont = TRUE;
  g_queue_init (&pad->held);
}

/* ------------------------------------------------------------------------ */

struct _GstGpuUnbatch
{
  GstElement parent;

  GstPad *sinkpad;

  /* Protects the pad table, the flow combiner, the upstream sticky state,
   * the counters and every GstGpuUnbatchPad's mutable fields. Never held
   * while pushing or while emitting signals. */
  GMutex lock;
  GHashTable *pads; /* source index -> GstGpuUnbatchPad (ref) */
  GstFlowCombiner *flow_combiner;

  /* what upstream sent; replayed on pads created later */
  gchar *upstream_stream_id; /* NULL until STREAM_START */
  guint group_id;
  GstStreamFlags stream_flags;
  GstCaps *item_caps; /* per-item caps, NULL until CAPS */
  GstEvent *segment;
  GArray *sources; /* indexes gpubatch announced, NULL until then */

  /* items held back while prerolling */
  guint64 items_held;
  gsize held_bytes;

  /* counters */
  guint64 items_in;
  guint64 items_out;
  guint64 items_dropped;
  guint64 items_failed;
  guint64 items_cache_hit;
  guint64 batches;
  GstGpuThroughputMeter throughput;

  /* negotiated batch layout; written by the CAPS event and at
   * PAUSED->READY, read by chain, all with streaming stopped or from the
   * streaming thread */
  gboolean negotiated;
  gboolean device_memory;
  GstGpuTensorsConfig config;
  guint batch_size;
  gsize tensor_offset[GST_GPU_TENSORS_LIMIT];
  gsize slot_size[GST_GPU_TENSORS_LIMIT];
  gsize batch_bytes;

  /* output=frames for this run: set at READY->PAUSED with streaming
   * stopped, under self->lock */
  gboolean frames;

  /* properties, object lock */
  GstClockTime stats_interval;
  GstGpuUnbatchOutput output;

  GstGpuStatsTimer stats_timer; /* state-change thread only */
};

#define gst_gpu_unbatch_parent_class parent_class
G_DEFINE_TYPE (GstGpuUnbatch, gst_gpu_unbatch, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpuunbatch, "gpuunbatch", GST_RANK_NONE,
    GST_TYPE_GPU_UNBATCH,
    GST_DEBUG_CATEGORY_INIT (gst_gpu_unbatch_debug, "gpuunbatch", 0,
        "split batches into per-source streams"));

static void gst_gpu_unbatch_finalize (GObject *object);
static void gst_gpu_unbatch_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_unbatch_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_gpu_unbatch_change_state (
    GstElement *element, GstStateChange transition);
static GstPad *gst_gpu_unbatch_request_new_pad (GstElement *element,
    GstPadTemplate *templ, const gchar *name, const GstCaps *caps);
static void gst_gpu_unbatch_release_pad (GstElement *element, GstPad *pad);
static GstFlowReturn gst_gpu_unbatch_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
static gboolean gst_gpu_unbatch_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_gpu_unbatch_sink_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
static gboolean gst_gpu_unbatch_src_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
static GstStructure *gst_gpu_unbatch_build_stats (GstElement *element);
static gboolean gst_gpu_unbatch_src_event (
    GstPad *pad, GstObject *parent, GstEvent *event);

static void
gst_gpu_unbatch_class_init (GstGpuUnbatchClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  cache_hit_quark = g_quark_from_static_string ("gpuunbatch-cache-hit");
  frame_caps_quark = g_quark_from_static_string ("gpuunbatch-frame-caps");

  gobject_class->finalize = gst_gpu_unbatch_finalize;
  gobject_class->set_property = gst_gpu_unbatch_set_property;
  gobject_class->get_property = gst_gpu_unbatch_get_property;

  /**
   * GstGpuUnbatch:stats:
   *
   * Counters since the last READY->PAUSED, as a `gpuunbatch-stats`
   * structure: `items-in` (valid slots received), `items-out` (buffers
   * pushed successfully), `items-dropped`, `items-failed` (slots with that
   * status, never pushed with output=tensors; pushed, and so also counted
   * as out, with output=frames), `items-cache-hit` (pushed slots that were cache
   * hits), `batches`, `throughput` and `peak-throughput` (items/s),
   * `device` ("cpu": slicing runs on the host) and `pads`, an array of one
   * structure per source pad (`pad`, `index`, `items-out`, `items-dropped`,
   * `items-failed`, `items-cache-hit`) sorted by index.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters since the last READY->PAUSED (items-in, items-out, "
          "items-dropped, items-failed, batches, per-pad counts)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_gpu_stats_install_interval_property (gobject_class, PROP_STATS_INTERVAL);

  /**
   * GstGpuUnbatch:output:
   *
   * What each src_N pad pushes per slot: `tensors`, the slot's slice of
   * every tensor, or `frames`, the original frame gpubatch kept in the
   * slot (keep-frames=true), with the caps it came with and the slot's
   * results (#GstGpuResultsMeta of the batch) as
   * #GstVideoRegionOfInterestMeta. Read at READY->PAUSED.
   */
  g_object_class_install_property (gobject_class, PROP_OUTPUT,
      g_param_spec_enum ("output", "Output",
          "What each source pad pushes per slot: tensors (the slot's tensor "
          "slices) or frames (the original frame with its results as region "
          "of interest metas; needs keep-frames=true on gpubatch); read at "
          "READY->PAUSED (default: tensors)",
          GST_TYPE_GPU_UNBATCH_OUTPUT, DEFAULT_OUTPUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template_with_gtype (
      element_class, &src_template, GST_TYPE_GPU_UNBATCH_PAD);

  gst_element_class_set_static_metadata (element_class, "GPU batch splitter",
      "Demuxer/Tensor",
      "Splits tensor batches into one stream per source, restoring the "
      "original timestamps",
      "gst-gpustream developers");

  element_class->change_state
      = GST_DEBUG_FUNCPTR (gst_gpu_unbatch_change_state);
  element_class->request_new_pad
      = GST_DEBUG_FUNCPTR (gst_gpu_unbatch_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_gpu_unbatch_release_pad);

  gst_type_mark_as_plugin_api (GST_TYPE_GPU_UNBATCH_PAD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_UNBATCH_OUTPUT, 0);
}

static void
gst_gpu_unbatch_init (GstGpuUnbatch *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_gpu_unbatch_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_gpu_unbatch_sink_event));
  gst_pad_set_query_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_gpu_unbatch_sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  g_mutex_init (&self->lock);
  self->pads = g_hash_table_new_full (NULL, NULL, NULL, gst_object_unref);
  self->flow_combiner = gst_flow_combiner_new ();
  gst_gpu_tensors_config_init (&self->config);
  gst_gpu_throughput_meter_reset (&self->throughput, 10);
  self->output = DEFAULT_OUTPUT;
}

/* Thread of the last unref; no lock, nothing else holds the element. */
static void
gst_gpu_unbatch_finalize (GObject *object)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (object);

  gst_gpu_stats_timer_stop (&self->stats_timer);
  g_hash_table_unref (self->pads);
  gst_flow_combiner_free (self->flow_combiner);
  g_free (self->upstream_stream_id);
  gst_clear_caps (&self->item_caps);
  gst_clear_event (&self->segment);
  g_clear_pointer (&self->sources, g_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ------------------------------------------------------------------------ */
/* Pads                                                                     */

/* Called with self->lock, after upstream's STREAM_START. Returns: (transfer
 * full): the stream-start of @srcpad: upstream's id followed by /src_N,
 * upstream's group id and flags. */
static GstEvent *
gst_gpu_unbatch_pad_new_stream_start_locked (
    GstGpuUnbatch *self, GstGpuUnbatchPad *srcpad)
{
  GstEvent *event;
  gchar *stream_id;

  stream_id
      = g_strdup_printf ("%s/src_%u", self->upstream_stream_id, srcpad->index);
  event = gst_event_new_stream_start (stream_id);
  g_free (stream_id);
  gst_event_set_group_id (event, self->group_id);
  gst_event_set_stream_flags (event, self->stream_flags);

  return event;
}

/* Called with self->lock. Stores, in order, the stream-start, caps and
 * segment this pad has not seen yet; they go downstream with the next push.
 * A pad that is not active yet keeps need_sticky and is retried later.
 * With output=frames the caps are those of the pad's first frame,
 * @frame_caps: until it is known (NULL) only the stream-start is stored,
 * since caps may not follow a segment. */
static void
gst_gpu_unbatch_pad_sync_sticky_locked (
    GstGpuUnbatch *self, GstGpuUnbatchPad *srcpad, GstCaps *frame_caps)
{
  GstPad *pad = GST_PAD (srcpad);
  GstCaps *caps = self->frames ? frame_caps : self->item_caps;
  GstEvent *event;
  GstFlowReturn ret;

  if (!srcpad->need_sticky || self->upstream_stream_id == NULL)
    return;

  /* a frames pad waiting for its caps may have it already */
  event = gst_pad_get_sticky_event (pad, GST_EVENT_STREAM_START, 0);
  ret = GST_FLOW_OK;
  if (event == NULL) {
    event = gst_gpu_unbatch_pad_new_stream_start_locked (self, srcpad);
    ret = gst_pad_store_sticky_event (pad, event);
  }
  gst_event_unref (event);
  if (ret != GST_FLOW_OK)
    return;
  if (self->frames && caps == NULL)
    return;

  if (caps) {
    event = gst_event_new_caps (caps);
    gst_pad_store_sticky_event (pad, event);
    gst_event_unref (event);
  }
  if (self->frames)
    gst_caps_replace (&srcpad->caps, caps);
  if (self->segment)
    gst_pad_store_sticky_event (pad, self->segment);

  srcpad->need_sticky = FALSE;
}

/* Any thread, without self->lock. Creates, activates (when the element is
 * running) and adds src_@index. Returns: (transfer full) (nullable): the new
 * pad, or NULL when src_@index already exists. */
static GstGpuUnbatchPad *
gst_gpu_unbatch_add_src_pad (
    GstGpuUnbatch *self, guint index, gboolean requested)
{
  GstElement *element = GST_ELEMENT (self);
  GstPadTemplate *templ;
  GstGpuUnbatchPad *srcpad;
  gboolean running;
  gchar *name;

  templ = gst_element_class_get_pad_template (
      GST_ELEMENT_GET_CLASS (self), "src_%u");
  name = g_strdup_printf ("src_%u", index);
  srcpad = g_object_new (GST_TYPE_GPU_UNBATCH_PAD, "name", name, "direction",
      GST_PAD_SRC, "template", templ, NULL);
  g_free (name);
  gst_object_ref_sink (srcpad);
  srcpad->index = index;
  srcpad->requested = requested;
  gst_pad_set_query_function (
      GST_PAD (srcpad), GST_DEBUG_FUNCPTR (gst_gpu_unbatch_src_query));
  gst_pad_set_event_function (
      GST_PAD (srcpad), GST_DEBUG_FUNCPTR (gst_gpu_unbatch_src_event));

  /* activate before the streaming thread can see it, so a push never
   * finds it flushing */
  GST_OBJECT_LOCK (self);
  running = GST_STATE (element) > GST_STATE_READY
            || GST_STATE_NEXT (element) == GST_STATE_PAUSED;
  GST_OBJECT_UNLOCK (self);
  if (running)
    gst_pad_set_active (GST_PAD (srcpad), TRUE);

  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->pads, GUINT_TO_POINTER (index))) {
    g_mutex_unlock (&self->lock);
    goto out_exists;
  }
  g_hash_table_insert (
      self->pads, GUINT_TO_POINTER (index), gst_object_ref (srcpad));
  gst_flow_combiner_add_pad (self->flow_combiner, GST_PAD (srcpad));
  g_mutex_unlock (&self->lock);

  GST_INFO_OBJECT (self, "adding %s pad src_%u",
      requested ? "requested" : "new source", index);
  gst_element_add_pad (element, GST_PAD (srcpad));
  return srcpad;

out_exists:
  gst_pad_set_active (GST_PAD (srcpad), FALSE);
  gst_clear_object (&srcpad);
  return srcpad;
}

/* Streaming thread, without self->lock. Returns: (transfer full): the pad of
 * source @index, created on first sight. */
static GstGpuUnbatchPad *
gst_gpu_unbatch_get_src_pad (GstGpuUnbatch *self, guint index)
{
  GstGpuUnbatchPad *srcpad = NULL;

  /* at most two rounds: a concurrent request for the same index wins */
  while (srcpad == NULL) {
    g_mutex_lock (&self->lock);
    srcpad = g_hash_table_lookup (self->pads, GUINT_TO_POINTER (index));
    if (srcpad)
      gst_object_ref (srcpad);
    g_mutex_unlock (&self->lock);
    if (srcpad == NULL)
      srcpad = gst_gpu_unbatch_add_src_pad (self, index, FALSE);
  }

  return srcpad;
}

/* Application thread. */
static GstPad *
gst_gpu_unbatch_request_new_pad (GstElement *element, GstPadTemplate *templ,
    const gchar *name, const GstCaps *caps)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (element);
  GstGpuUnbatchPad *srcpad = NULL;
  guint index = 0;
  gchar *end = NULL;
  guint64 parsed;

  if (name != NULL) {
    if (!g_str_has_prefix (name, "src_") || name[4] < '0' || name[4] > '9')
      goto bad_name;
    parsed = g_ascii_strtoull (name + 4, &end, 10);
    if (*end != '\0' || parsed > G_MAXUINT)
      goto bad_name;
    index = (guint)parsed;
    srcpad = gst_gpu_unbatch_add_src_pad (self, index, TRUE);
    if (srcpad == NULL)
      goto exists;
  } else {
    /* lowest free index; retry if a source takes it meanwhile */
    while (srcpad == NULL) {
      g_mutex_lock (&self->lock);
      for (index = 0;
           g_hash_table_contains (self->pads, GUINT_TO_POINTER (index));
           index++)
        ;
      g_mutex_unlock (&self->lock);
      srcpad = gst_gpu_unbatch_add_src_pad (self, index, TRUE);
    }
  }

  /* the element holds the pad; the caller gets a ref from GstElement */
  gst_object_unref (srcpad);
  return GST_PAD_CAST (srcpad);

bad_name:
  GST_WARNING_OBJECT (self,
      "cannot request pad '%s': names are src_N with "
      "N the source index",
      name);
  return GST_PAD_CAST (srcpad);
exists:
  GST_WARNING_OBJECT (self, "cannot request pad %s: it exists already", name);
  return GST_PAD_CAST (srcpad);
}

/* Removes @srcpad (a ref owned by the caller) from the element. */
static void
gst_gpu_unbatch_remove_src_pad (GstGpuUnbatch *self, GstPad *srcpad)
{
  gst_pad_set_active (srcpad, FALSE);
  gst_element_remove_pad (GST_ELEMENT (self), srcpad);
  gst_object_unref (srcpad);
}

/* Application thread. */
static void
gst_gpu_unbatch_release_pad (GstElement *element, GstPad *pad)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (element);
  GstGpuUnbatchPad *srcpad = GST_GPU_UNBATCH_PAD (pad);
  gpointer key = GUINT_TO_POINTER (srcpad->index);
  gboolean found = FALSE;

  g_mutex_lock (&self->lock);
  if (g_hash_table_lookup (self->pads, key) == srcpad) {
    g_hash_table_steal (self->pads, key);
    gst_flow_combiner_remove_pad (self->flow_combiner, pad);
    found = TRUE;
  }
  g_mutex_unlock (&self->lock);

  if (found)
    gst_gpu_unbatch_remove_src_pad (self, pad);
}

/* Returns: (transfer full): refs of every src pad, for pushing without the
 * lock. Called with self->lock. */
static GPtrArray *
gst_gpu_unbatch_collect_pads_locked (GstGpuUnbatch *self)
{
  GPtrArray *pads;
  GHashTableIter iter;
  gpointer value;

  pads
      = g_ptr_array_new_full (g_hash_table_size (self->pads), gst_object_unref);
  g_hash_table_iter_init (&iter, self->pads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (pads, gst_object_ref (value));

  return pads;
}

static gint
compare_pad_index (gconstpointer a, gconstpointer b)
{
  const GstGpuUnbatchPad *pa = *(GstGpuUnbatchPad *const *)a;
  const GstGpuUnbatchPad *pb = *(GstGpuUnbatchPad *const *)b;

  return pa->index < pb->index ? -1 : pa->index > pb->index;
}

/* At most this many bytes of items are held back while prerolling. */
#define PREROLL_HOLD_LIMIT (128 * 1024 * 1024)

/* Whether the element and every bin it is in are PLAYING. With a live
 * source the elements reach PLAYING while the sinks still preroll: the
 * pipeline stays PAUSED until they have. */
static gboolean
gst_gpu_unbatch_pipeline_playing (GstGpuUnbatch *self)
{
  GstObject *obj = gst_object_ref (GST_OBJECT (self)), *parent;
  gboolean playing = TRUE;

  while (obj && playing) {
    if (GST_IS_ELEMENT (obj)) {
      GST_OBJECT_LOCK (obj);
      playing = GST_STATE (obj) == GST_STATE_PLAYING;
      GST_OBJECT_UNLOCK (obj);
    }
    parent = gst_object_get_parent (obj);
    gst_object_unref (obj);
    obj = parent;
  }
  g_clear_object (&obj);
  return playing;
}

/* Called with self->lock. TRUE while a source gpubatch announced has not
 * had its first item yet and the pipeline is not PLAYING: later items of
 * the branches already fed wait then, so that a full queue on one branch
 * cannot keep the other branches from prerolling. */
static gboolean
gst_gpu_unbatch_prerolling_locked (GstGpuUnbatch *self)
{
  guint i;

  if (self->sources == NULL)
    return FALSE;
  for (i = 0; i < self->sources->len; i++) {
    GstGpuUnbatchPad *srcpad = g_hash_table_lookup (
        self->pads, GUINT_TO_POINTER (g_array_index (self->sources, guint, i)));

    if (srcpad == NULL || !srcpad->fed)
      return !gst_gpu_unbatch_pipeline_playing (self);
  }
  return FALSE;
}

/* Called with self->lock: drops the items held back (counted as dropped)
 * and forgets which branches were fed, for a new preroll. */
static void
gst_gpu_unbatch_reset_preroll_locked (GstGpuUnbatch *self)
{
  GHashTableIter iter;
  gpointer value;
  GstBuffer *item;

  g_hash_table_iter_init (&iter, self->pads);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstGpuUnbatchPad *srcpad = value;

    while ((item = g_queue_pop_head (&srcpad->held))) {
      gst_buffer_unref (item);
      self->items_dropped++;
      srcpad->items_dropped++;
    }
    srcpad->fed = FALSE;
  }
  self->items_held = 0;
  self->held_bytes = 0;
}

/* Streaming thread, without self->lock. Makes @caps, the caps of the frame
 * about to be pushed, the caps of @srcpad (output=frames) when they differ
 * from the current ones. Returns FALSE, after posting an error, when they
 * are not video or downstream refuses them. */
static gboolean
gst_gpu_unbatch_pad_set_frame_caps (
    GstGpuUnbatch *self, GstGpuUnbatchPad *srcpad, GstCaps *caps)
{
  GstPad *pad = GST_PAD (srcpad);
  GstCaps *video;
  GstEvent *event;
  gboolean same, is_video;

  g_mutex_lock (&self->lock);
  same = srcpad->caps != NULL && gst_caps_is_equal (srcpad->caps, caps);
  g_mutex_unlock (&self->lock);
  if (same)
    return TRUE;

  video = gst_static_caps_get (&frames_caps);
  is_video = gst_caps_is_subset (caps, video);
  gst_caps_unref (video);
  if (!is_video)
    goto not_video;
  if (!gst_pad_peer_query_accept_caps (pad, caps))
    goto refused;

  GST_DEBUG_OBJECT (srcpad, "frame caps %" GST_PTR_FORMAT, caps);
  g_mutex_lock (&self->lock);
  if (srcpad->need_sticky) {
    gst_gpu_unbatch_pad_sync_sticky_locked (self, srcpad, caps);
  } else {
    event = gst_event_new_caps (caps);
    if (gst_pad_store_sticky_event (pad, event) == GST_FLOW_OK)
      gst_caps_replace (&srcpad->caps, caps);
    gst_event_unref (event);
  }
  g_mutex_unlock (&self->lock);
  return TRUE;

not_video:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("gpuunbatch output=frames pushes video frames, but the frames of "
       "source %u are not raw video",
          srcpad->index),
      ("frame caps %" GST_PTR_FORMAT ", src_%u takes " FRAMES_CAPS, caps,
          srcpad->index));
  return FALSE;
refused:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("the element linked to gpuunbatch's src_%u does not accept the frames "
       "of source %u",
          srcpad->index, srcpad->index),
      ("downstream of %s:%s refused caps %" GST_PTR_FORMAT,
          GST_DEBUG_PAD_NAME (pad), caps));
  return FALSE;
}

/* Streaming thread, without self->lock. Pushes @item (transfer full) on
 * @srcpad and counts it; @held: it was held back until now. Returns the
 * combined flow of all src pads. */
static GstFlowReturn
gst_gpu_unbatch_push_item (GstGpuUnbatch *self, GstGpuUnbatchPad *srcpad,
    GstBuffer *item, gboolean held)
{
  gboolean cache_hit
      = gst_mini_object_get_qdata (GST_MINI_OBJECT (item), cache_hit_quark)
        != NULL;
  GstCaps *caps
      = gst_mini_object_steal_qdata (GST_MINI_OBJECT (item), frame_caps_quark);
  gsize size = gst_buffer_get_size (item);
  GstFlowReturn pushed, ret;

  if (caps && !gst_gpu_unbatch_pad_set_frame_caps (self, srcpad, caps)) {
    gst_buffer_unref (item);
    pushed = GST_FLOW_NOT_NEGOTIATED;
  } else {
    GST_LOG_OBJECT (srcpad, "pushing %" GST_PTR_FORMAT, item);
    pushed = gst_pad_push (GST_PAD (srcpad), item);
  }
  gst_clear_caps (&caps);

  g_mutex_lock (&self->lock);
  if (held) {
    self->items_held--;
    self->held_bytes -= size;
  }
  if (pushed == GST_FLOW_OK) {
    self->items_out++;
    srcpad->items_out++;
    if (cache_hit) {
      self->items_cache_hit++;
      srcpad->items_cache_hit++;
    }
  } else {
    /* refused downstream (flushing, not linked, error): nobody got it */
    self->items_dropped++;
    srcpad->items_dropped++;
  }
  ret = gst_flow_combiner_update_pad_flow (
      self->flow_combiner, GST_PAD (srcpad), pushed);
  g_mutex_unlock (&self->lock);
  return ret;
}

/* Streaming thread, without self->lock. Pushes every item held back,
 * branch by branch, oldest first; the pushes may block until PLAYING.
 * Returns the last combined flow. */
static GstFlowReturn
gst_gpu_unbatch_release_held (GstGpuUnbatch *self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GPtrArray *pads;
  guint i;

  g_mutex_lock (&self->lock);
  pads = gst_gpu_unbatch_collect_pads_locked (self);
  g_mutex_unlock (&self->lock);
  g_ptr_array_sort (pads, compare_pad_index);

  for (i = 0; i < pads->len; i++) {
    GstGpuUnbatchPad *srcpad = g_ptr_array_index (pads, i);
    GstBuffer *item;

    for (;;) {
      g_mutex_lock (&self->lock);
      item = g_queue_pop_head (&srcpad->held);
      g_mutex_unlock (&self->lock);
      if (item == NULL)
        break;
      ret = gst_gpu_unbatch_push_item (self, srcpad, item, TRUE);
    }
  }
  g_ptr_array_unref (pads);
  return ret;
}

/* State-change thread, streaming stopped: removes the pads created for
 * sources and keeps requested ones, which need their sticky events again. */
static void
gst_gpu_unbatch_reset_pads (GstGpuUnbatch *self)
{
  GHashTableIter iter;
  gpointer value;
  GSList *removed = NULL, *l;

  g_mutex_lock (&self->lock);
  gst_gpu_unbatch_reset_preroll_locked (self);
  g_clear_pointer (&self->sources, g_array_unref);
  g_hash_table_iter_init (&iter, self->pads);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstGpuUnbatchPad *srcpad = value;

    if (srcpad->requested) {
      srcpad->need_sticky = TRUE;
      srcpad->discont = TRUE;
      gst_clear_caps (&srcpad->caps);
      continue;
    }
    gst_flow_combiner_remove_pad (self->flow_combiner, GST_PAD (srcpad));
    g_hash_table_iter_steal (&iter);
    removed = g_slist_prepend (removed, srcpad);
  }
  gst_flow_combiner_reset (self->flow_combiner);
  g_free (self->upstream_stream_id);
  self->upstream_stream_id = NULL;
  gst_clear_caps (&self->item_caps);
  gst_clear_event (&self->segment);
  self->negotiated = FALSE;
  g_mutex_unlock (&self->lock);

  for (l = removed; l != NULL; l = l->next)
    gst_gpu_unbatch_remove_src_pad (self, l->data);
  g_slist_free (removed);
}

/* ------------------------------------------------------------------------ */
/* Negotiation                                                              */

/* Streaming thread. Validates the batch caps and computes the per-item
 * caps and the slice of each tensor. */
static gboolean
gst_gpu_unbatch_set_caps (GstGpuUnbatch *self, GstCaps *caps)
{
  GstGpuTensorsConfig config, item_config;
  GstCapsFeatures *features;
  GError *error = NULL;
  GstCaps *item_caps;
  gchar *dims = NULL, *dims0 = NULL;
  gsize offset = 0;
  guint64 batch_size = 0;
  gboolean ret = FALSE;
  guint t;

  if (!gst_gpu_tensors_config_from_caps (&config, caps, &error))
    goto bad_caps;

  item_config = config;
  for (t = 0; t < config.num_tensors; t++) {
    GstGpuTensorInfo *info = &item_config.info[t];
    guint64 outer = info->dims[info->rank - 1];

    if (t == 0)
      batch_size = outer;
    if (outer != batch_size || outer > G_MAXUINT)
      goto bad_batch_dims;
    self->tensor_offset[t] = offset;
    self->slot_size[t] = gst_gpu_tensor_info_get_size (&config.info[t]) / outer;
    offset += gst_gpu_tensor_info_get_size (&config.info[t]);
    info->dims[info->rank - 1] = 1;
  }
  if (item_config.fps_d <= 0 || item_config.fps_n < 0) {
    item_config.fps_n = 0;
    item_config.fps_d = 1;
  }

  features = gst_caps_get_features (caps, 0);
  self->device_memory = features != NULL
                        && gst_caps_features_contains (
                            features, GST_CAPS_FEATURE_MEMORY_GPU_TENSOR);
  self->config = config;
  self->batch_size = (guint)batch_size;
  self->batch_bytes = offset;
  self->negotiated = TRUE;

  item_caps = gst_gpu_tensors_config_to_caps (&item_config, NULL);
  GST_INFO_OBJECT (self, "batches of %u (%s), items %" GST_PTR_FORMAT,
      self->batch_size, self->device_memory ? "device memory" : "system memory",
      item_caps);

  /* with output=frames each pad takes the caps of its frames instead */
  g_mutex_lock (&self->lock);
  if (!self->frames)
    gst_caps_replace (&self->item_caps, item_caps);
  g_mutex_unlock (&self->lock);
  gst_caps_unref (item_caps);
  return TRUE;

bad_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("gpuunbatch cannot split these batches: %s", error->message),
      ("caps: %" GST_PTR_FORMAT, caps));
  g_clear_error (&error);
  goto out_unnegotiated;
bad_batch_dims:
  dims0 = gst_gpu_tensor_info_dimensions_to_string (&config.info[0]);
  dims = gst_gpu_tensor_info_dimensions_to_string (&config.info[t]);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("gpuunbatch needs the same batch size (outermost dimension) in every "
       "tensor: tensor 0 is %s but tensor %u is %s",
          dims0, t, dims),
      ("caps: %" GST_PTR_FORMAT, caps));
  g_free (dims0);
  g_free (dims);
out_unnegotiated:
  self->negotiated = FALSE;
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Events and queries                                                       */

/* Streaming thread (serialized events) or any upstream thread (flushes).
 * Pushes @event (transfer full), or for STREAM_START a per-pad copy, to
 * every pad of @pads after storing the sticky events a pad has not seen
 * yet. With output=frames a SEGMENT skips the pads still waiting for their
 * first frame's caps: it is stored after those caps. Takes self->lock
 * around the pad state only. */
static gboolean
gst_gpu_unbatch_forward_event_to (
    GstGpuUnbatch *self, GstEvent *event, GPtrArray *pads)
{
  GPtrArray *own = NULL;
  gboolean is_stream_start = GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START;
  gboolean *skip = g_new0 (gboolean, pads->len);
  guint i;

  g_mutex_lock (&self->lock);
  if (is_stream_start)
    own = g_ptr_array_new_full (pads->len, (GDestroyNotify)gst_event_unref);
  for (i = 0; i < pads->len; i++) {
    GstGpuUnbatchPad *srcpad = g_ptr_array_index (pads, i);

    if (GST_EVENT_IS_SERIALIZED (event))
      gst_gpu_unbatch_pad_sync_sticky_locked (self, srcpad, NULL);
    if (is_stream_start)
      g_ptr_array_add (
          own, gst_gpu_unbatch_pad_new_stream_start_locked (self, srcpad));
    skip[i] = self->frames && srcpad->need_sticky
              && GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT;
  }
  g_mutex_unlock (&self->lock);

  for (i = 0; i < pads->len; i++) {
    GstEvent *out = own ? g_ptr_array_index (own, i) : event;

    if (!skip[i])
      gst_pad_push_event (g_ptr_array_index (pads, i), gst_event_ref (out));
  }
  g_clear_pointer (&own, g_ptr_array_unref);
  g_free (skip);
  gst_event_unref (event);

  return TRUE;
}

/* Same threads: @event (transfer full) to every src pad. */
static gboolean
gst_gpu_unbatch_forward_event (GstGpuUnbatch *self, GstEvent *event)
{
  GPtrArray *pads;
  gboolean ret;

  g_mutex_lock (&self->lock);
  pads = gst_gpu_unbatch_collect_pads_locked (self);
  g_mutex_unlock (&self->lock);
  ret = gst_gpu_unbatch_forward_event_to (self, event, pads);
  g_ptr_array_unref (pads);
  return ret;
}

/* Streaming thread: EOS (transfer full) goes first to the branches with
 * nothing held back, since a sink still prerolling on one of them may need
 * it before the held items of another branch can be pushed; then the held
 * items go out, then EOS on their branches. */
static gboolean
gst_gpu_unbatch_push_eos (GstGpuUnbatch *self, GstEvent *event)
{
  GPtrArray *idle, *busy;
  guint i;

  g_mutex_lock (&self->lock);
  idle = gst_gpu_unbatch_collect_pads_locked (self);
  busy = g_ptr_array_new_with_free_func (gst_object_unref);
  for (i = idle->len; i > 0; i--) {
    GstGpuUnbatchPad *srcpad = g_ptr_array_index (idle, i - 1);

    if (!g_queue_is_empty (&srcpad->held))
      g_ptr_array_add (busy, g_ptr_array_steal_index (idle, i - 1));
  }
  g_mutex_unlock (&self->lock);

  gst_gpu_unbatch_forward_event_to (self, gst_event_ref (event), idle);
  gst_gpu_unbatch_release_held (self);
  gst_gpu_unbatch_forward_event_to (self, event, busy);
  g_ptr_array_unref (idle);
  g_ptr_array_unref (busy);
  return TRUE;
}

/* Streaming thread. */
static void
gst_gpu_unbatch_handle_stream_start (GstGpuUnbatch *self, GstEvent *event)
{
  const gchar *stream_id = NULL;
  guint group_id;
  GstStreamFlags flags = GST_STREAM_FLAG_NONE;

  gst_event_parse_stream_start (event, &stream_id);
  gst_event_parse_stream_flags (event, &flags);

  g_mutex_lock (&self->lock);
  g_free (self->upstream_stream_id);
  self->upstream_stream_id = g_strdup (stream_id ? stream_id : "gpuunbatch");
  /* all src pads belong to one group so that a playsink-like consumer
   * treats them as parts of the same stream */
  if (!gst_event_parse_group_id (event, &group_id))
    group_id = gst_util_group_id_next ();
  self->group_id = group_id;
  self->stream_flags = flags;
  /* like a pad storing a stream-start: the old segment is void */
  gst_clear_event (&self->segment);
  g_mutex_unlock (&self->lock);
}

/* Streaming thread. */
static void
gst_gpu_unbatch_handle_eos (GstGpuUnbatch *self)
{
  guint n_pads;

  g_mutex_lock (&self->lock);
  n_pads = g_hash_table_size (self->pads);
  g_mutex_unlock (&self->lock);

  if (n_pads == 0)
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("gpuunbatch reached end of stream without seeing any source"),
        ("no valid slot arrived and no src_N pad was requested, so nothing "
         "downstream can receive EOS; check that gpubatch gets data"));
}

/* Streaming thread for serialized events, upstream thread for flushes. */
static gboolean
gst_gpu_unbatch_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (parent);
  GHashTableIter iter;
  gpointer value;
  GstCaps *caps;
  GArray *sources;
  gboolean ret = TRUE;

  GST_LOG_OBJECT (self, "event %" GST_PTR_FORMAT, event);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      gst_gpu_unbatch_handle_stream_start (self, event);
      ret = gst_gpu_unbatch_forward_event (self, event);
      break;
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      if (!gst_gpu_unbatch_set_caps (self, caps)) {
        gst_event_unref (event);
        ret = FALSE;
        break;
      }
      gst_event_unref (event);
      if (self->frames)
        break;
      g_mutex_lock (&self->lock);
      event = gst_event_new_caps (self->item_caps);
      g_mutex_unlock (&self->lock);
      ret = gst_gpu_unbatch_forward_event (self, event);
      break;
    case GST_EVENT_SEGMENT:
      g_mutex_lock (&self->lock);
      gst_event_replace (&self->segment, event);
      g_mutex_unlock (&self->lock);
      ret = gst_gpu_unbatch_forward_event (self, event);
      break;
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&self->lock);
      gst_gpu_unbatch_reset_preroll_locked (self);
      gst_flow_combiner_reset (self->flow_combiner);
      g_hash_table_iter_init (&iter, self->pads);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        GST_GPU_UNBATCH_PAD (value)->discont = TRUE;
      g_mutex_unlock (&self->lock);
      ret = gst_gpu_unbatch_forward_event (self, event);
      break;
    case GST_EVENT_EOS:
      gst_gpu_unbatch_handle_eos (self);
      ret = gst_gpu_unbatch_push_eos (self, event);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      sources = gst_gpu_batch_sources_event_parse (event);
      if (sources) {
        g_mutex_lock (&self->lock);
        g_clear_pointer (&self->sources, g_array_unref);
        self->sources = sources;
        g_mutex_unlock (&self->lock);
      }
      ret = gst_gpu_unbatch_forward_event (self, event);
      break;
    default:
      ret = gst_gpu_unbatch_forward_event (self, event);
      break;
  }

  return ret;
}

/* Any thread; no lock. */
static gboolean
gst_gpu_unbatch_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (parent);
  GstCaps *caps, *templ;
  gboolean ret = TRUE;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
      /* outputs are always system memory, so what downstream takes does
       * not restrict what we take */
      gst_gpu_caps_query_reply (query, gst_pad_get_pad_template_caps (pad));
      break;
    case GST_QUERY_ACCEPT_CAPS:
      gst_query_parse_accept_caps (query, &caps);
      templ = gst_pad_get_pad_template_caps (pad);
      ret = gst_caps_is_subset (caps, templ);
      if (!ret)
        GST_WARNING_OBJECT (self,
            "refusing %" GST_PTR_FORMAT ": gpuunbatch "
            "takes other/tensors batches (format=static) in system memory "
            "or " GST_CAPS_FEATURE_MEMORY_GPU_TENSOR,
            caps);
      gst_query_set_accept_caps_result (query, ret);
      gst_caps_unref (templ);
      ret = TRUE;
      break;
    case GST_QUERY_ALLOCATION:
      /* item buffers share the batch's memory: upstream allocates from its
       * own pool; we only say that we read the batch meta */
      gst_query_add_allocation_meta (query, GST_GPU_BATCH_META_API_TYPE, NULL);
      break;
    default:
      ret = gst_pad_query_default (pad, parent, query);
      break;
  }

  return ret;
}

/* Any thread; takes self->lock for the current caps. */
static gboolean
gst_gpu_unbatch_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (parent);
  GstCaps *caps = NULL;
  gboolean ret = TRUE;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
      g_mutex_lock (&self->lock);
      if (self->frames && GST_GPU_UNBATCH_PAD (pad)->caps)
        caps = gst_caps_ref (GST_GPU_UNBATCH_PAD (pad)->caps);
      else if (self->frames)
        caps = gst_static_caps_get (&frames_caps);
      else if (self->item_caps)
        caps = gst_caps_ref (self->item_caps);
      g_mutex_unlock (&self->lock);
      if (caps == NULL)
        caps = gst_pad_get_pad_template_caps (pad);
      gst_gpu_caps_query_reply (query, caps);
      break;
    default:
      ret = gst_pad_query_default (pad, parent, query);
      break;
  }

  return ret;
}

/* Downstream threads: seeks, QoS, reconfigure go upstream as they are. */
static gboolean
gst_gpu_unbatch_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  return gst_pad_event_default (pad, parent, event);
}

/* ------------------------------------------------------------------------ */
/* Data flow                                                                */

/* Streaming thread. Copies the valid slots of a device batch to one host
 * buffer laid out like the batch (the map stages device memory to host).
 * Returns: (transfer full) (nullable). */
static GstBuffer *
gst_gpu_unbatch_stage_to_host (
    GstGpuUnbatch *self, GstBuffer *batch, guint n_valid)
{
  GstBuffer *host;
  GstMapInfo map;
  gsize want, got;
  guint t;

  host = gst_buffer_new_allocate (NULL, self->batch_bytes, NULL);
  if (host == NULL || !gst_buffer_map (host, &map, GST_MAP_WRITE))
    goto out_free;

  if (n_valid == self->batch_size) {
    want = self->batch_bytes;
    got = gst_buffer_extract (batch, 0, map.data, want);
  } else {
    /* per tensor, only the valid prefix: the batch dim is outermost */
    want = got = 0;
    for (t = 0; t < self->config.num_tensors; t++) {
      gsize n = (gsize)n_valid * self->slot_size[t];

      want += n;
      got += gst_buffer_extract (
          batch, self->tensor_offset[t], map.data + self->tensor_offset[t], n);
    }
  }
  gst_buffer_unmap (host, &map);
  if (got != want)
    goto out_free;
  return host;

out_free:
  gst_clear_buffer (&host);
  return host;
}

/* Streaming thread, no lock: the slot's slices of every tensor, sharing
 * @batch's memory. Returns: (transfer full) (nullable). */
static GstBuffer *
gst_gpu_unbatch_slice (GstGpuUnbatch *self, GstBuffer *batch, guint slot)
{
  GstBuffer *item = gst_buffer_new ();
  guint t;

  for (t = 0; t < self->config.num_tensors; t++) {
    gsize offset = self->tensor_offset[t] + (gsize)slot * self->slot_size[t];

    if (!gst_buffer_copy_into (
            item, batch, GST_BUFFER_COPY_MEMORY, offset, self->slot_size[t]))
      goto out_free;
  }
  return item;

out_free:
  gst_clear_buffer (&item);
  return item;
}

/* Streaming thread, no lock: the frame kept in slot @slot of @batch, a
 * shallow copy sharing the frame's memory, with the slot's results as
 * region-of-interest metas and the frame's caps attached for
 * gst_gpu_unbatch_push_item (). Returns: (transfer full) (nullable): NULL,
 * after posting an error, when the slot has no frame or a result cannot
 * be attached. */
static GstBuffer *
gst_gpu_unbatch_frame (GstGpuUnbatch *self, GstBuffer *batch, guint slot,
    const GstGpuBatchSlot *desc)
{
  GstGpuResultsMeta *results = gst_buffer_get_gpu_results_meta (batch);
  const GstGpuResult *result = NULL;
  GstBuffer *frame, *item;
  GstCaps *caps;
  guint n_results = 0, i;

  frame = desc->frame ? gst_sample_get_buffer (desc->frame) : NULL;
  caps = desc->frame ? gst_sample_get_caps (desc->frame) : NULL;
  if (frame == NULL || caps == NULL)
    goto no_frame;

  item = gst_buffer_copy (frame);
  GST_BUFFER_FLAG_UNSET (item, GST_BUFFER_FLAG_DISCONT);
  if (results)
    result = gst_gpu_results_meta_get_slot (results, slot, &n_results);
  for (i = 0; i < n_results; i++) {
    if (!gst_gpu_result_to_roi_meta (
            &result[i], item, desc->width, desc->height))
      goto roi_failed;
  }
  gst_mini_object_set_qdata (GST_MINI_OBJECT (item), frame_caps_quark,
      gst_caps_ref (caps), (GDestroyNotify)gst_caps_unref);
  return item;

no_frame:
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("gpuunbatch output=frames needs the original frames in the batch: "
       "set keep-frames=true on gpubatch"),
      ("slot %u (source %u, pts %" GST_TIME_FORMAT ") has no %s in its "
       "GstGpuBatchMeta",
          slot, desc->pad_index, GST_TIME_ARGS (desc->pts),
          desc->frame ? "buffer or caps in its frame sample" : "frame"));
  return NULL;
roi_failed:
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("gpuunbatch could not attach the results of source %u to its frame",
          desc->pad_index),
      ("gst_gpu_result_to_roi_meta failed for result %u of slot %u on a "
       "%ux%u frame",
          i, slot, desc->width, desc->height));
  gst_buffer_unref (item);
  return NULL;
}

/* Streaming thread; takes self->lock around counters and the combiner.
 * Pushes slot @slot of @batch (system memory) to its source's pad, holds
 * it back while other branches preroll (@preroll), or only counts it.
 * With output=frames a failed slot's frame is pushed too (counted as
 * failed and, once pushed, out). Returns the combined flow of all src
 * pads, or GST_FLOW_CUSTOM_SUCCESS when the slot was only counted or
 * held. */
static GstFlowReturn
gst_gpu_unbatch_push_slot (GstGpuUnbatch *self, GstBuffer *batch, guint slot,
    const GstGpuBatchSlot *desc, gboolean preroll)
{
  GstGpuUnbatchPad *srcpad;
  GstBuffer *item = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  GstGpuSlotStatus status = desc->status;
  gsize size;

  srcpad = gst_gpu_unbatch_get_src_pad (self, desc->pad_index);

  switch (status) {
    case GST_GPU_SLOT_STATUS_OK:
    case GST_GPU_SLOT_STATUS_CACHE_HIT:
      break;
    case GST_GPU_SLOT_STATUS_DROPPED:
      g_mutex_lock (&self->lock);
      self->items_dropped++;
      srcpad->items_dropped++;
      g_mutex_unlock (&self->lock);
      ret = GST_FLOW_CUSTOM_SUCCESS;
      goto out;
    case GST_GPU_SLOT_STATUS_FAILED:
    default:
      if (status != GST_GPU_SLOT_STATUS_FAILED)
        GST_WARNING_OBJECT (self,
            "slot %u has unknown status %d; counted as "
            "failed",
            slot, status);
      g_mutex_lock (&self->lock);
      self->items_failed++;
      srcpad->items_failed++;
      g_mutex_unlock (&self->lock);
      if (self->frames)
        break;
      ret = GST_FLOW_CUSTOM_SUCCESS;
      goto out;
  }

  if (self->frames) {
    /* shares the frame's memory only: held, it pins no batch buffer */
    item = gst_gpu_unbatch_frame (self, batch, slot, desc);
    if (item == NULL)
      goto frame_failed;
  } else {
    item = gst_gpu_unbatch_slice (self, batch, slot);
    if (item == NULL)
      goto slice_failed;
    if (preroll) {
      /* held or waiting in a prerolled branch, it must not pin a batch
       * buffer: gpubatch needs its pool to batch the missing sources */
      GstBuffer *copy = gst_buffer_copy_deep (item);

      gst_buffer_unref (item);
      item = copy;
    }
  }
  GST_BUFFER_PTS (item) = desc->pts;
  GST_BUFFER_DTS (item) = desc->dts;
  GST_BUFFER_DURATION (item) = desc->duration;
  if (status == GST_GPU_SLOT_STATUS_CACHE_HIT)
    gst_mini_object_set_qdata (
        GST_MINI_OBJECT (item), cache_hit_quark, GINT_TO_POINTER (1), NULL);
  size = gst_buffer_get_size (item);

  g_mutex_lock (&self->lock);
  gst_gpu_unbatch_pad_sync_sticky_locked (self, srcpad, NULL);
  if (srcpad->discont) {
    GST_BUFFER_FLAG_SET (item, GST_BUFFER_FLAG_DISCONT);
    srcpad->discont = FALSE;
  }
  if (preroll && srcpad->fed && self->held_bytes + size <= PREROLL_HOLD_LIMIT) {
    g_queue_push_tail (&srcpad->held, item);
    self->items_held++;
    self->held_bytes += size;
    g_mutex_unlock (&self->lock);
    ret = GST_FLOW_CUSTOM_SUCCESS;
    goto out;
  }
  srcpad->fed = TRUE;
  g_mutex_unlock (&self->lock);

  ret = gst_gpu_unbatch_push_item (self, srcpad, item, FALSE);
  goto out;

slice_failed:
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("gpuunbatch could not slice slot %u out of a batch of %" G_GSIZE_FORMAT
       " bytes",
          slot, gst_buffer_get_size (batch)),
      ("gst_buffer_copy_into failed for %u tensors, slot sizes %" G_GSIZE_FORMAT
       " (first tensor) at offset %" G_GSIZE_FORMAT,
          self->config.num_tensors, self->slot_size[0],
          self->tensor_offset[0] + (gsize)slot * self->slot_size[0]));
  ret = GST_FLOW_ERROR;
  goto out;
frame_failed:
  g_mutex_lock (&self->lock);
  self->items_dropped++;
  srcpad->items_dropped++;
  g_mutex_unlock (&self->lock);
  ret = GST_FLOW_ERROR;
out:
  gst_object_unref (srcpad);
  return ret;
}

/* Streaming thread. Checks the meta against the negotiated shape; posts an
 * error naming both when they disagree. */
static gboolean
gst_gpu_unbatch_check_batch (
    GstGpuUnbatch *self, GstBuffer *buffer, const GstGpuBatchMeta *meta)
{
  gchar *dims = NULL;
  gboolean ret = FALSE;

  if (meta && meta->n_slots != self->batch_size)
    goto slot_mismatch;
  if (meta && meta->n_valid > meta->n_slots)
    goto valid_mismatch;
  if (gst_buffer_get_size (buffer) < self->batch_bytes)
    goto too_small;
  ret = TRUE;
  goto out;

slot_mismatch:
  dims = gst_gpu_tensor_info_dimensions_to_string (&self->config.info[0]);
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("gpuunbatch got a batch whose GstGpuBatchMeta has %u slots but whose "
       "tensor has dimensions %s (batch size %u, outermost)",
          meta->n_slots, dims, self->batch_size),
      ("the element upstream changed the batch size without new caps"));
  goto out;
valid_mismatch:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("gpuunbatch got a GstGpuBatchMeta with %u valid slots out of %u",
          meta->n_valid, meta->n_slots),
      ("the element upstream wrote n_valid past n_slots in the batch meta of "
       "buffer %" GST_PTR_FORMAT,
          buffer));
  goto out;
too_small:
  dims = gst_gpu_tensor_info_dimensions_to_string (&self->config.info[0]);
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("gpuunbatch got a batch of %" G_GSIZE_FORMAT " bytes but the caps "
       "(first tensor %s, %u tensors) need %" G_GSIZE_FORMAT,
          gst_buffer_get_size (buffer), dims, self->config.num_tensors,
          self->batch_bytes),
      ("buffer %" GST_PTR_FORMAT " is shorter than the negotiated caps say",
          buffer));
out:
  g_free (dims);
  return ret;
}

/* Streaming thread. */
static GstFlowReturn
gst_gpu_unbatch_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (parent);
  GstGpuBatchMeta *meta;
  GstBuffer *host = NULL;
  GstGpuBatchSlot desc = {
    0,
  };
  GstFlowReturn ret = GST_FLOW_OK, slot_ret;
  gboolean preroll, release;
  guint n_valid, i;

  if (!self->negotiated)
    goto not_negotiated;

  meta = gst_buffer_get_gpu_batch_meta (buffer);
  if (!gst_gpu_unbatch_check_batch (self, buffer, meta))
    goto bad_batch;
  n_valid = meta ? meta->n_valid : self->batch_size;

  /* frames mode reads the frames, not the tensors */
  if (self->device_memory && n_valid > 0 && !self->frames) {
    host = gst_gpu_unbatch_stage_to_host (self, buffer, n_valid);
    if (host == NULL)
      goto map_failed;
  } else {
    host = gst_buffer_ref (buffer);
  }

  g_mutex_lock (&self->lock);
  self->batches++;
  self->items_in += n_valid;
  gst_gpu_throughput_meter_record (
      &self->throughput, gst_gpu_stats_now (), n_valid);
  preroll = gst_gpu_unbatch_prerolling_locked (self);
  release = !preroll && self->items_held > 0;
  g_mutex_unlock (&self->lock);

  if (release)
    ret = gst_gpu_unbatch_release_held (self);

  /* without a meta: n valid slots of source 0 carrying the batch's
   * timestamps */
  desc.pad_index = 0;
  desc.pts = GST_BUFFER_PTS (buffer);
  desc.dts = GST_BUFFER_DTS (buffer);
  desc.duration = GST_BUFFER_DURATION (buffer);
  desc.status = GST_GPU_SLOT_STATUS_OK;

  for (i = 0; i < n_valid; i++) {
    if (ret != GST_FLOW_OK && ret != GST_FLOW_NOT_LINKED)
      break;
    slot_ret = gst_gpu_unbatch_push_slot (
        self, host, i, meta ? &meta->slots[i] : &desc, preroll);
    /* dropped, failed and held slots keep the last combined flow */
    if (slot_ret != GST_FLOW_CUSTOM_SUCCESS)
      ret = slot_ret;
  }
  if (i < n_valid) {
    /* flushing or an error stopped the batch: the rest is dropped */
    g_mutex_lock (&self->lock);
    self->items_dropped += n_valid - i;
    g_mutex_unlock (&self->lock);
  }

  /* the last branch may have got its first item in this batch */
  if (preroll && (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED)) {
    g_mutex_lock (&self->lock);
    release = !gst_gpu_unbatch_prerolling_locked (self) && self->items_held > 0;
    g_mutex_unlock (&self->lock);
    if (release)
      ret = gst_gpu_unbatch_release_held (self);
  }
  goto out;

not_negotiated:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("gpuunbatch received a batch before other/tensors caps"),
      ("upstream must send static other/tensors caps first"));
  ret = GST_FLOW_NOT_NEGOTIATED;
  goto out;
bad_batch:
  ret = GST_FLOW_ERROR;
  goto out;
map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, READ,
      ("gpuunbatch could not copy a %" G_GSIZE_FORMAT " byte device batch to "
       "host memory",
          gst_buffer_get_size (buffer)),
      ("%u valid slots of %u; the device map or the host allocation of "
       "%" G_GSIZE_FORMAT " bytes failed",
          n_valid, self->batch_size, self->batch_bytes));
  ret = GST_FLOW_ERROR;
out:
  gst_clear_buffer (&host);
  gst_buffer_unref (buffer);
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Stats, state, properties                                                 */

/* Application or stats-timer thread; takes self->lock. Returns: (transfer
 * full). */
static GstStructure *
gst_gpu_unbatch_build_stats (GstElement *element)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (element);
  GstStructure *s;
  GPtrArray *pads;
  GValue array = G_VALUE_INIT, item = G_VALUE_INIT;
  guint i;

  g_value_init (&array, GST_TYPE_ARRAY);

  g_mutex_lock (&self->lock);
  s = gst_structure_new ("gpuunbatch-stats", GST_GPU_STATS_ITEMS_IN,
      G_TYPE_UINT64, self->items_in, GST_GPU_STATS_ITEMS_OUT, G_TYPE_UINT64,
      self->items_out, GST_GPU_STATS_ITEMS_DROPPED, G_TYPE_UINT64,
      self->items_dropped, GST_GPU_STATS_ITEMS_FAILED, G_TYPE_UINT64,
      self->items_failed, "items-cache-hit", G_TYPE_UINT64,
      self->items_cache_hit, "items-held", G_TYPE_UINT64, self->items_held,
      GST_GPU_STATS_BATCHES, G_TYPE_UINT64, self->batches, GST_GPU_STATS_DEVICE,
      G_TYPE_STRING, "cpu", NULL);
  gst_gpu_stats_set_throughput (s, &self->throughput, gst_gpu_stats_now ());

  pads = gst_gpu_unbatch_collect_pads_locked (self);
  g_ptr_array_sort (pads, compare_pad_index);
  for (i = 0; i < pads->len; i++) {
    GstGpuUnbatchPad *srcpad = g_ptr_array_index (pads, i);

    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item,
        gst_structure_new ("pad", "pad", G_TYPE_STRING,
            GST_OBJECT_NAME (srcpad), "index", G_TYPE_UINT, srcpad->index,
            GST_GPU_STATS_ITEMS_OUT, G_TYPE_UINT64, srcpad->items_out,
            GST_GPU_STATS_ITEMS_DROPPED, G_TYPE_UINT64, srcpad->items_dropped,
            GST_GPU_STATS_ITEMS_FAILED, G_TYPE_UINT64, srcpad->items_failed,
            "items-cache-hit", G_TYPE_UINT64, srcpad->items_cache_hit, NULL));
    gst_value_array_append_and_take_value (&array, &item);
  }
  g_mutex_unlock (&self->lock);
  g_ptr_array_unref (pads);

  gst_structure_take_value (s, "pads", &array);
  return s;
}

/* State-change thread; takes self->lock. */
static void
gst_gpu_unbatch_reset_stats (GstGpuUnbatch *self)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  self->items_in = self->items_out = self->items_dropped = 0;
  self->items_failed = self->items_cache_hit = self->batches = 0;
  gst_gpu_throughput_meter_reset (&self->throughput, 10);
  g_hash_table_iter_init (&iter, self->pads);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstGpuUnbatchPad *srcpad = value;

    srcpad->items_out = srcpad->items_dropped = 0;
    srcpad->items_failed = srcpad->items_cache_hit = 0;
  }
  gst_flow_combiner_reset (self->flow_combiner);
  g_mutex_unlock (&self->lock);
}

/* State-change thread. */
static GstStateChangeReturn
gst_gpu_unbatch_change_state (GstElement *element, GstStateChange transition)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (element);
  GstStateChangeReturn ret;
  GstClockTime interval;
  gboolean frames;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_gpu_unbatch_reset_stats (self);
      GST_OBJECT_LOCK (self);
      interval = self->stats_interval;
      frames = self->output == GST_GPU_UNBATCH_OUTPUT_FRAMES;
      GST_OBJECT_UNLOCK (self);
      g_mutex_lock (&self->lock);
      self->frames = frames;
      g_mutex_unlock (&self->lock);
      gst_gpu_stats_timer_start (
          &self->stats_timer, element, interval, gst_gpu_unbatch_build_stats);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_gpu_stats_timer_stop (&self->stats_timer);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* pads are inactive now: drop the per-source ones, a new run may
       * bring other sources */
      gst_gpu_unbatch_reset_pads (self);
      break;
    default:
      break;
  }

  return ret;
}

/* Application thread; object lock for the interval. */
static void
gst_gpu_unbatch_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (object);

  switch (prop_id) {
    case PROP_STATS_INTERVAL:
      GST_OBJECT_LOCK (self);
      self->stats_interval = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_OUTPUT:
      GST_OBJECT_LOCK (self);
      self->output = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Application thread; object lock or self->lock. */
static void
gst_gpu_unbatch_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuUnbatch *self = GST_GPU_UNBATCH (object);

  switch (prop_id) {
    case PROP_STATS:
      g_value_take_boxed (
          value, gst_gpu_unbatch_build_stats (GST_ELEMENT (self)));
      break;
    case PROP_STATS_INTERVAL:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->stats_interval);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_OUTPUT:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->output);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}
