"""One progress display for every long run (a batch, grading, notebook and data builds): tqdm.

``tqdm.auto`` draws a widget in a notebook and a text bar in a terminal; given a stream (``out``)
it writes a text bar there. Disabled bars print nothing, so notebook outputs stay the same from
run to run unless a learner asks for progress.
"""

from __future__ import annotations

from typing import TextIO

from tqdm import tqdm
from tqdm.auto import tqdm as auto_tqdm

BAR_FORMAT = "{desc}[{bar:20}] {n_fmt}/{total_fmt} {unit}{postfix}"


def progress_bar(total: int, *, desc: str = "", unit: str = "done", out: TextIO | None = None,
                 enabled: bool = True) -> tqdm:
    """A bar counting up to ``total``: a widget or terminal bar, or text on ``out`` if given.

    >>> with progress_bar(2, out=io.StringIO()) as bar:  # doctest: +SKIP
    ...     bar.update(1)
    """
    if out is None:
        return auto_tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=True)
    return tqdm(total=total, desc=desc, unit=unit, file=out, disable=not enabled, leave=True,
                bar_format=BAR_FORMAT, ascii=" #", dynamic_ncols=False, mininterval=0)
