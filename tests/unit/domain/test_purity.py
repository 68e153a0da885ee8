"""The domain package stays pure: importing it loads neither faust nor prometheus_client."""

from __future__ import annotations

import subprocess
import sys


def test_domain_imports_neither_faust_nor_prometheus_client() -> None:
    code = (
        "import sys, pkgutil, importlib, streams.domain as d\n"
        "for m in pkgutil.iter_modules(d.__path__):\n"
        "    importlib.import_module('streams.domain.' + m.name)\n"
        "heavy = ('faust', 'prometheus_client', 'mode', 'aiokafka')\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in heavy]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
