/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuoptbin's planner on plain pipelines: classification, thread domains,
 * queue sizes and fusion decisions, without running anything.
 */
#include <gst/check/gstcheck.h>

#include "optimizer/gstgpuoptplan.h"

static const gchar *whitelist[] = { "videoconvert", "videoscale",
  "audioconvert", "audioresample", "capsfilter", "identity", NULL };

static void
config_default (GstGpuOptConfig *cfg)
{
  gst_gpu_opt_config_init (cfg);
  cfg->enable_priorities = TRUE;
  cfg->enable_fusion = TRUE;
  cfg->realtime_priority = 10;
  cfg->fusion_whitelist = g_strdupv ((gchar **)whitelist);
}

static void
set_whitelist (GstGpuOptConfig *cfg, const gchar **wl)
{
  g_strfreev (cfg->fusion_whitelist);
  cfg->fusion_whitelist = g_strdupv ((gchar **)wl);
}

static GstElement *
parse (const gchar *description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  fail_unless (pipeline != NULL && error == NULL, "could not parse '%s': %s",
      description, error ? error->message : "?");
  return pipeline;
}

static GstGpuOptPlan *
plan_for (GstElement *pipeline, GstGpuOptConfig *cfg, GHashTable *profile)
{
  return gst_gpu_opt_plan_compute (GST_BIN (pipeline), cfg, profile, 1);
}

/* Frees what a test planned with. */
static void
teardown (GstGpuOptPlan *plan, GstGpuOptConfig *cfg, GstElement *pipeline)
{
  gst_gpu_opt_plan_free (plan);
  gst_gpu_opt_config_clear (cfg);
  gst_object_unref (pipeline);
}

static GstGpuOptDomain *
domain_of (GstGpuOptPlan *plan, GstElement *pipeline, const gchar *root)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), root);
  GstGpuOptDomain *d;

  fail_unless (e != NULL, "no element %s", root);
  d = gst_gpu_opt_graph_domain_of_root (plan->graph, e);
  gst_object_unref (e);
  return d;
}

static gboolean
domain_has (GstGpuOptDomain *d, const gchar *name)
{
  guint i;

  for (i = 0; i < d->members->len; i++) {
    GstGpuOptNode *n = g_ptr_array_index (d->members, i);

    if (g_str_equal (n->name, name))
      return TRUE;
  }
  return FALSE;
}

static GstGpuOptQueuePlan *
queue_plan (GstGpuOptPlan *plan, const gchar *name)
{
  guint i;

  for (i = 0; i < plan->queues->len; i++) {
    GstGpuOptQueuePlan *qp = g_ptr_array_index (plan->queues, i);

    if (g_str_equal (qp->queue->name, name))
      return qp;
  }
  fail ("no plan for queue %s", name);
  return NULL;
}

GST_START_TEST (test_audio_capture_gets_realtime)
{
  GstElement *p = parse ("audiotestsrc name=mic ! queue name=q ! "
                         "audioconvert ! fakesink name=out");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  GstGpuOptDomain *d;

  config_default (&cfg);
  cfg.enable_fusion = FALSE;
  plan = plan_for (p, &cfg, NULL);
  d = domain_of (plan, p, "mic");
  fail_unless (d != NULL);
  fail_unless_equals_int (d->cls, GST_GPU_OPT_CLASS_REALTIME);
  fail_unless (domain_has (d, "mic"));
  fail_if (domain_has (d, "out"));
  /* a generic sink fed audio is audio playback (caps) */
  d = domain_of (plan, p, "q");
  fail_unless_equals_int (d->cls, GST_GPU_OPT_CLASS_REALTIME);
  fail_unless (domain_has (d, "out"));
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_video_and_generic_classes)
{
  GstElement *p
      = parse ("videotestsrc name=cam ! fakevideosink  "
               "fakesrc name=data ! fakesink  fakesrc name=bg ! fakesink");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  const gchar *bg[] = { "bg", NULL };

  config_default (&cfg);
  cfg.background = g_strdupv ((gchar **)bg);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (
      domain_of (plan, p, "cam")->cls, GST_GPU_OPT_CLASS_HIGH);
  fail_unless_equals_int (
      domain_of (plan, p, "data")->cls, GST_GPU_OPT_CLASS_NORMAL);
  fail_unless_equals_int (
      domain_of (plan, p, "bg")->cls, GST_GPU_OPT_CLASS_LOW);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_background_inside_sub_bin)
{
  GstElement *p
      = parse ("bin. ( name=work fakesrc name=bg ! identity ! "
               "fakesink )  bin. ( name=side fakesrc name=other ! fakesink )");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  const gchar *bg[] = { "bg", "side", NULL };

  config_default (&cfg);
  cfg.background = g_strdupv ((gchar **)bg);
  plan = plan_for (p, &cfg, NULL);
  /* named itself, inside a plain bin */
  fail_unless_equals_int (
      domain_of (plan, p, "bg")->cls, GST_GPU_OPT_CLASS_LOW);
  /* inside a bin that is named */
  fail_unless_equals_int (
      domain_of (plan, p, "other")->cls, GST_GPU_OPT_CLASS_LOW);
  gst_gpu_opt_plan_free (plan);
  g_clear_pointer (&cfg.background, g_strfreev);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (
      domain_of (plan, p, "bg")->cls, GST_GPU_OPT_CLASS_NORMAL);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_camera_resize_display_fuses_first_queue)
{
  GstElement *p = parse (
      "videotestsrc name=cam ! queue name=q1 ! "
      "videoscale name=resize ! queue name=q2 ! fakevideosink name=display");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  GstGpuOptDomain *d;
  GstElement *cam, *resize, *q1;
  GstPad *peer, *src;

  config_default (&cfg);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 1);
  fail_unless_equals_string (queue_plan (plan, "q1")->action, "removed");
  fail_unless_equals_string (queue_plan (plan, "q2")->action, "resized");
  d = domain_of (plan, p, "cam");
  fail_unless (domain_has (d, "resize"));
  fail_if (domain_has (d, "display"));
  fail_unless (domain_of (plan, p, "q1") == NULL);
  /* fakevideosink is a bin: its inner sink gives q2's thread its class */
  fail_unless_equals_int (
      domain_of (plan, p, "q2")->cls, GST_GPU_OPT_CLASS_HIGH);
  fail_if (domain_has (domain_of (plan, p, "q2"), "resize"));

  /* applying relinks camera to resize and takes q1 out */
  fail_unless_equals_int (gst_gpu_opt_fusion_apply (plan), 1);
  q1 = gst_bin_get_by_name (GST_BIN (p), "q1");
  fail_unless (q1 == NULL);
  cam = gst_bin_get_by_name (GST_BIN (p), "cam");
  resize = gst_bin_get_by_name (GST_BIN (p), "resize");
  src = gst_element_get_static_pad (cam, "src");
  peer = gst_pad_get_peer (src);
  fail_unless (GST_PAD_PARENT (peer) == resize);
  gst_object_unref (peer);

  /* restoring puts it back between them */
  gst_gpu_opt_fusion_restore (plan);
  q1 = gst_bin_get_by_name (GST_BIN (p), "q1");
  fail_unless (q1 != NULL);
  peer = gst_pad_get_peer (src);
  fail_unless (GST_PAD_PARENT (peer) == q1);
  gst_object_unref (peer);
  gst_object_unref (src);
  gst_object_unref (q1);
  gst_object_unref (cam);
  gst_object_unref (resize);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_fan_out_prevents_fusion)
{
  GstElement *p = parse (
      "videotestsrc ! tee name=t ! queue name=qa ! "
      "videoscale ! fakesink  t. ! queue name=qb ! videoconvert ! fakesink");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;

  config_default (&cfg);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 0);
  fail_unless_equals_string (queue_plan (plan, "qa")->action, "resized");
  fail_unless_equals_string (queue_plan (plan, "qb")->action, "resized");
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_fan_in_prevents_fusion)
{
  GstElement *p = parse ("fakesrc ! queue name=qa ! funnel name=f ! "
                         "fakesink  fakesrc ! queue name=qb ! f.");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  const gchar *wl[] = { "funnel", NULL };

  config_default (&cfg);
  set_whitelist (&cfg, wl);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 0);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_queue_size_table)
{
  /* the seed table, every pair it gives */
  fail_unless_equals_int (
      gst_gpu_opt_priority_queue_size (
          GST_GPU_OPT_CLASS_REALTIME, GST_GPU_OPT_CLASS_REALTIME),
      2);
  fail_unless_equals_int (
      gst_gpu_opt_priority_queue_size (
          GST_GPU_OPT_CLASS_REALTIME, GST_GPU_OPT_CLASS_HIGH),
      3);
  fail_unless_equals_int (
      gst_gpu_opt_priority_queue_size (
          GST_GPU_OPT_CLASS_REALTIME, GST_GPU_OPT_CLASS_NORMAL),
      4);
  fail_unless_equals_int (gst_gpu_opt_priority_queue_size (
                              GST_GPU_OPT_CLASS_HIGH, GST_GPU_OPT_CLASS_HIGH),
      3);
  fail_unless_equals_int (gst_gpu_opt_priority_queue_size (
                              GST_GPU_OPT_CLASS_HIGH, GST_GPU_OPT_CLASS_NORMAL),
      8);
  fail_unless_equals_int (
      gst_gpu_opt_priority_queue_size (
          GST_GPU_OPT_CLASS_NORMAL, GST_GPU_OPT_CLASS_REALTIME),
      4);
  fail_unless_equals_int (gst_gpu_opt_priority_queue_size (
                              GST_GPU_OPT_CLASS_NORMAL, GST_GPU_OPT_CLASS_HIGH),
      4);
  fail_unless_equals_int (
      gst_gpu_opt_priority_queue_size (
          GST_GPU_OPT_CLASS_NORMAL, GST_GPU_OPT_CLASS_NORMAL),
      16);
}

GST_END_TEST;

GST_START_TEST (test_buffer_sizes_follow_table)
{
  GstElement *p = parse ("audiotestsrc ! queue name=rr ! fakeaudiosink  "
                         "videotestsrc ! queue name=hh ! fakevideosink  "
                         "fakesrc ! queue name=nn ! fakesink  "
                         "fakesrc ! queue name=nr ! fakeaudiosink  "
                         "fakesrc ! queue name=nh ! fakevideosink");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  GstElement *rr;
  guint buffers, bytes;
  guint64 time;

  config_default (&cfg);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (queue_plan (plan, "rr")->size, 2);
  fail_unless_equals_int (queue_plan (plan, "hh")->size, 3);
  fail_unless_equals_int (queue_plan (plan, "nn")->size, 16);
  fail_unless_equals_int (queue_plan (plan, "nr")->size, 4);
  fail_unless_equals_int (queue_plan (plan, "nh")->size, 4);

  /* applied as max-size-buffers with the other limits off, then undone */
  gst_gpu_opt_plan_apply_queue_sizes (plan);
  rr = gst_bin_get_by_name (GST_BIN (p), "rr");
  g_object_get (rr, "max-size-buffers", &buffers, "max-size-bytes", &bytes,
      "max-size-time", &time, NULL);
  fail_unless_equals_int (buffers, 2);
  fail_unless_equals_int (bytes, 0);
  fail_unless_equals_uint64 (time, 0);
  gst_gpu_opt_plan_restore_queue_sizes (plan);
  fail_if (gst_gpu_opt_queue_has_user_limits (rr, NULL));
  gst_object_unref (rr);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_nested_bins)
{
  GstElement *p
      = parse ("videotestsrc name=cam ! "
               "bin. ( name=inner queue name=q1 ! videoscale name=resize ) ! "
               "queue name=q2 ! fakevideosink name=display");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  GstGpuOptDomain *d;
  GstElement *inner, *q1;

  config_default (&cfg);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 1);
  fail_unless_equals_string (queue_plan (plan, "q1")->action, "removed");
  d = domain_of (plan, p, "cam");
  fail_unless_equals_int (d->cls, GST_GPU_OPT_CLASS_HIGH);
  fail_unless (domain_has (d, "resize"));
  /* fakevideosink is a bin: its inner sink gives q2's thread its class */
  fail_unless_equals_int (
      domain_of (plan, p, "q2")->cls, GST_GPU_OPT_CLASS_HIGH);
  fail_if (domain_has (domain_of (plan, p, "q2"), "resize"));

  /* the queue inside the sub-bin goes, through the ghost pad */
  fail_unless_equals_int (gst_gpu_opt_fusion_apply (plan), 1);
  inner = gst_bin_get_by_name (GST_BIN (p), "inner");
  q1 = gst_bin_get_by_name (GST_BIN (inner), "q1");
  fail_unless (q1 == NULL);
  gst_gpu_opt_fusion_restore (plan);
  q1 = gst_bin_get_by_name (GST_BIN (inner), "q1");
  fail_unless (q1 != NULL);
  gst_object_unref (q1);
  gst_object_unref (inner);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_user_set_queue_left_alone)
{
  GstElement *p
      = parse ("fakesrc ! queue name=q max-size-buffers=7 ! "
               "identity ! fakesink  fakesrc ! queue name=t max-size-time=0 ! "
               "identity ! fakesink  fakesrc ! queue name=l leaky=downstream ! "
               "identity ! fakesink");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  GstElement *q;
  guint buffers;

  config_default (&cfg);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 0);
  fail_unless_equals_string (queue_plan (plan, "q")->action, "user-set");
  fail_unless_equals_string (queue_plan (plan, "t")->action, "user-set");
  fail_unless_equals_string (queue_plan (plan, "l")->action, "leaky");
  gst_gpu_opt_plan_apply_queue_sizes (plan);
  q = gst_bin_get_by_name (GST_BIN (p), "q");
  g_object_get (q, "max-size-buffers", &buffers, NULL);
  fail_unless_equals_int (buffers, 7);
  gst_object_unref (q);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_whitelist_override)
{
  GstElement *p = parse ("fakesrc ! queue name=qv ! valve ! fakesink  "
                         "fakesrc ! queue name=qi ! identity ! fakesink");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  const gchar *wl[] = { "valve", NULL };

  config_default (&cfg);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_string (queue_plan (plan, "qv")->action, "resized");
  fail_unless_equals_string (queue_plan (plan, "qi")->action, "removed");
  gst_gpu_opt_plan_free (plan);

  set_whitelist (&cfg, wl);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_string (queue_plan (plan, "qv")->action, "removed");
  fail_unless_equals_string (queue_plan (plan, "qi")->action, "resized");
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_force_dedicated_override)
{
  GstElement *p = parse ("videotestsrc name=cam ! queue name=q1 ! "
                         "videoscale name=resize ! fakevideosink");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  const gchar *by_factory[] = { "videoscale", NULL };
  const gchar *by_name[] = { "cam", NULL };

  config_default (&cfg);
  cfg.force_dedicated = g_strdupv ((gchar **)by_factory);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 0);
  fail_unless (domain_of (plan, p, "q1") != NULL);
  gst_gpu_opt_plan_free (plan);

  g_strfreev (cfg.force_dedicated);
  cfg.force_dedicated = g_strdupv ((gchar **)by_name);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 0);
  gst_gpu_opt_plan_free (plan);

  g_clear_pointer (&cfg.force_dedicated, g_strfreev);
  plan = plan_for (p, &cfg, NULL);
  fail_unless_equals_int (plan->fusions->len, 1);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

GST_START_TEST (test_measured_time_decides_lightweight)
{
  GstElement *p = parse ("fakesrc ! queue name=q ! valve name=v ! fakesink");
  GstElement *v = gst_bin_get_by_name (GST_BIN (p), "v");
  gchar *path = gst_object_get_path_string (GST_OBJECT (v));
  GHashTable *profile
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  gdouble *us = g_new (gdouble, 1);
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;

  config_default (&cfg);
  cfg.enable_profiling = TRUE;
  *us = 120.0;
  g_hash_table_insert (profile, path, us);
  plan = plan_for (p, &cfg, profile);
  fail_unless_equals_string (queue_plan (plan, "q")->action, "removed");
  gst_gpu_opt_plan_free (plan);

  *us = 900.0;
  plan = plan_for (p, &cfg, profile);
  fail_unless_equals_string (queue_plan (plan, "q")->action, "resized");
  gst_gpu_opt_plan_free (plan);

  /* measurements count only with profiling on */
  *us = 120.0;
  cfg.enable_profiling = FALSE;
  plan = plan_for (p, &cfg, profile);
  fail_unless_equals_string (queue_plan (plan, "q")->action, "resized");
  gst_gpu_opt_plan_free (plan);

  g_hash_table_unref (profile);
  g_free (path);
  gst_object_unref (v);
  gst_gpu_opt_config_clear (&cfg);
  gst_object_unref (p);
}

GST_END_TEST;

GST_START_TEST (test_plan_structure_lists_threads_queues_groups)
{
  GstElement *p = parse (
      "videotestsrc name=cam ! queue name=q1 ! "
      "videoscale name=resize ! queue name=q2 ! fakevideosink name=display");
  GstGpuOptConfig cfg;
  GstGpuOptPlan *plan;
  GstStructure *s;
  const GValue *threads, *queues, *fused, *elements;
  const GstStructure *group;

  config_default (&cfg);
  plan = plan_for (p, &cfg, NULL);
  s = gst_gpu_opt_plan_to_structure (plan);
  fail_unless (gst_structure_has_name (s, "gpuoptbin-plan"));
  threads = gst_structure_get_value (s, "threads");
  queues = gst_structure_get_value (s, "queues");
  fused = gst_structure_get_value (s, "fused");
  fail_unless_equals_int (gst_value_array_get_size (threads), 2);
  fail_unless_equals_int (gst_value_array_get_size (queues), 2);
  fail_unless_equals_int (gst_value_array_get_size (fused), 1);
  group = gst_value_get_structure (gst_value_array_get_value (fused, 0));
  fail_unless_equals_string (gst_structure_get_string (group, "thread"), "cam");
  elements = gst_structure_get_value (group, "elements");
  fail_unless_equals_int (gst_value_array_get_size (elements), 2);
  fail_unless_equals_string (
      g_value_get_string (gst_value_array_get_value (elements, 1)), "resize");
  fail_unless (
      gst_value_array_get_size (gst_structure_get_value (s, "decisions")) > 0);
  gst_structure_free (s);
  teardown (plan, &cfg, p);
}

GST_END_TEST;

static Suite *
optimizer_plan_suite (void)
{
  Suite *s = suite_create ("optimizer-plan");
  TCase *tc = tcase_create ("plan");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_audio_capture_gets_realtime);
  tcase_add_test (tc, test_video_and_generic_classes);
  tcase_add_test (tc, test_background_inside_sub_bin);
  tcase_add_test (tc, test_camera_resize_display_fuses_first_queue);
  tcase_add_test (tc, test_fan_out_prevents_fusion);
  tcase_add_test (tc, test_fan_in_prevents_fusion);
  tcase_add_test (tc, test_queue_size_table);
  tcase_add_test (tc, test_buffer_sizes_follow_table);
  tcase_add_test (tc, test_nested_bins);
  tcase_add_test (tc, test_user_set_queue_left_alone);
  tcase_add_test (tc, test_whitelist_override);
  tcase_add_test (tc, test_force_dedicated_override);
  tcase_add_test (tc, test_measured_time_decides_lightweight);
  tcase_add_test (tc, test_plan_structure_lists_threads_queues_groups);
  return s;
}

GST_CHECK_MAIN (optimizer_plan);
