"""The local provider's "LoRA": what it learns from a training set, and how it draws with it.

Training (:func:`learn_style`) reads every image of the set with Pillow, keeps a palette (the
set's dominant colours, median-cut over all images together) and a few small tiles (each image
scaled to 192 px on its long side), and returns them as a :class:`Style`. Rendering
(:func:`render`) draws a real PNG at the aspect ratio's pixel size: a gradient between two palette
colours, the style's tiles placed, rotated and blended by a random generator seeded from
``(seed, prompt)``, shapes in the palette's colours, and the prompt written along the bottom.
The same style, prompt, seed and aspect ratio always give the same bytes; another seed or prompt
gives another image. It is no diffusion model, but it is an image made of the artist's own work,
which is what the flow needs to be seen end to end.
"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

TILE_PX = 192
MAX_TILES = 12
PALETTE_SIZE = 8


class NotAnImage(ValueError):
    """A file of the training set is not an image Pillow can read."""


@dataclass
class Style:
    """A trained style: ``palette`` (RGB tuples, most frequent first) and ``tiles`` (RGB images,
    at most :data:`MAX_TILES`), learnt from ``image_count`` images."""

    palette: list[tuple[int, int, int]]
    tiles: list[Image.Image] = field(repr=False)
    image_count: int


def _open_rgb(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            return img.convert("RGB")
    except Exception as exc:  # Pillow raises many types for bad bytes
        raise NotAnImage(str(exc)) from None


def learn_style(images: list[bytes]) -> Style:
    """Learn a :class:`Style` from the training images' bytes.

    Raises:
        NotAnImage: one of them cannot be read.
        ValueError: the list is empty.
    """
    if not images:
        raise ValueError("no training images")
    tiles: list[Image.Image] = []
    swatch = Image.new("RGB", (64 * min(len(images), 100), 64))
    for i, data in enumerate(images):
        img = _open_rgb(data)
        if i < 100:
            swatch.paste(img.resize((64, 64)), (64 * i, 0))
        if len(tiles) < MAX_TILES:
            tile = img.copy()
            tile.thumbnail((TILE_PX, TILE_PX))
            tiles.append(tile)
    quant = swatch.quantize(colors=PALETTE_SIZE, method=Image.Quantize.MEDIANCUT)
    raw = quant.getpalette() or []
    counts = sorted(quant.getcolors() or [], reverse=True)
    palette = [tuple(raw[idx * 3: idx * 3 + 3]) for _, idx in counts if len(raw) >= idx * 3 + 3]
    return Style(palette=[(int(r), int(g), int(b)) for r, g, b in palette] or [(128, 128, 128)],
                 tiles=tiles, image_count=len(images))


def save_style(style: Style) -> bytes:
    """The style as one PNG (palette row on top, tiles below): what the local provider stores as
    the trained weights."""
    width = max(TILE_PX * max(len(style.tiles), 1), PALETTE_SIZE)
    sheet = Image.new("RGB", (width, TILE_PX + 1), (0, 0, 0))
    for i, colour in enumerate(style.palette[:PALETTE_SIZE]):
        sheet.putpixel((i, 0), colour)
    for i, tile in enumerate(style.tiles):
        sheet.paste(tile, (TILE_PX * i, 1))
    out = io.BytesIO()
    sheet.save(out, format="PNG", pnginfo=_png_info(len(style.palette), len(style.tiles), style.image_count))
    return out.getvalue()


def _png_info(colours: int, tiles: int, images: int):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("backlot-style", f"{colours},{tiles},{images}")
    return info


def load_style(data: bytes) -> Style:
    """The style :func:`save_style` wrote.

    Raises:
        NotAnImage: not such a sheet.
    """
    with Image.open(io.BytesIO(data)) as sheet:
        sheet.load()
        meta = sheet.info.get("backlot-style")
        if not meta:
            raise NotAnImage("not a style sheet")
        colours, tiles, images = (int(x) for x in meta.split(","))
        sheet = sheet.convert("RGB")
    palette = [sheet.getpixel((i, 0)) for i in range(colours)]
    tile_list = []
    for i in range(tiles):
        tile = sheet.crop((TILE_PX * i, 1, TILE_PX * (i + 1), TILE_PX + 1))
        bbox = tile.getbbox()
        tile_list.append(tile.crop(bbox) if bbox else tile)
    return Style(palette=[tuple(p) for p in palette], tiles=tile_list, image_count=images)


def _seed_for(seed: int, prompt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()[:8], "big")


def render(style: Style, *, prompt: str, seed: int, width: int, height: int) -> bytes:
    """Draw one PNG of ``width`` x ``height`` pixels in ``style`` (see module doc).

    Returns:
        The PNG's bytes (no metadata beyond what PNG requires).
    """
    rng = random.Random(_seed_for(seed, prompt))
    palette = style.palette or [(128, 128, 128)]
    a, b = rng.choice(palette), rng.choice(palette)
    canvas = Image.linear_gradient("L").resize((width, height)).rotate(rng.choice([0, 90, 180, 270]))
    canvas = Image.composite(Image.new("RGB", (width, height), a), Image.new("RGB", (width, height), b), canvas)
    for _ in range(rng.randint(4, 9)):
        tile = rng.choice(style.tiles) if style.tiles else Image.new("RGB", (64, 64), rng.choice(palette))
        scale = rng.uniform(1.2, 3.0)
        tile = tile.resize((max(1, int(tile.width * scale)), max(1, int(tile.height * scale))))
        tile = tile.rotate(rng.uniform(-25, 25), expand=True, fillcolor=rng.choice(palette))
        mask = Image.new("L", tile.size, int(rng.uniform(90, 200))).filter(ImageFilter.GaussianBlur(2))
        canvas.paste(tile, (rng.randint(-tile.width // 3, width - tile.width // 2),
                            rng.randint(-tile.height // 3, height - tile.height // 2)), mask)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(6, 14)):
        x, y = rng.randint(0, width), rng.randint(0, height)
        r = rng.randint(min(width, height) // 30, min(width, height) // 6)
        colour = (*rng.choice(palette), rng.randint(60, 160))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.polygon([(x + rng.randint(-r, r), y + rng.randint(-r, r)) for _ in range(3)], fill=colour)
    canvas = Image.alpha_composite(canvas.convert("RGBA"), overlay)
    text_draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(16, height // 28))
    text_draw.rectangle((0, height - height // 12, width, height), fill=(0, 0, 0, 150))
    text_draw.text((width // 40, height - height // 12 + height // 80), prompt[:120], fill=(255, 255, 255, 255),
                   font=font)
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()
