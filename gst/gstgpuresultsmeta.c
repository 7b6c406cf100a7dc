/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuResultsMeta: per-slot results of a decoded batch, and their
 * conversion to GstVideoRegionOfInterestMeta on original frames.
 *
 * Like the batch meta, the API carries no tags: results describe the items
 * of the batch, whatever an element does to the bytes of its tensors.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gst/gstgpuresultsmeta.h"

#include <gst/video/video.h>

/**
 * gst_gpu_results_meta_api_get_type:
 *
 * Returns: the GType of the GstGpuResultsMeta API (no tags).
 */
GType
gst_gpu_results_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstGpuResultsMetaAPI", tags);

    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
gst_gpu_results_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstGpuResultsMeta *rmeta = (GstGpuResultsMeta *)meta;

  rmeta->results = g_array_new (FALSE, FALSE, sizeof (GstGpuResult));
  return TRUE;
}

static void
gst_gpu_results_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  GstGpuResultsMeta *rmeta = (GstGpuResultsMeta *)meta;

  g_clear_pointer (&rmeta->results, g_array_unref);
}

/* Copies on whole-buffer copies only: a part of the batch no longer has
 * the slots the results refer to. */
static gboolean
gst_gpu_results_meta_transform (GstBuffer *dest, GstMeta *meta,
    GstBuffer *buffer, GQuark type, gpointer data)
{
  GstGpuResultsMeta *src = (GstGpuResultsMeta *)meta;
  GstGpuResultsMeta *dmeta;
  GstMetaTransformCopy *copy = data;

  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  if (copy->region
      && (copy->offset != 0
          || (copy->size != (gsize)-1
              && copy->size != gst_buffer_get_size (buffer))))
    return TRUE;

  dmeta = gst_buffer_add_gpu_results_meta (dest);
  if (dmeta == NULL)
    return FALSE;
  if (dmeta != src) {
    g_array_set_size (dmeta->results, 0);
    g_array_append_vals (dmeta->results, src->results->data, src->results->len);
  }
  return TRUE;
}

/**
 * gst_gpu_results_meta_get_info:
 *
 * Returns: (transfer none): the registered GstMetaInfo of GstGpuResultsMeta.
 */
const GstMetaInfo *
gst_gpu_results_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **)&info)) {
    const GstMetaInfo *mi
        = gst_meta_register (GST_GPU_RESULTS_META_API_TYPE, "GstGpuResultsMeta",
            sizeof (GstGpuResultsMeta), gst_gpu_results_meta_init,
            gst_gpu_results_meta_free, gst_gpu_results_meta_transform);

    g_once_init_leave ((GstMetaInfo **)&info, (GstMetaInfo *)mi);
  }
  return info;
}

/**
 * gst_buffer_add_gpu_results_meta:
 * @buffer: a writable buffer
 *
 * Returns: (transfer none) (nullable): the buffer's results meta, added
 *   empty when it had none; NULL on invalid arguments.
 */
GstGpuResultsMeta *
gst_buffer_add_gpu_results_meta (GstBuffer *buffer)
{
  GstGpuResultsMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);

  meta = gst_buffer_get_gpu_results_meta (buffer);
  if (meta != NULL)
    return meta;
  return (GstGpuResultsMeta *)gst_buffer_add_meta (
      buffer, GST_GPU_RESULTS_META_INFO, NULL);
}

/**
 * gst_gpu_results_meta_add:
 * @meta: a results meta
 * @result: the result to copy in; its slot must not be below the slot of
 *   the last result added
 */
void
gst_gpu_results_meta_add (GstGpuResultsMeta *meta, const GstGpuResult *result)
{
  const GstGpuResult *last;

  g_return_if_fail (meta != NULL && result != NULL);
  g_return_if_fail (result->n_keypoints <= GST_GPU_RESULT_MAX_KEYPOINTS);

  if (meta->results->len > 0) {
    last = &g_array_index (meta->results, GstGpuResult, meta->results->len - 1);
    g_return_if_fail (last->slot <= result->slot);
  }
  g_array_append_val (meta->results, *result);
}

/**
 * gst_gpu_results_meta_get_slot:
 * @meta: a results meta
 * @slot: a slot of the batch
 * @n_results: (out): the number of results of @slot
 *
 * Returns: (transfer none) (array length=n_results) (nullable): the first
 *   result of @slot; the slot's results follow it.
 */
const GstGpuResult *
gst_gpu_results_meta_get_slot (
    const GstGpuResultsMeta *meta, guint slot, guint *n_results)
{
  const GstGpuResult *all;
  guint i, first;

  g_return_val_if_fail (meta != NULL && n_results != NULL, NULL);

  all = (const GstGpuResult *)meta->results->data;
  for (i = 0; i < meta->results->len && all[i].slot < slot; i++)
    ;
  first = i;
  for (; i < meta->results->len && all[i].slot == slot; i++)
    ;
  *n_results = i - first;
  return *n_results > 0 ? &all[first] : NULL;
}

/**
 * gst_gpu_result_dup_label:
 * @result: a result
 *
 * Returns: (transfer full): the label of @result, or "class-N" when it has
 *   none.
 */
gchar *
gst_gpu_result_dup_label (const GstGpuResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);

  if (result->label != 0)
    return g_strdup (g_quark_to_string (result->label));
  return g_strdup_printf ("class-%d", result->class_id);
}

static GstStructure *
result_to_structure (const GstGpuResult *result, const gchar *label)
{
  GstStructure *s;
  GValue points = G_VALUE_INIT, v = G_VALUE_INIT;
  guint i;

  s = gst_structure_new (result->kind == GST_GPU_RESULT_BOX
                             ? GST_GPU_RESULT_DETECTION_NAME
                             : GST_GPU_RESULT_CLASSIFICATION_NAME,
      "confidence", G_TYPE_DOUBLE, (gdouble)result->confidence, "class-id",
      G_TYPE_INT, result->class_id, "label", G_TYPE_STRING, label, NULL);
  if (result->n_keypoints == 0)
    return s;

  g_value_init (&points, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_DOUBLE);
  for (i = 0; i < 2 * result->n_keypoints; i++) {
    g_value_set_double (&v, result->keypoints[i]);
    gst_value_array_append_value (&points, &v);
  }
  g_value_unset (&v);
  gst_structure_take_value (s, "keypoints", &points);
  return s;
}

/* Rounds [lo, hi) to whole pixels inside [0, size). */
static void
clamp_span (gfloat lo, gfloat hi, guint size, guint *start, guint *length)
{
  gfloat a = CLAMP (lo, 0.f, (gfloat)size);
  gfloat b = CLAMP (hi, 0.f, (gfloat)size);

  *start = (guint)(a + 0.5f);
  *length = b > a ? (guint)(b - a + 0.5f) : 0;
  if (*start + *length > size)
    *length = size - *start;
}

/**
 * gst_gpu_result_to_roi_meta:
 * @result: a result of the slot @buffer filled
 * @buffer: the writable original frame
 * @frame_width: the frame's width in pixels
 * @frame_height: the frame's height in pixels
 *
 * Returns: FALSE when the meta could not be added.
 */
gboolean
gst_gpu_result_to_roi_meta (const GstGpuResult *result, GstBuffer *buffer,
    guint frame_width, guint frame_height)
{
  GstVideoRegionOfInterestMeta *roi;
  gchar *label;
  guint x = 0, y = 0, w = frame_width, h = frame_height;
  gint id;

  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (GST_IS_BUFFER (buffer), FALSE);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), FALSE);

  if (result->kind == GST_GPU_RESULT_BOX) {
    clamp_span (result->x, result->x + result->width, frame_width, &x, &w);
    clamp_span (result->y, result->y + result->height, frame_height, &y, &h);
  }
  id = (gint)gst_buffer_get_n_meta (
      buffer, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
  label = gst_gpu_result_dup_label (result);
  roi = gst_buffer_add_video_region_of_interest_meta (
      buffer, label, x, y, w, h);
  if (roi != NULL) {
    roi->id = id;
    gst_video_region_of_interest_meta_add_param (
        roi, result_to_structure (result, label));
  }
  g_free (label);
  return roi != NULL;
}
