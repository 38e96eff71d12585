"""Draw the brand images in custom_components/deluge_webapi/brand/ (run it to regenerate them).

Our own mark, not Deluge's: a download arrow fed by two peers, dropping into a tray, white on a
teal-to-blue tile. Shapes are drawn as masks four times larger and scaled down (clean edges on
a transparent background). The wordmark uses the font bundled with Pillow, so the images come
out the same on any machine:

    source scripts/lib.sh && in_env $HA_VENV/bin/python scripts/draw_brand.py

Home Assistant's brand rules: PNG, transparent background, trimmed; icon 256x256 (@2x 512x512);
logo landscape with its shorter side 128-256 px (@2x 256-512 px). The icon carries its own tile,
so it needs no dark variant; the logo's wordmark does (light text for dark themes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

BRAND_DIR = Path(__file__).resolve().parents[1] / "custom_components" / "deluge_webapi" / "brand"

SUPERSAMPLE = 4
TEAL = (20, 184, 166)
BLUE = (37, 99, 235)
WHITE = (255, 255, 255)
INK = (15, 23, 42)  # the wordmark on light themes
INK_ACCENT = (13, 148, 136)
PAPER = (241, 245, 249)  # the wordmark on dark themes
PAPER_ACCENT = (94, 234, 212)

type Painter = Callable[[ImageDraw.ImageDraw, float], None]

# The mark on a 1000-unit square.
UNIT = 1000.0


def _mask(size: tuple[int, int], paint: Painter) -> Image.Image:
    """Return an 8-bit mask of ``paint``'s shapes, drawn large and scaled down to ``size``."""
    large = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), 0)
    paint(ImageDraw.Draw(large), size[1] * SUPERSAMPLE / UNIT)
    return large.resize(size, Image.Resampling.LANCZOS)


def _tile(draw: ImageDraw.ImageDraw, scale: float) -> None:
    draw.rounded_rectangle((0, 0, UNIT * scale - 1, UNIT * scale - 1), radius=220 * scale, fill=255)


def _line(draw: ImageDraw.ImageDraw, scale: float, points: list[tuple[float, float]], width: float) -> None:
    """Draw a polyline with round joins and round ends."""
    scaled = [(x * scale, y * scale) for x, y in points]
    draw.line(scaled, fill=255, width=round(width * scale), joint="curve")
    radius = width * scale / 2
    for x, y in (scaled[0], scaled[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)


def _dot(draw: ImageDraw.ImageDraw, scale: float, x: float, y: float, radius: float) -> None:
    draw.ellipse(
        ((x - radius) * scale, (y - radius) * scale, (x + radius) * scale, (y + radius) * scale), fill=255
    )


def _symbol(draw: ImageDraw.ImageDraw, scale: float) -> None:
    """Draw two peers feeding one node, an arrow down from it, and a tray under the arrow."""
    node = (500.0, 285.0)
    for peer in ((270.0, 195.0), (730.0, 195.0)):
        _line(draw, scale, [peer, node], 30)
        _dot(draw, scale, *peer, 52)
    _dot(draw, scale, *node, 66)
    _line(draw, scale, [node, (500, 640)], 78)
    _line(draw, scale, [(365, 530), (500, 665), (635, 530)], 78)
    _line(draw, scale, [(235, 590), (235, 790), (765, 790), (765, 590)], 78)


def _gradient(size: tuple[int, int]) -> Image.Image:
    """Return teal at the top left turning to blue at the bottom right."""
    down = Image.linear_gradient("L").resize(size, Image.Resampling.BICUBIC)
    across = down.rotate(90)  # the top row becomes the left column: dark at the left
    ramp = ImageChops.add(down, across, scale=2)
    return Image.composite(Image.new("RGB", size, BLUE), Image.new("RGB", size, TEAL), ramp)


def _layer(colour: Image.Image, mask: Image.Image) -> Image.Image:
    """Return ``colour`` wherever ``mask`` is, as straight (not premultiplied) RGBA: no dark fringes."""
    layer = colour.convert("RGBA")
    layer.putalpha(mask)
    return layer


def draw_icon(side: int) -> Image.Image:
    """Return the icon: the white mark on its tile."""
    size = (side, side)
    icon = _layer(_gradient(size), _mask(size, _tile))
    return Image.alpha_composite(icon, _layer(Image.new("RGB", size, WHITE), _mask(size, _symbol)))


def draw_logo(height: int, ink: tuple[int, int, int], accent: tuple[int, int, int]) -> Image.Image:
    """Return the icon, then "Deluge" in heavy type and "WebAPI" in the accent colour, on one line."""
    icon = draw_icon(height)
    large = height * SUPERSAMPLE
    font = ImageFont.load_default(size=round(large * 0.5))
    heavy = round(large * 0.009)  # the bundled font has one weight: a stroke makes it bold
    gap = round(large * 0.24)
    words = (("Deluge", ink, heavy), (" WebAPI", accent, 0))
    widths = [round(font.getlength(text)) + 2 * stroke for text, _, stroke in words]
    text_width = sum(widths)
    _, cap_top, _, cap_bottom = font.getbbox("DWAPI")  # capitals centred on the icon
    layers = []
    for text, colour, stroke in words:
        layer = Image.new("L", (text_width + gap, large), 0)
        top = round(large / 2 - (cap_top + cap_bottom) / 2)
        left = gap + (0 if colour == ink else widths[0])
        ImageDraw.Draw(layer).text(
            (left + stroke, top), text, font=font, fill=255, stroke_width=stroke, stroke_fill=255
        )
        layers.append((layer, colour))
    text_size = ((text_width + gap) // SUPERSAMPLE, height)
    logo = Image.new("RGBA", (height + text_size[0], height), (0, 0, 0, 0))
    logo.alpha_composite(icon)
    for layer, colour in layers:
        small = layer.resize(text_size, Image.Resampling.LANCZOS)
        logo.alpha_composite(_layer(Image.new("RGB", text_size, colour), small), (height, 0))
    return logo.crop(logo.getbbox() or (0, 0, *logo.size))


def logo_pair(ink: tuple[int, int, int], accent: tuple[int, int, int]) -> tuple[Image.Image, Image.Image]:
    """Return the logo 128 and 256 (@2x) px high, trimmed, the @2x one exactly twice the size."""
    large = draw_logo(256, ink, accent)
    small = large.resize((large.width // 2, large.height // 2), Image.Resampling.LANCZOS)
    small = small.crop(small.getbbox() or (0, 0, *small.size))
    return small, large.crop((0, 0, small.width * 2, small.height * 2))


def main() -> None:
    """Draw every brand image into brand/."""
    BRAND_DIR.mkdir(exist_ok=True)
    logo, logo_2x = logo_pair(INK, INK_ACCENT)
    dark_logo, dark_logo_2x = logo_pair(PAPER, PAPER_ACCENT)
    images = {
        "icon.png": draw_icon(256),
        "icon@2x.png": draw_icon(512),
        "logo.png": logo,
        "logo@2x.png": logo_2x,
        "dark_logo.png": dark_logo,
        "dark_logo@2x.png": dark_logo_2x,
    }
    for name, image in images.items():
        image.save(BRAND_DIR / name, optimize=True)
        print(f"{name}: {image.width}x{image.height}")


if __name__ == "__main__":
    main()
