"""The virus-scan hook (applications/documents/scanning.py): the scanner the setting names runs
on every upload; a virus is refused with its name, a scanner that cannot scan refuses too;
ClamAV through clamd's socket or its command-line tools."""

import shutil
import socket
import socketserver
import struct
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from applications.documents.scanning import ClamAVScanner, EicarScanner, ScanError, scanner_check
from applications.models import Document

from ...conftest import client_for
from ..factories import PDF_BYTES, ApplicationFactory

EICAR = EicarScanner.SIGNATURE
INFECTED_PDF = b"%PDF-1.4\n1 0 obj<<>>stream\n" + EICAR + b"\nendstream endobj\n%%EOF\n"
CLAMAV = "applications.documents.scanning.ClamAVScanner"


def upload(user, app, content):
    return client_for(user).post(
        f"/api/v1/applications/{app.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", content)},
        format="multipart",
    )


@pytest.fixture
def app(officer, borrower):
    return ApplicationFactory(borrower=borrower, created_by=officer)


@pytest.mark.django_db
def test_without_a_scanner_configured_nothing_is_scanned(settings, officer, app):
    settings.DOCUMENT_SCANNER = ""
    assert upload(officer, app, INFECTED_PDF).status_code == 201


@pytest.mark.django_db
def test_the_configured_scanner_refuses_an_infected_file_and_stores_nothing(settings, officer, app):
    settings.DOCUMENT_SCANNER = "applications.documents.scanning.EicarScanner"
    r = upload(officer, app, INFECTED_PDF)
    assert r.status_code == 400
    assert r.data["file"] == ["The file was refused: the virus scanner found Eicar-Test-Signature in it."]
    assert not Document.objects.filter(application=app).exists()
    assert upload(officer, app, PDF_BYTES).status_code == 201


@pytest.mark.django_db
def test_a_scanner_that_cannot_scan_lets_nothing_through(settings, officer, app, tmp_path):
    settings.DOCUMENT_SCANNER = CLAMAV
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd.sock")
    r = upload(officer, app, PDF_BYTES)
    assert r.status_code == 400
    assert r.data["file"] == ["The file could not be checked for viruses; try again later."]
    settings.DOCUMENT_SCANNER = "applications.documents.scanning.NoSuchScanner"  # a typo: refused, not a 500
    assert upload(officer, app, PDF_BYTES).data["file"] == r.data["file"]
    settings.DOCUMENT_SCANNER = CLAMAV
    zh = client_for(officer, language="zh-hans").post(
        f"/api/v1/applications/{app.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        format="multipart",
    )
    assert zh.data["file"] == ["该文件暂时无法进行病毒检查，请稍后再试。"]


class FakeClamd(socketserver.StreamRequestHandler):
    """clamd's INSTREAM command, as far as the scanner speaks it."""

    def handle(self):
        assert self.rfile.read(10) == b"zINSTREAM\0"
        data = b""
        while size := struct.unpack("!L", self.rfile.read(4))[0]:
            data += self.rfile.read(size)
        self.wfile.write(b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0")


def test_clamav_through_clamds_socket(tmp_path):
    path = str(tmp_path / "clamd.sock")
    with socketserver.UnixStreamServer(path, FakeClamd) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            engine = ClamAVScanner(socket_address=path)
            assert engine.scan(INFECTED_PDF) == "Eicar-Test-Signature"
            assert engine.scan(PDF_BYTES * 30_000) is None  # several chunks
        finally:
            server.shutdown()


def test_clamav_through_a_tcp_clamd():
    with socketserver.TCPServer(("127.0.0.1", 0), FakeClamd) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            host, port = server.server_address
            assert ClamAVScanner(socket_address=f"{host}:{port}").scan(INFECTED_PDF) == "Eicar-Test-Signature"
        finally:
            server.shutdown()


def test_a_clamd_answer_it_does_not_understand_is_a_scan_error(tmp_path):
    path = str(tmp_path / "odd.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def answer():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        with pytest.raises(ScanError):
            ClamAVScanner(socket_address=path, timeout=5).scan(PDF_BYTES)
    finally:
        listener.close()


FAKE_CLAMSCAN = """#!/bin/sh
# clamscan's exit codes and output: 0 clean, 1 found, 2 error
data=$(/bin/cat)
case "$data" in
  *EICAR-STANDARD-ANTIVIRUS-TEST-FILE*) echo "stdin: Eicar-Test-Signature FOUND"; exit 1;;
  *BROKEN*) echo "LibClamAV Error: cannot load database" >&2; exit 2;;
  *) echo "stdin: OK"; exit 0;;
esac
"""


def test_clamav_through_the_command_line_tools(settings, tmp_path, monkeypatch):
    tool = tmp_path / "clamscan"
    tool.write_text(FAKE_CLAMSCAN)
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    settings.CLAMD_SOCKET = ""
    engine = ClamAVScanner()
    assert engine.command() == [str(tool), "--no-summary", "-"]
    assert engine.scan(INFECTED_PDF) == "Eicar-Test-Signature"
    assert engine.scan(PDF_BYTES) is None
    with pytest.raises(ScanError, match="exited 2"):
        engine.scan(b"BROKEN")


@pytest.mark.skipif(shutil.which("clamscan") is None, reason="ClamAV (clamscan) is not installed")
def test_the_real_clamscan_finds_the_eicar_test_file(settings):
    settings.CLAMD_SOCKET = ""
    engine = ClamAVScanner()
    assert "Eicar" in (engine.scan(EICAR) or "")
    assert engine.scan(PDF_BYTES) is None


def test_check_reports_a_scanner_that_names_no_class_or_cannot_work(settings, monkeypatch, tmp_path):
    settings.DOCUMENT_SCANNER = "applications.documents.scanning.NoSuchScanner"
    with pytest.raises(SystemCheckError, match="applications.E001"):
        call_command("check")
    settings.DOCUMENT_SCANNER = CLAMAV
    settings.CLAMD_SOCKET = ""
    monkeypatch.setenv("PATH", str(tmp_path))  # no ClamAV tool on it
    assert [w.id for w in scanner_check()] == ["applications.W001"]
    settings.CLAMD_SOCKET = "/run/clamav/clamd.ctl"
    assert scanner_check() == []
