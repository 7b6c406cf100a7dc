/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuinfer's ONNX engine (OpenCV DNN): the ONNX exports of the torchvision
 * classifiers (tests/models/gen_models.py) give what their TorchScript
 * twins give through the torch engine, within 1e-4 (absolute, and relative
 * to the largest output), on a random batch, and
 * so does a model with a batch fixed at 1, run item by item; a file that is
 * not ONNX, or a node OpenCV cannot import, fails at start, naming the file
 * (and the node).
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "gpuinfertest.h"

#define TOLERANCE 1e-4f

/* harness around gpuinfer (engine=auto, optimize=false) on @model_name
 * with input @caps */
static GstHarness *
setup_harness (const gchar *model_name, const gchar *caps)
{
  GstElement *e = make_infer (model_name, NULL);
  GstHarness *h;

  /* the TorchScript model as saved: optimize_for_inference moves
   * mobilenet_v3_small's random-weight logits (about 1e-9) by up to half
   * their size; the ONNX engine has nothing to optimise */
  g_object_set (e, "optimize", FALSE, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* "engine/engine-backend" from the stats, e.g. "onnx/opencv-cpu" */
static gchar *
engine_name (GstHarness *h)
{
  GstStructure *stats = NULL;
  gchar *name;

  g_object_get (h->element, "stats", &stats, NULL);
  fail_unless (stats != NULL);
  name = g_strdup_printf ("%s/%s", gst_structure_get_string (stats, "engine"),
      gst_structure_get_string (stats, "engine-backend"));
  gst_structure_free (stats);
  return name;
}

/* Runs @model_name on one batch of @n_floats (no batch meta: every slot an
 * item); returns the output bytes and the engine that ran. */
static GBytes *
run_once (const gchar *model_name, const gchar *dims, const gfloat *input,
    gsize n_floats, gchar **engine)
{
  gchar *caps = tensors_caps (1, dims, "float32");
  GstHarness *h = setup_harness (model_name, caps);
  GBytes *bytes = push_and_pull_bytes (h, input, n_floats);

  *engine = engine_name (h);
  gst_harness_teardown (h);
  g_free (caps);
  return bytes;
}

static void
check_close (GBytes *got, const gfloat *want, gsize n, const gchar *what)
{
  gsize size, i;
  const gfloat *a = g_bytes_get_data (got, &size);
  gfloat worst = 0.0f, scale = 0.0f;

  fail_unless_equals_uint64 (size, n * sizeof (gfloat));
  for (i = 0; i < n; i++) {
    fail_unless (fabsf (a[i] - want[i]) <= TOLERANCE,
        "%s: output %" G_GSIZE_FORMAT " is %g, reference %g", what, i, a[i],
        want[i]);
    worst = MAX (worst, fabsf (a[i] - want[i]));
    scale = MAX (scale, fabsf (want[i]));
  }
  GST_INFO ("%s: %" G_GSIZE_FORMAT " outputs, largest difference %g, "
            "largest reference %g",
      what, n, worst, scale);
  /* also relative to the outputs' size, so outputs near zero (random
   * weights) do not pass the absolute bound by themselves */
  fail_unless (worst <= TOLERANCE * scale,
      "%s: outputs differ by up to %g, %g of their largest value %g", what,
      worst, worst / scale, scale);
}

/* @onnx through the ONNX engine against @pt through the torch engine on
 * one random batch of input @dims holding @n_in floats. */
static void
check_matches_torch (const gchar *pt, const gchar *onnx, const gchar *dims,
    gsize n_in, gsize n_out)
{
  gfloat *input = g_new (gfloat, n_in);
  GRand *rand = g_rand_new_with_seed (1234);
  gchar *pt_engine, *onnx_engine;
  GBytes *want, *got;
  gsize i, size;

  for (i = 0; i < n_in; i++)
    input[i] = (gfloat)g_rand_double_range (rand, -2.0, 2.0);
  want = run_once (pt, dims, input, n_in, &pt_engine);
  got = run_once (onnx, dims, input, n_in, &onnx_engine);
  fail_unless_equals_string (pt_engine, "torch/libtorch-cpu");
  fail_unless_equals_string (onnx_engine, "onnx/opencv-cpu");
  g_bytes_get_data (want, &size);
  fail_unless_equals_uint64 (size, n_out * sizeof (gfloat));
  check_close (got, g_bytes_get_data (want, NULL), n_out, onnx);

  g_bytes_unref (want);
  g_bytes_unref (got);
  g_free (pt_engine);
  g_free (onnx_engine);
  g_rand_free (rand);
  g_free (input);
}

/* dynamic batch, 3 items (mobilenet_v3_small: item by item, see the
 * engine) */
GST_START_TEST (test_mobilenet_v3_small_matches_torch)
{
  check_matches_torch ("mobilenet_v3_small.pt", "mobilenet_v3_small.onnx",
      "224:224:3:3", 224 * 224 * 3 * 3, 1000 * 3);
}

GST_END_TEST;

GST_START_TEST (test_resnet18_matches_torch)
{
  check_matches_torch ("resnet18.pt", "resnet18.onnx", "224:224:3:3",
      224 * 224 * 3 * 3, 1000 * 3);
}

GST_END_TEST;

/* single.pt's weights exported with a batch fixed at 1: a batch of 8 runs
 * item by item */
GST_START_TEST (test_fixed_batch_1_runs_item_by_item)
{
  check_matches_torch ("single.pt", "single-b1.onnx", "16:8", 16 * 8, 4 * 8);
}

GST_END_TEST;

/* Starting gpuinfer on @path fails with an error naming each of the
 * NULL-terminated @needles. */
static void
expect_import_fails (const gchar *path, const gchar *const *needles)
{
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_infer (NULL, bus);

  g_object_set (e, "model", path, NULL);
  expect_start_fails (e, bus, needles);
  drop_bus (bus);
}

GST_START_TEST (test_invalid_onnx_fails_at_start_naming_the_file)
{
  gchar *path
      = g_build_filename (g_get_tmp_dir (), "gpuinfer-onnx-XXXXXX", NULL);
  gchar *onnx;
  gint fd = g_mkstemp (path);
  const gchar *needles[] = { NULL, "cannot import ONNX model", NULL };

  fail_unless (fd >= 0);
  close (fd);
  onnx = g_strconcat (path, ".onnx", NULL);
  needles[0] = onnx;
  fail_unless (g_file_set_contents (onnx, "this is not a model", -1, NULL));
  expect_import_fails (onnx, needles);
  g_unlink (onnx);
  g_unlink (path);
  g_free (onnx);
  g_free (path);
}

GST_END_TEST;

/* an Identity on a weight: OpenCV 4.6's message names the node */
GST_START_TEST (test_unimportable_node_fails_naming_the_node)
{
  gchar *path = model_path ("identity.onnx");
  const gchar *needles[] = { path, "cannot import ONNX model",
    "Node [Identity@ai.onnx]", "w_shared", NULL };

  expect_import_fails (path, needles);
  g_free (path);
}

GST_END_TEST;

static Suite *
gpuinferonnx_suite (void)
{
  Suite *s = suite_create ("gpuinferonnx");
  TCase *tc = tcase_create ("onnx");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mobilenet_v3_small_matches_torch);
  tcase_add_test (tc, test_resnet18_matches_torch);
  tcase_add_test (tc, test_fixed_batch_1_runs_item_by_item);
  tcase_add_test (tc, test_invalid_onnx_fails_at_start_naming_the_file);
  tcase_add_test (tc, test_unimportable_node_fails_naming_the_node);
  return s;
}

GST_CHECK_MAIN (gpuinferonnx);
