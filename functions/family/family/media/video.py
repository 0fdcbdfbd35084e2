"""Video processing for family media: an MP4/QuickTime upload in, a metadata-free MP4, an upright
poster frame and a thumbnail out.

Like :mod:`backlot.images` (photos), :func:`process_video` takes the bytes of an upload
and returns a :class:`ProcessedVideo` or raises :class:`MediaRejected` (the platform's :class:`~backlot.images.ImageRejected`)
with one of the same stable ``code`` values and a human ``reason``. Unlike photos, the work is
done by the ``ffmpeg`` executable that the ``imageio-ffmpeg`` wheel ships
(``imageio_ffmpeg.get_ffmpeg_exe()``; its ``manylinux2014_aarch64`` wheel carries an arm64
static build for Lambda), run with :mod:`subprocess`: an argument list (never a shell), a
timeout, a minimal environment, and temporary files in a private directory under
``tempfile.gettempdir()`` (``/tmp`` on Lambda), removed afterwards.

What it guarantees, for every accepted input:

* **The type comes from the bytes** (:func:`~backlot.images.sniff_mime_type`: an ISO
  BMFF ``ftyp`` box with a video brand, i.e. ``video/mp4`` or ``video/quicktime``), and ffmpeg
  is told which demuxer to use (``-f mov``) and may only open local files
  (``-protocol_whitelist file``), so a crafted file cannot be probed as a playlist or another
  format that fetches URLs. The mov demuxer's external data references stay disabled (its
  ``enable_drefs`` option defaults to off; ffmpeg-formats, "mov/mp4/3gp").
* **No metadata.** The clean copy is a new MP4 written by ffmpeg from the first real video
  stream and the audio streams, their compressed packets copied unchanged (no re-encoding, no
  loss): global, per-stream and chapter metadata are not copied, subtitle, data (Apple ``mebx``
  timed metadata, GoPro ``gpmd``, ``tmcd`` timecode...) and attached-picture streams are not
  mapped, nothing after the movie (Samsung ``SEFT`` trailers) survives, and no encoder tag or
  creation time is written. Then every ``udta`` (user data: QuickTime ``©xyz`` ISO 6709
  location, 3GPP ``loci``, ``©day``...), ``meta`` (``keys``/``ilst``, e.g. the key
  ``com.apple.quicktime.location.ISO6709``) and ``uuid`` box left in the movie (ffmpeg's MP4
  muxer always writes an empty ``udta/meta/ilst``) is overwritten in place by a ``free`` box of
  the same size filled with zeros, and the result is checked: a clean copy that still holds one
  of those boxes is never returned.
* **It plays upright.** The display matrix (``tkhd`` matrix) is kept, since players need it;
  ``width`` x ``height`` and the poster are after it (ffmpeg's ``autorotate``).
* **Streamable.** ``moov`` is written before ``mdat`` (``-movflags +faststart``), so a browser
  starts playing from a presigned URL before the whole file has arrived.
* **Bad input is rejected, never crashes**: empty, unrecognised, truncated, corrupt (ffmpeg runs
  with ``-xerror``, so a corrupt packet is an error), no video stream, too long, too many bytes
  or pixels, or too slow to process. Only a missing or broken ffmpeg (an installation problem)
  raises something else, ``RuntimeError``, so that the message is retried and noticed.

Known limits: codec-level side data inside the compressed video (H.264/HEVC SEI messages, e.g.
x264's settings string or a dashcam's own GPS SEI) is copied as it is: phones do not put the
location there, they use the atoms removed above. HDR (HLG/PQ, 10-bit) videos keep their HDR
stream; their poster is converted to 8-bit sRGB JPEG without tone mapping, so a PQ poster may
look flat. An audio codec the MP4 format cannot hold (e.g. IMA ADPCM from old cameras) is
re-encoded to AAC; audio ffmpeg cannot decode either (e.g. Apple's APAC spatial audio) is
dropped, keeping the video (``has_audio`` says whether any audio is left). Non-square pixels
(a sample aspect ratio other than 1:1, which phones do not record) are not corrected in the
poster or in ``width`` x ``height``.

ffmpeg options used (ffmpeg documentation, https://ffmpeg.org/ffmpeg.html,
ffmpeg-formats.html, ffmpeg-codecs.html, ffmpeg-protocols.html; checked with ffmpeg 7.0.2, the
aarch64 build imageio-ffmpeg 0.7.0 ships for manylinux2014, and 9.0.2 from imageio-ffmpeg 0.8):

* ``-map 0:V:0`` the first video stream that is not an attached picture (stream specifier
  ``V``); ``-map 0:a?`` every audio stream, if any; ``-dn -sn`` no data or subtitle streams;
* ``-map_metadata -1`` disables the automatic copy of global, per-stream and per-chapter
  metadata; ``-map_chapters -1`` copies no chapters;
* ``-c copy`` stream copy (packets are not decoded); ``-f mp4`` the MP4 muxer;
* ``-fflags +bitexact`` (format flag) no encoder string and no time-dependent data;
* ``-movflags +faststart`` a second pass moves ``moov`` in front of ``mdat``;
* ``-xerror`` stop with an error on the first error (e.g. a corrupt or partial packet);
* ``-ss T`` before ``-i``: input seeking, decoding from the previous key frame to ``T``;
  ``-frames:v 1`` one frame; ``-max_pixels N`` (codec option) the decoder refuses bigger frames;
  ``-threads 2`` at most two decoder threads (frame threads multiply the frames held in
  memory, and ffmpeg's default is one per core of the host);
  ``-autorotate`` (the default) applies the display matrix; ``-c:v mjpeg -q:v 2`` a JPEG of
  quality scale 2 (best is 1), written to stdout by the ``image2pipe`` muxer.

Boxes (ISO/IEC 14496-12:2022, ISO base media file format; Apple, QuickTime File Format
Specification): box header 4.2 (32-bit size, 4-character type, ``size == 1``: 64-bit size
follows, ``size == 0``: to the end of the file, ``uuid``: 16-byte extended type); ``ftyp`` 4.3;
``moov`` 8.2.1; ``mvhd`` 8.2.2 (timescale, duration); ``tkhd`` 8.3.2 (matrix); ``hdlr`` 8.4.3
(``vide``, ``soun``); ``stsd`` 8.5.2 with ``VisualSampleEntry`` 12.1.3 (coded width, height);
``free``/``skip`` 8.1.2 (contents irrelevant, may be ignored); ``udta`` 8.10.1; ``meta`` 8.11.1;
QuickTime user data atoms (``©xyz``) and metadata (``keys``, ``ilst``, the
``com.apple.quicktime.location.ISO6709`` key) in QTFF "Movie atoms" / "Metadata"; ``loci`` in
3GPP TS 26.244 8.2.

Concurrency: each call uses its own temporary directory and processes; :func:`process_video`
calls :func:`~backlot.images.process_image` for the poster, so the same one-thread
rule applies.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Final

from backlot.images import (
    CORRUPT,
    DECOMPRESSION_BOMB,
    NOT_AN_IMAGE,
    TOO_LARGE,
    TRUNCATED,
    UNSUPPORTED_TYPE,
    ImageRejected,
    process_image,
    sniff_mime_type,
)

#: Family's name for the platform's rejection: photos (:mod:`backlot.images`) and videos share
#: its class and its codes, so the media service catches one exception for both.
MediaRejected = ImageRejected

__all__ = [
    "CLEAN_MIME_TYPE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "MediaRejected",
    "POSTER_AT_SECONDS",
    "ProcessedVideo",
    "VIDEO_MIME_TYPES",
    "ffmpeg_exe",
    "poster_command",
    "process_video",
    "remux_command",
]

#: Types :func:`process_video` accepts (as :func:`sniff_mime_type` names them).
VIDEO_MIME_TYPES: Final = frozenset({"video/mp4", "video/quicktime"})
#: Type of every clean copy.
CLEAN_MIME_TYPE: Final = "video/mp4"
#: Longest accepted video, in seconds (family clips; the byte limit usually binds first: 50 MiB
#: is about 25 s of 1080p or 8 s of 4K phone video).
DEFAULT_MAX_SECONDS: Final = 300.0
#: Largest accepted file, in bytes. The input and the clean copy both sit in /tmp (Lambda's
#: default ephemeral storage is 512 MB) and in memory.
DEFAULT_MAX_BYTES: Final = 100 * 1024 * 1024
#: Most pixels per frame: 8K UHD (7680 x 4320), the largest size phones record. The poster frame
#: of a 4K 10-bit HEVC video took ffmpeg 0.3-0.4 GB and 1.3-2.7 s on two x86-64 cores here; 8K
#: takes about four times that.
DEFAULT_MAX_PIXELS: Final = 7680 * 4320
#: Time limit of each ffmpeg run, in seconds (a remux and a poster frame; two more remuxes only
#: when the audio must be re-encoded or dropped).
DEFAULT_TIMEOUT_SECONDS: Final = 20.0
#: Where the poster frame is taken, in seconds from the start (the first frames of a phone
#: video are often dark while the exposure settles); videos shorter than 1 s use the first frame.
POSTER_AT_SECONDS: Final = 0.5
#: JPEG quality scale of the extracted frame (``-q:v``, 1 best .. 31 worst); the stored poster
#: and thumbnail are re-encoded from it by :func:`process_image`.
_FRAME_QSCALE: Final = 2


@dataclass(frozen=True)
class ProcessedVideo:
    """The result of :func:`process_video`.

    Attributes:
        mime_type: the real type of the original, from its bytes: ``video/mp4`` or
            ``video/quicktime``.
        width, height: size in pixels of a displayed frame, after the display matrix (a phone's
            portrait video, stored 1920 x 1080 with a 90-degree matrix, is 1080 x 1920).
        duration_seconds: length of the clean copy in seconds (its ``mvhd`` duration divided by
            its timescale), > 0.
        clean: the MP4 (``-c copy`` of the first video stream and the audio) without metadata;
            see the module docstring.
        clean_mime_type: always ``video/mp4``.
        poster: upright JPEG of the frame at :data:`POSTER_AT_SECONDS` (the first frame for
            videos under a second), longest side at most
            :data:`~backlot.images.PREVIEW_MAX_SIDE` pixels, no metadata.
        thumbnail: upright JPEG of the same frame that fits in 200 x 200 pixels, no metadata.
        has_audio: the clean copy has at least one audio track.
    """

    mime_type: str
    width: int
    height: int
    duration_seconds: float
    clean: bytes = field(repr=False)
    clean_mime_type: str
    poster: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    has_audio: bool


def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable: ``IMAGEIO_FFMPEG_EXE`` if set, else the binary inside the
    installed ``imageio-ffmpeg`` wheel (``imageio_ffmpeg.get_ffmpeg_exe()``, which also falls
    back to a system ffmpeg).

    Raises:
        RuntimeError: no usable ffmpeg (imageio-ffmpeg missing, or its binary not executable).
    """
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise RuntimeError("imageio-ffmpeg is not installed; videos cannot be processed") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def process_video(
    data: bytes,
    *,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> ProcessedVideo:
    """Validate an uploaded video and make its clean copy, poster and thumbnail.

    Args:
        data: the uploaded file's bytes (bytes-like). Its declared type and name are irrelevant.
        max_seconds: longest accepted duration, in seconds.
        max_bytes: largest accepted ``len(data)``, in bytes.
        max_pixels: most pixels per frame (coded width x height), checked from the sample
            description before any frame is decoded and enforced again by the decoder.
        timeout_seconds: time limit of each ffmpeg run, in seconds.

    Returns:
        A :class:`ProcessedVideo`.

    Steps (the ffmpeg options and the boxes are explained in the module docstring):

    1. :func:`sniff_mime_type`; the top-level boxes are walked: one that ends after the data is
       a truncated file, a file without ``moov`` is corrupt.
    2. ``ffmpeg -hide_banner -nostdin -nostats -loglevel error -xerror -f mov
       -protocol_whitelist file -i file:<input> -map 0:V:0 -map 0:a? -dn -sn -map_metadata -1
       -map_chapters -1 -c copy -fflags +bitexact -movflags +faststart -f mp4 -y
       file:<clean.mp4>``. When the MP4 muxer cannot hold an audio codec, again with ``-map 0:a:0?
       -c:v copy -c:a aac -b:a 160k``; when that fails too, with ``-an`` (no audio).
    3. The clean copy's ``udta``/``meta``/``uuid`` boxes become zero-filled ``free`` boxes; its
       ``mvhd`` gives the duration and its video ``stsd`` entry the coded size, checked against
       ``max_seconds`` and ``max_pixels``.
    4. ``ffmpeg -hide_banner -nostdin -nostats -loglevel error -threads 2 -max_pixels N
       -autorotate -ss T -f mov -protocol_whitelist file -i file:<clean.mp4> -map 0:V:0
       -frames:v 1 -an -sn -dn -f image2pipe -c:v mjpeg -q:v 2 pipe:1`` with ``T`` = 0.5 (0 for
       videos under a second, and as a retry when no frame came out), then
       :func:`process_image` on that JPEG gives the poster (its preview), the thumbnail and the
       upright ``width`` x ``height``.

    Raises:
        MediaRejected: with ``code``

            * ``not_an_image``: empty or unrecognised bytes;
            * ``unsupported_type``: a recognised type that is not an MP4/QuickTime video (a
              photo, GIF, PDF, other ISO BMFF files), a file without a video stream (audio
              only), or a video codec the MP4 format cannot hold (e.g. ProRes);
            * ``too_large``: more than ``max_bytes`` bytes or ``max_seconds`` seconds, or an
              ffmpeg run that takes longer than ``timeout_seconds``;
            * ``decompression_bomb``: frames of more than ``max_pixels`` pixels;
            * ``truncated``: the data ends before the video does;
            * ``corrupt``: anything else ffmpeg cannot read, or no frame can be decoded.

            The ffmpeg messages, if any, are in the ``__cause__`` (for logs), never in the reason.
        RuntimeError: no usable ffmpeg (an installation problem, not a bad upload).
        TypeError: ``data`` is not bytes-like.
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    if not data:
        raise MediaRejected(NOT_AN_IMAGE, "The file is empty.")
    mime = sniff_mime_type(data)
    if mime is None:
        raise MediaRejected(NOT_AN_IMAGE, "The file is not a video.")
    if mime not in VIDEO_MIME_TYPES:
        raise MediaRejected(
            UNSUPPORTED_TYPE, f"Files of type {mime} are not accepted as videos; send an MP4 or QuickTime (MOV) video."
        )
    name = _NAMES[mime]
    if len(data) > max_bytes:
        raise MediaRejected(TOO_LARGE, f"The video is {len(data):,} bytes; videos up to {max_bytes:,} bytes are accepted.")
    _check_top_level(data, name)
    exe = ffmpeg_exe()

    with tempfile.TemporaryDirectory(prefix="backlot-video-") as tmp:
        source = os.path.join(tmp, "input")
        clean_path = os.path.join(tmp, "clean.mp4")
        with open(source, "wb") as f:
            f.write(data)
        _remux(exe, source, clean_path, name, timeout_seconds)
        movie = _sanitize_movie(clean_path)
        if movie.duration_seconds <= 0:
            raise MediaRejected(CORRUPT, f"The {name} video has no duration.")
        if movie.duration_seconds > max_seconds:
            raise MediaRejected(
                TOO_LARGE,
                f"The video is {movie.duration_seconds:.1f} s long; videos up to {max_seconds:g} s are accepted.",
            )
        if movie.coded_width * movie.coded_height > max_pixels:
            raise MediaRejected(DECOMPRESSION_BOMB, _bomb_reason(movie.coded_width, movie.coded_height, max_pixels))
        frame = _poster_frame(exe, clean_path, movie.duration_seconds, name, max_pixels, timeout_seconds)
        with open(clean_path, "rb") as f:
            clean = f.read()

    try:
        picture = process_image(frame)
    except MediaRejected as exc:  # ffmpeg made a JPEG Pillow cannot read: treat the video as bad
        raise MediaRejected(CORRUPT, f"No frame of the {name} video can be decoded.") from exc
    return ProcessedVideo(
        mime_type=mime,
        width=picture.width,
        height=picture.height,
        duration_seconds=movie.duration_seconds,
        clean=clean,
        clean_mime_type=CLEAN_MIME_TYPE,
        poster=picture.preview,
        thumbnail=picture.thumbnail,
        has_audio=movie.audio_tracks > 0,
    )


_NAMES: Final = {"video/mp4": "MP4", "video/quicktime": "QuickTime"}


def _bomb_reason(width: int, height: int, max_pixels: int) -> str:
    return (
        f"The video's frames are {width} x {height} pixels ({width * height:,}), more than the "
        f"{max_pixels:,} accepted."
    )


# --------------------------------------------------------------------------------------------
# ISO BMFF boxes (ISO/IEC 14496-12 section 4.2)
# --------------------------------------------------------------------------------------------


class _BoxError(Exception):
    """A box header that does not fit its parent (``truncated``: it runs past the data's end)."""

    def __init__(self, message: str, *, truncated: bool = False) -> None:
        super().__init__(message)
        self.truncated = truncated


def _boxes(buf: bytes | bytearray, start: int, end: int, *, at_top: bool = False):
    """Yield ``(type, box_start, payload_start, box_end)`` for the boxes in ``buf[start:end]``.

    Raises:
        _BoxError: a header shorter than 8 bytes, a size smaller than its header, or a box that
            ends after ``end`` (``truncated`` when ``end`` is the end of the file).
    """
    pos = start
    while pos < end:
        if end - pos < 8:
            raise _BoxError(f"{end - pos} stray bytes at {pos}", truncated=at_top)
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise _BoxError(f"box {kind!r} at {pos}: 64-bit size cut off", truncated=at_top)
            (size,) = struct.unpack_from(">Q", buf, pos + 8)
            header = 16
        elif size == 0:  # "extends to the end of the file"
            size = end - pos
        if kind == b"uuid":
            header += 16
        if size < header:
            raise _BoxError(f"box {kind!r} at {pos}: size {size} is smaller than its header")
        if pos + size > end:
            plausible = all(0x20 <= c <= 0x7E or c == 0xA9 for c in kind)
            raise _BoxError(f"box {kind!r} at {pos} ends at {pos + size}, after {end}", truncated=at_top and plausible)
        yield kind, pos, pos + header, pos + size
        pos += size


#: Most top-level boxes walked (a fragmented MP4 has two per fragment).
_MAX_TOP_LEVEL_BOXES: Final = 100_000


def _check_top_level(data: bytes, name: str) -> None:
    """Reject a file whose top-level boxes run past its end (truncated) or that has no ``moov``."""
    has_moov = False
    try:
        for count, (kind, _start, _payload, _end) in enumerate(_boxes(data, 0, len(data), at_top=True)):
            if kind == b"moov":
                has_moov = True
            if count >= _MAX_TOP_LEVEL_BOXES:
                raise MediaRejected(CORRUPT, f"The {name} file has too many boxes to be a video.")
    except _BoxError as exc:
        if exc.truncated:
            raise MediaRejected(TRUNCATED, f"The {name} file is truncated: the data ends before the video does.") from exc
        raise MediaRejected(CORRUPT, f"The {name} file is corrupt and cannot be decoded.") from exc
    if not has_moov:
        raise MediaRejected(CORRUPT, f"The {name} file has no movie header (moov box); it is not a playable video.")


@dataclass
class _Movie:
    duration_seconds: float = 0.0
    coded_width: int = 0
    coded_height: int = 0
    video_tracks: int = 0
    audio_tracks: int = 0


#: Boxes that hold other boxes and are searched for metadata (descending into ``stbl`` is
#: harmless: its children are sample tables).
_CONTAINERS: Final = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"})
#: Boxes that are replaced by ``free`` wherever they are found: user data, metadata, vendor
#: extensions (XMP is a ``uuid`` box), and the QuickTime/MP4 metadata children in case one
#: appears outside a ``udta``/``meta``.
_METADATA_BOXES: Final = frozenset({b"udta", b"meta", b"uuid", b"keys", b"ilst", b"\xa9xyz", b"loci", b"XMP_"})
#: Top-level boxes a clean copy may have.
_CLEAN_TOP_LEVEL: Final = frozenset({b"ftyp", b"moov", b"free", b"skip", b"mdat", b"wide"})


def _sanitize_movie(path: str) -> _Movie:
    """Blank the metadata boxes of the MP4 ffmpeg wrote at ``path`` and read its movie facts.

    Every box in :data:`_METADATA_BOXES` inside ``moov`` (and at the top level) is rewritten in
    place as a ``free`` box of the same size whose payload is zeros, so no offset changes
    (``stco``/``co64`` chunk offsets stay valid). Then the file is walked again and must hold no
    such box.

    Returns:
        duration (``mvhd``), the first video track's coded size (``stsd`` visual sample entry)
        and the number of video and audio tracks (``hdlr`` handler types ``vide``/``soun``).

    Raises:
        MediaRejected: ``corrupt`` when the file cannot be parsed, or its video track is
            missing or has no size (ffmpeg copied a stream it could not describe).
        RuntimeError: a metadata box is still there after blanking (a bug; nothing is stored).
    """
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        try:
            blanked = _blank_metadata(data, 0, len(data), top=True)
            movie = _read_movie(data)
        except (_BoxError, struct.error) as exc:
            raise MediaRejected(CORRUPT, "The video could not be rewritten into a valid MP4 file.") from exc
        if blanked:
            for start, end in blanked:
                f.seek(start)
                f.write(data[start:end])
    left = _metadata_boxes_left(data, 0, len(data), top=True)
    if left:
        raise RuntimeError(f"metadata boxes left in the clean video: {left}")
    if movie.video_tracks == 0 or not movie.coded_width or not movie.coded_height:
        # ffmpeg did map a video stream, but could not describe it (e.g. a garbage avcC)
        raise MediaRejected(CORRUPT, "The video stream is corrupt and cannot be decoded.")
    return movie


def _blank_metadata(data: bytearray, start: int, end: int, *, top: bool = False) -> list[tuple[int, int]]:
    """Rewrite metadata boxes in ``data[start:end]`` as zero-filled ``free`` boxes; return the
    ``(start, end)`` byte ranges changed."""
    changed: list[tuple[int, int]] = []
    for kind, box_start, payload, box_end in _boxes(data, start, end):
        if kind in _METADATA_BOXES or (top and kind not in _CLEAN_TOP_LEVEL):
            size = box_end - box_start
            if size >= 2**32:
                struct.pack_into(">I4sQ", data, box_start, 1, b"free", size)
                data[box_start + 16 : box_end] = bytes(size - 16)
            else:
                struct.pack_into(">I4s", data, box_start, size, b"free")
                data[box_start + 8 : box_end] = bytes(size - 8)
            changed.append((box_start, box_end))
        elif kind in _CONTAINERS:
            changed += _blank_metadata(data, payload, box_end)
    return changed


def _metadata_boxes_left(data: bytes | bytearray, start: int, end: int, *, top: bool = False) -> list[str]:
    found = []
    for kind, _box_start, payload, box_end in _boxes(data, start, end):
        if kind in _METADATA_BOXES or (top and kind not in _CLEAN_TOP_LEVEL):
            found.append(kind.decode("latin-1"))
        elif kind in _CONTAINERS:
            found += _metadata_boxes_left(data, payload, box_end)
    return found


def _child(data: bytes | bytearray, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """``(payload_start, box_end)`` of the first ``kind`` box in ``data[start:end]``."""
    for k, _box_start, payload, box_end in _boxes(data, start, end):
        if k == kind:
            return payload, box_end
    return None


def _read_movie(data: bytes | bytearray) -> _Movie:
    movie = _Movie()
    moov = _child(data, 0, len(data), b"moov")
    if moov is None:
        raise _BoxError("no moov box")
    mvhd = _child(data, *moov, b"mvhd")
    if mvhd is None:
        raise _BoxError("no mvhd box")
    version = data[mvhd[0]]
    if version == 1:  # FullBox header, creation and modification times (64-bit), timescale, duration
        timescale, duration = struct.unpack_from(">IQ", data, mvhd[0] + 4 + 16)
    else:
        timescale, duration = struct.unpack_from(">II", data, mvhd[0] + 4 + 8)
    if timescale and duration not in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
        movie.duration_seconds = duration / timescale
    for kind, _box_start, payload, box_end in _boxes(data, *moov):
        if kind != b"trak":
            continue
        mdia = _child(data, payload, box_end, b"mdia")
        hdlr = mdia and _child(data, *mdia, b"hdlr")
        if not hdlr:
            continue
        handler = bytes(data[hdlr[0] + 8 : hdlr[0] + 12])  # FullBox header, pre_defined, handler_type
        if handler == b"soun":
            movie.audio_tracks += 1
        elif handler == b"vide":
            movie.video_tracks += 1
            if movie.video_tracks == 1:
                minf = _child(data, *mdia, b"minf")
                stbl = minf and _child(data, *minf, b"stbl")
                stsd = stbl and _child(data, *stbl, b"stsd")
                if stsd:
                    # FullBox header (4), entry_count (4), then the first SampleEntry: box header
                    # (8), reserved (6), data_reference_index (2), pre_defined, reserved,
                    # pre_defined[3] (16), width (16 bits), height (16 bits).
                    entry = stsd[0] + 8
                    movie.coded_width, movie.coded_height = struct.unpack_from(">HH", data, entry + 8 + 8 + 16)
    return movie


# --------------------------------------------------------------------------------------------
# ffmpeg runs
# --------------------------------------------------------------------------------------------


class _FfmpegFailed(Exception):
    """ffmpeg exited with an error; the message is the end of its stderr (for logs only)."""


#: The environment ffmpeg runs with: nothing inherited (``FFREPORT`` would write report files,
#: ``AV_LOG_FORCE_*`` would change the messages parsed below).
_ENV: Final = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}

_COMMON: Final = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error")
_INPUT: Final = ("-f", "mov", "-protocol_whitelist", "file")
_STRIP: Final = ("-dn", "-sn", "-map_metadata", "-1", "-map_chapters", "-1")
_MP4_OUT: Final = ("-fflags", "+bitexact", "-movflags", "+faststart", "-f", "mp4", "-y")

_NO_TAG: Final = re.compile(r"Could not find tag for codec (\S+) in stream #(\d+)")


def remux_command(exe: str, source: str, target: str, audio: str = "copy") -> list[str]:
    """The ffmpeg argument list that writes ``target``, the clean MP4 of ``source``.

    Args:
        audio: ``"copy"`` (every audio stream copied), ``"aac"`` (the first audio stream
            re-encoded to AAC at 160 kbit/s) or ``"none"``.
    """
    maps = ["-map", "0:V:0"]
    codecs = ["-c", "copy"]
    if audio == "copy":
        maps += ["-map", "0:a?"]
    elif audio == "aac":
        maps += ["-map", "0:a:0?"]
        codecs = ["-c:v", "copy", "-c:a", "aac", "-b:a", "160k"]
    else:
        maps += ["-an"]
    return [exe, *_COMMON, "-xerror", *_INPUT, "-i", f"file:{source}", *maps, *_STRIP, *codecs, *_MP4_OUT, f"file:{target}"]


def poster_command(exe: str, source: str, at_seconds: float, max_pixels: int) -> list[str]:
    """The ffmpeg argument list that writes one upright JPEG frame of ``source`` to stdout."""
    return [
        exe, *_COMMON, "-threads", "2", "-max_pixels", str(max_pixels), "-autorotate",
        "-ss", f"{at_seconds:.3f}", *_INPUT, "-i", f"file:{source}",
        "-map", "0:V:0", "-frames:v", "1", "-an", "-sn", "-dn",
        "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", str(_FRAME_QSCALE), "pipe:1",
    ]  # fmt: skip


def _run(cmd: list[str], timeout: float, *, capture_stdout: bool = False) -> tuple[int, bytes, str]:
    """Run ffmpeg; ``(returncode, stdout, stderr)``.

    Raises:
        MediaRejected: ``too_large`` when it runs longer than ``timeout`` seconds (it is killed).
        RuntimeError: the executable cannot be started.
    """
    try:
        proc = subprocess.run(  # noqa: S603 - an argument list with a fixed executable, no shell
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            env=_ENV,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected(TOO_LARGE, f"The video could not be processed within {timeout:g} seconds.") from exc
    except OSError as exc:
        raise RuntimeError(f"ffmpeg could not be started: {exc}") from exc
    return proc.returncode, proc.stdout or b"", proc.stderr.decode("utf-8", "replace")


def _tail(stderr: str, lines: int = 12) -> str:
    return "\n".join(stderr.strip().splitlines()[-lines:])


def _remux(exe: str, source: str, target: str, name: str, timeout: float) -> None:
    """Write the clean MP4; see :func:`process_video` step 2 for the fallbacks."""
    rc, _, err = _run(remux_command(exe, source, target), timeout)
    if rc == 0:
        return
    if "matches no streams" in err:
        raise MediaRejected(UNSUPPORTED_TYPE, f"The {name} file has no video stream.") from _FfmpegFailed(_tail(err))
    tag = _NO_TAG.search(err)
    if tag and tag.group(2) == "0":  # output stream 0 is the video
        raise MediaRejected(
            UNSUPPORTED_TYPE, f"The video codec ({tag.group(1)}) cannot be stored in an MP4 file; send an H.264 or HEVC video."
        ) from _FfmpegFailed(_tail(err))
    if tag:  # an audio codec the MP4 format cannot hold: re-encode it, or drop the audio
        for audio in ("aac", "none"):
            rc, _, err2 = _run(remux_command(exe, source, target, audio), timeout)
            if rc == 0:
                return
            err += "\n" + err2
    _raise_unreadable(err, name)


def _raise_unreadable(err: str, name: str) -> None:
    cause = _FfmpegFailed(_tail(err))
    if "exceeds specified max pixel count" in err:
        raise MediaRejected(DECOMPRESSION_BOMB, f"The {name} video's frames have too many pixels to be processed safely.") from cause
    if "partial file" in err:
        raise MediaRejected(TRUNCATED, f"The {name} file is truncated: the data ends before the video does.") from cause
    raise MediaRejected(CORRUPT, f"The {name} file is corrupt and cannot be decoded.") from cause


def _poster_frame(exe: str, source: str, duration: float, name: str, max_pixels: int, timeout: float) -> bytes:
    """One upright JPEG frame of ``source`` (see :func:`process_video` step 4)."""
    err = ""
    first = POSTER_AT_SECONDS if duration >= 2 * POSTER_AT_SECONDS else 0.0
    for at in (first, 0.0) if first else (0.0,):  # a seek past the last frame yields nothing: retry at 0
        rc, frame, err = _run(poster_command(exe, source, at, max_pixels), timeout, capture_stdout=True)
        if rc == 0 and frame:
            return frame
        if "exceeds specified max pixel count" in err:
            break
    _raise_unreadable(err, name)
    raise AssertionError("unreachable")  # pragma: no cover
