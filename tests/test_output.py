"""yibao.output: outputs written whole or not at all, and devices and FIFOs written in place.

The FIFO and the closed pipe go through a real ``yibao`` process, the path a person takes;
the rest through the functions or Click's runner.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from yibao.cli import main
from yibao.output import OutputError, is_stream, open_output, output_path, write_atomic

POLICY = "policies/jiujiang/resident_inpatient.yb"
ROOT = Path(__file__).resolve().parent.parent


def yibao(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    """``yibao ARGS`` as its own process, from the project folder."""
    return subprocess.Popen([sys.executable, "-m", "yibao.cli", *args], cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# ---------------------------------------------------------------- regular files


def test_a_new_file_gets_the_umask_mode_and_no_temporary_is_left(tmp_path: Path) -> None:
    out = tmp_path / "doc.md"
    write_atomic(out, "hello\n")
    assert out.read_text(encoding="utf-8") == "hello\n"
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["doc.md"]


def test_an_existing_file_keeps_its_permission_bits(tmp_path: Path) -> None:
    out = tmp_path / "doc.md"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    write_atomic(out, b"new")
    assert out.read_bytes() == b"new"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_a_symlink_stays_a_link_and_its_file_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to("real.md")
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to("created.md")
    write_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "created.md").read_text(encoding="utf-8") == "made"


def test_a_folder_or_a_missing_folder_is_one_line_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as folder:
        write_atomic(tmp_path, "x")
    assert str(folder.value) == f"cannot write {tmp_path}: is a folder, not a file"
    assert isinstance(folder.value, OSError) and folder.value.errno == errno.EISDIR
    with pytest.raises(OutputError, match="no such folder") as missing:
        write_atomic(tmp_path / "no" / "doc.md", "x")
    assert "\n" not in str(missing.value)
    write_atomic(tmp_path / "made" / "doc.md", "x", parents=True)
    assert (tmp_path / "made" / "doc.md").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          where: str) -> None:
    out = tmp_path / "doc.md"
    out.write_text("old", encoding="utf-8")
    monkeypatch.setattr(os, where, enospc)
    with pytest.raises(OutputError) as err:
        write_atomic(out, "new")
    assert str(err.value) == f"cannot write {out}: No space left on device"
    assert err.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["doc.md"]


def test_a_writer_that_fails_midway_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "claims.jsonl"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad claim"), open_output(out) as f:
        f.write("half\n")
        raise ValueError("bad claim")
    assert out.read_text(encoding="utf-8") == "old\n"
    with pytest.raises(KeyboardInterrupt), output_path(out) as name:
        name.write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert out.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["claims.jsonl"]


def test_output_path_renames_what_the_writer_wrote(tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    with output_path(out) as name:
        assert name != out and name.parent == tmp_path
        name.write_text("<x/>", encoding="utf-8")
    assert out.read_text(encoding="utf-8") == "<x/>"
    assert os.listdir(tmp_path) == ["report.xml"]
    with pytest.raises(OutputError, match="standard output"), output_path("-"):
        pass


def test_a_file_the_user_may_not_write_stays_protected(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "doc.md"
    out.write_text("old", encoding="utf-8")
    monkeypatch.setattr(os, "access", lambda *a, **k: False)  # root may write anything: pretend not
    with pytest.raises(OutputError, match="Permission denied"):
        write_atomic(out, "new")
    assert out.read_text(encoding="utf-8") == "old"


def test_dash_is_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    write_atomic("-", "to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"
    assert is_stream("-") and is_stream("/dev/null") and not is_stream(POLICY) and not is_stream("nowhere")


# ---------------------------------------------------------------- devices and FIFOs


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A copy of /dev/null (character device 1, 3), made in tmp_path: never the real one."""
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make a character device here: {err}")
    return dev


def test_a_character_device_is_written_in_place_never_replaced(device: Path) -> None:
    dev = str(device)
    parquet = device.with_suffix(".parquet")  # pyarrow writes a device by its name
    os.mknod(parquet, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    claim = "policies/jiujiang/claims/level2_local.json"
    runner = CliRunner()
    for args in (["render", POLICY, "-o", dev], ["compile", POLICY, "-o", dev],
                 ["render", POLICY, "--format", "html", "-o", dev],
                 ["explain", POLICY, claim, "--format", "md", "-o", dev],
                 ["sample-claims", POLICY, "-n", "3", "-o", dev],
                 ["sample-claims", POLICY, "-n", "3", "-o", str(parquet)],
                 ["test", POLICY, "--junit", dev], ["test", POLICY, "--coverage-json", dev]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
        for dev_path in (device, parquet):
            st = os.lstat(dev_path)
            assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3), args
    assert sorted(os.listdir(device.parent)) == ["null", "null.parquet"]


@pytest.mark.parametrize("name", ["full", "full.parquet", "full.jsonl"])
def test_a_full_device_is_one_line_and_stays_a_device(tmp_path: Path, name: str) -> None:
    full = tmp_path / name  # a copy of /dev/full (1, 7): every write fails with ENOSPC
    try:
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make a character device here: {err}")
    args = ["render", POLICY] if name == "full" else ["sample-claims", POLICY, "-n", "5"]
    result = CliRunner().invoke(main, [*args, "-o", str(full)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"cannot write {full}: No space left on device"]
    st = os.lstat(full)  # pyarrow, given a name, would have removed it
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 7)
    assert os.listdir(tmp_path) == [name]


def _read_fifo(fifo: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as f:
            into.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("command", ["render", "compile"])
def test_a_fifo_is_written_in_place_by_the_real_command(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    proc = yibao(command, POLICY, "-o", str(fifo), stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=120)
    reader.join(timeout=30)
    assert proc.returncode == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    expected = b"# Jiujiang resident" if command == "render" else b"def settle("
    assert got and expected in got[0]
    assert os.listdir(tmp_path) == ["pipe"]


def test_a_closed_pipe_is_a_quiet_exit(tmp_path: Path) -> None:
    producer = yibao("sample-claims", POLICY, "-n", "3000", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = subprocess.Popen(["head", "-c", "10"], stdin=producer.stdout, stdout=subprocess.PIPE)
    assert producer.stdout is not None
    producer.stdout.close()  # only head reads it now: when head exits, the pipe is closed
    out, _ = head.communicate(timeout=120)
    _, err = producer.communicate(timeout=120)
    assert out == b'{"id": "SI'
    assert producer.returncode == 141
    assert err == b""
