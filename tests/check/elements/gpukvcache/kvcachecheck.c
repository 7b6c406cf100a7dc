/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpukvcache test files.
 */
#include "tests/check/elements/gpukvcache/kvcachecheck.h"

#include <string.h>

/* A harness around @e (reference taken), properties already set; @caps
 * may be NULL. @bus (nullable) is set before the element starts. */
GstHarness *
kv_harness_full (GstElement *e, const gchar *caps, GstBus *bus)
{
  GstHarness *h;

  if (bus)
    gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* Tears down a harness made with a bus: the messages queued on @bus hold
 * the element, which holds the bus, so the bus is detached first. */
void
kv_harness_teardown_bus (GstHarness *h, GstBus *bus)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GstHarness *
kv_harness (GstElement *e, const gchar *caps)
{
  return kv_harness_full (e, caps, NULL);
}

GstElement *
kv_element (guint mode, const gchar *name)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (e, "mode", mode, "cache-name", name, NULL);
  return e;
}

GstHarness *
put_harness_bus (
    const gchar *name, guint n, guint vs, const gchar *extra, GstBus *bus)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);
  gchar *dims = g_strdup_printf ("1:%u,%u:%u", n, vs, n);
  gchar *caps = tensors_caps (2, dims, "uint64,uint8");
  GstHarness *h;

  g_object_set (e, "mode", 3, "cache-name", name, "backing-store", extra, NULL);
  h = kv_harness_full (e, caps, bus);
  g_free (caps);
  g_free (dims);
  return h;
}

GstHarness *
put_harness (const gchar *name, guint n, guint vs, const gchar *extra)
{
  return put_harness_bus (name, n, vs, extra, NULL);
}

GstHarness *
get_harness (const gchar *name, guint n, guint vs, const gchar *extra)
{
  GstElement *e = kv_element (2, name);
  gchar *dims = g_strdup_printf ("1:%u", n);
  gchar *caps = tensors_caps (1, dims, "uint64");
  GstHarness *h;

  g_object_set (e, "value-size", vs, "backing-store", extra, NULL);
  h = kv_harness (e, caps);
  g_free (caps);
  g_free (dims);
  return h;
}

/* value of key k: vs bytes of (k * 7 + i) */
void
fill_value (guint8 *v, guint64 k, guint vs)
{
  guint i;
  for (i = 0; i < vs; i++)
    v[i] = (guint8)(k * 7 + i + 1);
}

GstFlowReturn
push_put (GstHarness *h, const guint64 *keys, guint n, guint vs)
{
  guint8 *data = g_malloc (n * 8 + n * vs);
  guint i;
  GstBuffer *out;
  GstFlowReturn ret;

  memcpy (data, keys, n * 8);
  for (i = 0; i < n; i++)
    fill_value (data + n * 8 + i * vs, keys[i], vs);
  ret = gst_harness_push (h, gst_buffer_new_wrapped (data, n * 8 + n * vs));
  if (ret == GST_FLOW_OK) {
    out = gst_harness_pull (h);
    gst_buffer_unref (out);
  }
  return ret;
}

/* Gets @keys; checks found against @expect_found and the values. */
void
check_get (GstHarness *h, const guint64 *keys, guint n, guint vs,
    const gboolean *expect_found)
{
  GstBuffer *out;
  GstMapInfo map;
  guint8 *want = g_malloc (vs);
  guint i;

  out = gst_harness_push_and_pull (
      h, gst_buffer_new_memdup (keys, n * sizeof (guint64)));
  fail_unless (out != NULL);
  fail_unless_equals_int (gst_buffer_n_memory (out), 2);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, n * vs + n);
  for (i = 0; i < n; i++) {
    fail_unless_equals_int (map.data[n * vs + i], expect_found[i] ? 1 : 0);
    if (expect_found[i]) {
      fill_value (want, keys[i], vs);
      fail_unless (memcmp (map.data + i * vs, want, vs) == 0, "key %u", i);
    }
  }
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  g_free (want);
}
