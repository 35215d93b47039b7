"""The MLLP listener: a threaded TCP server. Each connection may carry many framed
messages; each is stored, processed and answered with its ACK before the next is read
(the sender waits for the ACK, so order is kept per connection)."""

import logging
import socketserver

from django.db import close_old_connections, connection

from . import hl7v2
from .services import hl7_receive

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
IDLE_TIMEOUT_S = 300


class MLLPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(IDLE_TIMEOUT_S)
        buffer = b""
        try:
            while True:
                chunk = self.request.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while True:
                    end = buffer.find(hl7v2.END_BLOCK)
                    if end < 0:
                        break
                    block, buffer = buffer[:end], buffer[end + len(hl7v2.END_BLOCK) :]
                    start = block.find(hl7v2.START_BLOCK)
                    raw = block[start + 1 :] if start >= 0 else block
                    self.request.sendall(hl7v2.frame(self._answer(raw)))
                if len(buffer) > MAX_MESSAGE_BYTES:
                    logger.warning("MLLP: frame over %s bytes, connection closed", len(buffer))
                    return
        except (TimeoutError, ConnectionError):
            return
        finally:
            connection.close()

    def _answer(self, raw: bytes) -> bytes:
        close_old_connections()
        _message, ack = hl7_receive(raw=raw)
        return ack


class MLLPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def make_server(host: str, port: int) -> MLLPServer:
    """Bind (port 0 picks a free one: `server.server_address[1]`)."""
    return MLLPServer((host, port), MLLPHandler)
