"""Reading a list page's scripts for the endpoint that fills the list (SITES.md §2, §4).

Portals fill their lists in the browser: a script calls ``fetch``/``axios``/
``$.ajax``/``$.post``/``$.get``/``$.getJSON`` with a URL that is often built from
variables (``cfg.apiBase + "/content/list"``) and parameters that name the column
and the page in the vendor's own words. This module does not know any vendor's
names. It reads the calls' shape: the URL argument (or a ``url:`` property), the
parameter object (``params``/``data``/``body`` or the positional object), the
method (``$.post``, ``axios.post``, ``type``/``method: "POST"``), whether the body
is JSON (``JSON.stringify``, ``application/json``) and whether the answer is JSONP
(``dataType: "jsonp"``, ``callback=?``). Identifiers are resolved from the string
and number literals the page and its scripts assign (``var API = "…"``,
``apiBase: "…"``), by the name's last part; an argument of the enclosing function
(``function go(p) {…} go(0)``) takes the value of its call. Which parameter pages
is decided from the names' roles listed in ``data/list_params.toml``.

It is a reading, not an interpreter: a URL assembled at run time (``seg.join("/")``)
stays unknown, and the agency then needs a hint (``ogi.crawl.hints``).
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

_DATA = Path(__file__).parent / "data" / "list_params.toml"
_MAX_CALLS = 200  # calls read per script: list code sits near its page's own calls, not in bundles' depths
_CALL = re.compile(
    r"(?<![\w$.])(fetch|axios(?:\.(?:get|post|request))?|(?:\$|jQuery)\.(?:ajax|post|get|getJSON))\s*\(",
)
_ASSIGN = re.compile(r"""(?:\bvar|\blet|\bconst)?\s*([A-Za-z_$][\w$]*)\s*=\s*(?!=)""")
_PROPERTY = re.compile(r"""(?:^|[{,\s])["']?([A-Za-z_$][\w$]*)["']?\s*:\s*""")
_QUOTED = {q: re.compile(rf"{q}(?:[^{q}\\]|\\.)*{q}", re.S) for q in "\"'`"}
_STRING = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`$]*)`""")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PATHLIKE = re.compile(r"^(?:https?://|/|\./|\.\./)[^\s<>\"']*$")
_ENDPOINTISH = re.compile(r"(?:/api[/-]|/interface/|/webapi/|/gateway/|\.do\b|\.action\b|\.jsp\b|/json|list)", re.I)
_DETAIL_CONCAT = re.compile(r"""(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z_$][\w$]*))\s*\+\s*(?:[\w$]+\.)+([\w$]+)""")
_DETAIL_TEMPLATE = re.compile(r"`([^`]*?)\$\{\s*(?:[\w$]+\.)+([\w$]+)\s*\}([^`]*)`")


@dataclass(frozen=True)
class Roles:
    """Parameter and answer names by role (from the data file): matched as lower-case parts."""

    size: tuple[str, ...]
    offset: tuple[str, ...]
    page: tuple[str, ...]
    callback: tuple[str, ...]


@cache
def roles() -> Roles:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))["params"]
    return Roles(**{k: tuple(v) for k, v in data.items()})


def role_of(name: str) -> str | None:
    """``size``, ``offset`` or ``page`` for a paging parameter's name, else None."""
    low, r = name.lower(), roles()
    for role in ("size", "offset", "page"):
        if any(low == part or (len(part) > 2 and part in low) for part in getattr(r, role)):
            return role
    return None


@dataclass
class Endpoint:
    """A list endpoint as the scripts call it: everything needed to ask for page N."""

    url: str
    method: str = "GET"
    json_body: bool = False
    params: dict[str, str] = field(default_factory=dict)  # fixed ones: column, channel, sort …
    page_param: str | None = None
    page_role: str = "page"  # "page" (a number) or "offset" (a record index)
    first: int = 1  # the first page's number (or offset)
    size_param: str | None = None
    size: int | None = None
    jsonp_param: str | None = None
    source: str = "script"  # where it was found: script, attribute, hint, json


@dataclass
class Reading:
    """What the page and its scripts say: endpoints, and detail-URL patterns for bare ids."""

    endpoints: list[Endpoint]
    detail_patterns: list[tuple[str, str, str]]  # (prefix, record key, suffix)
    calls_seen: int = 0  # calls recognised, resolvable or not (for the no_reports_found issue)


def _unquote(m: re.Match) -> str:
    raw = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
    try:
        return json.loads(f'"{raw}"') if "\\" in raw else raw
    except ValueError:
        return raw


def _balanced(text: str, start: int) -> int:
    """Index just past the bracket group opening at ``start`` (strings skipped); len(text) if unclosed."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack, i = [], start
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            m = _QUOTED[c].match(text, i)
            i = m.end() if m else i + 1
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return len(text)


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split at top-level separators (not inside brackets or strings)."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            m = _QUOTED[c].match(text, i)
            j = m.end() if m else i + 1
            cur.append(text[i:j])
            i = j
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur))
    return parts


def object_props(text: str) -> dict[str, str]:
    """``{a: 1, "b": x.y, c: {…}}`` → {"a": "1", "b": "x.y", "c": "{…}"} (values as source text)."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return {}
    out = {}
    for part in _split_top(text[1:-1]):
        m = re.match(r"""\s*["']?([A-Za-z_$][\w$-]*)["']?\s*:\s*(.*)$""", part, re.S)
        if m:
            out[m.group(1)] = m.group(2).strip()
        elif re.fullmatch(r"\s*[A-Za-z_$][\w$]*\s*", part):  # shorthand {offset}
            out[part.strip()] = part.strip()
    return out


class Symbols:
    """Literal values the page and its scripts give names to, looked up by the name's last part."""

    def __init__(self, texts: list[str]) -> None:
        self.values: dict[str, str] = {}
        self.objects: dict[str, str] = {}
        self.texts = texts
        self._resolved: dict[str, str | None] = {}
        for text in texts:
            for rx in (_ASSIGN, _PROPERTY):
                for m in rx.finditer(text):
                    name, at = m.group(1), m.end()
                    if text.startswith("{", at):
                        if name not in self.objects:
                            self.objects[name] = text[at : _balanced(text, at)]
                        continue
                    value = self._literal_expr(text, at)
                    if value is not None:
                        self.values.setdefault(name, value)

    @staticmethod
    def _literal_expr(text: str, at: int) -> str | None:
        """The value of a literal at ``text[at:]``; None for anything else, and for a literal that
        starts a ``+`` concatenation (resolved lazily, when asked for, by resolve())."""
        m = _STRING.match(text, at) or _NUMBER.match(text, at)
        if not m:
            return None
        if text[m.end() : m.end() + 40].lstrip().startswith("+"):
            return None
        return _unquote(m) if m.re is _STRING else m.group(0)

    def resolve(self, expr: str, depth: int = 0) -> str | None:
        """Evaluate a literal, a name, or a ``+`` concatenation of them; None when unknown."""
        expr = expr.strip().rstrip(";").strip()
        if not expr or depth > 6:
            return None
        if expr not in self._resolved:  # bundles repeat the same expressions many times
            self._resolved[expr] = self._evaluate(expr, depth)
        return self._resolved[expr]

    def _evaluate(self, expr: str, depth: int) -> str | None:
        if expr.startswith("(") and _balanced(expr, 0) == len(expr):
            return self.resolve(expr[1:-1], depth + 1)
        pieces = _split_top(expr, "+")
        if len(pieces) > 1:
            parts = [self.resolve(p, depth + 1) for p in pieces]
            return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
        m = _STRING.fullmatch(expr)
        if m:
            return _unquote(m)
        if _NUMBER.fullmatch(expr) or expr in ("true", "false"):
            return expr
        if re.fullmatch(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*", expr):
            last = expr.rsplit(".", 1)[-1]
            if last in self.values:
                return self.values[last]
            source = self._assigned_expr(last)
            if source is not None:
                return self.resolve(source, depth + 1)
            return self._argument(last)
        return None

    def _assigned_expr(self, name: str) -> str | None:
        """The source text assigned to ``name`` (a concatenation the constructor left for later)."""
        rx = re.compile(rf"""(?:(?:\bvar|\blet|\bconst)\s+|[{{,]\s*["']?){re.escape(name)}["']?\s*[=:]\s*(?!=)""")
        for text in self.texts:
            m = rx.search(text)
            if m:
                end = min((i for i in (text.find(";", m.end()), text.find("\n", m.end())) if i >= 0), default=len(text))
                statement = text[m.end() : end]
                candidate = _split_top(statement)[0] if statement.strip() else ""
                if "+" in candidate:
                    return candidate
        return None

    def _argument(self, name: str) -> str | None:
        """``function go(p) {…}`` … ``go(0)``: the number the enclosing function is first called with."""
        definition = re.compile(
            rf"(?:function\s+([\w$]+)|([\w$]+)\s*=\s*(?:async\s*)?function)\s*\(\s*{re.escape(name)}\s*\)"
        )
        functions = {m.group(1) or m.group(2) for text in self.texts for m in definition.finditer(text)}
        for fn in sorted(functions):
            call = re.compile(rf"(?<![\w$.]){re.escape(fn)}\s*\(\s*(-?\d+)\s*\)")
            for text in self.texts:
                found = call.search(text)
                if found:
                    return found.group(1)
        return None

    def object_of(self, expr: str) -> dict[str, str]:
        expr = expr.strip()
        if expr.startswith("JSON.stringify(") and expr.endswith(")"):
            expr = expr[len("JSON.stringify(") : -1]
        if expr.startswith("{"):
            return object_props(expr)
        if re.fullmatch(r"[A-Za-z_$][\w$.]*", expr):
            obj = self.objects.get(expr.rsplit(".", 1)[-1])
            return object_props(obj) if obj else {}
        return {}


def _endpoint(url: str, method: str, json_body: bool, raw: dict[str, str], symbols: Symbols, base: str) -> Endpoint:
    ep = Endpoint(urljoin(base, url), method=method, json_body=json_body)
    query = parse_qsl(urlsplit(ep.url).query, keep_blank_values=True)
    if query:
        ep.url = urlunsplit(urlsplit(ep.url)._replace(query=""))
        for k, v in query:
            raw.setdefault(k, json.dumps(v))
    for name, src in raw.items():
        value = symbols.resolve(src)
        low = name.lower()
        if low in roles().callback or (value == "?" and "callback" in low):
            ep.jsonp_param = name
            continue
        role = role_of(name)
        if role == "size":
            ep.size_param = name
            ep.size = int(value) if value and value.isdigit() else None
        elif role in ("page", "offset") and ep.page_param is None and (value is None or value.lstrip("-").isdigit()):
            ep.page_param, ep.page_role = name, role
            ep.first = int(value) if value is not None else (0 if role == "offset" else 1)
        elif value is not None:
            ep.params[name] = value
    return ep


def _calls(text: str, symbols: Symbols, base: str) -> tuple[list[Endpoint], int]:
    out, seen = [], 0
    for m in itertools.islice(_CALL.finditer(text), _MAX_CALLS):
        open_at = m.end() - 1
        args = _split_top(text[open_at + 1 : _balanced(text, open_at) - 1])
        if not args:
            continue
        seen += 1
        fn = m.group(1)
        opts = object_props(args[0]) if args[0].strip().startswith("{") else {}
        url_expr = opts.get("url") if opts else args[0]
        positional_data = (fn.startswith(("$", "jQuery")) and not fn.endswith("ajax")) or fn == "axios.post"
        if len(args) > 1 and not opts:
            # $.post(url, data, …) and axios.post(url, data, config) pass data second; others options
            options_at = 2 if fn == "axios.post" else 1
            opts = object_props(args[options_at]) if len(args) > options_at else {}
        url = symbols.resolve(url_expr) if url_expr else None
        if not url or not _PATHLIKE.match(url) or url.endswith((".js", ".css", ".html", ".htm")):
            continue
        method = "POST" if fn.endswith(".post") else "GET"
        kind = symbols.resolve(opts.get("type") or opts.get("method") or "") or ""
        if kind.upper() == "POST":
            method = "POST"
        region = text[m.start() : _balanced(text, open_at)]
        json_body = "JSON.stringify" in region or "application/json" in region
        if fn.endswith(".post") and not json_body and fn.startswith("axios"):
            json_body = True  # axios posts objects as JSON
        raw: dict[str, str] = {}
        for key in ("params", "data", "body"):
            if key in opts:
                raw.update(symbols.object_of(opts[key]))
        if positional_data and len(args) > 1:
            raw.update(symbols.object_of(args[1]))
        ep = _endpoint(url, method, json_body, raw, symbols, base)
        data_type = (symbols.resolve(opts.get("dataType", "")) or "").lower()
        if data_type == "jsonp" and ep.jsonp_param is None:
            ep.jsonp_param = symbols.resolve(opts.get("jsonp", "")) or "callback"
        out.append(ep)
    return out, seen


def _detail_patterns(texts: list[str], symbols: Symbols) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for text in texts:
        for m in _DETAIL_CONCAT.finditer(text):
            prefix = m.group(1) if m.group(1) is not None else m.group(2)
            if prefix is None:
                prefix = symbols.resolve(m.group(3)) or ""
            if not _PATHLIKE.match(prefix or "") or prefix.endswith((".js", ".css")):
                continue
            tail = re.match(r"""\s*\+\s*["']([^"'\n]*)["']""", text[m.end() :])
            suffix = tail.group(1) if tail and not tail.group(1).startswith(("<", '"', "'")) else ""
            out.append((prefix, m.group(4), suffix))
        for m in _DETAIL_TEMPLATE.finditer(text):
            if _PATHLIKE.match(m.group(1)):
                out.append((m.group(1), m.group(2), m.group(3)))
    return list(dict.fromkeys(out))


def _bare_literals(texts: list[str], base: str) -> list[Endpoint]:
    """Endpoint-looking URL strings that no recognised call uses (a last resort, by GET)."""
    out = []
    for text in texts:
        for m in _STRING.finditer(text):
            value = _unquote(m)
            if _PATHLIKE.match(value) and _ENDPOINTISH.search(value) and not value.endswith((".js", ".css", ".html")):
                ep = _endpoint(value, "GET", False, {}, Symbols([]), base)
                ep.source = "literal"
                out.append(ep)
    return out


def read_scripts(texts: list[str], base: str) -> Reading:
    """Endpoints the scripts call (resolvable ones, in order), then bare endpoint-looking strings."""
    symbols = Symbols(texts)
    endpoints, seen = [], 0
    for text in texts:
        found, n = _calls(text, symbols, base)
        endpoints += found
        seen += n
    endpoints += _bare_literals(texts, base)
    unique: dict[tuple, Endpoint] = {}
    for ep in endpoints:
        unique.setdefault((ep.url, ep.method), ep)
    return Reading(list(unique.values()), _detail_patterns(texts, symbols), seen)


def endpoint_of_url(url: str) -> Endpoint:
    """An endpoint given as a URL (a ``data-api`` attribute, a list URL that answers JSON, a
    page of one read before): its query parameters, the paging one recognised by name."""
    ep = _endpoint(url, "GET", False, {}, Symbols([]), url)
    ep.source = "url"
    return ep
