"""Widgets that show the wire: the requests side by side, a response as a tree, three answers.

Each one is also plain text (``print(widget)``, nbval, GitHub's viewer; ``MMCOURSE_PLAIN=1``
forces it), so a notebook reads the same without a widget front end.

>>> from mmcourse.widgets import PayloadInspector, ResponseViewer, Compare   # doctest: +SKIP
"""

from mmcourse.widgets.compare import Compare, Result, run_compare
from mmcourse.widgets.inspector import PayloadInspector, Row, compare_requests, payload_comparison
from mmcourse.widgets.viewer import ResponseViewer

__all__ = [
    "Compare", "PayloadInspector", "ResponseViewer", "Result", "Row", "compare_requests",
    "payload_comparison", "run_compare",
]
