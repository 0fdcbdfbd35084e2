"""Tests for ``family.media.video`` (issue 2, item 5 "Media": videos from phones).

Every video is generated here with the same ffmpeg binary the code uses (the one in the
imageio-ffmpeg wheel): a picture whose upright appearance is known (four coloured quadrants) is
encoded as H.264 (or HEVC, ProRes...), stored rotated with a display matrix
(``-display_rotation``, counter-clockwise degrees) and given the location metadata phones write:

* ``udta`` style (Android, ffmpeg's default): ``-metadata location=+30.6300+119.7400/``, which
  ffmpeg writes in ``udta``: the QuickTime ``©xyz`` atom in a MOV, the 3GPP ``loci`` box (and
  the text) in an MP4 (exiftool: ``UserData:GPSCoordinates`` / ``UserData:LocationInformation``);
* ``keys`` style (iPhone): ``-movflags use_metadata_tags -metadata
  com.apple.quicktime.location.ISO6709=...``, a ``meta``/``keys``/``ilst`` entry (exiftool:
  ``Keys:GPSCoordinates``);

plus a title, a chapter and a subtitle track that also spell the location. The clean copy is
checked three ways: the raw bytes (the location text is nowhere), an independent walk of its
boxes (no ``udta``/``meta``/``keys``/``ilst``/``©xyz``/``loci``), ffmpeg's own description of
it (``ffmpeg -i`` on stderr: no metadata, no chapters, one video and one audio stream) and, when
installed, ``exiftool -j -G1 -a -u -ee`` (skipped with a reason otherwise).
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() or (parent / ".git").exists():
            return parent
    raise RuntimeError(f"no pyproject.toml or .git above {here}")


try:
    from family.media import video as V
except ImportError:  # not installed yet: use the source tree
    sys.path.insert(0, str(_repo_root() / "functions" / "family"))
    from family.media import video as V

from backlot.images import (  # noqa: E402
    CORRUPT,
    DECOMPRESSION_BOMB,
    NOT_AN_IMAGE,
    TOO_LARGE,
    TRUNCATED,
    UNSUPPORTED_TYPE,
    sniff_mime_type,
)
from family.media.video import MediaRejected, ProcessedVideo, process_video  # noqa: E402

from tests.support.metadata import metadata_left  # noqa: E402

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg is not installed (pip install -e .)")
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(
    EXIFTOOL is None,
    reason="exiftool is not installed (apt-get install libimage-exiftool-perl); byte, box and ffmpeg checks still ran",
)

#: ISO 6709 location written into the generated videos, and the bytes that must never survive.
LOCATION = "+30.6300+119.7400/"
LOCATION_3D = "+30.6300+119.7400+010.000/"
SECRETS = (b"+30.63", b"30.63", b"119.74", b"ISO6709", b"Secret garden", b"Lavf")
#: Colours of the upright picture's quadrants: top-left, top-right, bottom-left, bottom-right.
QUADRANTS = ((220, 30, 30), (30, 200, 30), (30, 30, 220), (240, 240, 240))


# --------------------------------------------------------------------------------------------
# Generating videos (also used by tests/integration/family/test_media_video.py)
# --------------------------------------------------------------------------------------------


def ffmpeg(*args: str | Path, cwd: Path | None = None) -> None:
    """Run the bundled ffmpeg; fail the test with its messages when it fails."""
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd)
    assert proc.returncode == 0, f"{cmd}\n{proc.stderr}"


def has_encoder(name: str) -> bool:
    out = subprocess.run([FFMPEG, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30).stdout
    return re.search(rf"^\s*\S+\s+{re.escape(name)}\s", out, re.M) is not None


def upright_picture(size: tuple[int, int]) -> Image.Image:
    """The picture as it must be seen: four coloured quadrants."""
    w, h = size
    img = Image.new("RGB", size)
    for i, colour in enumerate(QUADRANTS):
        x, y = (i % 2) * w // 2, (i // 2) * h // 2
        img.paste(colour, (x, y, x + w // 2, y + h // 2))
    return img


def make_video(
    folder: Path,
    name: str,
    *,
    size: tuple[int, int] = (320, 240),
    rotation: int = 0,
    seconds: float = 1.0,
    container: str = "mov",
    location: str | None = "udta",
    audio: str | None = "aac",
    video_codec: str = "libx264",
    extras: bool = True,
) -> Path:
    """Write ``folder/name`` and return its path.

    Args:
        size: the upright (displayed) size in pixels; the stored frames are rotated so that a
            player applying the display matrix shows :func:`upright_picture` of this size.
        rotation: display matrix rotation, counter-clockwise degrees (``-display_rotation``).
        container: ``mov`` (QuickTime) or ``mp4``.
        location: ``"udta"`` (``©xyz`` + ``loci``), ``"keys"`` (``mdta`` keys, as iPhones) or None.
        audio: audio codec (``aac``, ``pcm_s16le``, ``adpcm_ima_qt``...) or None.
        extras: also a title, a chapter and a subtitle track that spell the location.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f".{name}"
    # stored = upright turned clockwise by `rotation`, so that turning it back counter-clockwise
    # (what the display matrix asks the player to do) shows the upright picture.
    upright_picture(size).rotate(-rotation, expand=True).save(f"{stem}.png")
    args: list[str | Path] = ["-loop", "1", "-framerate", "10", "-i", f"{stem}.png"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    args += ["-t", str(seconds), "-c:v", video_codec, "-pix_fmt", "yuv420p" if video_codec != "prores_ks" else "yuv422p10le"]
    if video_codec == "libx265":
        args += ["-x265-params", "log-level=error", "-tag:v", "hvc1"]
    if audio:
        args += ["-c:a", audio]
    base = f"{stem}.base.{container}"
    ffmpeg(*args, base)

    args = ["-display_rotation:v:0", str(rotation), "-i", base]
    maps = ["-map", "0"]
    if extras:
        srt = Path(f"{stem}.srt")
        srt.write_text(f"1\n00:00:00,000 --> 00:00:00,900\nWe were at {LOCATION}\n")
        chapters = Path(f"{stem}.ffmeta")
        chapters.write_text(f";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=Garden {LOCATION}\n")
        args += ["-i", srt, "-i", chapters]
        maps += ["-map", "1", "-map_chapters", "2", "-c:s", "mov_text", "-metadata", "title=Secret garden"]
    args += [*maps, "-c:v", "copy", "-c:a", "copy"]
    if location == "udta":
        args += ["-metadata", f"location={LOCATION}", "-metadata", f"location-eng={LOCATION}"]
    elif location == "keys":
        args += ["-movflags", "use_metadata_tags", "-metadata", f"com.apple.quicktime.location.ISO6709={LOCATION_3D}",
                 "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 15"]
    out = folder / name
    ffmpeg(*args, "-f", "mov" if container == "mov" else "mp4", out)
    return out


# --------------------------------------------------------------------------------------------
# Inspecting videos
# --------------------------------------------------------------------------------------------


def ffmpeg_describe(data: bytes, tmp_path: Path) -> str:
    """What ``ffmpeg -i`` prints about a file (the ffprobe view, from the ffmpeg binary)."""
    path = tmp_path / "describe.mp4"
    path.write_bytes(data)
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True, timeout=60)
    return proc.stderr.replace(str(path), "FILE")


def box_types(data: bytes) -> list[tuple[int, bytes]]:
    """``(depth, type)`` of every box in the containers that can hold metadata (ISO/IEC 14496-12
    4.2 and 8.x; an implementation independent of the one under test)."""
    containers = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta", b"meta"}
    out: list[tuple[int, bytes]] = []

    def walk(start: int, end: int, depth: int) -> None:
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", data[pos : pos + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
            elif size == 0:
                size = end - pos
            assert size >= header and pos + size <= end, f"bad box {kind!r} at {pos}"
            out.append((depth, kind))
            if kind in containers:
                walk(pos + header + (4 if kind == b"meta" else 0), pos + size, depth + 1)
            pos += size

    walk(0, len(data), 0)
    return out


def exiftool_tags(data: bytes, tmp_path: Path) -> dict[str, str]:
    """``exiftool -j -G1 -a -u -ee`` as ``{"Group:Tag": value}``."""
    path = tmp_path / "exif.mp4"
    path.write_bytes(data)
    out = subprocess.run([EXIFTOOL, "-j", "-G1", "-a", "-u", "-ee", str(path)], capture_output=True, text=True, check=True)
    return {k: str(v) for k, v in json.loads(out.stdout)[0].items()}


LOCATION_TAG = re.compile(r"GPS|Location|Coordinates|ISO6709|xyz", re.I)
FORBIDDEN_GROUPS = {"UserData", "Keys", "ItemList", "XMP", "GPS", "Chapter1", "Track3"}


def location_tags(tags: dict[str, str]) -> list[str]:
    return [k for k in tags if LOCATION_TAG.search(k.partition(":")[2])]


def quadrant_colours(jpeg: bytes) -> list[tuple[int, int, int]]:
    with Image.open(io.BytesIO(jpeg)) as img:
        rgb = img.convert("RGB")
        w, h = rgb.size
        return [rgb.getpixel((x * w // 4, y * h // 4)) for y in (1, 3) for x in (1, 3)]


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


_processed: dict[Path, ProcessedVideo] = {}


def processed(path: Path) -> ProcessedVideo:
    if path not in _processed:
        _processed[path] = process_video(path.read_bytes())
    return _processed[path]


STYLES = [("mov", "udta"), ("mov", "keys"), ("mp4", "udta"), ("mp4", "keys")]


@pytest.fixture(scope="module", params=STYLES, ids=[f"{c}-{s}" for c, s in STYLES])
def phone_video(request: pytest.FixtureRequest, videos: Path) -> Path:
    container, style = request.param
    return make_video(videos, f"phone-{style}.{container}", rotation=270, container=container, location=style)


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------


def test_generated_videos_are_sniffed_and_carry_the_location(phone_video: Path, tmp_path: Path) -> None:
    """The fixtures bite: the source really has the location, in the style it claims."""
    data = phone_video.read_bytes()
    assert sniff_mime_type(data) == ("video/quicktime" if phone_video.suffix == ".mov" else "video/mp4")
    assert b"+30.63" in data
    kinds = {kind for _depth, kind in box_types(data)}
    assert b"udta" in kinds or b"meta" in kinds
    described = ffmpeg_describe(data, tmp_path)
    assert "30.6300" in described and "Subtitle" in described and "Chapter" in described
    if EXIFTOOL:
        assert location_tags(exiftool_tags(data, tmp_path)), "exiftool sees no location in the source"


def test_location_and_all_metadata_are_gone(phone_video: Path, tmp_path: Path) -> None:
    result = processed(phone_video)
    clean = result.clean
    assert result.clean_mime_type == "video/mp4" and sniff_mime_type(clean) == "video/mp4"
    for secret in SECRETS:
        assert secret not in clean, f"{secret!r} is still in the clean copy"
    boxes = box_types(clean)
    kinds = {kind for _depth, kind in boxes}
    assert not kinds & {b"udta", b"meta", b"keys", b"ilst", b"\xa9xyz", b"loci", b"uuid", b"XMP_"}, kinds
    top = [kind for depth, kind in boxes if depth == 0]
    assert top.index(b"moov") < top.index(b"mdat"), f"not faststart: {top}"
    assert sum(1 for _d, k in boxes if k == b"trak") == 2  # video and audio only

    described = ffmpeg_describe(clean, tmp_path)
    for word in ("location", "com.apple", "title", "encoder", "chapter", "creation_time", "30.63"):
        assert word.lower() not in described.lower(), f"{word!r} in:\n{described}"
    streams = re.findall(r"Stream #0:\d+.*?: (Video|Audio|Subtitle|Data|Attachment):", described)
    assert streams == ["Video", "Audio"], described


@needs_exiftool
def test_exiftool_finds_no_location_or_user_data(phone_video: Path, tmp_path: Path) -> None:
    tags = exiftool_tags(processed(phone_video).clean, tmp_path)
    assert location_tags(tags) == []
    groups = {k.partition(":")[0] for k in tags}
    assert not groups & FORBIDDEN_GROUPS, sorted(groups)
    assert not [k for k in tags if k.partition(":")[2] in ("Title", "Encoder", "Software", "Make", "Model", "Text")]
    assert all(v.startswith("0000:00:00") for k, v in tags.items() if k.endswith("CreateDate"))


def test_poster_and_thumbnail_have_no_metadata(phone_video: Path) -> None:
    result = processed(phone_video)
    assert metadata_left(result.poster) == [] and metadata_left(result.thumbnail) == []
    for jpeg in (result.poster, result.thumbnail):
        assert jpeg[:3] == b"\xff\xd8\xff" and b"Lavc" not in jpeg and b"30.63" not in jpeg


def test_clean_copy_plays_to_the_end(phone_video: Path, tmp_path: Path) -> None:
    path = tmp_path / "clean.mp4"
    path.write_bytes(processed(phone_video).clean)
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_cover_art_and_data_streams_are_dropped(videos: Path, tmp_path: Path) -> None:
    base = make_video(videos, "plain.mp4", container="mp4", location=None, extras=False)
    cover = tmp_path / "cover.png"
    upright_picture((64, 64)).save(cover)
    with_cover = tmp_path / "cover.mp4"
    ffmpeg("-i", base, "-i", cover, "-map", "0", "-map", "1", "-c", "copy", "-c:v:1", "png",
           "-disposition:v:1", "attached_pic", "-metadata", "title=Secret garden", with_cover)
    assert "attached pic" in ffmpeg_describe(with_cover.read_bytes(), tmp_path)
    result = process_video(with_cover.read_bytes())
    described = ffmpeg_describe(result.clean, tmp_path)
    assert re.findall(r"Stream #0:\d+.*?: (\w+):", described) == ["Video", "Audio"], described
    assert b"\x89PNG" not in result.clean and b"Secret garden" not in result.clean


# --------------------------------------------------------------------------------------------
# Geometry, duration, poster
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("size", [(320, 240), (240, 320)], ids=["landscape", "portrait"])
def test_dimensions_and_poster_are_upright(videos: Path, tmp_path: Path, rotation: int, size: tuple[int, int]) -> None:
    path = make_video(videos, f"rot{rotation}-{size[0]}x{size[1]}.mov", size=size, rotation=rotation, location="keys")
    result = processed(path)
    assert (result.width, result.height) == size
    with Image.open(io.BytesIO(result.poster)) as poster:
        assert poster.format == "JPEG" and poster.size == size
    colours = quadrant_colours(result.poster)
    assert all(close(got, want) for got, want in zip(colours, QUADRANTS)), (colours, QUADRANTS)
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 200
        assert thumb.size == ((200, 150) if size[0] > size[1] else (150, 200))
    assert all(close(got, want) for got, want in zip(quadrant_colours(result.thumbnail), QUADRANTS))
    # the clean copy keeps its display matrix, so players show it upright too
    described = ffmpeg_describe(result.clean, tmp_path)
    assert ("rotation of" in described.lower()) == (rotation != 0), described


def test_duration_and_audio(videos: Path) -> None:
    long = processed(make_video(videos, "long.mp4", seconds=2.5, container="mp4"))
    assert long.duration_seconds == pytest.approx(2.5, abs=0.05) and long.has_audio
    silent = processed(make_video(videos, "silent.mov", audio=None, location=None, extras=False))
    assert silent.duration_seconds == pytest.approx(1.0, abs=0.05) and not silent.has_audio
    assert silent.mime_type == "video/quicktime"


def test_short_video_poster_is_the_first_frame(videos: Path) -> None:
    short = processed(make_video(videos, "short.mov", seconds=0.3))
    assert short.duration_seconds == pytest.approx(0.3, abs=0.05)
    assert (short.width, short.height) == (320, 240) and short.poster[:2] == b"\xff\xd8"


def test_large_video_poster_fits_the_preview_box(videos: Path) -> None:
    # a phone's portrait video: stored 1920 x 1080, shown 1080 x 1920
    result = processed(make_video(videos, "fullhd.mp4", size=(1080, 1920), rotation=90, container="mp4", extras=False))
    assert (result.width, result.height) == (1080, 1920)
    with Image.open(io.BytesIO(result.poster)) as poster:
        assert max(poster.size) <= 1600 and poster.size[1] > poster.size[0]


def test_pcm_audio_is_kept_and_adpcm_becomes_aac(videos: Path, tmp_path: Path) -> None:
    pcm = processed(make_video(videos, "pcm.mov", audio="pcm_s16le", extras=False))
    assert pcm.has_audio
    adpcm = processed(make_video(videos, "adpcm.mov", audio="adpcm_ima_qt", extras=False))
    assert adpcm.has_audio and re.search(r"Audio: aac", ffmpeg_describe(adpcm.clean, tmp_path))
    assert b"+30.63" not in adpcm.clean


@pytest.mark.skipif(not has_encoder("libx265"), reason="this ffmpeg build has no libx265 encoder")
def test_hevc_keeps_its_hvc1_tag(videos: Path, tmp_path: Path) -> None:
    result = processed(make_video(videos, "hevc.mov", size=(240, 320), video_codec="libx265", rotation=90, location="keys"))
    assert (result.width, result.height) == (240, 320)
    assert "hevc" in ffmpeg_describe(result.clean, tmp_path) and b"hvc1" in result.clean


# --------------------------------------------------------------------------------------------
# Hostile and unsupported input
# --------------------------------------------------------------------------------------------


def rejected(data: bytes, **kw: object) -> MediaRejected:
    with pytest.raises(MediaRejected) as info:
        process_video(data, **kw)
    assert info.value.reason and "ffmpeg" not in info.value.reason and "/tmp" not in info.value.reason
    return info.value


def ftyp(major: bytes = b"mp42") -> bytes:
    return struct.pack(">I4s4sI4s4s", 24, b"ftyp", major, 0, major, b"isom")


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_zero_length_and_unrecognised_bytes() -> None:
    assert rejected(b"").code == NOT_AN_IMAGE
    assert rejected(b"hello, this is text").code == NOT_AN_IMAGE


def test_other_types_are_unsupported(videos: Path) -> None:
    jpeg = io.BytesIO()
    upright_picture((32, 32)).save(jpeg, "JPEG")
    assert rejected(jpeg.getvalue()).code == UNSUPPORTED_TYPE
    assert rejected(b"GIF89a" + b"\x00" * 40).code == UNSUPPORTED_TYPE
    audio_only = videos / "audio-only.mp4"
    ffmpeg("-f", "lavfi", "-i", "sine", "-t", "1", "-c:a", "aac", "-f", "mp4", audio_only)
    assert sniff_mime_type(audio_only.read_bytes()) == "video/mp4"
    err = rejected(audio_only.read_bytes())
    assert err.code == UNSUPPORTED_TYPE and "no video stream" in err.reason


@pytest.mark.skipif(not has_encoder("prores_ks"), reason="this ffmpeg build has no ProRes encoder")
def test_a_video_codec_mp4_cannot_hold_is_unsupported(videos: Path) -> None:
    path = make_video(videos, "prores.mov", video_codec="prores_ks", audio=None, extras=False)
    err = rejected(path.read_bytes())
    assert err.code == UNSUPPORTED_TYPE and "prores" in err.reason


def test_random_bytes_after_an_ftyp_header() -> None:
    rng = random.Random(1234)
    for _ in range(5):
        noise = bytes(rng.getrandbits(8) for _ in range(4000))
        assert rejected(ftyp() + noise).code in (CORRUPT, TRUNCATED)
    # boxes that parse, with garbage inside: ffmpeg finds no usable track in them
    garbage = ftyp(b"qt  ") + box(b"moov", bytes(rng.getrandbits(8) for _ in range(300))) + box(b"mdat", b"\x00" * 500)
    assert rejected(garbage).code in (CORRUPT, UNSUPPORTED_TYPE)
    assert rejected(ftyp() + box(b"mdat", b"\x00" * 100)).code == CORRUPT  # no moov at all


def test_undecodable_video_is_corrupt(videos: Path) -> None:
    """Every box in place, but the decoder configuration (``avcC``) is garbage: no frame decodes."""
    data = bytearray(make_video(videos, "garbled.mp4", container="mp4", extras=False).read_bytes())
    pos = data.index(b"avcC") + 4
    size = struct.unpack_from(">I", data, pos - 8)[0] - 8
    data[pos : pos + size] = bytes(random.Random(7).getrandbits(8) for _ in range(size))
    assert rejected(bytes(data)).code == CORRUPT


def test_truncated_videos(videos: Path, tmp_path: Path) -> None:
    faststart = tmp_path / "faststart.mp4"
    ffmpeg("-i", make_video(videos, "tr.mp4", seconds=2, container="mp4"), "-c", "copy", "-movflags", "+faststart", faststart)
    data = faststart.read_bytes()
    for cut in (len(data) // 2, len(data) - 1, 100):
        assert rejected(data[:cut]).code == TRUNCATED
    moov_at_end = make_video(videos, "tr.mov", seconds=2).read_bytes()
    assert [k for d, k in box_types(moov_at_end) if d == 0].index(b"mdat") < [k for d, k in box_types(moov_at_end) if d == 0].index(b"moov")
    assert rejected(moov_at_end[: len(moov_at_end) // 2]).code == TRUNCATED


def test_samples_missing_behind_a_consistent_box_is_rejected(videos: Path, tmp_path: Path) -> None:
    """The mdat box is shortened and its size fixed up, so only ffmpeg can tell data is missing."""
    faststart = tmp_path / "faststart.mp4"
    ffmpeg("-i", make_video(videos, "short-mdat.mp4", seconds=2, container="mp4"), "-c", "copy", "-movflags", "+faststart", faststart)
    data = bytearray(faststart.read_bytes())
    pos = data.index(b"mdat") - 4
    keep = (len(data) - pos) // 3
    struct.pack_into(">I", data, pos, keep)
    assert rejected(bytes(data[: pos + keep])).code in (TRUNCATED, CORRUPT)


def test_fuzzed_videos_never_crash(videos: Path) -> None:
    data = make_video(videos, "fuzz.mp4", container="mp4", extras=False).read_bytes()
    rng = random.Random(42)
    outcomes = set()
    for _ in range(12):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            mutated[rng.randrange(24, len(mutated))] = rng.getrandbits(8)
        try:
            result = process_video(bytes(mutated))
        except MediaRejected as exc:
            outcomes.add(exc.code)
        else:
            assert b"+30.63" not in result.clean and max(Image.open(io.BytesIO(result.thumbnail)).size) <= 200
            outcomes.add("ready")
    assert outcomes


def test_limits(videos: Path) -> None:
    data = make_video(videos, "limits.mp4", container="mp4", extras=False).read_bytes()
    err = rejected(data, max_seconds=0.5)
    assert err.code == TOO_LARGE and "1.0 s" in err.reason
    assert rejected(data, max_bytes=1000).code == TOO_LARGE
    assert rejected(data, max_pixels=320 * 240 - 1).code == DECOMPRESSION_BOMB
    assert rejected(data, timeout_seconds=0.001).code == TOO_LARGE


def test_decoder_refuses_frames_bigger_than_max_pixels(videos: Path, tmp_path: Path) -> None:
    """The poster decoder has its own ``-max_pixels`` guard, whatever the boxes claim."""
    source = make_video(videos, "guard.mp4", container="mp4", extras=False)
    clean = tmp_path / "clean.mp4"
    clean.write_bytes(processed(source).clean)
    proc = subprocess.run(V.poster_command(FFMPEG, str(clean), 0.0, 1000), capture_output=True, timeout=60)
    assert proc.returncode != 0 and proc.stdout == b""
    assert b"max pixel count" in proc.stderr


def test_commands_use_no_shell_and_only_local_files(tmp_path: Path) -> None:
    remux = V.remux_command(FFMPEG, "/tmp/in", "/tmp/out.mp4")
    for flag in ("-map_metadata", "-map_chapters", "-dn", "-sn", "-xerror", "-protocol_whitelist"):
        assert flag in remux
    assert remux[remux.index("-c") + 1] == "copy" and "+faststart" in remux and "+bitexact" in remux
    assert remux[remux.index("-i") - 2 : remux.index("-i")] == ["-protocol_whitelist", "file"]
    assert remux[remux.index("-i") + 1] == "file:/tmp/in"
    poster = V.poster_command(FFMPEG, "/tmp/out.mp4", 0.5, 100)
    assert poster[poster.index("-max_pixels") + 1] == "100" and poster[-1] == "pipe:1"


def test_missing_ffmpeg_is_an_error_not_a_rejection(videos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_video(videos, "noffmpeg.mp4", container="mp4", extras=False).read_bytes()
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent/ffmpeg")
    with pytest.raises(RuntimeError):
        process_video(data)
