/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuoptbin at run time: what the streaming threads really get, data kept
 * intact by fusion, re-planning across state changes, profiling, and the
 * description property.
 */
#include <gst/check/gstcheck.h>

#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Set in main () before the element is registered from the library. */

/* What a streaming thread observed about itself. */
typedef struct
{
  gint seen;
  gint policy;
  gint priority;
  gint nice;
} Observed;

static void
observe_thread (Observed *o)
{
  struct sched_param param;

  if (g_atomic_int_get (&o->seen))
    return;
  pthread_getschedparam (pthread_self (), &o->policy, &param);
  o->priority = param.sched_priority;
  errno = 0;
  o->nice = getpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid));
  g_atomic_int_set (&o->seen, 1);
}

static void
on_handoff_observe (
    GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer user_data)
{
  observe_thread (user_data);
}

static GstElement *
make_optbin (const gchar *description, const gchar *props)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *opt = gst_element_factory_make ("gpuoptbin", "opt");
  gchar **kv, **p;

  fail_unless (opt != NULL, "gpuoptbin not found: is the plugin built?");
  kv = g_strsplit (props ? props : "", " ", -1);
  for (p = kv; *p != NULL; p++) {
    gchar **pair = g_strsplit (*p, "=", 2);

    if (pair[0] && pair[1])
      gst_util_set_object_arg (G_OBJECT (opt), pair[0], pair[1]);
    g_strfreev (pair);
  }
  g_strfreev (kv);
  g_object_set (opt, "description", description, NULL);
  gst_bin_add (GST_BIN (pipeline), opt);
  return pipeline;
}

static GstElement *
get_opt (GstElement *pipeline)
{
  return gst_bin_get_by_name (GST_BIN (pipeline), "opt");
}

/* Any element inside the pipeline, sub-bins included. */
static GstElement *
find (GstElement *pipeline, const gchar *name)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);

    if (g_str_equal (GST_OBJECT_NAME (e), name))
      found = gst_object_ref (e);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

static void
run_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
           == GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (
      bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS within 30 s");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
}

static GstStructure *
get_plan (GstElement *pipeline)
{
  GstElement *opt = get_opt (pipeline);
  GstStructure *plan = NULL;

  g_object_get (opt, "plan", &plan, NULL);
  gst_object_unref (opt);
  fail_unless (plan != NULL);
  return plan;
}

static const GstStructure *
plan_thread (const GstStructure *plan, const gchar *owner)
{
  const GValue *threads = gst_structure_get_value (plan, "threads");
  guint i;

  for (i = 0; i < gst_value_array_get_size (threads); i++) {
    const GstStructure *t
        = gst_value_get_structure (gst_value_array_get_value (threads, i));

    if (g_str_equal (gst_structure_get_string (t, "owner"), owner))
      return t;
  }
  return NULL;
}

static guint
plan_array_size (const GstStructure *plan, const gchar *field)
{
  return gst_value_array_get_size (gst_structure_get_value (plan, field));
}

/* The thread's observed scheduling matches what the plan says it applied. */
static void
check_observed_matches_plan (const Observed *o, const GstStructure *t)
{
  const gchar *how = gst_structure_get_string (t, "applied");
  gint value = 0;

  gst_structure_get_int (t, "applied-value", &value);
  fail_unless (o->seen);
  if (g_str_equal (how, "sched-fifo")) {
    fail_unless_equals_int (o->policy, SCHED_FIFO);
    fail_unless_equals_int (o->priority, value);
  } else if (g_str_equal (how, "nice")) {
    fail_unless_equals_int (o->policy, SCHED_OTHER);
    fail_unless_equals_int (o->nice, value);
  } else {
    fail_unless_equals_string (how, "failed");
    fail_unless_equals_int (o->policy, SCHED_OTHER);
    fail_unless_equals_int (o->nice, 0);
  }
}

static void
run_audio_and_observe (const gchar *props, Observed *o, GstStructure **out)
{
  GstElement *p
      = make_optbin ("audiotestsrc name=mic num-buffers=20 "
                     "samplesperbuffer=441 ! audio/x-raw,rate=44100 ! "
                     "fakeaudiosink name=asink sync=true signal-handoffs=true",
          props);
  GstElement *asink = find (p, "asink");

  g_signal_connect (asink, "handoff", G_CALLBACK (on_handoff_observe), o);
  run_to_eos (p);
  *out = get_plan (p);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (asink);
  gst_object_unref (p);
}

GST_START_TEST (test_audio_sink_thread_gets_planned_priority)
{
  Observed o = {
    0,
  };
  GstStructure *plan;
  const GstStructure *t;
  guint entered = 0;

  run_audio_and_observe ("realtime-priority=12", &o, &plan);
  t = plan_thread (plan, "mic");
  fail_unless (t != NULL);
  fail_unless_equals_string (gst_structure_get_string (t, "class"), "realtime");
  gst_structure_get_uint (t, "entered", &entered);
  fail_unless (entered >= 1);
  check_observed_matches_plan (&o, t);
  GST_INFO ("audio thread got %s", gst_structure_get_string (t, "applied"));
  gst_structure_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_realtime_falls_back_to_nice)
{
  Observed o = {
    0,
  };
  GstStructure *plan;
  const GstStructure *t;
  const gchar *how;

  /* realtime-priority=0 never asks for SCHED_FIFO */
  run_audio_and_observe ("realtime-priority=0", &o, &plan);
  t = plan_thread (plan, "mic");
  how = gst_structure_get_string (t, "applied");
  fail_unless (g_str_equal (how, "nice") || g_str_equal (how, "failed"),
      "applied %s", how);
  check_observed_matches_plan (&o, t);
  if (g_str_equal (how, "nice"))
    fail_unless (o.nice < 0);
  gst_structure_free (plan);
}

GST_END_TEST;

static gboolean
drop_cap_sys_nice (void)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  struct rlimit zero = { 0, 0 };

  if (syscall (SYS_capget, &hdr, data) != 0)
    return FALSE;
  data[CAP_TO_INDEX (CAP_SYS_NICE)].effective &= ~CAP_TO_MASK (CAP_SYS_NICE);
  data[CAP_TO_INDEX (CAP_SYS_NICE)].permitted &= ~CAP_TO_MASK (CAP_SYS_NICE);
  data[CAP_TO_INDEX (CAP_SYS_NICE)].inheritable &= ~CAP_TO_MASK (CAP_SYS_NICE);
  setrlimit (RLIMIT_RTPRIO, &zero);
  setrlimit (RLIMIT_NICE, &zero);
  return syscall (SYS_capset, &hdr, data) == 0;
}

GST_START_TEST (test_unprivileged_carries_on_unchanged)
{
  Observed o = {
    0,
  };
  GstStructure *plan;
  const GstStructure *t;
  const gchar *fork_mode = g_getenv ("CK_FORK");

  /* dropping the capability is for good: only inside check's fork */
  if (fork_mode != NULL && g_str_equal (fork_mode, "no")) {
    GST_WARNING ("CK_FORK=no: not dropping CAP_SYS_NICE");
    return;
  }
  fail_unless (drop_cap_sys_nice ());
  run_audio_and_observe ("realtime-priority=10", &o, &plan);
  t = plan_thread (plan, "mic");
  fail_unless_equals_string (gst_structure_get_string (t, "applied"), "failed");
  check_observed_matches_plan (&o, t);
  gst_structure_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_task_thread_restored_after_leave)
{
  Observed o = {
    0,
  };
  GstStructure *plan;
  GstElement *p;
  GstElement *sink;
  gint i;

  run_audio_and_observe ("realtime-priority=10", &o, &plan);
  gst_structure_free (plan);
  /* the task pool hands the same threads to the next pipelines: none may
   * keep the realtime setting */
  for (i = 0; i < 3; i++) {
    Observed plain = {
      0,
    };

    p = gst_parse_launch ("audiotestsrc num-buffers=3 ! fakesink name=s "
                          "signal-handoffs=true",
        NULL);
    sink = gst_bin_get_by_name (GST_BIN (p), "s");
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff_observe), &plain);
    run_to_eos (p);
    gst_element_set_state (p, GST_STATE_NULL);
    fail_unless_equals_int (plain.policy, SCHED_OTHER);
    fail_unless_equals_int (plain.nice, 0);
    gst_object_unref (sink);
    gst_object_unref (p);
  }
}

GST_END_TEST;

GST_START_TEST (test_priorities_disabled_leaves_threads)
{
  Observed o = {
    0,
  };
  GstStructure *plan;
  const GstStructure *t;

  run_audio_and_observe ("enable-priorities=false", &o, &plan);
  t = plan_thread (plan, "mic");
  fail_unless_equals_string (
      gst_structure_get_string (t, "applied"), "not-started");
  fail_unless_equals_int (o.policy, SCHED_OTHER);
  fail_unless_equals_int (o.nice, 0);
  gst_structure_free (plan);
}

GST_END_TEST;

/* Checksums of every buffer reaching the sink, in order. */
static void
on_handoff_checksum (
    GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer user_data)
{
  GPtrArray *sums = user_data;
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_ptr_array_add (
      sums, g_compute_checksum_for_data (G_CHECKSUM_SHA1, map.data, map.size));
  gst_buffer_unmap (buf, &map);
}

static const gchar *data_description
    = "videotestsrc num-buffers=30 pattern=ball ! "
      "video/x-raw,format=I420,width=160,height=120 ! queue ! videoconvert ! "
      "queue ! videoscale ! video/x-raw,format=RGBA,width=80,height=60 ! "
      "queue ! identity ! fakesink name=vsink signal-handoffs=true "
      "audiotestsrc num-buffers=50 wave=saw freq=431 ! queue ! audioconvert ! "
      "audio/x-raw,format=S16LE ! queue ! audioresample ! "
      "audio/x-raw,rate=16000 ! fakesink name=asink signal-handoffs=true";

static void
collect (GstElement *pipeline, GPtrArray *video, GPtrArray *audio)
{
  GstElement *vsink = find (pipeline, "vsink");
  GstElement *asink = find (pipeline, "asink");

  g_signal_connect (vsink, "handoff", G_CALLBACK (on_handoff_checksum), video);
  g_signal_connect (asink, "handoff", G_CALLBACK (on_handoff_checksum), audio);
  run_to_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (vsink);
  gst_object_unref (asink);
}

static void
check_same (GPtrArray *a, GPtrArray *b)
{
  guint i;

  fail_unless_equals_int (a->len, b->len);
  for (i = 0; i < a->len; i++)
    fail_unless_equals_string (
        g_ptr_array_index (a, i), g_ptr_array_index (b, i));
}

GST_START_TEST (test_data_identical_with_and_without_bin)
{
  GPtrArray *v0 = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *a0 = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *v1 = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *a1 = g_ptr_array_new_with_free_func (g_free);
  GstElement *plain = gst_parse_launch (data_description, NULL);
  GstElement *opt = make_optbin (data_description, NULL);
  GstStructure *plan;
  guint removed = 0, i;
  const GValue *fused;

  collect (plain, v0, a0);
  collect (opt, v1, a1);
  fail_unless_equals_int (v0->len, 30);
  fail_unless_equals_int (a0->len, 50);
  check_same (v0, v1);
  check_same (a0, a1);

  /* and fusion did happen */
  plan = get_plan (opt);
  fused = gst_structure_get_value (plan, "fused");
  for (i = 0; i < gst_value_array_get_size (fused); i++)
    removed += gst_value_array_get_size (gst_structure_get_value (
        gst_value_get_structure (gst_value_array_get_value (fused, i)),
        "removed-queues"));
  fail_unless_equals_int (removed, 5);
  gst_structure_free (plan);

  g_ptr_array_unref (v0);
  g_ptr_array_unref (a0);
  g_ptr_array_unref (v1);
  g_ptr_array_unref (a1);
  gst_object_unref (plain);
  gst_object_unref (opt);
}

GST_END_TEST;

static guint
count_queues (GstElement *pipeline)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *f = gst_element_get_factory (g_value_get_object (&item));

    if (f && g_str_equal (GST_OBJECT_NAME (f), "queue"))
      n++;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

GST_START_TEST (test_playing_ready_playing_replans)
{
  GstElement *p
      = make_optbin ("videotestsrc name=cam num-buffers=10 ! "
                     "queue name=q1 ! videoscale name=resize ! queue name=q2 ! "
                     "fakevideosink name=display",
          NULL);
  GstStructure *plan;
  guint generation, round;

  fail_unless_equals_int (count_queues (p), 2);
  for (round = 1; round <= 2; round++) {
    run_to_eos (p);
    /* in PLAYING the first queue is out, the second is still there */
    fail_unless_equals_int (count_queues (p), 1);
    plan = get_plan (p);
    fail_unless (gst_structure_get_uint (plan, "generation", &generation));
    fail_unless_equals_int (generation, round);
    fail_unless_equals_int (plan_array_size (plan, "fused"), 1);
    gst_structure_free (plan);

    fail_unless_equals_int (
        gst_element_set_state (p, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    /* in READY the user's graph is back, ready to be planned again */
    fail_unless_equals_int (count_queues (p), 2);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

GST_END_TEST;

GST_START_TEST (test_plan_posted_as_message)
{
  GstElement *p = make_optbin ("fakesrc num-buffers=5 ! queue ! identity ! "
                               "fakesink",
      NULL);
  GstElement *opt = get_opt (p);
  GstBus *bus = gst_element_get_bus (p);
  GstStructure *none = NULL;
  GstMessage *msg;
  const GstStructure *s;

  g_object_get (opt, "plan", &none, NULL);
  fail_unless (none == NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (s, "gpuoptbin-plan"));
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (opt));
  fail_unless_equals_int (plan_array_size (s, "fused"), 1);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (opt);
  gst_object_unref (p);
}

GST_END_TEST;

GST_START_TEST (test_thread_started_while_playing_is_classified)
{
  GstElement *p = make_optbin (
      "audiotestsrc is-live=true "
      "samplesperbuffer=441 ! tee name=t ! queue ! fakesink sync=true",
      NULL);
  GstElement *tee = find (p, "t");
  GstElement *inner = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (tee)));
  GstElement *late_q = gst_element_factory_make ("queue", "late");
  GstElement *late_sink = gst_element_factory_make ("fakeaudiosink", NULL);
  GstStructure *plan = NULL;
  const GstStructure *t;
  guint entered = 0;
  gint tries;

  fail_if (
      gst_element_set_state (p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (p, NULL, NULL, 10 * GST_SECOND)
               == GST_STATE_CHANGE_SUCCESS);
  gst_bin_add_many (GST_BIN (inner), late_q, late_sink, NULL);
  fail_unless (gst_element_link (late_q, late_sink));
  fail_unless (gst_element_link (tee, late_q));
  gst_element_sync_state_with_parent (late_sink);
  gst_element_sync_state_with_parent (late_q);

  for (tries = 0; tries < 100 && entered == 0; tries++) {
    g_usleep (20000);
    plan = get_plan (p);
    t = plan_thread (plan, "late");
    if (t != NULL)
      gst_structure_get_uint (t, "entered", &entered);
    if (entered == 0)
      gst_structure_free (plan);
  }
  fail_unless (entered >= 1, "the new queue's thread was not seen");
  t = plan_thread (plan, "late");
  fail_unless_equals_string (gst_structure_get_string (t, "class"), "realtime");
  {
    gboolean planned = TRUE;

    fail_unless (gst_structure_get_boolean (t, "planned", &planned));
    fail_if (planned);
  }
  gst_structure_free (plan);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (inner);
  gst_object_unref (tee);
  gst_object_unref (p);
}

GST_END_TEST;

static const GstStructure *
profile_element (const GstStructure *profile, const gchar *name)
{
  const GValue *elements = gst_structure_get_value (profile, "elements");
  guint i;

  for (i = 0; i < gst_value_array_get_size (elements); i++) {
    const GstStructure *e
        = gst_value_get_structure (gst_value_array_get_value (elements, i));

    if (g_str_equal (gst_structure_get_string (e, "name"), name))
      return e;
  }
  return NULL;
}

GST_START_TEST (test_profiling_finds_bottleneck_and_candidates)
{
  GstElement *p
      = make_optbin ("fakesrc num-buffers=40 sizetype=fixed "
                     "sizemax=64 ! identity name=light1 ! identity name=heavy "
                     "sleep-time=3000 ! identity name=light2 ! fakesink",
          "enable-profiling=true");
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg;
  const GstStructure *s, *heavy, *light;
  gboolean flag = FALSE;
  gdouble avg = 0;

  run_to_eos (p);
  gst_element_set_state (p, GST_STATE_READY);
  /* the final report is posted when stopping */
  msg = NULL;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    if (gst_structure_has_name (
            gst_message_get_structure (msg), "gpuoptbin-profile"))
      break;
    gst_message_unref (msg);
  }
  fail_unless (msg != NULL, "no gpuoptbin-profile message");
  s = gst_message_get_structure (msg);
  heavy = profile_element (s, "heavy");
  light = profile_element (s, "light1");
  fail_unless (heavy != NULL && light != NULL);
  fail_unless (gst_structure_get_double (heavy, "avg-us", &avg));
  fail_unless (avg >= 3000.0, "heavy measured %f us", avg);
  fail_unless (gst_structure_get_boolean (heavy, "bottleneck", &flag));
  fail_unless (flag);
  fail_unless (gst_structure_get_boolean (heavy, "fusion-candidate", &flag));
  fail_if (flag);
  fail_unless (gst_structure_get_boolean (light, "bottleneck", &flag));
  fail_if (flag);
  fail_unless (gst_structure_get_boolean (light, "fusion-candidate", &flag));
  fail_unless (flag);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

GST_END_TEST;

static const gchar *
queue_action (const GstStructure *plan, const gchar *name)
{
  const GValue *queues = gst_structure_get_value (plan, "queues");
  guint i;

  for (i = 0; i < gst_value_array_get_size (queues); i++) {
    const GstStructure *q
        = gst_value_get_structure (gst_value_array_get_value (queues, i));

    if (g_str_equal (gst_structure_get_string (q, "name"), name))
      return gst_structure_get_string (q, "action");
  }
  return NULL;
}

GST_START_TEST (test_profile_drives_next_plan)
{
  /* valve is not whitelisted, identity is taken off the list: only the
   * measurements can make them lightweight */
  GstElement *p = make_optbin (
      "fakesrc num-buffers=30 sizetype=fixed "
      "sizemax=64 ! queue name=qlight ! valve ! queue name=qheavy ! "
      "identity sleep-time=1500 ! fakesink",
      "enable-profiling=true fusion-whitelist=<capsfilter>");
  GstStructure *plan;

  run_to_eos (p);
  plan = get_plan (p);
  fail_unless_equals_string (queue_action (plan, "qlight"), "resized");
  fail_unless_equals_string (queue_action (plan, "qheavy"), "resized");
  gst_structure_free (plan);
  fail_unless_equals_int (
      gst_element_set_state (p, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);

  run_to_eos (p);
  plan = get_plan (p);
  fail_unless_equals_string (queue_action (plan, "qlight"), "removed");
  fail_unless_equals_string (queue_action (plan, "qheavy"), "resized");
  gst_structure_free (plan);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

GST_END_TEST;

GST_START_TEST (test_description_builds_children)
{
  GstElement *p = make_optbin ("fakesrc name=inner_src num-buffers=3 ! "
                               "fakesink",
      NULL);
  GstElement *src = find (p, "inner_src");

  fail_unless (src != NULL);
  run_to_eos (p);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (p);
}

GST_END_TEST;

GST_START_TEST (test_description_rejects_invalid_syntax)
{
  GstElement *p = make_optbin ("fakesrc ! ! nosuchelement_xyz", NULL);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg;

  fail_unless_equals_int (
      gst_element_set_state (p, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

GST_END_TEST;

GST_START_TEST (test_plan_rejects_writes)
{
  GstElement *opt = gst_element_factory_make ("gpuoptbin", NULL);
  GParamSpec *pspec
      = g_object_class_find_property (G_OBJECT_GET_CLASS (opt), "plan");

  fail_unless (pspec != NULL);
  fail_if (pspec->flags & G_PARAM_WRITABLE);
  gst_object_unref (opt);
}

GST_END_TEST;

GST_START_TEST (test_plugin_registers_gpuoptbin)
{
  GstPluginFeature *feature
      = gst_registry_lookup_feature (gst_registry_get (), "gpuoptbin");

  fail_unless (feature != NULL, "no gpuoptbin in the registry");
  fail_unless_equals_string (
      gst_plugin_feature_get_plugin_name (feature), "gpustream");
  gst_object_unref (feature);
}

GST_END_TEST;

static Suite *
optimizer_gpuoptbin_suite (void)
{
  Suite *s = suite_create ("optimizer-gpuoptbin");
  TCase *tc = tcase_create ("gpuoptbin");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_audio_sink_thread_gets_planned_priority);
  tcase_add_test (tc, test_realtime_falls_back_to_nice);
  tcase_add_test (tc, test_task_thread_restored_after_leave);
  tcase_add_test (tc, test_priorities_disabled_leaves_threads);
  tcase_add_test (tc, test_data_identical_with_and_without_bin);
  tcase_add_test (tc, test_playing_ready_playing_replans);
  tcase_add_test (tc, test_plan_posted_as_message);
  tcase_add_test (tc, test_thread_started_while_playing_is_classified);
  tcase_add_test (tc, test_profiling_finds_bottleneck_and_candidates);
  tcase_add_test (tc, test_profile_drives_next_plan);
  tcase_add_test (tc, test_description_builds_children);
  tcase_add_test (tc, test_description_rejects_invalid_syntax);
  tcase_add_test (tc, test_plan_rejects_writes);
  tcase_add_test (tc, test_plugin_registers_gpuoptbin);
  /* last: drops CAP_SYS_NICE for the rest of its (forked) process */
  tcase_add_test (tc, test_unprivileged_carries_on_unchanged);
  return s;
}

GST_CHECK_MAIN (optimizer_gpuoptbin);
