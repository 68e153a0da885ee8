"""Secrets from the environment or a file; a file that gives none is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.config import Settings
from streams.domain.customer_digest import UNSET_KEY
from streams.runtime.router import customer_key
from streams.secrets import SecretFileError, read_secret


def test_the_file_wins_and_an_unset_secret_is_none(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    assert read_secret("from-env", str(secret), "X_FILE") == "from-file"
    assert read_secret("from-env", "", "X_FILE") == "from-env"
    assert read_secret("", "", "X_FILE") is None


def test_an_empty_or_missing_file_is_an_error_naming_the_setting(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("  \n")
    with pytest.raises(SecretFileError, match=r"X_FILE .* is empty"):
        read_secret("fallback", str(empty), "X_FILE")
    with pytest.raises(SecretFileError, match=r"X_FILE .* is unreadable"):
        read_secret("fallback", str(tmp_path / "absent"), "X_FILE")


def test_the_customer_key_comes_from_the_settings_else_a_known_key_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = tmp_path / "customer-key"
    key.write_text("s3cret")
    assert customer_key(Settings(customer_key_file=str(key))) == b"s3cret"
    assert customer_key(Settings(customer_key="k")) == b"k"
    assert customer_key(Settings()) == UNSET_KEY
    assert "SUPPORTKPI_CUSTOMER_KEY is not set" in caplog.text
