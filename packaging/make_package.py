"""Build the one-folder application with PyInstaller and pack it: ``make package`` runs this.

    .venv/bin/python packaging/make_package.py [--distpath dist] [--workpath build] [--no-build]

1. runs PyInstaller on build.spec: ``dist/changsha-replay/`` (and on macOS ``Changsha Replay.app``);
2. checks the bundle: it starts (``--version``) and, on Linux, renders the window offscreen
   (``--screenshot``), carries the X11 libraries Qt needs and stays within the size budget;
3. writes ``dist/changsha-replay-<version>-<platform>.tar.gz`` (``.zip`` on Windows), with a
   desktop entry, icon and installer script beside the program on Linux.

It prints the bundle's size and its largest files.
"""

from __future__ import annotations

import argparse
import os
import platform
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "changsha-replay"
SIZE_BUDGET = 150_000_000  # bytes, unpacked (du -sb)
# Libraries the xcb platform plugin links to that a desktop may lack: the bundle must carry them
# (tools/system-deps.sh installs them on the build machine, where PyInstaller collects them).
X11_LIBRARIES = (
    "libxcb-icccm.so.4",
    "libxcb-keysyms.so.1",
    "libxcb-cursor.so.0",
    "libxcb-image.so.0",
    "libxcb-render-util.so.0",
    "libxkbcommon-x11.so.0",
)
LINUX_EXTRAS = {  # archive name: source
    f"{SLUG}.desktop": ROOT / "packaging" / "linux" / f"{SLUG}.desktop",
    f"{SLUG}.png": ROOT / "resources" / "icons" / f"{SLUG}-256.png",
    "install-desktop-entry.sh": ROOT / "packaging" / "linux" / "install-desktop-entry.sh",
}


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "changsha_replay" / "__init__.py").read_text("utf-8"), namespace)
    return namespace["__version__"]


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    return f"{system}-{machine}"


def executable(bundle: Path) -> Path:
    return bundle / (SLUG + ".exe" if sys.platform == "win32" else SLUG)


def tree_size(folder: Path) -> int:
    """Apparent size of a folder as ``du -sb`` counts it: files, symbolic links and folders."""
    total = folder.lstat().st_size
    for path in folder.rglob("*"):
        total += path.lstat().st_size
    return total


def largest_files(folder: Path, count: int = 15) -> list[tuple[int, str]]:
    files = [(p.lstat().st_size, str(p.relative_to(folder))) for p in folder.rglob("*") if not p.is_symlink()]
    return sorted((entry for entry in files if not Path(folder, entry[1]).is_dir()), reverse=True)[:count]


def pyinstaller_command(distpath: Path, workpath: Path) -> list[str]:
    """The PyInstaller run that builds build.spec into distpath (the tests use it too)."""
    return [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(distpath),
        "--workpath",
        str(workpath),
        str(ROOT / "build.spec"),
    ]


def build(distpath: Path, workpath: Path) -> None:
    command = pyinstaller_command(distpath, workpath)
    print("+", " ".join(command), flush=True)
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True)
    print(f"PyInstaller: {time.monotonic() - started:.0f} s")


def check(bundle: Path) -> list[str]:
    """Problems with a built bundle (empty when it is fine)."""
    problems = []
    exe = executable(bundle)
    if not exe.is_file():
        return [f"{exe} was not built"]
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60, cwd=bundle.parent)
    if result.returncode != 0 or version() not in result.stdout:
        problems.append(f"{exe.name} --version failed: {result.stdout.strip()} {result.stderr.strip()}")
    if sys.platform.startswith("linux"):  # the window, rendered offscreen from another folder
        with tempfile.TemporaryDirectory(prefix="changsha-package-") as scratch:
            png = Path(scratch, "window.png")
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": scratch}
            result = subprocess.run(
                [str(exe), "--size", "800x500", "--screenshot", str(png)],
                capture_output=True, text=True, timeout=120, cwd=scratch, env=env,
            )  # fmt: skip
            if result.returncode != 0 or not png.is_file() or png.stat().st_size < 20_000:
                problems.append(f"{exe.name} --screenshot failed: {result.stderr.strip()[-2000:]}")
    internal = bundle / "_internal"
    if not (internal / "scenarios" / "changsha-1942.sqlite").is_file():
        problems.append("the bundled scenario is missing")
    if sys.platform.startswith("linux"):
        present = {path.name for path in internal.rglob("*.so*")}
        missing = [name for name in X11_LIBRARIES if name not in present]
        if missing:
            problems.append(
                f"the bundle lacks {', '.join(missing)}: install them here (tools/system-deps.sh) and build again"
            )
        size = tree_size(bundle)
        if size > SIZE_BUDGET:
            problems.append(f"the bundle is {size / 1e6:.1f} MB, over the {SIZE_BUDGET / 1e6:.0f} MB budget")
    return problems


def _tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isfile() or info.isdir():
        info.mode = (info.mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH) & ~(stat.S_IWGRP | stat.S_IWOTH)
    return info


def archive(bundle: Path, distpath: Path) -> Path:
    """Pack the bundle as ``changsha-replay-<version>/`` into a .tar.gz (a .zip on Windows)."""
    top = f"{SLUG}-{version()}"
    name = f"{SLUG}-{version()}-{platform_tag()}"
    if sys.platform == "win32":
        target = distpath / f"{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted(bundle.rglob("*")):
                zf.write(path, f"{top}/{path.relative_to(bundle).as_posix()}")
        return target
    target = distpath / f"{name}.tar.gz"
    app = distpath / "Changsha Replay.app"
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        if sys.platform == "darwin" and app.is_dir():
            tar.add(app, f"{top}/{app.name}", filter=_tar_filter)
        else:
            tar.add(bundle, top, filter=_tar_filter)
        if sys.platform.startswith("linux"):
            for arcname, source in LINUX_EXTRAS.items():
                tar.add(source, f"{top}/{arcname}", filter=_tar_filter)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and pack the Changsha Replay application.")
    parser.add_argument("--distpath", type=Path, default=ROOT / "dist")
    parser.add_argument("--workpath", type=Path, default=ROOT / "build")
    parser.add_argument("--no-build", action="store_true", help="pack the bundle already in DISTPATH")
    args = parser.parse_args(argv)
    distpath = args.distpath.resolve()
    bundle = distpath / SLUG
    if not args.no_build:
        build(distpath, args.workpath.resolve())
    problems = check(bundle)
    size = tree_size(bundle) if bundle.is_dir() else 0
    print(f"\n{bundle}: {size:,} bytes ({size / 1e6:.1f} MB) in {sum(1 for _ in bundle.rglob('*')):,} files")
    for file_size, name in largest_files(bundle) if bundle.is_dir() else []:
        print(f"  {file_size / 1e6:7.2f} MB  {name}")
    if problems:
        for problem in problems:
            print(f"make_package: {problem}", file=sys.stderr)
        return 1
    started = time.monotonic()
    target = archive(bundle, distpath)
    packed = target.stat().st_size
    print(f"\n{target}: {packed:,} bytes ({packed / 1e6:.1f} MB), packed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
