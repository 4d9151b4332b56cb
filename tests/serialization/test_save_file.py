"""Saving to a path: atomic, through symlinks, with the umask's mode, no litter after a kill."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

import numtorch
from numtorch.serialization._atomic import temp_prefix


def _listing(folder):
    return sorted(os.listdir(folder))


def test_crash_mid_write_keeps_the_last_good_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    numtorch.save({"step": 1}, path)

    class Boom:
        def __reduce__(self):
            raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        numtorch.save({"step": 2, "bad": Boom()}, path)
    assert numtorch.load(path) == {"step": 1}
    assert _listing(tmp_path) == ["ckpt.pt"]  # no temporary file left behind


def test_saving_through_a_symlink_writes_the_target(tmp_path):
    real = tmp_path / "real.pt"
    link = tmp_path / "link.pt"
    numtorch.save({"v": 1}, real)
    link.symlink_to(real)
    numtorch.save({"v": 2}, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert numtorch.load(real) == {"v": 2}
    dangling = tmp_path / "dangling.pt"
    dangling.symlink_to(tmp_path / "new.pt")
    numtorch.save({"v": 3}, dangling)
    assert dangling.is_symlink() and numtorch.load(tmp_path / "new.pt") == {"v": 3}


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_mode_follows_the_umask_like_open(tmp_path, umask):
    old = os.umask(umask)
    try:
        numtorch.save({"v": 1}, tmp_path / "ours.pt")
        with open(tmp_path / "plain", "wb"):
            pass
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "ours.pt").st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / "plain").st_mode) == 0o666 & ~umask


def test_an_existing_files_mode_is_kept(tmp_path):
    path = tmp_path / "ckpt.pt"
    numtorch.save(1, path)
    os.chmod(path, 0o640)
    numtorch.save(2, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_stale_temp_files_of_dead_saves_are_removed(tmp_path):
    path = tmp_path / "ckpt.pt"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{temp_prefix(str(path))}{dead.pid}-abcdef.tmp"
    alive = tmp_path / f"{temp_prefix(str(path))}{os.getppid()}-abcdef.tmp"  # a live process's
    other = tmp_path / f"{temp_prefix(str(tmp_path / 'other.pt'))}{dead.pid}-abcdef.tmp"
    for p in (stale, alive, other):
        p.write_bytes(b"junk")
    numtorch.save(1, path)
    assert not stale.exists() and alive.exists() and other.exists()


def test_failed_save_names_the_target_not_the_temp_file(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user that can write anywhere")
        with pytest.raises(RuntimeError) as err:
            numtorch.save(1, folder / "x.pt")
        assert str(err.value) == f"File {folder / 'x.pt'} cannot be opened."
    finally:
        os.chmod(folder, 0o700)


def test_unwritable_folder_error_names_the_target(tmp_path, monkeypatch):
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(RuntimeError) as err:
        numtorch.save(1, tmp_path / "x.pt")
    assert str(err.value) == f"File {tmp_path / 'x.pt'} cannot be opened."


def test_write_error_names_the_target(tmp_path, monkeypatch):
    path = tmp_path / "x.pt"
    real_fsync = os.fsync

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as err:
        numtorch.save(numtorch.ones(3), path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert err.value.filename == str(path) and err.value.errno == 28
    assert _listing(tmp_path) == []


def test_parent_directory_must_exist(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        numtorch.save(1, tmp_path / "missing" / "x.pt")


_KILLED_SAVER = """
import sys, numtorch
numtorch.save({"big": numtorch.zeros(2_000_000), "step": 2}, sys.argv[1])
"""


def test_sigkill_mid_save_keeps_the_old_file_and_litter_is_cleaned(tmp_path):
    path = tmp_path / "ckpt.pt"
    numtorch.save({"step": 1}, path)
    killed = 0
    for delay in (0.3, 0.5, 0.8, 1.2, 2.0):
        proc = subprocess.Popen([sys.executable, "-c", _KILLED_SAVER, str(path)])
        deadline = time.time() + 20
        while time.time() < deadline and not any(n.endswith(".tmp") for n in os.listdir(tmp_path)):
            if proc.poll() is not None:
                break
            time.sleep(0.002)
        time.sleep(delay / 100)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            if any(n.endswith(".tmp") for n in os.listdir(tmp_path)):
                killed += 1
                break
        proc.wait()
        numtorch.save({"step": 1}, path)
    if not killed:
        pytest.skip("the save finished before it could be killed")
    assert numtorch.load(path) == {"step": 1}  # the last good file is intact
    numtorch.save({"step": 3}, path)  # the next save to that path removes the dead save's file
    assert _listing(tmp_path) == ["ckpt.pt"] and numtorch.load(path) == {"step": 3}


CUDA_ERROR = (
    "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. "
    "If you are running on a CPU-only machine, please use torch.load with "
    "map_location=torch.device('cpu') to map your storages to the CPU."
)


@pytest.mark.parametrize(
    "where", ["cuda", "cuda:0", "cuda:1", numtorch.device("cuda"), {"cpu": "cuda:0"}]
)
def test_map_location_cuda_raises_pytorchs_error(where):
    buf = io.BytesIO()
    numtorch.save({"w": numtorch.ones(2)}, buf)
    buf.seek(0)
    with pytest.raises(RuntimeError) as err:
        numtorch.load(buf, map_location=where)
    assert str(err.value) == CUDA_ERROR


def test_map_location_cuda_matches_pytorch():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    for where in ["cuda", "cuda:3", "foo", "mps"]:
        buf.seek(0)
        with pytest.raises(RuntimeError) as theirs:
            torch.load(buf, map_location=where)
        buf.seek(0)
        with pytest.raises(RuntimeError) as ours:
            numtorch.load(buf, map_location=where)
        assert str(ours.value) == str(theirs.value)
