"""The CLI's view of the sandbox, and the generated certificate authority."""

from __future__ import annotations

import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from sandbox.microsoft import entry
from sandbox.microsoft.users import CONNECTOR_APP, TENANT_ID
from shared.testing import free_port


def test_the_entry_point_declares_the_microsoft_sandbox():
    sandbox = entry.SANDBOX
    assert (sandbox.name, sandbox.default_port) == ("microsoft", 9300)
    assert sandbox.demo_login["token"] == "demo-alice"
    assert sandbox.demo_login["tenant"] == TENANT_ID and sandbox.demo_login["client_id"] == CONNECTOR_APP.client_id
    assert sandbox.create_app(latency_ms=0).state.drives.drives


def test_tls_files_are_made_once_per_process_and_chain_to_the_ca():
    certfile, keyfile, cafile = entry.tls_files()
    assert entry.tls_files() == (certfile, keyfile, cafile)
    assert entry.SANDBOX.tls is not None and entry.SANDBOX.tls() == (certfile, keyfile)
    assert entry.SANDBOX.demo_login["ca_file"] == cafile
    assert all(Path(p).is_file() for p in (certfile, keyfile, cafile))
    server = x509.load_pem_x509_certificate(Path(certfile).read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    context = ssl.create_default_context(cafile=cafile)
    context.load_cert_chain(certfile, keyfile)  # the key matches the certificate


def test_clients_that_do_not_trust_the_ca_are_refused(base_url):
    with pytest.raises(httpx.ConnectError), httpx.Client() as untrusting:
        untrusting.get(base_url + "/common/discovery/instance")


def test_the_module_serves_the_sandbox_over_https_by_itself_and_cleans_up_on_stop():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.microsoft", "--port", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        banner = process.stdout.readline()  # printed before serving: names the CA file
        cafile = banner.split("trust the CA in ")[1].rstrip(")\n")
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(
                    f"https://127.0.0.1:{port}/common/discovery/instance",
                    verify=ssl.create_default_context(cafile=cafile),
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.05)  # polling for readiness with a deadline
        assert answer.status_code == 200 and f"https://127.0.0.1:{port}" in banner
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
    assert not Path(cafile).parent.exists()  # a stopped sandbox leaves no key material behind
