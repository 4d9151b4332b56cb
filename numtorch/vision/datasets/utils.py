"""Downloading and checking dataset files.

NOTE [ Nothing half-written ]
A download goes to a hidden temporary file in the destination folder, its MD5
is computed while it streams, and only a complete file with the right checksum
is renamed (atomically, ``os.replace``) to its final name. A dropped
connection, a short transfer or a wrong checksum deletes the temporary file,
so the folder holds either the verified file or nothing, and the next attempt
starts clean. Decompression follows the same rule.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from typing import IO, Iterator

USER_AGENT = "numtorch"
_CHUNK = 1024 * 1024

#: Whether a download may draw a progress bar. It does only when tqdm is installed and stderr
#: is a terminal; otherwise downloads are silent. ``numtorch train --quiet`` turns it off.
show_progress = True


def _progress_bar(total: str | None, desc: str):
    """A tqdm bar counting bytes on stderr, or None (switched off, no tqdm, not a terminal)."""
    if not show_progress or not getattr(sys.stderr, "isatty", lambda: False)():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    size = int(total) if total is not None and total.isdigit() else None
    return tqdm(total=size, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr, leave=False)


def calculate_md5(fpath: str | os.PathLike, chunk_size: int = _CHUNK) -> str:
    """Hex MD5 digest of a file, read in chunks."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str | os.PathLike, md5: str, **kwargs) -> bool:
    """Whether the file's MD5 is ``md5``."""
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str | os.PathLike, md5: str | None = None) -> bool:
    """Whether ``fpath`` is a file and, if ``md5`` is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


class _AtomicFile:
    """A temporary file beside ``final``: ``commit()`` renames it into place, anything else deletes
    it."""

    def __init__(self, final: str) -> None:
        folder, name = os.path.split(final)
        fd, self.tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".part")
        self.final = final
        self.file: IO[bytes] = os.fdopen(fd, "wb")

    def commit(self) -> None:
        self.file.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.final)

    def discard(self) -> None:
        self.file.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


def _stream(url: str, timeout: float) -> Iterator[bytes]:
    """The body of ``url`` in chunks; any broken transfer is raised as an ``OSError``."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            bar = _progress_bar(expected, os.path.basename(urllib.parse.urlsplit(url).path))
            try:
                while chunk := response.read(_CHUNK):
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                    yield chunk
            finally:
                if bar is not None:
                    bar.close()
    except http.client.HTTPException as error:  # e.g. IncompleteRead of a chunked body
        raise OSError(
            f"the transfer of {url} was interrupted after {received} bytes ({error!r})"
        ) from error
    if expected is not None and received != int(expected):
        raise OSError(f"the transfer of {url} was interrupted after {received} of {expected} bytes")


def download_url(url: str, root: str | os.PathLike, filename: str | None = None,
                 md5: str | None = None, timeout: float = 60.0) -> None:
    """Download ``url`` to ``root/filename``, verified against ``md5``
    (see NOTE [ Nothing half-written ]).

    A file already there with the right checksum is kept and nothing is fetched.

    Raises:
        OSError: the server could not be reached or the transfer broke off
            (``urllib.error.URLError`` is an ``OSError``).
        RuntimeError: the file arrived but its MD5 is not ``md5``.
    """
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    digest = hashlib.md5(usedforsecurity=False)
    out = _AtomicFile(fpath)
    try:
        for chunk in _stream(url, timeout):
            digest.update(chunk)
            out.file.write(chunk)
        if md5 is not None and digest.hexdigest() != md5:
            raise RuntimeError(
                f"File not found or corrupted. {url} has MD5 {digest.hexdigest()}, expected {md5}; "
                "the download was discarded."
            )
    except BaseException:
        out.discard()
        raise
    out.commit()


def _decompress_gzip(from_path: str, to_path: str) -> None:
    out = _AtomicFile(to_path)
    try:
        with gzip.open(from_path, "rb") as src:
            shutil.copyfileobj(src, out.file, _CHUNK)
    except BaseException:
        out.discard()
        raise
    out.commit()


def extract_archive(
    from_path: str, to_path: str | None = None, remove_finished: bool = False
) -> str:
    """Extract a ``.gz`` file (to the same name without ``.gz``), a tar archive or a zip archive.

    Returns:
        The folder the contents went to.
    """
    if to_path is None:
        to_path = os.path.dirname(from_path)
    name = os.path.basename(from_path)
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        with tarfile.open(from_path) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(to_path, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                tar.extractall(to_path)
    elif name.endswith(".zip"):
        with zipfile.ZipFile(from_path) as archive:
            archive.extractall(to_path)
    elif name.endswith(".gz"):
        _decompress_gzip(from_path, os.path.join(to_path, name[: -len(".gz")]))
    else:
        raise RuntimeError(
            f"Couldn't detect the type of the archive {from_path}; supported: .gz, tar, .zip"
        )
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root: str, extract_root: str | None = None,
                                 filename: str | None = None, md5: str | None = None,
                                 remove_finished: bool = False) -> None:
    """``download_url`` then ``extract_archive`` into ``extract_root`` (default: ``download_root``).
    """
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def verify_str_arg(value: str, arg: str | None = None, valid_values: tuple[str, ...] | None = None,
                   custom_msg: str | None = None) -> str:
    """Check that ``value`` is a string among ``valid_values``; return it."""
    if not isinstance(value, str):
        msg = (
            "Expected type str"
            + ("" if arg is None else f" for argument {arg}")
            + f", but got type {type(value)}."
        )
        raise ValueError(msg)
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            msg = custom_msg
        else:
            msg = "Unknown value '{value}' for argument {arg}. Valid values are {{{valid_values}}}."
            msg = msg.format(value=value, arg=arg, valid_values=", ".join(valid_values))
        raise ValueError(msg)
    return value
