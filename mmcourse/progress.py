"""One progress display for every long run (a batch, grading, notebook and data builds): tqdm.

``tqdm.auto`` draws a widget in a notebook and a text bar in a terminal; given a stream (``out``)
it writes a text bar there. Disabled bars print nothing, so notebook outputs stay the same from
run to run unless a learner asks for progress.

A command (``mmcourse grade``, ``mmcourse notebooks build``, ``mmcourse data build``) draws its
bar on stderr, only when stderr is a terminal and ``--quiet`` was not given: what the command
prints on stdout, which scripts read, is the same with or without a bar. ``say`` prints a line
above a bar without breaking it.
"""

from __future__ import annotations

import sys
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


def shown(quiet: bool = False) -> bool:
    """Whether a command draws its bar: stderr is a terminal (not a log file, CI or a pipe) and
    the command was not asked to be quiet."""
    return not quiet and sys.stderr.isatty()


def command_bar(total: int, *, desc: str, unit: str, quiet: bool = False) -> tqdm:
    """A command's bar on stderr (``tqdm.auto``, the display every long run uses), silent unless
    ``shown(quiet)``."""
    return progress_bar(total, desc=desc, unit=unit, enabled=shown(quiet))


def say(message: str, out: TextIO | None = None) -> None:
    """Print ``message`` (on ``out``, default stdout) above any bar being drawn, bytes as print's."""
    tqdm.write(message, file=sys.stdout if out is None else out)
