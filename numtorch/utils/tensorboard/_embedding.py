"""The files of TensorBoard's embedding projector (``SummaryWriter.add_embedding``).

The projector does not read event files: it reads ``projector_config.pbtxt`` in the log
directory, a text ``ProjectorConfig`` listing each embedding, and per embedding a folder
``<step, 5 digits>/<tag, %-escaped>/`` holding

* ``tensors.tsv``: one row per point, its features separated by tabs;
* ``metadata.tsv`` (optional): one label per row, or a header row and tab-separated columns;
* ``sprite.png`` (optional): the points' thumbnails tiled row by row in a square grid of
  ``ceil(sqrt(N))`` columns, each thumbnail ``single_image_dim = [W, H]`` pixels.
"""

from __future__ import annotations

import io
import math
import os

import numpy as np
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo

from ._convert import make_grid, make_np

__all__ = ["encode_tag", "write_embedding", "embedding_info", "write_config"]


def encode_tag(tag: str) -> str:
    """``tag`` as one folder name: ``%``, ``/`` and ``\\`` escaped as ``%25``, ``%2f``, ``%5c``."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _write(path: str, data: str | bytes) -> None:
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_embedding(mat: np.ndarray, metadata, label_img, save_path: str,
                    metadata_header=None) -> None:
    """Write one embedding's ``metadata.tsv``, ``sprite.png`` and ``tensors.tsv``."""
    if metadata is not None:
        if mat.shape[0] != len(metadata):
            raise AssertionError("#labels should equal with #data points")
        if not metadata_header:
            rows = [str(x) for x in metadata]
        else:
            if len(metadata_header) != len(metadata[0]):
                raise AssertionError(
                    "len of header must be equal to the number of columns in metadata")
            rows = ["\t".join(str(e) for e in row) for row in [metadata_header] + metadata]
        _write(os.path.join(save_path, "metadata.tsv"), "\n".join(rows) + "\n")
    if label_img is not None:
        images = make_np(label_img)
        if mat.shape[0] != images.shape[0]:
            raise AssertionError("#images should equal with #data points")
        _write(os.path.join(save_path, "sprite.png"), _sprite(images))
    if mat.ndim != 2:
        raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
    _write(os.path.join(save_path, "tensors.tsv"),
           "".join("\t".join(str(v.item()) for v in row) + "\n" for row in mat))


def _sprite(images: np.ndarray) -> bytes:
    """``(N, C, H, W)`` thumbnails (values in [0, 1]) tiled into a square PNG."""
    from PIL import Image

    grid = make_grid(images, ncols=math.ceil(images.shape[0] ** 0.5)).transpose(1, 2, 0)
    side = grid.shape[1]
    square = np.zeros((side, side, 3))
    square[:grid.shape[0]] = grid
    with io.BytesIO() as buf:
        Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(buf, format="PNG")
        return buf.getvalue()


def embedding_info(metadata, label_img, subdir: str, global_step, tag: str) -> EmbeddingInfo:
    """The ``ProjectorConfig`` entry pointing at one embedding's files."""
    info = EmbeddingInfo()
    info.tensor_name = f"{tag}:{str(global_step).zfill(5)}"
    info.tensor_path = os.path.join(subdir, "tensors.tsv")
    if metadata is not None:
        info.metadata_path = os.path.join(subdir, "metadata.tsv")
    if label_img is not None:
        shape = make_np(label_img).shape
        info.sprite.image_path = os.path.join(subdir, "sprite.png")
        info.sprite.single_image_dim.extend([shape[3], shape[2]])
    return info


def write_config(logdir: str, config) -> None:
    """Write ``projector_config.pbtxt`` (the whole config, every embedding so far)."""
    from google.protobuf import text_format

    _write(os.path.join(logdir, "projector_config.pbtxt"), text_format.MessageToString(config))
