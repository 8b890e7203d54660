"""Engine: prompts without media (arithmetic, greetings, an honest note about what is known)."""

from __future__ import annotations

import ast
import itertools
import json
import operator
import re

from mmcourse.emulator.answers.common import _num
from mmcourse.emulator.answers.json_answers import fill
from mmcourse.emulator.prompting import Intent

# --------------------------------------------------------------------------- text-only prompts
_NUMBER = r"\(*\s*-?\d+(?:\.\d+)?\s*\)*"


# Linear on purpose (no nested optional whitespace), so a long prompt cannot make it backtrack.
# (?<!...\()(?=[(\d-]): a match starts only where a number can, at the first of a run of "(", so runs of
# spaces or brackets are not rescanned from each of their positions (linear, not quadratic).
_ARITH = re.compile(rf"(?<![\w.(])(?=[(\d-]){_NUMBER}(?:\s*(?:\*\*|//|[-+*/x×÷^%])\s*{_NUMBER})+")


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


# "Reply with exactly the word pong" / "Say 'ready'": connection checks want the word back.
_SAY = re.compile(
    r"^\s*(?:please\s+)?(?:say|reply with|respond with|answer with|return|output|print)\s+"
    r"(?:(?:only|exactly|just)\s+(?:the\s+(?:single\s+)?word\s+)?|the\s+(?:single\s+)?word\s+(?=\S)|(?=[\"'`]))"
    r"[\"'`]?([^\"'`\n]{1,40}?)[\"'`]?\s*[.!]?\s*$",
    re.IGNORECASE,
)


_GREETING = re.compile(r"\b(?:hello|hi|hey|greetings|good (?:morning|afternoon|evening))\b", re.IGNORECASE)


_MEDIA_WORDS = re.compile(r"\b(?:image|photo|picture|chart|receipt|audio|recording|video|pdf|document|screenshot)s?\b",
                          re.IGNORECASE)


def evaluate_arithmetic(expression: str) -> float | int | None:
    """Safely evaluate + - * / // % ** on numbers; None for anything else (or absurd powers)."""
    text = expression.replace("×", "*").replace("x", "*").replace("÷", "/").replace("^", "**").replace(",", "")
    if len(text) > 200:
        return None  # not a sum a person types; also keeps the parser's recursion shallow
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, RecursionError, ValueError):
        return None

    def walk(node: ast.AST) -> float | int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e6):
                raise ValueError("power too large")
            return _OPS[type(node.op)](left, right)
        raise ValueError("not arithmetic")

    try:
        result = walk(tree)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError, RecursionError):
        return None
    if isinstance(result, float) and result.is_integer() and abs(result) < 1e15:
        return int(result)
    return round(result, 10) if isinstance(result, float) else result


_ARITH_CUE = re.compile(r"what(?:'s| is| are)|calculate|compute|evaluate|how much is|solve|=", re.IGNORECASE)


def _arithmetic(prompt: str) -> tuple[str, float | int] | None:
    """The first arithmetic expression a prompt asks to compute ("What is 2+2?")."""
    for m in itertools.islice(_ARITH.finditer(prompt), 16):  # the first few: linear work per prompt
        rest = (prompt[: m.start()] + prompt[m.end() :]).split()
        if not _ARITH_CUE.search(prompt) and len(rest) > 2:
            continue  # "a 512 x 512 image" or a date is not a sum to work out
        expression = m.group(0).strip().rstrip("?.!")
        value = evaluate_arithmetic(expression)
        if value is not None:
            shown = re.sub(r"\s*(\*\*|[-+*/x×÷^%])\s*", r" \1 ", expression).strip()
            return shown, value
    return None


def _text_only(prompt: str, intent: Intent) -> str:
    arithmetic = _arithmetic(prompt)
    if intent.json:
        answer: object = arithmetic[1] if arithmetic else None
        if intent.shape is None:
            payload: object = {"answer": answer, "note": _NO_MEDIA_NOTE}
        else:
            payload = fill(intent.shape, {"answer": answer, "result": answer, "value": answer,
                                          "note": _NO_MEDIA_NOTE, "message": _NO_MEDIA_NOTE})
        return json.dumps(payload, indent=2, ensure_ascii=False)
    if arithmetic:
        return f"{arithmetic[0]} = {_num(arithmetic[1])} (worked out by the offline emulator)"
    say = _SAY.match(prompt)
    if say:
        return say.group(1).strip()
    if _GREETING.search(prompt) or re.match(r"\s*say\b", prompt, re.IGNORECASE):
        return ("Hello! This is the mmcourse offline emulator. It answers from the course's data files and "
                "what it can measure in the media you send; set an API key to talk to a live model.")
    if _MEDIA_WORDS.search(prompt):
        return ("Offline emulator: this request carried no image, audio, video or PDF part, so there is nothing "
                "to look at. Check that your request includes the media part (and that it is in the right "
                "place for this provider's format).")
    return (f"Offline emulator: {_NO_MEDIA_NOTE} Received a text prompt of {len(prompt.split())} "
            f"words and no media.")


_NO_MEDIA_NOTE = ("I answer from the course's data files and what I can measure in media; "
                  "I can also do simple arithmetic, but I cannot answer open questions offline. "
                  "Set an API key to ask a live model.")

