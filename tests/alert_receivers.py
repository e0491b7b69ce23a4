"""Local alert receivers for the alert tests: an SMTP server (aiosmtpd) and a robot-like
webhook receiver (http.server), both on 127.0.0.1."""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receivers:
    """A local SMTP server (aiosmtpd) and a robot-like webhook receiver (http.server)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.mails: list[email.message.EmailMessage] = []
        self.posts: list[dict] = []
        self.paths: list[str] = []
        self.uploads: list[tuple[str, bytes]] = []  # (path, multipart body) of file uploads
        receivers = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                receivers.mails.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                return "250 OK"

        class Robot(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers["Content-Type"].startswith("multipart/form-data"):
                    receivers.uploads.append((self.path, body))
                    answer = b'{"errcode": 0, "errmsg": "ok", "type": "file", "media_id": "m1"}'
                else:
                    receivers.posts.append(json.loads(body))
                    receivers.paths.append(self.path)
                    answer = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.smtp_port = free_port()
        self.smtp = Controller(Handler(), hostname="127.0.0.1", port=self.smtp_port)
        self.http = HTTPServer(("127.0.0.1", 0), Robot)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> Receivers:
        self.smtp.start()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.smtp.stop()
        self.http.shutdown()
        self.http.server_close()

    def env(self) -> dict[str, str]:
        return {
            "AIRFLOW_CONN_SMTP_DEFAULT": (
                f"smtp://127.0.0.1:{self.smtp_port}?disable_ssl=true&disable_tls=true"
                "&retry_limit=0&timeout=10"
            ),
            "GRIDWATCH_ALERT_EMAIL_TO": "ops@example.org, duty@example.org",
            "GRIDWATCH_ALERT_EMAIL_FROM": "gridwatch@example.org",
            "GRIDWATCH_ALERT_WEBHOOK_URL": (
                f"http://127.0.0.1:{self.http.server_port}/cgi-bin/webhook/send?key=test"
            ),
        }


def body(mail: email.message.EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html", "plain"))
    return part.get_content()
