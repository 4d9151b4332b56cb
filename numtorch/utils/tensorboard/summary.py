"""Building TensorBoard's ``Summary`` records: one function per kind of data.

A TensorBoard event file is a sequence of ``Event`` protocol buffers; the ones that carry
data hold a ``Summary``, a list of ``Summary.Value`` each naming a ``tag`` and holding one
of: a ``simple_value`` (a scalar), a ``histo`` (``HistogramProto``), an ``image`` (a PNG),
``audio`` (a WAV), or a ``tensor`` (``TensorProto``) whose meaning is given by a plugin
named in its ``metadata`` (text, hyperparameters, PR curves, custom scalar layouts).
The functions here build those records, in the layout TensorBoard's plugins read and
``torch.utils.tensorboard`` writes; ``SummaryWriter`` (writer.py) stamps them with a step
and a time and hands them to the event file.

Example:
    >>> s = scalar("loss", 0.25)
    >>> s.value[0].tag, s.value[0].simple_value
    ('loss', 0.25)
    >>> text("notes", "hello").value[0].tag
    'notes/text_summary'

NOTE [ TensorBoard's default histogram buckets ]
``add_histogram`` (``bins="tensorflow"``) counts values into TensorFlow's fixed buckets:
edges at ``+-1e-12 * 1.1**k`` for every ``k`` with ``1e-12 * 1.1**k < 1e20``, and 0, built
by repeated multiplication (so the edges are the same to the bit wherever they are built).
Fixed edges let TensorBoard line up histograms from different steps.  Only the buckets
from the first non-empty one to the last are stored, as right edges (``bucket_limit``)
with their counts (``bucket``), after one empty bucket whose right edge is the left edge
of the data's first bucket, so the plotted support starts where the data starts.
"""

from __future__ import annotations

import functools
import io
import logging
import struct

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from ... import _dtype
from ..._tensor import Tensor, _wrap
from ._convert import convert_to_HWC, make_np

__all__ = [
    "scalar", "histogram", "histogram_raw", "make_histogram", "default_bins", "image",
    "make_image", "text", "hparams", "pr_curve", "pr_curve_raw", "compute_curve",
    "custom_scalars", "tensor_proto", "audio", "half_to_int", "int_to_half",
]

logger = logging.getLogger(__name__)


def _value(tag: str, **fields) -> Summary:
    return Summary(value=[Summary.Value(tag=tag, **fields)])


def _plugin_metadata(name: str, content: bytes = b"") -> SummaryMetadata:
    return SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=name,
                                                                  content=content))


def _shape(*dims: int) -> TensorShapeProto:
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in dims])


# -- scalars ------------------------------------------------------------------------------

def scalar(name: str, tensor, collections=None, new_style: bool = False,
           double_precision: bool = False) -> Summary:
    """One scalar: a ``simple_value`` (float32 on disk), or with ``new_style`` a tensor.

    Args:
        name: the tag (the series name in TensorBoard).
        tensor: a number, or a Tensor/array holding exactly one element.
        collections: ignored (kept for signature compatibility).
        new_style: store a ``DT_FLOAT`` tensor tagged for the ``scalars`` plugin.
        double_precision: with ``new_style``, store ``DT_DOUBLE`` instead.
    """
    array = make_np(tensor).squeeze()
    if array.ndim != 0:
        raise AssertionError("Tensor should contain one element (0 dimensions).             "
                             f"Was given size: {array.size} and {array.ndim} dimensions.")
    value = float(array)
    if not new_style:
        return _value(name, simple_value=value)
    proto = (TensorProto(double_val=[value], dtype="DT_DOUBLE") if double_precision
             else TensorProto(float_val=[value], dtype="DT_FLOAT"))
    return _value(name, tensor=proto, metadata=_plugin_metadata("scalars"))


# -- histograms ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _default_bins() -> tuple[float, ...]:
    positive = []
    v = 1e-12
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    return tuple([-b for b in reversed(positive)] + [0] + positive)


def default_bins() -> list[float]:
    """TensorFlow's histogram bucket edges (NOTE [ TensorBoard's default histogram buckets ])."""
    return list(_default_bins())


def histogram_raw(name: str, min, max, num, sum, sum_squares, bucket_limits,  # noqa: A002
                  bucket_counts) -> Summary:
    """A histogram from precomputed statistics: ``bucket_limits`` are right edges."""
    hist = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                          bucket_limit=bucket_limits, bucket=bucket_counts)
    return _value(name, histo=hist)


def histogram(name: str, values, bins, max_bins: int | None = None) -> Summary:
    """A histogram of ``values`` (any shape, as float64), counted into ``bins``.

    ``bins`` is anything ``numpy.histogram`` takes (edges, a count, ``"auto"``, ``"fd"``...).
    """
    return _value(name, histo=make_histogram(make_np(values).astype(float), bins, max_bins))


def make_histogram(values: np.ndarray, bins, max_bins: int | None = None) -> HistogramProto:
    """Count ``values`` into ``bins`` and keep the occupied range of buckets.

    With ``max_bins``, neighbouring buckets are merged in groups of
    ``len(buckets) // max_bins`` (the last group padded with empty buckets).  See
    NOTE [ TensorBoard's default histogram buckets ] for which buckets are stored.
    """
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        if len(counts) % group:
            counts = np.pad(counts, [(0, group - len(counts) % group)])
        counts = counts.reshape(-1, group).sum(axis=-1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    # start: the first occupied bucket; end: one past the last (no values counted at all
    # gives start = len(counts), end = 1, an empty selection, reported below).
    occupied = np.cumsum(counts > 0)
    start, end = np.searchsorted(occupied, [0, occupied[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start:end + 1]
    if counts.size == 0 or limits.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    return HistogramProto(min=values.min(), max=values.max(), num=len(values),
                          sum=values.sum(), sum_squares=values.dot(values),
                          bucket_limit=limits.tolist(), bucket=counts.tolist())


# -- images and audio ---------------------------------------------------------------------

def _to_uint8(array: np.ndarray) -> np.ndarray:
    # uint8 is taken as 0..255 already; every other dtype as 0..1.
    scale = 1 if array.dtype == np.uint8 else 255
    return (array.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def image(tag: str, tensor, rescale: float = 1, dataformats: str = "NCHW") -> Summary:
    """An image as a PNG, from any layout named by ``dataformats`` (see ``convert_to_HWC``).

    Values are read as 0..255 for ``uint8`` and 0..1 for every other dtype, then clipped.
    A 4-letter layout (with N) becomes one grid image of the batch, 8 to a row.
    """
    hwc = convert_to_HWC(make_np(tensor), dataformats)
    return _value(tag, image=make_image(_to_uint8(hwc), rescale=rescale))


def make_image(array: np.ndarray, rescale: float = 1) -> Summary.Image:
    """Encode an ``(H, W, C)`` ``uint8`` array as PNG (needs ``Pillow``).

    ``height``/``width`` record the array's size, also when ``rescale`` resizes the PNG.
    """
    from PIL import Image

    height, width, channels = array.shape
    picture = Image.fromarray(array)
    size = (int(width * rescale), int(height * rescale))
    if size != picture.size:
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    with io.BytesIO() as buf:
        picture.save(buf, format="PNG")
        png = buf.getvalue()
    return Summary.Image(height=height, width=width, colorspace=channels,
                         encoded_image_string=png)


def audio(tag: str, tensor, sample_rate: int = 44100) -> Summary:
    """A mono clip, values in [-1, 1] (clipped, with a warning), as 16-bit WAV."""
    import wave

    array = make_np(tensor).squeeze()
    if abs(array).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        array = array.clip(-1, 1)
    if array.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    pcm = (array * np.iinfo(np.int16).max).astype("<i2")
    with io.BytesIO() as buf:
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            w.writeframes(pcm.data)
        wav = buf.getvalue()
    return _value(tag, audio=Summary.Audio(sample_rate=sample_rate, num_channels=1,
                                           length_frames=pcm.shape[-1],
                                           encoded_audio_string=wav,
                                           content_type="audio/wav"))


# -- text ---------------------------------------------------------------------------------

def text(tag: str, text: str) -> Summary:
    """A string (Markdown in TensorBoard), as a 1-element string tensor of the text plugin.

    The tag gets ``/text_summary`` appended.
    """
    from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

    proto = TensorProto(dtype="DT_STRING", string_val=[text.encode(encoding="utf_8")],
                        tensor_shape=_shape(1))
    metadata = _plugin_metadata("text", TextPluginData(version=0).SerializeToString())
    return _value(tag + "/text_summary", metadata=metadata, tensor=proto)


# -- hyperparameters ----------------------------------------------------------------------

def hparams(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None):
    """The three records of the HParams plugin: ``(experiment, session_start, session_end)``.

    The experiment names every hyperparameter (with its type and, from
    ``hparam_domain_discrete``, its possible values) and every metric tag; the session
    start holds this run's hyperparameter values; the session end marks it successful.
    Numbers (``bool`` included, as 0/1) and one-element Tensors become ``DATA_TYPE_FLOAT64``,
    strings ``DATA_TYPE_STRING``; ``None`` values are skipped.

    Example:
        >>> exp, start, end = hparams({"lr": 0.1, "opt": "sgd"}, {"hparam/acc": 0.9})
        >>> exp.value[0].tag, start.value[0].tag, end.value[0].tag
        ('_hparams_/experiment', '_hparams_/session_start_info', '_hparams_/session_end_info')
    """
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams.api_pb2 import (
        DataType,
        Experiment,
        HParamInfo,
        MetricInfo,
        MetricName,
        Status,
    )
    from tensorboard.plugins.hparams.metadata import (
        EXPERIMENT_TAG,
        PLUGIN_DATA_VERSION,
        PLUGIN_NAME,
        SESSION_END_INFO_TAG,
        SESSION_START_INFO_TAG,
    )
    from tensorboard.plugins.hparams.plugin_data_pb2 import (
        HParamsPluginData,
        SessionEndInfo,
        SessionStartInfo,
    )

    for arg, label in ((hparam_dict, "hparam_dict"), (metric_dict, "metric_dict")):
        if not isinstance(arg, dict):
            message = f"parameter: {label} should be a dictionary, nothing logged."
            logger.warning(message)
            raise TypeError(message)
    discrete = hparam_domain_discrete or {}
    if not isinstance(discrete, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, "
                        "nothing logged.")
    for k, v in discrete.items():
        if (k not in hparam_dict or not isinstance(v, list)
                or not all(isinstance(d, type(hparam_dict[k])) for d in v)):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same "
                            f"type as hparam_dict[{k}].")

    def domain(k, field):
        if k not in discrete:
            return None
        return struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d})
                                            for d in discrete[k]])

    infos = []
    start = SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        # bool is an int, so True/False are recorded as the numbers 1/0.
        if isinstance(v, (int, float)):
            start.hparams[k].number_value = v
            infos.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_FLOAT64"),
                                    domain_discrete=domain(k, "number_value")))
        elif isinstance(v, str):
            start.hparams[k].string_value = v
            infos.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_STRING"),
                                    domain_discrete=domain(k, "string_value")))
        elif isinstance(v, Tensor):
            start.hparams[k].number_value = make_np(v)[0]
            infos.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_FLOAT64")))
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")

    def plugin_summary(tag: str, **content) -> Summary:
        data = HParamsPluginData(version=PLUGIN_DATA_VERSION, **content)
        return _value(tag, metadata=_plugin_metadata(PLUGIN_NAME, data.SerializeToString()))

    experiment = Experiment(hparam_infos=infos,
                            metric_infos=[MetricInfo(name=MetricName(tag=k))
                                          for k in metric_dict])
    end = SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))
    return (plugin_summary(EXPERIMENT_TAG, experiment=experiment),
            plugin_summary(SESSION_START_INFO_TAG, session_start_info=start),
            plugin_summary(SESSION_END_INFO_TAG, session_end_info=end))


# -- precision-recall curves --------------------------------------------------------------

def compute_curve(labels, predictions, num_thresholds=None, weights=None) -> np.ndarray:
    """The ``(6, num_thresholds)`` table TP, FP, TN, FN, precision, recall per threshold.

    Threshold ``i`` is ``i / (num_thresholds - 1)``: a prediction ``p`` counts as positive
    at every threshold up to ``floor(p * (num_thresholds - 1))``.
    """
    weights = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    positive = labels.astype(np.float64)
    span = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span,
                                 weights=positive * weights)
    fp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span,
                                 weights=(1.0 - positive) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def _pr_summary(tag: str, data: np.ndarray, num_thresholds: int) -> Summary:
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData

    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    proto = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(),
                        tensor_shape=_shape(data.shape[0], data.shape[1]))
    return _value(tag, metadata=_plugin_metadata("pr_curves", content), tensor=proto)


def pr_curve(tag: str, labels, predictions, num_thresholds: int = 127, weights=None) -> Summary:
    """A PR curve from binary ``labels`` and ``predictions`` in [0, 1] (at most 127 thresholds)."""
    num_thresholds = min(num_thresholds, 127)
    data = compute_curve(labels, predictions, num_thresholds=num_thresholds, weights=weights)
    return _pr_summary(tag, data, num_thresholds)


def pr_curve_raw(tag: str, tp, fp, tn, fn, precision, recall, num_thresholds: int = 127,
                 weights=None) -> Summary:
    """A PR curve from precomputed counts, precision and recall (each one per threshold)."""
    return _pr_summary(tag, np.stack((tp, fp, tn, fn, precision, recall)),
                       min(num_thresholds, 127))


# -- custom scalar layouts ----------------------------------------------------------------

def custom_scalars(layout: dict) -> Summary:
    """The custom-scalars plugin's layout: ``{category: {chart: [kind, tags]}}``.

    ``kind`` ``"Margin"`` draws ``tags = [value, lower, upper]`` as a band; anything else
    (``"Multiline"``) draws every tag (regular expressions allowed) on one chart.
    """
    from tensorboard.plugins.custom_scalar import layout_pb2

    categories = []
    for title, charts in layout.items():
        protos = []
        for chart_name, chart in charts.items():
            kind, tags = chart[0], chart[1]
            if kind == "Margin":
                if len(tags) != 3:
                    raise AssertionError("len(tags) != 3")
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1],
                                                              upper=tags[2])
                protos.append(layout_pb2.Chart(
                    title=chart_name, margin=layout_pb2.MarginChartContent(series=[series])))
            else:
                protos.append(layout_pb2.Chart(
                    title=chart_name, multiline=layout_pb2.MultilineChartContent(tag=tags)))
        categories.append(layout_pb2.Category(title=title, chart=protos))
    proto = TensorProto(dtype="DT_STRING",
                        string_val=[layout_pb2.Layout(category=categories).SerializeToString()],
                        tensor_shape=TensorShapeProto())
    return _value("custom_scalars__config__", tensor=proto,
                  metadata=_plugin_metadata("custom_scalars"))


# -- whole tensors ------------------------------------------------------------------------

def half_to_int(f: float) -> int:
    """The bits of ``f`` as a float32, read as a signed int32 (stored in ``half_val``)."""
    return struct.unpack("i", struct.pack("f", f))[0]


def int_to_half(i: int) -> float:
    """The inverse of ``half_to_int``."""
    return struct.unpack("f", struct.pack("i", i))[0]


# dtype -> (TensorProto dtype, field holding the values, how to list them)
_TENSOR_FIELDS = {
    _dtype.float16: ("DT_HALF", "half_val", lambda a: [half_to_int(x) for x in a.tolist()]),
    _dtype.float32: ("DT_FLOAT", "float_val", np.ndarray.tolist),
    _dtype.float64: ("DT_DOUBLE", "double_val", np.ndarray.tolist),
    _dtype.int8: ("DT_INT8", "int_val", np.ndarray.tolist),
    _dtype.uint8: ("DT_UINT8", "uint32_val", np.ndarray.tolist),
    _dtype.int16: ("DT_INT16", "int_val", np.ndarray.tolist),
    _dtype.int32: ("DT_INT32", "int_val", np.ndarray.tolist),
    _dtype.int64: ("DT_INT64", "int64_val", np.ndarray.tolist),
    _dtype.bool: ("DT_BOOL", "bool_val", np.ndarray.tolist),
}


def tensor_proto(tag: str, tensor) -> Summary:
    """A whole tensor (shape, dtype and values) for the ``tensor`` plugin.

    Example:
        >>> import numtorch as torch
        >>> s = tensor_proto("w", torch.tensor([1.0, 2.0]))
        >>> s.value[0].tensor.dtype, list(s.value[0].tensor.float_val)
        (1, [1.0, 2.0])
    """
    if not isinstance(tensor, Tensor):  # a NumPy array or a number
        tensor = _wrap(np.asarray(tensor))
    if tensor.numel() * tensor.itemsize >= (1 << 31):
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    if tensor.dtype not in _TENSOR_FIELDS:
        raise ValueError(f"{tag} has unsupported tensor dtype {tensor.dtype}")
    kind, field, to_list = _TENSOR_FIELDS[tensor.dtype]
    proto = TensorProto(dtype=kind, tensor_shape=_shape(*tensor.shape),
                        **{field: to_list(make_np(tensor).reshape(-1))})
    return _value(tag, metadata=_plugin_metadata("tensor"), tensor=proto)
