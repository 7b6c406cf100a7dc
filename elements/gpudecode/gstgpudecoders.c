/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpudecode's decoders, NMS and mapping: plain functions over float arrays
 * (see gstgpudecoders.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpudecode/gstgpudecoders.h"

#include <math.h>
#include <stdlib.h>

/* MediaPipe clips BlazeFace's logits to +-100 before the sigmoid; expf of
 * larger values would only overflow */
#define LOGIT_CLIP 100.0f

static gfloat
sigmoid (gfloat v)
{
  v = CLAMP (v, -LOGIT_CLIP, LOGIT_CLIP);
  return 1.0f / (1.0f + expf (-v));
}

/* A score that is not a number counts as the lowest. */
static gfloat
activate_one (gfloat v, GstGpuDecodeActivation activation)
{
  if (isnan (v))
    return -INFINITY;
  return activation == GST_GPU_DECODE_ACTIVATION_SIGMOID ? sigmoid (v) : v;
}

/* Appends @det unless a coordinate is not a finite number: a model's
 * NaN or infinity must not become a box. */
static void
append_finite (GArray *out, const GstGpuDetection *det)
{
  guint k;

  if (!isfinite (det->x1) || !isfinite (det->y1) || !isfinite (det->x2)
      || !isfinite (det->y2))
    return;
  for (k = 0; k < 2 * det->n_keypoints; k++)
    if (!isfinite (det->keypoints[k]))
      return;
  g_array_append_val (out, *det);
}

void
gst_gpu_decode_activate (
    gfloat *scores, guint n, GstGpuDecodeActivation activation)
{
  gfloat max = -INFINITY;
  gdouble sum = 0.0;
  guint i;

  if (activation != GST_GPU_DECODE_ACTIVATION_SOFTMAX) {
    for (i = 0; i < n; i++)
      scores[i] = activate_one (scores[i], activation);
    return;
  }
  for (i = 0; i < n; i++)
    if (scores[i] > max)
      max = scores[i];
  if (!isfinite (max)) {
    /* no finite maximum to subtract: every class is equally (un)likely */
    for (i = 0; i < n; i++)
      scores[i] = 1.0f / n;
    return;
  }
  for (i = 0; i < n; i++) {
    scores[i] = isnan (scores[i]) ? 0.0f : expf (scores[i] - max);
    sum += scores[i];
  }
  for (i = 0; i < n; i++)
    scores[i] = (gfloat)(scores[i] / sum);
}

guint
gst_gpu_decode_top_k (
    const gfloat *scores, guint n, guint k, gfloat threshold, guint *classes)
{
  guint n_out = 0, i, j;

  /* insertion into the k best so far: k is small, n at most a few
   * thousand, and no allocation is needed */
  for (i = 0; i < n; i++) {
    gfloat s = scores[i];

    if (isnan (s) || s < threshold)
      continue;
    if (n_out == k && (k == 0 || s <= scores[classes[k - 1]]))
      continue;
    j = n_out < k ? n_out++ : k - 1;
    while (j > 0 && scores[classes[j - 1]] < s) {
      classes[j] = classes[j - 1];
      j--;
    }
    classes[j] = i;
  }
  return n_out;
}

guint64
gst_gpu_decode_ssd_anchor_count (guint input_width, guint input_height,
    const guint *strides, const guint *anchors_per_cell, guint n_layers)
{
  guint64 n = 0;
  guint l;

  for (l = 0; l < n_layers; l++)
    n += (guint64)((input_width + strides[l] - 1) / strides[l])
         * ((input_height + strides[l] - 1) / strides[l]) * anchors_per_cell[l];
  return n;
}

void
gst_gpu_decode_ssd_anchors (guint input_width, guint input_height,
    const guint *strides, const guint *anchors_per_cell, guint n_layers,
    gfloat offset, GArray *anchors)
{
  guint l, x, y, a;

  g_array_set_size (anchors, 0);
  for (l = 0; l < n_layers; l++) {
    guint cols = (input_width + strides[l] - 1) / strides[l];
    guint rows = (input_height + strides[l] - 1) / strides[l];

    for (y = 0; y < rows; y++) {
      for (x = 0; x < cols; x++) {
        GstGpuAnchor anchor = {
          .cx = (x + offset) / cols,
          .cy = (y + offset) / rows,
          .w = 1.0f,
          .h = 1.0f,
        };

        for (a = 0; a < anchors_per_cell[l]; a++)
          g_array_append_val (anchors, anchor);
      }
    }
  }
}

static guint
count_anchors (const GstGpuDecodePart *parts, guint n_parts)
{
  guint n = 0, i;

  for (i = 0; i < n_parts; i++)
    n += parts[i].n_anchors;
  return n;
}

/* Finds anchor @i in @parts; @part and @first keep the walk's position, so
 * a pass over all anchors in order costs nothing. */
static const gfloat *
part_row (const GstGpuDecodePart *parts, guint i, guint row, guint *part,
    guint *first)
{
  while (i - *first >= parts[*part].n_anchors) {
    *first += parts[*part].n_anchors;
    (*part)++;
  }
  return parts[*part].data + (gsize)(i - *first) * row;
}

gboolean
gst_gpu_decode_ssd (const GstGpuDecodePart *scores, guint n_score_parts,
    const GstGpuDecodePart *regressors, guint n_regressor_parts, guint row,
    const GArray *anchors, guint input_width, guint input_height,
    GstGpuDecodeActivation activation, gfloat threshold, GArray *out)
{
  guint n = anchors->len, n_kp, i, k;
  guint s_part = 0, s_first = 0, r_part = 0, r_first = 0;

  if (row < 4 || count_anchors (scores, n_score_parts) != n
      || count_anchors (regressors, n_regressor_parts) != n)
    return FALSE;
  n_kp = MIN ((row - 4) / 2, GST_GPU_DECODE_MAX_KEYPOINTS);

  for (i = 0; i < n; i++) {
    const GstGpuAnchor *a = &g_array_index (anchors, GstGpuAnchor, i);
    gfloat score = activate_one (
        *part_row (scores, i, 1, &s_part, &s_first), activation);
    const gfloat *r;
    GstGpuDetection det;
    gfloat cx, cy, w, h;

    if (!(score >= threshold))
      continue;
    r = part_row (regressors, i, row, &r_part, &r_first);
    /* MediaPipe's box coder: offsets in input pixels scaled by the anchor,
     * result normalised, here turned into input pixels */
    cx = (r[0] / input_width * a->w + a->cx) * input_width;
    cy = (r[1] / input_height * a->h + a->cy) * input_height;
    w = r[2] / input_width * a->w * input_width;
    h = r[3] / input_height * a->h * input_height;
    det.x1 = cx - w / 2;
    det.y1 = cy - h / 2;
    det.x2 = cx + w / 2;
    det.y2 = cy + h / 2;
    det.score = score;
    det.class_id = 0;
    det.n_keypoints = n_kp;
    for (k = 0; k < n_kp; k++) {
      det.keypoints[2 * k]
          = (r[4 + 2 * k] / input_width * a->w + a->cx) * input_width;
      det.keypoints[2 * k + 1]
          = (r[5 + 2 * k] / input_height * a->h + a->cy) * input_height;
    }
    append_finite (out, &det);
  }
  return TRUE;
}

/* Appends a box given by centre and size with no keypoints. */
static void
append_center_box (GArray *out, const gfloat *cxcywh, gfloat score, gint cls)
{
  GstGpuDetection det = {
    .x1 = cxcywh[0] - cxcywh[2] / 2,
    .y1 = cxcywh[1] - cxcywh[3] / 2,
    .x2 = cxcywh[0] + cxcywh[2] / 2,
    .y2 = cxcywh[1] + cxcywh[3] / 2,
    .score = score,
    .class_id = cls,
  };

  append_finite (out, &det);
}

/* Best of @n class scores @stride apart; softmax normalises over them
 * first. Returns the class, its activated score in @best. */
static guint
best_class (const gfloat *v, guint n, gsize stride,
    GstGpuDecodeActivation activation, gfloat *best)
{
  gfloat max = -INFINITY;
  gdouble sum = 0.0;
  guint c, arg = 0;

  for (c = 0; c < n; c++) {
    gfloat s = isnan (v[c * stride]) ? -INFINITY : v[c * stride];

    if (s > max) {
      max = s;
      arg = c;
    }
  }
  if (activation != GST_GPU_DECODE_ACTIVATION_SOFTMAX) {
    *best = activate_one (max, activation);
    return arg;
  }
  if (!isfinite (max)) {
    *best = 1.0f / n;
    return arg;
  }
  for (c = 0; c < n; c++)
    if (!isnan (v[c * stride]))
      sum += expf (v[c * stride] - max);
  *best = (gfloat)(1.0 / sum);
  return arg;
}

void
gst_gpu_decode_yolov5 (const gfloat *data, guint n_boxes, guint n_classes,
    GstGpuDecodeActivation activation, gfloat threshold, GArray *out)
{
  gsize row = 5 + (gsize)n_classes;
  guint b, cls;

  for (b = 0; b < n_boxes; b++) {
    const gfloat *r = data + b * row;
    GstGpuDecodeActivation obj_act
        = activation == GST_GPU_DECODE_ACTIVATION_NONE
              ? GST_GPU_DECODE_ACTIVATION_NONE
              : GST_GPU_DECODE_ACTIVATION_SIGMOID;
    gfloat obj = activate_one (r[4], obj_act), score;

    if (!(obj >= threshold))
      continue;
    cls = best_class (r + 5, n_classes, 1, activation, &score);
    score *= obj;
    if (score >= threshold)
      append_center_box (out, r, score, cls);
  }
}

void
gst_gpu_decode_yolov8 (const gfloat *data, guint n_boxes, guint n_classes,
    GstGpuDecodeActivation activation, gfloat threshold, GArray *out)
{
  guint b, cls;

  for (b = 0; b < n_boxes; b++) {
    gfloat box[4], score;

    cls = best_class (
        data + 4 * (gsize)n_boxes + b, n_classes, n_boxes, activation, &score);
    if (!(score >= threshold))
      continue;
    box[0] = data[b];
    box[1] = data[(gsize)n_boxes + b];
    box[2] = data[2 * (gsize)n_boxes + b];
    box[3] = data[3 * (gsize)n_boxes + b];
    append_center_box (out, box, score, cls);
  }
}

void
gst_gpu_decode_boxes (const gfloat *data, guint n_boxes, gfloat scale_x,
    gfloat scale_y, GstGpuDecodeActivation activation, gfloat threshold,
    GArray *out)
{
  guint b;

  for (b = 0; b < n_boxes; b++) {
    const gfloat *r = data + (gsize)b * 6;
    GstGpuDetection det = {
      .x1 = r[0] * scale_x,
      .y1 = r[1] * scale_y,
      .x2 = r[2] * scale_x,
      .y2 = r[3] * scale_y,
      .score = activate_one (r[4], activation),
    };

    if (!(det.score >= threshold))
      continue;
    /* the comparison is false for NaN */
    det.class_id = r[5] >= 0.0f && r[5] <= (gfloat)G_MAXINT ? (gint)r[5] : 0;
    append_finite (out, &det);
  }
}

gfloat
gst_gpu_decode_iou (const GstGpuDetection *a, const GstGpuDetection *b)
{
  gfloat area_a = (a->x2 - a->x1) * (a->y2 - a->y1);
  gfloat area_b = (b->x2 - b->x1) * (b->y2 - b->y1);
  gfloat iw = MIN (a->x2, b->x2) - MAX (a->x1, b->x1);
  gfloat ih = MIN (a->y2, b->y2) - MAX (a->y1, b->y1);
  gfloat inter;

  if (!(area_a > 0.0f && area_b > 0.0f && iw > 0.0f && ih > 0.0f))
    return 0.0f;
  inter = iw * ih;
  return inter / (area_a + area_b - inter);
}

/* Best score first; equal scores keep their order by box position so the
 * result does not depend on qsort's stability. */
static gint
compare_score (gconstpointer pa, gconstpointer pb)
{
  const GstGpuDetection *a = pa, *b = pb;

  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  if (a->y1 != b->y1)
    return a->y1 < b->y1 ? -1 : 1;
  if (a->x1 != b->x1)
    return a->x1 < b->x1 ? -1 : 1;
  return 0;
}

/* Running score-weighted sums of the boxes and keypoints a kept
 * detection absorbs (weighted NMS). */
typedef struct
{
  gdouble w;
  gdouble box[4];
  gdouble kp[2 * GST_GPU_DECODE_MAX_KEYPOINTS];
} Blend;

static void
blend_add (Blend *b, const GstGpuDetection *d, guint n_keypoints)
{
  gdouble s = d->score;
  guint k;

  b->w += s;
  b->box[0] += d->x1 * s;
  b->box[1] += d->y1 * s;
  b->box[2] += d->x2 * s;
  b->box[3] += d->y2 * s;
  for (k = 0; k < 2 * MIN (n_keypoints, d->n_keypoints); k++)
    b->kp[k] += d->keypoints[k] * s;
}

void
gst_gpu_decode_nms (GArray *dets, gfloat iou_threshold, gboolean class_agnostic,
    gboolean weighted, guint max_detections)
{
  GstGpuDetection *d = (GstGpuDetection *)dets->data;
  guint n = dets->len, i, j, m, k;

  if (n == 0)
    return;
  qsort (d, n, sizeof (GstGpuDetection), compare_score);
  /* d[0..i-1] are kept; d[i..n-1] the candidates left, still sorted: each
   * round keeps the best and compacts the ones it does not suppress
   * behind it, so nothing is allocated */
  for (i = 0; i < n && (max_detections == 0 || i < max_detections); i++) {
    Blend b = { 0 };

    blend_add (&b, &d[i], d[i].n_keypoints);
    for (j = m = i + 1; j < n; j++) {
      /* overlap with the candidate as decoded, not as blended so far */
      if ((class_agnostic || d[j].class_id == d[i].class_id)
          && gst_gpu_decode_iou (&d[i], &d[j]) > iou_threshold)
        blend_add (&b, &d[j], d[i].n_keypoints);
      else
        d[m++] = d[j];
    }
    n = m;
    if (!weighted || !(b.w > 0.0))
      continue;
    d[i].x1 = b.box[0] / b.w;
    d[i].y1 = b.box[1] / b.w;
    d[i].x2 = b.box[2] / b.w;
    d[i].y2 = b.box[3] / b.w;
    for (k = 0; k < 2 * d[i].n_keypoints; k++)
      d[i].keypoints[k] = b.kp[k] / b.w;
  }
  g_array_set_size (dets, i);
}

void
gst_gpu_decode_map_detection (
    GstGpuDetection *det, const GstGpuDecodeGeometry *g)
{
  guint sw = g->scaled_width ? g->scaled_width : g->input_width;
  guint sh = g->scaled_width ? g->scaled_height : g->input_height;
  gfloat ox = g->scaled_width ? g->x : 0, oy = g->scaled_width ? g->y : 0;
  gfloat fx, fy, fw = g->frame_width, fh = g->frame_height;
  guint k;

  if (sw == 0 || sh == 0 || g->frame_width == 0 || g->frame_height == 0)
    return;
  fx = fw / sw;
  fy = fh / sh;
  det->x1 = CLAMP ((det->x1 - ox) * fx, 0.0f, fw);
  det->y1 = CLAMP ((det->y1 - oy) * fy, 0.0f, fh);
  det->x2 = CLAMP ((det->x2 - ox) * fx, 0.0f, fw);
  det->y2 = CLAMP ((det->y2 - oy) * fy, 0.0f, fh);
  for (k = 0; k < det->n_keypoints; k++) {
    det->keypoints[2 * k] = (det->keypoints[2 * k] - ox) * fx;
    det->keypoints[2 * k + 1] = (det->keypoints[2 * k + 1] - oy) * fy;
  }
}

guint
gst_gpu_decode_parse_uint_list (const gchar *str, guint *values, guint max)
{
  gchar **parts;
  guint n = 0, i;

  if (str == NULL)
    return 0;
  parts = g_strsplit (str, ",", -1);
  for (i = 0; parts[i] != NULL; i++) {
    guint64 v;
    gchar *s = g_strstrip (parts[i]);

    if (n == max
        || !g_ascii_string_to_unsigned (s, 10, 1, G_MAXUINT16, &v, NULL))
      goto out_bad;
    values[n++] = (guint)v;
  }
  g_strfreev (parts);
  return n;

out_bad:
  g_strfreev (parts);
  return 0;
}
