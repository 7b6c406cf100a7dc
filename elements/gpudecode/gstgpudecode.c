/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpudecode: turns output tensors into results.
 */

/**
 * SECTION:element-gpudecode
 * @title: gpudecode
 *
 * Sits on the batch stream after gpuinfer and decodes, for each valid slot
 * (status ok or cache-hit), that slot's part of the output tensors into
 * results: the top-k classes of a classifier (mode=classify) or boxes
 * (mode=detect) from SSD anchors with keypoints (BlazeFace family), YOLOv5,
 * YOLOv8 or plain box tensors, filtered by score and non-maximum
 * suppression. Boxes are mapped from the network's input back to the
 * slot's original frame, undoing the scaling and letterboxing gpubatch
 * recorded in the #GstGpuBatchMeta. The results are added to the batch as
 * a #GstGpuResultsMeta (in place: the tensors are neither copied nor
 * changed); gpuunbatch output=frames turns them into
 * GstVideoRegionOfInterestMeta on the original frames.
 *
 * The caps pass through unchanged. See docs/gpudecode.md for the tensor
 * layouts each decoder expects.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=face.png ! pngdec ! videoconvert ! \
 *     imagefreeze num-buffers=1 ! gpubatch width=128 height=128 \
 *     layout=nhwc mean="<0.5>" std="<0.5>" ! \
 *     gpuinfer model=face_detection_front_128x128_barracuda.onnx ! \
 *     gpudecode mode=detect decoder=ssd-anchors iou-threshold=0.3 ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "elements/gpudecode/gstgpudecode.h"
#include "elements/gpudecode/gstgpudecoders.h"
#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpuresultsmeta.h"
#include "gst/gstgpustats.h"
#include "gst/gstgputensorinfo.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_decode_debug);
#define GST_CAT_DEFAULT gst_gpu_decode_debug

G_STATIC_ASSERT (GST_GPU_DECODE_MAX_KEYPOINTS == GST_GPU_RESULT_MAX_KEYPOINTS);

typedef enum {
  GST_GPU_DECODE_MODE_CLASSIFY,
  GST_GPU_DECODE_MODE_DETECT,
} GstGpuDecodeMode;

typedef enum {
  GST_GPU_DECODE_DECODER_SSD_ANCHORS,
  GST_GPU_DECODE_DECODER_YOLOV5,
  GST_GPU_DECODE_DECODER_YOLOV8,
  GST_GPU_DECODE_DECODER_BOXES,
} GstGpuDecodeDecoder;

/* the activation property: auto, then the decoders' own values + 1 */
typedef enum {
  ACTIVATION_AUTO,
  ACTIVATION_NONE,
  ACTIVATION_SIGMOID,
  ACTIVATION_SOFTMAX,
} Activation;

typedef enum {
  COORDINATES_PIXELS,
  COORDINATES_NORMALIZED,
} Coordinates;

#define MAX_ANCHOR_LAYERS 8

#define DEFAULT_MODE GST_GPU_DECODE_MODE_CLASSIFY
#define DEFAULT_DECODER GST_GPU_DECODE_DECODER_YOLOV8
#define DEFAULT_TOP_K 5
#define DEFAULT_SCORE_THRESHOLD 0.5
#define DEFAULT_IOU_THRESHOLD 0.45
#define DEFAULT_MAX_DETECTIONS 100
#define DEFAULT_CLASS_AGNOSTIC FALSE
#define DEFAULT_WEIGHTED_NMS FALSE
#define DEFAULT_ACTIVATION ACTIVATION_AUTO
#define DEFAULT_COORDINATES COORDINATES_PIXELS
#define DEFAULT_INPUT_SIZE 0
#define DEFAULT_ANCHOR_STRIDES "8,16"
#define DEFAULT_ANCHORS_PER_CELL "2,6"
#define DEFAULT_ANCHOR_OFFSET 0.5

enum {
  PROP_0,
  PROP_MODE,
  PROP_DECODER,
  PROP_LABELS,
  PROP_TOP_K,
  PROP_SCORE_THRESHOLD,
  PROP_IOU_THRESHOLD,
  PROP_MAX_DETECTIONS,
  PROP_CLASS_AGNOSTIC,
  PROP_WEIGHTED_NMS,
  PROP_ACTIVATION,
  PROP_COORDINATES,
  PROP_INPUT_WIDTH,
  PROP_INPUT_HEIGHT,
  PROP_ANCHOR_STRIDES,
  PROP_ANCHORS_PER_CELL,
  PROP_ANCHOR_OFFSET,
  PROP_STATS,
  PROP_STATS_INTERVAL,
};

/* what the properties say; set under the object lock, copied to run at
 * READY->PAUSED */
typedef struct
{
  GstGpuDecodeMode mode;
  GstGpuDecodeDecoder decoder;
  gchar *labels;
  guint top_k;
  gdouble score_threshold;
  gdouble iou_threshold;
  guint max_detections;
  gboolean class_agnostic;
  gboolean weighted_nms;
  Activation activation;
  Coordinates coordinates;
  guint input_width;
  guint input_height;
  gchar *anchor_strides;
  gchar *anchors_per_cell;
  gdouble anchor_offset;
  GstClockTime stats_interval;
} Settings;

struct _GstGpuDecode
{
  GstBaseTransform parent;

  Settings props; /* object lock */

  /* streaming thread (and start/stop) */
  Settings run;
  GstGpuDecodeActivation act;
  GArray *labels; /* GQuark per class, from the labels file */
  guint strides[MAX_ANCHOR_LAYERS];
  guint per_cell[MAX_ANCHOR_LAYERS];
  guint n_layers;

  /* from the caps */
  GstGpuTensorsConfig config;
  guint batch;                             /* N */
  gsize offset[GST_GPU_TENSORS_LIMIT];     /* tensor start in the buffer */
  gsize slot_bytes[GST_GPU_TENSORS_LIMIT]; /* one slot of a tensor */
  gsize batch_bytes;
  guint n_classes;                           /* classify, yolo */
  guint n_boxes;                             /* yolo, boxes */
  guint row;                                 /* ssd: values per regressor */
  guint score_tensor[GST_GPU_TENSORS_LIMIT]; /* ssd */
  guint n_score_tensors;
  guint reg_tensor[GST_GPU_TENSORS_LIMIT];
  guint n_reg_tensors;
  guint n_anchors;
  GstCaps *refused; /* the last caps refused, reported once */
  GArray *anchors;  /* GstGpuAnchor, made for anchors_w x anchors_h */
  guint anchors_w, anchors_h;
  guint64 anchors_made; /* how many the options make for that size */

  /* scratch, sized at caps time */
  GArray *dets;         /* GstGpuDetection */
  GArray *scores;       /* gfloat, classify */
  GArray *top;          /* guint, classify */
  GArray *slot_results; /* GstGpuResult */

  /* object lock */
  guint64 batches;
  guint64 items_in;
  guint64 items_decoded;
  guint64 results;
  GstGpuLatencyHistogram latency; /* decoding time of a batch */
  GstGpuThroughputMeter throughput;
  GstGpuStatsTimer stats_timer;
};

#define gst_gpu_decode_parent_class parent_class
G_DEFINE_TYPE (GstGpuDecode, gst_gpu_decode, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpudecode, "gpudecode", GST_RANK_NONE,
    GST_TYPE_GPU_DECODE,
    GST_DEBUG_CATEGORY_INIT (gst_gpu_decode_debug, "gpudecode", 0,
        "turns output tensors into results"));

#define TENSOR_CAPS                                                            \
  GST_GPU_TENSORS_MEDIA_TYPE                                                   \
  ", format = (string) static; " GST_GPU_TENSORS_MEDIA_TYPE                    \
  "(" GST_CAPS_FEATURE_MEMORY_GPU_TENSOR "), "                                 \
  "format = (string) static"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (TENSOR_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (TENSOR_CAPS));

#define GST_TYPE_GPU_DECODE_MODE (gst_gpu_decode_mode_get_type ())
static GType
gst_gpu_decode_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_GPU_DECODE_MODE_CLASSIFY,
        "Top-k classes of the whole frame from class scores", "classify" },
    { GST_GPU_DECODE_MODE_DETECT, "Boxes from a detector (see decoder)",
        "detect" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstGpuDecodeMode", values));
  return type;
}

#define GST_TYPE_GPU_DECODE_DECODER (gst_gpu_decode_decoder_get_type ())
static GType
gst_gpu_decode_decoder_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_GPU_DECODE_DECODER_SSD_ANCHORS,
        "SSD anchors with box regression and keypoints (BlazeFace family): "
        "scores [N, anchors, 1] and regressors [N, anchors, 4 + 2 x "
        "keypoints], each possibly split over several tensors",
        "ssd-anchors" },
    { GST_GPU_DECODE_DECODER_YOLOV5,
        "YOLOv5: [N, boxes, 5 + classes] of cx, cy, w, h, objectness, class "
        "scores",
        "yolov5" },
    { GST_GPU_DECODE_DECODER_YOLOV8,
        "YOLOv8: [N, 4 + classes, boxes] of cx, cy, w, h, class scores",
        "yolov8" },
    { GST_GPU_DECODE_DECODER_BOXES,
        "Plain boxes: [N, boxes, 6] of x1, y1, x2, y2, score, class", "boxes" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstGpuDecodeDecoder", values));
  return type;
}

#define GST_TYPE_GPU_DECODE_ACTIVATION (gst_gpu_decode_activation_get_type ())
static GType
gst_gpu_decode_activation_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { ACTIVATION_AUTO,
        "softmax for classify, sigmoid for ssd-anchors, none for the others",
        "auto" },
    { ACTIVATION_NONE, "Scores are probabilities already", "none" },
    { ACTIVATION_SIGMOID, "Scores are logits: sigmoid each", "sigmoid" },
    { ACTIVATION_SOFTMAX,
        "Scores are logits over the classes: softmax (classify, yolov5 and "
        "yolov8 class scores)",
        "softmax" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstGpuDecodeActivation", values));
  return type;
}

#define GST_TYPE_GPU_DECODE_COORDINATES (gst_gpu_decode_coordinates_get_type ())
static GType
gst_gpu_decode_coordinates_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { COORDINATES_PIXELS, "Pixels of the network input", "pixels" },
    { COORDINATES_NORMALIZED, "Fractions of the network input, 0 to 1",
        "normalized" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstGpuDecodeCoordinates", values));
  return type;
}

static void gst_gpu_decode_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_decode_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_gpu_decode_finalize (GObject *object);
static gboolean gst_gpu_decode_start (GstBaseTransform *trans);
static gboolean gst_gpu_decode_stop (GstBaseTransform *trans);
static gboolean gst_gpu_decode_set_caps (
    GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps);
static GstFlowReturn gst_gpu_decode_transform_ip (
    GstBaseTransform *trans, GstBuffer *buffer);

#define MUTABLE_READY                                                          \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

static void
gst_gpu_decode_class_init (GstGpuDecodeClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_gpu_decode_set_property;
  gobject_class->get_property = gst_gpu_decode_get_property;
  gobject_class->finalize = gst_gpu_decode_finalize;

  /**
   * GstGpuDecode:mode:
   *
   * classify (top-k classes of the whole frame) or detect (boxes, by
   * decoder). Default: classify.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "What the outputs are: class scores of the whole frame (classify) "
          "or boxes (detect, see decoder) (default: classify)",
          GST_TYPE_GPU_DECODE_MODE, DEFAULT_MODE, MUTABLE_READY));

  /**
   * GstGpuDecode:decoder:
   *
   * Layout of a detector's outputs (mode=detect). Default: yolov8.
   */
  g_object_class_install_property (gobject_class, PROP_DECODER,
      g_param_spec_enum ("decoder", "Decoder",
          "Layout of the detector's output tensors, mode=detect (default: "
          "yolov8)",
          GST_TYPE_GPU_DECODE_DECODER, DEFAULT_DECODER, MUTABLE_READY));

  /**
   * GstGpuDecode:labels:
   *
   * Text file with one label per line, line i naming class i; read at
   * READY->PAUSED. Default: none (results are named class-N).
   */
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels file",
          "Text file with one class label per line, line i naming class i "
          "(default: none: labels are class-N)",
          NULL, MUTABLE_READY));

  /**
   * GstGpuDecode:top-k:
   *
   * mode=classify: classes kept per item, best first. Default: 5.
   */
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "mode=classify: classes kept per item, best first, 1 to 1000 "
          "(default: 5)",
          1, 1000, DEFAULT_TOP_K, MUTABLE_READY));

  /**
   * GstGpuDecode:score-threshold:
   *
   * Results whose confidence (after the activation) is below this are
   * dropped, in both modes. Default: 0.5.
   */
  g_object_class_install_property (gobject_class, PROP_SCORE_THRESHOLD,
      g_param_spec_double ("score-threshold", "Score threshold",
          "Minimum confidence of a result (a box, or a class in classify "
          "mode), 0 to 1, after the activation (default: 0.5)",
          0.0, 1.0, DEFAULT_SCORE_THRESHOLD, MUTABLE_READY));

  /**
   * GstGpuDecode:iou-threshold:
   *
   * Non-maximum suppression: a box overlapping a better one by an
   * intersection over union above this is suppressed. Default: 0.45.
   */
  g_object_class_install_property (gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_double ("iou-threshold", "IoU threshold",
          "Non-maximum suppression: boxes overlapping a better one by more "
          "than this intersection over union are suppressed, 0 to 1 "
          "(default: 0.45)",
          0.0, 1.0, DEFAULT_IOU_THRESHOLD, MUTABLE_READY));

  /**
   * GstGpuDecode:max-detections:
   *
   * Boxes kept per item after NMS, best first; 0 for no limit. Default:
   * 100.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_DETECTIONS,
      g_param_spec_uint ("max-detections", "Max detections",
          "Boxes kept per item after non-maximum suppression, best first; "
          "0 = no limit (default: 100)",
          0, G_MAXUINT, DEFAULT_MAX_DETECTIONS, MUTABLE_READY));

  /**
   * GstGpuDecode:class-agnostic:
   *
   * NMS across classes; by default a box only suppresses boxes of its
   * own class. Default: false.
   */
  g_object_class_install_property (gobject_class, PROP_CLASS_AGNOSTIC,
      g_param_spec_boolean ("class-agnostic", "Class-agnostic NMS",
          "Non-maximum suppression across classes (else only within a "
          "class) (default: false)",
          DEFAULT_CLASS_AGNOSTIC, MUTABLE_READY));

  /**
   * GstGpuDecode:weighted-nms:
   *
   * Blend each kept box (and its keypoints) with the boxes it suppresses,
   * weighted by score, as MediaPipe does for BlazeFace, instead of
   * dropping them. Default: false.
   */
  g_object_class_install_property (gobject_class, PROP_WEIGHTED_NMS,
      g_param_spec_boolean ("weighted-nms", "Weighted NMS",
          "Blend each kept box and its keypoints with the boxes it "
          "suppresses, weighted by score (MediaPipe's BlazeFace), instead of "
          "dropping them (default: false)",
          DEFAULT_WEIGHTED_NMS, MUTABLE_READY));

  /**
   * GstGpuDecode:activation:
   *
   * What turns the model's scores into confidences. Default: auto.
   */
  g_object_class_install_property (gobject_class, PROP_ACTIVATION,
      g_param_spec_enum ("activation", "Activation",
          "What turns the model's scores into confidences in [0, 1] "
          "(default: auto)",
          GST_TYPE_GPU_DECODE_ACTIVATION, DEFAULT_ACTIVATION, MUTABLE_READY));

  /**
   * GstGpuDecode:coordinates:
   *
   * decoder=boxes: whether the box corners are pixels of the network input
   * or fractions of it. Default: pixels.
   */
  g_object_class_install_property (gobject_class, PROP_COORDINATES,
      g_param_spec_enum ("coordinates", "Coordinates",
          "decoder=boxes: box corners in pixels of the network input or "
          "normalised to 0..1 (default: pixels)",
          GST_TYPE_GPU_DECODE_COORDINATES, DEFAULT_COORDINATES, MUTABLE_READY));

  /**
   * GstGpuDecode:input-width:
   *
   * Width of the network input in pixels; 0 takes the slot width gpubatch
   * records in the batch meta. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_INPUT_WIDTH,
      g_param_spec_uint ("input-width", "Input width",
          "Width of the network input in pixels (ssd-anchors: the anchor "
          "grid; boxes: the scale of normalised corners); 0 = the slot "
          "width in the batch meta (default: 0)",
          0, G_MAXUINT16, DEFAULT_INPUT_SIZE, MUTABLE_READY));

  /**
   * GstGpuDecode:input-height:
   *
   * Height of the network input in pixels; 0 takes the slot height from
   * the batch meta. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_INPUT_HEIGHT,
      g_param_spec_uint ("input-height", "Input height",
          "Height of the network input in pixels; 0 = the slot height in "
          "the batch meta (default: 0)",
          0, G_MAXUINT16, DEFAULT_INPUT_SIZE, MUTABLE_READY));

  /**
   * GstGpuDecode:anchor-strides:
   *
   * decoder=ssd-anchors: stride in input pixels of each feature map,
   * comma-separated. Default: "8,16" (BlazeFace front, 128x128).
   */
  g_object_class_install_property (gobject_class, PROP_ANCHOR_STRIDES,
      g_param_spec_string ("anchor-strides", "Anchor strides",
          "decoder=ssd-anchors: stride of each feature map in input pixels, "
          "comma-separated, e.g. \"8,16\" (default: \"8,16\", BlazeFace "
          "front)",
          DEFAULT_ANCHOR_STRIDES, MUTABLE_READY));

  /**
   * GstGpuDecode:anchors-per-cell:
   *
   * decoder=ssd-anchors: anchors in each cell of each feature map, one
   * number per stride. Default: "2,6".
   */
  g_object_class_install_property (gobject_class, PROP_ANCHORS_PER_CELL,
      g_param_spec_string ("anchors-per-cell", "Anchors per cell",
          "decoder=ssd-anchors: anchors per cell of each feature map, one "
          "number per stride, comma-separated (default: \"2,6\")",
          DEFAULT_ANCHORS_PER_CELL, MUTABLE_READY));

  /**
   * GstGpuDecode:anchor-offset:
   *
   * decoder=ssd-anchors: anchor centre within its cell, in cells.
   * Default: 0.5.
   */
  g_object_class_install_property (gobject_class, PROP_ANCHOR_OFFSET,
      g_param_spec_double ("anchor-offset", "Anchor offset",
          "decoder=ssd-anchors: anchor centre within its cell, 0 to 1 of a "
          "cell (default: 0.5)",
          0.0, 1.0, DEFAULT_ANCHOR_OFFSET, MUTABLE_READY));

  /**
   * GstGpuDecode:stats:
   *
   * Read-only "gpudecode-stats" structure: batches, items-in (valid
   * slots), items-decoded (ok or cache-hit slots decoded), results,
   * latency-p50-us and latency-p99-us (time to decode one batch),
   * throughput and peak-throughput (items/s).
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters, decoding time per batch (us) and throughput (items/s) "
          "(read-only)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_gpu_stats_install_interval_property (gobject_class, PROP_STATS_INTERVAL);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "GPU tensor decoder",
      "Filter/Tensor",
      "Decodes a batch's output tensors into boxes and classes per slot",
      "gst-gpustream");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_gpu_decode_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_gpu_decode_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_gpu_decode_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_gpu_decode_transform_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_GPU_DECODE_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_DECODE_DECODER, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_DECODE_ACTIVATION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_GPU_DECODE_COORDINATES, 0);
}

static void
gst_gpu_decode_init (GstGpuDecode *self)
{
  Settings *p = &self->props;

  p->mode = DEFAULT_MODE;
  p->decoder = DEFAULT_DECODER;
  p->top_k = DEFAULT_TOP_K;
  p->score_threshold = DEFAULT_SCORE_THRESHOLD;
  p->iou_threshold = DEFAULT_IOU_THRESHOLD;
  p->max_detections = DEFAULT_MAX_DETECTIONS;
  p->class_agnostic = DEFAULT_CLASS_AGNOSTIC;
  p->weighted_nms = DEFAULT_WEIGHTED_NMS;
  p->activation = DEFAULT_ACTIVATION;
  p->coordinates = DEFAULT_COORDINATES;
  p->input_width = p->input_height = DEFAULT_INPUT_SIZE;
  p->anchor_strides = g_strdup (DEFAULT_ANCHOR_STRIDES);
  p->anchors_per_cell = g_strdup (DEFAULT_ANCHORS_PER_CELL);
  p->anchor_offset = DEFAULT_ANCHOR_OFFSET;

  self->labels = g_array_new (FALSE, FALSE, sizeof (GQuark));
  self->anchors = g_array_new (FALSE, FALSE, sizeof (GstGpuAnchor));
  self->dets = g_array_new (FALSE, FALSE, sizeof (GstGpuDetection));
  self->scores = g_array_new (FALSE, FALSE, sizeof (gfloat));
  self->top = g_array_new (FALSE, FALSE, sizeof (guint));
  self->slot_results = g_array_new (FALSE, FALSE, sizeof (GstGpuResult));

  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
settings_clear (Settings *s)
{
  g_clear_pointer (&s->labels, g_free);
  g_clear_pointer (&s->anchor_strides, g_free);
  g_clear_pointer (&s->anchors_per_cell, g_free);
}

/* any thread, last reference */
static void
gst_gpu_decode_finalize (GObject *object)
{
  GstGpuDecode *self = GST_GPU_DECODE (object);

  settings_clear (&self->props);
  settings_clear (&self->run);
  gst_clear_caps (&self->refused);
  g_array_unref (self->labels);
  g_array_unref (self->anchors);
  g_array_unref (self->dets);
  g_array_unref (self->scores);
  g_array_unref (self->top);
  g_array_unref (self->slot_results);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* application thread; takes the object lock */
static void
gst_gpu_decode_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuDecode *self = GST_GPU_DECODE (object);
  Settings *p = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      p->mode = g_value_get_enum (value);
      break;
    case PROP_DECODER:
      p->decoder = g_value_get_enum (value);
      break;
    case PROP_LABELS:
      g_free (p->labels);
      p->labels = g_value_dup_string (value);
      break;
    case PROP_TOP_K:
      p->top_k = g_value_get_uint (value);
      break;
    case PROP_SCORE_THRESHOLD:
      p->score_threshold = g_value_get_double (value);
      break;
    case PROP_IOU_THRESHOLD:
      p->iou_threshold = g_value_get_double (value);
      break;
    case PROP_MAX_DETECTIONS:
      p->max_detections = g_value_get_uint (value);
      break;
    case PROP_CLASS_AGNOSTIC:
      p->class_agnostic = g_value_get_boolean (value);
      break;
    case PROP_WEIGHTED_NMS:
      p->weighted_nms = g_value_get_boolean (value);
      break;
    case PROP_ACTIVATION:
      p->activation = g_value_get_enum (value);
      break;
    case PROP_COORDINATES:
      p->coordinates = g_value_get_enum (value);
      break;
    case PROP_INPUT_WIDTH:
      p->input_width = g_value_get_uint (value);
      break;
    case PROP_INPUT_HEIGHT:
      p->input_height = g_value_get_uint (value);
      break;
    case PROP_ANCHOR_STRIDES:
      g_free (p->anchor_strides);
      p->anchor_strides = g_value_dup_string (value);
      break;
    case PROP_ANCHORS_PER_CELL:
      g_free (p->anchors_per_cell);
      p->anchors_per_cell = g_value_dup_string (value);
      break;
    case PROP_ANCHOR_OFFSET:
      p->anchor_offset = g_value_get_double (value);
      break;
    case PROP_STATS_INTERVAL:
      p->stats_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Called with the object lock. Returns: (transfer full). */
static GstStructure *
get_stats_locked (GstGpuDecode *self)
{
  GstStructure *s = gst_structure_new ("gpudecode-stats", GST_GPU_STATS_BATCHES,
      G_TYPE_UINT64, self->batches, GST_GPU_STATS_ITEMS_IN, G_TYPE_UINT64,
      self->items_in, "items-decoded", G_TYPE_UINT64, self->items_decoded,
      "results", G_TYPE_UINT64, self->results, NULL);

  gst_gpu_stats_set_latency (s, &self->latency);
  gst_gpu_stats_set_throughput (s, &self->throughput, gst_gpu_stats_now ());
  return s;
}

/* the stats timer's clock thread; takes the object lock */
static GstStructure *
gst_gpu_decode_get_stats (GstElement *element)
{
  GstGpuDecode *self = GST_GPU_DECODE (element);
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = get_stats_locked (self);
  GST_OBJECT_UNLOCK (self);
  return s;
}

/* any thread; takes the object lock */
static void
gst_gpu_decode_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuDecode *self = GST_GPU_DECODE (object);
  Settings *p = &self->props;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, p->mode);
      break;
    case PROP_DECODER:
      g_value_set_enum (value, p->decoder);
      break;
    case PROP_LABELS:
      g_value_set_string (value, p->labels);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, p->top_k);
      break;
    case PROP_SCORE_THRESHOLD:
      g_value_set_double (value, p->score_threshold);
      break;
    case PROP_IOU_THRESHOLD:
      g_value_set_double (value, p->iou_threshold);
      break;
    case PROP_MAX_DETECTIONS:
      g_value_set_uint (value, p->max_detections);
      break;
    case PROP_CLASS_AGNOSTIC:
      g_value_set_boolean (value, p->class_agnostic);
      break;
    case PROP_WEIGHTED_NMS:
      g_value_set_boolean (value, p->weighted_nms);
      break;
    case PROP_ACTIVATION:
      g_value_set_enum (value, p->activation);
      break;
    case PROP_COORDINATES:
      g_value_set_enum (value, p->coordinates);
      break;
    case PROP_INPUT_WIDTH:
      g_value_set_uint (value, p->input_width);
      break;
    case PROP_INPUT_HEIGHT:
      g_value_set_uint (value, p->input_height);
      break;
    case PROP_ANCHOR_STRIDES:
      g_value_set_string (value, p->anchor_strides);
      break;
    case PROP_ANCHORS_PER_CELL:
      g_value_set_string (value, p->anchors_per_cell);
      break;
    case PROP_ANCHOR_OFFSET:
      g_value_set_double (value, p->anchor_offset);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, get_stats_locked (self));
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint64 (value, p->stats_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* READY->PAUSED. Reads the labels file: one label per line, a last line
 * without text ignored. */
static gboolean
load_labels (GstGpuDecode *self)
{
  gchar *contents = NULL, **lines;
  GError *error = NULL;
  guint i, n;

  g_array_set_size (self->labels, 0);
  if (self->run.labels == NULL)
    return TRUE;
  if (!g_file_get_contents (self->run.labels, &contents, NULL, &error))
    goto read_failed;

  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;
  for (i = 0; i < n; i++) {
    GQuark q;

    /* an empty line leaves its class unnamed (class-N) */
    g_strchomp (lines[i]);
    q = lines[i][0] ? g_quark_from_string (lines[i]) : 0;
    g_array_append_val (self->labels, q);
  }
  g_strfreev (lines);
  g_free (contents);
  GST_INFO_OBJECT (self, "%u labels from %s", n, self->run.labels);
  return TRUE;

  /* ERRORS */
read_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
      ("Could not read labels file '%s' (labels property)", self->run.labels),
      ("%s", error->message));
  g_clear_error (&error);
  return FALSE;
}

/* READY->PAUSED: takes the properties for the run, checks those that
 * cannot be checked when set, reads the labels. */
static gboolean
gst_gpu_decode_start (GstBaseTransform *trans)
{
  GstGpuDecode *self = GST_GPU_DECODE (trans);
  Settings *r = &self->run;
  guint n_per_cell, i;

  settings_clear (r);
  GST_OBJECT_LOCK (self);
  *r = self->props;
  r->labels = g_strdup (self->props.labels);
  r->anchor_strides = g_strdup (self->props.anchor_strides);
  r->anchors_per_cell = g_strdup (self->props.anchors_per_cell);
  self->batches = self->items_in = self->items_decoded = self->results = 0;
  gst_gpu_latency_histogram_reset (&self->latency);
  gst_gpu_throughput_meter_reset (&self->throughput, 10);
  GST_OBJECT_UNLOCK (self);

  switch (r->activation) {
    case ACTIVATION_AUTO:
      if (r->mode == GST_GPU_DECODE_MODE_CLASSIFY)
        self->act = GST_GPU_DECODE_ACTIVATION_SOFTMAX;
      else if (r->decoder == GST_GPU_DECODE_DECODER_SSD_ANCHORS)
        self->act = GST_GPU_DECODE_ACTIVATION_SIGMOID;
      else
        self->act = GST_GPU_DECODE_ACTIVATION_NONE;
      break;
    case ACTIVATION_NONE:
      self->act = GST_GPU_DECODE_ACTIVATION_NONE;
      break;
    case ACTIVATION_SIGMOID:
      self->act = GST_GPU_DECODE_ACTIVATION_SIGMOID;
      break;
    case ACTIVATION_SOFTMAX:
      self->act = GST_GPU_DECODE_ACTIVATION_SOFTMAX;
      break;
  }
  /* one score per box: nothing to normalise over */
  if (self->act == GST_GPU_DECODE_ACTIVATION_SOFTMAX
      && r->mode == GST_GPU_DECODE_MODE_DETECT
      && (r->decoder == GST_GPU_DECODE_DECODER_SSD_ANCHORS
          || r->decoder == GST_GPU_DECODE_DECODER_BOXES))
    goto bad_softmax;

  self->n_layers = 0;
  if (r->mode == GST_GPU_DECODE_MODE_DETECT
      && r->decoder == GST_GPU_DECODE_DECODER_SSD_ANCHORS) {
    self->n_layers = gst_gpu_decode_parse_uint_list (
        r->anchor_strides, self->strides, MAX_ANCHOR_LAYERS);
    n_per_cell = gst_gpu_decode_parse_uint_list (
        r->anchors_per_cell, self->per_cell, MAX_ANCHOR_LAYERS);
    if (self->n_layers == 0)
      goto bad_strides;
    if (n_per_cell != self->n_layers)
      goto bad_per_cell;
    for (i = 0; i < self->n_layers; i++)
      GST_DEBUG_OBJECT (self, "anchor layer %u: stride %u, %u per cell", i,
          self->strides[i], self->per_cell[i]);
  }
  if (!load_labels (self))
    return FALSE;
  gst_gpu_stats_timer_start (&self->stats_timer, GST_ELEMENT (self),
      r->stats_interval, gst_gpu_decode_get_stats);
  return TRUE;

  /* ERRORS */
bad_softmax:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Could not use activation=softmax with decoder=%s (activation "
       "property)",
          r->decoder == GST_GPU_DECODE_DECODER_BOXES ? "boxes" : "ssd-anchors"),
      ("this decoder has one score per box; use sigmoid or none"));
  return FALSE;
bad_strides:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Could not read the anchor-strides property '%s'",
          GST_STR_NULL (r->anchor_strides)),
      ("expected 1 to %d comma-separated integers from 1 to 65535, e.g. "
       "\"8,16\"",
          MAX_ANCHOR_LAYERS));
  return FALSE;
bad_per_cell:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Could not read the anchors-per-cell property '%s'",
          GST_STR_NULL (r->anchors_per_cell)),
      ("expected one integer from 1 to 65535 per stride of anchor-strides "
       "'%s' (%u), comma-separated",
          r->anchor_strides, self->n_layers));
  return FALSE;
}

/* PAUSED->READY */
static gboolean
gst_gpu_decode_stop (GstBaseTransform *trans)
{
  GstGpuDecode *self = GST_GPU_DECODE (trans);

  gst_gpu_stats_timer_stop (&self->stats_timer);
  g_array_set_size (self->anchors, 0);
  self->anchors_w = self->anchors_h = 0;
  self->batch = 0;
  gst_clear_caps (&self->refused);
  return TRUE;
}

/* Generates the anchors for @width x @height unless they are made for it
 * and the outputs already, and only when the outputs hold one row per
 * anchor (the count the options make is in self->anchors_made either
 * way). */
static gboolean
ensure_anchors (GstGpuDecode *self, guint width, guint height)
{
  if (self->anchors_w == width && self->anchors_h == height
      && self->anchors->len > 0 && self->anchors->len == self->n_anchors)
    return TRUE;
  self->anchors_w = width;
  self->anchors_h = height;
  self->anchors_made = gst_gpu_decode_ssd_anchor_count (
      width, height, self->strides, self->per_cell, self->n_layers);
  g_array_set_size (self->anchors, 0);
  if (self->anchors_made != self->n_anchors)
    return FALSE;
  gst_gpu_decode_ssd_anchors (width, height, self->strides, self->per_cell,
      self->n_layers, self->run.anchor_offset, self->anchors);
  GST_INFO_OBJECT (
      self, "%u anchors for a %ux%u input", self->anchors->len, width, height);
  return TRUE;
}

/* Streaming thread, caps. Sorts an SSD's tensors into scores (innermost
 * 1) and regressors (innermost 4 + 2 x keypoints), in caps order; both
 * must cover the same anchors. Returns a reason on failure. */
static const gchar *
check_ssd_tensors (GstGpuDecode *self)
{
  const GstGpuTensorsConfig *c = &self->config;
  guint t, n_scores = 0, n_regs = 0;

  self->n_score_tensors = self->n_reg_tensors = 0;
  self->row = 0;
  for (t = 0; t < c->num_tensors; t++) {
    const GstGpuTensorInfo *info = &c->info[t];
    guint64 inner = info->dims[0];

    if (info->rank != 3)
      return "every tensor must have rank 3: [N, anchors, 1] for scores, "
             "[N, anchors, 4 + 2 x keypoints] for regressors";
    if (inner == 1) {
      self->score_tensor[self->n_score_tensors++] = t;
      n_scores += info->dims[1];
    } else if (inner >= 4 && (inner - 4) % 2 == 0
               && (inner - 4) / 2 <= GST_GPU_DECODE_MAX_KEYPOINTS
               && (self->row == 0 || self->row == inner)) {
      self->row = inner;
      self->reg_tensor[self->n_reg_tensors++] = t;
      n_regs += info->dims[1];
    } else {
      return "the innermost dimension must be 1 (scores) or the same 4 + 2 "
             "x keypoints (regressors, at most 17 keypoints) in every "
             "regressor tensor";
    }
  }
  if (self->n_score_tensors == 0 || self->n_reg_tensors == 0)
    return "expected at least one score tensor [N, anchors, 1] and one "
           "regressor tensor [N, anchors, 4 + 2 x keypoints]";
  if (n_scores != n_regs)
    return "the score tensors and the regressor tensors hold different "
           "numbers of anchors";
  self->n_anchors = n_scores;
  return NULL;
}

/* Streaming thread, caps. Checks tensor 0 (every tensor for ssd-anchors)
 * against the decoder; fills the layout. Returns a reason on failure. */
static const gchar *
check_layout (GstGpuDecode *self)
{
  const GstGpuTensorInfo *info = &self->config.info[0];

  if (self->run.mode == GST_GPU_DECODE_MODE_CLASSIFY) {
    if (info->rank < 2)
      return "expected class scores [N, classes] (any inner dimensions "
             "multiply into classes)";
    self->n_classes = self->slot_bytes[0] / sizeof (gfloat);
    return NULL;
  }
  switch (self->run.decoder) {
    case GST_GPU_DECODE_DECODER_SSD_ANCHORS:
      return check_ssd_tensors (self);
    case GST_GPU_DECODE_DECODER_YOLOV5:
      if (info->rank != 3 || info->dims[0] < 6)
        return "expected [N, boxes, 5 + classes] with at least one class";
      self->n_classes = info->dims[0] - 5;
      self->n_boxes = info->dims[1];
      return NULL;
    case GST_GPU_DECODE_DECODER_YOLOV8:
      if (info->rank != 3 || info->dims[1] < 5)
        return "expected [N, 4 + classes, boxes] with at least one class";
      self->n_classes = info->dims[1] - 4;
      self->n_boxes = info->dims[0];
      return NULL;
    case GST_GPU_DECODE_DECODER_BOXES:
      if (info->rank != 3 || info->dims[0] != 6)
        return "expected [N, boxes, 6]: x1, y1, x2, y2, score, class";
      self->n_boxes = info->dims[1];
      return NULL;
  }
  return "unknown decoder";
}

/* Appends "tensor i: float32 16:384:8" for each tensor to @s. */
static void
describe_tensors (const GstGpuTensorsConfig *c, GString *s)
{
  guint t;

  for (t = 0; t < c->num_tensors; t++) {
    gchar *dims = gst_gpu_tensor_info_dimensions_to_string (&c->info[t]);

    g_string_append_printf (s, "%stensor %u: %s %s", t ? ", " : "", t,
        gst_gpu_dtype_to_string (c->info[t].dtype), dims);
    g_free (dims);
  }
}

static const gchar *
decoder_name (GstGpuDecode *self)
{
  GEnumClass *klass;
  const GEnumValue *v;
  const gchar *name;

  if (self->run.mode == GST_GPU_DECODE_MODE_CLASSIFY)
    return "classify";
  klass = g_type_class_ref (GST_TYPE_GPU_DECODE_DECODER);
  v = g_enum_get_value (klass, self->run.decoder);
  name = v ? v->value_nick : "?";
  g_type_class_unref (klass);
  return name;
}

static const gchar anchors_differ[]
    = "the anchor options make a different number of anchors";

/* Streaming thread. The caps pass through; checks that the tensors fit
 * the mode and decoder and sizes the scratch arrays. */
static gboolean
gst_gpu_decode_set_caps (
    GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstGpuDecode *self = GST_GPU_DECODE (trans);
  GstGpuTensorsConfig *c = &self->config;
  GError *error = NULL;
  const gchar *reason = NULL;
  GString *desc;
  gsize offset = 0;
  guint t;

  /* GstBaseTransform retries the current caps when a buffer comes */
  if (self->refused && gst_caps_is_equal (incaps, self->refused))
    return FALSE;
  if (!gst_gpu_tensors_config_from_caps (c, incaps, &error))
    goto bad_caps;

  self->batch = c->info[0].dims[c->info[0].rank - 1];
  if (gst_gpu_tensors_config_get_size (c) == 0) {
    reason = "the tensors' sizes together overflow";
    goto bad_layout;
  }
  for (t = 0; t < c->num_tensors; t++) {
    const GstGpuTensorInfo *info = &c->info[t];
    gsize size = gst_gpu_tensor_info_get_size (info);

    if (info->dtype != GST_GPU_DTYPE_FLOAT32)
      reason = "every tensor must be float32";
    else if (info->dims[info->rank - 1] != self->batch)
      reason = "every tensor must have the same outermost (batch) dimension";
    if (reason)
      goto bad_layout;
    self->offset[t] = offset;
    self->slot_bytes[t] = size / self->batch;
    offset += size;
  }
  self->batch_bytes = offset;

  reason = check_layout (self);
  if (reason)
    goto bad_layout;

  if (self->run.mode == GST_GPU_DECODE_MODE_DETECT
      && self->run.decoder == GST_GPU_DECODE_DECODER_SSD_ANCHORS
      && self->run.input_width && self->run.input_height
      && !ensure_anchors (
          self, self->run.input_width, self->run.input_height)) {
    reason = anchors_differ;
    goto bad_layout;
  }

  g_array_set_size (self->scores, self->n_classes);
  g_array_set_size (self->top, self->run.top_k);
  gst_clear_caps (&self->refused);
  GST_INFO_OBJECT (self, "%s on %" GST_PTR_FORMAT, decoder_name (self), incaps);
  return TRUE;

  /* ERRORS */
bad_caps:
  gst_caps_replace (&self->refused, incaps);
  self->batch = 0;
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not decode the input: it is not static other/tensors"),
      ("%s; caps %" GST_PTR_FORMAT, error->message, incaps));
  g_clear_error (&error);
  return FALSE;
bad_layout:
  gst_caps_replace (&self->refused, incaps);
  self->batch = 0;
  desc = g_string_new (NULL);
  describe_tensors (c, desc);
  if (reason == anchors_differ)
    g_string_append_printf (desc,
        "; the outputs hold %u anchors, anchor-strides '%s' and "
        "anchors-per-cell '%s' on %ux%u make %" G_GUINT64_FORMAT,
        self->n_anchors, self->run.anchor_strides, self->run.anchors_per_cell,
        self->anchors_w, self->anchors_h, self->anchors_made);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not decode the model's output tensors with %s (mode and "
       "decoder properties)",
          decoder_name (self)),
      ("%s; got %s (dimensions innermost first, N outermost)", reason,
          desc->str));
  g_string_free (desc, TRUE);
  return FALSE;
}

/* The network input size boxes are in: the properties, else the batch
 * meta's slot size. */
static void
input_size (GstGpuDecode *self, const GstGpuBatchMeta *meta, guint *width,
    guint *height)
{
  *width = self->run.input_width;
  *height = self->run.input_height;
  if (meta && *width == 0)
    *width = meta->slot_width;
  if (meta && *height == 0)
    *height = meta->slot_height;
}

/* ssd-anchors places its anchors on the input, boxes with normalised
 * corners scale them by it */
static gboolean
needs_input_size (GstGpuDecode *self)
{
  const Settings *r = &self->run;

  return r->mode == GST_GPU_DECODE_MODE_DETECT
         && (r->decoder == GST_GPU_DECODE_DECODER_SSD_ANCHORS
             || (r->decoder == GST_GPU_DECODE_DECODER_BOXES
                 && r->coordinates == COORDINATES_NORMALIZED));
}

/* Streaming thread: the boxes of one slot into self->dets, network-input
 * pixels, after NMS. */
static void
decode_detect_slot (
    GstGpuDecode *self, const guint8 *data, guint slot, guint w, guint h)
{
  const Settings *r = &self->run;
  gfloat threshold = r->score_threshold;
  const gfloat *t0
      = (const gfloat *)(data + self->offset[0] + slot * self->slot_bytes[0]);
  GstGpuDecodePart scores[GST_GPU_TENSORS_LIMIT], regs[GST_GPU_TENSORS_LIMIT];
  guint i;

  g_array_set_size (self->dets, 0);
  switch (r->decoder) {
    case GST_GPU_DECODE_DECODER_SSD_ANCHORS:
      for (i = 0; i < self->n_score_tensors; i++) {
        guint t = self->score_tensor[i];

        scores[i].data = (const gfloat *)(data + self->offset[t]
                                          + slot * self->slot_bytes[t]);
        scores[i].n_anchors = self->config.info[t].dims[1];
      }
      for (i = 0; i < self->n_reg_tensors; i++) {
        guint t = self->reg_tensor[i];

        regs[i].data = (const gfloat *)(data + self->offset[t]
                                        + slot * self->slot_bytes[t]);
        regs[i].n_anchors = self->config.info[t].dims[1];
      }
      gst_gpu_decode_ssd (scores, self->n_score_tensors, regs,
          self->n_reg_tensors, self->row, self->anchors, w, h, self->act,
          threshold, self->dets);
      break;
    case GST_GPU_DECODE_DECODER_YOLOV5:
      gst_gpu_decode_yolov5 (
          t0, self->n_boxes, self->n_classes, self->act, threshold, self->dets);
      break;
    case GST_GPU_DECODE_DECODER_YOLOV8:
      gst_gpu_decode_yolov8 (
          t0, self->n_boxes, self->n_classes, self->act, threshold, self->dets);
      break;
    case GST_GPU_DECODE_DECODER_BOXES:
      if (r->coordinates == COORDINATES_NORMALIZED)
        gst_gpu_decode_boxes (
            t0, self->n_boxes, w, h, self->act, threshold, self->dets);
      else
        gst_gpu_decode_boxes (
            t0, self->n_boxes, 1.0f, 1.0f, self->act, threshold, self->dets);
      break;
  }
  gst_gpu_decode_nms (self->dets, r->iou_threshold, r->class_agnostic,
      r->weighted_nms, r->max_detections);
}

static GQuark
label_of (GstGpuDecode *self, guint class_id)
{
  return class_id < self->labels->len
             ? g_array_index (self->labels, GQuark, class_id)
             : 0;
}

/* Streaming thread: the results of one slot into self->slot_results. */
static void
decode_slot (GstGpuDecode *self, const guint8 *data, guint slot,
    const GstGpuBatchSlot *desc, const GstGpuDecodeGeometry *geometry)
{
  GstGpuResult res;
  guint i, n;

  g_array_set_size (self->slot_results, 0);
  memset (&res, 0, sizeof (res));
  res.slot = slot;

  if (self->run.mode == GST_GPU_DECODE_MODE_CLASSIFY) {
    const gfloat *raw
        = (const gfloat *)(data + self->offset[0] + slot * self->slot_bytes[0]);
    gfloat *conf = (gfloat *)self->scores->data;

    /* ranked by the raw scores, which every activation keeps in order:
     * softmax over near-equal logits rounds many confidences to the same
     * float */
    n = gst_gpu_decode_top_k (raw, self->n_classes, self->run.top_k, -INFINITY,
        (guint *)self->top->data);
    memcpy (conf, raw, self->n_classes * sizeof (gfloat));
    gst_gpu_decode_activate (conf, self->n_classes, self->act);
    res.kind = GST_GPU_RESULT_CLASS;
    res.width = desc ? desc->width : 0;
    res.height = desc ? desc->height : 0;
    for (i = 0; i < n; i++) {
      res.class_id = g_array_index (self->top, guint, i);
      res.confidence = conf[res.class_id];
      if (!(res.confidence >= self->run.score_threshold))
        break;
      res.label = label_of (self, res.class_id);
      g_array_append_val (self->slot_results, res);
    }
    return;
  }

  decode_detect_slot (
      self, data, slot, geometry->input_width, geometry->input_height);
  res.kind = GST_GPU_RESULT_BOX;
  for (i = 0; i < self->dets->len; i++) {
    GstGpuDetection *d = &g_array_index (self->dets, GstGpuDetection, i);

    gst_gpu_decode_map_detection (d, geometry);
    res.class_id = d->class_id;
    res.label = label_of (self, d->class_id);
    res.confidence = d->score;
    res.x = d->x1;
    res.y = d->y1;
    res.width = d->x2 - d->x1;
    res.height = d->y2 - d->y1;
    res.n_keypoints = d->n_keypoints;
    memcpy (res.keypoints, d->keypoints, sizeof (res.keypoints));
    g_array_append_val (self->slot_results, res);
    GST_DEBUG_OBJECT (self,
        "slot %u: class %d (%s) %.3f at %.1f,%.1f %.1fx%.1f, %u keypoints",
        slot, res.class_id, res.label ? g_quark_to_string (res.label) : "-",
        res.confidence, res.x, res.y, res.width, res.height, res.n_keypoints);
  }
}

/* Inserts self->slot_results after the results @meta already has for
 * their slot and before those of later slots, so that a second gpudecode
 * (a classifier after a detector) keeps the results in slot order. */
static void
add_slot_results (GstGpuDecode *self, GstGpuResultsMeta *meta, guint slot)
{
  const GstGpuResult *all = (const GstGpuResult *)meta->results->data;
  guint pos = meta->results->len;

  while (pos > 0 && all[pos - 1].slot > slot)
    pos--;
  g_array_insert_vals (
      meta->results, pos, self->slot_results->data, self->slot_results->len);
}

/* Streaming thread. Decodes every valid ok or cache-hit slot and adds the
 * results to the (writable, by GstBaseTransform) batch. */
static GstFlowReturn
gst_gpu_decode_transform_ip (GstBaseTransform *trans, GstBuffer *buffer)
{
  GstGpuDecode *self = GST_GPU_DECODE (trans);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buffer);
  GstGpuResultsMeta *results = NULL;
  GstGpuDecodeGeometry geometry = { 0 };
  guint n_valid, slot, w, h;
  guint64 n_decoded = 0, n_results = 0;
  GstClockTime start = gst_gpu_stats_now (), now;
  GstMapInfo map;

  if (self->batch == 0)
    goto not_negotiated;
  if (meta && meta->n_slots != self->batch)
    goto bad_meta;
  n_valid = meta ? MIN (meta->n_valid, meta->n_slots) : self->batch;

  input_size (self, meta, &w, &h);
  if (needs_input_size (self) && (w == 0 || h == 0))
    goto no_input_size;
  if (self->run.mode == GST_GPU_DECODE_MODE_DETECT
      && self->run.decoder == GST_GPU_DECODE_DECODER_SSD_ANCHORS
      && !ensure_anchors (self, w, h))
    goto bad_anchors;
  /* boxes come out in pixels of the w x h input */
  geometry.input_width = w;
  geometry.input_height = h;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;
  if (map.size < self->batch_bytes)
    goto too_small;

  for (slot = 0; slot < n_valid; slot++) {
    const GstGpuBatchSlot *desc = meta ? &meta->slots[slot] : NULL;

    if (desc && desc->status != GST_GPU_SLOT_STATUS_OK
        && desc->status != GST_GPU_SLOT_STATUS_CACHE_HIT)
      continue;
    if (desc) {
      geometry.x = desc->x;
      geometry.y = desc->y;
      geometry.scaled_width = desc->scaled_width;
      geometry.scaled_height = desc->scaled_height;
      geometry.frame_width = desc->width;
      geometry.frame_height = desc->height;
    }
    decode_slot (self, map.data, slot, desc, &geometry);
    n_decoded++;
    if (self->slot_results->len == 0)
      continue;
    if (results == NULL)
      results = gst_buffer_add_gpu_results_meta (buffer);
    add_slot_results (self, results, slot);
    n_results += self->slot_results->len;
  }
  gst_buffer_unmap (buffer, &map);

  now = gst_gpu_stats_now ();
  GST_OBJECT_LOCK (self);
  gst_gpu_latency_histogram_record (&self->latency, now - start);
  gst_gpu_throughput_meter_record (&self->throughput, now, n_valid);
  self->batches++;
  self->items_in += n_valid;
  self->items_decoded += n_decoded;
  self->results += n_results;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (self,
      "%" G_GUINT64_FORMAT " results from %" G_GUINT64_FORMAT " items",
      n_results, n_decoded);
  return GST_FLOW_OK;

  /* ERRORS */
not_negotiated:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not decode a batch that came before its caps"),
      ("upstream must send static other/tensors caps first"));
  return GST_FLOW_NOT_NEGOTIATED;
bad_meta:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("Could not decode a batch whose meta disagrees with its caps"),
      ("batch meta has %u slots, the caps' batch dimension is %u",
          meta->n_slots, self->batch));
  return GST_FLOW_ERROR;
no_input_size:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Could not tell the network input size that decoder %s needs: set "
       "the input-width and input-height properties",
          decoder_name (self)),
      ("input-width %u, input-height %u, and the batch %s",
          self->run.input_width, self->run.input_height,
          meta ? "meta has no slot size" : "has no batch meta"));
  return GST_FLOW_ERROR;
bad_anchors:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("Could not decode the model's output tensors with ssd-anchors "
       "(anchor-strides and anchors-per-cell properties)"),
      ("the outputs hold %u anchors, anchor-strides '%s' and "
       "anchors-per-cell '%s' on a %ux%u input make %" G_GUINT64_FORMAT,
          self->n_anchors, self->run.anchor_strides, self->run.anchors_per_cell,
          w, h, self->anchors_made));
  return GST_FLOW_ERROR;
map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, READ,
      ("Could not read the output tensors of a batch"),
      ("gst_buffer_map (READ) failed on %" GST_PTR_FORMAT, buffer));
  return GST_FLOW_ERROR;
too_small:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("Could not decode a batch shorter than its caps say"),
      ("buffer of %" G_GSIZE_FORMAT " bytes, the caps need %" G_GSIZE_FORMAT,
          map.size, self->batch_bytes));
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_ERROR;
}
