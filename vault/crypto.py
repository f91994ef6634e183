"""Envelope encryption for the Vault.

Each environment has one data key (AES-256-GCM, 32 random bytes), stored wrapped by the
key-encryption keys of `settings.VAULT_KEKS` (Fernet keys, newest first, through MultiFernet).
A secret is encrypted with the data key and bound to its environment and entry through AES-GCM
associated data, so a ciphertext copied to another entry or environment does not decrypt.

Nothing here logs or formats a secret; errors name the entry, never the value.
"""

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

NONCE_BYTES = 12
DATA_KEY_BYTES = 32


class VaultError(Exception):
    """A secret or a data key could not be decrypted (wrong key, or data moved or altered)."""


def _keks():
    keys = settings.VAULT_KEKS
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    return list(keys)


def kek_id(key=None):
    """A short, non-secret name of a key-encryption key (the newest by default)."""
    key = key or _keks()[0]
    return hashlib.sha256(key.encode() if isinstance(key, str) else key).hexdigest()[:12]


def _multifernet():
    return MultiFernet([Fernet(k) for k in _keks()])


def new_data_key():
    return os.urandom(DATA_KEY_BYTES)


# Error reports (Django's ExceptionReporter) show no local variable of these frames.
@sensitive_variables()
def wrap(data_key):
    """The data key encrypted with the newest key-encryption key."""
    return _multifernet().encrypt(data_key).decode()


@sensitive_variables()
def unwrap(wrapped):
    try:
        data_key = _multifernet().decrypt(wrapped.encode() if isinstance(wrapped, str) else wrapped)
    except InvalidToken:
        raise VaultError(
            "The environment's data key cannot be unwrapped with any key of VAULT_KEKS "
            "(a key-encryption key is missing or wrong)."
        ) from None
    if len(data_key) != DATA_KEY_BYTES:
        raise VaultError("The environment's data key has the wrong length.")
    return data_key


@sensitive_variables()
def rewrap(wrapped):
    """The same data key, wrapped again with the newest key-encryption key."""
    try:
        return _multifernet().rotate(wrapped.encode() if isinstance(wrapped, str) else wrapped).decode()
    except InvalidToken:
        raise VaultError(
            "The environment's data key cannot be unwrapped with any key of VAULT_KEKS "
            "(a key-encryption key is missing or wrong)."
        ) from None


def associated_data(tenant, entry):
    return f"{tenant.uuid}:{entry.uuid}".encode()


@sensitive_variables()
def encrypt(data_key, plaintext, aad):
    """nonce (12 bytes) + AES-GCM ciphertext and tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), aad)


@sensitive_variables()
def decrypt(data_key, blob, aad):
    blob = bytes(blob)
    if len(blob) <= NONCE_BYTES:
        raise VaultError("The stored secret is damaged.")
    try:
        return AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad).decode("utf-8")
    except InvalidTag:
        raise VaultError(
            "The stored secret does not belong to this entry and environment, or it was altered; "
            "decryption refused."
        ) from None
