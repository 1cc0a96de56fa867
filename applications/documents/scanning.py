"""The virus-scan hook: every upload passes the scanner the setting ``DOCUMENT_SCANNER``
names (the dotted path of a class; empty, the default, scans nothing).

- ``ClamAVScanner``: ClamAV. With ``CLAMD_SOCKET`` set (a Unix socket path, or host:port) it
  streams the file to clamd (its INSTREAM command); otherwise it runs ``clamdscan`` (a local
  clamd) or else ``clamscan``, whichever is installed, on the file's bytes.
- ``EicarScanner``: finds only the EICAR anti-virus test string, anywhere in the file; a
  stand-in for tests and demonstrations where ClamAV is not installed.

A scanner answers the threat's name, or None when the file is clean; it raises ScanError
when it could not scan. The upload is then refused too (a configured scanner that cannot
scan lets nothing through), and the error is logged for the operator.
"""

import functools
import logging
import shutil
import socket
import struct
import subprocess

from django.conf import settings
from django.core import checks
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class ScanError(Exception):
    """The scanner could not say whether the file is clean."""


class Scanner:
    def scan(self, data: bytes) -> str | None:
        """The name of the threat found in ``data``, or None."""
        raise NotImplementedError


class EicarScanner(Scanner):
    SIGNATURE = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

    def scan(self, data: bytes) -> str | None:
        return "Eicar-Test-Signature" if self.SIGNATURE in data else None


class ClamAVScanner(Scanner):
    def __init__(self, socket_address: str | None = None, timeout: int | None = None):
        self.socket_address = settings.CLAMD_SOCKET if socket_address is None else socket_address
        self.timeout = timeout or settings.CLAMAV_TIMEOUT_SECONDS

    @staticmethod
    def command() -> list[str] | None:
        """The ClamAV command line that scans standard input, of the tools installed."""
        for tool in ("clamdscan", "clamscan"):
            path = shutil.which(tool)
            if path:
                return [path, "--no-summary", "-"]
        return None

    def scan(self, data: bytes) -> str | None:
        if self.socket_address:
            return self._scan_clamd(data)
        command = self.command()
        if command is None:
            raise ScanError("ClamAV is not installed (no clamdscan or clamscan on PATH) and CLAMD_SOCKET is not set.")
        try:
            done = subprocess.run(command, input=data, capture_output=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ScanError(f"{command[0]}: {exc}") from exc
        out = done.stdout.decode("utf-8", "replace")
        if done.returncode == 0:
            return None
        if done.returncode == 1:
            return _found(out) or "unknown"
        said = out + done.stderr.decode("utf-8", "replace")
        raise ScanError(f"{command[0]} exited {done.returncode}: {said[:500]}")

    def _connect(self) -> socket.socket:
        address = self.socket_address
        if ":" in address and not address.startswith("/"):
            host, port = address.rsplit(":", 1)
            return socket.create_connection((host, int(port)), timeout=self.timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(address)
        return sock

    def _scan_clamd(self, data: bytes) -> str | None:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), CHUNK):
                    chunk = data[start : start + CHUNK]
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    part = sock.recv(4096)
                    if not part:
                        break
                    reply += part
        except (OSError, ValueError) as exc:
            raise ScanError(f"clamd at {self.socket_address}: {exc}") from exc
        answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        if answer.endswith(" OK"):
            return None
        threat = _found(answer)
        if threat is None:
            raise ScanError(f"clamd at {self.socket_address}: {answer[:500]}")
        return threat


def _found(output: str) -> str | None:
    """The threat of a ClamAV line such as "stream: Eicar-Test-Signature FOUND"."""
    for line in output.splitlines():
        line = line.strip()
        if line.endswith(" FOUND"):
            return line[: -len(" FOUND")].split(": ", 1)[-1]
    return None


@functools.cache
def scanner() -> Scanner | None:
    """The configured scanner (read once, again when the setting changes), or None."""
    path = settings.DOCUMENT_SCANNER
    return import_string(path)() if path else None


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in ("DOCUMENT_SCANNER", "CLAMD_SOCKET", "CLAMAV_TIMEOUT_SECONDS"):
        scanner.cache_clear()


def scan(file) -> str | None:
    """The threat the configured scanner finds in ``file``, None when clean or no scanner is
    configured; ScanError when the scanner could not scan (logged)."""
    try:
        engine = scanner()
    except (ImportError, TypeError) as exc:
        log.error("settings.DOCUMENT_SCANNER names no scanner: %s", exc)
        raise ScanError(str(exc)) from exc
    if engine is None:
        return None
    file.seek(0)
    data = file.read()
    file.seek(0)
    try:
        return engine.scan(data)
    except ScanError:
        log.exception("virus scan failed")
        raise


@checks.register(checks.Tags.compatibility)
def scanner_check(app_configs=None, **kwargs):
    """``manage.py check`` reports a scanner setting that names no class, or ClamAV without
    a way to reach it."""
    try:
        engine = scanner()
    except (ImportError, TypeError) as exc:
        return [checks.Error(f"settings.DOCUMENT_SCANNER: {exc}", id="applications.E001")]
    if isinstance(engine, ClamAVScanner) and not engine.socket_address and engine.command() is None:
        return [
            checks.Warning(
                "settings.DOCUMENT_SCANNER is ClamAV but neither CLAMD_SOCKET nor clamdscan/clamscan is available: "
                "every upload will be refused.",
                id="applications.W001",
            )
        ]
    return []
