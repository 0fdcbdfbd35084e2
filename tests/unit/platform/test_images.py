"""Tests for ``backlot.images`` (the platform's image pipeline, written for family's media in
issue 2, item 5 "Media", and shared with styles' training images).

Two layers:

* generated fixtures (always run): pictures made here with Pillow whose upright appearance is
  known (coloured corners), saved with EXIF Orientation 1..8, GPS, XMP, IPTC, comments, MPF
  second images, PNG text/eXIf chunks, WebP EXIF/XMP chunks, ICC profiles; plus hostile and
  fuzzed inputs. Metadata is checked with Pillow and by walking the container's own
  segments/chunks, so these tests bite even without exiftool.
* the real files in ``../shared/data/images`` (skipped with a reason when absent), checked for
  uprightness against the Orientation-1 picture / Pillow's ``ImageOps.exif_transpose``, and
  with ``exiftool -j -G1 -a -u`` against an allow-list of tag groups (skipped with a reason
  when exiftool is not installed).
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import struct
import subprocess
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageOps, ImageStat, PngImagePlugin, features


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() or (parent / ".git").exists():
            return parent
    raise RuntimeError(f"no pyproject.toml or .git above {here}")


REPO_ROOT = _repo_root()
from backlot.images import pipeline as P  # noqa: E402
from backlot.images import containers, encoding, geometry, jpeg_strips  # noqa: E402  (the parts, by concern)
from backlot.images.pipeline import ImageRejected, ProcessedImage, process_image, sniff_mime_type  # noqa: E402

DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "images"
EXIFTOOL = shutil.which("exiftool")

needs_data = pytest.mark.skipif(
    not DATA_DIR.is_dir(), reason=f"shared test images not found at {DATA_DIR} (CI puts shared/ beside the checkout)"
)
needs_exiftool = pytest.mark.skipif(
    EXIFTOOL is None, reason="exiftool is not installed (apt-get install libimage-exiftool-perl); Pillow checks still ran"
)

try:
    import pillow_heif

    pillow_heif.register_heif_opener()  # the fixtures below save HEIC with Pillow
    HEIF_ENCODE = bool(pillow_heif.libheif_info().get("HEIF"))
except ImportError:  # pragma: no cover
    pillow_heif = None
    HEIF_ENCODE = False

# Pillow transpose that undoes each EXIF orientation (what the camera stored, given the upright
# picture): the inverse of PIL.ImageOps.exif_transpose's table.
STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

GPS = {1: "N", 2: (30.0, 37.0, 48.0), 3: "E", 4: (119.0, 44.0, 24.0), 6: 12.5}


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def scene(width: int = 320, height: int = 192, mode: str = "RGB") -> Image.Image:
    """A picture whose orientation is obvious: red top-left, green top-right, blue bottom-right
    corners over a diagonal gradient."""
    im = Image.new("RGB", (width, height))
    grad = Image.linear_gradient("L").resize((width, height))
    im = Image.merge("RGB", (grad, grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT), Image.new("L", (width, height), 90)))
    draw = ImageDraw.Draw(im)
    bw, bh = width // 4, height // 4
    draw.rectangle([0, 0, bw, bh], fill=(255, 0, 0))
    draw.rectangle([width - bw, 0, width - 1, bh], fill=(0, 255, 0))
    draw.rectangle([width - bw, height - bh, width - 1, height - 1], fill=(0, 0, 255))
    return im.convert(mode) if mode != "RGB" else im


def stored(upright: Image.Image, orientation: int) -> Image.Image:
    method = STORE[orientation]
    return upright.copy() if method is None else upright.transpose(method)


def exif_blob(orientation: int | None = None, gps: bool = True) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    exif[0x0131] = "secret-software"
    if gps:
        exif.get_ifd(0x8825).update(GPS)
    return exif.tobytes()


XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="30,37.8N"/></rdf:RDF>'
    b"</x:xmpmeta><?xpacket end=\"w\"?>"
)


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def decode(blob: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(blob))
    im.load()
    return im


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference (0..255) of two pictures reduced to 48 px wide, in RGB."""
    assert a.size == b.size, (a.size, b.size)
    w, h = a.size
    size = (48, max(1, round(48 * h / w))) if w >= h else (max(1, round(48 * w / h)), 48)
    a = a.convert("RGB").resize(size, Image.Resampling.BOX)
    b = b.convert("RGB").resize(size, Image.Resampling.BOX)
    return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def thumbnail_size(upright: Image.Image) -> tuple[int, int]:
    """What the design document's ``img.thumbnail((200, 200))`` gives the upright picture."""
    im = upright.copy()
    im.thumbnail((200, 200))
    return im.size


def jpeg_segments(blob: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """All marker segments (marker, payload) of a JPEG, and the bytes after its first EOI."""
    segs: list[tuple[int, bytes]] = []
    assert blob[:2] == b"\xff\xd8"
    pos = 2
    while True:
        assert blob[pos] == 0xFF, f"no marker at {pos}"
        while blob[pos] == 0xFF:
            pos += 1
        marker = blob[pos]
        pos += 1
        if marker == 0xD9:
            return segs, blob[pos:]
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            segs.append((marker, b""))
            continue
        (length,) = struct.unpack_from(">H", blob, pos)
        segs.append((marker, blob[pos + 2 : pos + length]))
        pos += length
        if marker == 0xDA:
            m = re.compile(rb"\xff[^\x00\xd0-\xd7]").search(blob, pos)
            assert m, "entropy data runs to the end"
            pos = m.start()


def png_chunks(blob: bytes) -> list[bytes]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    pos, types = 8, []
    while pos < len(blob):
        length, ctype = struct.unpack_from(">I4s", blob, pos)
        types.append(ctype)
        pos += 12 + length
    return types


def webp_chunks(blob: bytes) -> list[tuple[bytes, bytes]]:
    assert blob[:4] == b"RIFF" and blob[8:12] == b"WEBP"
    (size,) = struct.unpack_from("<I", blob, 4)
    assert size + 8 == len(blob)
    pos, chunks = 12, []
    while pos < len(blob):
        fourcc, n = struct.unpack_from("<4sI", blob, pos)
        chunks.append((fourcc, blob[pos + 8 : pos + 8 + n]))
        pos += 8 + n + (n & 1)
    return chunks


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def insert_before_iend(png: bytes, *chunks: bytes) -> bytes:
    at = png.rindex(b"IEND") - 4
    return png[:at] + b"".join(chunks) + png[at:]


FORBIDDEN_INFO = {"exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment", "Raw profile type exif", "mp", "mpoffset", "iptc"}
FORBIDDEN_BYTES = (b"Exif\x00\x00", b"<x:xmpmeta", b"http://ns.adobe.com/xap/1.0/", b"Photoshop 3.0\x00", b"MPF\x00", b"secret-software", b"TestCam")
ALLOWED_JPEG_APP = {0xE0, 0xE2, 0xEE}  # JFIF (no thumbnail), ICC_PROFILE, Adobe
ALLOWED_PNG_CHUNKS = set(containers._PNG_KEEP)
ALLOWED_WEBP_CHUNKS = set(containers._WEBP_KEEP)


def assert_no_metadata(blob: bytes, *, icc: bytes | None = None) -> Image.Image:
    """The checks that do not need exiftool: Pillow sees no EXIF/XMP/IPTC/comment/MPF/text,
    the container holds no metadata segment or chunk and nothing after its end, and the raw
    bytes hold no EXIF header, XMP packet, Photoshop block or MPF index. Returns the decoded
    picture. ``icc``: the ICC profile that must have been kept (None: do not check)."""
    for needle in FORBIDDEN_BYTES:
        assert needle not in blob, f"{needle!r} left in the output"
    im = decode(blob)
    assert len(im.getexif()) == 0, dict(im.getexif())
    leftover = FORBIDDEN_INFO & set(im.info)
    assert not leftover, leftover
    assert getattr(im, "n_frames", 1) == 1 or im.format in ("PNG", "WEBP")  # APNG / animated WebP
    if im.format == "JPEG":
        segs, trailer = jpeg_segments(blob)
        assert trailer == b"", f"{len(trailer)} bytes after EOI"
        for marker, payload in segs:
            assert marker != 0xFE, "COM segment left"
            if 0xE0 <= marker <= 0xEF:
                assert marker in ALLOWED_JPEG_APP, f"APP{marker - 0xE0} left"
                if marker == 0xE0:
                    assert payload[:5] == b"JFIF\x00" and payload[12:14] == b"\x00\x00", "JFIF thumbnail or JFXX left"
                if marker == 0xE2:
                    assert payload[:12] == b"ICC_PROFILE\x00"
        text = [k for k in im.info if isinstance(im.info[k], str) and k not in ("jfif_unit",)]
        assert not text, text
    elif im.format == "PNG":
        chunks = set(png_chunks(blob))
        assert chunks <= ALLOWED_PNG_CHUNKS, chunks - ALLOWED_PNG_CHUNKS
        assert not [k for k, v in im.info.items() if isinstance(v, (str, PngImagePlugin.iTXt))]
    elif im.format == "WEBP":
        chunks = webp_chunks(blob)
        assert {c for c, _ in chunks} <= ALLOWED_WEBP_CHUNKS
        for fourcc, payload in chunks:
            if fourcc == b"VP8X":
                assert payload[0] & 0x0C == 0, "VP8X still announces EXIF/XMP"
    else:
        raise AssertionError(f"unexpected output format {im.format}")
    if icc is not None:
        assert im.info.get("icc_profile") == icc, "ICC profile lost"
    return im


def assert_outputs(result: ProcessedImage, upright: Image.Image, *, tolerance: float = 8.0, icc: bytes | None = None) -> None:
    """Size, uprightness and cleanliness of all three outputs against the upright picture."""
    assert (result.width, result.height) == upright.size
    clean = assert_no_metadata(result.clean, icc=icc)
    assert clean.size == upright.size
    assert difference(clean, upright) < tolerance
    preview = assert_no_metadata(result.preview, icc=icc if clean.mode != "CMYK" else None)
    assert preview.format == "JPEG" and preview.mode in ("RGB", "L")
    assert max(preview.size) <= P.PREVIEW_MAX_SIDE
    assert difference(preview, upright.resize(preview.size)) < tolerance
    thumb = assert_no_metadata(result.thumbnail, icc=icc if clean.mode != "CMYK" else None)
    assert thumb.format == "JPEG" and thumb.mode in ("RGB", "L")
    assert thumb.size == thumbnail_size(upright)
    assert max(thumb.size) <= 200
    assert difference(thumb, upright.resize(thumb.size)) < tolerance


# ------------------------------------------------------------------------------------------
# type detection
# ------------------------------------------------------------------------------------------


def _ftyp(major: bytes, *compat: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compat)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00" * 32


SNIFF_CASES = {
    "jpeg": (lambda: encode(scene(32, 16), "JPEG"), "image/jpeg"),
    "png": (lambda: encode(scene(32, 16), "PNG"), "image/png"),
    "webp": (lambda: encode(scene(32, 16), "WEBP"), "image/webp"),
    "tiff-le": (lambda: encode(scene(32, 16), "TIFF"), "image/tiff"),
    "tiff-be": (lambda: b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 16, "image/tiff"),
    "gif": (lambda: encode(scene(32, 16), "GIF"), "image/gif"),
    "bmp": (lambda: encode(scene(32, 16), "BMP"), "image/bmp"),
    "heic": (lambda: _ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
    "heif-mif1-heic": (lambda: _ftyp(b"mif1", b"heic", b"miaf"), "image/heic"),
    "heif-generic": (lambda: _ftyp(b"mif1", b"miaf"), "image/heif"),
    "avif": (lambda: _ftyp(b"avif", b"mif1", b"miaf"), "image/avif"),
    "avif-mif1": (lambda: _ftyp(b"mif1", b"avif"), "image/avif"),
    "mp4": (lambda: _ftyp(b"isom", b"mp41"), "video/mp4"),
    "mov": (lambda: _ftyp(b"qt  "), "video/quicktime"),
    "pdf": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    "svg": (lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
    "psd": (lambda: b"8BPS\x00\x01" + b"\x00" * 40, "image/vnd.adobe.photoshop"),
    "empty": (lambda: b"", None),
    "text": (lambda: b"hello, this is not an image\n" * 4, None),
    "html": (lambda: b"<!doctype html><html><body>hi</body></html>", None),
    "random": (lambda: random.Random(7).randbytes(4096), None),
}


@pytest.mark.parametrize("case", sorted(SNIFF_CASES))
def test_sniff_mime_type_reads_magic_bytes(case):
    make, expected = SNIFF_CASES[case]
    assert sniff_mime_type(make()) == expected


def test_sniff_tells_mpo_from_jpeg_and_ultra_hdr():
    a, b = scene(64, 48), scene(64, 48).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    mpo = encode(a, "MPO", save_all=True, append_images=[b])
    assert sniff_mime_type(mpo) == "image/mpo"
    assert Image.open(io.BytesIO(mpo)).format == "MPO"  # the same decision as Pillow
    # An Ultra HDR JPEG (MPF + hdrgm XMP) is a JPEG for Pillow, and so for us.
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description hdrgm:Version="1.0"/></x:xmpmeta>'
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 29 + len(xmp)) + b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    ultra = mpo[:2] + app1 + mpo[2:]
    assert sniff_mime_type(ultra) == "image/jpeg"


def test_sniff_ignores_names_and_needs_no_extension(tmp_path):
    png = encode(scene(16, 16), "PNG")
    (tmp_path / "photo.jpg").write_bytes(png)
    assert sniff_mime_type((tmp_path / "photo.jpg").read_bytes()) == "image/png"
    assert process_image(png).mime_type == "image/png"


# ------------------------------------------------------------------------------------------
# JPEG: orientation, metadata, lossless strip, stitched re-encode
# ------------------------------------------------------------------------------------------


def _photo_jpeg(orientation: int, upright: Image.Image, **extra) -> bytes:
    params = {"quality": 90, "exif": exif_blob(orientation), "xmp": XMP, "comment": b"taken at home, lat 30.63"}
    params.update(extra)
    return encode(stored(upright, orientation), "JPEG", **params)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_every_orientation_comes_out_upright_and_clean(orientation):
    upright = scene(320, 192)
    icc = srgb_icc()
    original = _photo_jpeg(orientation, upright, icc_profile=icc)
    # the fixture really carries what must go away
    raw = Image.open(io.BytesIO(original))
    assert raw.getexif().get(0x0112) == orientation and raw.getexif().get_ifd(0x8825)
    if orientation != 1:
        assert raw.size != upright.size or difference(raw, upright) > 40, "fixture is not rotated"

    result = process_image(original)
    assert result.mime_type == "image/jpeg" and result.clean_mime_type == "image/jpeg"
    assert_outputs(result, upright, icc=icc)
    # Pillow's own reference agrees
    assert difference(decode(result.clean), ImageOps.exif_transpose(raw)) < 8


def test_upright_jpeg_clean_copy_is_lossless():
    upright = scene(640, 400)
    original = _photo_jpeg(1, upright, icc_profile=srgb_icc())
    result = process_image(original)
    assert decode(result.clean).tobytes() == decode(original).tobytes()
    assert len(result.clean) < len(original)


def test_rotated_jpeg_reuses_the_original_quantisation_tables():
    original = _photo_jpeg(6, scene(320, 192), quality=93, subsampling=1)
    clean = decode(process_image(original).clean)
    assert clean.quantization == decode(original).quantization


def _inject_before_nth_sos(blob: bytes, n: int, extra: bytes) -> bytes:
    positions = [m.start() for m in re.finditer(rb"\xff\xda", blob)]
    return blob[: positions[n]] + extra + blob[positions[n] :]


def _app(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


@pytest.mark.parametrize("variant", ["baseline", "progressive", "restart", "grey", "cmyk"])
def test_strip_jpeg_drops_every_metadata_segment_and_trailer(variant):
    upright = scene(200, 120, "L" if variant == "grey" else "CMYK" if variant == "cmyk" else "RGB")
    params: dict = {"quality": 88, "exif": exif_blob(1), "comment": b"COM with secret-software"}
    if variant == "progressive":
        params["progressive"] = True
    if variant == "restart":
        params["restart_marker_rows"] = 1
    if variant != "cmyk":
        params["xmp"] = XMP
    base = encode(upright, "JPEG", **params)
    # Hand-made segments Pillow cannot write: a JFIF thumbnail, a JFXX extension, Photoshop
    # IPTC, an unknown APP15, fill bytes; a second image after EOI (as MPF/gain maps do).
    jfif_thumb = _app(0xE0, b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x02\x01" + b"\x7f" * 6)
    jfxx = _app(0xE0, b"JFXX\x00\x10" + b"\x00" * 8)
    iptc = _app(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x78\x00\x08secret!!")
    app15 = _app(0xEF, b"vendor secret-software")
    body = base[2:]
    if body[:2] == b"\xff\xe0":  # replace Pillow's JFIF by the one with a thumbnail
        (n,) = struct.unpack(">H", body[2:4])
        body = body[2 + n :]
    blob = b"\xff\xd8" + jfif_thumb + jfxx + iptc + app15 + b"\xff\xff" + body
    if variant == "progressive":  # metadata between scans
        blob = _inject_before_nth_sos(blob, 2, _app(0xFE, b"between scans") + _app(0xE1, b"Exif\x00\x00MM\x00*"))
    blob += encode(scene(64, 32), "JPEG", exif=exif_blob(1)) + b"trailing secret-software"

    stripped, sof, precision = containers._strip_jpeg(blob)
    assert precision == 8 and sof in (0xC0, 0xC1, 0xC2)
    assert decode(stripped).tobytes() == decode(blob).tobytes()
    assert_no_metadata(stripped)
    result = process_image(blob)
    assert decode(result.clean).tobytes() == decode(blob).tobytes()
    assert_no_metadata(result.preview)
    assert_no_metadata(result.thumbnail)


@pytest.mark.parametrize("orientation", range(2, 9))
@pytest.mark.parametrize(
    "mode,subsampling", [("RGB", 0), ("RGB", 1), ("RGB", 2), ("L", -1), ("CMYK", -1)], ids=["444", "422", "420", "L", "CMYK"]
)
def test_stitched_jpeg_decodes_exactly_like_a_single_encode(monkeypatch, orientation, mode, subsampling):
    monkeypatch.setattr(jpeg_strips, "_STRIP_PIXELS", 16 * 64)  # force 16-row strips: > 8 strips, RSTn wraps
    src = scene(203, 157, mode)  # sizes that are not multiples of the MCU
    params: dict = {"quality": 87}
    if subsampling != -1:
        params["subsampling"] = subsampling
    stitched = jpeg_strips._encode_jpeg_stitched(src, orientation, params)
    single = encode(src.transpose(geometry._TRANSPOSE[orientation]), "JPEG", **params)
    a, b = decode(stitched), decode(single)
    assert a.size == b.size and a.mode == b.mode
    assert a.tobytes() == b.tobytes()
    segs, trailer = jpeg_segments(stitched)
    assert trailer == b""
    assert [m for m, _ in segs].count(0xDD) == 1 and [m for m, _ in segs].count(0xDA) == 1  # one DRI, one scan
    sos = stitched.index(b"\xff\xda")
    entropy = stitched[sos + 2 + struct.unpack_from(">H", stitched, sos + 2)[0] : -2]
    restarts = re.findall(rb"\xff[\xd0-\xd7]", entropy)  # 0xFF in entropy data is stuffed: these are RSTn
    strips = -(-a.size[1] // 16)
    assert len(restarts) == strips - 1 > 8
    assert [r[1] for r in restarts] == [0xD0 + i % 8 for i in range(strips - 1)]


def test_stitched_jpeg_with_icc_and_wide_strips():
    icc = srgb_icc()
    src = scene(1500, 900)
    params = {"quality": 90, "icc_profile": icc}
    stitched = jpeg_strips._encode_jpeg_stitched(src, 6, params)
    assert decode(stitched).tobytes() == decode(encode(src.transpose(Image.Transpose.ROTATE_270), "JPEG", **params)).tobytes()
    assert decode(stitched).info["icc_profile"] == icc


def test_mpo_keeps_only_the_first_image_without_metadata():
    first, second = scene(160, 120), scene(160, 120).transpose(Image.Transpose.ROTATE_180)
    mpo = encode(first, "MPO", save_all=True, append_images=[second], exif=exif_blob(1))
    assert Image.open(io.BytesIO(mpo)).n_frames == 2
    result = process_image(mpo)
    assert result.mime_type == "image/mpo" and result.clean_mime_type == "image/jpeg"
    assert_outputs(result, first)
    assert result.clean.count(b"\xff\xd8") == 1  # no second image


def test_rotated_mpo_is_re_encoded_upright():
    upright = scene(160, 96)
    mpo = encode(stored(upright, 8), "MPO", save_all=True, append_images=[scene(64, 64)], exif=exif_blob(8))
    result = process_image(mpo)
    assert_outputs(result, upright)


def test_cmyk_jpeg_keeps_cmyk_in_clean_and_gives_rgb_previews():
    upright = scene(240, 160, "CMYK")
    original = encode(upright, "JPEG", quality=92, exif=exif_blob(1))
    result = process_image(original)
    clean = decode(result.clean)
    assert clean.mode == "CMYK" and clean.tobytes() == decode(original).tobytes()
    for blob in (result.preview, result.thumbnail):
        im = decode(blob)
        assert im.mode == "RGB"
    assert_outputs(result, upright.convert("RGB"))


def test_rotated_cmyk_jpeg():
    upright = scene(240, 160, "CMYK")
    result = process_image(encode(stored(upright, 6), "JPEG", quality=92, exif=exif_blob(6)))
    assert decode(result.clean).mode == "CMYK"
    assert_outputs(result, upright.convert("RGB"))


def test_cmyk_with_a_broken_cmyk_profile_falls_back_to_plain_conversion():
    fake = bytearray(srgb_icc())
    fake[16:20] = b"CMYK"  # says CMYK, is not a valid CMYK profile
    im = scene(64, 40, "CMYK")
    out, icc = encoding._for_preview(im, bytes(fake))
    assert out.mode == "RGB" and icc is None
    assert difference(out, im.convert("RGB")) < 1


def test_grey_jpeg_keeps_grey():
    upright = scene(300, 200, "L")
    result = process_image(encode(stored(upright, 3), "JPEG", exif=exif_blob(3)))
    assert decode(result.clean).mode == "L" and decode(result.thumbnail).mode == "L"
    assert_outputs(result, upright)


def test_out_of_spec_orientation_values_mean_not_rotated():
    upright = scene(120, 80)
    for value in (0, 9, 255):
        result = process_image(encode(upright, "JPEG", exif=exif_blob(value)))
        assert_outputs(result, upright)


# ------------------------------------------------------------------------------------------
# Preview and thumbnail geometry
# ------------------------------------------------------------------------------------------


def test_fit_matches_pillow_thumbnail():
    rng = random.Random(3)
    sizes = [(1, 1), (1, 5000), (5000, 1), (200, 200), (201, 200), (4032, 3024), (3024, 4032), (1800, 1201)]
    sizes += [(rng.randint(1, 6000), rng.randint(1, 6000)) for _ in range(200)]
    for w, h in sizes:
        im = Image.new("1", (w, h))  # mode "1" resizes with NEAREST: cheap
        im.thumbnail((200, 200))
        assert geometry._fit(w, h, 200, 200) == im.size, (w, h)


@pytest.mark.parametrize(
    "size,fmt,preview_long",
    [
        ((3300, 1100), "JPEG", 825),  # decoded at 1/4 by libjpeg
        ((1800, 1200), "JPEG", 900),  # 1/2
        ((1000, 800), "JPEG", 1000),  # fits: the preview is the picture itself
        ((3300, 1100), "PNG", 825),  # Image.reduce(4)
        ((14000, 60), "PNG", 1600),  # 1/8 is still too wide: resampled to fit
    ],
)
def test_preview_is_the_largest_exact_reduction_that_fits(size, fmt, preview_long):
    upright = scene(*size)
    result = process_image(encode(upright, fmt, **({"quality": 85} if fmt == "JPEG" else {"compress_level": 1})))
    preview = decode(result.preview)
    assert max(preview.size) == preview_long
    assert decode(result.thumbnail).size == thumbnail_size(upright)
    assert difference(preview, upright.resize(preview.size)) < 8


# ------------------------------------------------------------------------------------------
# PNG, WebP, TIFF, HEIC, AVIF
# ------------------------------------------------------------------------------------------


def _png_with_everything(im: Image.Image, orientation: int | None, icc: bytes | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-software")
    info.add_text("Location", "30.63N", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    params: dict = {"pnginfo": info}
    if icc:
        params["icc_profile"] = icc
    blob = encode(im, "PNG", **params)
    extra = [png_chunk(b"tIME", b"\x07\xe8\x05\x01\x0c\x00\x00"), png_chunk(b"prIv", b"secret-software")]
    if orientation is not None:  # eXIf after IDAT, as in the shared exif.png
        extra.append(png_chunk(b"eXIf", exif_blob(orientation)[6:]))
    return insert_before_iend(blob, *extra)


def test_png_metadata_chunks_are_dropped_losslessly():
    upright = scene(300, 180)
    icc = srgb_icc()
    original = _png_with_everything(upright, 1, icc)
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"prIv"} <= set(png_chunks(original))
    result = process_image(original)
    assert result.clean_mime_type == "image/png"
    assert decode(result.clean).tobytes() == decode(original).tobytes()
    assert_outputs(result, upright, icc=icc, tolerance=4)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_png_orientation_in_exif_after_idat_is_applied(orientation):
    upright = scene(300, 180)
    original = _png_with_everything(stored(upright, orientation), orientation)
    assert Image.open(io.BytesIO(original)).getexif().get(0x0112) == orientation
    result = process_image(original)
    assert result.clean_mime_type == "image/png"
    assert decode(result.clean).tobytes() == upright.tobytes()  # PNG: exact
    assert_outputs(result, upright, tolerance=4)


def grey16(width: int, height: int, mode: str = "I;16") -> Image.Image:
    """A 16-bit grey ramp 0..65535 (left to right after the transpose)."""
    im = Image.linear_gradient("L").resize((height, width)).transpose(Image.Transpose.ROTATE_90)
    im = im.convert("I").point(lambda v: v * 257)
    return im if mode == "I" else im.convert(mode)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "PA-trns", "RGBA", "I;16"])
def test_png_modes_do_not_crash(mode):
    base = scene(120, 80)
    if mode == "1":
        im = base.convert("1")
    elif mode == "P":
        im = base.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    elif mode == "PA-trns":
        im = base.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
        im.info["transparency"] = 0
    elif mode == "LA":
        im = base.convert("LA")
    elif mode == "RGBA":
        im = base.convert("RGBA")
        im.putalpha(Image.linear_gradient("L").resize(im.size))
    elif mode == "I;16":
        im = grey16(120, 80)
    else:
        im = base.convert(mode)
    params = {"transparency": 0} if mode == "PA-trns" else {}
    original = encode(im, "PNG", **params)
    result = process_image(original)
    clean = assert_no_metadata(result.clean)
    assert clean.size == im.size and result.clean_mime_type == "image/png"
    preview = assert_no_metadata(result.preview)
    assert preview.mode in ("L", "RGB")
    if mode == "I;16":  # 16-bit grey is scaled, not clipped: mid-grey stays mid-grey
        assert decode(result.clean).mode == "I;16"
        assert 100 < preview.convert("L").getpixel((60, 40)) < 160
        assert preview.convert("L").getpixel((2, 40)) < 20 and preview.convert("L").getpixel((117, 40)) > 235
    if mode == "RGBA":  # transparent pixels (alpha is 0 on the top row) are flattened on white
        assert min(preview.convert("RGB").getpixel((60, 0))) > 240
    assert decode(result.thumbnail).size == thumbnail_size(im)


def test_png_with_a_bad_crc_is_corrupt():
    blob = bytearray(encode(scene(64, 64), "PNG"))
    blob[-5] ^= 0xFF  # IEND CRC
    with pytest.raises(ImageRejected) as exc:
        process_image(bytes(blob))
    assert exc.value.code in (P.CORRUPT, P.TRUNCATED)


@pytest.mark.parametrize("lossless", [True, False])
def test_webp_exif_xmp_chunks_are_dropped(lossless):
    upright = scene(240, 160)
    icc = srgb_icc()
    original = encode(upright, "WEBP", lossless=lossless, quality=90, exif=exif_blob(1), xmp=XMP, icc_profile=icc)
    assert {b"EXIF", b"XMP "} <= {c for c, _ in webp_chunks(original)}
    result = process_image(original)
    assert result.clean_mime_type == "image/webp"
    assert decode(result.clean).tobytes() == decode(original).tobytes()
    assert_outputs(result, upright, icc=icc, tolerance=8)


@pytest.mark.parametrize("lossless", [True, False])
def test_rotated_webp(lossless):
    upright = scene(240, 160)
    original = encode(stored(upright, 6), "WEBP", lossless=lossless, quality=90, exif=exif_blob(6))
    result = process_image(original)
    assert result.clean_mime_type == "image/webp"
    assert_outputs(result, upright, tolerance=8)


def test_tiff_orientation_bilevel_grey16_cmyk():
    upright = scene(200, 120)
    rgb = encode(stored(upright, 8), "TIFF", tiffinfo={274: 8}, exif=exif_blob(8))
    result = process_image(rgb)
    assert result.mime_type == "image/tiff" and result.clean_mime_type == "image/jpeg"
    assert_outputs(result, upright)

    bilevel = upright.convert("1")
    result = process_image(encode(stored(bilevel, 6), "TIFF", compression="group4", tiffinfo={274: 6}))
    assert result.clean_mime_type == "image/png" and decode(result.clean).mode == "1"
    assert decode(result.clean).tobytes() == bilevel.tobytes()
    assert_outputs(result, bilevel.convert("L"), tolerance=25)

    for mode in ("I;16", "I", "F"):
        deep = grey16(200, 120, mode)
        result = process_image(encode(deep, "TIFF"))
        assert result.clean_mime_type == ("image/png" if mode != "F" else "image/jpeg"), mode
        preview = decode(result.preview)
        assert 100 < preview.getpixel((100, 60)) < 160, mode
        assert preview.getpixel((2, 60)) < 20 and preview.getpixel((197, 60)) > 235, mode

    cmyk = scene(200, 120, "CMYK")
    result = process_image(encode(cmyk, "TIFF"))
    assert result.clean_mime_type == "image/jpeg" and decode(result.clean).mode == "CMYK"
    assert_outputs(result, cmyk.convert("RGB"))


@pytest.mark.skipif(not HEIF_ENCODE, reason="pillow-heif has no HEIC encoder here")
@pytest.mark.parametrize("orientation", [1, 6, 3])
def test_heic_from_a_phone_is_upright_and_clean(orientation):
    upright = scene(320, 192)
    icc = srgb_icc()
    original = encode(stored(upright, orientation), "HEIF", quality=92, exif=exif_blob(orientation), xmp=XMP, icc_profile=icc)
    assert sniff_mime_type(original) == "image/heic"
    result = process_image(original)
    assert result.mime_type == "image/heic" and result.clean_mime_type == "image/jpeg"
    assert_outputs(result, upright, icc=icc, tolerance=10)


@pytest.mark.skipif(not HEIF_ENCODE, reason="pillow-heif has no HEIC encoder here")
def test_heic_with_alpha_becomes_png():
    im = scene(128, 96).convert("RGBA")
    im.putalpha(128)
    result = process_image(encode(im, "HEIF", quality=90))
    assert result.clean_mime_type == "image/png"
    assert_no_metadata(result.clean)


@pytest.mark.skipif(not features.check("avif"), reason="Pillow was built without AVIF")
@pytest.mark.parametrize("orientation", [1, 6])
def test_avif_is_upright_and_clean(orientation):
    upright = scene(256, 160)
    original = encode(stored(upright, orientation), "AVIF", quality=90, exif=exif_blob(orientation))
    result = process_image(original)
    assert result.mime_type == "image/avif" and result.clean_mime_type == "image/jpeg"
    assert_outputs(result, upright, tolerance=10)


# ------------------------------------------------------------------------------------------
# Hostile input: rejected with a code, never another exception
# ------------------------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)


def _bomb_png(width: int, height: int) -> bytes:
    # A real zlib stream of zero rows: tiny file, huge picture.
    return _png_header(width, height) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9)) + png_chunk(b"IEND", b"")


HOSTILE = {
    "empty": (b"", {P.NOT_AN_IMAGE}),
    "random": (random.Random(1).randbytes(10_000), {P.NOT_AN_IMAGE}),
    "text": (b"Dear family,\nthese are not the photos you are looking for.\n" * 20, {P.NOT_AN_IMAGE}),
    "png-garbage": (b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(2000), {P.CORRUPT, P.TRUNCATED}),
    "png-header-only": (_png_header(64, 64), {P.CORRUPT, P.TRUNCATED}),
    "png-bomb-huge": (_bomb_png(100_000, 100_000), {P.DECOMPRESSION_BOMB}),
    "png-bomb-64mpx": (_bomb_png(8000, 8000), {P.DECOMPRESSION_BOMB}),
    "jpeg-soi-garbage": (b"\xff\xd8\xff" + random.Random(3).randbytes(3000), {P.CORRUPT, P.TRUNCATED}),
    "jpeg-cut-in-half": (None, {P.TRUNCATED}),
    "jpeg-no-eoi": (None, {P.TRUNCATED}),
    "webp-garbage": (b"RIFF\x00\x10\x00\x00WEBPVP8 " + random.Random(4).randbytes(500), {P.CORRUPT, P.TRUNCATED}),
    "tiff-garbage": (b"II*\x00" + random.Random(5).randbytes(500), {P.CORRUPT, P.TRUNCATED}),
    "heic-garbage": (_ftyp(b"heic", b"mif1") + random.Random(6).randbytes(500), {P.CORRUPT, P.TRUNCATED}),
    "avif-garbage": (_ftyp(b"avif", b"mif1") + random.Random(8).randbytes(500), {P.CORRUPT, P.TRUNCATED, P.UNSUPPORTED_TYPE}),
    "gif": (None, {P.UNSUPPORTED_TYPE}),
    "gif-bomb": (b"GIF89a\xff\xff\xff\xff\x00\x00\x00;", {P.DECOMPRESSION_BOMB}),
    "bmp": (None, {P.UNSUPPORTED_TYPE}),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', {P.UNSUPPORTED_TYPE}),
    "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\n", {P.UNSUPPORTED_TYPE}),
    "mp4": (_ftyp(b"isom", b"mp41") + b"\x00" * 100, {P.UNSUPPORTED_TYPE}),
}


def _hostile_blob(case: str) -> bytes:
    blob, _ = HOSTILE[case]
    if blob is not None:
        return blob
    jpeg = encode(scene(200, 120), "JPEG", quality=90)
    return {
        "jpeg-cut-in-half": jpeg[: len(jpeg) // 2],
        "jpeg-no-eoi": jpeg[:-2],
        "gif": encode(scene(32, 32), "GIF"),
        "bmp": encode(scene(32, 32), "BMP"),
    }[case]


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_rejected_with_a_code(case):
    with pytest.raises(ImageRejected) as exc:
        process_image(_hostile_blob(case))
    assert type(exc.value) is ImageRejected
    assert exc.value.code in HOSTILE[case][1], (exc.value.code, exc.value.reason)
    assert exc.value.reason.endswith(".") and len(exc.value.reason) > 15


def test_bytes_like_input_and_programming_errors():
    blob = encode(scene(50, 40), "JPEG")
    assert process_image(bytearray(blob)).width == 50
    assert process_image(memoryview(blob)).height == 40
    assert sniff_mime_type(memoryview(blob)) == "image/jpeg"
    with pytest.raises(TypeError):
        process_image("not bytes")  # a bug in the caller, not a bad upload


def test_max_pixels_is_enforced():
    blob = encode(scene(100, 100), "JPEG")
    with pytest.raises(ImageRejected) as exc:
        process_image(blob, max_pixels=9_999)
    assert exc.value.code == P.DECOMPRESSION_BOMB
    assert process_image(blob, max_pixels=10_000).width == 100


def _fuzz_sources() -> dict[str, bytes]:
    upright = scene(96, 64)
    sources = {
        "jpeg": _photo_jpeg(6, upright),
        "jpeg-upright": _photo_jpeg(1, upright),
        "jpeg-progressive": encode(upright, "JPEG", progressive=True, exif=exif_blob(1)),
        "png": _png_with_everything(upright, 1),
        "webp": encode(upright, "WEBP", exif=exif_blob(6)),
        "tiff": encode(upright, "TIFF", tiffinfo={274: 6}),
        "mpo": encode(upright, "MPO", save_all=True, append_images=[upright]),
    }
    if HEIF_ENCODE:
        sources["heic"] = encode(upright, "HEIF", quality=60, exif=exif_blob(6))
    if features.check("avif"):
        sources["avif"] = encode(upright, "AVIF", quality=60, exif=exif_blob(6))
    return sources


FUZZ_SOURCES = ["jpeg", "jpeg-upright", "jpeg-progressive", "png", "webp", "tiff", "mpo", "heic", "avif"]


@pytest.mark.parametrize("source", FUZZ_SOURCES)
def test_fuzzed_files_never_raise_anything_else(source):
    """Truncations and byte flips: a ProcessedImage without metadata, or ImageRejected."""
    sources = _fuzz_sources()
    if source not in sources:
        pytest.skip(f"no {source} encoder here")
    blob = sources[source]
    rng = random.Random(source)
    variants = [blob[: rng.randrange(1, len(blob))] for _ in range(12)]
    for _ in range(24):
        mutated = bytearray(blob)
        for _ in range(rng.randint(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        variants.append(bytes(mutated))
    for variant in variants:
        try:
            result = process_image(variant)
        except ImageRejected as exc:
            assert exc.code in {P.CORRUPT, P.TRUNCATED, P.NOT_AN_IMAGE, P.UNSUPPORTED_TYPE, P.DECOMPRESSION_BOMB, P.TOO_LARGE}
            continue
        for out in (result.clean, result.preview, result.thumbnail):
            im = decode(out)
            assert len(im.getexif()) == 0
            assert b"Exif\x00\x00" not in out


# ------------------------------------------------------------------------------------------
# exiftool allow-list
# ------------------------------------------------------------------------------------------

# group -> allowed tags (None: any tag of that group). Everything else is metadata that must
# not survive: IFD0/ExifIFD/GPS/InteropIFD/IFD1 (EXIF), XMP-*, IPTC, Photoshop, MPF0/MPImage*,
# MakerNotes groups (Canon, Nikon, Apple...), PNG text keywords, File:Comment, JFIF thumbnails.
EXIFTOOL_ALLOWED: dict[str, set[str] | None] = {
    "ExifTool": {"ExifToolVersion"},
    "System": None,  # the temporary file's name, size, dates: written by the test
    "File": {
        "FileType", "FileTypeExtension", "MIMEType", "ImageWidth", "ImageHeight", "EncodingProcess",
        "BitsPerSample", "ColorComponents", "YCbCrSubSampling",
    },
    "Composite": {"ImageSize", "Megapixels"},
    "JFIF": {"JFIFVersion", "ResolutionUnit", "XResolution", "YResolution"},
    "Adobe": {"DCTEncodeVersion", "APP14Flags0", "APP14Flags1", "ColorTransform"},
    "PNG": {
        "ImageWidth", "ImageHeight", "BitDepth", "ColorType", "Compression", "Filter", "Interlace",
        "Palette", "Transparency", "Gamma", "SRGBRendering", "WhitePointX", "WhitePointY", "RedX",
        "RedY", "GreenX", "GreenY", "BlueX", "BlueY", "BackgroundColor", "SignificantBits",
        "ProfileName", "AnimationFrames", "AnimationPlays",
    },
    "PNG-pHYs": None,
    "RIFF": {
        "ImageWidth", "ImageHeight", "VP8Version", "HorizontalScale", "VerticalScale", "WebP_Flags",
        "AlphaPreprocessing", "AlphaFiltering", "AlphaCompression", "BackgroundColor",
        "AnimationLoopCount",
    },
}


def exiftool_violations(record: dict) -> list[str]:
    bad = []
    for key in record:
        if key == "SourceFile":
            continue
        group, _, tag = key.partition(":")
        if group.startswith("ICC"):  # the colour profile is kept on purpose
            continue
        if group not in EXIFTOOL_ALLOWED:
            bad.append(key)
        elif EXIFTOOL_ALLOWED[group] is not None and tag not in EXIFTOOL_ALLOWED[group]:
            bad.append(key)
    return bad


def run_exiftool(paths: list[Path]) -> dict[str, dict]:
    out = subprocess.run([EXIFTOOL, "-j", "-G1", "-a", "-u", *map(str, paths)], capture_output=True, text=True, timeout=120)
    records = json.loads(out.stdout)
    return {Path(r["SourceFile"]).name: r for r in records}


@needs_exiftool
def test_exiftool_sees_no_metadata_in_generated_outputs(tmp_path):
    upright = scene(320, 192)
    icc = srgb_icc()
    inputs = {
        "jpeg6": _photo_jpeg(6, upright, icc_profile=icc),
        "jpeg1": _photo_jpeg(1, upright, icc_profile=icc),
        "png": _png_with_everything(upright, 1, icc),
        "png6": _png_with_everything(stored(upright, 6), 6),
        "webp": encode(upright, "WEBP", exif=exif_blob(1), xmp=XMP, icc_profile=icc),
        "mpo": encode(upright, "MPO", save_all=True, append_images=[upright], exif=exif_blob(1)),
        "tiff": encode(upright, "TIFF", tiffinfo={274: 6}, exif=exif_blob(6)),
    }
    if HEIF_ENCODE:
        inputs["heic"] = encode(stored(upright, 6), "HEIF", exif=exif_blob(6), xmp=XMP, icc_profile=icc)
    if features.check("avif"):
        inputs["avif"] = encode(upright, "AVIF", exif=exif_blob(1))
    paths = []
    for name, blob in inputs.items():
        (tmp_path / f"{name}.orig").write_bytes(blob)
        result = process_image(blob)
        for kind in ("clean", "preview", "thumbnail"):
            path = tmp_path / f"{name}.{kind}"
            path.write_bytes(getattr(result, kind))
            paths.append(path)
    records = run_exiftool(paths + [tmp_path / f"{n}.orig" for n in inputs])
    for path in paths:
        assert exiftool_violations(records[path.name]) == [], path.name
    # the allow-list bites: every original does carry forbidden groups
    for name in inputs:
        assert exiftool_violations(records[f"{name}.orig"]), f"{name}.orig has no metadata?"
    # and the ICC profile survived where there was one
    assert any(k.startswith("ICC") for k in records["jpeg6.clean"])
    assert any(k.startswith("ICC") for k in records["webp.preview"])


# ------------------------------------------------------------------------------------------
# The real files in ../shared/data/images
# ------------------------------------------------------------------------------------------


def _shared(folder: str) -> list[str]:
    path = DATA_DIR / folder
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


ORIENTATION_FILES = _shared("orientation")
CLEAN_FILES = [f"{d}/{n}" for d in ("gps", "badexif", "formats") for n in _shared(d)]
BROKEN_FILES = _shared("broken")
EXPECTED_BROKEN = {
    "decompression_bomb.gif": P.DECOMPRESSION_BOMB,  # claims 4 billion pixels (and is a GIF)
    "truncated_jpeg.jpg": P.TRUNCATED,
    "ultrahdr_truncated.jpg": P.TRUNCATED,
}


@pytest.fixture(scope="module")
def shared_results() -> dict[str, ProcessedImage]:
    results = {}
    for rel in [f"orientation/{n}" for n in ORIENTATION_FILES] + CLEAN_FILES:
        results[rel] = process_image((DATA_DIR / rel).read_bytes())
    return results


@pytest.fixture(scope="module")
def landscape_1() -> Image.Image:
    return decode((DATA_DIR / "orientation" / "Landscape_1.jpg").read_bytes())


@needs_data
def test_shared_orientation_set_is_what_we_think():
    assert ORIENTATION_FILES, "orientation/ is empty"
    raw6 = decode((DATA_DIR / "orientation" / "Landscape_6.jpg").read_bytes())
    raw3 = decode((DATA_DIR / "orientation" / "Landscape_3.jpg").read_bytes())
    ref = decode((DATA_DIR / "orientation" / "Landscape_1.jpg").read_bytes())
    assert raw6.size == (1200, 1800)  # stored sideways
    assert difference(raw3, ref) > 20  # stored upside down: the comparison can tell


@needs_data
@pytest.mark.parametrize("name", ORIENTATION_FILES)
def test_shared_orientation_files_come_out_like_landscape_1(name, shared_results, landscape_1):
    result = shared_results[f"orientation/{name}"]
    assert result.mime_type == "image/jpeg"
    assert_outputs(result, landscape_1, tolerance=6)


@needs_data
@pytest.mark.parametrize("rel", CLEAN_FILES)
def test_shared_files_come_out_upright_and_clean(rel, shared_results):
    result = shared_results[rel]
    with warnings.catch_warnings(), Image.open(DATA_DIR / rel) as raw:
        warnings.simplefilter("ignore")  # badexif/: Pillow warns while reading the broken EXIF
        reference = ImageOps.exif_transpose(raw)
        reference.load()
    assert result.mime_type == sniff_mime_type((DATA_DIR / rel).read_bytes())
    if reference.mode in ("1", "CMYK", "I;16", "P"):
        reference = reference.convert("L" if reference.mode == "1" else "RGB")
    assert_outputs(result, reference, tolerance=8 if reference.size[0] > 16 else 12)


@needs_data
@needs_exiftool
def test_shared_outputs_pass_the_exiftool_allow_list(tmp_path, shared_results):
    paths = []
    for rel, result in shared_results.items():
        stem = rel.replace("/", "__")
        for kind in ("clean", "preview", "thumbnail"):
            path = tmp_path / f"{stem}.{kind}"
            path.write_bytes(getattr(result, kind))
            paths.append(path)
    records = run_exiftool(paths)
    bad = {p.name: exiftool_violations(records[p.name]) for p in paths if exiftool_violations(records[p.name])}
    assert bad == {}
    # sanity: the same checker flags the originals of gps/ and formats/
    originals = run_exiftool([DATA_DIR / rel for rel in CLEAN_FILES])
    assert exiftool_violations(originals["exif_gps.jpg"])
    assert any(k.startswith("GPS:") for k in originals["exif_gps.jpg"])
    flagged = [name for name, rec in originals.items() if exiftool_violations(rec)]
    assert len(flagged) >= len(CLEAN_FILES) - 1, flagged


@needs_data
@pytest.mark.parametrize("name", BROKEN_FILES)
def test_shared_broken_files_are_rejected_with_a_reason(name):
    with pytest.raises(ImageRejected) as exc:
        process_image((DATA_DIR / "broken" / name).read_bytes())
    assert exc.value.code == EXPECTED_BROKEN.get(name, exc.value.code)
    assert exc.value.reason
