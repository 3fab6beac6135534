#!/usr/bin/python3
"""An SMTP server for the lab's alert tests: STARTTLS required before AUTH (PLAIN/LOGIN), one
user and password from the environment, every accepted message written to OUT_DIR as a .eml
file (written to a temporary name, then renamed: a reader never sees half a message).

  SMTP_LISTEN=127.0.0.5:2525 SMTP_USER=alerts SMTP_PASSWORD=... OUT_DIR=/mail \
  SMTP_CERT=/tls/cert.pem SMTP_KEY=/tls/key.pem smtp-receiver
"""
import os
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

host, port = os.environ["SMTP_LISTEN"].rsplit(":", 1)
out_dir = os.environ["OUT_DIR"]
user = os.environ["SMTP_USER"].encode()
password = os.environ["SMTP_PASSWORD"].encode()


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password
    # NOTE: handled=False: aiosmtpd then answers a failure with 535 itself (its default is silence).
    return AuthResult(success=ok, handled=False)


class Store:
    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}.eml"
        tmp = os.path.join(out_dir, f".{name}.tmp")
        with open(tmp, "wb") as f:
            f.write(f"X-Envelope-From: {envelope.mail_from}\r\n".encode())
            f.write(f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(out_dir, name))
        return "250 OK"


tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(os.environ["SMTP_CERT"], os.environ["SMTP_KEY"])
controller = Controller(
    Store(),
    hostname=host,
    port=int(port),
    tls_context=tls,
    require_starttls=True,
    authenticator=authenticator,
    auth_required=True,
    auth_require_tls=True,
)
controller.start()
print(f"smtp-receiver listening on {host}:{port}", flush=True)
# NOTE: the controller serves from a thread of its own; this one only waits (until the container stops).
try:
    threading.Event().wait()
finally:
    controller.stop()
