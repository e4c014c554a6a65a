"""A fake Slack Socket Mode endpoint: a local WebSocket server that says hello, sends the
envelopes a test gives it and records the acknowledgements the app sends back.

Give its url to FakeSlack.socket_mode_url: the app's apps.connections.open then returns it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class FakeSocketMode:
    """The server; start() serves in a thread, close() stops it."""

    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections = 0
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._socket: ServerConnection | None = None
        self._server: Server = serve(self._handle, "127.0.0.1", 0, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """ws://127.0.0.1:PORT/ (what apps.connections.open answers)."""
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/"

    def start(self) -> FakeSocketMode:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and drop the connection."""
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _handle(self, socket: ServerConnection) -> None:
        with self._cond:
            self._socket = socket
            self.connections += 1
            self._cond.notify_all()
        socket.send(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            for message in socket:
                ack = json.loads(message)
                with self._cond:
                    self.acks[ack["envelope_id"]] = ack
                    self._cond.notify_all()
        except ConnectionClosed:
            pass

    def _wait(self, ready: Any, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"waited {timeout}s for {what}")
                self._cond.wait(left)

    def wait_connected(self, timeout: float = 10.0) -> None:
        """Block until the app has connected."""
        self._wait(lambda: self._socket is not None, "the app to connect", timeout)

    def send(self, kind: str, payload: dict[str, Any], accepts_response: bool = True) -> str:
        """Send an envelope of `kind` (slash_commands, interactive, events_api); its id."""
        self.wait_connected()
        envelope_id = f"env-{next(self._ids):04d}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": accepts_response,
            "payload": payload,
        }
        assert self._socket is not None
        self._socket.send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The acknowledgement of one envelope ({"envelope_id", optional "payload"})."""
        self._wait(lambda: envelope_id in self.acks, f"the ack of {envelope_id}", timeout)
        return self.acks[envelope_id]
