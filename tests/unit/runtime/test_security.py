"""Kafka TLS/SASL settings reach aiokafka, through Faust and through our own clients."""

from __future__ import annotations

from pathlib import Path

from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from streams.runtime.app import Processor
from streams.runtime.security import client_options
from tests.support.builders import worker_settings


def test_sasl_over_tls_reaches_the_faust_consumer_and_producer(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cr3t\n")
    settings = worker_settings(
        tmp_path,
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="supportkpi",
        sasl_password_file=str(secret),
    )
    app = Processor(settings).app
    auth = credentials_to_aiokafka_auth(app.conf.broker_credentials, app.conf.ssl_context)
    assert auth["security_protocol"] == "SASL_SSL"
    assert auth["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (auth["sasl_plain_username"], auth["sasl_plain_password"]) == ("supportkpi", "s3cr3t")
    assert auth["ssl_context"] is not None


def test_our_own_clients_get_the_sameworker_settings(tmp_path: Path) -> None:
    options = client_options(
        worker_settings(
            tmp_path, security_protocol="SASL_PLAINTEXT", sasl_username="u", sasl_password="p"
        )
    )
    assert options == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "u",
        "sasl_plain_password": "p",
    }
    assert client_options(worker_settings(tmp_path)) == {"security_protocol": "PLAINTEXT"}


def test_plaintext_is_the_default_and_tls_alone_is_ssl(tmp_path: Path) -> None:
    app = Processor(worker_settings(tmp_path, security_protocol="SSL")).app
    assert credentials_to_aiokafka_auth(app.conf.broker_credentials)["security_protocol"] == "SSL"
    plain = Processor(worker_settings(tmp_path, app_id="other")).app
    assert credentials_to_aiokafka_auth(plain.conf.broker_credentials) == {
        "security_protocol": "PLAINTEXT"
    }
