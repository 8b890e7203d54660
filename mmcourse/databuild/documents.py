"""PDF documents drawn with matplotlib (real, extractable text): a report and an invoice.

Each page is a list of text items placed on a Letter-size figure; the page's ground-truth text
is those items in drawing order (table cells joined by tabs), which is also the order pypdf
extracts them in. Fonts are embedded as TrueType (pdf.fonttype 42) so the text is extractable.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .artifacts import PDF_METADATA, Artifact, generated_source, mpl_style, write_bytes
from .charts import CHARTS

PAGE_SIZE = (8.5, 11.0)  # US Letter, inches

# A page item: ("h1"|"h2"|"p"|"small", text) or ("row", [cells]) or ("chart", chart path).
REPORT_PAGES: list[list[tuple[str, Any]]] = [
    [
        ("h1", "Northwind Outdoor Co."),
        ("h2", "Annual Report 2025"),
        ("small", "Prepared by the Finance team, January 2026"),
        ("h2", "Summary"),
        ("p", "Revenue for 2025 was $2,030K, up 18% on 2024 ($1,720K)."),
        ("p", "Q4 was the strongest quarter with $620K, driven by the winter jacket line."),
        ("p", "Q3 dipped to $480K after a supplier delay in August."),
        ("p", "Online orders made up 64% of all orders."),
        ("p", "Outlook: the board approved a second warehouse in Denver for 2026."),
        ("small", "Page 1 of 3"),
    ],
    [
        ("h2", "Quarterly results"),
        ("row", ["Quarter", "Revenue ($K)", "Orders", "Return rate"]),
        ("row", ["Q1", "420", "3,150", "4.2%"]),
        ("row", ["Q2", "510", "3,820", "3.9%"]),
        ("row", ["Q3", "480", "3,610", "5.1%"]),
        ("row", ["Q4", "620", "4,700", "3.6%"]),
        ("row", ["Total", "2,030", "15,280", "4.2%"]),
        ("small", "Return rate = returned orders / orders shipped."),
        ("small", "Page 2 of 3"),
    ],
    [
        ("h2", "Revenue by quarter"),
        ("chart", "charts/quarterly_revenue.png"),
        ("p", "Figure 1: Quarterly revenue in $K. Q4 ($620K) was the best quarter."),
        ("small", "Page 3 of 3"),
    ],
]

INVOICE_PAGES: list[list[tuple[str, Any]]] = [
    [
        ("h1", "INVOICE"),
        ("p", "Brightline Design Studio"),
        ("small", "45 Elm Avenue, Portland, OR 97205 - billing@brightline.example"),
        ("row", ["Invoice number", "INV-2025-0147"]),
        ("row", ["Invoice date", "2025-09-30"]),
        ("row", ["Due date", "2025-10-30"]),
        ("h2", "Bill to"),
        ("p", "Northwind Outdoor Co., 900 Market Street, Denver, CO 80202"),
        ("row", ["Description", "Qty", "Unit price", "Amount"]),
        ("row", ["Logo redesign (3 iterations)", "1", "$2,400.00", "$2,400.00"]),
        ("row", ["Product photography (half day)", "2", "$650.00", "$1,300.00"]),
        ("row", ["Brand guidelines PDF", "1", "$850.00", "$850.00"]),
        ("row", ["", "", "Subtotal", "$4,550.00"]),
        ("row", ["", "", "Sales tax 8%", "$364.00"]),
        ("row", ["", "", "Total due", "$4,914.00"]),
        ("p", "Payment terms: net 30 days, by bank transfer quoting INV-2025-0147."),
    ],
]

DOCUMENTS: list[dict[str, Any]] = [
    {
        "path": "documents/annual_report.pdf",
        "title": "Northwind Outdoor Co. Annual Report 2025",
        "pages": REPORT_PAGES,
        "facts": {
            "What was total revenue in 2025?": "$2,030K",
            "Which quarter had the highest revenue?": "Q4",
            "What was Q3 revenue?": "$480K",
            "How many orders were placed in Q2?": "3,820",
            "What share of orders were online?": "64%",
            "Where will the second warehouse be?": "Denver",
        },
        "summary": "Northwind Outdoor Co.'s 2025 annual report: revenue of $2,030K (up 18% on "
        "2024), Q4 the best quarter at $620K, a Q3 dip to $480K after a supplier delay, 64% of "
        "orders online, a quarterly results table, and a plan for a second warehouse in Denver.",
    },
    {
        "path": "documents/invoice.pdf",
        "title": "Invoice INV-2025-0147",
        "pages": INVOICE_PAGES,
        "facts": {
            "What is the invoice number?": "INV-2025-0147",
            "Who issued the invoice?": "Brightline Design Studio",
            "Who is billed?": "Northwind Outdoor Co.",
            "What is the total due?": "$4,914.00",
            "When is payment due?": "2025-10-30",
            "What is the subtotal before tax?": "$4,550.00",
        },
        "summary": "Invoice INV-2025-0147 from Brightline Design Studio to Northwind Outdoor Co., "
        "dated 2025-09-30: logo redesign, product photography and brand guidelines, subtotal "
        "$4,550.00 plus 8% sales tax, $4,914.00 due by 2025-10-30.",
    },
]

_STYLE = {"h1": (24, "bold", 0.055), "h2": (16, "bold", 0.045), "p": (11.5, "normal", 0.032),
          "small": (9.5, "normal", 0.03), "row": (11, "normal", 0.03)}


def page_text(items: list[tuple[str, Any]]) -> str:
    """The ground-truth text of a page: one line per item, table cells joined by tabs."""
    lines = []
    for style, content in items:
        if style == "row":
            lines.append("\t".join(cell for cell in content if cell))
        elif style != "chart":
            lines.append(content)
    return "\n".join(lines)


def page_figure(items: list[tuple[str, Any]]) -> Any:
    """Lay out one page's items top to bottom on a Letter-size Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=PAGE_SIZE)
    y = 0.93
    for style, content in items:
        if style == "chart":
            _draw_chart_into(fig.add_axes((0.12, y - 0.42, 0.78, 0.38)), CHARTS[content])
            y -= 0.5
            continue
        size, weight, step = _STYLE[style]
        if style == "h2" and y < 0.9:
            y -= 0.02  # breathing room above a section heading
        if style == "row":
            columns = (0.08, 0.45, 0.62, 0.8) if len(content) == 4 else (0.08, 0.35)
            header = content[0] in ("Quarter", "Description")
            for x, cell in zip(columns, content, strict=True):
                if cell:
                    fig.text(x, y, cell, fontsize=size, parse_math=False,
                             fontweight="bold" if header else "normal")
        else:
            fig.text(0.08, y, content, fontsize=size, fontweight=weight, parse_math=False)
        y -= step
    return fig


def _draw_chart_into(ax: Any, truth: dict[str, Any]) -> None:
    """Redraw a bar chart's data into an axes on the page (same values as the PNG chart)."""
    (name, values), = truth["series"].items()
    bars = ax.bar(truth["labels"], values, color="#1f5f99", label=name)
    ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3)
    ax.set_xlabel(truth["x_label"])
    ax.set_ylabel(truth["y_label"])


def pdf_bytes(pages: list[list[tuple[str, Any]]], title: str) -> bytes:
    """Render pages to a PDF with fixed metadata (no creation date, no producer version)."""
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with PdfPages(buf, metadata={**PDF_METADATA, "Title": title}) as pdf:
        for items in pages:
            pdf.savefig(page_figure(items))
    return buf.getvalue()


def build(out_dir: Path) -> list[Artifact]:
    """Write every PDF and return its artifact with page texts and facts."""
    artifacts = []
    with mpl_style():
        for doc in DOCUMENTS:
            write_bytes(out_dir, doc["path"], pdf_bytes(doc["pages"], doc["title"]))
            truth = {
                "title": doc["title"],
                "pages": len(doc["pages"]),
                "text": [page_text(items) for items in doc["pages"]],
                "facts": doc["facts"],
                "summary": doc["summary"],
            }
            artifacts.append(Artifact(doc["path"], "pdf", "application/pdf", truth,
                                      source=generated_source("documents")))
    return artifacts
