/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-gpuoptbin
 * @title: gpuoptbin
 *
 * A bin that plans its children before data flows: it gives each streaming
 * thread a priority from the roles of the elements it drives (audio
 * capture/playback realtime, video capture/display high, background low),
 * sizes each `queue` from the classes of the threads on its two sides, and
 * removes queues in front of lightweight elements so they run in the
 * upstream thread. With profiling on, pad probes measure each element and
 * the next plan uses the measurements. The plan is the `plan` property and a
 * "gpuoptbin-plan" element message. See docs/gpuoptbin.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 gpuoptbin. \( audiotestsrc ! queue ! audioconvert ! \
 *     autoaudiosink  videotestsrc ! queue ! videoscale ! queue ! \
 *     autovideosink \)
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "optimizer/gstgpuoptbin.h"
#include "optimizer/gstgpuoptplan.h"
#include "gst/gstgpustreamelements.h"

#define GST_CAT_DEFAULT gst_gpu_opt_debug

#define DEFAULT_ENABLE_PRIORITIES TRUE
#define DEFAULT_ENABLE_FUSION TRUE
#define DEFAULT_ENABLE_PROFILING FALSE
#define DEFAULT_REALTIME_PRIORITY 10
#define DEFAULT_LOG_DECISIONS FALSE
#define DEFAULT_PROFILE_INTERVAL GST_SECOND

static const gchar *default_whitelist[]
    = { "videoconvert", "videoscale", "videoconvertscale", "audioconvert",
        "audioresample", "capsfilter", "identity", "gpuunbatch", NULL };

enum {
  PROP_0,
  PROP_ENABLE_PRIORITIES,
  PROP_ENABLE_FUSION,
  PROP_ENABLE_PROFILING,
  PROP_FUSION_WHITELIST,
  PROP_FORCE_DEDICATED,
  PROP_BACKGROUND,
  PROP_REALTIME_PRIORITY,
  PROP_LOG_DECISIONS,
  PROP_PROFILE_INTERVAL,
  PROP_DESCRIPTION,
  PROP_PLAN,
  PROP_PROFILE,
};

struct _GstGpuOptBin
{
  GstBin parent;

  /* properties; object lock */
  GstGpuOptConfig cfg;
  gboolean log_decisions;
  GstClockTime profile_interval;
  gchar *description;
  GError *description_error;
  GstElement *description_bin;
  GList *description_pads; /* our ghost pads onto description_bin */

  /* plan_lock guards plan and last_profile; taken by streaming threads at
   * STREAM_STATUS, by the application thread around state changes */
  GMutex plan_lock;
  GstGpuOptPlan *plan;
  GstStructure *last_profile;
  guint generation;

  /* application thread (state changes) only */
  GstGpuOptProfiler *profiler;
  GHashTable *profile_results; /* element path -> gdouble * (µs) */
  gint warned;                 /* atomic: logged "could not" once */
  gint warned_fallback;        /* atomic: logged the nice fallback once */
};

#define gst_gpu_opt_bin_parent_class parent_class
G_DEFINE_TYPE (GstGpuOptBin, gst_gpu_opt_bin, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpuoptbin, "gpuoptbin", GST_RANK_NONE,
    GST_TYPE_GPU_OPT_BIN, gst_gpu_opt_debug_init ());

static void gst_gpu_opt_bin_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_opt_bin_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_gpu_opt_bin_dispose (GObject *object);
static void gst_gpu_opt_bin_finalize (GObject *object);
static GstStateChangeReturn gst_gpu_opt_bin_change_state (
    GstElement *element, GstStateChange transition);
static void gst_gpu_opt_bin_handle_message (GstBin *bin, GstMessage *message);

static GParamSpec *
string_list_pspec (const gchar *name, const gchar *nick, const gchar *blurb)
{
  return gst_param_spec_array (name, nick, blurb,
      g_param_spec_string ("name", "Name", "A name", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
}

static void
gst_gpu_opt_bin_class_init (GstGpuOptBinClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);
  const GParamFlags rw
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gst_gpu_opt_debug_init ();
  gobject_class->set_property = gst_gpu_opt_bin_set_property;
  gobject_class->get_property = gst_gpu_opt_bin_get_property;
  gobject_class->dispose = gst_gpu_opt_bin_dispose;
  gobject_class->finalize = gst_gpu_opt_bin_finalize;

  /**
   * GstGpuOptBin:enable-priorities:
   *
   * Give each streaming thread the priority of the highest class it drives
   * and size queues from the seed table. Default: TRUE.
   */
  g_object_class_install_property (gobject_class, PROP_ENABLE_PRIORITIES,
      g_param_spec_boolean ("enable-priorities", "Enable priorities",
          "Set streaming thread priorities and queue sizes by role",
          DEFAULT_ENABLE_PRIORITIES, rw));
  /**
   * GstGpuOptBin:enable-fusion:
   *
   * Remove queues in front of lightweight elements. Default: TRUE.
   */
  g_object_class_install_property (gobject_class, PROP_ENABLE_FUSION,
      g_param_spec_boolean ("enable-fusion", "Enable fusion",
          "Remove queues in front of lightweight elements",
          DEFAULT_ENABLE_FUSION, rw));
  /**
   * GstGpuOptBin:enable-profiling:
   *
   * Measure each element's time per buffer with pad probes, post
   * "gpuoptbin-profile" messages, and let the next plan use the
   * measurements. Default: FALSE.
   */
  g_object_class_install_property (gobject_class, PROP_ENABLE_PROFILING,
      g_param_spec_boolean ("enable-profiling", "Enable profiling",
          "Measure time per buffer of each element; later plans use it",
          DEFAULT_ENABLE_PROFILING, rw));
  /**
   * GstGpuOptBin:fusion-whitelist:
   *
   * Factory names of lightweight elements (e.g. "<identity, videoscale>").
   * Default: videoconvert, videoscale, videoconvertscale, audioconvert,
   * audioresample, capsfilter, identity, gpuunbatch.
   */
  g_object_class_install_property (gobject_class, PROP_FUSION_WHITELIST,
      string_list_pspec ("fusion-whitelist", "Fusion whitelist",
          "Factory names of elements light enough to share a thread"));
  /**
   * GstGpuOptBin:force-dedicated:
   *
   * Factory or element names whose neighbouring queues are never removed.
   * Default: empty.
   */
  g_object_class_install_property (gobject_class, PROP_FORCE_DEDICATED,
      string_list_pspec ("force-dedicated", "Force dedicated",
          "Factory or element names that keep their queues"));
  /**
   * GstGpuOptBin:background:
   *
   * Element or factory names of background work: their threads get the low
   * class unless they also drive something of a higher class.
   * Default: empty.
   */
  g_object_class_install_property (gobject_class, PROP_BACKGROUND,
      string_list_pspec ("background", "Background",
          "Element or factory names whose threads run at low priority"));
  /**
   * GstGpuOptBin:realtime-priority:
   *
   * SCHED_FIFO priority (1-99) for realtime threads; 0 never uses
   * SCHED_FIFO and goes straight to the nice fallback. Needs CAP_SYS_NICE or
   * RLIMIT_RTPRIO. Default: 10.
   */
  g_object_class_install_property (gobject_class, PROP_REALTIME_PRIORITY,
      g_param_spec_int ("realtime-priority", "Realtime priority",
          "SCHED_FIFO priority of realtime threads (0 = use nice only)", 0, 99,
          DEFAULT_REALTIME_PRIORITY, rw));
  /**
   * GstGpuOptBin:log-decisions:
   *
   * Print each planning and priority decision with its reason (g_message).
   * Default: FALSE.
   */
  g_object_class_install_property (gobject_class, PROP_LOG_DECISIONS,
      g_param_spec_boolean ("log-decisions", "Log decisions",
          "Print each decision with its reason", DEFAULT_LOG_DECISIONS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  /**
   * GstGpuOptBin:profile-interval:
   *
   * How often (ns) a "gpuoptbin-profile" message is posted while profiling;
   * 0 posts only when stopping. Default: 1 s.
   */
  g_object_class_install_property (gobject_class, PROP_PROFILE_INTERVAL,
      g_param_spec_uint64 ("profile-interval", "Profile interval",
          "Interval between profile messages in ns (0 = at stop only)", 0,
          G_MAXUINT64, DEFAULT_PROFILE_INTERVAL, rw));
  /**
   * GstGpuOptBin:description:
   *
   * A gst-launch description whose elements become children of the bin
   * (inside one sub-bin; unlinked pads are ghosted onto gpuoptbin). Parse
   * errors fail the change to READY. Default: NULL.
   */
  g_object_class_install_property (gobject_class, PROP_DESCRIPTION,
      g_param_spec_string ("description", "Description",
          "Pipeline description to optimise (gst-launch syntax)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuOptBin:plan:
   *
   * The current plan ("gpuoptbin-plan"): threads (owner, class, elements,
   * what was applied), queues (action, size, reason), fused groups and the
   * list of decisions. NULL before the first READY→PAUSED.
   */
  g_object_class_install_property (gobject_class, PROP_PLAN,
      g_param_spec_boxed ("plan", "Plan",
          "Read-only \"gpuoptbin-plan\" structure (also posted as an element "
          "message), NULL before the first READY->PAUSED: generation, "
          "priorities, fusion, profiling (the switches it was made with); "
          "threads (per streaming thread: owner, class, elements, planned, "
          "applied, applied-value, policy, error, entered); queues (name, "
          "action, upstream-class, downstream-class, max-size-buffers, "
          "reason); fused (thread, elements, removed-queues); decisions "
          "(each decision with its reason, as text)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstGpuOptBin:profile:
   *
   * The latest profile ("gpuoptbin-profile"), NULL until profiling ran.
   */
  g_object_class_install_property (gobject_class, PROP_PROFILE,
      g_param_spec_boxed ("profile", "Profile",
          "Read-only \"gpuoptbin-profile\" structure of the latest "
          "measurement (enable-profiling=true; also posted every "
          "profile-interval), NULL until profiling ran: mean-us (mean time "
          "per buffer over the measured elements, microseconds), measured, "
          "bottlenecks (elements over twice the mean); elements (name, "
          "factory, avg-us, p99-us, buffers, bottleneck, fusion-candidate "
          "(avg-us under 500))",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->change_state
      = GST_DEBUG_FUNCPTR (gst_gpu_opt_bin_change_state);
  bin_class->handle_message
      = GST_DEBUG_FUNCPTR (gst_gpu_opt_bin_handle_message);

  gst_element_class_set_static_metadata (element_class,
      "GPU stream pipeline optimizer", "Generic/Bin",
      "Plans thread priorities, queue sizes and fusion of its children",
      "gst-gpustream");
}

static void
gst_gpu_opt_bin_init (GstGpuOptBin *self)
{
  gst_gpu_opt_config_init (&self->cfg);
  self->cfg.enable_priorities = DEFAULT_ENABLE_PRIORITIES;
  self->cfg.enable_fusion = DEFAULT_ENABLE_FUSION;
  self->cfg.enable_profiling = DEFAULT_ENABLE_PROFILING;
  self->cfg.realtime_priority = DEFAULT_REALTIME_PRIORITY;
  self->cfg.fusion_whitelist = g_strdupv ((gchar **)default_whitelist);
  self->log_decisions = DEFAULT_LOG_DECISIONS;
  self->profile_interval = DEFAULT_PROFILE_INTERVAL;
  g_mutex_init (&self->plan_lock);
  self->profile_results
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
gst_gpu_opt_bin_dispose (GObject *object)
{
  GstGpuOptBin *self = GST_GPU_OPT_BIN (object);

  if (self->profiler != NULL) {
    gst_gpu_opt_profiler_stop (self->profiler, NULL);
    self->profiler = NULL;
  }
  g_clear_pointer (&self->plan, gst_gpu_opt_plan_free);
  g_clear_pointer (&self->description_pads, g_list_free);
  self->description_bin = NULL;
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_gpu_opt_bin_finalize (GObject *object)
{
  GstGpuOptBin *self = GST_GPU_OPT_BIN (object);

  gst_gpu_opt_config_clear (&self->cfg);
  g_free (self->description);
  g_clear_error (&self->description_error);
  g_clear_pointer (&self->last_profile, gst_structure_free);
  g_hash_table_unref (self->profile_results);
  g_mutex_clear (&self->plan_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Streaming thread that posted STREAM_STATUS ENTER; takes the object lock,
 * then plan_lock. */
static void
thread_enter (GstGpuOptBin *self, GstElement *owner)
{
  GstGpuOptApplied applied;
  GstGpuOptClass cls;
  gboolean enabled, log_decisions;
  gint rt_priority;

  GST_OBJECT_LOCK (self);
  enabled = self->cfg.enable_priorities;
  log_decisions = self->log_decisions;
  rt_priority = self->cfg.realtime_priority;
  GST_OBJECT_UNLOCK (self);
  if (!enabled)
    return;

  g_mutex_lock (&self->plan_lock);
  if (self->plan == NULL) {
    g_mutex_unlock (&self->plan_lock);
    return;
  }
  cls = gst_gpu_opt_plan_thread_class (self->plan, owner);
  gst_gpu_opt_priority_enter (cls, rt_priority, &applied);
  gst_gpu_opt_plan_thread_applied (self->plan, owner, cls, &applied);
  g_mutex_unlock (&self->plan_lock);

  GST_INFO_OBJECT (self, "thread of %s: class %s, applied %s %d",
      GST_OBJECT_NAME (owner), gst_gpu_opt_class_name (cls), applied.how,
      applied.value);
  if (log_decisions)
    g_message ("%s: thread of %s: class %s, applied %s %d (%s)",
        GST_OBJECT_NAME (self), GST_OBJECT_NAME (owner),
        gst_gpu_opt_class_name (cls), applied.how, applied.value,
        applied.error ? g_strerror (applied.error) : "ok");

  if (g_str_equal (applied.how, "failed")
      && g_atomic_int_compare_and_exchange (&self->warned, 0, 1)) {
    GST_WARNING_OBJECT (self,
        "could not raise the priority of the thread "
        "of %s to %s (%s); carrying on at the default priority. Realtime "
        "scheduling needs CAP_SYS_NICE or RLIMIT_RTPRIO, negative nice "
        "CAP_SYS_NICE or RLIMIT_NICE.",
        GST_OBJECT_NAME (owner), gst_gpu_opt_class_name (cls),
        g_strerror (applied.error));
  } else if (cls == GST_GPU_OPT_CLASS_REALTIME
             && g_str_equal (applied.how, "nice") && rt_priority > 0
             && g_atomic_int_compare_and_exchange (
                 &self->warned_fallback, 0, 1)) {
    GST_WARNING_OBJECT (self,
        "SCHED_FIFO refused (%s): realtime threads "
        "use nice %d instead",
        g_strerror (applied.error), applied.value);
  }
}

/* Streaming thread (STREAM_STATUS ENTER/LEAVE and every other child
 * message); no lock. */
static void
gst_gpu_opt_bin_handle_message (GstBin *bin, GstMessage *message)
{
  GstGpuOptBin *self = GST_GPU_OPT_BIN (bin);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_STREAM_STATUS) {
    GstStreamStatusType type;
    GstElement *owner = NULL;

    gst_message_parse_stream_status (message, &type, &owner);
    if (type == GST_STREAM_STATUS_TYPE_ENTER && owner != NULL)
      thread_enter (self, owner);
    else if (type == GST_STREAM_STATUS_TYPE_LEAVE)
      gst_gpu_opt_priority_leave ();
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* Application thread (READY→PAUSED, children still in READY). */
static void
plan_and_apply (GstGpuOptBin *self)
{
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan, *old;
  gboolean log_decisions;
  GstClockTime interval;
  guint i, removed = 0;

  GST_OBJECT_LOCK (self);
  gst_gpu_opt_config_copy (&cfg, &self->cfg);
  log_decisions = self->log_decisions;
  interval = self->profile_interval;
  GST_OBJECT_UNLOCK (self);

  plan = gst_gpu_opt_plan_compute (
      GST_BIN (self), &cfg, self->profile_results, ++self->generation);
  if (cfg.enable_fusion)
    removed = gst_gpu_opt_fusion_apply (plan);
  if (cfg.enable_priorities)
    gst_gpu_opt_plan_apply_queue_sizes (plan);
  GST_INFO_OBJECT (self, "plan %u: %u threads, %u queues removed",
      plan->generation, plan->graph->domains->len, removed);
  if (log_decisions) {
    for (i = 0; i < plan->decisions->len; i++)
      g_message ("%s: %s", GST_OBJECT_NAME (self),
          (gchar *)g_ptr_array_index (plan->decisions, i));
  }
  if (cfg.enable_profiling)
    self->profiler = gst_gpu_opt_profiler_start (
        GST_ELEMENT (self), plan->graph, interval);

  g_mutex_lock (&self->plan_lock);
  old = self->plan;
  self->plan = plan;
  g_mutex_unlock (&self->plan_lock);
  gst_gpu_opt_plan_free (old);
  gst_gpu_opt_config_clear (&cfg);

  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
                              gst_gpu_opt_plan_to_structure (plan)));
}

/* Application thread (PAUSED→READY after the children stopped, or a failed
 * READY→PAUSED): the graph goes back to what the user built. */
static void
undo_plan (GstGpuOptBin *self)
{
  GstGpuOptProfiler *profiler = self->profiler;

  if (profiler != NULL) {
    GstStructure *report = gst_gpu_opt_profiler_report (profiler);

    g_mutex_lock (&self->plan_lock);
    self->profiler = NULL;
    if (self->last_profile)
      gst_structure_free (self->last_profile);
    self->last_profile = report;
    g_mutex_unlock (&self->plan_lock);
    gst_gpu_opt_profiler_stop (profiler, self->profile_results);
  }
  if (self->plan != NULL) {
    gst_gpu_opt_fusion_restore (self->plan);
    gst_gpu_opt_plan_restore_queue_sizes (self->plan);
  }
}

/* Application thread; no lock held while chaining up. */
static GstStateChangeReturn
gst_gpu_opt_bin_change_state (GstElement *element, GstStateChange transition)
{
  GstGpuOptBin *self = GST_GPU_OPT_BIN (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (self->description_error != NULL)
        goto bad_description;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      plan_and_apply (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret == GST_STATE_CHANGE_FAILURE)
        undo_plan (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      undo_plan (self);
      break;
    default:
      break;
  }
  return ret;

  /* ERRORS */
bad_description:
  GST_ELEMENT_ERROR (self, CORE, FAILED,
      ("Could not parse the description property: %s",
          self->description_error->message),
      ("description: %s", self->description));
  return GST_STATE_CHANGE_FAILURE;
}

static void
remove_description (GstGpuOptBin *self)
{
  GList *l;

  for (l = self->description_pads; l != NULL; l = l->next)
    gst_element_remove_pad (GST_ELEMENT (self), l->data);
  g_clear_pointer (&self->description_pads, g_list_free);
  if (self->description_bin != NULL) {
    gst_bin_remove (GST_BIN (self), self->description_bin);
    self->description_bin = NULL;
  }
  g_clear_error (&self->description_error);
}

/* Application thread (set_property), in NULL or READY. */
static void
set_description (GstGpuOptBin *self, const gchar *description)
{
  GstElement *bin;
  GError *error = NULL;
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  remove_description (self);
  g_free (self->description);
  self->description = g_strdup (description);
  if (description == NULL || *description == '\0')
    return;

  bin = gst_parse_bin_from_description_full (
      description, TRUE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (bin == NULL || error != NULL) {
    GST_WARNING_OBJECT (self, "could not parse description '%s': %s",
        description, error ? error->message : "unknown error");
    self->description_error = error
                                  ? error
                                  : g_error_new_literal (GST_PARSE_ERROR,
                                      GST_PARSE_ERROR_SYNTAX, "unknown error");
    gst_clear_object (&bin);
    return;
  }
  self->description_bin = bin;
  gst_bin_add (GST_BIN (self), bin);

  /* the description's unlinked pads become ours */
  it = gst_element_iterate_pads (bin);
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstPad *target = g_value_get_object (&item);
    gchar *name = gst_pad_get_name (target);
    GstPad *ghost = gst_ghost_pad_new (name, target);

    if (ghost != NULL && gst_element_add_pad (GST_ELEMENT (self), ghost))
      self->description_pads = g_list_prepend (self->description_pads, ghost);
    g_free (name);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

static void
set_strv_from_array (gchar ***strv, const GValue *value)
{
  guint i, n = gst_value_array_get_size (value);

  g_strfreev (*strv);
  *strv = g_new0 (gchar *, n + 1);
  for (i = 0; i < n; i++)
    (*strv)[i] = g_value_dup_string (gst_value_array_get_value (value, i));
}

static void
get_array_from_strv (gchar **strv, GValue *value)
{
  for (; strv != NULL && *strv != NULL; strv++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, *strv);
    gst_value_array_append_and_take_value (value, &v);
  }
}

/* Application thread; takes the object lock. */
static void
gst_gpu_opt_bin_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuOptBin *self = GST_GPU_OPT_BIN (object);

  if (prop_id == PROP_DESCRIPTION) {
    /* adds and removes children: not under the object lock, not while
     * data may flow */
    if (GST_STATE (self) > GST_STATE_READY
        || GST_STATE_PENDING (self) > GST_STATE_READY) {
      GST_WARNING_OBJECT (self, "description can only be set in the NULL or "
                                "READY state; ignored");
      return;
    }
    set_description (self, g_value_get_string (value));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ENABLE_PRIORITIES:
      self->cfg.enable_priorities = g_value_get_boolean (value);
      break;
    case PROP_ENABLE_FUSION:
      self->cfg.enable_fusion = g_value_get_boolean (value);
      break;
    case PROP_ENABLE_PROFILING:
      self->cfg.enable_profiling = g_value_get_boolean (value);
      break;
    case PROP_FUSION_WHITELIST:
      set_strv_from_array (&self->cfg.fusion_whitelist, value);
      break;
    case PROP_FORCE_DEDICATED:
      set_strv_from_array (&self->cfg.force_dedicated, value);
      break;
    case PROP_BACKGROUND:
      set_strv_from_array (&self->cfg.background, value);
      break;
    case PROP_REALTIME_PRIORITY:
      self->cfg.realtime_priority = g_value_get_int (value);
      break;
    case PROP_LOG_DECISIONS:
      self->log_decisions = g_value_get_boolean (value);
      break;
    case PROP_PROFILE_INTERVAL:
      self->profile_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Any thread; takes the object lock or plan_lock. */
static void
gst_gpu_opt_bin_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuOptBin *self = GST_GPU_OPT_BIN (object);

  if (prop_id == PROP_PLAN || prop_id == PROP_PROFILE) {
    g_mutex_lock (&self->plan_lock);
    if (prop_id == PROP_PLAN)
      g_value_take_boxed (value,
          self->plan ? gst_gpu_opt_plan_to_structure (self->plan) : NULL);
    else if (self->profiler != NULL)
      g_value_take_boxed (value, gst_gpu_opt_profiler_report (self->profiler));
    else
      g_value_set_boxed (value, self->last_profile);
    g_mutex_unlock (&self->plan_lock);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ENABLE_PRIORITIES:
      g_value_set_boolean (value, self->cfg.enable_priorities);
      break;
    case PROP_ENABLE_FUSION:
      g_value_set_boolean (value, self->cfg.enable_fusion);
      break;
    case PROP_ENABLE_PROFILING:
      g_value_set_boolean (value, self->cfg.enable_profiling);
      break;
    case PROP_FUSION_WHITELIST:
      get_array_from_strv (self->cfg.fusion_whitelist, value);
      break;
    case PROP_FORCE_DEDICATED:
      get_array_from_strv (self->cfg.force_dedicated, value);
      break;
    case PROP_BACKGROUND:
      get_array_from_strv (self->cfg.background, value);
      break;
    case PROP_REALTIME_PRIORITY:
      g_value_set_int (value, self->cfg.realtime_priority);
      break;
    case PROP_LOG_DECISIONS:
      g_value_set_boolean (value, self->log_decisions);
      break;
    case PROP_PROFILE_INTERVAL:
      g_value_set_uint64 (value, self->profile_interval);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}
