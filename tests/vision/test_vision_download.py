"""The download path of numtorch.vision.datasets, against an HTTP server on 127.0.0.1.

The server serves small fake MNIST files three ways: intact (``/good/``), with
one byte changed (``/corrupt/``: a checksum error) and cut off half-way after
announcing the full length (``/broken/``: an interrupted transfer). After a
failure the dataset folder must hold nothing: no partial file, no temporary file.
"""

from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from support.vision_data import all_files, fake_cifar, fake_mnist, gz_files, md5, resources_for

from numtorch.vision import datasets
from numtorch.vision.datasets import utils

ARRAYS = fake_mnist(seed=3)
FILES = gz_files(ARRAYS)
CIFAR_TGZ, CIFAR_MD5, CIFAR_IMAGES, CIFAR_LABELS = fake_cifar()
SERVED = {**FILES, "cifar-10-python.tar.gz": CIFAR_TGZ}
RAW = os.path.join("MNIST", "raw")


class _Handler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server hook name
        type(self).requests.append(self.path)
        _, kind, name = self.path.split("/", 2)
        if name not in SERVED or kind not in ("good", "corrupt", "broken", "chunked"):
            self.send_error(404)
            return
        data = SERVED[name]
        if kind == "chunked":  # one chunk of a chunked body, then the connection drops
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = data[: len(data) // 2]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "corrupt":
            data = data[:-9] + bytes([data[-9] ^ 0xFF]) + data[-8:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if kind == "broken":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _fake_resources(monkeypatch):
    monkeypatch.delenv("NUMTORCH_DATASETS", raising=False)
    monkeypatch.setattr(datasets.MNIST, "local_folders", [])
    monkeypatch.setattr(datasets.MNIST, "resources", resources_for(FILES))
    _Handler.requests = []


def test_download_verifies_and_extracts(tmp_path, server, monkeypatch):
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"{server}/good/"])
    ds = datasets.MNIST(str(tmp_path), train=False, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), ARRAYS["t10k-images-idx3-ubyte"])
    expected = sorted(os.path.join(RAW, n) for n in list(ARRAYS) + list(FILES))
    assert all_files(str(tmp_path)) == expected
    with open(tmp_path / RAW / "train-labels-idx1-ubyte.gz", "rb") as f:
        assert f.read() == FILES["train-labels-idx1-ubyte.gz"]
    count = len(_Handler.requests)
    datasets.MNIST(str(tmp_path), download=True)              # already there: nothing fetched
    assert len(_Handler.requests) == count == 4


def test_corrupted_file_leaves_nothing(tmp_path, server, monkeypatch):
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"{server}/corrupt/"])
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(str(tmp_path), download=True)
    text = str(info.value)
    assert text.startswith("Error downloading train-images-idx3-ubyte.gz:\n")
    assert "File not found or corrupted." in text and FILES and resources_for(FILES)[0][1] in text
    assert all_files(str(tmp_path)) == []


@pytest.mark.parametrize("kind", ["broken", "chunked"])
def test_interrupted_transfer_leaves_nothing(tmp_path, server, monkeypatch, kind):
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"{server}/{kind}/"])
    with pytest.raises(RuntimeError, match="interrupted after"):
        datasets.MNIST(str(tmp_path), download=True)
    assert all_files(str(tmp_path)) == []


def test_next_mirror_after_failures(tmp_path, server, monkeypatch):
    mirrors = [f"{server}/missing/", f"{server}/corrupt/", f"{server}/broken/", f"{server}/good/"]
    monkeypatch.setattr(datasets.MNIST, "mirrors", mirrors)
    ds = datasets.MNIST(str(tmp_path), download=True)
    np.testing.assert_array_equal(ds.targets.numpy(), ARRAYS["train-labels-idx1-ubyte"])
    assert not [f for f in all_files(str(tmp_path)) if os.path.basename(f).startswith(".")]


def test_offline_error_is_clear(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                 # closed again: nothing listens there
    monkeypatch.setattr(datasets.MNIST, "mirrors", [f"http://127.0.0.1:{port}/"])
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(str(tmp_path), download=True)
    text = str(info.value)
    assert text.startswith(
        f"Error downloading train-images-idx3-ubyte.gz:\nTried http://127.0.0.1:{port}/, got:\n"
    )
    assert "Connection refused" in text and "NUMTORCH_DATASETS" in text
    assert all_files(str(tmp_path)) == []


def test_download_url(tmp_path, server):
    name = "t10k-labels-idx1-ubyte.gz"
    utils.download_url(f"{server}/good/{name}", str(tmp_path))            # no checksum given
    assert (tmp_path / name).read_bytes() == FILES[name]
    md5 = utils.calculate_md5(tmp_path / name)
    assert utils.check_integrity(tmp_path / name, md5) and not utils.check_integrity(
        tmp_path / "x", md5
    )
    before = len(_Handler.requests)
    utils.download_url(f"{server}/corrupt/{name}", str(tmp_path), md5=md5)  # verified copy kept
    assert len(_Handler.requests) == before
    with pytest.raises(RuntimeError, match="^File not found or corrupted."):
        utils.download_url(f"{server}/corrupt/{name}", str(tmp_path), filename="other.gz", md5=md5)
    with pytest.raises(OSError, match="404"):
        utils.download_url(f"{server}/good/absent.gz", str(tmp_path))
    assert all_files(str(tmp_path)) == [name]


@pytest.fixture
def fake_cifar_checksums(monkeypatch):
    monkeypatch.setattr(datasets.CIFAR10, "train_list",
                        [[f"data_batch_{i}", CIFAR_MD5[f"data_batch_{i}"]] for i in range(1, 6)])
    monkeypatch.setattr(datasets.CIFAR10, "test_list", [["test_batch", CIFAR_MD5["test_batch"]]])
    monkeypatch.setattr(datasets.CIFAR10, "meta", {"filename": "batches.meta", "key": "label_names",
                                                   "md5": CIFAR_MD5["batches.meta"]})
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", md5(CIFAR_TGZ))


def test_cifar10_download(tmp_path, server, monkeypatch, fake_cifar_checksums):
    monkeypatch.setattr(datasets.CIFAR10, "url", f"{server}/good/cifar-10-python.tar.gz")
    with pytest.raises(
        RuntimeError, match="^Dataset not found or corrupted. You can use download=True"
    ):
        datasets.CIFAR10(str(tmp_path))
    ds = datasets.CIFAR10(str(tmp_path), download=True)
    assert len(ds) == 15 and ds.data.dtype == np.uint8 and ds.data.shape == (15, 32, 32, 3)
    np.testing.assert_array_equal(ds.data, CIFAR_IMAGES)
    assert (
        ds.targets == CIFAR_LABELS and ds.classes[2] == "class2" and ds.class_to_idx["class9"] == 9
    )
    img, target = ds[4]
    assert img.mode == "RGB" and img.size == (32, 32) and target == CIFAR_LABELS[4]
    np.testing.assert_array_equal(np.asarray(img), CIFAR_IMAGES[4])
    assert len(datasets.CIFAR10(str(tmp_path), train=False)) == 3


def test_cifar10_corrupted_archive_leaves_nothing(
    tmp_path, server, monkeypatch, fake_cifar_checksums
):
    monkeypatch.setattr(datasets.CIFAR10, "url", f"{server}/corrupt/cifar-10-python.tar.gz")
    with pytest.raises(RuntimeError, match="^File not found or corrupted."):
        datasets.CIFAR10(str(tmp_path), download=True)
    assert all_files(str(tmp_path)) == []


def test_cifar10_local_archive(tmp_path, monkeypatch, fake_cifar_checksums):
    (tmp_path / "share").mkdir()
    (tmp_path / "share" / "cifar-10-python.tar.gz").write_bytes(CIFAR_TGZ)
    monkeypatch.setenv("NUMTORCH_DATASETS", str(tmp_path / "share"))
    monkeypatch.setattr(datasets.CIFAR10, "url", "http://127.0.0.1:9/never.tar.gz")
    ds = datasets.CIFAR10(str(tmp_path / "data"), train=False, download=True)
    assert len(ds) == 3


def test_cifar10_offline_error(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(datasets.CIFAR10, "url", f"http://127.0.0.1:{port}/cifar-10-python.tar.gz")
    with pytest.raises(
        RuntimeError, match=f"^Error downloading http://127.0.0.1:{port}/cifar-10-python.tar.gz:\n"
    ) as info:
        datasets.CIFAR10(str(tmp_path), download=True)
    assert "Connection refused" in str(info.value) and "NUMTORCH_DATASETS" in str(info.value)
    assert all_files(str(tmp_path)) == []
