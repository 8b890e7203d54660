"""``PayloadInspector``: one file and prompt, the requests each provider would get, side by side.

Nothing is sent. ``payload_comparison`` is the pure table underneath: for each aspect of the
wire format (endpoint, auth, where the model, prompt and base64 go ...) what each provider's
request actually holds, found by walking the built request, not by restating the docs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mmcourse import providers, registry
from mmcourse.display import as_curl
from mmcourse.providers.base import (
    SECRET_HEADERS,
    HttpRequest,
    Options,
    redact_headers,
    redact_url,
    truncate_base64,
)
from mmcourse.widgets.base import STYLE, Displayable, escape
from mmcourse.widgets.jsonpath import JsonPath, annotated_lines, find_paths, format_path, resolve

COURSE_PROVIDERS = registry.PROVIDERS
LONG_STRING = 200  # longer strings in a body are media (base64 or data URLs); display.py agrees
NONE = "—"


@dataclass(frozen=True)
class Row:
    """One aspect of the wire format and its value for each provider."""

    aspect: str
    values: dict[str, str]

    @property
    def differs(self) -> bool:
        """True when the providers do not all agree on this aspect."""
        return len(set(self.values.values())) > 1

    def cells(self, order: Sequence[str]) -> tuple[str, ...]:
        """(aspect, value for each provider in ``order``): one line of the table."""
        return (self.aspect, *(self.values[p] for p in order))


@dataclass(frozen=True)
class Facts:
    """What the comparison needs to know about one built request."""

    request: HttpRequest
    prompt: str
    max_output_tokens: int

    @property
    def body(self) -> dict[str, Any]:
        return self.request.json or {}

    def model_path(self) -> str:
        ids = set(registry.model_ids(self.request.provider))
        in_body = find_paths(self.body, lambda v: isinstance(v, str) and v in ids)
        if in_body:
            return format_path(in_body[0])
        path = urlsplit(self.request.url).path
        return next((f"the URL: {path}" for i in ids if f"/{i}:" in path), NONE)

    def media_paths(self) -> list[JsonPath]:
        return find_paths(self.body, lambda v: isinstance(v, str) and len(v) > LONG_STRING
                          and v != self.prompt)

    def base64_form(self) -> str:
        paths = self.media_paths()
        if not paths:
            return NONE
        value = resolve(self.body, paths[0])
        if value.startswith("data:"):
            return "data URL: data:<mime>;base64,<data>"
        parent = resolve(self.body, paths[0][:-1])
        siblings = {k: v for k, v in parent.items() if k != paths[0][-1] and isinstance(v, str)
                    and len(v) < 100} if isinstance(parent, dict) else {}
        # A MIME type beside the data (Anthropic, Gemini) or a bare format name (OpenAI audio).
        mimes = [k for k, v in siblings.items() if "/" in v]
        named = mimes or [k for k in siblings if k != "type"]
        label = "MIME type" if mimes else "format"
        where = f", {label} in {format_path((*paths[0][:-1], named[0]))}" if named else ""
        return f"raw base64{where}"


def _endpoint(f: Facts) -> str:
    parts = urlsplit(redact_url(f.request.url))
    return f"{f.request.method} {parts.path}" + (f"?{parts.query}" if parts.query else "")


def _auth(f: Facts) -> str:
    secret = {k: v for k, v in redact_headers(f.request.headers).items() if k.lower() in SECRET_HEADERS}
    shown = [f"{k}: {v}" for k, v in secret.items()]
    if "key=" in urlsplit(f.request.url).query:
        shown.append("?key=*** in the URL")
    return "; ".join(shown) or NONE


def _other_headers(f: Facts) -> str:
    skip = SECRET_HEADERS | {"content-type"}
    rest = [f"{k}: {v}" for k, v in f.request.headers.items() if k.lower() not in skip]
    return "; ".join(rest) or NONE


def _paths_of(f: Facts, predicate: Callable[[Any], bool]) -> str:
    return ", ".join(format_path(p) for p in find_paths(f.body, predicate)) or NONE


# The table's rows: an aspect name and how to read it off one built request.
ASPECTS: tuple[tuple[str, Callable[[Facts], str]], ...] = (
    ("endpoint", _endpoint),
    ("auth", _auth),
    ("other headers", _other_headers),
    ("model goes in", Facts.model_path),
    ("prompt goes in", lambda f: _paths_of(f, lambda v: v == f.prompt)),
    ("file goes in", lambda f: ", ".join(format_path(p) for p in f.media_paths()) or NONE),
    ("base64 form", Facts.base64_form),
    ("output limit", lambda f: _paths_of(
        f, lambda v: type(v) is int and v == f.max_output_tokens)),
    ("answer comes back in", lambda f: providers.get(f.request.provider).ANSWER_PATH),
    ("body size", lambda f: f"{len(json.dumps(f.body).encode()):,} bytes of JSON"),
)


def models_by_provider(model: str | Mapping[str, str] | None,
                       names: Sequence[str]) -> dict[str, str | None]:
    """Which model each provider uses: a mapping, or one id (for its own provider), or defaults."""
    if model is None:
        return dict.fromkeys(names)
    if isinstance(model, str):
        owner = registry.get_model(model).provider
        return {p: (model if p == owner else None) for p in names}
    unknown = set(model) - set(names)
    if unknown:
        raise ValueError(f"models given for {sorted(unknown)}, which are not in providers={list(names)}")
    return {p: model.get(p) for p in names}


def build_requests(file: str | Path | bytes | None, prompt: str,
                   providers_: Sequence[str] = COURSE_PROVIDERS,
                   model: str | Mapping[str, str] | None = None,
                   **options: Any) -> dict[str, HttpRequest | Exception]:
    """Each provider's request (or the reason it cannot take this file), built, never sent."""
    from mmcourse import session
    from mmcourse.client import CapabilityError, build

    configured = session.current()
    files = () if file is None else (file,)
    out: dict[str, HttpRequest | Exception] = {}
    for name, chosen in models_by_provider(model, providers_).items():
        try:
            out[name] = build(name, prompt, *files, model=chosen, cfg=configured.get(name),
                              **dict(options))
        except (CapabilityError, ValueError) as exc:  # e.g. Claude given audio: show why
            out[name] = exc
    return out


def compare_requests(requests: Mapping[str, HttpRequest | Exception], prompt: str,
                     max_output_tokens: int = Options.max_output_tokens) -> list[Row]:
    """The comparison table for requests already built (pure)."""
    facts = {p: Facts(r, prompt, max_output_tokens) for p, r in requests.items()
             if isinstance(r, HttpRequest)}
    rows = []
    if len(facts) < len(requests):
        rows.append(Row("cannot send", {p: (str(r) if isinstance(r, Exception) else "(can send)")
                                        for p, r in requests.items()}))
    for aspect, read in ASPECTS:
        rows.append(Row(aspect, {p: (read(facts[p]) if p in facts else NONE) for p in requests}))
    return rows


def payload_comparison(file: str | Path | bytes | None, prompt: str,
                       providers: Sequence[str] = COURSE_PROVIDERS,
                       model: str | Mapping[str, str] | None = None, **options: Any) -> list[Row]:
    """Rows of (aspect, value per provider) for ``file`` + ``prompt``.

    >>> rows = payload_comparison("data/photos/chelsea.jpg", "What is in this photo?")  # doctest: +SKIP
    >>> [r.cells(("openai", "anthropic", "gemini")) for r in rows][1]                    # doctest: +SKIP
    ('auth', 'Authorization: Bearer mmcour***line', 'x-api-key: mmcour***line', 'x-goog-api-key: ...')
    """
    requests = build_requests(file, prompt, providers, model, **options)
    return compare_requests(requests, prompt, options.get("max_output_tokens", Options.max_output_tokens))


def marked_body(request: HttpRequest, paths: set[JsonPath]) -> str:
    """The request body as HTML ``<pre>`` lines, with the lines at ``paths`` marked."""
    lines = annotated_lines(truncate_base64(request.json or {}))
    return "\n".join(f"<mark>{escape(text)}</mark>" if path in paths else escape(text)
                     for path, text in lines)


def breakable(text: str) -> str:
    """Escaped text that may wrap after a dot or slash (long JSON paths fit three columns)."""
    return escape(text).replace(".", ".<wbr>").replace("/", "/<wbr>")


def file_label(file: str | Path | bytes | None) -> str:
    """How the header names the file."""
    if file is None:
        return "no file"
    if isinstance(file, (bytes, bytearray)):
        return f"{len(file):,} bytes"
    return Path(file).name


class PayloadInspector(Displayable):
    """The requests OpenAI, Anthropic and Gemini would get for one file and prompt, side by side.

    >>> PayloadInspector("data/photos/chelsea.jpg", "What is in this photo?")  # doctest: +SKIP
    """

    def __init__(self, file: str | Path | bytes | None, prompt: str,
                 providers: Sequence[str] = COURSE_PROVIDERS,
                 model: str | Mapping[str, str] | None = None, **options: Any) -> None:
        self.file, self.prompt, self.providers = file, prompt, tuple(providers)
        self.max_output_tokens = options.get("max_output_tokens", Options.max_output_tokens)
        self.requests = build_requests(file, prompt, self.providers, model, **options)
        self.rows = compare_requests(self.requests, prompt, self.max_output_tokens)

    def request(self, provider: str) -> HttpRequest:
        """The built request of one provider (ValueError if it could not be built)."""
        built = self.requests[provider]
        if isinstance(built, Exception):
            raise ValueError(f"{provider} cannot take this request: {built}") from built
        return built

    def curl(self, provider: str) -> str:
        """One provider's request as a curl command (key as $VARIABLE, base64 cut short)."""
        return as_curl(self.request(provider))

    def header(self) -> str:
        origins = sorted({f"{urlsplit(r.url).scheme}://{urlsplit(r.url).netloc}"
                          for r in self.requests.values() if isinstance(r, HttpRequest)})
        return (f"{file_label(self.file)} + {self.prompt!r}: the request each provider gets "
                f"(sent to {', '.join(origins) or NONE}; base64 cut short, keys redacted)")

    def to_text(self, curl: bool = False) -> str:
        """The comparison as plain text, one block per aspect; ``curl=True`` adds the commands."""
        width = max(len(p) for p in self.providers) + 2
        lines = [self.header(), ""]
        for row in self.rows:
            if not row.differs:
                lines.append(f"{row.aspect} (same for all): {row.values[self.providers[0]]}")
                continue
            lines.append(row.aspect)
            lines += [f"  {p:<{width}}{row.values[p]}" for p in self.providers]
        if curl:
            for p in self.providers:
                if isinstance(self.requests[p], HttpRequest):
                    lines += ["", f"# {p}", self.curl(p)]
        else:
            lines += ["", "inspector.curl('openai') gives a provider's request as a curl command."]
        return "\n".join(lines)

    # ------------------------------------------------------------------ widget

    def table_html(self) -> str:
        head = "".join(f"<th>{escape(p)}</th>" for p in self.providers)
        body = []
        for row in self.rows:
            cls = "mm-diff" if row.differs else "mm-same"
            cells = "".join(f"<td>{breakable(v)}</td>" for v in row.cells(self.providers)[1:])
            body.append(f'<tr class="{cls}"><th>{escape(row.aspect)}</th>{cells}</tr>')
        return (f"{STYLE}<div class='mmcourse-w'><p class='mm-note'>{escape(self.header())}. "
                "Highlighted rows differ between providers.</p>"
                f"<table><tr><th>aspect</th>{head}</tr>{''.join(body)}</table></div>")

    def request_html(self, provider: str) -> str:
        built = self.requests[provider]
        if isinstance(built, Exception):
            return f"{STYLE}<div class='mmcourse-w'><p>{escape(built)}</p></div>"
        facts = Facts(built, self.prompt, self.max_output_tokens)
        marked = set(facts.media_paths()) | set(find_paths(facts.body, lambda v: v == self.prompt))
        head = [f"{built.method} {redact_url(built.url)}"]
        head += [f"{k}: {v}" for k, v in redact_headers(built.headers).items()]
        return (f"{STYLE}<div class='mmcourse-w'><pre>{escape(chr(10).join(head))}\n\n"
                f"{marked_body(built, marked)}</pre><p class='mm-note'>Marked: where the prompt "
                "and the file go.</p></div>")

    def curl_html(self) -> str:
        blocks = [f"<p><b>{escape(p)}</b></p><pre>{escape(self.curl(p))}</pre>"
                  for p in self.providers if isinstance(self.requests[p], HttpRequest)]
        return (f"{STYLE}<div class='mmcourse-w'><p class='mm-note'>Set the key variable, then "
                "paste. The base64 is cut short here: build the full body with "
                "mmcourse.build_request(...).json.</p>" + "".join(blocks) + "</div>")

    def build_widget(self):
        import ipywidgets as widgets

        pages = [("compare", self.table_html())]
        pages += [(p, self.request_html(p)) for p in self.providers]
        pages.append(("copy as curl", self.curl_html()))
        tab = widgets.Tab(children=[widgets.HTML(html) for _, html in pages])
        tab.titles = tuple(title for title, _ in pages)
        tab.add_class("mmcourse-payload-inspector")
        return tab
