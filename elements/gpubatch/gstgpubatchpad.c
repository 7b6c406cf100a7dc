/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sink pads of gpubatch: caps parsing, and turning buffers into items
 * (one frame, one audio window, one tensor) written into batch slots.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "elements/gpubatch/gstgpubatchprivate.h"

#ifdef HAVE_CUDA
#include <gst/cuda/gstcudamemory.h>
#define CUDA_MEMORY_FEATURE GST_CAPS_FEATURE_MEMORY_CUDA_MEMORY
#else
#define CUDA_MEMORY_FEATURE "memory:CUDAMemory"
#endif

G_DEFINE_TYPE (GstGpuBatchPad, gst_gpu_batch_pad, GST_TYPE_PAD);

static void
gst_gpu_batch_pad_finalize (GObject *object)
{
  GstGpuBatchPad *pad = GST_GPU_BATCH_PAD (object);

  gst_gpu_batch_pad_reset (pad);

  G_OBJECT_CLASS (gst_gpu_batch_pad_parent_class)->finalize (object);
}

static void
gst_gpu_batch_pad_class_init (GstGpuBatchPadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_gpu_batch_pad_finalize;
}

static void
gst_gpu_batch_pad_init (GstGpuBatchPad *pad)
{
  gst_segment_init (&pad->segment, GST_FORMAT_TIME);
  pad->anchor_rt = GST_CLOCK_TIME_NONE;
}

/**
 * gst_gpu_batch_pad_reset:
 * @pad: a sink pad of gpubatch
 *
 * Forgets the pad's caps and per-stream state. Called when the pad
 * (de)activates and on finalize, when no buffer flows through it.
 */
void
gst_gpu_batch_pad_reset (GstGpuBatchPad *pad)
{
  pad->kind = GST_GPU_BATCH_KIND_NONE;
  gst_clear_caps (&pad->caps);
  g_clear_pointer (&pad->convert, gst_gpu_video_convert_free);
  g_clear_pointer (&pad->acc, g_free);
  pad->acc_frames = 0;
  pad->skip_frames = 0;
  pad->acc_start = 0;
  pad->next_frame = 0;
  pad->sent_end = 0;
  pad->anchor_rt = GST_CLOCK_TIME_NONE;
  pad->anchor_frame = 0;
  pad->cuda_memory = FALSE;
  gst_segment_init (&pad->segment, GST_FORMAT_TIME);
}

static GstClockTime
running_time (GstGpuBatchPad *pad, GstClockTime ts)
{
  if (!GST_CLOCK_TIME_IS_VALID (ts) || pad->segment.format != GST_FORMAT_TIME)
    return ts;
  return gst_segment_to_running_time (&pad->segment, GST_FORMAT_TIME, ts);
}

/* Writes one item: @write converts into the slot at @dst. */
typedef gboolean (*ItemWriteFunc) (
    GstGpuBatch *self, GstGpuBatchPad *pad, gpointer dst, gpointer data);

/* The video part of a slot's description: the rectangle the frame is
 * scaled into and, when kept, the frame itself (@frame: NULL when
 * keep-frames is off). */
static void
describe_video_slot (GstGpuBatchPad *pad, GstGpuBatchSlot *s, GstBuffer *frame)
{
  s->x = pad->rect.x;
  s->y = pad->rect.y;
  s->scaled_width = pad->rect.width;
  s->scaled_height = pad->rect.height;
  if (frame) {
    GstSample *sample = gst_sample_new (frame, pad->caps, NULL, NULL);

    gst_gpu_batch_slot_set_frame (s, sample);
    gst_sample_unref (sample);
  }
}

/* Pad streaming thread; the element lock is taken inside reserve/finish,
 * the conversion runs without it. @frame: the video frame to keep in the
 * slot, or NULL. */
static GstFlowReturn
write_item (GstGpuBatch *self, GstGpuBatchPad *pad, GstClockTime pts,
    GstClockTime dts, GstClockTime duration, guint width, guint height,
    GstBuffer *frame, ItemWriteFunc write, gpointer data)
{
  GstGpuBatchBuf *batch = NULL;
  GstGpuBatchSlot *s;
  GstFlowReturn ret;
  guint slot = 0;
  gboolean ok;

  ret = gst_gpu_batch_reserve (self, pad, &batch, &slot);
  if (ret == GST_GPU_BATCH_FLOW_DROPPED) {
    return GST_FLOW_OK;
  }
  if (ret != GST_FLOW_OK)
    return ret;

  /* batch, item_size and device are fixed while the batch is held */
  s = &batch->meta->slots[slot];
  s->pad_index = pad->index;
  s->pts = pts;
  s->dts = dts;
  s->duration = duration;
  s->width = width;
  s->height = height;
  s->status = GST_GPU_SLOT_STATUS_OK;
  if (pad->kind == GST_GPU_BATCH_KIND_VIDEO)
    describe_video_slot (pad, s, frame);

  if (!gst_gpu_device_push (self->device)) {
    ok = FALSE;
  } else {
    ok = write (self, pad, batch->base + (gsize)slot * self->item_size, data);
    gst_gpu_device_pop (self->device);
  }
  if (!ok)
    GST_WARNING_OBJECT (pad, "could not convert an item into slot %u", slot);
  gst_gpu_batch_finish_slot (self, batch, slot, ok);

  return ret;
}

/* --- video ---------------------------------------------------------------- */

static gboolean
write_video (
    GstGpuBatch *self, GstGpuBatchPad *pad, gpointer dst, gpointer data)
{
  return gst_gpu_video_convert_frame (pad->convert, data, dst);
}

static GstFlowReturn
chain_video (GstGpuBatch *self, GstGpuBatchPad *pad, GstBuffer *buffer)
{
  GstVideoFrame frame;
  GstMapFlags flags = GST_MAP_READ;
  GstFlowReturn ret;
  gboolean keep;

  GST_GPU_BATCH_LOCK (self);
  keep = self->keep_frames;
  GST_GPU_BATCH_UNLOCK (self);

#ifdef HAVE_CUDA
  if (pad->cuda_memory)
    flags |= GST_MAP_CUDA;
#endif
  if (!gst_video_frame_map (&frame, &pad->vinfo, buffer, flags)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Could not read a video frame arriving on %s.", GST_PAD_NAME (pad)),
        ("gst_video_frame_map failed on a %dx%d %s frame of %" G_GSIZE_FORMAT
         " bytes",
            GST_VIDEO_INFO_WIDTH (&pad->vinfo),
            GST_VIDEO_INFO_HEIGHT (&pad->vinfo),
            GST_VIDEO_INFO_NAME (&pad->vinfo), gst_buffer_get_size (buffer)));
    return GST_FLOW_ERROR;
  }
  ret = write_item (self, pad, running_time (pad, GST_BUFFER_PTS (buffer)),
      running_time (pad, GST_BUFFER_DTS (buffer)), GST_BUFFER_DURATION (buffer),
      GST_VIDEO_INFO_WIDTH (&pad->vinfo), GST_VIDEO_INFO_HEIGHT (&pad->vinfo),
      keep ? buffer : NULL, write_video, &frame);
  gst_video_frame_unmap (&frame);

  return ret;
}

/* --- audio ---------------------------------------------------------------- */

static gboolean
write_samples (
    GstGpuBatch *self, GstGpuBatchPad *pad, gpointer dst, gpointer data)
{
  return gst_gpu_convert_samples (self->device, pad->in_dtype, pad->acc,
      self->out_dtype, dst, (gsize)self->window * self->channels, TRUE);
}

static GstClockTime
window_pts (GstGpuBatchPad *pad)
{
  gint rate = GST_AUDIO_INFO_RATE (&pad->ainfo);
  GstClockTime d;

  if (!GST_CLOCK_TIME_IS_VALID (pad->anchor_rt))
    return GST_CLOCK_TIME_NONE;
  if (pad->acc_start >= pad->anchor_frame)
    return pad->anchor_rt
           + gst_util_uint64_scale_int (
               pad->acc_start - pad->anchor_frame, GST_SECOND, rate);
  d = gst_util_uint64_scale_int (
      pad->anchor_frame - pad->acc_start, GST_SECOND, rate);
  return d <= pad->anchor_rt ? pad->anchor_rt - d : 0;
}

/* Emits the window in acc; @valid frames are real, the rest zero. */
static GstFlowReturn
emit_window (GstGpuBatch *self, GstGpuBatchPad *pad, guint window, guint valid)
{
  gint bpf = GST_AUDIO_INFO_BPF (&pad->ainfo);
  gint rate = GST_AUDIO_INFO_RATE (&pad->ainfo);

  if (valid < window)
    memset (pad->acc + (gsize)valid * bpf, 0, (gsize)(window - valid) * bpf);
  return write_item (self, pad, window_pts (pad), GST_CLOCK_TIME_NONE,
      gst_util_uint64_scale_int (window, GST_SECOND, rate), valid,
      GST_AUDIO_INFO_CHANNELS (&pad->ainfo), NULL, write_samples, NULL);
}

/* Cuts interleaved samples into windows of `window` frames every `hop`
 * frames; the remainder waits in acc for the next buffer. */
static GstFlowReturn
chain_audio (GstGpuBatch *self, GstGpuBatchPad *pad, GstBuffer *buffer)
{
  GstMapInfo map;
  GstFlowReturn ret = GST_FLOW_OK;
  gint bpf = GST_AUDIO_INFO_BPF (&pad->ainfo);
  guint window, hop;
  gsize frames, pos = 0;

  GST_GPU_BATCH_LOCK (self);
  window = self->window;
  hop = self->hop;
  GST_GPU_BATCH_UNLOCK (self);

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Could not read an audio buffer arriving on %s.", GST_PAD_NAME (pad)),
        ("gst_buffer_map failed on %" G_GSIZE_FORMAT " bytes",
            gst_buffer_get_size (buffer)));
    return GST_FLOW_ERROR;
  }
  frames = map.size / bpf;

  if (GST_BUFFER_PTS_IS_VALID (buffer)) {
    GstClockTime rt = running_time (pad, GST_BUFFER_PTS (buffer));

    if (GST_CLOCK_TIME_IS_VALID (rt)) {
      pad->anchor_rt = rt;
      pad->anchor_frame = pad->next_frame;
    }
  }

  while (pos < frames && ret == GST_FLOW_OK) {
    gsize k;

    if (pad->skip_frames > 0) {
      k = MIN (pad->skip_frames, frames - pos);
      pos += k;
      pad->skip_frames -= k;
      continue;
    }
    if (pad->acc_frames == 0)
      pad->acc_start = pad->next_frame + pos;
    k = MIN (window - pad->acc_frames, frames - pos);
    memcpy (
        pad->acc + (gsize)pad->acc_frames * bpf, map.data + pos * bpf, k * bpf);
    pad->acc_frames += k;
    pos += k;
    if (pad->acc_frames < window)
      break;

    ret = emit_window (self, pad, window, window);
    pad->sent_end = pad->acc_start + window;
    if (hop < window) {
      memmove (
          pad->acc, pad->acc + (gsize)hop * bpf, (gsize)(window - hop) * bpf);
      pad->acc_frames = window - hop;
      pad->acc_start += hop;
    } else {
      pad->acc_frames = 0;
      pad->skip_frames = hop - window;
    }
  }
  pad->next_frame += frames;
  gst_buffer_unmap (buffer, &map);

  return ret;
}

/* EOS or a format change: the remainder becomes a zero-padded window so
 * that nothing is lost; its slot width says how many frames are real. */
static GstFlowReturn
drain_audio (GstGpuBatch *self, GstGpuBatchPad *pad)
{
  GstFlowReturn ret = GST_FLOW_OK;
  guint window;

  if (pad->kind != GST_GPU_BATCH_KIND_AUDIO || !pad->acc
      || pad->acc_frames == 0)
    return ret;
  /* with overlap, the frames kept for the next window may all have been
   * sent already */
  if (pad->acc_start + pad->acc_frames <= pad->sent_end) {
    pad->acc_frames = 0;
    return ret;
  }
  GST_GPU_BATCH_LOCK (self);
  window = self->window;
  GST_GPU_BATCH_UNLOCK (self);
  ret = emit_window (self, pad, window, pad->acc_frames);
  pad->acc_frames = 0;

  return ret;
}

/* --- tensors -------------------------------------------------------------- */

static gboolean
write_tensor (
    GstGpuBatch *self, GstGpuBatchPad *pad, gpointer dst, gpointer data)
{
  GstMapInfo *map = data;

  if (map->size != pad->in_item_size)
    return FALSE;
  return gst_gpu_convert_samples (self->device, pad->tinfo.dtype, map->data,
      self->out_dtype, dst, gst_gpu_tensor_info_get_n_elements (&pad->tinfo),
      FALSE);
}

static GstFlowReturn
chain_tensor (GstGpuBatch *self, GstGpuBatchPad *pad, GstBuffer *buffer)
{
  GstMapInfo map;
  GstFlowReturn ret;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Could not read a tensor buffer arriving on %s.", GST_PAD_NAME (pad)),
        ("gst_buffer_map failed on %" G_GSIZE_FORMAT " bytes",
            gst_buffer_get_size (buffer)));
    return GST_FLOW_ERROR;
  }
  if (map.size != pad->in_item_size)
    GST_WARNING_OBJECT (pad,
        "tensor buffer of %" G_GSIZE_FORMAT " bytes, "
        "caps say %" G_GSIZE_FORMAT ": slot marked failed",
        map.size, pad->in_item_size);
  ret = write_item (self, pad, running_time (pad, GST_BUFFER_PTS (buffer)),
      running_time (pad, GST_BUFFER_DTS (buffer)), GST_BUFFER_DURATION (buffer),
      (guint)MIN (map.size, G_MAXUINT), 1, NULL, write_tensor, &map);
  gst_buffer_unmap (buffer, &map);

  return ret;
}

/* Pad streaming thread; the element lock is taken per item. */
static GstFlowReturn
gst_gpu_batch_pad_chain (GstPad *gpad, GstObject *parent, GstBuffer *buffer)
{
  GstGpuBatch *self = GST_GPU_BATCH (parent);
  GstGpuBatchPad *pad = GST_GPU_BATCH_PAD (gpad);
  GstFlowReturn ret;

  switch (pad->kind) {
    case GST_GPU_BATCH_KIND_VIDEO:
      ret = chain_video (self, pad, buffer);
      break;
    case GST_GPU_BATCH_KIND_AUDIO:
      ret = chain_audio (self, pad, buffer);
      break;
    case GST_GPU_BATCH_KIND_TENSOR:
      ret = chain_tensor (self, pad, buffer);
      break;
    default:
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("Could not batch data arriving on %s before its caps.",
              GST_PAD_NAME (pad)),
          ("a buffer of %" G_GSIZE_FORMAT " bytes came before any CAPS event",
              gst_buffer_get_size (buffer)));
      ret = GST_FLOW_NOT_NEGOTIATED;
      break;
  }
  gst_buffer_unref (buffer);
  return ret;
}

/* --- caps ----------------------------------------------------------------- */


/* Pad streaming thread (serialized CAPS event). */
static gboolean
set_caps (GstGpuBatch *self, GstGpuBatchPad *pad, GstCaps *caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  GstCapsFeatures *features = gst_caps_get_features (caps, 0);
  GstGpuBatchKind kind;
  GError *error = NULL;
  gboolean ret = FALSE;

  if (pad->caps && gst_caps_is_equal (pad->caps, caps))
    return TRUE;

  /* a pending audio remainder belongs to the old format */
  if (pad->kind == GST_GPU_BATCH_KIND_AUDIO)
    drain_audio (self, pad);

  if (gst_structure_has_name (s, "video/x-raw")) {
    GstGpuDevice *device;
    GstGpuVideoSlotFormat fmt;

    kind = GST_GPU_BATCH_KIND_VIDEO;
    if (!gst_video_info_from_caps (&pad->vinfo, caps)) {
      gst_gpu_batch_post_caps_error (self, pad, caps, "invalid video caps");
      return ret;
    }
    pad->cuda_memory
        = features
          && gst_caps_features_contains (features, CUDA_MEMORY_FEATURE);
    GST_GPU_BATCH_LOCK (self);
    device = self->device ? gst_object_ref (self->device) : NULL;
    GST_GPU_BATCH_UNLOCK (self);
    if (pad->cuda_memory && (!device || !gst_gpu_device_is_cuda (device))) {
      gst_clear_object (&device);
      gst_gpu_batch_post_caps_error (self, pad, caps,
          "CUDA memory input needs the element on "
          "a CUDA device (device=cuda or auto with a GPU)");
      return ret;
    }
    gst_clear_object (&device);
    if (!gst_gpu_batch_negotiate_input (self, pad, kind, caps))
      return ret;
    GST_GPU_BATCH_LOCK (self);
    fmt = self->vfmt;
    device = gst_object_ref (self->device);
    GST_GPU_BATCH_UNLOCK (self);
    g_clear_pointer (&pad->convert, gst_gpu_video_convert_free);
    gst_gpu_video_slot_format_fit (&fmt, &pad->vinfo, &pad->rect);
    pad->convert
        = gst_gpu_video_convert_new (&pad->vinfo, &fmt, device, &error);
    gst_object_unref (device);
    if (!pad->convert) {
      gst_gpu_batch_post_caps_error (self, pad, caps,
          error ? error->message : "no conversion for this format");
      g_clear_error (&error);
      return ret;
    }
    GST_DEBUG_OBJECT (pad, "video %dx%d %s -> %ux%u slot (%s)",
        GST_VIDEO_INFO_WIDTH (&pad->vinfo), GST_VIDEO_INFO_HEIGHT (&pad->vinfo),
        GST_VIDEO_INFO_NAME (&pad->vinfo), fmt.width, fmt.height,
        gst_gpu_video_convert_get_impl (pad->convert));
  } else if (gst_structure_has_name (s, "audio/x-raw")) {
    GstAudioFormat format;
    guint window;

    kind = GST_GPU_BATCH_KIND_AUDIO;
    if (!gst_audio_info_from_caps (&pad->ainfo, caps)
        || GST_AUDIO_INFO_LAYOUT (&pad->ainfo)
               != GST_AUDIO_LAYOUT_INTERLEAVED) {
      gst_gpu_batch_post_caps_error (
          self, pad, caps, "invalid or non-interleaved audio caps");
      return ret;
    }
    format = GST_AUDIO_INFO_FORMAT (&pad->ainfo);
    if (format == GST_AUDIO_FORMAT_F32LE) {
      pad->in_dtype = GST_GPU_DTYPE_FLOAT32;
    } else if (format == GST_AUDIO_FORMAT_S16LE) {
      pad->in_dtype = GST_GPU_DTYPE_INT16;
    } else {
      gst_gpu_batch_post_caps_error (
          self, pad, caps, "only F32LE and S16LE audio is batched");
      return ret;
    }
    if (!gst_gpu_batch_negotiate_input (self, pad, kind, caps))
      return ret;
    GST_GPU_BATCH_LOCK (self);
    window = self->window;
    GST_GPU_BATCH_UNLOCK (self);
    g_free (pad->acc);
    pad->acc = g_malloc0 ((gsize)window * GST_AUDIO_INFO_BPF (&pad->ainfo));
    pad->acc_frames = 0;
    pad->skip_frames = 0;
  } else if (gst_structure_has_name (s, GST_GPU_TENSORS_MEDIA_TYPE)) {
    GstGpuTensorsConfig config;

    kind = GST_GPU_BATCH_KIND_TENSOR;
    if (!gst_gpu_tensors_config_from_caps (&config, caps, &error)) {
      gst_gpu_batch_post_caps_error (
          self, pad, caps, error ? error->message : "invalid tensor caps");
      g_clear_error (&error);
      return ret;
    }
    if (config.num_tensors != 1) {
      gst_gpu_batch_post_caps_error (
          self, pad, caps, "only single-tensor input is batched");
      return ret;
    }
    pad->tinfo = config.info[0];
    pad->in_item_size = gst_gpu_tensor_info_get_size (&pad->tinfo);
    if (!gst_gpu_batch_negotiate_input (self, pad, kind, caps))
      return ret;
  } else {
    gst_gpu_batch_post_caps_error (self, pad, caps, "unknown media type");
    return ret;
  }

  pad->kind = kind;
  gst_caps_replace (&pad->caps, caps);
  ret = TRUE;

  return ret;
}

/* --- events, queries, activation ------------------------------------------ */

/* Pad streaming thread for serialized events; any thread for FLUSH_START.
 * Takes the element lock inside the helpers. */
static gboolean
gst_gpu_batch_pad_event (GstPad *gpad, GstObject *parent, GstEvent *event)
{
  GstGpuBatch *self = GST_GPU_BATCH (parent);
  GstGpuBatchPad *pad = GST_GPU_BATCH_PAD (gpad);
  gboolean ret = TRUE;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      ret = set_caps (self, pad, caps);
      break;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &pad->segment);
      break;
    case GST_EVENT_EOS:
      drain_audio (self, pad);
      gst_gpu_batch_pad_eos (self, pad);
      break;
    case GST_EVENT_FLUSH_START:
      gst_gpu_batch_pad_flush_start (self, pad, event);
      break;
    case GST_EVENT_FLUSH_STOP:
      pad->acc_frames = 0;
      pad->skip_frames = 0;
      pad->anchor_rt = GST_CLOCK_TIME_NONE;
      gst_segment_init (&pad->segment, GST_FORMAT_TIME);
      gst_gpu_batch_pad_flush_stop (self, pad, event);
      break;
    default:
      /* stream-start, tags, gaps...: the source pad makes its own stream
       * and per-item metadata lives in the batch meta */
      GST_LOG_OBJECT (pad, "dropping %" GST_PTR_FORMAT, event);
      break;
  }
  gst_event_unref (event);
  return ret;
}

/* Caps this pad can take: the template, without CUDA memory unless the
 * element may run on CUDA. Any thread; takes the object lock. */
static GstCaps *
pad_get_caps (GstGpuBatch *self, GstGpuBatchPad *pad)
{
  GstCaps *caps = gst_pad_get_pad_template_caps (GST_PAD (pad));
  gboolean cuda_ok;
  guint i;

  GST_OBJECT_LOCK (self);
  cuda_ok = self->device_handle.kind != GST_GPU_DEVICE_KIND_CPU;
  GST_OBJECT_UNLOCK (self);
  GST_GPU_BATCH_LOCK (self);
  if (self->device && !gst_gpu_device_is_cuda (self->device))
    cuda_ok = FALSE;
  GST_GPU_BATCH_UNLOCK (self);

  if (cuda_ok)
    return caps;

  caps = gst_caps_make_writable (caps);
  for (i = 0; i < gst_caps_get_size (caps);) {
    GstCapsFeatures *f = gst_caps_get_features (caps, i);

    if (f && gst_caps_features_contains (f, CUDA_MEMORY_FEATURE))
      gst_caps_remove_structure (caps, i);
    else
      i++;
  }
  return caps;
}

/* Any thread. */
static gboolean
gst_gpu_batch_pad_query (GstPad *gpad, GstObject *parent, GstQuery *query)
{
  GstGpuBatch *self = GST_GPU_BATCH (parent);
  GstGpuBatchPad *pad = GST_GPU_BATCH_PAD (gpad);
  gboolean ret;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
      gst_gpu_caps_query_reply (query, pad_get_caps (self, pad));
      ret = TRUE;
      break;
    case GST_QUERY_ACCEPT_CAPS: {
      GstCaps *caps, *allowed = pad_get_caps (self, pad);

      gst_query_parse_accept_caps (query, &caps);
      gst_query_set_accept_caps_result (
          query, gst_caps_is_subset (caps, allowed));
      gst_caps_unref (allowed);
      ret = TRUE;
      break;
    }
    case GST_QUERY_CONTEXT:
      ret = gst_gpu_device_handle_query (
          &self->device_handle, GST_ELEMENT (self), query);
      break;
    case GST_QUERY_ALLOCATION:
      /* our output is not what upstream allocates for */
      ret = FALSE;
      break;
    default:
      ret = gst_pad_query_default (gpad, parent, query);
      break;
  }
  return ret;
}

/* Application or streaming thread; takes the element lock. */
static gboolean
gst_gpu_batch_pad_activate_mode (
    GstPad *gpad, GstObject *parent, GstPadMode mode, gboolean active)
{
  GstGpuBatchPad *pad = GST_GPU_BATCH_PAD (gpad);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active)
    gst_gpu_batch_pad_reset (pad);
  gst_gpu_batch_pad_set_active (GST_GPU_BATCH (parent), pad, active);
  return TRUE;
}

/**
 * gst_gpu_batch_pad_new:
 * @self: the element
 * @templ: the sink_%u template
 * @name: pad name
 * @index: N of sink_N, stored in the slots it fills
 *
 * Returns: (transfer floating): a new sink pad
 */
GstGpuBatchPad *
gst_gpu_batch_pad_new (
    GstGpuBatch *self, GstPadTemplate *templ, const gchar *name, guint index)
{
  GstGpuBatchPad *pad = g_object_new (GST_TYPE_GPU_BATCH_PAD, "name", name,
      "direction", GST_PAD_SINK, "template", templ, NULL);

  pad->index = index;
  gst_pad_set_chain_function (
      GST_PAD (pad), GST_DEBUG_FUNCPTR (gst_gpu_batch_pad_chain));
  gst_pad_set_event_function (
      GST_PAD (pad), GST_DEBUG_FUNCPTR (gst_gpu_batch_pad_event));
  gst_pad_set_query_function (
      GST_PAD (pad), GST_DEBUG_FUNCPTR (gst_gpu_batch_pad_query));
  gst_pad_set_activatemode_function (
      GST_PAD (pad), GST_DEBUG_FUNCPTR (gst_gpu_batch_pad_activate_mode));
  return pad;
}
