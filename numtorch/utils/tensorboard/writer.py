"""``SummaryWriter``: log scalars, histograms, images, text and hyperparameters for TensorBoard.

A ``SummaryWriter`` owns a log directory and an event file in it
(``events.out.tfevents.<time>.<host>.<pid>.<n><suffix>``), written by the ``tensorboard``
package's ``EventFileWriter`` on a background thread: ``add_*`` calls queue records and
return at once; the queue is written out when it holds ``max_queue`` records, every
``flush_secs`` seconds, on ``flush()`` and on ``close()``.  ``tensorboard --logdir runs``
then shows every run under ``runs/``.

Example:
    >>> import os, tempfile
    >>> import numtorch as torch
    >>> from numtorch.utils.tensorboard import SummaryWriter
    >>> logdir = tempfile.mkdtemp()
    >>> with SummaryWriter(logdir) as writer:
    ...     for step in range(3):
    ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
    ...     writer.add_histogram("weights", torch.randn(100), 0)
    ...     writer.add_text("notes", "first run", 0)
    >>> [f.startswith("events.out.tfevents.") for f in os.listdir(logdir)]
    [True]

NOTE [ What lands where ]
Most records go to the writer's own event file.  Two methods write to sub-directories,
which TensorBoard shows as runs of their own: ``add_scalars("loss", {"train": a, "val": b})``
puts each series in ``<logdir>/loss_train``, ``<logdir>/loss_val`` (tag ``loss`` in each,
so they share one chart), and ``add_hparams`` writes its records and metrics to
``<logdir>/<run_name>`` (a time stamp by default).  ``close()`` closes every file; a later
``add_*`` call opens a new event file in the same directory.
"""

from __future__ import annotations

import os
import time

from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from ._convert import figure_to_image, make_np
from ._embedding import embedding_info, encode_tag, write_config, write_embedding
from .summary import (
    audio,
    custom_scalars,
    default_bins,
    histogram,
    histogram_raw,
    hparams,
    image,
    pr_curve,
    pr_curve_raw,
    scalar,
    tensor_proto,
    text,
)

__all__ = ["FileWriter", "SummaryWriter"]


class FileWriter:
    """One event file in ``log_dir``: adds ``Event`` and ``Summary`` records to it.

    Args:
        log_dir: the directory (created if missing).
        max_queue: records held before one ``add`` call writes them out.
        flush_secs: seconds between background flushes.
        filename_suffix: appended to the event file's name.
    """

    def __init__(self, log_dir, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs,
                                            filename_suffix)

    def get_logdir(self) -> str:
        """The directory the event file is in."""
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None) -> None:
        """Stamp ``event`` with ``walltime`` (default: now) and ``step`` (if given); queue it."""
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None) -> None:
        """Wrap a ``Summary`` in an ``Event`` and queue it."""
        self.add_event(Event(summary=summary), global_step, walltime)

    def flush(self) -> None:
        """Write every queued record to disk."""
        self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self.event_writer.close()

    def reopen(self) -> None:
        """After ``close``, start a new event file in the same directory."""
        self.event_writer.reopen()


class SummaryWriter:
    """Writes TensorBoard event files in ``log_dir`` (see NOTE [ What lands where ]).

    Args:
        log_dir: the run's directory; default ``runs/<Mon>DD_HH-MM-SS_<hostname><comment>``.
        comment: appended to the default ``log_dir``; ignored when ``log_dir`` is given.
        purge_step: resuming a crashed run at step ``T``: TensorBoard hides the events
            of the earlier file(s) in this ``log_dir`` with step ``>= T``.
        max_queue: records held before an ``add_*`` call writes them out (default 10).
        flush_secs: seconds between background flushes (default 120).
        filename_suffix: appended to every event file's name.

    Values (scalars, histograms, images...) may be numtorch Tensors, NumPy arrays or
    Python numbers; ``global_step`` is the x axis, ``walltime`` overrides the time stamp.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> from numtorch.utils.tensorboard import SummaryWriter
        >>> writer = SummaryWriter(tempfile.mkdtemp(), flush_secs=10)
        >>> writer.add_scalars("loss", {"train": 0.5, "val": 0.7}, 0)
        >>> writer.add_image("digit", np.random.rand(1, 8, 8), 0)   # CHW, values in [0, 1]
        >>> writer.add_hparams({"lr": 0.1, "batch": 32}, {"hparam/accuracy": 0.97})
        >>> writer.close()
    """

    def __init__(self, log_dir=None, comment: str = "", purge_step=None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str = "") -> None:
        if not log_dir:
            import socket
            from datetime import datetime

            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = default_bins()

    def _get_file_writer(self) -> FileWriter:
        """The writer of ``log_dir``'s event file, opened anew after ``close``."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                # A file-version event and a session START at the purge step: TensorBoard
                # drops earlier events with step >= purge_step when it reads these.
                step = self.purge_step
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(
                    Event(step=step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        """The directory the event files are written to."""
        return self.log_dir

    # -- scalars --------------------------------------------------------------------------

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Log one number under ``tag`` (a curve over ``global_step`` in TensorBoard).

        Args:
            tag: the series name; ``/`` groups series (``"loss/train"``).
            scalar_value: a number or a one-element Tensor/array.
            global_step: the step (x axis).
            walltime: seconds since the epoch (default: now).
            new_style: store it as a tensor for the scalars plugin (faster to load).
            double_precision: with ``new_style``, keep float64 instead of float32.

        Example:
            >>> import tempfile
            >>> w = SummaryWriter(tempfile.mkdtemp())
            >>> for i in range(3):
            ...     w.add_scalar("y=2x", i * 2, i)
            >>> w.close()
        """
        summary = scalar(tag, scalar_value, new_style=new_style,
                         double_precision=double_precision)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None) -> None:
        """Log several series on one chart: each key of ``tag_scalar_dict`` becomes a run.

        Each value goes to ``<logdir>/<main_tag with / as _>_<key>`` under the tag
        ``main_tag`` (NOTE [ What lands where ]), all with one time stamp.
        """
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            sub = logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(sub)
            if writer is None:
                writer = FileWriter(sub, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers[sub] = writer
            writer.add_summary(scalar(main_tag, value), global_step, walltime)

    def add_tensor(self, tag, tensor, global_step=None, walltime=None) -> None:
        """Log a whole tensor (shape, dtype, values) for TensorBoard's tensor plugin."""
        self._get_file_writer().add_summary(tensor_proto(tag, tensor), global_step, walltime)

    # -- distributions --------------------------------------------------------------------

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None) -> None:
        """Log the distribution of ``values`` (any shape), e.g. a layer's weights per epoch.

        Args:
            tag: the series name.
            values: a Tensor, array or number.
            global_step: the step.
            bins: ``"tensorflow"`` (TensorBoard's fixed log-spaced buckets, NOTE
                [ TensorBoard's default histogram buckets ] in summary.py), or anything
                ``numpy.histogram`` takes (``"auto"``, ``"fd"``, a count, the edges).
            walltime: seconds since the epoch (default: now).
            max_bins: merge neighbouring buckets to keep at most about this many.

        Example:
            >>> import tempfile
            >>> import numtorch as torch
            >>> w = SummaryWriter(tempfile.mkdtemp())
            >>> w.add_histogram("weights", torch.randn(1000) + 1.0, 0)
            >>> w.add_histogram("weights", torch.randn(1000), 1, bins="auto")
            >>> w.close()
        """
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(histogram(tag, values, bins, max_bins=max_bins),
                                            global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares,  # noqa: A002
                          bucket_limits, bucket_counts, global_step=None,
                          walltime=None) -> None:
        """Log a histogram already counted: ``bucket_limits`` are the buckets' right edges."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        summary = histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits,
                                bucket_counts)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    # -- images, figures, audio -----------------------------------------------------------

    def add_image(self, tag, img_tensor, global_step=None, walltime=None,
                  dataformats: str = "CHW") -> None:
        """Log one image (stored as PNG; needs Pillow).

        Args:
            tag: the image's name.
            img_tensor: values in [0, 1] (float) or [0, 255] (``uint8``), clipped.
            global_step: the step (a slider in TensorBoard).
            walltime: seconds since the epoch (default: now).
            dataformats: the layout, e.g. ``"CHW"`` (default, C = 1 or 3), ``"HWC"`` (C = 1,
                3 or 4), ``"HW"``; one channel is shown grey.

        Example:
            >>> import tempfile
            >>> import numpy as np
            >>> w = SummaryWriter(tempfile.mkdtemp())
            >>> ramp = np.tile(np.linspace(0, 1, 32), (16, 1))      # 16 x 32, grey ramp
            >>> w.add_image("ramp", ramp, 0, dataformats="HW")
            >>> w.close()
        """
        self._get_file_writer().add_summary(image(tag, img_tensor, dataformats=dataformats),
                                            global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None,
                   dataformats: str = "NCHW") -> None:
        """Log a batch of images as one grid, up to 8 to a row (``"NCHW"`` or ``"NHWC"``)."""
        self._get_file_writer().add_summary(image(tag, img_tensor, dataformats=dataformats),
                                            global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close: bool = True,
                   walltime=None) -> None:
        """Log a matplotlib figure (or a list of them, as a grid) as an image.

        ``close`` closes the figure(s) afterwards.  Needs matplotlib and Pillow.
        """
        fmt = "NCHW" if isinstance(figure, list) else "CHW"
        self.add_image(tag, figure_to_image(figure, close), global_step, walltime,
                       dataformats=fmt)

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate: int = 44100,
                  walltime=None) -> None:
        """Log a mono sound clip, values in [-1, 1], shape ``(1, L)`` or ``(L,)``."""
        self._get_file_writer().add_summary(audio(tag, snd_tensor, sample_rate=sample_rate),
                                            global_step, walltime)

    # -- text and hyperparameters ---------------------------------------------------------

    def add_text(self, tag, text_string, global_step=None, walltime=None) -> None:
        """Log a string (rendered as Markdown); TensorBoard lists it as ``<tag>/text_summary``.

        Example:
            >>> import tempfile
            >>> w = SummaryWriter(tempfile.mkdtemp())
            >>> w.add_text("config", "lr = **0.1**, batch 32", 0)
            >>> w.close()
        """
        self._get_file_writer().add_summary(text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None,
                    run_name=None, global_step=None) -> None:
        """Log a run's hyperparameters with its final metrics, for TensorBoard's HPARAMS tab.

        Args:
            hparam_dict: name -> value (int, float, bool, str, a one-element Tensor, or
                None to leave it out).
            metric_dict: metric tag -> value; each is also logged as a scalar.  Use tags
                not used by ``add_scalar`` elsewhere (e.g. ``"hparam/accuracy"``).
            hparam_domain_discrete: name -> list of all values it can take.
            run_name: the sub-directory the records go to (default: the current time).
            global_step: the step of the records.

        Example:
            >>> import tempfile
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     for i in range(3):
            ...         w.add_hparams({"lr": 0.1 * i, "bsize": i},
            ...                       {"hparam/accuracy": 10 * i, "hparam/loss": 10 * i})
        """
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        records = hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        if not run_name:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=logdir) as run:
            for summary in records:
                run.file_writer.add_summary(summary, global_step)
            for k, v in metric_dict.items():
                run.add_scalar(k, v, global_step)

    # -- precision-recall curves and custom layouts ---------------------------------------

    def add_pr_curve(self, tag, labels, predictions, global_step=None,
                     num_thresholds: int = 127, weights=None, walltime=None) -> None:
        """Log a precision-recall curve from 0/1 ``labels`` and ``predictions`` in [0, 1].

        Example:
            >>> import tempfile
            >>> import numpy as np
            >>> w = SummaryWriter(tempfile.mkdtemp())
            >>> w.add_pr_curve("pr", np.array([0, 1, 1, 0]), np.array([0.1, 0.8, 0.6, 0.3]), 0)
            >>> w.close()
        """
        summary = pr_curve(tag, make_np(labels), make_np(predictions), num_thresholds, weights)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts,
                         true_negative_counts, false_negative_counts, precision, recall,
                         global_step=None, num_thresholds: int = 127, weights=None,
                         walltime=None) -> None:
        """Log a precision-recall curve from per-threshold counts, precision and recall."""
        summary = pr_curve_raw(tag, true_positive_counts, false_positive_counts,
                               true_negative_counts, false_negative_counts, precision, recall,
                               num_thresholds, weights)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_custom_scalars(self, layout) -> None:
        """Arrange logged scalar tags into charts: ``{category: {title: [kind, tags]}}``.

        ``kind`` is ``"Multiline"`` (every tag on one chart) or ``"Margin"`` (three tags:
        value, lower, upper).  Call it once per writer, before or after the training loop.
        """
        self._get_file_writer().add_summary(custom_scalars(layout))

    def add_custom_scalars_multilinechart(self, tags, category: str = "default",
                                          title: str = "untitled") -> None:
        """One custom chart drawing every tag in ``tags``."""
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(self, tags, category: str = "default",
                                       title: str = "untitled") -> None:
        """One custom chart of ``tags = [value, lower, upper]`` as a line in a band."""
        if len(tags) != 3:
            raise AssertionError(f"Expected 3 tags, got {len(tags)}.")
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    # -- embeddings -------------------------------------------------------------------------

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None,
                      tag: str = "default", metadata_header=None) -> None:
        """Add points for TensorBoard's embedding projector (PCA, t-SNE, UMAP views).

        The files go to ``<logdir>/<step:05d>/<tag>/`` and ``<logdir>/projector_config.pbtxt``
        (see _embedding.py), not into the event file.

        Args:
            mat: ``(N, D)``: one row of features per point.
            metadata: N labels (or N rows of columns with ``metadata_header``).
            label_img: ``(N, C, H, W)`` thumbnails, values in [0, 1], C = 1 or 3.
            global_step: the step (default 0); one embedding per (step, tag).
            tag: the embedding's name.
            metadata_header: column names for multi-column ``metadata``.

        Example:
            >>> import tempfile
            >>> import numtorch as torch
            >>> w = SummaryWriter(tempfile.mkdtemp())
            >>> w.add_embedding(torch.randn(6, 4), metadata=list("abcabc"),
            ...                 label_img=torch.rand(6, 1, 8, 8))
            >>> w.close()
        """
        mat = make_np(mat)
        if global_step is None:
            global_step = 0
        subdir = f"{str(global_step).zfill(5)}/{encode_tag(tag)}"
        logdir = self._get_file_writer().get_logdir()
        save_path = os.path.join(logdir, subdir)
        if os.path.exists(save_path):
            if not os.path.isdir(save_path):
                raise NotADirectoryError(
                    f"Path: `{save_path}` exists, but is a file. Cannot proceed.")
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        else:
            os.makedirs(save_path)
        write_embedding(mat, metadata, label_img, save_path, metadata_header)
        if not hasattr(self, "_projector_config"):
            self._projector_config = ProjectorConfig()
        self._projector_config.embeddings.extend(
            [embedding_info(metadata, label_img, subdir, global_step, tag)])
        write_config(logdir, self._projector_config)

    # -- not available ----------------------------------------------------------------------

    def add_graph(self, model, input_to_model=None, verbose=False,
                  use_strict_trace=True) -> None:
        """Not available: drawing a model's graph needs a tracer, which numtorch lacks."""
        raise NotImplementedError("numtorch does not implement "
                                  "torch.utils.tensorboard.SummaryWriter.add_graph "
                                  "(it needs torch.jit.trace)")

    # -- lifetime ---------------------------------------------------------------------------

    def flush(self) -> None:
        """Write every queued record of every event file to disk."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file (closing twice is harmless)."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        self.close()
