"""Authoring the course: jupytext sources in ``solutions/*.py`` become executed notebooks.

One command (``mmcourse notebooks build``) syncs every percent-format source to its
``.ipynb``, executes it offline against the emulator, releases the student versions into
``notebooks/`` and executes those too. Outputs are scrubbed so committed notebooks are
deterministic, small, and free of keys, home paths and timestamps.

A cell whose output nbval should compare carries the tag on its marker line,
``# %% tags=["nbval-check-output"]`` (a tag, not a comment in the learner's code). The cells
that answer a "**Predict ...**" question reach students unrun (see ``release.tag_predictions``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import time
from pathlib import Path

from .identity import EMULATOR_URL_ENV
from .progress import progress_bar, say, shown

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
STUDENT = ROOT / "notebooks"
MAX_NOTEBOOK_BYTES = 1024 * 1024
MAX_TEXT_OUTPUT = 4000  # characters kept per text output

# Shapes that must never be committed in an output (the hook and the tests use the same ones).
SECRET_PATTERNS = (
    re.compile(r"sk-(ant-|proj-)?[A-Za-z0-9_-]{20,}"),
    re.compile(r"AIza[0-9A-Za-z_-]{30,}"),
)
HOME_PATH = re.compile(r"(/root/|/home/[^/\s\"']+/|/Users/[^/\s\"']+/|[A-Z]:\\\\Users\\\\)")
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")


def sources(root: Path = ROOT) -> list[Path]:
    """The lesson sources, in course order."""
    return sorted((root / "solutions").glob("[0-9][0-9]_*.py"))


def offline_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment notebooks execute in: no keys, offline, plain-text exercise cards."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update({"MMCOURSE_MODE": "offline", "MMCOURSE_PLAIN": "1", "PYTHONHASHSEED": "0"})
    env.update(extra or {})
    return env


def sync(source: Path) -> Path:
    """Write ``source``'s notebook next to it (cells from the source; outputs come from execute)."""
    import jupytext

    notebook = jupytext.read(source)
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):
        # Stable ids (jupytext makes random ones), so a rebuild changes nothing it need not.
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        cell.id = f"c{index:02d}-{digest}"
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    target = source.with_suffix(".ipynb")
    jupytext.write(notebook, target)
    return target


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout/stderr pieces: how the kernel happened to flush must not show."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def scrub(notebook) -> None:
    """Make outputs deterministic and safe: no timings, long text cut, secrets refused."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = merge_streams(cell.outputs)
        for output in cell.get("outputs", []):
            if "text" in output and len(output["text"]) > MAX_TEXT_OUTPUT:
                output["text"] = output["text"][:MAX_TEXT_OUTPUT] + "\n...(output truncated)\n"
            text = str(output)
            for pattern in SECRET_PATTERNS:
                if pattern.search(text):
                    raise ValueError(f"an output looks like an API key: {cell.source[:60]!r}")
            if HOME_PATH.search(text):
                raise ValueError(f"an output shows a home path: {cell.source[:60]!r}")


def clear_tagged(notebook, tag: str) -> None:
    """Leave the cells tagged ``tag`` unrun: no outputs, no execution count."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and tag in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None


def execute(path: Path, timeout: int = 180, env: dict[str, str] | None = None,
            unrun_tag: str | None = None) -> float:
    """Execute a notebook in place (kernel cwd = its folder); return the seconds it took.

    Cells tagged ``unrun_tag`` run (later cells may need them) but are saved without outputs.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env or offline_env())
    started = time.perf_counter()
    try:
        NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    seconds = time.perf_counter() - started
    if unrun_tag:
        clear_tagged(notebook, unrun_tag)
    scrub(notebook)
    nbformat.write(notebook, path)
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{path.name} is {size // 1024} KB: keep notebooks under 1 MB (smaller images).")
    return seconds


def _start_emulator(start):
    from .config import DEFAULT_EMULATOR_URL

    port = int(DEFAULT_EMULATOR_URL.rsplit(":", 1)[1])
    try:
        return start(port=port)
    except OSError:
        return start(port=0)


def _chosen(paths: list[Path], only: list[str] | None) -> list[Path]:
    return [p for p in paths if not only or any(key in p.stem for key in only)]


def build(only: list[str] | None = None, student: bool = True, progress: bool = False) -> dict[str, float]:
    """Sync, execute, release and execute again; return seconds per notebook.

    ``progress`` draws a bar of the notebooks executed (mmcourse.progress, on stderr); the
    lines printed on stdout are the same either way.
    """
    from .emulator import start

    timings: dict[str, float] = {}
    chosen = _chosen(sources(), only)
    # The default port when it is free, so outputs show the URL a learner sees.
    with _start_emulator(start) as emulator, \
            progress_bar(len(chosen), desc="notebooks ", unit="executed", enabled=progress) as bar:
        env = offline_env({EMULATOR_URL_ENV: emulator.base_url})
        for source in chosen:
            target = sync(source)
            timings[f"solutions/{target.name}"] = execute(target, env=env)
            bar.update(1)
            say(f"executed solutions/{target.name} in {timings[f'solutions/{target.name}']:.1f} s")
        if student:
            from .grading import release

            released = _chosen(release.release_dir(SOLUTIONS, STUDENT), only)
            bar.total += len(released)
            bar.refresh()
            for path in released:
                # A Predict cell's output is its answer: students get it unrun.
                timings[f"notebooks/{path.name}"] = execute(path, env=env, unrun_tag=release.PREDICT_TAG)
                bar.update(1)
                say(f"executed notebooks/{path.name} in {timings[f'notebooks/{path.name}']:.1f} s")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mmcourse notebooks", description=__doc__)
    parser.add_argument("action", choices=["build", "sync"])
    parser.add_argument("--only", nargs="*", help="lesson number(s) or name part(s), e.g. 03")
    parser.add_argument("--no-student", action="store_true", help="skip releasing notebooks/")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (it is drawn only when stderr is a terminal)")
    args = parser.parse_args(argv)
    if args.action == "sync":
        for source in sources():
            print(sync(source).relative_to(ROOT))
        return 0
    timings = build(args.only, student=not args.no_student, progress=shown(args.quiet))
    print(f"{len(timings)} notebooks executed offline in {sum(timings.values()):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
