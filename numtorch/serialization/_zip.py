"""The zip container of a PyTorch 2.x checkpoint: aligned, uncompressed records.

Layout of ``torch.save(obj, "model.pt")``::

    model/data.pkl                 the pickle (tensors as persistent ids)
    model/.format_version          b"1"
    model/.storage_alignment       b"64"
    model/byteorder                b"little"
    model/data/0, model/data/1...  one record per storage: its raw bytes
    model/version                  b"3\\n"
    model/.data/serialization_id   40 decimal digits

Every record is stored (no compression), and its data starts at a multiple of 64
bytes in the file: the local header's extra field (tag ``FB``) is padded to get
there, so a reader can ``mmap`` a storage straight from the file.  Sizes and offsets
past 4 GiB use the zip64 extensions.
"""

from __future__ import annotations

import os
import secrets
import struct
import zipfile
import zlib

import numpy as np

__all__ = ["ZipWriter", "ZipReader", "read_into", "ALIGNMENT", "CENTRAL_DIRECTORY_ERROR"]

ALIGNMENT = 64
CENTRAL_DIRECTORY_ERROR = (
    "PytorchStreamReader failed reading zip archive: failed finding central directory. This is "
    "an internal miniz error. If you are seeing this error, there is a high likelihood that your "
    "checkpoint file is corrupted. This can happen if the checkpoint was not saved properly, was "
    "transferred incorrectly, or the file was modified after saving."
)
_U32 = 0xFFFFFFFF
_PARALLEL_CRC = 1 << 20
_POOL: dict = {}  # pid -> executor: a forked child (a DataLoader worker) makes its own


def _crc_pool():
    pid = os.getpid()
    if pid not in _POOL:
        from concurrent.futures import ThreadPoolExecutor

        _POOL.clear()
        _POOL[pid] = ThreadPoolExecutor(1, thread_name_prefix="numtorch-save-crc")
    return _POOL[pid]


_FLAGS = 0x0808  # bit 3: sizes in a data descriptor; bit 11: UTF-8 names


def read_into(fh, view: memoryview) -> int:
    """Fill ``view`` from ``fh`` (``readinto`` where the file has it); the byte count read."""
    if hasattr(fh, "readinto"):
        got = 0
        while got < view.nbytes:
            n = fh.readinto(view[got:])
            if not n:
                break
            got += n
        return got
    data = fh.read(view.nbytes)
    view[: len(data)] = data
    return len(data)


class ZipWriter:
    """Write records one after another to a binary file object (no seeking needed)."""

    def __init__(self, fh, archive_name: str = "archive"):
        self.fh = fh
        self.prefix = archive_name
        self.offset = 0
        self.entries: list[tuple[bytes, int, int, int]] = []  # name, crc, size, header offset

    def _write(self, data) -> None:
        self.fh.write(data)
        self.offset += memoryview(data).nbytes

    def write_record(self, name: str, data) -> None:
        """Append ``prefix/name`` holding ``data`` (bytes or a C-contiguous buffer)."""
        view = memoryview(data).cast("B")
        size = view.nbytes
        fname = f"{self.prefix}/{name}".encode("utf-8")
        big = size >= _U32
        zip64 = struct.pack("<HHQQ", 1, 16, size, size) if big else b""
        header_len = 30 + len(fname) + len(zip64) + 4  # 4: the FB field's own tag and length
        pad = -(self.offset + header_len) % ALIGNMENT
        extra = zip64 + struct.pack("<2sH", b"FB", pad) + b"Z" * pad
        # Like PyTorch's writer: sizes and CRC follow the data in a data descriptor (flag bit 3).
        header = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            45 if big else 0,
            _FLAGS,
            0,
            0,
            0,
            0,
            _U32 if big else 0,
            _U32 if big else 0,
            len(fname),
            len(extra),
        )
        offset = self.offset
        self._write(header + fname + extra)
        if size >= _PARALLEL_CRC:  # checksum on a second core while the bytes go to the file
            pending = _crc_pool().submit(zlib.crc32, view)
            self._write(view)
            crc = pending.result()
        else:
            crc = zlib.crc32(view)
            self._write(view)
        self.entries.append((fname, crc, size, offset))
        sizes = struct.pack("<QQ" if big else "<II", size, size)
        self._write(struct.pack("<II", 0x08074B50, crc) + sizes)

    def close(self) -> None:
        """Write ``version``, the serialization id and the central directory (zip64 ends)."""
        self.write_record("version", b"3\n")
        self.write_record(
            ".data/serialization_id", str(secrets.randbelow(10**40)).zfill(40).encode()
        )
        start = self.offset
        for fname, crc, size, off in self.entries:
            fields = []
            if size >= _U32:
                fields += [size, size]
            if off >= _U32:
                fields.append(off)
            extra = (
                struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
            )
            self._write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    45 if fields else 0,
                    45 if fields else 0,
                    _FLAGS,
                    0,
                    0,
                    0,
                    crc,
                    _U32 if size >= _U32 else size,
                    _U32 if size >= _U32 else size,
                    len(fname),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    _U32 if off >= _U32 else off,
                )
                + fname
                + extra
            )
        cd_size = self.offset - start
        n = len(self.entries)
        zip64_end = self.offset
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, start))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1))
        self._write(
            struct.pack(
                "<IHHHHIIH",
                0x06054B50,
                0,
                0,
                min(n, 0xFFFF),
                min(n, 0xFFFF),
                min(cd_size, _U32),
                min(start, _U32),
                0,
            )
        )


class ZipReader:
    """Read a checkpoint's records; ``fh`` is a seekable binary file object."""

    def __init__(self, fh):
        self.fh = fh
        try:
            self.zip = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
            raise RuntimeError(CENTRAL_DIRECTORY_ERROR) from None
        names = self.zip.namelist()
        if not names:
            raise RuntimeError(CENTRAL_DIRECTORY_ERROR)
        for name in names:
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise RuntimeError(
                    f"PytorchStreamReader refused a record with an unsafe path: {name!r}"
                )
        self.prefix = names[0].split("/", 1)[0]
        self.infos = {info.filename: info for info in self.zip.infolist()}

    def has_record(self, name: str) -> bool:
        return f"{self.prefix}/{name}" in self.infos

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self.infos.get(f"{self.prefix}/{name}")
        if info is None:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not found")
        return info

    def record_size(self, name: str) -> int:
        return self._info(name).file_size

    def data_offset(self, name: str) -> int | None:
        """Where ``name``'s bytes start in the file, or None if the record is compressed."""
        info = self._info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            return None
        self.fh.seek(info.header_offset)
        header = self.fh.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: invalid header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def read(self, name: str) -> bytes:
        try:
            return self.zip.read(self._info(name))
        except (zipfile.BadZipFile, OSError, EOFError, struct.error, zlib.error) as e:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: {e}") from None

    def read_array(self, name: str, dtype: np.dtype) -> np.ndarray:
        """A record's bytes as a fresh writable 1-D array of ``dtype``, read straight into it."""
        info = self._info(name)
        size = info.file_size
        if size % dtype.itemsize:
            raise RuntimeError(f"record {name} of {size} bytes is not a whole number of {dtype}")
        out = np.empty(size // dtype.itemsize, dtype=dtype)
        offset = self.data_offset(name)
        if offset is None:
            out.view(np.uint8)[:] = np.frombuffer(self.read(name), dtype=np.uint8)
            return out
        self.fh.seek(offset)
        got = read_into(self.fh, memoryview(out).cast("B")) if size else 0
        if got != size:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: file read failed")
        return out
