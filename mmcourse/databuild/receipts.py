"""Till receipts rendered with Pillow and DejaVu fonts, plus one degraded "phone photo".

Each receipt is defined by its line items and tax rate; the totals are computed here (in
Decimal, rounding half-up to the cent) so the printed figures and the ground truth agree.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .artifacts import Artifact, font, generated_source, jpeg_bytes, png_bytes, write_bytes

CENT = Decimal("0.01")

# Fictional stores. quantity may be a weight (kg) for loose produce.
RECEIPTS: list[dict[str, Any]] = [
    {
        "path": "receipts/greenleaf_market.png",
        "store": "Greenleaf Market",
        "address": "214 Harbor Street, Springfield, IL 62701",
        "phone": "(217) 555-0148",
        "date": "2025-03-14",
        "time": "18:42",
        "currency": "USD",
        "symbol": "$",
        "tax_rate": "0.0625",
        "tax_label": "Sales tax 6.25%",
        "payment_method": "Visa card ending 4417",
        "items": [
            ("Oat milk 1L", "2", "3.49"),
            ("Sourdough loaf", "1", "5.25"),
            ("Bananas (kg)", "0.82", "1.59"),
            ("Free-range eggs x12", "1", "4.99"),
            ("Cheddar 200g", "1", "3.79"),
            ("Coffee beans 500g", "1", "11.49"),
        ],
        "footer": ["Thank you for shopping local!"],
    },
    {
        "path": "receipts/maple_bean_cafe.png",
        "store": "Maple & Bean Café",
        "address": "88 King Street West, Toronto, ON M5H 1A1",
        "phone": "(416) 555-0199",
        "date": "2025-06-02",
        "time": "08:15",
        "currency": "CAD",
        "symbol": "$",
        "tax_rate": "0.13",
        "tax_label": "HST 13%",
        "payment_method": "Cash",
        "items": [
            ("Flat white", "2", "4.75"),
            ("Blueberry muffin", "3", "3.25"),
            ("Avocado toast", "1", "9.50"),
            ("Orange juice", "1", "4.10"),
        ],
        "cash_tendered": "50.00",
        "footer": ["Free Wi-Fi: MapleGuest"],
    },
    {
        "path": "receipts/ridgeway_hardware.png",
        "store": "Ridgeway Hardware & Supply",
        "address": "1180 Canyon Road, Boulder, CO 80302",
        "phone": "(303) 555-0123",
        "date": "2025-11-02",
        "time": "14:07",
        "currency": "USD",
        "symbol": "$",
        "tax_rate": "0.08845",
        "tax_label": "Sales tax 8.845%",
        "payment_method": "Mastercard contactless ending 9051",
        "items": [
            ("Claw hammer 16oz", "1", "18.99"),
            ("Wood screws 4x40 (100)", "2", "6.49"),
            ("Masking tape 24mm", "3", "2.79"),
            ("LED bulb E27 9W", "4", "3.25"),
            ("Sandpaper assorted", "1", "7.89"),
        ],
        "footer": ["Returns within 30 days with receipt"],
    },
]

# The degraded variant: which receipt, and the file it becomes.
PHOTO_OF = "receipts/greenleaf_market.png"
PHOTO_PATH = "receipts/greenleaf_market_photo.jpg"

WIDTH = 520
MARGIN = 28


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def receipt_truth(spec: dict[str, Any]) -> dict[str, Any]:
    """The ground truth of a receipt spec: line totals, subtotal, tax and total (2 dp)."""
    items = []
    subtotal = Decimal(0)
    for name, quantity, unit_price in spec["items"]:
        line_total = _money(Decimal(quantity) * Decimal(unit_price))
        subtotal += line_total
        items.append({"name": name, "quantity": float(quantity) if "." in quantity else int(quantity),
                      "unit_price": float(unit_price), "total": float(line_total)})
    exact_tax = subtotal * Decimal(spec["tax_rate"])
    tax = _money(exact_tax)
    # A tax that lands exactly on half a cent would round differently under float round();
    # keep the data unambiguous.
    if (exact_tax / CENT) % 1 == Decimal("0.5"):
        raise ValueError(f"{spec['store']}: tax {exact_tax} is a half-cent tie; change an item price")
    return {
        "category": "receipt",
        "store": spec["store"],
        "address": spec["address"],
        "date": spec["date"],
        "time": spec["time"],
        "currency": spec["currency"],
        "items": items,
        "subtotal": float(subtotal),
        "tax_rate": float(spec["tax_rate"]),
        "tax": float(tax),
        "total": float(subtotal + tax),
        "payment_method": spec["payment_method"],
    }


def _lines(spec: dict[str, Any], truth: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The receipt as (style, left, right) rows; style is title|center|row|bold|rule|blank."""
    sym = spec["symbol"]
    rows: list[tuple[str, str, str]] = [
        ("title", spec["store"], ""),
        ("center", spec["address"], ""),
        ("center", f"Tel {spec['phone']}", ""),
        ("blank", "", ""),
        ("row", f"Date {spec['date']}", f"Time {spec['time']}"),
        ("rule", "", ""),
    ]
    for item in truth["items"]:
        rows.append(("row", item["name"], f"{sym}{item['total']:.2f}"))
        qty = item["quantity"]
        qty_text = f"{qty:g} kg" if isinstance(qty, float) else f"{qty}"
        rows.append(("detail", f"  {qty_text} @ {sym}{item['unit_price']:.2f}", ""))
    rows += [
        ("rule", "", ""),
        ("row", "Subtotal", f"{sym}{truth['subtotal']:.2f}"),
        ("row", spec["tax_label"], f"{sym}{truth['tax']:.2f}"),
        ("bold", f"TOTAL {spec['currency']}", f"{sym}{truth['total']:.2f}"),
        ("rule", "", ""),
        ("row", "Paid by", ""),
        ("row", f"  {spec['payment_method']}", ""),
    ]
    if "cash_tendered" in spec:
        tendered = Decimal(spec["cash_tendered"])
        rows.append(("row", "Cash tendered", f"{sym}{tendered:.2f}"))
        rows.append(("row", "Change", f"{sym}{tendered - Decimal(str(truth['total'])):.2f}"))
    rows.append(("blank", "", ""))
    rows += [("center", text, "") for text in spec["footer"]]
    return rows


def render_receipt(spec: dict[str, Any], truth: dict[str, Any]) -> Image.Image:
    """Draw a receipt as a narrow white till slip (greyscale)."""
    fonts = {
        "title": font(26, "DejaVuSans-Bold.ttf"),
        "center": font(17, "DejaVuSans.ttf"),
        "row": font(19, "DejaVuSansMono.ttf"),
        "detail": font(16, "DejaVuSansMono.ttf"),
        "bold": font(22, "DejaVuSansMono-Bold.ttf"),
    }
    heights = {"title": 40, "center": 26, "row": 28, "detail": 24, "bold": 36, "rule": 18, "blank": 16}
    rows = _lines(spec, truth)
    height = 2 * MARGIN + sum(heights[style] for style, _, _ in rows)
    img = Image.new("L", (WIDTH, height), 255)
    draw = ImageDraw.Draw(img)
    y = MARGIN
    for style, left, right in rows:
        if style == "rule":
            draw.line([(MARGIN, y + 8), (WIDTH - MARGIN, y + 8)], fill=0, width=1)
        elif style in ("title", "center"):
            draw.text((WIDTH // 2, y), left, font=fonts[style], fill=0, anchor="ma")
        elif style != "blank":
            draw.text((MARGIN, y), left, font=fonts[style], fill=0)
            if right:
                draw.text((WIDTH - MARGIN, y), right, font=fonts[style], fill=0, anchor="ra")
        y += heights[style]
    return img


def degrade_to_photo(receipt: Image.Image, seed: int = 7) -> Image.Image:
    """Make a receipt look like a phone photo: on a table, rotated, blurred, uneven light, noisy."""
    rng = np.random.default_rng(seed)
    paper = receipt.convert("RGB")
    # Warm off-white paper rather than pure white.
    paper = Image.eval(paper, lambda v: int(v * 0.93) + 8)
    table = Image.new("RGB", (paper.width + 160, paper.height + 160), (92, 70, 52))
    table.paste(paper, (80, 80))
    photo = table.rotate(-4.0, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(92, 70, 52))
    photo = photo.filter(ImageFilter.GaussianBlur(1.1))
    pixels = np.asarray(photo, dtype=np.float32)
    # A light fall-off from the top-left, like a desk lamp.
    yy, xx = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]]
    light = 1.0 - 0.28 * (xx / pixels.shape[1] + yy / pixels.shape[0]) / 2
    pixels = pixels * light[..., None] + rng.normal(0, 7, pixels.shape)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return photo.resize((photo.width * 3 // 4, photo.height * 3 // 4), Image.Resampling.BILINEAR)


def build(out_dir: Path) -> list[Artifact]:
    """Render every receipt (PNG) and the degraded phone photo (JPEG)."""
    artifacts = []
    source = generated_source("receipts")
    for spec in RECEIPTS:
        truth = receipt_truth(spec)
        img = render_receipt(spec, truth)
        write_bytes(out_dir, spec["path"], png_bytes(img))
        artifacts.append(Artifact(spec["path"], "receipt", "image/png", truth, source=source))
        if spec["path"] == PHOTO_OF:
            photo = degrade_to_photo(img)
            write_bytes(out_dir, PHOTO_PATH, jpeg_bytes(photo, quality=60))
            artifacts.append(
                Artifact(PHOTO_PATH, "receipt", "image/jpeg", dict(truth),
                         source=source + "; degraded phone-photo variant of " + PHOTO_OF)
            )
    return artifacts
