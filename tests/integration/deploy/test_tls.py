"""TLS ended by nginx as deploy/README.md says: deploy/nginx.d/tls.conf.example copied to
tls.conf beside a certificate, and ``ssl`` on the listen line. A self-signed certificate for
127.0.0.1, made here."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.deploy.upstreams import serving
from tests.loadbalancer import DEPLOY, configured

CONTAINER_DIR = "/etc/nginx/sage200.d"  # where compose.yaml mounts deploy/nginx.d


def self_signed(directory: Path) -> Path:
    """fullchain.pem and privkey.pem for 127.0.0.1 in ``directory``; the certificate's path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    chain = directory / "fullchain.pem"
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return chain


def test_the_tls_example_serves_https_and_tells_the_replicas() -> None:
    with serving("a") as a, configured([a.port], tls=True) as balancer:
        chain = self_signed(balancer.include_dir)
        example = (DEPLOY / "nginx.d" / "tls.conf.example").read_text()
        assert CONTAINER_DIR in example
        tls_conf = example.replace(CONTAINER_DIR, str(balancer.include_dir))
        (balancer.include_dir / "tls.conf").write_text(tls_conf)
        balancer.start()
        try:
            trusted = ssl.create_default_context(cafile=str(chain))
            with httpx.Client(trust_env=False, verify=trusted, timeout=10) as client:
                response = client.get(f"{balancer.url}/mcp")
        finally:
            balancer.stop()
    assert balancer.url.startswith("https://")
    assert response.status_code == 200
    assert response.json()["headers"]["x-forwarded-proto"] == "https"
    assert response.headers["strict-transport-security"] == "max-age=31536000"
