/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The data path of gpubatch: batch buffers, slot reservation with
 * backpressure, negotiation of the batch shape, flushing and EOS, and the
 * source pad task that pushes completed batches.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "elements/gpubatch/gstgpubatchprivate.h"

static GstGpuDType
dtype_to_gpu (GstGpuBatchDType dtype)
{
  switch (dtype) {
    case GST_GPU_BATCH_DTYPE_FLOAT16:
      return GST_GPU_DTYPE_FLOAT16;
    case GST_GPU_BATCH_DTYPE_UINT8:
      return GST_GPU_DTYPE_UINT8;
    case GST_GPU_BATCH_DTYPE_FLOAT32:
    default:
      return GST_GPU_DTYPE_FLOAT32;
  }
}

/* --- batches (all called with the lock held) ------------------------------ */

static void
batch_free (GstGpuBatchBuf *batch)
{
  if (batch->base)
    gst_buffer_unmap (batch->buffer, &batch->map);
  gst_buffer_unref (batch->buffer);
  g_free (batch->arrivals);
  g_free (batch);
}

static gboolean
batch_complete (const GstGpuBatchBuf *batch)
{
  return batch->n_written == batch->n_reserved;
}

/* Moves @count written items from slot @from of @src to slot @to of @dst,
 * data and description; the two ranges must not overlap. */
static gboolean
slots_move (GstGpuBatch *self, GstGpuBatchBuf *dst, guint to,
    GstGpuBatchBuf *src, guint from, guint count)
{
  gsize size = self->item_size;
  guint i;

  if (!gst_gpu_device_copy (self->device, dst->base + to * size,
          src->base + from * size, count * size))
    return FALSE;
  for (i = 0; i < count; i++)
    gst_gpu_batch_slot_move (
        &dst->meta->slots[to + i], &src->meta->slots[from + i]);
  memcpy (
      &dst->arrivals[to], &src->arrivals[from], count * sizeof (GstClockTime));
  return TRUE;
}

/* Tops @batch (just taken from the ready queue) up to the target with the
 * oldest items of the complete batches behind it, keeping arrival order.
 * Batches formed before the target grew, or closed early by their
 * deadline, would otherwise go out small: after the adaptive controller
 * raises the target, the whole backlog formed at the old size would have
 * to drain before one batch at the new size could be measured. Copies at
 * most target - n items, and only while a backlog exists. */
static void
batch_top_up_locked (GstGpuBatch *self, GstGpuBatchBuf *batch)
{
  GstGpuBatchBuf *next;
  guint i;

  while (batch->n_reserved < self->target
         && (next = g_queue_peek_head (&self->ready))
         && batch_complete (next)) {
    guint take = MIN (self->target - batch->n_reserved, next->n_reserved);
    guint rest = next->n_reserved - take;

    if (!slots_move (self, batch, batch->n_reserved, next, 0, take))
      return;
    batch->n_reserved += take;
    batch->n_written += take;
    next->n_reserved = next->n_written = rest;

    /* close the gap in @next, @take slots at a time so no copy overlaps */
    for (i = 0; i < rest; i += take) {
      if (!slots_move (self, next, i, next, i + take, MIN (take, rest - i)))
        goto out_failed;
    }
    if (rest > 0) {
      next->first_arrival = next->arrivals[0];
      continue;
    }
    g_queue_pop_head (&self->ready);
    batch_free (next);
  }
  return;

out_failed:
  /* the device could not copy: what is left of @next is not trustworthy,
   * so it goes out marked failed (and is counted so when pushed) rather
   * than as garbage */
  for (i = 0; i < next->n_reserved; i++)
    next->meta->slots[i].status = GST_GPU_SLOT_STATUS_FAILED;
}

/* Drops @batch now, or marks it so that its last writer drops it. */
static void
batch_discard_locked (GstGpuBatch *self, GstGpuBatchBuf *batch)
{
  if (batch_complete (batch))
    batch_free (batch);
  else
    batch->discarded = TRUE;
}

/* Updates the pause state after items left the element. */
static void
held_release_locked (GstGpuBatch *self, guint n)
{
  gdouble cap = self->eff_capacity;

  self->held -= MIN (n, self->held);
  if (self->paused && self->held < self->resume_threshold * cap) {
    GstClockTime now = GST_GPU_BATCH_NOW ();

    self->paused = FALSE;
    self->pause_time += now - self->pause_start;
    GST_LOG_OBJECT (self, "resuming producers, %u items held", self->held);
  }
  g_cond_broadcast (&self->item_del);
}

static void
close_filling_locked (GstGpuBatch *self)
{
  GstGpuBatchBuf *batch = self->filling;

  if (!batch)
    return;
  self->filling = NULL;
  batch->closed = TRUE;
  g_queue_push_tail (&self->ready, batch);
  g_cond_broadcast (&self->item_add);
  /* pads waiting for their fair share may fill the next batch */
  if (self->n_waiting > 0)
    g_cond_broadcast (&self->item_del);
}

/* Drops every held item (flush, deactivation); they count as dropped. */
void
gst_gpu_batch_drop_all_locked (GstGpuBatch *self)
{
  GstGpuBatchBuf *batch;
  guint dropped = 0;

  if (self->filling) {
    dropped += self->filling->n_reserved;
    batch_discard_locked (self, self->filling);
    self->filling = NULL;
  }
  while ((batch = g_queue_pop_head (&self->ready))) {
    dropped += batch->n_reserved;
    batch_discard_locked (self, batch);
  }
  self->items_dropped += dropped;
  self->held = 0;
  if (self->paused) {
    self->paused = FALSE;
    self->pause_time += GST_GPU_BATCH_NOW () - self->pause_start;
  }
  g_cond_broadcast (&self->item_del);
  g_cond_broadcast (&self->item_add);
}

/* overflow=drop-oldest: drops the oldest waiting batch. */
static gboolean
drop_oldest_locked (GstGpuBatch *self)
{
  GstGpuBatchBuf *batch;
  guint n;

  if (g_queue_is_empty (&self->ready))
    close_filling_locked (self);
  batch = g_queue_pop_head (&self->ready);
  if (!batch)
    return FALSE;
  n = batch->n_reserved;
  self->items_dropped += n;
  GST_DEBUG_OBJECT (self, "overflow: dropping the oldest batch of %u items", n);
  batch_discard_locked (self, batch);
  held_release_locked (self, n);
  return TRUE;
}

static void
update_target_locked (GstGpuBatch *self)
{
  guint target;

  target = self->adaptive ? gst_gpu_batch_adapt_get_target (&self->adapt)
                          : self->n_slots;
  if (self->mem_cap > 0)
    target = MIN (target, self->mem_cap);
  target = MIN (target, self->eff_capacity);
  target = CLAMP (target, 1, self->n_slots);
  if (target != self->target)
    GST_DEBUG_OBJECT (self, "target batch size %u -> %u", self->target, target);
  self->target = target;
}

/* Slots @pad took in the filling batch. */
static guint
pad_share_locked (GstGpuBatch *self, GstGpuBatchPad *pad)
{
  return pad->share_seq == self->filling_seq ? pad->share : 0;
}

/* Fair shares: @pad may take the next slot of the filling batch unless
 * another pad has an item waiting and fewer slots in that batch. Without
 * it one fast non-live source fills batch after batch while the others'
 * first items wait, and their branches downstream never preroll. */
static gboolean
fair_turn_locked (GstGpuBatch *self, GstGpuBatchPad *pad)
{
  guint mine, i;

  if (self->n_waiting < 2)
    return TRUE;
  mine = pad_share_locked (self, pad);
  for (i = 0; i < self->pads->len; i++) {
    GstGpuBatchPad *other = g_ptr_array_index (self->pads, i);

    if (other != pad && other->waiting && !other->flushing
        && pad_share_locked (self, other) < mine)
      return FALSE;
  }
  return TRUE;
}

/* Acquires a batch buffer from the pool and makes it the filling batch
 * (lock held; released while the pool blocks on downstream). GST_FLOW_OK
 * means: evaluate the state again. */
static GstFlowReturn
acquire_batch_locked (GstGpuBatch *self, GstGpuBatchPad *pad)
{
  GstBufferPool *pool = gst_object_ref (self->pool);
  GstBuffer *buffer = NULL;
  GstGpuBatchBuf *batch;
  GstFlowReturn ret;
  GstMapFlags flags = GST_MAP_WRITE;
  guint n_slots = self->n_slots;

  self->acquiring = TRUE;
  GST_GPU_BATCH_UNLOCK (self);
  /* blocks while downstream holds every batch buffer */
  ret = gst_buffer_pool_acquire_buffer (pool, &buffer, NULL);
  gst_object_unref (pool);
  GST_GPU_BATCH_LOCK (self);
  self->acquiring = FALSE;
  g_cond_broadcast (&self->item_del);

  if (ret == GST_FLOW_FLUSHING)
    return GST_FLOW_OK;
  if (ret != GST_FLOW_OK)
    return ret;
  if (self->filling || self->srcresult != GST_FLOW_OK || pad->flushing
      || n_slots != self->n_slots) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  if (gst_gpu_device_is_cuda (self->device))
    flags |= GST_MAP_GPU_DEVICE;
  batch = g_new0 (GstGpuBatchBuf, 1);
  batch->buffer = buffer;
  if (!gst_buffer_map (buffer, &batch->map, flags)) {
    g_free (batch);
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  batch->base = batch->map.data;
  batch->meta = gst_buffer_add_gpu_batch_meta (buffer, n_slots);
  if (self->kind == GST_GPU_BATCH_KIND_VIDEO) {
    batch->meta->slot_width = self->vfmt.width;
    batch->meta->slot_height = self->vfmt.height;
  }
  batch->arrivals = g_new0 (GstClockTime, n_slots);
  self->filling = batch;
  self->filling_seq++;
  return GST_FLOW_OK;
}

/**
 * gst_gpu_batch_reserve:
 * @self: the element
 * @pad: the pad the item arrived on
 * @out_batch: (out): batch the item goes into
 * @out_slot: (out): its slot
 *
 * Applies backpressure (block, drop-oldest, drop-newest) and fair shares
 * between pads, acquires a batch buffer if none is filling (may block on
 * the bounded pool) and hands out the next slot. The caller converts into
 * the slot without the lock, then calls gst_gpu_batch_finish_slot().
 *
 * Returns: GST_FLOW_OK, GST_GPU_BATCH_FLOW_DROPPED or a flow error.
 */
GstFlowReturn
gst_gpu_batch_reserve (GstGpuBatch *self, GstGpuBatchPad *pad,
    GstGpuBatchBuf **out_batch, guint *out_slot)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstGpuBatchBuf *batch;
  GstClockTime now;
  gboolean post_error = FALSE;
  guint slot;

  GST_GPU_BATCH_LOCK (self);
  pad->waiting = TRUE;
  self->n_waiting++;

  for (;;) {
    gdouble cap = self->eff_capacity;
    gboolean out_of_buffers;

    if (pad->flushing) {
      ret = GST_FLOW_FLUSHING;
      goto out_unlock;
    }
    if (self->srcresult == GST_FLOW_FLUSHING && self->n_flushing_pads > 0) {
      /* another pad is flushing: wait for its FLUSH_STOP */
      g_cond_wait (&self->item_del, &self->lock);
      continue;
    }
    if (self->srcresult != GST_FLOW_OK) {
      ret = self->srcresult;
      goto out_unlock;
    }
    if (pad->eos) {
      ret = GST_FLOW_EOS;
      goto out_unlock;
    }
    if (!self->negotiated) {
      ret = GST_FLOW_NOT_NEGOTIATED;
      goto out_unlock;
    }

    /* every held batch buffer counts against memory, however few items
     * it holds (a small adaptive target) */
    out_of_buffers = !self->filling
                     && g_queue_get_length (&self->ready) >= self->max_buffers;
    if (self->overflow == GST_GPU_BATCH_OVERFLOW_BLOCK) {
      if (!self->paused && self->held >= self->pause_threshold * cap
          && self->held > 0) {
        self->paused = TRUE;
        self->pause_count++;
        self->pause_start = GST_GPU_BATCH_NOW ();
        GST_LOG_OBJECT (self, "pausing producers, %u items held", self->held);
      }
      if (self->paused) {
        /* nothing else would make the filling batch leave */
        if (g_queue_is_empty (&self->ready) && self->filling)
          close_filling_locked (self);
        g_cond_wait (&self->item_del, &self->lock);
        continue;
      }
      if (out_of_buffers) {
        g_cond_wait (&self->item_del, &self->lock);
        continue;
      }
    } else if (self->held >= cap || out_of_buffers) {
      if (self->overflow == GST_GPU_BATCH_OVERFLOW_DROP_NEWEST
          || !drop_oldest_locked (self)) {
        self->items_in++;
        self->items_dropped++;
        GST_LOG_OBJECT (pad, "overflow: dropping the arriving item");
        ret = GST_GPU_BATCH_FLOW_DROPPED;
        goto out_unlock;
      }
      continue;
    }

    if (self->filling) {
      if (fair_turn_locked (self, pad))
        break;
      g_cond_wait (&self->item_del, &self->lock);
      continue;
    }
    if (self->acquiring) {
      g_cond_wait (&self->item_del, &self->lock);
      continue;
    }
    ret = acquire_batch_locked (self, pad);
    if (ret != GST_FLOW_OK)
      goto acquire_failed;
  }

  batch = self->filling;
  now = GST_GPU_BATCH_NOW ();
  slot = batch->n_reserved++;
  batch->arrivals[slot] = now;
  if (slot == 0) {
    batch->first_arrival = now;
    g_cond_broadcast (&self->item_add); /* new deadline */
  }
  if (pad->share_seq != self->filling_seq) {
    pad->share_seq = self->filling_seq;
    pad->share = 0;
  }
  pad->share++;
  self->held++;
  self->items_in++;
  if (batch->n_reserved >= MIN (self->target, self->n_slots))
    close_filling_locked (self);
  else if (self->n_waiting > 1)
    g_cond_broadcast (&self->item_del); /* shares changed */

  *out_batch = batch;
  *out_slot = slot;

out_unlock:
  pad->waiting = FALSE;
  self->n_waiting--;
  GST_GPU_BATCH_UNLOCK (self);
  if (post_error)
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not allocate a batch buffer; lower max-batch-size or the "
         "slot size (width, height, dtype)."),
        ("%" G_GSIZE_FORMAT " bytes on the %s device (max-batch-size %u x "
         "%" G_GSIZE_FORMAT " bytes per item): %s",
            self->item_size * self->n_slots,
            gst_gpu_device_get_kind_name (self->device), self->n_slots,
            self->item_size, gst_flow_get_name (ret)));
  return ret;

  /* ERRORS */
acquire_failed : {
  GST_DEBUG_OBJECT (pad, "no batch buffer: %s", gst_flow_get_name (ret));
  /* one error for the element, whichever pad ran into it first */
  post_error = self->srcresult == GST_FLOW_OK;
  if (post_error) {
    self->srcresult = GST_FLOW_ERROR;
    g_cond_broadcast (&self->item_del);
    g_cond_broadcast (&self->item_add);
  }
  ret = GST_FLOW_ERROR;
  goto out_unlock;
}
}

/**
 * gst_gpu_batch_finish_slot:
 * @self: the element
 * @batch: batch from gst_gpu_batch_reserve()
 * @slot: slot from gst_gpu_batch_reserve()
 * @ok: whether the conversion succeeded (a failed slot is pushed with
 *   status failed)
 *
 * Called from the pad's streaming thread after writing the slot.
 */
void
gst_gpu_batch_finish_slot (
    GstGpuBatch *self, GstGpuBatchBuf *batch, guint slot, gboolean ok)
{
  GST_GPU_BATCH_LOCK (self);
  /* counted as failed when the batch leaves */
  if (!ok)
    batch->meta->slots[slot].status = GST_GPU_SLOT_STATUS_FAILED;
  batch->n_written++;
  if (batch_complete (batch)) {
    if (batch->discarded)
      batch_free (batch);
    else if (batch->closed)
      g_cond_broadcast (&self->item_add);
  }
  GST_GPU_BATCH_UNLOCK (self);
}

/* --- negotiation ---------------------------------------------------------- */

static guint
float_array_get (const GValue *array, gfloat *out, guint max)
{
  guint i, n = MIN (gst_value_array_get_size (array), max);

  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (array, i);

    /* gst-launch gives floats; applications may hand doubles */
    if (G_VALUE_HOLDS_FLOAT (v))
      out[i] = g_value_get_float (v);
    else if (G_VALUE_HOLDS_DOUBLE (v))
      out[i] = (gfloat)g_value_get_double (v);
    else
      out[i] = 0.0f;
  }
  return n;
}

/* Fills scale/offset of the video slot format from mean/std or
 * scale/offset (lock held). */
static void
make_normalisation_locked (GstGpuBatch *self, GstGpuVideoSlotFormat *fmt)
{
  gfloat mean[3] = { 0, 0, 0 }, std[3] = { 1, 1, 1 };
  gfloat a[3], b[3] = { 0, 0, 0 };
  guint n_mean, n_std, n_a, n_b, c;
  gfloat def_a = fmt->dtype == GST_GPU_DTYPE_UINT8 ? 1.0f : 1.0f / 255.0f;

  n_mean = float_array_get (&self->mean, mean, 3);
  n_std = float_array_get (&self->std, std, 3);
  if (n_mean > 0 || n_std > 0) {
    /* one value applies to every channel */
    for (c = n_mean == 1 ? 1 : 3; n_mean == 1 && c < 3; c++)
      mean[c] = mean[0];
    for (c = n_std == 1 ? 1 : 3; n_std == 1 && c < 3; c++)
      std[c] = std[0];
    for (c = 0; c < 3; c++) {
      gfloat s = std[c] != 0.0f ? std[c] : 1.0f;
      fmt->scale[c] = 1.0f / (255.0f * s);
      fmt->offset[c] = -mean[c] / s;
    }
    return;
  }

  a[0] = a[1] = a[2] = def_a;
  n_a = float_array_get (&self->scale, a, 3);
  n_b = float_array_get (&self->offset, b, 3);
  for (c = 1; c < 3; c++) {
    if (n_a == 1)
      a[c] = a[0];
    if (n_b == 1)
      b[c] = b[0];
  }
  for (c = 0; c < 3; c++) {
    fmt->scale[c] = a[c];
    fmt->offset[c] = b[c];
  }
}

static const gchar *
kind_name (GstGpuBatchKind kind)
{
  switch (kind) {
    case GST_GPU_BATCH_KIND_VIDEO:
      return "video";
    case GST_GPU_BATCH_KIND_AUDIO:
      return "audio";
    case GST_GPU_BATCH_KIND_TENSOR:
      return "tensor";
    default:
      return "empty";
  }
}

/* Items memory-target lets the batches take of @free_bytes of free device
 * (or host) memory; 0 when unknown (lock held). */
static guint
memory_cap_locked (GstGpuBatch *self, guint64 free_bytes)
{
  guint64 items;

  if (free_bytes == 0 || self->item_size == 0)
    return 0;
  items = (guint64)(free_bytes * self->memory_target) / self->item_size;
  return (guint)CLAMP (items, 1, G_MAXINT);
}

/* Free memory of @device, 0 when unknown. Without the lock: it reads
 * /proc/meminfo or calls the driver. */
static guint64
free_memory (GstGpuDevice *device)
{
  guint64 free_bytes = 0, total_bytes = 0;

  if (!device
      || !gst_gpu_device_get_memory_info (device, &free_bytes, &total_bytes))
    return 0;
  return free_bytes;
}

/* Step 1 of the first caps: the shape of one item, from the pad's caps
 * and the properties (lock held). Returns FALSE with @reason set. */
static gboolean
configure_item_locked (GstGpuBatch *self, GstGpuBatchPad *pad,
    GstGpuBatchKind kind, gint *fps_n, gint *fps_d, gchar **reason)
{
  guint i;

  memset (&self->item_info, 0, sizeof (self->item_info));
  self->item_info.dtype = self->out_dtype;
  self->item_duration = GST_CLOCK_TIME_NONE;
  *fps_n = 0;
  *fps_d = 1;

  switch (kind) {
    case GST_GPU_BATCH_KIND_VIDEO: {
      GstGpuVideoSlotFormat *fmt = &self->vfmt;
      guint channels;

      memset (fmt, 0, sizeof (*fmt));
      fmt->width = self->width ? self->width
                               : (guint)GST_VIDEO_INFO_WIDTH (&pad->vinfo);
      fmt->height = self->height ? self->height
                                 : (guint)GST_VIDEO_INFO_HEIGHT (&pad->vinfo);
      fmt->color = self->color;
      fmt->layout = self->layout;
      fmt->dtype = self->out_dtype;
      fmt->scale_mode = self->scale_mode;
      fmt->pad_value = (gfloat)self->pad_value;
      make_normalisation_locked (self, fmt);
      channels = gst_gpu_video_slot_format_channels (fmt);
      self->item_info.rank = 3;
      if (fmt->layout == GST_GPU_LAYOUT_NCHW) {
        self->item_info.dims[0] = fmt->width;
        self->item_info.dims[1] = fmt->height;
        self->item_info.dims[2] = channels;
      } else {
        self->item_info.dims[0] = channels;
        self->item_info.dims[1] = fmt->width;
        self->item_info.dims[2] = fmt->height;
      }
      *fps_n = GST_VIDEO_INFO_FPS_N (&pad->vinfo);
      *fps_d = GST_VIDEO_INFO_FPS_D (&pad->vinfo);
      if (*fps_n > 0 && *fps_d > 0)
        self->item_duration
            = gst_util_uint64_scale_int (GST_SECOND, *fps_d, *fps_n);
      return TRUE;
    }
    case GST_GPU_BATCH_KIND_AUDIO:
      self->channels = GST_AUDIO_INFO_CHANNELS (&pad->ainfo);
      self->window = self->window_samples;
      self->hop = self->hop_samples ? self->hop_samples : self->window;
      /* interleaved samples: channels innermost */
      self->item_info.rank = 2;
      self->item_info.dims[0] = self->channels;
      self->item_info.dims[1] = self->window;
      *fps_n = GST_AUDIO_INFO_RATE (&pad->ainfo);
      *fps_d = self->hop;
      self->item_duration = gst_util_uint64_scale_int (
          GST_SECOND, self->hop, GST_AUDIO_INFO_RATE (&pad->ainfo));
      return TRUE;
    case GST_GPU_BATCH_KIND_TENSOR:
      if (pad->tinfo.rank + 1 > GST_GPU_TENSOR_RANK_LIMIT) {
        *reason = g_strdup_printf ("a tensor of rank %u leaves no room for "
                                   "the batch dimension (rank limit %d)",
            pad->tinfo.rank, GST_GPU_TENSOR_RANK_LIMIT);
        return FALSE;
      }
      self->item_info.rank = pad->tinfo.rank;
      for (i = 0; i < pad->tinfo.rank; i++)
        self->item_info.dims[i] = pad->tinfo.dims[i];
      return TRUE;
    default:
      *reason = g_strdup ("the input is neither video, audio nor a tensor");
      return FALSE;
  }
}

/* Step 2: the output caps, N items of that shape (lock held). */
static gboolean
configure_caps_locked (
    GstGpuBatch *self, gint fps_n, gint fps_d, gchar **reason)
{
  GstGpuTensorsConfig config;
  const GstGpuTensorInfo *out = &self->item_info;

  self->item_size = gst_gpu_tensor_info_get_size (out);
  if (self->item_size == 0) {
    *reason = g_strdup ("the item size is zero or overflows");
    return FALSE;
  }
  gst_gpu_tensors_config_init (&config);
  config.num_tensors = 1;
  config.info[0] = *out;
  config.info[0].dims[out->rank] = self->n_slots;
  config.info[0].rank = out->rank + 1;
  config.fps_n = fps_n;
  config.fps_d = fps_d;
  if (gst_gpu_tensors_config_get_size (&config) == 0
      || self->item_size > G_MAXSIZE / self->n_slots) {
    *reason = g_strdup_printf ("a batch of %u items of %" G_GSIZE_FORMAT
                               " bytes overflows",
        self->n_slots, self->item_size);
    return FALSE;
  }
  if (self->item_size * self->n_slots > G_MAXUINT) {
    *reason = g_strdup_printf ("a batch of %u items of %" G_GSIZE_FORMAT
                               " bytes (%" G_GSIZE_FORMAT " bytes) is over "
                               "the %u bytes a GStreamer buffer pool can "
                               "hold; lower max-batch-size or the slot size",
        self->n_slots, self->item_size, self->item_size * self->n_slots,
        G_MAXUINT);
    return FALSE;
  }
  gst_clear_caps (&self->src_caps);
  self->src_caps = gst_gpu_tensors_config_to_caps (
      &config, gst_gpu_device_get_caps_feature (self->device));
  return TRUE;
}

/* Step 3: how much the element may hold, in items and in batch buffers
 * (lock held). Every buffer takes a whole batch of memory however few items
 * it holds, so the buffer count, not the item count, bounds memory while
 * the adaptive target is small. */
static void
configure_limits_locked (GstGpuBatch *self)
{
  gsize batch_bytes = self->item_size * self->n_slots;
  guint64 cap, buffers;

  cap = self->capacity ? self->capacity : 4 * (guint64)self->n_slots;
  if (self->memory_limit > 0)
    cap = MIN (cap, self->memory_limit / self->item_size);
  self->eff_capacity = (guint)CLAMP (cap, 1, G_MAXINT / 2);

  /* full batches for the capacity plus the filling one */
  buffers = (self->eff_capacity + self->n_slots - 1) / self->n_slots + 1;
  if (self->memory_limit > 0) {
    buffers = MIN (buffers, self->memory_limit / batch_bytes);
    if (buffers == 0) {
      GST_WARNING_OBJECT (self,
          "memory-limit %" G_GUINT64_FORMAT " is below one batch of "
          "%" G_GSIZE_FORMAT " bytes: holding one batch at most",
          self->memory_limit, batch_bytes);
      buffers = 1;
    }
  }
  self->max_buffers = (guint)buffers;
}

/* Step 4: the bounded pool of batch buffers, allocated lazily: the held
 * buffers plus the one being pushed and one downstream (lock held). */
static gboolean
configure_pool_locked (GstGpuBatch *self, gchar **reason)
{
  self->pool_size = self->max_buffers + 2;
  if (self->pool) {
    /* an active pool drops the buffers it holds only when deactivated */
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  self->pool = gst_gpu_device_create_pool (
      self->device, self->item_size * self->n_slots, self->pool_size);
  if (self->pool && gst_buffer_pool_set_active (self->pool, TRUE))
    return TRUE;

  *reason
      = g_strdup_printf ("could not allocate batch buffers of %" G_GSIZE_FORMAT
                         " bytes on the %s device (max-batch-size %u, item "
                         "%" G_GSIZE_FORMAT " bytes)",
          self->item_size * self->n_slots,
          gst_gpu_device_get_kind_name (self->device), self->n_slots,
          self->item_size);
  gst_clear_object (&self->pool);
  return FALSE;
}

/* First caps of the stream: fixes the item shape, the output caps, the
 * limits and the pool, then starts the adaptive controller (lock held).
 * @free_bytes: free memory, read before taking the lock. Returns FALSE
 * with @reason set. */
static gboolean
configure_output_locked (GstGpuBatch *self, GstGpuBatchPad *pad,
    GstGpuBatchKind kind, guint64 free_bytes, gchar **reason)
{
  gint fps_n, fps_d;

  self->kind = kind;
  self->n_slots = self->max_batch;
  self->out_dtype = dtype_to_gpu (self->dtype);

  if (!configure_item_locked (self, pad, kind, &fps_n, &fps_d, reason)
      || !configure_caps_locked (self, fps_n, fps_d, reason))
    return FALSE;
  configure_limits_locked (self);
  self->mem_cap = memory_cap_locked (self, free_bytes);
  if (!configure_pool_locked (self, reason))
    return FALSE;

  gst_gpu_batch_adapt_init (&self->adapt, MIN (self->min_batch, self->n_slots),
      self->n_slots, GST_GPU_BATCH_ADAPT_DEFAULT_WINDOW);
  self->target = self->n_slots;
  update_target_locked (self);
  self->negotiated = TRUE;
  self->need_caps = TRUE;
  GST_INFO_OBJECT (self,
      "batching %s items of %" G_GSIZE_FORMAT " bytes, "
      "caps %" GST_PTR_FORMAT ", capacity %u items in at most %u buffers, "
      "target %u",
      kind_name (kind), self->item_size, self->src_caps, self->eff_capacity,
      self->max_buffers, self->target);
  return TRUE;
}

/**
 * gst_gpu_batch_negotiate_input:
 * @self: the element
 * @pad: the pad whose caps were parsed into its fields
 * @kind: what the caps describe
 * @caps: the caps, for the error message
 *
 * Called from the pad's streaming thread on a CAPS event. The first caps
 * fix the batch; later ones (any pad) must fit it. Posts an error naming
 * the pad and caps when they do not.
 */
gboolean
gst_gpu_batch_negotiate_input (
    GstGpuBatch *self, GstGpuBatchPad *pad, GstGpuBatchKind kind, GstCaps *caps)
{
  GstGpuDevice *device = NULL;
  guint64 free_bytes;
  gchar *reason = NULL;
  gboolean ret = FALSE;

  GST_GPU_BATCH_LOCK (self);
  if (self->device && !self->negotiated)
    device = gst_object_ref (self->device);
  GST_GPU_BATCH_UNLOCK (self);
  free_bytes = free_memory (device);
  gst_clear_object (&device);

  GST_GPU_BATCH_LOCK (self);
  if (!self->device) {
    reason = g_strdup ("the element has no device (not in PAUSED)");
    goto out_unlock;
  }
  if (self->config_failed) {
    /* already reported: upstream retries the same caps on every buffer */
    GST_GPU_BATCH_UNLOCK (self);
    return FALSE;
  }
  if (!self->negotiated) {
    ret = configure_output_locked (self, pad, kind, free_bytes, &reason);
    self->config_failed = !ret;
    goto out_unlock;
  }
  if (kind != self->kind) {
    reason = g_strdup_printf ("%s input cannot join a batch of %s items",
        kind_name (kind), kind_name (self->kind));
    goto out_unlock;
  }
  switch (kind) {
    case GST_GPU_BATCH_KIND_AUDIO:
      if ((guint)GST_AUDIO_INFO_CHANNELS (&pad->ainfo) != self->channels) {
        reason = g_strdup_printf ("%d channels do not fit a batch of "
                                  "%u-channel windows",
            GST_AUDIO_INFO_CHANNELS (&pad->ainfo), self->channels);
        goto out_unlock;
      }
      break;
    case GST_GPU_BATCH_KIND_TENSOR: {
      GstGpuTensorInfo want = self->item_info;

      want.dtype = pad->tinfo.dtype;
      if (!gst_gpu_tensor_info_is_equal (&want, &pad->tinfo)) {
        gchar *have = gst_gpu_tensor_info_dimensions_to_string (&pad->tinfo);
        gchar *need = gst_gpu_tensor_info_dimensions_to_string (&want);

        reason = g_strdup_printf ("tensor dimensions %s differ from the "
                                  "batch item dimensions %s",
            have, need);
        g_free (have);
        g_free (need);
        goto out_unlock;
      }
      break;
    }
    default:
      break;
  }
  ret = TRUE;

out_unlock:
  GST_GPU_BATCH_UNLOCK (self);
  if (!ret)
    gst_gpu_batch_post_caps_error (
        self, pad, caps, reason ? reason : "unsupported input");
  g_free (reason);
  return ret;
}

/**
 * gst_gpu_batch_post_caps_error:
 * @self: the element
 * @pad: the sink pad whose caps cannot be batched
 * @caps: those caps
 * @reason: why, in the user's terms
 *
 * Posts the one error for caps a pad cannot batch: the message names the
 * pad, its media type and the reason, the debug text the whole caps. Any
 * thread, without the lock.
 */
void
gst_gpu_batch_post_caps_error (
    GstGpuBatch *self, GstGpuBatchPad *pad, GstCaps *caps, const gchar *reason)
{
  const GstStructure *s
      = gst_caps_get_size (caps) > 0 ? gst_caps_get_structure (caps, 0) : NULL;

  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("Could not batch the %s input of %s: %s.",
          s ? gst_structure_get_name (s) : "empty", GST_PAD_NAME (pad), reason),
      ("caps %" GST_PTR_FORMAT, caps));
}

/* --- pad events ----------------------------------------------------------- */

void
gst_gpu_batch_check_all_eos_locked (GstGpuBatch *self)
{
  if (self->pads->len == 0 || self->n_eos_pads < self->pads->len)
    return;
  if (!self->eos)
    GST_DEBUG_OBJECT (self, "all %u sink pads are EOS", self->pads->len);
  self->eos = TRUE;
  close_filling_locked (self);
  g_cond_broadcast (&self->item_add);
}

/* Sink pad streaming thread, EOS event; takes the lock. */
void
gst_gpu_batch_pad_eos (GstGpuBatch *self, GstGpuBatchPad *pad)
{
  GST_GPU_BATCH_LOCK (self);
  if (!pad->eos) {
    pad->eos = TRUE;
    self->n_eos_pads++;
  }
  gst_gpu_batch_check_all_eos_locked (self);
  GST_GPU_BATCH_UNLOCK (self);
}

/* Any thread (FLUSH_START is not serialized); takes the lock. The first
 * flushing pad drops everything held and flushes downstream once. */
void
gst_gpu_batch_pad_flush_start (
    GstGpuBatch *self, GstGpuBatchPad *pad, GstEvent *event)
{
  gboolean forward = FALSE;

  GST_GPU_BATCH_LOCK (self);
  if (!pad->flushing) {
    pad->flushing = TRUE;
    pad->counted_flush = TRUE;
    self->n_flushing_pads++;
    if (self->n_flushing_pads == 1) {
      forward = TRUE;
      self->srcresult = GST_FLOW_FLUSHING;
      gst_gpu_batch_drop_all_locked (self);
    }
  }
  g_cond_broadcast (&self->item_del);
  g_cond_broadcast (&self->item_add);
  if (forward && self->pool)
    gst_buffer_pool_set_flushing (self->pool, TRUE);
  GST_GPU_BATCH_UNLOCK (self);

  if (forward) {
    GST_DEBUG_OBJECT (pad, "flushing");
    gst_pad_push_event (self->srcpad, gst_event_ref (event));
    gst_pad_pause_task (self->srcpad);
  }
}

/* Sink pad streaming thread, FLUSH_STOP; takes the lock. The last pad to
 * stop flushing forwards FLUSH_STOP and restarts the task. */
void
gst_gpu_batch_pad_flush_stop (
    GstGpuBatch *self, GstGpuBatchPad *pad, GstEvent *event)
{
  gboolean forward = FALSE;

  GST_GPU_BATCH_LOCK (self);
  if (pad->eos) {
    pad->eos = FALSE;
    self->n_eos_pads--;
    self->eos = FALSE;
  }
  if (pad->flushing && pad->counted_flush) {
    pad->flushing = FALSE;
    pad->counted_flush = FALSE;
    self->n_flushing_pads--;
    if (self->n_flushing_pads == 0) {
      forward = TRUE;
      if (self->pool)
        gst_buffer_pool_set_flushing (self->pool, FALSE);
    }
  }
  GST_GPU_BATCH_UNLOCK (self);

  if (forward) {
    gboolean restart;

    gst_pad_push_event (self->srcpad, gst_event_ref (event));
    GST_GPU_BATCH_LOCK (self);
    /* a deactivated source pad stays stopped */
    restart = self->src_active;
    if (restart)
      self->srcresult = GST_FLOW_OK;
    self->eos = FALSE;
    self->need_segment = TRUE;
    g_cond_broadcast (&self->item_del);
    GST_GPU_BATCH_UNLOCK (self);
    if (restart)
      gst_pad_start_task (self->srcpad, (GstTaskFunction)gst_gpu_batch_loop,
          self->srcpad, NULL);
  }
}

/* Called from the sink pad's activate-mode function, before the core takes
 * the pad's stream lock on deactivation: wakes a producer blocked in the
 * element. Takes the lock. */
void
gst_gpu_batch_pad_set_active (
    GstGpuBatch *self, GstGpuBatchPad *pad, gboolean active)
{
  GST_GPU_BATCH_LOCK (self);
  if (active) {
    if (pad->flushing && self->n_flushing_pads > 0 && pad->counted_flush)
      self->n_flushing_pads--;
    pad->flushing = FALSE;
    pad->counted_flush = FALSE;
    if (pad->eos) {
      pad->eos = FALSE;
      self->n_eos_pads--;
    }
  } else {
    /* no FLUSH_STOP will come for this: not counted in n_flushing_pads */
    pad->flushing = TRUE;
  }
  g_cond_broadcast (&self->item_del);
  GST_GPU_BATCH_UNLOCK (self);
}

/* --- source pad ----------------------------------------------------------- */

/* Finishes a batch for pushing (no lock: the batch is ours alone).
 * Returns how many slots it had to mark failed (a device that could not
 * synchronise). */
static guint
batch_seal (GstGpuBatch *self, GstGpuBatchBuf *batch, guint64 seq)
{
  GstGpuBatchMeta *meta = batch->meta;
  GstClockTime pts = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;
  guint i, n = batch->n_reserved, newly_failed = 0;

  meta->n_valid = n;
  for (i = 0; i < n; i++) {
    GstGpuBatchSlot *s = &meta->slots[i];

    if (!GST_CLOCK_TIME_IS_VALID (s->pts))
      continue;
    if (!GST_CLOCK_TIME_IS_VALID (pts) || s->pts < pts)
      pts = s->pts;
    if (GST_CLOCK_TIME_IS_VALID (s->duration)
        && (!GST_CLOCK_TIME_IS_VALID (end) || s->pts + s->duration > end))
      end = s->pts + s->duration;
  }

  if (gst_gpu_device_is_cuda (self->device)) {
    gboolean synced = FALSE;

    if (gst_gpu_device_push (self->device)) {
      synced = gst_gpu_device_synchronize (self->device);
      gst_gpu_device_pop (self->device);
    }
    if (!synced) {
      /* the conversions may not have finished: nothing here is trustworthy */
      GST_WARNING_OBJECT (self,
          "device synchronisation failed: the %u items "
          "of batch %" G_GUINT64_FORMAT " go out failed",
          n, seq);
      for (i = 0; i < n; i++) {
        if (meta->slots[i].status != GST_GPU_SLOT_STATUS_FAILED) {
          meta->slots[i].status = GST_GPU_SLOT_STATUS_FAILED;
          newly_failed++;
        }
      }
    }
  } else if (n < meta->n_slots) {
    /* padding slots are zero on the CPU path */
    memset (batch->base + n * self->item_size, 0,
        (meta->n_slots - n) * self->item_size);
  }
  gst_buffer_unmap (batch->buffer, &batch->map);
  batch->base = NULL;

  GST_BUFFER_PTS (batch->buffer) = pts;
  GST_BUFFER_DTS (batch->buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (batch->buffer)
      = GST_CLOCK_TIME_IS_VALID (end) && GST_CLOCK_TIME_IS_VALID (pts)
            ? end - pts
            : GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (batch->buffer) = seq;
  GST_BUFFER_OFFSET_END (batch->buffer) = seq + 1;
  return newly_failed;
}

/* The "sources" event naming every sink pad (lock held). A pad at EOS
 * stays in it: its branch downstream may still wait for that EOS to
 * preroll. */
static GstEvent *
sources_event_locked (GstGpuBatch *self)
{
  guint *indexes = g_newa (guint, self->pads->len + 1);
  guint i;

  for (i = 0; i < self->pads->len; i++)
    indexes[i] = ((GstGpuBatchPad *)g_ptr_array_index (self->pads, i))->index;
  self->need_sources = FALSE;
  return gst_gpu_batch_sources_event_new (indexes, self->pads->len);
}

/* Src task: stream-start, caps, segment and sources before data (lock not
 * held); takes @sources. */
static void
push_pending_events (GstGpuBatch *self, gboolean stream_start, GstCaps *caps,
    gboolean segment, GstEvent *sources)
{
  if (stream_start) {
    /* a new stream made of many: gst_pad_create_stream_id () wants at most
     * one sink pad */
    gchar *id = g_strdup_printf ("%08x%08x%08x%08x/gpubatch", g_random_int (),
        g_random_int (), g_random_int (), g_random_int ());

    gst_pad_push_event (self->srcpad, gst_event_new_stream_start (id));
    g_free (id);
  }
  if (caps)
    gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  if (segment) {
    GstSegment seg;

    /* slot and batch timestamps are running times */
    gst_segment_init (&seg, GST_FORMAT_TIME);
    gst_pad_push_event (self->srcpad, gst_event_new_segment (&seg));
  }
  if (sources)
    gst_pad_push_event (self->srcpad, sources);
}

/* Src pad task: waits for a complete batch, the deadline of the filling
 * batch, or EOS; pushes outside the lock. */
void
gst_gpu_batch_loop (GstPad *pad)
{
  GstGpuBatch *self = GST_GPU_BATCH (GST_PAD_PARENT (pad));
  GstGpuBatchBuf *batch = NULL;
  GstFlowReturn ret;
  GstCaps *caps = NULL;
  GstEvent *sources = NULL;
  gboolean stream_start, segment;
  GstClockTime t0, t1;
  guint64 seq, free_bytes;
  guint i, n, n_failed, newly_failed;
  gboolean retarget = FALSE;

  GST_GPU_BATCH_LOCK (self);
  for (;;) {
    GstGpuBatchBuf *head;

    if (self->srcresult != GST_FLOW_OK)
      goto out_flushing;

    head = g_queue_peek_head (&self->ready);
    if (head && batch_complete (head)) {
      batch = g_queue_pop_head (&self->ready);
      batch_top_up_locked (self, batch);
      break;
    }
    if (!head && !self->filling && self->eos)
      goto out_eos;

    if (self->filling && self->max_latency > 0) {
      GstClockTime deadline = self->filling->first_arrival + self->max_latency;

      if (GST_GPU_BATCH_NOW () >= deadline) {
        GST_DEBUG_OBJECT (
            self, "deadline: pushing %u items", self->filling->n_reserved);
        close_filling_locked (self);
        continue;
      }
      g_cond_wait_until (
          &self->item_add, &self->lock, (gint64)(deadline / 1000) + 1);
    } else {
      g_cond_wait (&self->item_add, &self->lock);
    }
  }

  n = batch->n_reserved;
  held_release_locked (self, n);
  /* in = out + dropped + failed + held at every moment: the batch counts
   * as out while downstream has it, and moves to dropped if refused */
  n_failed = gst_gpu_batch_meta_count_status (
      batch->meta, GST_GPU_SLOT_STATUS_FAILED);
  self->items_failed += n_failed;
  self->items_out += n - n_failed;
  seq = self->batch_seq++;
  stream_start = self->need_stream_start;
  segment = self->need_segment;
  if (self->need_caps && self->src_caps)
    caps = gst_caps_ref (self->src_caps);
  self->need_stream_start = self->need_segment = self->need_caps = FALSE;
  if (self->need_sources)
    sources = sources_event_locked (self);
  GST_GPU_BATCH_UNLOCK (self);

  push_pending_events (self, stream_start, caps, segment, sources);
  gst_clear_caps (&caps);
  newly_failed = batch_seal (self, batch, seq);
  if (newly_failed > 0) {
    GST_GPU_BATCH_LOCK (self);
    self->items_out -= newly_failed;
    self->items_failed += newly_failed;
    n_failed += newly_failed;
    GST_GPU_BATCH_UNLOCK (self);
  }

  t0 = GST_GPU_BATCH_NOW ();
  ret = gst_pad_push (self->srcpad, gst_buffer_ref (batch->buffer));
  t1 = GST_GPU_BATCH_NOW ();

  GST_GPU_BATCH_LOCK (self);
  if (ret != GST_FLOW_OK) {
    /* refused downstream (flushing, error): not out after all */
    self->items_out -= n - n_failed;
    self->items_dropped += n - n_failed;
  }
  self->batches++;
  for (i = 0; i < n; i++)
    gst_gpu_latency_histogram_record (&self->hist, t0 - batch->arrivals[i]);
  gst_gpu_throughput_meter_record (&self->meter, t1, n);
  /* only batches formed at the current target say something about it:
   * older ones from the backlog and deadline flushes are not measured */
  if (self->adaptive && n == self->target)
    retarget = gst_gpu_batch_adapt_record (&self->adapt, n, t1 - t0);
  if (ret != GST_FLOW_OK && self->srcresult == GST_FLOW_OK)
    self->srcresult = ret;
  batch_free (batch);
  GST_GPU_BATCH_UNLOCK (self);

  if (retarget) {
    /* the device is fixed while the task runs */
    free_bytes = free_memory (self->device);
    GST_GPU_BATCH_LOCK (self);
    self->mem_cap = memory_cap_locked (self, free_bytes);
    update_target_locked (self);
    GST_GPU_BATCH_UNLOCK (self);
  }

  if (ret != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "push returned %s", gst_flow_get_name (ret));
    if (ret == GST_FLOW_NOT_LINKED || ret <= GST_FLOW_NOT_NEGOTIATED) {
      GST_ELEMENT_FLOW_ERROR (self, ret);
      gst_pad_push_event (self->srcpad, gst_event_new_eos ());
    }
    gst_pad_pause_task (self->srcpad);
  }
  return;

out_flushing:
  GST_DEBUG_OBJECT (
      self, "pausing task: %s", gst_flow_get_name (self->srcresult));
  GST_GPU_BATCH_UNLOCK (self);
  gst_pad_pause_task (self->srcpad);
  return;

out_eos:
  stream_start = self->need_stream_start;
  segment = self->need_segment;
  if (self->need_caps && self->src_caps)
    caps = gst_caps_ref (self->src_caps);
  self->need_stream_start = self->need_segment = self->need_caps = FALSE;
  self->srcresult = GST_FLOW_EOS;
  GST_GPU_BATCH_UNLOCK (self);
  push_pending_events (self, stream_start, caps, segment, NULL);
  gst_clear_caps (&caps);
  GST_DEBUG_OBJECT (self, "all inputs drained, pushing EOS");
  gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  gst_pad_pause_task (self->srcpad);
}

/* Application or streaming thread (pad activation); takes the lock. */
gboolean
gst_gpu_batch_src_activate_mode (
    GstPad *pad, GstObject *parent, GstPadMode mode, gboolean active)
{
  GstGpuBatch *self = GST_GPU_BATCH (parent);
  gboolean ret = FALSE;

  if (mode != GST_PAD_MODE_PUSH)
    return ret;

  GST_GPU_BATCH_LOCK (self);
  self->src_active = active;
  if (active) {
    self->srcresult = GST_FLOW_OK;
    self->eos = FALSE;
    self->need_stream_start = TRUE;
    self->need_segment = TRUE;
    self->need_caps = self->negotiated;
    self->need_sources = TRUE;
    if (self->pool)
      gst_buffer_pool_set_flushing (self->pool, FALSE);
    GST_GPU_BATCH_UNLOCK (self);
    ret = gst_pad_start_task (
        pad, (GstTaskFunction)gst_gpu_batch_loop, pad, NULL);
  } else {
    self->srcresult = GST_FLOW_FLUSHING;
    gst_gpu_batch_drop_all_locked (self);
    if (self->pool)
      gst_buffer_pool_set_flushing (self->pool, TRUE);
    GST_GPU_BATCH_UNLOCK (self);
    ret = gst_pad_stop_task (pad);
  }

  return ret;
}

/* Upstream-latency combination over every sink pad's peer. */
typedef struct
{
  gboolean live;
  GstClockTime min;
  GstClockTime max;
  gboolean answered;
} LatencyFold;

static gboolean
fold_latency (const GValue *item, GValue *unused, gpointer user_data)
{
  GstPad *pad = g_value_get_object (item);
  LatencyFold *fold = user_data;
  GstQuery *query = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;

  if (gst_pad_peer_query (pad, query)) {
    gst_query_parse_latency (query, &live, &min, &max);
    if (live) {
      fold->live = TRUE;
      if (min > fold->min || !GST_CLOCK_TIME_IS_VALID (fold->min))
        fold->min = min;
      if (GST_CLOCK_TIME_IS_VALID (max)
          && (!GST_CLOCK_TIME_IS_VALID (fold->max) || max < fold->max))
        fold->max = max;
    }
    fold->answered = TRUE;
  }
  gst_query_unref (query);
  return TRUE;
}

/* Answers LATENCY: upstream's latency plus what this element may hold. An
 * item waits at most max-latency (or, without a deadline, until
 * max-batch-size - 1 later items arrived) before its batch is pushed, so
 * that is added to the minimum; the element buffers up to capacity items,
 * so the maximum grows by capacity item durations (NONE when the duration
 * of an item is unknown). */
static gboolean
query_latency (GstGpuBatch *self, GstQuery *query)
{
  LatencyFold fold = { FALSE, 0, GST_CLOCK_TIME_NONE, FALSE };
  GstIterator *it;
  GstClockTime hold, buffering;
  guint64 capacity;
  guint n_slots;

  it = gst_element_iterate_sink_pads (GST_ELEMENT (self));
  while (gst_iterator_fold (it, fold_latency, NULL, &fold)
         == GST_ITERATOR_RESYNC) {
    gst_iterator_resync (it);
    fold.live = FALSE;
    fold.min = 0;
    fold.max = GST_CLOCK_TIME_NONE;
    fold.answered = FALSE;
  }
  gst_iterator_free (it);
  if (!fold.answered)
    return FALSE;

  GST_GPU_BATCH_LOCK (self);
  /* the batch as negotiated; the properties until then */
  n_slots = self->negotiated ? self->n_slots : self->max_batch;
  capacity = self->negotiated ? self->eff_capacity
             : self->capacity ? self->capacity
                              : 4 * (guint64)self->max_batch;
  if (self->max_latency > 0)
    hold = self->max_latency;
  else if (GST_CLOCK_TIME_IS_VALID (self->item_duration))
    hold = self->item_duration * (n_slots - 1);
  else
    hold = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (self->item_duration))
    buffering = self->item_duration * capacity;
  else
    buffering = GST_CLOCK_TIME_NONE;
  GST_GPU_BATCH_UNLOCK (self);

  if (GST_CLOCK_TIME_IS_VALID (hold))
    fold.min += hold;
  if (GST_CLOCK_TIME_IS_VALID (fold.max)) {
    if (GST_CLOCK_TIME_IS_VALID (buffering) && GST_CLOCK_TIME_IS_VALID (hold))
      fold.max += hold + buffering;
    else
      fold.max = GST_CLOCK_TIME_NONE;
  }
  GST_DEBUG_OBJECT (self,
      "latency: live %d, min %" GST_TIME_FORMAT ", max %" GST_TIME_FORMAT,
      fold.live, GST_TIME_ARGS (fold.min), GST_TIME_ARGS (fold.max));
  gst_query_set_latency (query, fold.live, fold.min, fold.max);
  return TRUE;
}

/* Any thread; takes the lock for the caps and latency answers. */
gboolean
gst_gpu_batch_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstGpuBatch *self = GST_GPU_BATCH (parent);
  gboolean ret;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      ret = query_latency (self, query);
      break;
    case GST_QUERY_CAPS: {
      GstCaps *caps = NULL;

      GST_GPU_BATCH_LOCK (self);
      if (self->src_caps)
        caps = gst_caps_ref (self->src_caps);
      GST_GPU_BATCH_UNLOCK (self);
      if (!caps)
        caps = gst_pad_get_pad_template_caps (pad);
      gst_gpu_caps_query_reply (query, caps);
      ret = TRUE;
      break;
    }
    case GST_QUERY_CONTEXT:
      ret = gst_gpu_device_handle_query (
          &self->device_handle, GST_ELEMENT (self), query);
      break;
    default:
      ret = gst_pad_query_default (pad, parent, query);
      break;
  }
  return ret;
}

/* Any thread: upstream events go to every sink pad. */
gboolean
gst_gpu_batch_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  return gst_pad_event_default (pad, parent, event);
}
