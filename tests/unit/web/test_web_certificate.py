"""Entra ID certificate credentials for the console's sign-in: the client assertion (RFC 7523
``private_key_jwt``) is signed with the certificate's key and names the certificate by its x5t
thumbprint, as Microsoft's token endpoint checks; a file without a usable key is a config error."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from authlib.jose import JsonWebKey, jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID

from mailbot.errors import ConfigError
from mailbot.web.auth import certificate_credentials

CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"
TOKEN_ENDPOINT = "https://login.microsoftonline.com/tenant-id/oauth2/v2.0/token"


def _certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailbot console")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def _pem_file(
    tmp_path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, *, with_key: bool = True
) -> Path:
    certificate = _certificate(key)
    path = tmp_path / "console.pem"
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()) if with_key else b""
    path.write_bytes(certificate.public_bytes(Encoding.PEM) + key_pem)
    return path


def test_the_client_assertion_is_signed_by_the_certificate_and_names_its_thumbprint(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = _pem_file(tmp_path, key)
    secret, kwargs = certificate_credentials(path)
    method = kwargs["token_endpoint_auth_method"]
    assertion = method.sign(SimpleNamespace(client_id=CLIENT_ID, client_secret=secret), TOKEN_ENDPOINT)

    public = JsonWebKey.import_key(key.public_key().public_bytes(Encoding.PEM, _spki()))
    claims = jwt.decode(assertion, public)  # raises when the signature is not the certificate key's
    claims.validate()
    assert (claims["iss"], claims["sub"], claims["aud"]) == (CLIENT_ID, CLIENT_ID, TOKEN_ENDPOINT)
    assert claims["jti"] and claims["exp"] > claims["iat"]
    header = claims.header
    der = _certificate_from(path).public_bytes(Encoding.DER)
    expected_x5t = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
    assert (header["alg"], header["x5t"]) == ("RS256", expected_x5t)


def test_a_certificate_without_its_private_key_is_a_config_error(tmp_path: Path) -> None:
    path = _pem_file(tmp_path, rsa.generate_private_key(public_exponent=65537, key_size=2048), with_key=False)
    with pytest.raises(ConfigError, match="must hold the certificate and its unencrypted private key"):
        certificate_credentials(path)
    with pytest.raises(ConfigError, match="must hold"):
        certificate_credentials(tmp_path / "missing.pem")


def test_a_key_entra_id_cannot_check_is_a_config_error(tmp_path: Path) -> None:
    path = _pem_file(tmp_path, ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ConfigError, match="must be RSA"):
        certificate_credentials(path)


def _certificate_from(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _spki() -> object:
    from cryptography.hazmat.primitives.serialization import PublicFormat

    return PublicFormat.SubjectPublicKeyInfo
