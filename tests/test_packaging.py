"""The package as users get it: build the sdist, build the wheel from it, install the wheel into a
fresh virtualenv outside the source tree and run gongbao from there — ingest, search, serve and a
PostgreSQL store. What the wheel lacks (migrations, templates, static files) fails here.

The new venv holds only the wheel's own files; the runtime dependencies come from this test's
environment through a path in a ``.pth`` file (no download, no source tree). That path is added
as it is: the ``.pth`` files inside it, such as an editable install of gongbao pointing at
``src/``, are not run, so ``gongbao`` can only be imported from the wheel (asserted below).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .conftest import CORPUS

ROOT = Path(__file__).resolve().parent.parent
ISSUE = CORPUS / "001_c4221d5962f1b0b2.txt"


def _run(args: list, cwd: Path, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel built from it (``python -m build``, offline: no isolation),
    from a copy of the files a release ships, so the work tree is left alone."""
    work = tmp_path_factory.mktemp("build")
    source = work / "gongbao-src"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    dist = work / "dist"
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source], work, _clean_env())
    return {"sdist": next(dist.glob("gongbao-*.tar.gz")), "wheel": next(dist.glob("gongbao-*.whl"))}


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without PYTHONPATH (tests run with src/ on it) or a chosen store."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GONGBAO_DB", "VIRTUAL_ENV")}
    return {**env, **extra}


def test_the_wheel_holds_every_file_the_package_reads(built):
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    package = ROOT / "src" / "gongbao"
    shipped = {f"gongbao/{p.relative_to(package).as_posix()}" for p in package.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped <= names, sorted(shipped - names)
    assert any(n.startswith("gongbao/store/migrations/postgresql/") for n in names)


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> dict[str, Path]:
    """A fresh venv (outside the source tree) with the wheel installed and nothing else of gongbao."""
    home = tmp_path_factory.mktemp("user")
    venv = home / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], home, _clean_env())
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", built["wheel"]],
         home, _clean_env())
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], home,
                        _clean_env()).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "runtime-dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    where = _run([python, "-c", "import gongbao; print(gongbao.__file__)"], home, _clean_env()).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the wheel's copy, not src/
    return {"home": home, "gongbao": venv / "bin" / "gongbao"}


def test_installed_wheel_ingests_searches_and_serves(installed):
    home, gongbao = installed["home"], installed["gongbao"]
    env = _clean_env(COLUMNS="200")
    out = _run([gongbao, "ingest", ISSUE, "--db", "store.db"], home, env)
    assert "added" in out.stderr  # the per-file lines go with the progress bar, to stderr
    found = json.loads(_run([gongbao, "search", "旅游", "--db", "store.db", "--json"], home, env).stdout)
    assert found["total"] > 0 and found["hits"][0]["id"].startswith("140322/2024/2/")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([str(gongbao), "serve", "--db", "store.db", "--port", str(port)], cwd=home, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = _get(f"http://127.0.0.1:{port}/140322/2024/2", server)
        assert "盂县人民政府公报" in page and "目录" in page  # a template of the wheel
        assert "font-family" in _get(f"http://127.0.0.1:{port}/static/style.css", server)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url: str, server: subprocess.Popen, wait: float = 60) -> str:
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode("utf-8")
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"gongbao serve exited: {server.stderr.read().decode()}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_installed_wheel_migrates_and_uses_a_postgresql_store(installed, new_store_url):
    home, gongbao = installed["home"], installed["gongbao"]
    url = new_store_url("postgresql")
    env = _clean_env(COLUMNS="200")
    _run([gongbao, "ingest", ISSUE, "--db", url], home, env)  # the PostgreSQL migrations come from the wheel
    found = json.loads(_run([gongbao, "search", "旅游", "--db", url, "--json"], home, env).stdout)
    assert found["total"] > 0
    assert "OK" in _run([gongbao, "fsck", "--db", url], home, env).stdout
