"""Named points in a send (the digest's claim, its post, its record) where the fault tests
stop a process to kill it there with SIGKILL. Nothing happens unless a hook is set, which
only those tests do (in the process they then kill)."""

from __future__ import annotations

from collections.abc import Callable

_hook: Callable[[str], None] | None = None


def set_hook(hook: Callable[[str], None] | None) -> None:
    """Call `hook(name)` at every checkpoint from now on (None: stop)."""
    global _hook
    _hook = hook


def reached(name: str) -> None:
    """The send reached the point `name` ("digest:claimed")."""
    if _hook is not None:
        _hook(name)
