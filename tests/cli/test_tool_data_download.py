"""numtorch.cli.data's download path and its progress bar, against an HTTP server on 127.0.0.1.

The server serves small fake Fashion-MNIST files; the dataset class is pointed at it. A bar is
drawn only with tqdm installed, stderr a terminal and progress on; otherwise nothing is written.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from support.vision_data import fake_mnist, gz_files, resources_for

from numtorch.cli.data import load_data
from numtorch.cli.errors import CLIError
from numtorch.vision import datasets
from numtorch.vision.datasets import utils

ARRAYS = fake_mnist(seed=11, n_train=10, n_test=5)
FILES = gz_files(ARRAYS)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server hook name
        name = self.path.rsplit("/", 1)[-1]
        if name not in FILES:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(FILES[name])))
        self.end_headers()
        self.wfile.write(FILES[name])

    def log_message(self, *args):
        pass


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _served_fashion_mnist(monkeypatch, server):
    monkeypatch.delenv("NUMTORCH_DATASETS", raising=False)
    monkeypatch.setattr(datasets.FashionMNIST, "local_folders", [])
    monkeypatch.setattr(datasets.FashionMNIST, "resources", resources_for(FILES))
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", [server])


@pytest.mark.parametrize("tty,progress,has_tqdm,bar", [
    (True, True, True, True),
    (False, True, True, False),      # not a terminal: silent
    (True, False, True, False),      # --quiet: silent
    (True, True, False, False),      # no tqdm: silent
])
def test_download_through_load_data(tmp_path, monkeypatch, tty, progress, has_tqdm, bar):
    if has_tqdm:
        pytest.importorskip("tqdm")
    else:
        monkeypatch.setitem(sys.modules, "tqdm", None)
    err = FakeTerminal(tty)
    monkeypatch.setattr(sys, "stderr", err)
    data = load_data("fashion-mnist", root=str(tmp_path), val_fraction=0.2, progress=progress)
    monkeypatch.undo()
    assert len(data.train) == 8 and len(data.val) == 2 and len(data.test) == 5
    np.testing.assert_array_equal(data.test.y, ARRAYS["t10k-labels-idx1-ubyte"])
    scaled = ARRAYS["t10k-images-idx3-ubyte"][:, None].astype(np.float32) / np.float32(255)
    mean, std = (np.float32(v[0]) for v in (data.meta["mean"], data.meta["std"]))
    np.testing.assert_array_equal(data.test.x, (scaled - mean) / std)
    assert os.path.isfile(tmp_path / "FashionMNIST" / "raw" / "train-images-idx3-ubyte")
    text = err.getvalue()
    if bar:
        for name in FILES:
            assert name in text
        from tqdm import tqdm

        size = tqdm.format_sizeof(len(FILES["train-images-idx3-ubyte.gz"]), divisor=1024)
        assert "B/s" in text and f"/{size}" in text      # the bar knows the file's size
    else:
        assert text == ""
    assert utils.show_progress is True               # restored after the call


def test_download_off_and_unreachable(tmp_path, monkeypatch):
    with pytest.raises(CLIError, match=r"\(downloads are off\)") as info:
        load_data("fashion-mnist", root=str(tmp_path), download=False)
    assert "\n" not in str(info.value)
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(CLIError, match="^fashion-mnist: cannot load the train split from") as info:
        load_data("fashion-mnist", root=str(tmp_path), progress=False)
    assert "\n" not in str(info.value) and "127.0.0.1:9" in str(info.value)
    assert os.listdir(tmp_path / "FashionMNIST" / "raw") == []
