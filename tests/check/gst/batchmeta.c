/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Unit tests of GstGpuBatchMeta.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "gst/gstgpubatchmeta.h"

#define N_SLOTS 8

/* A batch buffer with @n_valid of N_SLOTS slots filled with distinct
 * values derived from the slot index. */
static GstBuffer *
make_batch (guint n_valid)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);
  GstGpuBatchMeta *meta = gst_buffer_add_gpu_batch_meta (buf, N_SLOTS);
  guint i;

  fail_unless (meta != NULL);
  meta->n_valid = n_valid;
  for (i = 0; i < n_valid; i++) {
    meta->slots[i].pad_index = 10 + i;
    meta->slots[i].pts = i * GST_SECOND;
    meta->slots[i].dts = i * GST_SECOND + 1;
    meta->slots[i].duration = GST_SECOND / 30;
    meta->slots[i].width = 640 + i;
    meta->slots[i].height = 480 + i;
    meta->slots[i].status = (GstGpuSlotStatus)(i % 4);
  }
  return buf;
}

static void
assert_slots_equal (const GstGpuBatchMeta *a, const GstGpuBatchMeta *b)
{
  guint i;

  fail_unless_equals_int (a->n_slots, b->n_slots);
  fail_unless_equals_int (a->n_valid, b->n_valid);
  for (i = 0; i < a->n_slots; i++) {
    fail_unless_equals_int (a->slots[i].pad_index, b->slots[i].pad_index);
    fail_unless_equals_uint64 (a->slots[i].pts, b->slots[i].pts);
    fail_unless_equals_uint64 (a->slots[i].dts, b->slots[i].dts);
    fail_unless_equals_uint64 (a->slots[i].duration, b->slots[i].duration);
    fail_unless_equals_int (a->slots[i].width, b->slots[i].width);
    fail_unless_equals_int (a->slots[i].height, b->slots[i].height);
    fail_unless_equals_int (a->slots[i].status, b->slots[i].status);
  }
}

static guint
count_batch_metas (GstBuffer *buf)
{
  gpointer state = NULL;
  GstMeta *meta;
  guint n = 0;

  while ((meta = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_GPU_BATCH_META_API_TYPE)))
    n++;
  return n;
}

GST_START_TEST (test_add_initialises_slots)
{
  GstBuffer *buf = gst_buffer_new ();
  GstGpuBatchMeta *meta = gst_buffer_add_gpu_batch_meta (buf, N_SLOTS);
  guint i;

  fail_unless (meta != NULL);
  fail_unless (gst_buffer_get_gpu_batch_meta (buf) == meta);
  fail_unless_equals_int (meta->n_slots, N_SLOTS);
  fail_unless_equals_int (meta->n_valid, 0);
  fail_unless (meta->slots != NULL);
  for (i = 0; i < N_SLOTS; i++) {
    fail_unless_equals_int (meta->slots[i].pad_index, 0);
    fail_unless_equals_uint64 (meta->slots[i].pts, GST_CLOCK_TIME_NONE);
    fail_unless_equals_uint64 (meta->slots[i].dts, GST_CLOCK_TIME_NONE);
    fail_unless_equals_uint64 (meta->slots[i].duration, GST_CLOCK_TIME_NONE);
    fail_unless_equals_int (meta->slots[i].width, 0);
    fail_unless_equals_int (meta->slots[i].height, 0);
    fail_unless_equals_int (meta->slots[i].status, GST_GPU_SLOT_STATUS_OK);
  }
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_add_rejects_zero_slots)
{
  GstBuffer *buf = gst_buffer_new ();
  GstGpuBatchMeta *meta = NULL;

  ASSERT_CRITICAL (meta = gst_buffer_add_gpu_batch_meta (buf, 0));
  fail_unless (meta == NULL);
  fail_unless (gst_buffer_get_gpu_batch_meta (buf) == NULL);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_api_has_no_tags)
{
  const gchar *const *tags
      = gst_meta_api_type_get_tags (GST_GPU_BATCH_META_API_TYPE);

  /* no tags: an empty or NULL list */
  fail_unless (tags == NULL || tags[0] == NULL);
  fail_unless (GST_GPU_BATCH_META_INFO->api == GST_GPU_BATCH_META_API_TYPE);
}

GST_END_TEST;

GST_START_TEST (test_copy_survives_with_deep_slots)
{
  GstBuffer *buf = make_batch (5);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);
  GstBuffer *copy = gst_buffer_copy (buf);
  GstGpuBatchMeta *cmeta = gst_buffer_get_gpu_batch_meta (copy);

  fail_unless (cmeta != NULL);
  fail_unless (cmeta != meta);
  fail_unless (cmeta->slots != meta->slots);
  assert_slots_equal (meta, cmeta);

  /* the copy owns its slots: changing the original leaves it alone */
  meta->slots[2].pad_index = 99;
  meta->n_valid = 1;
  fail_unless_equals_int (cmeta->slots[2].pad_index, 12);
  fail_unless_equals_int (cmeta->n_valid, 5);

  /* and outlives the original */
  gst_buffer_unref (buf);
  fail_unless_equals_uint64 (cmeta->slots[4].pts, 4 * GST_SECOND);
  gst_buffer_unref (copy);
}

GST_END_TEST;

GST_START_TEST (test_deep_copy_survives)
{
  GstBuffer *buf = make_batch (N_SLOTS);
  GstBuffer *copy = gst_buffer_copy_deep (buf);

  fail_unless (gst_buffer_get_gpu_batch_meta (copy) != NULL);
  assert_slots_equal (gst_buffer_get_gpu_batch_meta (buf),
      gst_buffer_get_gpu_batch_meta (copy));
  gst_buffer_unref (buf);
  gst_buffer_unref (copy);
}

GST_END_TEST;

GST_START_TEST (test_make_writable_survives)
{
  GstBuffer *buf = make_batch (3);
  GstBuffer *other = gst_buffer_ref (buf);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);

  other = gst_buffer_make_writable (other);
  fail_unless (other != buf);
  fail_unless (gst_buffer_get_gpu_batch_meta (other) != meta);
  assert_slots_equal (meta, gst_buffer_get_gpu_batch_meta (other));
  gst_buffer_unref (buf);
  gst_buffer_unref (other);
}

GST_END_TEST;

GST_START_TEST (test_copy_metadata_survives)
{
  GstBuffer *buf = make_batch (4);
  GstBuffer *dest = gst_buffer_new ();

  fail_unless (
      gst_buffer_copy_into (dest, buf, GST_BUFFER_COPY_METADATA, 0, -1));
  fail_unless_equals_int (count_batch_metas (dest), 1);
  assert_slots_equal (gst_buffer_get_gpu_batch_meta (buf),
      gst_buffer_get_gpu_batch_meta (dest));
  gst_buffer_unref (buf);
  gst_buffer_unref (dest);
}

GST_END_TEST;

GST_START_TEST (test_copy_into_replaces_existing_meta)
{
  GstBuffer *buf = make_batch (6);
  GstBuffer *dest = gst_buffer_new ();
  GstGpuBatchMeta *dmeta = gst_buffer_add_gpu_batch_meta (dest, 2);

  dmeta->n_valid = 2;
  fail_unless (
      gst_buffer_copy_into (dest, buf, GST_BUFFER_COPY_METADATA, 0, -1));
  fail_unless_equals_int (count_batch_metas (dest), 1);
  assert_slots_equal (gst_buffer_get_gpu_batch_meta (buf),
      gst_buffer_get_gpu_batch_meta (dest));
  gst_buffer_unref (buf);
  gst_buffer_unref (dest);
}

GST_END_TEST;

GST_START_TEST (test_partial_region_copy_drops_meta)
{
  GstBuffer *buf = make_batch (4);
  GstBuffer *part = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 8, 16);
  GstBuffer *whole = gst_buffer_copy_region (
      buf, GST_BUFFER_COPY_ALL, 0, gst_buffer_get_size (buf));

  fail_unless (part != NULL && whole != NULL);
  fail_unless (gst_buffer_get_gpu_batch_meta (part) == NULL);
  fail_unless (gst_buffer_get_gpu_batch_meta (whole) != NULL);
  assert_slots_equal (gst_buffer_get_gpu_batch_meta (buf),
      gst_buffer_get_gpu_batch_meta (whole));
  gst_buffer_unref (part);
  gst_buffer_unref (whole);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_count_status_counts_valid_slots_only)
{
  GstBuffer *buf = make_batch (N_SLOTS);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);

  /* statuses cycle ok, failed, dropped, cache-hit over 8 valid slots */
  fail_unless_equals_int (
      gst_gpu_batch_meta_count_status (meta, GST_GPU_SLOT_STATUS_OK), 2);
  fail_unless_equals_int (
      gst_gpu_batch_meta_count_status (meta, GST_GPU_SLOT_STATUS_CACHE_HIT), 2);

  meta->slots[6].status = GST_GPU_SLOT_STATUS_FAILED;
  fail_unless_equals_int (
      gst_gpu_batch_meta_count_status (meta, GST_GPU_SLOT_STATUS_FAILED), 3);

  /* padding slots are not counted, whatever their status */
  meta->n_valid = 3;
  fail_unless_equals_int (
      gst_gpu_batch_meta_count_status (meta, GST_GPU_SLOT_STATUS_OK), 1);
  fail_unless_equals_int (
      gst_gpu_batch_meta_count_status (meta, GST_GPU_SLOT_STATUS_FAILED), 1);
  fail_unless_equals_int (
      gst_gpu_batch_meta_count_status (meta, GST_GPU_SLOT_STATUS_CACHE_HIT), 0);

  /* a bogus n_valid is clamped to n_slots */
  meta->n_valid = N_SLOTS + 100;
  fail_unless_equals_int (
      gst_gpu_batch_meta_count_status (meta, GST_GPU_SLOT_STATUS_DROPPED), 1);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_status_to_string)
{
  fail_unless_equals_string (
      gst_gpu_slot_status_to_string (GST_GPU_SLOT_STATUS_OK), "ok");
  fail_unless_equals_string (
      gst_gpu_slot_status_to_string (GST_GPU_SLOT_STATUS_FAILED), "failed");
  fail_unless_equals_string (
      gst_gpu_slot_status_to_string (GST_GPU_SLOT_STATUS_DROPPED), "dropped");
  fail_unless_equals_string (
      gst_gpu_slot_status_to_string (GST_GPU_SLOT_STATUS_CACHE_HIT),
      "cache-hit");
  fail_unless_equals_string (
      gst_gpu_slot_status_to_string ((GstGpuSlotStatus)42), "unknown");
}

GST_END_TEST;

static Suite *
batchmeta_suite (void)
{
  Suite *s = suite_create ("gpustream-batchmeta");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_add_initialises_slots);
  tcase_add_test (tc, test_add_rejects_zero_slots);
  tcase_add_test (tc, test_api_has_no_tags);
  tcase_add_test (tc, test_copy_survives_with_deep_slots);
  tcase_add_test (tc, test_deep_copy_survives);
  tcase_add_test (tc, test_make_writable_survives);
  tcase_add_test (tc, test_copy_metadata_survives);
  tcase_add_test (tc, test_copy_into_replaces_existing_meta);
  tcase_add_test (tc, test_partial_region_copy_drops_meta);
  tcase_add_test (tc, test_count_status_counts_valid_slots_only);
  tcase_add_test (tc, test_status_to_string);
  return s;
}

int
main (int argc, char **argv)
{
  /* A library unit test needs no plugin: without a registry the test does
   * not scan (and load) every plugin before forking each test. */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (batchmeta_suite (), "batchmeta", __FILE__);
}
