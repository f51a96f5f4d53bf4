"""Two NEX homes on one machine never touch each other: what a home started is found through that
home, and a copied home is complete."""

from __future__ import annotations

import socket
import threading

from nex_assets.core import services
from nex_assets.datasets.add import reload_code_location


class Listener:
    """A socket on loopback that counts who connects (standing for whatever another home runs)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


def test_nex_add_reloads_only_the_ui_its_own_home_started(tmp_path, monkeypatch):
    monkeypatch.delenv("NEX_DAGSTER_URL", raising=False)
    listener = Listener()
    try:
        monkeypatch.setenv("NEX_HOME", str(tmp_path / "a"))
        with services.recorded("dagster_ui", f"http://127.0.0.1:{listener.port}"):
            assert services.running("dagster_ui") == f"http://127.0.0.1:{listener.port}"
            # Home b runs no UI: it reloads nothing, whatever listens on this machine.
            monkeypatch.setenv("NEX_HOME", str(tmp_path / "b"))
            assert services.running("dagster_ui") is None
            assert reload_code_location() is False
            assert listener.connections == 0
            monkeypatch.setenv("NEX_HOME", str(tmp_path / "a"))
            assert reload_code_location() is True
            assert listener.connections == 1
        # The record goes with the UI.
        assert services.running("dagster_ui") is None
    finally:
        listener.close()


def test_a_record_of_a_process_that_is_gone_is_no_running_service(tmp_path, monkeypatch):
    monkeypatch.setenv("NEX_HOME", str(tmp_path))
    with services.recorded("studio", "http://127.0.0.1:3001", pid=2**22 + 12345):
        assert services.running("studio") is None


def test_a_taken_port_gives_a_free_one():
    listener = Listener()
    try:
        other = services.free_port("127.0.0.1", listener.port)
        assert other != listener.port and other > 0
    finally:
        listener.close()
