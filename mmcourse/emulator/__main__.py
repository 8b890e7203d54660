"""``python -m mmcourse.emulator [--host H] [--port P]``: run the emulator in the foreground."""

from mmcourse.emulator import main

raise SystemExit(main())
