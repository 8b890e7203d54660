"""``python -m mmcourse`` is the ``mmcourse`` command."""

import sys

from .cli import main

sys.exit(main())
