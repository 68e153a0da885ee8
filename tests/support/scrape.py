"""Parse Prometheus text into {(sample name, labels): value}."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Sample = tuple[str, tuple[tuple[str, str], ...]]


def parse(text: str) -> dict[Sample, float]:
    out: dict[Sample, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


#: documented as "aggregate with max()": everything else is additive across workers
MAX_AGGREGATED = ("support_oldest_open_ticket_age_seconds", "support_last_event_timestamp_seconds")


def summed(samples: dict[Sample, float], name: str, **labels: str) -> float:
    """The sum of ``name``'s samples that carry ``labels`` (and any others)."""
    return sum(
        v
        for (n, ls), v in samples.items()
        if n == name and all((k, want) in ls for k, want in labels.items())
    )


def total(samples: list[dict[Sample, float]]) -> dict[Sample, float]:
    """The cluster view over several workers: ``sum()``, or ``max()`` where documented."""
    out: dict[Sample, float] = {}
    for scrape in samples:
        for key, value in scrape.items():
            if key[0] in MAX_AGGREGATED:
                out[key] = max(out.get(key, value), value)
            else:
                out[key] = out.get(key, 0.0) + value
    return out
