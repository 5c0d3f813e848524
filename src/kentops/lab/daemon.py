"""What every lab simulator process shares: stopping on a signal or at the end of a ``with``
block, and writing its files (ports, state) so that a reader never sees half of one.

Used by the cameras (:mod:`kentops.lab.cameras`), the voice lab (:mod:`kentops.lab.voice`)
and the network device simulator (:mod:`kentops.lab.netsim`).
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from types import FrameType, TracebackType


class StopOnExit:
    """Leaving a ``with`` block stops the server, whatever happened inside it."""

    def stop(self) -> None:
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM or SIGINT sets: what a serving process waits on to stop cleanly.

    Call it from the main thread (Python installs signal handlers only there).
    """
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def write_json_atomic(path: Path, data: object, *, sort_keys: bool = False) -> None:
    """Write ``data`` as indented UTF-8 JSON to ``path`` through a temporary file in the same
    folder, renamed over it: a reader sees the old file or the new one, never a part.

    The temporary name holds the process and thread ids, so threads writing the same path
    do not share one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
