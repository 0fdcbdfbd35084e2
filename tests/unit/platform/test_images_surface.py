"""Tests for the public surface of ``backlot.images`` (``sniff``, ``process_image``, ``clean``,
``thumbnail``, ``allowed``, ``max_bytes``) as a product other than family uses it: styles'
training images, JPEG/PNG only, at most 10 MB, metadata removed, a thumbnail (design document
004, "Validate: JPG/PNG only, max 10MB each"). The pipeline's own guarantees (orientation,
stripping, hostile input) are tested in ``test_images.py``."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from backlot import images
from backlot.images import CleanImage, ImageRejected, ImageType
from tests.support.metadata import metadata_left

DATA_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "images"
needs_data = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"shared test images not found at {DATA_DIR}")

STYLES = frozenset({ImageType.JPEG, ImageType.PNG})
TEN_MB = 10 * 1024 * 1024
GPS = {1: "N", 2: (30.0, 37.0, 48.0), 3: "E", 4: (119.0, 44.0, 24.0)}


def encoded(fmt: str, size: tuple[int, int] = (640, 400), orientation: int | None = None, **params) -> bytes:
    """A picture with EXIF (maker, GPS, and an orientation when given) saved as ``fmt``."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif.get_ifd(0x8825).update(GPS)
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt, exif=exif.tobytes(), **params)
    return out.getvalue()


def test_importing_the_surface_does_not_import_pillow():
    code = "import sys, backlot.images as i; i.sniff(b'\\x89PNG\\r\\n\\x1a\\n' + bytes(40)); print('PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("JPEG", ImageType.JPEG), ("PNG", ImageType.PNG), ("WEBP", ImageType.WEBP), ("TIFF", ImageType.TIFF)],
)
def test_sniff_names_the_type_from_the_bytes(fmt, expected):
    got = images.sniff(encoded(fmt))
    assert got is expected and got == expected.value


def test_sniff_rejects_a_type_that_is_not_allowed_and_names_the_allowed_ones():
    with pytest.raises(ImageRejected) as exc:
        images.sniff(encoded("WEBP"), allowed=STYLES)
    assert exc.value.code == images.UNSUPPORTED_TYPE
    assert exc.value.reason == "Files of type image/webp are not accepted; send a JPEG or PNG photo."


def test_sniff_default_reason_is_family_s_text():
    with pytest.raises(ImageRejected) as exc:
        images.sniff(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    assert exc.value.reason == "Files of type image/gif are not accepted; send a JPEG, PNG, WebP, HEIC, AVIF or TIFF photo."


@pytest.mark.parametrize(("data", "reason"), [(b"", "The file is empty."), (b"hello, world" * 10, "The file is not an image.")])
def test_sniff_rejects_what_is_not_an_image(data, reason):
    with pytest.raises(ImageRejected) as exc:
        images.sniff(data, allowed=STYLES)
    assert (exc.value.code, exc.value.reason) == (images.NOT_AN_IMAGE, reason)


def test_sniff_calls_a_gif_bomb_a_bomb_only_when_given_a_pixel_limit():
    bomb = b"GIF89a\xff\xff\xff\xff\x00\x00\x00;"
    with pytest.raises(ImageRejected) as exc:
        images.sniff(bomb, max_pixels=1000)
    assert exc.value.code == images.DECOMPRESSION_BOMB
    with pytest.raises(ImageRejected) as exc:
        images.sniff(bomb)
    assert exc.value.code == images.UNSUPPORTED_TYPE


@needs_data
def test_an_mpo_passes_where_jpeg_is_allowed_and_comes_out_a_plain_jpeg():
    data = (DATA_DIR / "formats" / "frozenpond.mpo").read_bytes()
    assert images.sniff(data, allowed=STYLES) is ImageType.MPO
    out = images.clean(data, allowed=STYLES)
    assert (out.source_type, out.content_type) == (ImageType.MPO, "image/jpeg")
    assert metadata_left(out.data) == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_clean_strips_gps_and_keeps_the_type(fmt):
    data = encoded(fmt)
    assert any("EXIF" in m for m in metadata_left(data))  # the fixture does carry GPS
    out = images.clean(data, allowed=STYLES, max_bytes=TEN_MB)
    assert isinstance(out, CleanImage)
    assert (out.content_type, out.width, out.height, out.source_type) == (f"image/{fmt.lower()}", 640, 400, ImageType(f"image/{fmt.lower()}"))
    assert metadata_left(out.data) == []
    with Image.open(io.BytesIO(out.data)) as im:
        assert im.format == fmt and im.size == (640, 400)


def test_clean_is_upright():
    out = images.clean(encoded("JPEG", size=(640, 400), orientation=6), allowed=STYLES)
    assert (out.width, out.height) == (400, 640)
    with Image.open(io.BytesIO(out.data)) as im:
        assert im.size == (400, 640) and not im.getexif()


def test_max_bytes_rejects_a_larger_file_naming_both_sizes():
    data = encoded("PNG")
    with pytest.raises(ImageRejected) as exc:
        images.clean(data, allowed=STYLES, max_bytes=len(data) - 1)
    assert exc.value.code == images.TOO_LARGE
    assert f"{len(data):,} bytes" in exc.value.reason and f"{len(data) - 1:,}" in exc.value.reason
    assert images.clean(data, allowed=STYLES, max_bytes=len(data)).content_type == "image/png"


def test_clean_rejects_a_disallowed_type_before_decoding():
    with pytest.raises(ImageRejected) as exc:
        images.clean(encoded("TIFF"), allowed=STYLES)
    assert exc.value.code == images.UNSUPPORTED_TYPE


def test_allowed_takes_mime_strings_too():
    assert images.clean(encoded("PNG"), allowed={"image/png"}).content_type == "image/png"


def test_thumbnail_default_box_is_process_image_s_thumbnail():
    data = encoded("JPEG", size=(1200, 800))
    assert images.thumbnail(data) == images.process_image(data).thumbnail


@pytest.mark.parametrize(("box", "size"), [((512, 512), (512, 341)), ((100, 300), (100, 67)), ((1600, 1600), (1200, 800))])
def test_thumbnail_fits_the_box_like_image_thumbnail_and_never_enlarges(box, size):
    data = encoded("JPEG", size=(1200, 800))
    out = images.thumbnail(data, box=box, allowed=STYLES)
    expected = Image.new("RGB", (1200, 800))
    expected.thumbnail(box)
    with Image.open(io.BytesIO(out)) as im:
        assert im.format == "JPEG" and im.size == expected.size == size
        assert not im.getexif() and metadata_left(out) == []


def test_thumbnail_is_upright():
    out = images.thumbnail(encoded("JPEG", size=(1200, 800), orientation=8), box=(300, 300))
    with Image.open(io.BytesIO(out)) as im:
        assert im.size == (200, 300)


@pytest.mark.parametrize("box", [(0, 10), (10, 1601)])
def test_thumbnail_box_out_of_range_is_a_programming_error(box):
    with pytest.raises(ValueError):
        images.thumbnail(encoded("PNG"), box=box)


def test_truncated_upload_is_rejected_with_a_code():
    data = encoded("JPEG", size=(1200, 800))
    with pytest.raises(ImageRejected) as exc:
        images.clean(data[: len(data) // 2], allowed=STYLES)
    assert exc.value.code == images.TRUNCATED
