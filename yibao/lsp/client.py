"""A small LSP client, as an editor is one: JSON-RPC with Content-Length framing over a subprocess's
pipes. The tests and the ``lsp`` fuzz target drive ``yibao lsp`` with it.

Synchronous on purpose: a caller sends a request and reads messages until its response, keeping
the server's notifications (``textDocument/publishDiagnostics``) to look at afterwards.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections import deque
from typing import Any


class LspClient:
    """A server started as ``command`` in ``cwd``, and the messages it sends."""

    def __init__(self, command: list[str], cwd: str) -> None:
        self.proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self._id = 0
        self._stderr: deque[bytes] = deque(maxlen=200)  # read as it comes: a full pipe would stop the server
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def stderr_tail(self) -> str:
        """The last lines the server wrote to its standard error (its log, a traceback)."""
        return b"".join(self._stderr).decode("utf-8", "replace")

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
        self.proc.stdin.flush()

    def _next(self, deadline: float) -> dict[str, Any]:
        message = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
        if message is None:
            raise EOFError("the server closed its output")
        if "method" in message and "id" in message:  # a request from the server: accept it
            self._send({"id": message["id"], "result": None})
        elif "method" in message:
            self.notifications.append(message)
        return message

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 10.0) -> Any:
        self._id += 1
        rid = self._id
        self._send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if message.get("id") == rid and "method" not in message:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result")

    def diagnostics(self, uri: str, version: int | None = None,
                    timeout: float = 10.0) -> list[dict[str, Any]]:
        """The latest diagnostics published for ``uri`` (at ``version``, if given), waiting for them."""
        deadline = time.monotonic() + timeout
        while True:
            for n in self.notifications:
                p = n["params"]
                if n["method"] == "textDocument/publishDiagnostics" and p["uri"] == uri and (
                        version is None or p.get("version") == version):
                    self.notifications.remove(n)
                    return p["diagnostics"]
            self._next(deadline)
