/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * other/tensors caps, NNStreamer-compatible: parsing, validation and
 * serialisation of static tensor descriptions.
 *
 * Accepted syntax (what NNStreamer writes):
 *   dimensions: one entry per tensor separated by ',', each entry extents
 *               separated by ':', innermost first ("3:224:224:8,10:1");
 *               blanks around an entry are ignored, anything else that is
 *               not a decimal digit is rejected.
 *   types:      one name per tensor separated by ',' ("float32,uint8").
 *   num_tensors: 1..GST_GPU_TENSORS_LIMIT; when absent it is the number of
 *               dimension entries.
 *   format:     "static" (default when absent).
 *   framerate:  optional fraction, 0/1 when absent.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gst/gstgputensorinfo.h"

#include <string.h>

G_DEFINE_QUARK (gst - gpu - tensor - error - quark, gst_gpu_tensor_error);

/* Indexed by GstGpuDType. */
static const struct
{
  const gchar *name;
  gsize size;
} dtype_table[] = {
  [GST_GPU_DTYPE_INVALID] = { NULL, 0 },
  [GST_GPU_DTYPE_INT8] = { "int8", 1 },
  [GST_GPU_DTYPE_UINT8] = { "uint8", 1 },
  [GST_GPU_DTYPE_INT16] = { "int16", 2 },
  [GST_GPU_DTYPE_UINT16] = { "uint16", 2 },
  [GST_GPU_DTYPE_INT32] = { "int32", 4 },
  [GST_GPU_DTYPE_UINT32] = { "uint32", 4 },
  [GST_GPU_DTYPE_INT64] = { "int64", 8 },
  [GST_GPU_DTYPE_UINT64] = { "uint64", 8 },
  [GST_GPU_DTYPE_FLOAT16] = { "float16", 2 },
  [GST_GPU_DTYPE_FLOAT32] = { "float32", 4 },
  [GST_GPU_DTYPE_FLOAT64] = { "float64", 8 },
};

static gboolean
dtype_is_valid (GstGpuDType dtype)
{
  return dtype > GST_GPU_DTYPE_INVALID && dtype < G_N_ELEMENTS (dtype_table);
}

/**
 * gst_gpu_dtype_to_string:
 * @dtype: an element type
 *
 * Returns: (transfer none) (nullable): the NNStreamer name of @dtype, or NULL
 *   for GST_GPU_DTYPE_INVALID and out-of-range values.
 */
const gchar *
gst_gpu_dtype_to_string (GstGpuDType dtype)
{
  return dtype_is_valid (dtype) ? dtype_table[dtype].name : NULL;
}

/**
 * gst_gpu_dtype_from_string:
 * @name: (nullable): an NNStreamer type name such as "float32"
 *
 * Case-insensitive; surrounding blanks are not accepted here (the caps
 * parser strips them).
 *
 * Returns: the type, or GST_GPU_DTYPE_INVALID for an unknown name.
 */
GstGpuDType
gst_gpu_dtype_from_string (const gchar *name)
{
  GstGpuDType ret = GST_GPU_DTYPE_INVALID;
  guint i;

  for (i = GST_GPU_DTYPE_INVALID + 1;
       name != NULL && i < G_N_ELEMENTS (dtype_table); i++) {
    if (g_ascii_strcasecmp (name, dtype_table[i].name) == 0) {
      ret = (GstGpuDType)i;
      break;
    }
  }
  return ret;
}

/**
 * gst_gpu_dtype_size:
 * @dtype: an element type
 *
 * Returns: the size of one element in bytes, 0 for an invalid type.
 */
gsize
gst_gpu_dtype_size (GstGpuDType dtype)
{
  return dtype_is_valid (dtype) ? dtype_table[dtype].size : 0;
}

/**
 * gst_gpu_tensor_info_get_n_elements:
 * @info: a tensor description
 *
 * Returns: the product of the extents, or 0 when the rank is out of range,
 *   an extent is 0, or the product overflows 64 bits.
 */
guint64
gst_gpu_tensor_info_get_n_elements (const GstGpuTensorInfo *info)
{
  guint64 n;
  guint i;

  g_return_val_if_fail (info != NULL, 0);

  if (info->rank == 0 || info->rank > GST_GPU_TENSOR_RANK_LIMIT)
    return 0;

  n = 1;
  for (i = 0; i < info->rank; i++) {
    if (info->dims[i] == 0 || n > G_MAXUINT64 / info->dims[i])
      return 0;
    n *= info->dims[i];
  }
  return n;
}

/**
 * gst_gpu_tensor_info_get_size:
 * @info: a tensor description
 *
 * Returns: the size in bytes, or 0 when the description is invalid or the
 *   size does not fit in a gsize.
 */
gsize
gst_gpu_tensor_info_get_size (const GstGpuTensorInfo *info)
{
  guint64 n;
  gsize esize;

  g_return_val_if_fail (info != NULL, 0);

  n = gst_gpu_tensor_info_get_n_elements (info);
  esize = gst_gpu_dtype_size (info->dtype);
  if (n == 0 || esize == 0 || n > G_MAXSIZE / esize)
    n = 0;
  return (gsize)n * esize;
}

/**
 * gst_gpu_tensor_info_is_equal:
 * @a: a tensor description
 * @b: another one
 *
 * Trailing extents of 1 are significant: 3:4 and 3:4:1 differ.
 *
 * Returns: whether type, rank and extents are the same.
 */
gboolean
gst_gpu_tensor_info_is_equal (
    const GstGpuTensorInfo *a, const GstGpuTensorInfo *b)
{
  guint i;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->dtype != b->dtype || a->rank != b->rank)
    return FALSE;
  if (a->rank > GST_GPU_TENSOR_RANK_LIMIT)
    return FALSE;
  for (i = 0; i < a->rank; i++) {
    if (a->dims[i] != b->dims[i])
      return FALSE;
  }
  return TRUE;
}

/* Parses one extent: [start, end) must be decimal digits only, value > 0. */
static gboolean
parse_extent (const gchar *start, const gchar *end, guint position,
    const gchar *whole, guint64 *out, GError **error)
{
  guint64 v = 0;
  const gchar *p;

  if (start == end) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
        "dimensions \"%s\": extent %u is empty", whole, position + 1);
    return FALSE;
  }

  for (p = start; p < end; p++) {
    guint d;

    if (!g_ascii_isdigit (*p)) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
          "dimensions \"%s\": extent %u \"%.*s\" is not a non-negative "
          "decimal integer",
          whole, position + 1, (int)(end - start), start);
      return FALSE;
    }
    d = *p - '0';
    if (v > (G_MAXUINT64 - d) / 10) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
          "dimensions \"%s\": extent %u \"%.*s\" overflows 64 bits", whole,
          position + 1, (int)(end - start), start);
      return FALSE;
    }
    v = v * 10 + d;
  }

  if (v == 0) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
        "dimensions \"%s\": extent %u is zero", whole, position + 1);
    return FALSE;
  }

  *out = v;
  return TRUE;
}

/* Parses the extents in [start, end) into @info (rank and dims only). */
static gboolean
parse_dimensions_range (GstGpuTensorInfo *info, const gchar *start,
    const gchar *end, const gchar *whole, GError **error)
{
  GstGpuTensorInfo tmp;
  const gchar *p = start;
  guint rank = 0;

  memset (&tmp, 0, sizeof (tmp));

  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;

  if (p == end) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
        "dimensions \"%s\": empty tensor entry", whole);
    return FALSE;
  }

  for (;;) {
    const gchar *sep = memchr (p, ':', end - p);
    const gchar *extent_end = sep ? sep : end;

    if (rank == GST_GPU_TENSOR_RANK_LIMIT) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
          "dimensions \"%s\": rank exceeds the limit of %d", whole,
          GST_GPU_TENSOR_RANK_LIMIT);
      return FALSE;
    }
    if (!parse_extent (p, extent_end, rank, whole, &tmp.dims[rank], error))
      return FALSE;
    rank++;
    if (sep == NULL)
      break;
    p = sep + 1;
  }

  tmp.rank = rank;
  if (gst_gpu_tensor_info_get_n_elements (&tmp) == 0) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
        "dimensions \"%s\": the number of elements overflows 64 bits", whole);
    return FALSE;
  }

  info->rank = tmp.rank;
  memcpy (info->dims, tmp.dims, sizeof (info->dims));
  return TRUE;
}

/**
 * gst_gpu_tensor_info_parse_dimensions:
 * @info: the description to fill (rank and dims; dtype is left alone)
 * @str: one tensor's extents, innermost first: "3:224:224:8"
 * @error: return location for a GST_GPU_TENSOR_ERROR_DIMENSIONS error
 *
 * Rejects empty extents, anything but decimal digits, zero extents, a rank
 * above GST_GPU_TENSOR_RANK_LIMIT and element counts overflowing 64 bits.
 * @info is untouched on failure.
 *
 * Returns: TRUE on success.
 */
gboolean
gst_gpu_tensor_info_parse_dimensions (
    GstGpuTensorInfo *info, const gchar *str, GError **error)
{
  g_return_val_if_fail (info != NULL, FALSE);

  if (str == NULL) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
        "dimensions are missing");
    return FALSE;
  }
  return parse_dimensions_range (info, str, str + strlen (str), str, error);
}

static void
append_dimensions (GString *s, const GstGpuTensorInfo *info)
{
  guint i;

  for (i = 0; i < info->rank && i < GST_GPU_TENSOR_RANK_LIMIT; i++) {
    if (i > 0)
      g_string_append_c (s, ':');
    g_string_append_printf (s, "%" G_GUINT64_FORMAT, info->dims[i]);
  }
}

/**
 * gst_gpu_tensor_info_dimensions_to_string:
 * @info: a tensor description
 *
 * Returns: (transfer full): the extents innermost first, "3:224:224:8".
 */
gchar *
gst_gpu_tensor_info_dimensions_to_string (const GstGpuTensorInfo *info)
{
  GString *s;

  g_return_val_if_fail (info != NULL, NULL);

  s = g_string_new (NULL);
  append_dimensions (s, info);
  return g_string_free (s, FALSE);
}

/**
 * gst_gpu_tensors_config_init:
 * @config: the configuration to clear
 *
 * Zero tensors, framerate 0/1.
 */
void
gst_gpu_tensors_config_init (GstGpuTensorsConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof (*config));
  config->fps_n = 0;
  config->fps_d = 1;
}

static gboolean
fps_is_equal (gint an, gint ad, gint bn, gint bd)
{
  /* 30/1 equals 60/2; invalid denominators compare as given */
  if (ad <= 0 || bd <= 0)
    return an == bn && ad == bd;
  else
    return (gint64)an * bd == (gint64)bn * ad;
}

/**
 * gst_gpu_tensors_config_is_equal:
 * @a: a configuration
 * @b: another one
 *
 * Returns: whether both describe the same tensors at the same framerate.
 */
gboolean
gst_gpu_tensors_config_is_equal (
    const GstGpuTensorsConfig *a, const GstGpuTensorsConfig *b)
{
  guint i;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->num_tensors != b->num_tensors)
    return FALSE;
  if (a->num_tensors > GST_GPU_TENSORS_LIMIT)
    return FALSE;
  for (i = 0; i < a->num_tensors; i++) {
    if (!gst_gpu_tensor_info_is_equal (&a->info[i], &b->info[i]))
      return FALSE;
  }
  return fps_is_equal (a->fps_n, a->fps_d, b->fps_n, b->fps_d);
}

/**
 * gst_gpu_tensors_config_get_size:
 * @config: a configuration
 *
 * Returns: the sum of the tensors' sizes in bytes, or 0 when a tensor is
 *   invalid, there are no tensors, or the sum overflows a gsize.
 */
gsize
gst_gpu_tensors_config_get_size (const GstGpuTensorsConfig *config)
{
  gsize total = 0;
  guint i;

  g_return_val_if_fail (config != NULL, 0);

  if (config->num_tensors == 0 || config->num_tensors > GST_GPU_TENSORS_LIMIT)
    return 0;

  for (i = 0; i < config->num_tensors; i++) {
    gsize size = gst_gpu_tensor_info_get_size (&config->info[i]);

    if (size == 0 || size > G_MAXSIZE - total)
      return 0;
    total += size;
  }
  return total;
}

/* Splits @value, the value of caps field @field, at ',' into at most
 * GST_GPU_TENSORS_LIMIT ranges, and checks there are @expected of them
 * unless @expected is 0.  Returns the number of entries, or 0 with @error
 * set. */
static guint
split_entries (const gchar *field, const gchar *value, guint expected,
    const gchar **starts, const gchar **ends, GError **error)
{
  const gchar *p = value;
  guint n = 0;

  for (;;) {
    const gchar *sep = strchr (p, ',');

    if (n == GST_GPU_TENSORS_LIMIT)
      goto too_many;
    starts[n] = p;
    ends[n] = sep ? sep : p + strlen (p);
    n++;
    if (sep == NULL)
      break;
    p = sep + 1;
  }
  if (expected != 0 && n != expected)
    goto wrong_count;
  return n;

  /* ERRORS */
too_many:
  g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_COUNT,
      "%s \"%s\": more than %d entries", field, value, GST_GPU_TENSORS_LIMIT);
  return 0;
wrong_count:
  g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_COUNT,
      "%s \"%s\" has %u entries but num_tensors is %u", field, value, n,
      expected);
  return 0;
}

static gboolean
parse_types (GstGpuTensorsConfig *config, const gchar *types, GError **error)
{
  const gchar *starts[GST_GPU_TENSORS_LIMIT];
  const gchar *ends[GST_GPU_TENSORS_LIMIT];
  guint n, i;

  n = split_entries ("types", types, config->num_tensors, starts, ends, error);
  if (n == 0)
    return FALSE;

  for (i = 0; i < n; i++) {
    const gchar *s = starts[i], *e = ends[i];
    gchar name[16];

    while (s < e && g_ascii_isspace (*s))
      s++;
    while (e > s && g_ascii_isspace (e[-1]))
      e--;

    config->info[i].dtype = GST_GPU_DTYPE_INVALID;
    if (e > s && (gsize)(e - s) < sizeof (name)) {
      memcpy (name, s, e - s);
      name[e - s] = '\0';
      config->info[i].dtype = gst_gpu_dtype_from_string (name);
    }
    if (config->info[i].dtype == GST_GPU_DTYPE_INVALID) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_TYPE,
          "types \"%s\": entry %u \"%.*s\" is not a known tensor type "
          "(int8, uint8, int16, uint16, int32, uint32, int64, uint64, "
          "float16, float32, float64)",
          types, i + 1, (int)(e - s), s);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
parse_all_dimensions (GstGpuTensorsConfig *config, const gchar *dims,
    gboolean have_num, GError **error)
{
  const gchar *starts[GST_GPU_TENSORS_LIMIT];
  const gchar *ends[GST_GPU_TENSORS_LIMIT];
  guint n, i;

  n = split_entries ("dimensions", dims, have_num ? config->num_tensors : 0,
      starts, ends, error);
  if (n == 0)
    return FALSE;
  config->num_tensors = n;

  for (i = 0; i < n; i++) {
    if (!parse_dimensions_range (
            &config->info[i], starts[i], ends[i], dims, error))
      return FALSE;
  }
  return TRUE;
}

/* Reads a string field; FALSE with an error when present but not a string
 * (a list or any other non-fixed value included). */
static gboolean
get_string_field (const GstStructure *s, const gchar *field, const gchar **out,
    GError **error)
{
  const GValue *v = gst_structure_get_value (s, field);

  *out = NULL;
  if (v == NULL)
    return TRUE;
  if (!G_VALUE_HOLDS_STRING (v) || g_value_get_string (v) == NULL) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_CAPS,
        "field %s must be a fixed string, got %s", field,
        G_VALUE_TYPE_NAME (v));
    return FALSE;
  }
  *out = g_value_get_string (v);
  return TRUE;
}

/**
 * gst_gpu_tensors_config_from_structure:
 * @config: the configuration to fill
 * @s: a fixed other/tensors structure
 * @error: return location for a GST_GPU_TENSOR_ERROR
 *
 * Validates every field: format must be static, num_tensors in
 * 1..GST_GPU_TENSORS_LIMIT and matching the number of dimension and type
 * entries, each dimension entry valid (see
 * gst_gpu_tensor_info_parse_dimensions()), every type known, each tensor's
 * byte size and their sum fitting in a gsize, framerate a non-negative
 * fraction. The error message names the offending field and value.
 * @config is undefined on failure.
 *
 * Returns: TRUE on success.
 */
gboolean
gst_gpu_tensors_config_from_structure (
    GstGpuTensorsConfig *config, const GstStructure *s, GError **error)
{
  const gchar *format, *dims, *types;
  const GValue *v;
  gboolean have_num = FALSE;
  guint i;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (s != NULL, FALSE);

  gst_gpu_tensors_config_init (config);

  if (!gst_structure_has_name (s, GST_GPU_TENSORS_MEDIA_TYPE)) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_CAPS,
        "media type is %s, expected " GST_GPU_TENSORS_MEDIA_TYPE,
        gst_structure_get_name (s));
    return FALSE;
  }

  if (!get_string_field (s, "format", &format, error))
    return FALSE;
  if (format != NULL && strcmp (format, "static") != 0) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_FORMAT,
        "format \"%s\" is not supported, only format=static", format);
    return FALSE;
  }

  v = gst_structure_get_value (s, "num_tensors");
  if (v != NULL) {
    gint num;

    if (!G_VALUE_HOLDS_INT (v)) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_CAPS,
          "field num_tensors must be a fixed integer, got %s",
          G_VALUE_TYPE_NAME (v));
      return FALSE;
    }
    num = g_value_get_int (v);
    if (num < 1 || num > GST_GPU_TENSORS_LIMIT) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_COUNT,
          "num_tensors %d is outside 1..%d", num, GST_GPU_TENSORS_LIMIT);
      return FALSE;
    }
    config->num_tensors = num;
    have_num = TRUE;
  }

  if (!get_string_field (s, "dimensions", &dims, error))
    return FALSE;
  if (dims == NULL) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
        "field dimensions is missing");
    return FALSE;
  }
  if (!parse_all_dimensions (config, dims, have_num, error))
    return FALSE;

  if (!get_string_field (s, "types", &types, error))
    return FALSE;
  if (types == NULL) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_TYPE,
        "field types is missing");
    return FALSE;
  }
  if (!parse_types (config, types, error))
    return FALSE;

  for (i = 0; i < config->num_tensors; i++) {
    if (gst_gpu_tensor_info_get_size (&config->info[i]) == 0) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
          "dimensions \"%s\": tensor %u of type %s is larger than the "
          "address space",
          dims, i + 1, gst_gpu_dtype_to_string (config->info[i].dtype));
      return FALSE;
    }
  }
  if (gst_gpu_tensors_config_get_size (config) == 0) {
    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS,
        "dimensions \"%s\": the total size of the tensors is larger than "
        "the address space",
        dims);
    return FALSE;
  }

  v = gst_structure_get_value (s, "framerate");
  if (v != NULL) {
    if (!GST_VALUE_HOLDS_FRACTION (v)) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_CAPS,
          "field framerate must be a fixed fraction, got %s",
          G_VALUE_TYPE_NAME (v));
      return FALSE;
    }
    config->fps_n = gst_value_get_fraction_numerator (v);
    config->fps_d = gst_value_get_fraction_denominator (v);
    if (config->fps_n < 0 || config->fps_d <= 0) {
      g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_CAPS,
          "framerate %d/%d is negative", config->fps_n, config->fps_d);
      return FALSE;
    }
  }

  return TRUE;
}

/**
 * gst_gpu_tensors_config_from_caps:
 * @config: the configuration to fill
 * @caps: fixed other/tensors caps (any caps features)
 * @error: return location for a GST_GPU_TENSOR_ERROR
 *
 * Returns: TRUE on success; see gst_gpu_tensors_config_from_structure().
 */
gboolean
gst_gpu_tensors_config_from_caps (
    GstGpuTensorsConfig *config, const GstCaps *caps, GError **error)
{

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (caps != NULL, FALSE);

  if (!gst_caps_is_fixed (caps)) {
    gchar *str = gst_caps_to_string (caps);

    g_set_error (error, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_CAPS,
        "caps are not fixed: %s", str);
    g_free (str);
    return FALSE;
  }
  return gst_gpu_tensors_config_from_structure (
      config, gst_caps_get_structure (caps, 0), error);
}

/**
 * gst_gpu_tensors_config_to_caps:
 * @config: a valid configuration (1..GST_GPU_TENSORS_LIMIT tensors)
 * @feature: (nullable): a caps feature such as
 *   GST_CAPS_FEATURE_MEMORY_GPU_TENSOR, or NULL for system memory
 *
 * The result parses back with gst_gpu_tensors_config_from_caps() to a
 * configuration equal to @config.
 *
 * Returns: (transfer full): fixed other/tensors caps.
 */
GstCaps *
gst_gpu_tensors_config_to_caps (
    const GstGpuTensorsConfig *config, const gchar *feature)
{
  GString *dims, *types;
  GstCaps *caps;
  guint i;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (
      config->num_tensors >= 1 && config->num_tensors <= GST_GPU_TENSORS_LIMIT,
      NULL);

  dims = g_string_new (NULL);
  types = g_string_new (NULL);
  for (i = 0; i < config->num_tensors; i++) {
    const gchar *name = gst_gpu_dtype_to_string (config->info[i].dtype);

    if (i > 0) {
      g_string_append_c (dims, ',');
      g_string_append_c (types, ',');
    }
    append_dimensions (dims, &config->info[i]);
    g_string_append (types, name ? name : "invalid");
  }

  caps = gst_caps_new_simple (GST_GPU_TENSORS_MEDIA_TYPE, "format",
      G_TYPE_STRING, "static", "num_tensors", G_TYPE_INT,
      (gint)config->num_tensors, "dimensions", G_TYPE_STRING, dims->str,
      "types", G_TYPE_STRING, types->str, "framerate", GST_TYPE_FRACTION,
      config->fps_d > 0 ? config->fps_n : 0,
      config->fps_d > 0 ? config->fps_d : 1, NULL);
  if (feature != NULL)
    gst_caps_set_features (caps, 0, gst_caps_features_new (feature, NULL));

  g_string_free (dims, TRUE);
  g_string_free (types, TRUE);
  return caps;
}

void
gst_gpu_caps_query_reply (GstQuery *query, GstCaps *caps)
{
  GstCaps *filter;

  gst_query_parse_caps (query, &filter);
  if (filter) {
    GstCaps *tmp
        = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (caps);
    caps = tmp;
  }
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
}
