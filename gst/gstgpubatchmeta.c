/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuBatchMeta: which slots of a fixed-shape batch are valid, and where
 * each came from.
 *
 * The API carries no tags: the meta describes where the items of a batch
 * came from, which stays true whatever an element does to the bytes of the
 * tensors (inference, casting, copying to another memory), so generic
 * elements such as GstBaseTransform subclasses keep it by default.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gst/gstgpubatchmeta.h"

#include <string.h>

/**
 * gst_gpu_slot_status_to_string:
 * @status: a slot status
 *
 * Returns: (transfer none): "ok", "failed", "dropped", "cache-hit", or
 *   "unknown" for a value outside the enumeration.
 */
const gchar *
gst_gpu_slot_status_to_string (GstGpuSlotStatus status)
{
  const gchar *ret = "unknown";

  switch (status) {
    case GST_GPU_SLOT_STATUS_OK:
      ret = "ok";
      break;
    case GST_GPU_SLOT_STATUS_FAILED:
      ret = "failed";
      break;
    case GST_GPU_SLOT_STATUS_DROPPED:
      ret = "dropped";
      break;
    case GST_GPU_SLOT_STATUS_CACHE_HIT:
      ret = "cache-hit";
      break;
  }
  return ret;
}

/**
 * gst_gpu_batch_meta_api_get_type:
 *
 * Returns: the GType of the GstGpuBatchMeta API (no tags).
 */
GType
gst_gpu_batch_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstGpuBatchMetaAPI", tags);

    g_once_init_leave (&type, t);
  }
  return type;
}

/* Called from gst_buffer_add_meta () in the adding thread. */
static gboolean
gst_gpu_batch_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstGpuBatchMeta *bmeta = (GstGpuBatchMeta *)meta;

  bmeta->n_slots = 0;
  bmeta->n_valid = 0;
  bmeta->slots = NULL;
  bmeta->slot_width = 0;
  bmeta->slot_height = 0;
  return TRUE;
}

static void
clear_frames (GstGpuBatchSlot *slots, guint n_slots)
{
  guint i;

  for (i = 0; i < n_slots; i++)
    g_clear_pointer (&slots[i].frame, gst_sample_unref);
}

/* Called when the buffer is freed or the meta removed. */
static void
gst_gpu_batch_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  GstGpuBatchMeta *bmeta = (GstGpuBatchMeta *)meta;

  if (bmeta->slots != NULL)
    clear_frames (bmeta->slots, bmeta->n_slots);
  g_clear_pointer (&bmeta->slots, g_free);
  bmeta->n_slots = 0;
  bmeta->n_valid = 0;
}

static void
init_slots (GstGpuBatchSlot *slots, guint n_slots)
{
  guint i;

  for (i = 0; i < n_slots; i++) {
    slots[i].pad_index = 0;
    slots[i].pts = GST_CLOCK_TIME_NONE;
    slots[i].dts = GST_CLOCK_TIME_NONE;
    slots[i].duration = GST_CLOCK_TIME_NONE;
    slots[i].width = 0;
    slots[i].height = 0;
    slots[i].status = GST_GPU_SLOT_STATUS_OK;
    slots[i].x = 0;
    slots[i].y = 0;
    slots[i].scaled_width = 0;
    slots[i].scaled_height = 0;
    slots[i].frame = NULL;
  }
}

/* Copies @src into @dest, replacing what @dest described. */
static void
copy_meta_contents (GstGpuBatchMeta *dest, const GstGpuBatchMeta *src)
{
  guint i;

  if (dest->slots != NULL)
    clear_frames (dest->slots, dest->n_slots);
  if (dest->n_slots != src->n_slots) {
    g_free (dest->slots);
    dest->slots = g_new (GstGpuBatchSlot, src->n_slots);
    dest->n_slots = src->n_slots;
  }
  if (src->n_slots > 0)
    memcpy (dest->slots, src->slots, src->n_slots * sizeof (GstGpuBatchSlot));
  for (i = 0; i < dest->n_slots; i++) {
    if (dest->slots[i].frame != NULL)
      gst_sample_ref (dest->slots[i].frame);
  }
  dest->n_valid = src->n_valid;
  dest->slot_width = src->slot_width;
  dest->slot_height = src->slot_height;
}

/* Called from gst_buffer_copy_into () and GstBaseTransform in the thread
 * copying the buffer. Copies (deep) on whole-buffer copies; a copy of a part
 * of the batch no longer has the batch's slots, so the meta is left out. */
static gboolean
gst_gpu_batch_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  GstGpuBatchMeta *src = (GstGpuBatchMeta *)meta;
  GstGpuBatchMeta *dmeta;
  GstMetaTransformCopy *copy = data;

  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  if (copy->region
      && (copy->offset != 0
          || (copy->size != (gsize)-1
              && copy->size != gst_buffer_get_size (buffer))))
    return TRUE;

  dmeta = gst_buffer_get_gpu_batch_meta (dest);
  if (dmeta == NULL)
    dmeta = (GstGpuBatchMeta *)gst_buffer_add_meta (
        dest, GST_GPU_BATCH_META_INFO, NULL);
  if (dmeta == NULL)
    return FALSE;
  if (dmeta != src)
    copy_meta_contents (dmeta, src);
  return TRUE;
}

/**
 * gst_gpu_batch_meta_get_info:
 *
 * Returns: (transfer none): the registered GstMetaInfo of GstGpuBatchMeta.
 */
const GstMetaInfo *
gst_gpu_batch_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **)&info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_GPU_BATCH_META_API_TYPE,
        "GstGpuBatchMeta", sizeof (GstGpuBatchMeta), gst_gpu_batch_meta_init,
        gst_gpu_batch_meta_free, gst_gpu_batch_meta_transform);

    g_once_init_leave ((GstMetaInfo **)&info, (GstMetaInfo *)mi);
  }
  return info;
}

/**
 * gst_buffer_add_gpu_batch_meta:
 * @buffer: a writable buffer
 * @n_slots: batch dimension N, at least 1
 *
 * Adds a batch meta whose slots are all padding: n_valid 0, pad index 0,
 * timestamps GST_CLOCK_TIME_NONE, size 0, status ok. Allocates the slots
 * array once, so call it once per batch buffer, not per item.
 *
 * Returns: (transfer none) (nullable): the new meta, NULL on invalid
 *   arguments.
 */
GstGpuBatchMeta *
gst_buffer_add_gpu_batch_meta (GstBuffer *buffer, guint n_slots)
{
  GstGpuBatchMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (n_slots > 0, NULL);

  meta = (GstGpuBatchMeta *)gst_buffer_add_meta (
      buffer, GST_GPU_BATCH_META_INFO, NULL);
  if (meta == NULL)
    return NULL;

  meta->slots = g_new (GstGpuBatchSlot, n_slots);
  meta->n_slots = n_slots;
  init_slots (meta->slots, n_slots);
  return meta;
}

/**
 * gst_gpu_batch_slot_set_frame:
 * @slot: a slot of a batch meta
 * @frame: (nullable) (transfer none): the input frame and its caps
 *
 * Replaces the slot's frame reference with a new reference to @frame.
 */
void
gst_gpu_batch_slot_set_frame (GstGpuBatchSlot *slot, GstSample *frame)
{
  g_return_if_fail (slot != NULL);

  if (frame != NULL)
    gst_sample_ref (frame);
  g_clear_pointer (&slot->frame, gst_sample_unref);
  slot->frame = frame;
}

/**
 * gst_gpu_batch_slot_move:
 * @dest: the slot to overwrite
 * @src: the slot to move from
 *
 * Copies every field of @src into @dest. The frame reference moves: @dest's
 * old frame is released and @src no longer holds one.
 */
void
gst_gpu_batch_slot_move (GstGpuBatchSlot *dest, GstGpuBatchSlot *src)
{
  g_return_if_fail (dest != NULL && src != NULL);

  if (dest == src)
    return;
  g_clear_pointer (&dest->frame, gst_sample_unref);
  *dest = *src;
  src->frame = NULL;
}

/**
 * gst_gpu_batch_meta_count_status:
 * @meta: a batch meta
 * @status: the status to count
 *
 * Returns: the number of valid slots (0..n_valid-1) whose status is
 *   @status.
 */
guint
gst_gpu_batch_meta_count_status (
    const GstGpuBatchMeta *meta, GstGpuSlotStatus status)
{
  guint i, n, count = 0;

  g_return_val_if_fail (meta != NULL, 0);

  n = MIN (meta->n_valid, meta->n_slots);
  for (i = 0; i < n; i++) {
    if (meta->slots[i].status == status)
      count++;
  }
  return count;
}

/**
 * gst_gpu_batch_sources_event_new:
 * @indexes: (array length=n_sources): pad_index of each source
 * @n_sources: number of sources
 *
 * Returns: (transfer full): a sticky custom downstream event naming the
 *   sources that may fill the slots of the batches that follow it.
 */
GstEvent *
gst_gpu_batch_sources_event_new (const guint *indexes, guint n_sources)
{
  GValue list = G_VALUE_INIT, v = G_VALUE_INIT;
  GstStructure *s;
  guint i;

  g_value_init (&list, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_UINT);
  for (i = 0; i < n_sources; i++) {
    g_value_set_uint (&v, indexes[i]);
    gst_value_array_append_value (&list, &v);
  }
  s = gst_structure_new_empty (GST_GPU_BATCH_SOURCES_EVENT_NAME);
  gst_structure_take_value (s, "sources", &list);
  g_value_unset (&v);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, s);
}

/**
 * gst_gpu_batch_sources_event_parse:
 * @event: any event
 *
 * Returns: (transfer full) (nullable): the source indexes of a "sources"
 *   event, or NULL when @event is another event.
 */
GArray *
gst_gpu_batch_sources_event_parse (GstEvent *event)
{
  const GstStructure *s;
  const GValue *list;
  GArray *ret;
  guint i, n;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY
      || !gst_event_has_name (event, GST_GPU_BATCH_SOURCES_EVENT_NAME))
    return NULL;
  s = gst_event_get_structure (event);
  list = gst_structure_get_value (s, "sources");
  if (!list || !GST_VALUE_HOLDS_ARRAY (list))
    return NULL;
  n = gst_value_array_get_size (list);
  ret = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (list, i);

    if (G_VALUE_HOLDS_UINT (v)) {
      guint index = g_value_get_uint (v);

      g_array_append_val (ret, index);
    }
  }
  return ret;
}
