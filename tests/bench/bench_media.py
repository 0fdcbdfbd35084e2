"""Benchmark: the media processor against the design document's own Pillow approach.

Run from the repository root:  ``python tests/bench/bench_media.py``  (``--runs N`` to change the
number of timed runs per round, default 5; ``--quick`` for 3; ``--rounds N``, default 3). It prints one line per result::

    BENCH media.jpeg12mp ms_p50=... peak_mib=... baseline_ms_p50=... baseline_peak_mib=...
    BENCH media.real_photos n=... ms_p50=... peak_mib=... baseline_ms_p50=... baseline_peak_mib=...

What is compared, on the same bytes in the same run:

* ours: ``backlot.images.process_image`` (family's media processor) (clean copy + 1600-px preview + thumbnail);
* baseline: the document's ``_generate_thumbnail`` (section 4.D), copied literally minus the
  storage upload, plus "the obvious strip": ``Image.open``, ``ImageOps.exif_transpose``, save
  without metadata (in the original format for JPEG/PNG/WebP, else JPEG, as ours does).

Inputs: a generated 12-megapixel JPEG (4000 x 3000, EXIF Orientation 6 and GPS, quality 92,
photo-like gradients, fractal detail and sensor-like noise), and the real photos in
``../shared/data/images/orientation`` and ``formats`` (skipped with a note when absent).

Figures:

* ``ms_p50``: median wall time of one call (``time.perf_counter``) over ``--rounds`` x ``--runs``
  timed runs. For ``real_photos`` one run processes every photo once and the figure is that run's
  time divided by ``n`` (mean milliseconds per photo, median over runs). Timing runs in fresh
  worker processes (one untimed warm-up run each, the default allocator), and the two methods
  take turns, round by round (ours, baseline, ours, baseline, ...), so that a busy spell on a
  shared machine falls on both rather than on whichever happened to run then.
* ``peak_mib``: peak resident memory (Linux ``VmHWM``) above the resident size just before the
  measured run, in MiB, in another fresh worker process per method and input set. RSS is used
  instead of ``tracemalloc`` because Pillow allocates pixel buffers with C ``malloc``, which
  ``tracemalloc`` does not see. The peak is reset after the warm-up (``/proc/self/clear_refs``),
  and memory workers run with ``MALLOC_MMAP_THRESHOLD_=131072`` so that freed image buffers go
  back to the OS instead of staying in glibc's heap, where a later run would reuse them without
  raising RSS and so look lighter than it is. (That setting slows allocation, which is why the
  timing is measured separately.) For ``real_photos`` the peak is the largest over the set.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def _repo_root() -> Path:
    for parent in HERE.parents:
        if (parent / "pyproject.toml").exists() or (parent / ".git").exists():
            return parent
    return HERE.parents[2]


REPO = _repo_root()
DATA = REPO.parent / "shared" / "data" / "images"
REAL_SUBSETS = ("orientation", "formats")

try:  # installed with `pip install -e .`, or run with PYTHONPATH=layers/platform/python
    import backlot.images  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "layers" / "platform" / "python"))

from PIL import Image, ImageOps  # noqa: E402

from backlot.images import ImageRejected as MediaRejected, process_image  # noqa: E402


# ------------------------------------------------------------------------------------------
# The baseline, as the design document writes it
# ------------------------------------------------------------------------------------------


def baseline(file_bytes: bytes) -> tuple[bytes, bytes]:
    # --- document 000, section 4.D, _generate_thumbnail (minus the Supabase upload) ---
    img = Image.open(io.BytesIO(file_bytes))
    img.thumbnail((200, 200))

    thumb_io = io.BytesIO()
    img.save(thumb_io, format='JPEG')
    thumb_bytes = thumb_io.getvalue()

    # --- the obvious strip: open, exif_transpose, save without metadata ---
    img = Image.open(io.BytesIO(file_bytes))
    fmt = img.format if img.format in ("JPEG", "PNG", "WEBP") else "JPEG"
    img = ImageOps.exif_transpose(img)
    clean_io = io.BytesIO()
    img.save(clean_io, format=fmt)
    return thumb_bytes, clean_io.getvalue()


def ours(file_bytes: bytes):
    return process_image(file_bytes)


# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------


def make_12mp_jpeg(path: Path) -> None:
    """4000 x 3000 JPEG, quality 92, EXIF Orientation 6 + GPS, compressing like a photo."""
    from PIL import ImageChops, ImageFilter

    size = (4000, 3000)
    small = (400, 300)
    # Smooth, differently oriented gradients per channel (sky, light falloff)...
    grad = Image.linear_gradient("L").resize(small)
    radial = Image.radial_gradient("L").resize(small)
    # ...fractal detail for texture (foliage, fabric), blurred a little like a lens would...
    detail = Image.effect_mandelbrot(size, (-0.7454, 0.1130, -0.7450, 0.1133), 200).filter(ImageFilter.GaussianBlur(1.2))
    channels = []
    for i, base in enumerate((grad, radial, grad.transpose(Image.Transpose.ROTATE_180))):
        base = base.resize(size, Image.Resampling.BICUBIC)
        noise = Image.effect_noise(size, 7 + 2 * i)  # sensor noise, mean 128
        mixed = ImageChops.add(Image.blend(base, detail, 0.35 + 0.1 * i), noise, scale=1.0, offset=-128)
        channels.append(mixed)
    img = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to view
    exif[0x010F] = "BenchCam"
    exif[0x0110] = "Model 12"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 29.9), 3: "E", 4: (2.0, 17.0, 40.2), 5: b"\x00", 6: 35.0})
    img.save(path, "JPEG", quality=92, exif=exif.tobytes())


def real_photos() -> list[Path]:
    files: list[Path] = []
    for sub in REAL_SUBSETS:
        folder = DATA / sub
        if folder.is_dir():
            files.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    return files


# ------------------------------------------------------------------------------------------
# Worker: one method, one input set, fresh process
# ------------------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def worker(method: str, measure: str, paths: list[str], runs: int) -> dict:
    import gc

    fn = ours if method == "ours" else baseline
    blobs = [Path(p).read_bytes() for p in paths]
    usable = []
    for blob in blobs:  # warm-up (imports plugins and codecs), and drop what a method rejects
        try:
            fn(blob)
            usable.append(blob)
        except MediaRejected:
            pass
        except Exception:  # the baseline crashes on some inputs; leave them out of both sides
            pass
    gc.collect()
    if measure == "memory":
        if not _reset_peak():
            return {"peak_mib": float("nan"), "n": len(usable)}
        rss0 = _status_kib("VmRSS")
        for blob in usable:
            fn(blob)
        return {"peak_mib": max(_status_kib("VmHWM") - rss0, 0) / 1024, "n": len(usable)}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for blob in usable:
            fn(blob)
        times.append((time.perf_counter() - t0) * 1000 / max(1, len(usable)))
    return {"times_ms": times, "n": len(usable)}


def run_worker(method: str, measure: str, paths: list[Path], runs: int) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    if measure == "memory":
        env["MALLOC_MMAP_THRESHOLD_"] = "131072"
    cmd = [sys.executable, str(HERE), "--worker", method, "--measure", measure, "--runs", str(runs), *map(str, paths)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(paths: list[Path], runs: int, rounds: int) -> dict:
    """``{"ours"|"baseline": {"ms_p50", "peak_mib", "n"}}``: timing workers alternate between the
    methods for ``rounds`` rounds of ``runs`` runs each; memory is one worker per method."""
    times: dict[str, list[float]] = {"ours": [], "baseline": []}
    for _ in range(rounds):
        for method in times:
            times[method] += run_worker(method, "time", paths, runs)["times_ms"]
    return {
        method: {"ms_p50": statistics.median(times[method]), **run_worker(method, "memory", paths, runs)}
        for method in times
    }


def usable_for_both(paths: list[Path]) -> tuple[list[Path], list[str]]:
    keep, notes = [], []
    for p in paths:
        data = p.read_bytes()
        try:
            process_image(data)
        except MediaRejected as exc:
            notes.append(f"{p.name}: rejected by ours ({exc.code})")
            continue
        try:
            baseline(data)
        except Exception as exc:
            notes.append(f"{p.name}: the baseline fails ({type(exc).__name__}: {exc})")
            continue
        keep.append(p)
    return keep, notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds, the methods taking turns")
    ap.add_argument("--quick", action="store_true", help="3 timed runs")
    ap.add_argument("--worker", choices=("ours", "baseline"))
    ap.add_argument("--measure", choices=("time", "memory"), default="time")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    runs = 3 if args.quick else args.runs
    if args.worker:
        print(json.dumps(worker(args.worker, args.measure, args.paths, runs)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "jpeg12mp.jpg"
        make_12mp_jpeg(big)
        print(f"# generated 4000x3000 q92 JPEG with Orientation 6 + GPS: {big.stat().st_size / 2**20:.1f} MiB", flush=True)
        results = measure([big], runs, args.rounds)
        print(
            "BENCH media.jpeg12mp "
            f"ms_p50={results['ours']['ms_p50']:.1f} peak_mib={results['ours']['peak_mib']:.1f} "
            f"baseline_ms_p50={results['baseline']['ms_p50']:.1f} baseline_peak_mib={results['baseline']['peak_mib']:.1f}",
            flush=True,
        )

    photos = real_photos()
    if not photos:
        print(f"# media.real_photos skipped: {DATA} is absent")
        return 0
    photos, notes = usable_for_both(photos)
    for note in notes:
        print(f"# real_photos: {note}")
    results = measure(photos, runs, args.rounds)
    print(
        f"BENCH media.real_photos n={len(photos)} "
        f"ms_p50={results['ours']['ms_p50']:.1f} peak_mib={results['ours']['peak_mib']:.1f} "
        f"baseline_ms_p50={results['baseline']['ms_p50']:.1f} baseline_peak_mib={results['baseline']['peak_mib']:.1f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
