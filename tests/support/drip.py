"""A peer that drip-feeds its answers: a 200 head, then one body byte every 0.2 s."""

from __future__ import annotations

import socket
import threading
import time

DRIP_SECONDS = 40.0


class DripServer:
    """Answers every request with a 200 head and then one body byte every 0.2 s for
    ``DRIP_SECONDS`` (or until the client goes away); counts open connections, those the
    client hung up on (``abandoned``), those that dripped to their end (``completed``) and
    all that have ended (``ended``)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = int(self.sock.getsockname()[1])
        self.open = 0
        self.abandoned = 0
        self.completed = 0
        self.ended = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with self.lock:
            self.open += 1
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
                         b"Content-Length: 100000\r\n\r\n")
            end = time.monotonic() + DRIP_SECONDS
            while time.monotonic() < end and not self.stop.is_set():
                conn.sendall(b" ")
                if self.stop.wait(0.2):
                    break
            else:
                if not self.stop.is_set():
                    with self.lock:
                        self.completed += 1
        except OSError:
            with self.lock:
                self.abandoned += 1
        finally:
            conn.close()
            with self.lock:
                self.open -= 1
                self.ended += 1

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
