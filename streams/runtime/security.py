"""Kafka TLS and SASL settings, passed through to Faust and to our own aiokafka clients.

``SUPPORTKPI_SECURITY_PROTOCOL`` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL),
``SUPPORTKPI_SASL_MECHANISM`` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), ``SUPPORTKPI_SASL_USERNAME``,
``SUPPORTKPI_SASL_PASSWORD_FILE`` (preferred) or ``SUPPORTKPI_SASL_PASSWORD``, and
``SUPPORTKPI_SSL_CAFILE`` / ``_CERTFILE`` / ``_KEYFILE``.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from streams.config import Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.security_protocol not in ("SSL", "SASL_SSL"):
        return None
    from aiokafka.helpers import create_ssl_context

    return create_ssl_context(
        cafile=settings.ssl_cafile or None,
        certfile=settings.ssl_certfile or None,
        keyfile=settings.ssl_keyfile or None,
    )


def sasl_password(settings: Settings) -> str | None:
    if settings.sasl_password_file:
        return Path(settings.sasl_password_file).read_text().strip()
    return settings.sasl_password or None


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for aiokafka producers, consumers and admin clients."""
    protocol = settings.security_protocol
    if protocol not in PROTOCOLS:
        raise ValueError(f"SUPPORTKPI_SECURITY_PROTOCOL must be one of {PROTOCOLS}")
    options: dict[str, Any] = {"security_protocol": protocol}
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if protocol.startswith("SASL_"):
        options.update(
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=sasl_password(settings),
        )
    return options


def faust_credentials(settings: Settings) -> Any:
    """``broker_credentials`` for the Faust app (None for PLAINTEXT)."""
    import faust

    protocol = settings.security_protocol
    if protocol.startswith("SASL_"):
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=sasl_password(settings),
            mechanism=settings.sasl_mechanism,
            ssl_context=ssl_context(settings),
        )
    if protocol == "SSL":
        return faust.SSLCredentials(ssl_context(settings))
    return None
