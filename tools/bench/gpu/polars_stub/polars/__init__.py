"""BENCHMARK-ONLY stand-in for polars on the lent GPU machine, never for the product (which installs the real
polars from requirements.lock). polars' runtime wheel (54 MB) does not fit the 64 MiB that travels there.

Ultralytics 8.4.190 reads results.csv with polars in one place the benchmarks reach (BaseTrainer.read_results_csv,
called when an FP16 checkpoint is saved); plots are off in the benchmarks. This covers exactly that call.
"""

import csv
import io


class _Frame:
    def __init__(self, columns: dict[str, list]):
        self._columns = columns

    def to_dict(self, as_series: bool = True) -> dict[str, list]:
        return {name: list(values) for name, values in self._columns.items()}


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def read_csv(source, infer_schema_length=None, **_):
    text = source.decode() if isinstance(source, bytes) else open(source).read()
    rows = list(csv.reader(io.StringIO(text)))
    header, body = [h.strip() for h in rows[0]], rows[1:]
    return _Frame({name: [_number(row[i].strip()) for row in body if row] for i, name in enumerate(header)})
