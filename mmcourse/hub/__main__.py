"""``python -m mmcourse.hub``: the teacher's commands."""

import sys

from mmcourse.hub.cli import main

sys.exit(main())
