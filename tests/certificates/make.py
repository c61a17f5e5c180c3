"""Makes the self-signed certificates the certificate reader is tested on (run with a
Python that has `cryptography`, e.g. the test venv: moto depends on it)."""
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

NOT_BEFORE = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2027, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)

for name, key in [
    ("rsa1024", rsa.generate_private_key(public_exponent=65537, key_size=1024)),
    ("rsa2048", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ("p384", ec.generate_private_key(ec.SECP384R1())),
]:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name}.example.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .sign(key, hashes.SHA256())
    )
    with open(f"{name}.pem", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
