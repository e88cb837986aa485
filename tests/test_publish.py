"""Publishing merges a folder's bucket files into one file of full row groups."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from ogi.load import publish

SCHEMA = pa.schema([("n", pa.int64()), ("label", pa.string())])


def test_merge_keeps_every_row_in_order_in_full_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "ROW_GROUP", 7)
    sizes = [5, 0, 12, 3]  # buckets of uneven size, one empty
    files, expected, start = [], [], 0
    for i, n in enumerate(sizes):
        rows = list(range(start, start + n))
        start += n
        expected += rows
        path = tmp_path / f"b-{i}.parquet"
        table = pa.table({"n": rows, "label": [f"r{r}" for r in rows]}, schema=SCHEMA)
        pq.write_table(table, path, row_group_size=4)  # row groups that straddle the cut
        files.append(path)
    target = tmp_path / "data.parquet"
    publish._merge(files, target)
    merged = pq.ParquetFile(target)
    assert merged.read().column("n").to_pylist() == expected
    assert merged.read().column("label").to_pylist() == [f"r{r}" for r in expected]
    groups = [merged.metadata.row_group(g).num_rows for g in range(merged.num_row_groups)]
    assert groups == [7, 7, 6]


def test_merge_of_empty_buckets_is_an_empty_file_with_the_schema(tmp_path):
    path = tmp_path / "b-0.parquet"
    pq.write_table(pa.table({"n": pa.array([], pa.int64())}), path)
    publish._merge([path], tmp_path / "data.parquet")
    table = pq.read_table(tmp_path / "data.parquet")
    assert table.num_rows == 0 and table.schema.names == ["n"]
