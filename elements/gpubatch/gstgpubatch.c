/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-gpubatch
 * @title: gpubatch
 *
 * Gathers video frames, audio windows or single tensors from one or many
 * request sink pads into fixed-shape `other/tensors` batches of
 * #GstGpuBatch:max-batch-size items, in device memory on CUDA or in system
 * memory on the CPU. Each item is converted into its slot as it arrives
 * (colour conversion, bilinear scaling, normalisation, layout, dtype); a
 * #GstGpuBatchMeta on every batch says how many slots are valid and where
 * each came from.
 *
 * A batch is pushed when it holds the current target number of items, when
 * #GstGpuBatch:max-latency has passed since its first item arrived, or at
 * EOS of every sink pad. Producers are held back by a bounded input
 * (#GstGpuBatch:capacity with pause/resume hysteresis, or a drop policy).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=1000 ! gpubatch max-batch-size=8 \
 *     adaptive=false width=224 height=224 mean="<0.485,0.456,0.406>" \
 *     std="<0.229,0.224,0.225>" ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include "elements/gpubatch/gstgpubatchprivate.h"

GST_DEBUG_CATEGORY (gst_gpu_batch_debug);

/* --- enums ---------------------------------------------------------------- */

GType
gst_gpu_batch_overflow_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_GPU_BATCH_OVERFLOW_BLOCK, "Block producers at the pause threshold",
        "block" },
    { GST_GPU_BATCH_OVERFLOW_DROP_OLDEST,
        "Drop the oldest waiting batch at capacity", "drop-oldest" },
    { GST_GPU_BATCH_OVERFLOW_DROP_NEWEST, "Drop the arriving item at capacity",
        "drop-newest" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuBatchOverflow", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_gpu_batch_dtype_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_GPU_BATCH_DTYPE_FLOAT32, "32-bit float", "float32" },
    { GST_GPU_BATCH_DTYPE_FLOAT16, "16-bit float", "float16" },
    { GST_GPU_BATCH_DTYPE_UINT8, "8-bit unsigned", "uint8" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuBatchDType", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* --- properties ----------------------------------------------------------- */

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_DEVICE_ID,
  PROP_MIN_BATCH_SIZE,
  PROP_MAX_BATCH_SIZE,
  PROP_ADAPTIVE,
  PROP_MEMORY_TARGET,
  PROP_MAX_LATENCY,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_LAYOUT,
  PROP_DTYPE,
  PROP_COLOR,
  PROP_MEAN,
  PROP_STD,
  PROP_SCALE,
  PROP_OFFSET,
  PROP_WINDOW_SAMPLES,
  PROP_HOP_SAMPLES,
  PROP_CAPACITY,
  PROP_PAUSE_THRESHOLD,
  PROP_RESUME_THRESHOLD,
  PROP_OVERFLOW,
  PROP_MEMORY_LIMIT,
  PROP_SCALE_MODE,
  PROP_PAD_VALUE,
  PROP_KEEP_FRAMES,
  PROP_STATS,
  PROP_STATS_INTERVAL,
};

#define DEFAULT_MIN_BATCH_SIZE 1
#define DEFAULT_MAX_BATCH_SIZE 8
#define MAX_BATCH_SIZE_LIMIT 4096
#define DEFAULT_ADAPTIVE TRUE
#define DEFAULT_MEMORY_TARGET 0.7
/* 300 ms: a batch of 8 frames of a 30 fps camera takes 267 ms to fill, and
 * a non-live source on a loaded 2-core machine under ASan still fills a
 * batch well within it (100 ms was seen to fire under a load of 15). */
#define DEFAULT_MAX_LATENCY (300 * GST_MSECOND)
#define DEFAULT_WIDTH 0
#define DEFAULT_HEIGHT 0
#define DEFAULT_LAYOUT GST_GPU_LAYOUT_NCHW
#define DEFAULT_DTYPE GST_GPU_BATCH_DTYPE_FLOAT32
#define DEFAULT_COLOR GST_GPU_COLOR_RGB
#define DEFAULT_WINDOW_SAMPLES 1024
#define DEFAULT_HOP_SAMPLES 0
#define DEFAULT_CAPACITY 0
#define DEFAULT_PAUSE_THRESHOLD 0.9
#define DEFAULT_RESUME_THRESHOLD 0.5
#define DEFAULT_OVERFLOW GST_GPU_BATCH_OVERFLOW_BLOCK
#define DEFAULT_MEMORY_LIMIT 0
#define DEFAULT_SCALE_MODE GST_GPU_SCALE_STRETCH
#define DEFAULT_PAD_VALUE 0.0
#define DEFAULT_KEEP_FRAMES FALSE

#define VIDEO_CAPS(feature)                                                    \
  "video/x-raw" feature ", format = (string) " GST_GPU_CONVERT_VIDEO_FORMATS   \
  ", width = (int) [ 1, 32767 ], height = (int) [ 1, 32767 ], "                \
  "framerate = (fraction) [ 0/1, MAX ]"

#ifdef HAVE_CUDA
#define CUDA_VIDEO_CAPS "; " VIDEO_CAPS ("(memory:CUDAMemory)")
#else
#define CUDA_VIDEO_CAPS ""
#endif

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS (VIDEO_CAPS ("") CUDA_VIDEO_CAPS
            "; "
            "audio/x-raw, format = (string) { F32LE, S16LE }, "
            "layout = (string) interleaved, rate = (int) [ 1, MAX ], "
            "channels = (int) [ 1, MAX ]; "
            "other/tensors, format = (string) static, num_tensors = (int) 1"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("other/tensors, format = (string) static, "
                     "num_tensors = (int) 1; "
                     "other/tensors(" GST_CAPS_FEATURE_MEMORY_GPU_TENSOR "), "
                     "format = (string) static, num_tensors = (int) 1"));

#define gst_gpu_batch_parent_class parent_class
G_DEFINE_TYPE (GstGpuBatch, gst_gpu_batch, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpubatch, "gpubatch", GST_RANK_NONE,
    GST_TYPE_GPU_BATCH,
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_batch_debug, "gpubatch", 0, "GPU batcher"));

static void gst_gpu_batch_dispose (GObject *object);
static void gst_gpu_batch_finalize (GObject *object);
static void gst_gpu_batch_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_batch_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_gpu_batch_change_state (
    GstElement *element, GstStateChange transition);
static void gst_gpu_batch_set_context (
    GstElement *element, GstContext *context);
static GstPad *gst_gpu_batch_request_new_pad (GstElement *element,
    GstPadTemplate *templ, const gchar *name, const GstCaps *caps);
static void gst_gpu_batch_release_pad (GstElement *element, GstPad *pad);
static GstStructure *gst_gpu_batch_build_stats (GstElement *element);

static GParamSpec *
float_array_pspec (const gchar *name, const gchar *nick, const gchar *blurb)
{
  return gst_param_spec_array (name, nick, blurb,
      g_param_spec_float ("value", "Value", "One value per channel",
          -G_MAXFLOAT, G_MAXFLOAT, 0.0f,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
}

static void
gst_gpu_batch_class_init (GstGpuBatchClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->dispose = gst_gpu_batch_dispose;
  gobject_class->finalize = gst_gpu_batch_finalize;
  gobject_class->set_property = gst_gpu_batch_set_property;
  gobject_class->get_property = gst_gpu_batch_get_property;

  gst_gpu_device_install_properties (
      gobject_class, PROP_DEVICE, PROP_DEVICE_ID);
  /**
   * GstGpuBatch:min-batch-size:
   *
   * Smallest target batch size the adaptive controller may choose (items).
   * Default: 1.
   */
  g_object_class_install_property (gobject_class, PROP_MIN_BATCH_SIZE,
      g_param_spec_uint ("min-batch-size", "Minimum batch size",
          "Smallest target batch size chosen by the adaptive controller, in "
          "items, 1 to max-batch-size (default: 1)",
          0, MAX_BATCH_SIZE_LIMIT, DEFAULT_MIN_BATCH_SIZE,
          rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:max-batch-size:
   *
   * Batch dimension N of the output tensors (items); with adaptive=false
   * also the number of items that makes a batch full. Default: 8.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_BATCH_SIZE,
      g_param_spec_uint ("max-batch-size", "Maximum batch size",
          "Batch dimension N of the output tensors, in items, 1 to 4096; the "
          "flush size when adaptive=false (default: 8)",
          0, MAX_BATCH_SIZE_LIMIT, DEFAULT_MAX_BATCH_SIZE,
          rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:adaptive:
   *
   * Move the target batch size within [min-batch-size, max-batch-size]
   * following measured downstream throughput. Default: true.
   */
  g_object_class_install_property (gobject_class, PROP_ADAPTIVE,
      g_param_spec_boolean ("adaptive", "Adaptive",
          "Move the target batch size within [min-batch-size, max-batch-size] "
          "following measured downstream throughput (default: true)",
          DEFAULT_ADAPTIVE, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:memory-target:
   *
   * Fraction of free device memory batches may use; caps the target batch
   * size at free memory x memory-target / bytes per item. Default: 0.7.
   */
  g_object_class_install_property (gobject_class, PROP_MEMORY_TARGET,
      g_param_spec_double ("memory-target", "Memory target",
          "Fraction of free device memory the batches may use, above 0 and "
          "up to 1; caps the target batch size (default: 0.7)",
          0.0, 1.0, DEFAULT_MEMORY_TARGET, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:max-latency:
   *
   * Nanoseconds after the first item of a batch arrived (monotonic clock)
   * at which the batch is pushed even if not full; 0 disables the deadline.
   * Default: 300000000 (300 ms).
   */
  g_object_class_install_property (gobject_class, PROP_MAX_LATENCY,
      g_param_spec_uint64 ("max-latency", "Maximum latency",
          "Push a partial batch this many ns after its first item arrived, "
          "on the monotonic clock; 0 = only when full or at EOS "
          "(default: 300000000 = 300 ms)",
          0, G_MAXUINT64, DEFAULT_MAX_LATENCY, rw | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstGpuBatch:width:
   *
   * Slot width in pixels for video; 0 takes the first input's width.
   * Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_uint ("width", "Width",
          "Slot width in pixels, 0 = the first input's width (default: 0)", 0,
          32767, DEFAULT_WIDTH, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:height:
   *
   * Slot height in pixels for video; 0 takes the first input's height.
   * Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_uint ("height", "Height",
          "Slot height in pixels, 0 = the first input's height (default: 0)", 0,
          32767, DEFAULT_HEIGHT, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:layout:
   *
   * Layout of video slots: nchw (dimensions W:H:C:N) or nhwc (C:W:H:N).
   * Default: nchw.
   */
  g_object_class_install_property (gobject_class, PROP_LAYOUT,
      g_param_spec_enum ("layout", "Layout",
          "Video batch layout: nchw (dimensions W:H:C:N) or nhwc (C:W:H:N) "
          "(default: nchw)",
          GST_TYPE_GPU_LAYOUT, DEFAULT_LAYOUT, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:dtype:
   *
   * Element type of the batch tensor. Default: float32.
   */
  g_object_class_install_property (gobject_class, PROP_DTYPE,
      g_param_spec_enum ("dtype", "Data type",
          "Element type of the batch tensor (default: float32)",
          GST_TYPE_GPU_BATCH_DTYPE, DEFAULT_DTYPE,
          rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:color:
   *
   * Channels of video slots: rgb, bgr or gray. Default: rgb.
   */
  g_object_class_install_property (gobject_class, PROP_COLOR,
      g_param_spec_enum ("color", "Color",
          "Channels of video slots: rgb, bgr or gray (default: rgb)",
          GST_TYPE_GPU_COLOR, DEFAULT_COLOR, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:mean:
   *
   * Per-channel mean of `(x/255 - mean[c]) / std[c]`, one value or one per
   * output channel, e.g. "<0.485,0.456,0.406>". Empty (default): not used.
   */
  g_object_class_install_property (gobject_class, PROP_MEAN,
      float_array_pspec ("mean", "Mean",
          "Per-channel mean m of (x/255 - m)/s for video, one value or one "
          "per output channel (3 for rgb/bgr, 1 for gray), e.g. "
          "\"<0.485,0.456,0.406>\" (default: empty = 0)"));
  /**
   * GstGpuBatch:std:
   *
   * Per-channel standard deviation of `(x/255 - mean[c]) / std[c]`.
   * Empty (default): 1.
   */
  g_object_class_install_property (gobject_class, PROP_STD,
      float_array_pspec ("std", "Standard deviation",
          "Per-channel std s of (x/255 - m)/s for video, one non-zero value or "
          "one per output channel, e.g. \"<0.229,0.224,0.225>\" "
          "(default: empty = 1)"));
  /**
   * GstGpuBatch:scale:
   *
   * Per-channel scale of `x * scale[c] + offset[c]`, used when mean and std
   * are empty. Empty (default): 1/255 for float outputs, 1 for uint8.
   */
  g_object_class_install_property (gobject_class, PROP_SCALE,
      float_array_pspec ("scale", "Scale",
          "Per-channel a of x*a + b for video when mean/std are empty, one "
          "value or one per output channel "
          "(default: empty = 1/255 for float dtypes, 1 for uint8)"));
  /**
   * GstGpuBatch:offset:
   *
   * Per-channel offset of `x * scale[c] + offset[c]`. Empty (default): 0.
   */
  g_object_class_install_property (gobject_class, PROP_OFFSET,
      float_array_pspec ("offset", "Offset",
          "Per-channel b of x*a + b for video when mean/std are empty, one "
          "value or one per output channel (default: empty = 0)"));
  /**
   * GstGpuBatch:window-samples:
   *
   * Audio: samples per channel in one window (one item). Default: 1024.
   */
  g_object_class_install_property (gobject_class, PROP_WINDOW_SAMPLES,
      g_param_spec_uint ("window-samples", "Window samples",
          "Audio: samples per channel in one window, i.e. one item, at least "
          "1 (default: 1024)",
          0, G_MAXINT / 64, DEFAULT_WINDOW_SAMPLES,
          rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:hop-samples:
   *
   * Audio: samples per channel between the starts of two windows; 0 uses
   * window-samples (no overlap). Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_HOP_SAMPLES,
      g_param_spec_uint ("hop-samples", "Hop samples",
          "Audio: samples per channel between window starts, 0 = "
          "window-samples (default: 0)",
          0, G_MAXINT / 64, DEFAULT_HOP_SAMPLES, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:capacity:
   *
   * Items the element may hold (filling batch plus batches waiting for
   * downstream); 0 = 4 x max-batch-size. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_CAPACITY,
      g_param_spec_uint ("capacity", "Capacity",
          "Items held at most (filling plus waiting batches), 0 = 4 x "
          "max-batch-size (default: 0)",
          0, G_MAXINT / 2, DEFAULT_CAPACITY, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:pause-threshold:
   *
   * With overflow=block, producers block once the items held reach
   * pause-threshold x capacity. Default: 0.9.
   */
  g_object_class_install_property (gobject_class, PROP_PAUSE_THRESHOLD,
      g_param_spec_double ("pause-threshold", "Pause threshold",
          "overflow=block: producers block when items held >= this fraction "
          "of capacity; not below resume-threshold (default: 0.9)",
          0.0, 1.0, DEFAULT_PAUSE_THRESHOLD, rw | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstGpuBatch:resume-threshold:
   *
   * With overflow=block, blocked producers resume only once the items held
   * drop below resume-threshold x capacity. Default: 0.5.
   */
  g_object_class_install_property (gobject_class, PROP_RESUME_THRESHOLD,
      g_param_spec_double ("resume-threshold", "Resume threshold",
          "overflow=block: blocked producers resume when items held < this "
          "fraction of capacity; above 0 and not above pause-threshold "
          "(default: 0.5)",
          0.0, 1.0, DEFAULT_RESUME_THRESHOLD, rw | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstGpuBatch:overflow:
   *
   * What to do when the input is full: block, drop-oldest or drop-newest.
   * Every drop is counted in the stats. Default: block.
   */
  g_object_class_install_property (gobject_class, PROP_OVERFLOW,
      g_param_spec_enum ("overflow", "Overflow",
          "When full: block producers, drop the oldest waiting batch, or drop "
          "the arriving item; drops are counted (default: block)",
          GST_TYPE_GPU_BATCH_OVERFLOW, DEFAULT_OVERFLOW,
          rw | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstGpuBatch:memory-limit:
   *
   * Bytes of converted items held at most (items x bytes per item); lowers
   * the effective capacity; 0 = no limit. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_MEMORY_LIMIT,
      g_param_spec_uint64 ("memory-limit", "Memory limit",
          "Bytes of converted items held at most, lowers the effective "
          "capacity; 0 = no limit (default: 0)",
          0, G_MAXUINT64, DEFAULT_MEMORY_LIMIT, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:scale-mode:
   *
   * How a video frame fills its slot: stretch (the whole slot, the aspect
   * ratio is not kept) or letterbox (the largest centred rectangle with the
   * frame's display aspect ratio; the rest is #GstGpuBatch:pad-value). The
   * batch meta gives each slot's rectangle. Default: stretch.
   */
  g_object_class_install_property (gobject_class, PROP_SCALE_MODE,
      g_param_spec_enum ("scale-mode", "Scale mode",
          "How a video frame fills its slot: stretch (whole slot) or "
          "letterbox (aspect ratio kept, centred, padded with pad-value) "
          "(default: stretch)",
          GST_TYPE_GPU_SCALE_MODE, DEFAULT_SCALE_MODE,
          rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:pad-value:
   *
   * Letterbox padding, as a pixel value on the 0..255 scale given to every
   * channel before normalisation (mean/std or scale/offset): 0 is black,
   * 114 the grey YOLO models are trained with. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_VALUE,
      g_param_spec_double ("pad-value", "Pad value",
          "Letterbox padding: pixel value (0-255 scale, every channel) "
          "before normalisation, 0 = black (default: 0)",
          0.0, 255.0, DEFAULT_PAD_VALUE, rw | GST_PARAM_MUTABLE_READY));
  /**
   * GstGpuBatch:keep-frames:
   *
   * Video: each slot of a batch keeps its input frame and caps as a
   * #GstSample in the batch meta (GstGpuBatchSlot.frame), for gpuunbatch
   * to hand back the original frames. A frame lives as long as its batch
   * buffer, so at most the batch buffers gpubatch and downstream hold keep
   * frames alive; an upstream pool with few buffers (v4l2src) may need
   * more. Applies to the frames arriving after it is set. Default: false.
   */
  g_object_class_install_property (gobject_class, PROP_KEEP_FRAMES,
      g_param_spec_boolean ("keep-frames", "Keep frames",
          "Keep each video slot's input frame in the batch meta for "
          "downstream (gpuunbatch output=frames) (default: false)",
          DEFAULT_KEEP_FRAMES, rw | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstGpuBatch:stats:
   *
   * Read-only "gpubatch-stats" structure: items-in/out/dropped/failed,
   * batches, average-batch-size, batch-efficiency, target-batch-size,
   * latency-p50-us/p99-us (arrival to push), throughput, peak-throughput
   * (items/s), items-held, capacity, buffer-utilisation, paused,
   * pause-count, pause-time (ns), device, device-name.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters, latency percentiles (us), throughput (items/s), "
          "backpressure and device of the element (read-only)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  gst_gpu_stats_install_interval_property (gobject_class, PROP_STATS_INTERVAL);

  gst_element_class_add_static_pad_template_with_gtype (
      element_class, &sink_template, GST_TYPE_GPU_BATCH_PAD);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "GPU batcher",
      "Filter/Converter/Tensor",
      "Gathers video frames, audio windows or tensors from many sources "
      "into fixed-shape batch tensors on the GPU or the CPU",
      "gst-gpustream developers");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_gpu_batch_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_gpu_batch_set_context);
  element_class->request_new_pad
      = GST_DEBUG_FUNCPTR (gst_gpu_batch_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_gpu_batch_release_pad);

  gst_type_mark_as_plugin_api (GST_TYPE_GPU_BATCH_OVERFLOW, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_BATCH_DTYPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_SCALE_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_BATCH_PAD, 0);
}

static void
gst_gpu_batch_init (GstGpuBatch *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->item_add);
  g_cond_init (&self->item_del);
  g_queue_init (&self->ready);
  self->pads = g_ptr_array_new ();

  gst_gpu_device_handle_init (&self->device_handle);
  self->min_batch = DEFAULT_MIN_BATCH_SIZE;
  self->max_batch = DEFAULT_MAX_BATCH_SIZE;
  self->adaptive = DEFAULT_ADAPTIVE;
  self->memory_target = DEFAULT_MEMORY_TARGET;
  self->max_latency = DEFAULT_MAX_LATENCY;
  self->width = DEFAULT_WIDTH;
  self->height = DEFAULT_HEIGHT;
  self->layout = DEFAULT_LAYOUT;
  self->dtype = DEFAULT_DTYPE;
  self->color = DEFAULT_COLOR;
  g_value_init (&self->mean, GST_TYPE_ARRAY);
  g_value_init (&self->std, GST_TYPE_ARRAY);
  g_value_init (&self->scale, GST_TYPE_ARRAY);
  g_value_init (&self->offset, GST_TYPE_ARRAY);
  self->window_samples = DEFAULT_WINDOW_SAMPLES;
  self->hop_samples = DEFAULT_HOP_SAMPLES;
  self->capacity = DEFAULT_CAPACITY;
  self->pause_threshold = DEFAULT_PAUSE_THRESHOLD;
  self->resume_threshold = DEFAULT_RESUME_THRESHOLD;
  self->overflow = DEFAULT_OVERFLOW;
  self->scale_mode = DEFAULT_SCALE_MODE;
  self->pad_value = DEFAULT_PAD_VALUE;
  self->keep_frames = DEFAULT_KEEP_FRAMES;
  self->memory_limit = DEFAULT_MEMORY_LIMIT;

  self->srcresult = GST_FLOW_FLUSHING;
  self->item_duration = GST_CLOCK_TIME_NONE;
  self->target = DEFAULT_MAX_BATCH_SIZE;
  gst_gpu_latency_histogram_reset (&self->hist);
  gst_gpu_throughput_meter_reset (&self->meter, 10);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_activatemode_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_gpu_batch_src_activate_mode));
  gst_pad_set_query_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_gpu_batch_src_query));
  gst_pad_set_event_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_gpu_batch_src_event));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

/* Forgets the negotiated batch (lock held). */
static void
reset_stream_locked (GstGpuBatch *self)
{
  self->negotiated = FALSE;
  self->config_failed = FALSE;
  self->kind = GST_GPU_BATCH_KIND_NONE;
  gst_clear_caps (&self->src_caps);
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  self->held = 0;
  self->paused = FALSE;
  self->eos = FALSE;
  self->batch_seq = 0;
}

static void
gst_gpu_batch_dispose (GObject *object)
{
  GstGpuBatch *self = GST_GPU_BATCH (object);

  gst_gpu_stats_timer_stop (&self->timer);
  GST_GPU_BATCH_LOCK (self);
  gst_gpu_batch_drop_all_locked (self);
  reset_stream_locked (self);
  gst_clear_object (&self->device);
  GST_GPU_BATCH_UNLOCK (self);
  gst_gpu_device_handle_clear (&self->device_handle);

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_gpu_batch_finalize (GObject *object)
{
  GstGpuBatch *self = GST_GPU_BATCH (object);

  g_value_unset (&self->mean);
  g_value_unset (&self->std);
  g_value_unset (&self->scale);
  g_value_unset (&self->offset);
  g_ptr_array_unref (self->pads);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->item_add);
  g_cond_clear (&self->item_del);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* --- element -------------------------------------------------------------- */

/* Application thread; takes the object lock then the lock. */
static GstPad *
gst_gpu_batch_request_new_pad (GstElement *element, GstPadTemplate *templ,
    const gchar *name, const GstCaps *caps)
{
  GstGpuBatch *self = GST_GPU_BATCH (element);
  GstGpuBatchPad *pad = NULL;
  gchar *pad_name = NULL;
  guint index = 0;

  GST_OBJECT_LOCK (element);
  if (name && sscanf (name, "sink_%u", &index) == 1) {
    GList *l;

    for (l = element->sinkpads; l; l = l->next) {
      if (GST_GPU_BATCH_PAD (l->data)->index == index) {
        GST_OBJECT_UNLOCK (element);
        GST_WARNING_OBJECT (self, "pad %s already exists", name);
        goto out;
      }
    }
  } else {
    GList *l;

    for (l = element->sinkpads; l; l = l->next)
      index = MAX (index, GST_GPU_BATCH_PAD (l->data)->index + 1);
  }
  GST_OBJECT_UNLOCK (element);

  pad_name = g_strdup_printf ("sink_%u", index);
  pad = gst_gpu_batch_pad_new (self, templ, pad_name, index);

  GST_GPU_BATCH_LOCK (self);
  g_ptr_array_add (self->pads, pad);
  self->need_sources = TRUE;
  /* a new pad keeps the stream open */
  if (self->eos && self->srcresult != GST_FLOW_EOS)
    self->eos = FALSE;
  GST_GPU_BATCH_UNLOCK (self);

  /* gst_element_add_pad () activates the pad when the element runs */
  if (!gst_element_add_pad (element, GST_PAD (pad))) {
    GST_GPU_BATCH_LOCK (self);
    g_ptr_array_remove (self->pads, pad);
    GST_GPU_BATCH_UNLOCK (self);
    pad = NULL;
  }

out:
  g_free (pad_name);
  return pad ? GST_PAD (pad) : NULL;
}

/* Application thread; takes the lock. A producer blocked in the element is
 * woken first so that deactivating the pad does not wait for it. */
static void
gst_gpu_batch_release_pad (GstElement *element, GstPad *pad)
{
  GstGpuBatch *self = GST_GPU_BATCH (element);
  GstGpuBatchPad *bpad = GST_GPU_BATCH_PAD (pad);

  gst_gpu_batch_pad_set_active (self, bpad, FALSE);
  gst_object_ref (pad);
  gst_element_remove_pad (element, pad);

  GST_GPU_BATCH_LOCK (self);
  g_ptr_array_remove (self->pads, bpad);
  self->need_sources = TRUE;
  if (bpad->eos)
    self->n_eos_pads--;
  /* the pad may have been the last one keeping the stream open */
  gst_gpu_batch_check_all_eos_locked (self);
  GST_GPU_BATCH_UNLOCK (self);
  gst_object_unref (pad);
}

static void
reset_stats_locked (GstGpuBatch *self)
{
  self->items_in = self->items_out = self->items_dropped = 0;
  self->items_failed = self->batches = 0;
  self->pause_count = 0;
  self->pause_time = 0;
  gst_gpu_latency_histogram_reset (&self->hist);
  gst_gpu_throughput_meter_reset (&self->meter, 10);
}

/* Checks a per-channel array property: empty, one value, or one per
 * output channel; with @nonzero, no zero. Returns the problem, or NULL. */
static gchar *
check_channel_array (
    const GValue *array, const gchar *name, guint channels, gboolean nonzero)
{
  guint i, n = gst_value_array_get_size (array);

  if (n > 1 && n != channels)
    return g_strdup_printf ("%s has %u values; give one, or one per output "
                            "channel (%u for this color)",
        name, n, channels);
  for (i = 0; nonzero && i < n; i++) {
    const GValue *v = gst_value_array_get_value (array, i);
    gdouble d = G_VALUE_HOLDS_FLOAT (v)    ? g_value_get_float (v)
                : G_VALUE_HOLDS_DOUBLE (v) ? g_value_get_double (v)
                                           : 0.0;

    if (d == 0.0)
      return g_strdup_printf ("%s value %u is 0; a standard deviation "
                              "divides, so it must not be zero",
          name, i);
  }
  return NULL;
}

/* Checks the properties against each other (lock held). Returns what is
 * wrong, in the user's terms, or NULL. */
static gchar *
check_settings_locked (GstGpuBatch *self)
{
  guint channels = self->color == GST_GPU_COLOR_GRAY ? 1 : 3;
  gchar *problem;

  if (self->max_batch == 0)
    return g_strdup_printf (
        "max-batch-size is 0; it must be 1 to %d", MAX_BATCH_SIZE_LIMIT);
  if (self->min_batch == 0 || self->min_batch > self->max_batch)
    return g_strdup_printf ("min-batch-size is %u; it must be 1 to "
                            "max-batch-size (%u)",
        self->min_batch, self->max_batch);
  if (self->window_samples == 0)
    return g_strdup ("window-samples is 0; a window needs at least 1 sample");
  if (self->memory_target <= 0.0)
    return g_strdup ("memory-target is 0; it must be above 0 and at most 1");
  if (self->resume_threshold <= 0.0)
    return g_strdup ("resume-threshold is 0: blocked producers could never "
                     "resume; it must be above 0");
  if (self->pause_threshold < self->resume_threshold)
    return g_strdup_printf ("pause-threshold (%g) is below resume-threshold "
                            "(%g); producers must pause at or above the "
                            "point where they resume",
        self->pause_threshold, self->resume_threshold);
  if ((problem = check_channel_array (&self->mean, "mean", channels, FALSE))
      || (problem = check_channel_array (&self->std, "std", channels, TRUE))
      || (problem
          = check_channel_array (&self->scale, "scale", channels, FALSE))
      || (problem
          = check_channel_array (&self->offset, "offset", channels, FALSE)))
    return problem;
  return NULL;
}

/* Application thread; takes the lock around the streaming state. */
static GstStateChangeReturn
gst_gpu_batch_change_state (GstElement *element, GstStateChange transition)
{
  GstGpuBatch *self = GST_GPU_BATCH (element);
  GstStateChangeReturn ret;
  GstGpuDevice *device;
  GError *error = NULL;
  GstClockTime interval;
  gchar *problem;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      GST_GPU_BATCH_LOCK (self);
      problem = check_settings_locked (self);
      GST_GPU_BATCH_UNLOCK (self);
      if (problem)
        goto bad_settings;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      /* properties set in READY */
      GST_GPU_BATCH_LOCK (self);
      problem = check_settings_locked (self);
      GST_GPU_BATCH_UNLOCK (self);
      if (problem)
        goto bad_settings;
      device = gst_gpu_device_handle_acquire (
          &self->device_handle, element, &error);
      if (!device) {
        GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
            ("%s", error ? error->message : "No usable device."),
            ("device property %d, device-id %d", self->device_handle.kind,
                self->device_handle.device_id));
        g_clear_error (&error);
        return GST_STATE_CHANGE_FAILURE;
      }
      GST_GPU_BATCH_LOCK (self);
      gst_clear_object (&self->device);
      self->device = device;
      reset_stream_locked (self);
      reset_stats_locked (self);
      interval = self->stats_interval;
      GST_GPU_BATCH_UNLOCK (self);
      GST_INFO_OBJECT (
          self, "batching on %s", gst_gpu_device_get_name (device));
      if (interval > 0)
        gst_gpu_stats_timer_start (
            &self->timer, element, interval, gst_gpu_batch_build_stats);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_gpu_stats_timer_stop (&self->timer);
      GST_GPU_BATCH_LOCK (self);
      gst_gpu_batch_drop_all_locked (self);
      reset_stream_locked (self);
      GST_GPU_BATCH_UNLOCK (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      GST_GPU_BATCH_LOCK (self);
      gst_clear_object (&self->device);
      GST_GPU_BATCH_UNLOCK (self);
      break;
    default:
      break;
  }
  return ret;

  /* ERRORS */
bad_settings:
  GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
      ("Invalid property values: %s.", problem),
      ("state change %s refused; see gst-inspect-1.0 gpubatch",
          gst_state_change_get_name (transition)));
  g_free (problem);
  return GST_STATE_CHANGE_FAILURE;
}

/* Any thread; the handle takes the object lock. */
static void
gst_gpu_batch_set_context (GstElement *element, GstContext *context)
{
  GstGpuBatch *self = GST_GPU_BATCH (element);

  gst_gpu_device_handle_set_context (&self->device_handle, element, context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* --- stats ---------------------------------------------------------------- */

/* Any thread (property getter, stats timer); takes the lock. */
static GstStructure *
gst_gpu_batch_build_stats (GstElement *element)
{
  GstGpuBatch *self = GST_GPU_BATCH (element);
  GstStructure *s;
  GstClockTime now = GST_GPU_BATCH_NOW ();
  gdouble avg;
  guint n_slots;

  GST_GPU_BATCH_LOCK (self);
  n_slots = self->negotiated ? self->n_slots : self->max_batch;
  avg = self->batches ? (gdouble)self->items_out / self->batches : 0.0;
  s = gst_structure_new ("gpubatch-stats", GST_GPU_STATS_ITEMS_IN,
      G_TYPE_UINT64, self->items_in, GST_GPU_STATS_ITEMS_OUT, G_TYPE_UINT64,
      self->items_out, GST_GPU_STATS_ITEMS_DROPPED, G_TYPE_UINT64,
      self->items_dropped, GST_GPU_STATS_ITEMS_FAILED, G_TYPE_UINT64,
      self->items_failed, GST_GPU_STATS_BATCHES, G_TYPE_UINT64, self->batches,
      "average-batch-size", G_TYPE_DOUBLE, avg, "batch-efficiency",
      G_TYPE_DOUBLE, n_slots ? avg / n_slots : 0.0, "target-batch-size",
      G_TYPE_UINT, self->negotiated ? self->target : self->max_batch,
      "items-held", G_TYPE_UINT, self->held, "capacity", G_TYPE_UINT,
      self->eff_capacity, "buffer-utilisation", G_TYPE_DOUBLE,
      self->eff_capacity ? (gdouble)self->held / self->eff_capacity : 0.0,
      "paused", G_TYPE_BOOLEAN, self->paused, "pause-count", G_TYPE_UINT64,
      self->pause_count, "pause-time", G_TYPE_UINT64,
      self->pause_time + (self->paused ? now - self->pause_start : 0),
      GST_GPU_STATS_DEVICE, G_TYPE_STRING,
      self->device ? gst_gpu_device_get_kind_name (self->device) : "none",
      GST_GPU_STATS_DEVICE_NAME, G_TYPE_STRING,
      self->device ? gst_gpu_device_get_name (self->device) : "none", NULL);
  gst_gpu_stats_set_latency (s, &self->hist);
  gst_gpu_stats_set_throughput (s, &self->meter, now);
  GST_GPU_BATCH_UNLOCK (self);
  return s;
}

/* --- GObject -------------------------------------------------------------- */

/* Lock held. The thresholds may change while running: a pair that could
 * block producers forever is refused there (returns FALSE); before that it
 * is checked with the other properties at the next state change. */
static gboolean
set_threshold_locked (GstGpuBatch *self, gboolean pause, gdouble value)
{
  gdouble p = pause ? value : self->pause_threshold;
  gdouble r = pause ? self->resume_threshold : value;

  if (self->device != NULL && (r <= 0.0 || p < r))
    return FALSE;
  self->pause_threshold = p;
  self->resume_threshold = r;
  g_cond_broadcast (&self->item_del);
  return TRUE;
}

static void
gst_gpu_batch_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuBatch *self = GST_GPU_BATCH (object);
  gboolean refused = FALSE;

  if (prop_id == PROP_DEVICE || prop_id == PROP_DEVICE_ID) {
    GST_OBJECT_LOCK (self);
    if (prop_id == PROP_DEVICE)
      self->device_handle.kind = g_value_get_enum (value);
    else
      self->device_handle.device_id = g_value_get_int (value);
    GST_OBJECT_UNLOCK (self);
    return;
  }

  GST_GPU_BATCH_LOCK (self);
  switch (prop_id) {
    case PROP_MIN_BATCH_SIZE:
      self->min_batch = g_value_get_uint (value);
      break;
    case PROP_MAX_BATCH_SIZE:
      self->max_batch = g_value_get_uint (value);
      break;
    case PROP_ADAPTIVE:
      self->adaptive = g_value_get_boolean (value);
      break;
    case PROP_MEMORY_TARGET:
      self->memory_target = g_value_get_double (value);
      break;
    case PROP_MAX_LATENCY:
      self->max_latency = g_value_get_uint64 (value);
      g_cond_broadcast (&self->item_add);
      break;
    case PROP_WIDTH:
      self->width = g_value_get_uint (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_uint (value);
      break;
    case PROP_LAYOUT:
      self->layout = g_value_get_enum (value);
      break;
    case PROP_DTYPE:
      self->dtype = g_value_get_enum (value);
      break;
    case PROP_COLOR:
      self->color = g_value_get_enum (value);
      break;
    case PROP_MEAN:
      g_value_copy (value, g_value_reset (&self->mean));
      break;
    case PROP_STD:
      g_value_copy (value, g_value_reset (&self->std));
      break;
    case PROP_SCALE:
      g_value_copy (value, g_value_reset (&self->scale));
      break;
    case PROP_OFFSET:
      g_value_copy (value, g_value_reset (&self->offset));
      break;
    case PROP_WINDOW_SAMPLES:
      self->window_samples = g_value_get_uint (value);
      break;
    case PROP_HOP_SAMPLES:
      self->hop_samples = g_value_get_uint (value);
      break;
    case PROP_CAPACITY:
      self->capacity = g_value_get_uint (value);
      break;
    case PROP_PAUSE_THRESHOLD:
    case PROP_RESUME_THRESHOLD:
      refused = !set_threshold_locked (
          self, prop_id == PROP_PAUSE_THRESHOLD, g_value_get_double (value));
      break;
    case PROP_OVERFLOW:
      self->overflow = g_value_get_enum (value);
      break;
    case PROP_SCALE_MODE:
      self->scale_mode = g_value_get_enum (value);
      break;
    case PROP_PAD_VALUE:
      self->pad_value = g_value_get_double (value);
      break;
    case PROP_KEEP_FRAMES:
      self->keep_frames = g_value_get_boolean (value);
      if (self->overflow != GST_GPU_BATCH_OVERFLOW_BLOCK && self->paused) {
        self->paused = FALSE;
        self->pause_time += GST_GPU_BATCH_NOW () - self->pause_start;
      }
      g_cond_broadcast (&self->item_del);
      break;
    case PROP_MEMORY_LIMIT:
      self->memory_limit = g_value_get_uint64 (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_GPU_BATCH_UNLOCK (self);

  if (refused)
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("Ignoring %s=%g: resume-threshold must be above 0 and not above "
         "pause-threshold.",
            pspec->name, g_value_get_double (value)),
        ("the element is running; the previous thresholds stay"));
}

static void
gst_gpu_batch_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuBatch *self = GST_GPU_BATCH (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_gpu_batch_build_stats (GST_ELEMENT (self)));
    return;
  }
  if (prop_id == PROP_DEVICE || prop_id == PROP_DEVICE_ID) {
    GST_OBJECT_LOCK (self);
    if (prop_id == PROP_DEVICE)
      g_value_set_enum (value, self->device_handle.kind);
    else
      g_value_set_int (value, self->device_handle.device_id);
    GST_OBJECT_UNLOCK (self);
    return;
  }

  GST_GPU_BATCH_LOCK (self);
  switch (prop_id) {
    case PROP_MIN_BATCH_SIZE:
      g_value_set_uint (value, self->min_batch);
      break;
    case PROP_MAX_BATCH_SIZE:
      g_value_set_uint (value, self->max_batch);
      break;
    case PROP_ADAPTIVE:
      g_value_set_boolean (value, self->adaptive);
      break;
    case PROP_MEMORY_TARGET:
      g_value_set_double (value, self->memory_target);
      break;
    case PROP_MAX_LATENCY:
      g_value_set_uint64 (value, self->max_latency);
      break;
    case PROP_WIDTH:
      g_value_set_uint (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_uint (value, self->height);
      break;
    case PROP_LAYOUT:
      g_value_set_enum (value, self->layout);
      break;
    case PROP_DTYPE:
      g_value_set_enum (value, self->dtype);
      break;
    case PROP_COLOR:
      g_value_set_enum (value, self->color);
      break;
    case PROP_MEAN:
      g_value_copy (&self->mean, value);
      break;
    case PROP_STD:
      g_value_copy (&self->std, value);
      break;
    case PROP_SCALE:
      g_value_copy (&self->scale, value);
      break;
    case PROP_OFFSET:
      g_value_copy (&self->offset, value);
      break;
    case PROP_WINDOW_SAMPLES:
      g_value_set_uint (value, self->window_samples);
      break;
    case PROP_HOP_SAMPLES:
      g_value_set_uint (value, self->hop_samples);
      break;
    case PROP_CAPACITY:
      g_value_set_uint (value, self->capacity);
      break;
    case PROP_PAUSE_THRESHOLD:
      g_value_set_double (value, self->pause_threshold);
      break;
    case PROP_RESUME_THRESHOLD:
      g_value_set_double (value, self->resume_threshold);
      break;
    case PROP_OVERFLOW:
      g_value_set_enum (value, self->overflow);
      break;
    case PROP_SCALE_MODE:
      g_value_set_enum (value, self->scale_mode);
      break;
    case PROP_PAD_VALUE:
      g_value_set_double (value, self->pad_value);
      break;
    case PROP_KEEP_FRAMES:
      g_value_set_boolean (value, self->keep_frames);
      break;
    case PROP_MEMORY_LIMIT:
      g_value_set_uint64 (value, self->memory_limit);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint64 (value, self->stats_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_GPU_BATCH_UNLOCK (self);
}
