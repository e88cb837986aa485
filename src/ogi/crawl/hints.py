"""Per-agency (or per-family) crawl hints: a small TOML file when discovery needs help.

A site whose list discovery cannot read (an endpoint assembled at run time, a
parameter no role name fits, links outside any recognisable list) gets a hint
instead of code: the registry's ``hints`` column names a file bundled in
``ogi/crawl/hints/`` (``sample-lc-ybj``) or a path relative to the registry
(``hints/my-agency.toml``). Every key is checked; an unknown key or a wrong type
is an error naming the file, before any request is made.

```toml
[list]
endpoint = "/ajax/ndbg/query.action"   # relative to the list page
method = "GET"                         # or "POST"
body = "form"                          # a POST's body: "form" or "json"
params = { lmid = "42", count = "5" }  # fixed parameters
page_param = "start"                   # the parameter that pages
paging = "offset"                      # "page" (a number) or "offset" (a record index)
first = 0                              # the first page's number or offset
size = 5                               # records per page (an offset's step)
jsonp = "cb"                           # answers JSONP, callback named by this parameter
detail_url = "/show/{id}.html"         # records carry only an id: {field} is replaced
selector = "//ul[@class='gknb']//a"    # static lists: XPath of the report links
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ogi.registry import Agency

BUNDLED = Path(__file__).parent / "hints"
_TYPES = {
    "endpoint": str,
    "method": str,
    "body": str,
    "params": dict,
    "page_param": str,
    "paging": str,
    "first": int,
    "size": int,
    "jsonp": str,
    "detail_url": str,
    "selector": str,
}


class HintError(ValueError):
    """A hint file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Hint:
    source: str
    endpoint: str | None = None
    method: str = "GET"
    body: str = "form"
    params: dict[str, str] = field(default_factory=dict)
    page_param: str | None = None
    paging: str = "page"
    first: int | None = None
    size: int | None = None
    jsonp: str | None = None
    detail_url: str | None = None
    selector: str | None = None


def hint_path(agency: Agency) -> Path | None:
    if not agency.hints:
        return None
    name = agency.hints
    if "/" in name or name.endswith(".toml"):
        return Path(agency.registry_dir or ".") / name
    return BUNDLED / f"{name}.toml"


def load_hint(agency: Agency) -> Hint | None:
    """The agency's hint, validated; None when it has none."""
    path = hint_path(agency)
    if path is None:
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise HintError(f"{path}: cannot read the hint of {agency.agency_id}: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise HintError(f"{path}: not valid TOML: {e}") from e
    unknown_top = set(data) - {"list"}
    section = data.get("list", {})
    if unknown_top or not isinstance(section, dict):
        raise HintError(f"{path}: only a [list] table is understood, found {sorted(unknown_top) or 'list'}")
    for key, value in section.items():
        if key not in _TYPES:
            raise HintError(f"{path}: unknown key {key!r} in [list] (known: {', '.join(_TYPES)})")
        if not isinstance(value, _TYPES[key]) or isinstance(value, bool):
            raise HintError(f"{path}: [list] {key} must be a {_TYPES[key].__name__}, not {value!r}")
    if section.get("method", "GET").upper() not in ("GET", "POST"):
        raise HintError(f"{path}: [list] method must be GET or POST")
    if section.get("body", "form") not in ("form", "json") or section.get("paging", "page") not in ("page", "offset"):
        raise HintError(f"{path}: [list] body must be form or json, paging page or offset")
    params = {str(k): str(v) for k, v in section.get("params", {}).items()}
    return Hint(source=str(path), **{**section, "params": params, "method": section.get("method", "GET").upper()})
