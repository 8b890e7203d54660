"""Fresh receipts for hidden tests: random values from a seed, drawn by the receipt builder.

A grader's hidden test must not reuse the course files (a learner could hard-code their
answers), so it makes new documents at grading time: ``random_receipt(rng, form)`` picks a store,
items, quantities, prices and a tax rate from ``rng``, computes the truth exactly as
``receipts.receipt_truth`` does for the course receipts, draws it with
``receipts.render_receipt`` and returns the bytes with a manifest-like entry. Register the
entries with the emulator (``EmulatorControl.register_documents``) and it answers about these
exact bytes from their truth, as it does for the course files.

Forms: ``"png"`` (the till slip as the course receipts are), ``"photo"`` (a JPEG made by
``receipts.degrade_to_photo``: on a table, rotated, blurred) and ``"pdf"`` (the slip as a
one-page image PDF, as a scanner saves it).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import random
from decimal import Decimal
from typing import Any

from .artifacts import jpeg_bytes, png_bytes
from .receipts import degrade_to_photo, receipt_truth, render_receipt

FORMS = ("png", "photo", "pdf")
_MIME = {"png": "image/png", "photo": "image/jpeg", "pdf": "application/pdf"}

# Fictional stores: (name, address, phone, currency, tax rate, tax label).
_STORES = [
    ("Northwind Grocers", "5 Mill Lane, Portland, OR 97201", "(503) 555-0172", "USD", "0.0", "Sales tax 0%"),
    ("Blue Heron Books", "41 Water Street, Halifax, NS B3J 1S9", "(902) 555-0135", "CAD", "0.15", "HST 15%"),
    ("Copper Kettle Deli", "300 Elm Avenue, Madison, WI 53703", "(608) 555-0110", "USD", "0.055", "Sales tax 5.5%"),
    ("Juniper Garden Centre", "12 Ridge Road, Victoria, BC V8W 1A1", "(250) 555-0191", "CAD", "0.12", "GST+PST 12%"),
    ("Harbor Light Pharmacy", "77 Bay Street, Duluth, MN 55802", "(218) 555-0166", "USD", "0.06875",
     "Sales tax 6.875%"),
]
# (name, lowest price, highest price) in whole cents.
_PRODUCTS = [
    ("Whole milk 2L", 219, 389), ("Rye bread", 299, 649), ("Apples (bag)", 349, 599),
    ("Notebook A5", 199, 899), ("Paperback novel", 899, 1999), ("Potting soil 10L", 549, 1299),
    ("Seed packet", 149, 399), ("Vitamin C 60ct", 699, 1499), ("Hand cream", 399, 1099),
    ("Ground coffee 250g", 649, 1299), ("Pasta 500g", 129, 329), ("Olive oil 500ml", 799, 1699),
    ("Greeting card", 249, 699), ("Ballpoint pens (5)", 299, 799), ("Tomatoes (kg)", 249, 499),
]
_PAYMENTS = ["Cash", "Visa card ending {n}", "Mastercard ending {n}", "Debit card ending {n}"]


def random_spec(rng: random.Random) -> dict[str, Any]:
    """A receipt spec like ``receipts.RECEIPTS``' with every value drawn from ``rng``."""
    name, address, phone, currency, rate, label = rng.choice(_STORES)
    products = rng.sample(_PRODUCTS, rng.randint(2, 6))
    items = []
    for product, low, high in products:
        quantity = str(rng.randint(1, 4))
        cents = rng.randint(low, high)
        items.append((product, quantity, f"{cents // 100}.{cents % 100:02d}"))
    day = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    payment = rng.choice(_PAYMENTS).format(n=rng.randint(1000, 9999))
    return {
        "path": f"hidden/receipt-{rng.randrange(16**8):08x}", "store": name, "address": address,
        "phone": phone, "date": day.isoformat(), "time": f"{rng.randint(7, 21):02d}:{rng.randrange(60):02d}",
        "currency": currency, "symbol": "$", "tax_rate": rate, "tax_label": label,
        "payment_method": payment, "items": items, "footer": ["Thank you!"],
    }


def _pdf_bytes(image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PDF", resolution=150.0)
    return buffer.getvalue()


def random_receipt(rng: random.Random, form: str = "png") -> tuple[bytes, dict[str, Any]]:
    """(bytes, manifest-like entry with its truth) of a new receipt in ``form`` (see FORMS)."""
    if form not in FORMS:
        raise ValueError(f"unknown receipt form {form!r}: use one of {FORMS}")
    for _ in range(20):
        spec = random_spec(rng)
        try:
            truth = receipt_truth(spec)
        except ValueError:  # a half-cent tax tie: draw again
            continue
        break
    else:  # pragma: no cover - 20 ties in a row does not happen with these rates
        raise RuntimeError("could not draw a receipt without a half-cent tax tie")
    slip = render_receipt(spec, truth)
    if form == "png":
        data = png_bytes(slip)
    elif form == "photo":
        data = jpeg_bytes(degrade_to_photo(slip, seed=rng.randrange(2**31)), quality=70)
    else:
        data = _pdf_bytes(slip)
    extension = {"png": "png", "photo": "jpg", "pdf": "pdf"}[form]
    entry = {"path": f"{spec['path']}.{extension}", "kind": "receipt", "mime": _MIME[form],
             "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "truth": truth}
    if form == "pdf":
        entry["pages"] = 1
    return data, entry


def total_matches(truth: dict[str, Any]) -> bool:
    """Whether a truth's arithmetic holds (items → subtotal, + tax → total), to the cent."""
    items = sum(Decimal(str(item["total"])) for item in truth["items"])
    return (items == Decimal(str(truth["subtotal"]))
            and Decimal(str(truth["subtotal"])) + Decimal(str(truth["tax"])) == Decimal(str(truth["total"])))
