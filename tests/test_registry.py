"""Registry CSV: validation names the file and line; unknown columns survive."""

import re
from pathlib import Path

import pytest

from ogi.registry import RegistryError, load_registry

ROOT = Path(__file__).resolve().parents[1]
HEADER = "agency_id,name,list_url,region_code,level,adapter,verified,notes\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    p = tmp_path / "reg.csv"
    p.write_text(header + body, encoding="utf-8")
    return p


def test_shipped_registries_load():
    sample = load_registry(ROOT / "registries" / "sample.csv")
    real = load_registry(ROOT / "registries" / "real.csv")
    assert len(sample) >= 12 and all(a.verified for a in sample)
    assert len(real) >= 30 and not any(a.verified for a in real)
    assert any(a.name == "聊城市生态环境局" and "sthjj.liaocheng.gov.cn" in a.list_url for a in real)
    assert {a.level for a in real} >= {"province", "city"}


def test_defaults_and_unknown_columns(tmp_path):
    (a,) = load_registry(write(tmp_path, "x,某局,http://Example.gov.cn:8080/ndbg/,371500,city,,false,hello\n"))
    assert a.first_year == 2019 and a.adapter is None and a.verified is False
    assert a.allowed_hosts == ("example.gov.cn:8080",)
    assert a.extra == {"notes": "hello"}
    assert a.host_allowed("http://example.gov.cn:8080/x.pdf")
    assert not a.host_allowed("http://evil.example.com:8080/x.pdf")
    assert not a.host_allowed("file:///etc/passwd")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,某局,ftp://a/,371500,city,,false,\n", "not an http(s) URL"),
        ("x,某局,http://a/,3715,city,,false,\n", "region_code"),
        ("x,某局,http://a/,371500,town,,false,\n", "level"),
        ("x,某局,http://a/,371500,city,magic,false,\n", "adapter"),
        ("x,某局,http://a/,371500,city,,maybe,\n", "verified"),
        ("x,,http://a/,371500,city,,false,\n", "'name' is empty"),
        ("x,某局,http://a/,371500,city,,false,\nx,某局,http://b/,371500,city,,false,\n", "already on line 2"),
    ],
)
def test_errors_name_file_and_line(tmp_path, row, message):
    path = write(tmp_path, row)
    with pytest.raises(RegistryError, match=re.escape(message)) as e:
        load_registry(path)
    assert str(path) in str(e.value) and ":" in str(e.value)


def test_missing_required_column(tmp_path):
    with pytest.raises(RegistryError, match="missing required column"):
        load_registry(write(tmp_path, "x,y\n", header="agency_id,name\n"))
