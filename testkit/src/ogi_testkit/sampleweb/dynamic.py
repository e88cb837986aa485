"""Sites whose report list is built in the browser from an endpoint (SITES.md §2 and §4).

Each family is one vendor's way, written from the mechanisms SITES.md describes and
from how such portals look, with that vendor's own parameter and field names: what
matters is that no two share them, so that a crawler which only knows one vendor's
names finds nothing on the next.

* ``vue_gateway``: an empty ``<div id="app">``; an inline config object names the
  gateway and channel, a loaded script calls ``axios.get(base + "/content/list",
  {params: …})``; records ``{bt, linkUrl, fbrq (epoch ms)}``, paged by ``pageNum``
  with ``total``.
* ``jquery_post``: ``$.post("/interface/getDocList.do", {columnId, curPage, rows})``
  (a form body); records ``{name, docpuburl (absolute), publishTime}``, ``totalCount``.
* ``fetch_json_post``: ``fetch(API, {method: "POST", body: JSON.stringify({catalogCode,
  offset, limit})})``; records carry only ``articleId`` and ``doctitle``: the page
  address is the script's ``DETAIL + x.articleId``; paging by offset with ``hasNext``.
* ``jsonp``: ``$.ajax({dataType: "jsonp", jsonp: "cb", data: {catid, pn, ps}})``;
  answers ``<callback>({...})`` with no paging information at all.
* ``html_in_json``: ``$.getJSON(pageConf.url, {columnid, pageIndex (from 0), pagesize})``
  answering ``{"data": {"html": "<ul><li><a …>", "pageCount": n}}``.
* ``trs_dynamic``: 动静结合: page 1 static HTML, a hidden ``ms-repeat`` twin, and
  ``listModel({...listArgs: {channelid, …}, pagebar: {prepage, recordCount}})``; the
  loaded ``listmodel.js`` POSTs to ``/irs/front/list``; the oldest years exist only there.
* ``assembled_url``: the endpoint's path is assembled with ``Array.join`` at run time;
  no reading of the scripts finds it, so the agency needs a hint.

Endpoints that are POST in the script answer 405 to a GET, as such servers do.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ogi_testkit.sampleweb.server import Query, Reply, Report, Site

_LIST = {
    "vue_gateway": "/portal/ndbg.html",
    "jquery_post": "/xxgk/ndbg/list.jsp",
    "fetch_json_post": "/gk/ndbg/",
    "jsonp": "/col/ndbg/index.html",
    "html_in_json": "/zwgk/gknb/",
    "trs_dynamic": "/xxgk/gknb/index.html",
    "assembled_url": "/ybj/ndbg/",
}


def list_path(site: Site) -> str:
    return _LIST[site.spec.family]


def article_path(site: Site, r: Report) -> str:
    pub, fam = r.published, site.spec.family
    return {
        "vue_gateway": f"/portal/content/{pub:%Y%m}/{r.n}.html",
        "jquery_post": f"/art/{pub:%Y/%m/%d}/art_5027_{r.n}.html",
        "fetch_json_post": f"/gk/detail.html?articleId={r.n}",
        "jsonp": f"/col/ndbg/art/{pub:%Y}/{r.n}.html",
        "html_in_json": f"/zwgk/gknb/{pub:%Y%m}/t{pub:%Y%m%d}_{r.n}.shtml",
        "trs_dynamic": f"/xxgk/gknb/{pub:%Y%m}/t{pub:%Y%m%d}_{r.n}.html",
        "assembled_url": f"/ybj/ndbg/show/{r.n}.html",
    }[fam]


def file_path(site: Site, r: Report, i: int, ext: str) -> str:
    return f"/uploadfiles/{r.published:%Y%m}/{r.hexname(i, site.agency_id)}.{ext}"


def _json(payload: object) -> Reply:
    from ogi_testkit.sampleweb.server import Reply

    return Reply(200, json.dumps(payload, ensure_ascii=False).encode(), "application/json;charset=UTF-8")


def _js(text: str) -> Reply:
    from ogi_testkit.sampleweb.server import Reply

    return Reply(200, text.encode(), "application/javascript")


def _int(query: Query, name: str, default: int) -> int:
    raw = (query.get(name) or [str(default)])[0]
    return int(raw) if raw.lstrip("-").isdigit() else default


def _post_only(query: Query) -> Reply | None:
    from ogi_testkit.sampleweb.server import Reply

    if (query.get(":method") or ["GET"])[0] != "POST":
        return Reply(405, b'{"error":"Request method GET not supported"}', "application/json")
    return None


def _epoch_ms(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000)


def routes(site: Site) -> None:
    {
        "vue_gateway": _vue_gateway,
        "jquery_post": _jquery_post,
        "fetch_json_post": _fetch_json_post,
        "jsonp": _jsonp,
        "html_in_json": _html_in_json,
        "trs_dynamic": _trs_dynamic,
        "assembled_url": _assembled_url,
    }[site.spec.family](site)


def _shell(site: Site, inner: str) -> Reply:
    from ogi_testkit.sampleweb.server import Reply

    return Reply(200, site._html("政府信息公开年报", inner))


def _vue_gateway(site: Site) -> None:
    size = site.spec.page_size

    def page(_q: Query) -> Reply:
        return _shell(
            site,
            '<div id="app"></div><script>window.__APP_CONFIG__ = {apiBase: "/api-gateway/cms", '
            f'channelId: "8841", pageSize: {size}, theme: "blue"}};</script>'
            '<script src="/static/js/chunk-vendors.js"></script>'
            '<script src="/static/js/app.3f2a9c.js"></script>',
        )

    app = """var cfg = window.__APP_CONFIG__;
new Vue({
  el: "#app",
  data: { list: [], pageNum: 1, total: 0 },
  mounted: function () { this.load(); },
  methods: {
    load: function () {
      var self = this;
      axios.get(cfg.apiBase + "/content/list", {
        params: { channelId: cfg.channelId, pageNum: this.pageNum, pageSize: cfg.pageSize }
      }).then(function (res) { self.list = res.data.data.records; self.total = res.data.data.total; });
    }
  },
  template: '<ul><li v-for="item in list"><a :href="item.linkUrl">{{item.bt}}</a><span>{{item.fbrq}}</span></li></ul>'
});
"""

    def data(q: Query) -> Reply:
        items = site._items()
        n, k = _int(q, "pageSize", 10), _int(q, "pageNum", 1)
        rows = items[(k - 1) * n : k * n] if k >= 1 and n >= 1 else []
        records = [{"id": i, "bt": t, "linkUrl": h, "fbrq": _epoch_ms(d)} for i, (t, h, d) in enumerate(rows)]
        return _json({"code": 200, "msg": "操作成功", "data": {"records": records, "total": len(items), "current": k}})

    site.routes[list_path(site)] = page
    site.routes["/static/js/chunk-vendors.js"] = lambda _q: _js("/*! vue, axios (vendored) */\n")
    site.routes["/static/js/app.3f2a9c.js"] = lambda _q: _js(app)
    site.routes["/api-gateway/cms/content/list"] = data


def _jquery_post(site: Site) -> None:
    size = site.spec.page_size

    def page(_q: Query) -> Reply:
        script = (
            '<script src="/js/jquery.min.js"></script><script type="text/javascript">\n'
            'var columnId = "5027";\n'
            "function loadPage(curPage) {\n"
            f'  $.post("/interface/getDocList.do", {{ columnId: columnId, curPage: curPage, rows: {size} }},\n'
            '    function (res) { var html = "";\n'
            "      $.each(res.rows, function (i, d) { html += '<li><a href=\"' + d.docpuburl + '\">' + d.name"
            " + '</a><span>' + d.publishTime + '</span></li>'; });\n"
            '      $("#docList").html(html); }, "json");\n}\n$(function () { loadPage(1); });\n</script>'
        )
        return _shell(site, f'<ul id="docList"></ul><div id="pager"></div>{script}')

    def data(q: Query) -> Reply | None:
        refused = _post_only(q)
        if refused:
            return refused
        items = site._items()
        n, k = _int(q, "rows", 10), _int(q, "curPage", 1)
        rows = items[(k - 1) * n : k * n] if k >= 1 and n >= 1 else []
        base = f"http://{site.netloc}"
        records = [{"name": t, "docpuburl": base + h, "publishTime": f"{d} 09:30:00"} for t, h, d in rows]
        return _json({"success": True, "totalCount": len(items), "rows": records})

    site.routes[list_path(site)] = page
    site.routes["/js/jquery.min.js"] = lambda _q: _js("/*! jQuery v1.12.4 (vendored) */\n")
    site.routes["/interface/getDocList.do"] = data


def _fetch_json_post(site: Site) -> None:
    size = site.spec.page_size
    bundle = f"""const API = "/api/v2/info/search";
const DETAIL = "/gk/detail.html?articleId=";
async function load(offset) {{
  const resp = await fetch(API, {{
    method: "POST",
    headers: {{ "Content-Type": "application/json" }},
    body: JSON.stringify({{ catalogCode: "ndbg", offset: offset, limit: {size} }})
  }});
  const json = await resp.json();
  render(json.result.items.map(x => ({{ title: x.doctitle, href: DETAIL + x.articleId, date: x.docreltime }})));
  more.hidden = !json.result.hasNext;
}}
load(0);
"""

    def page(_q: Query) -> Reply:
        return _shell(site, '<div id="root"></div><script type="module" src="/assets/index-9c1e07.js"></script>')

    def data(q: Query) -> Reply | None:
        refused = _post_only(q)
        if refused:
            return refused
        reports = {article_path(site, r): r for r in site.visible()}
        items = [(t, h, d) for t, h, d in site._items() if h in reports]  # this portal lists reports only
        off, n = _int(q, "offset", 0), _int(q, "limit", 10)
        rows = items[off : off + n] if off >= 0 and n >= 1 else []
        records = [{"articleId": str(reports[h].n), "doctitle": t, "docreltime": d} for t, h, d in rows]
        return _json({"status": "ok", "result": {"items": records, "hasNext": off + n < len(items)}})

    site.routes[list_path(site)] = page
    site.routes["/assets/index-9c1e07.js"] = lambda _q: _js(bundle)
    site.routes["/api/v2/info/search"] = data


def _jsonp(site: Site) -> None:
    from ogi_testkit.sampleweb.server import Reply

    size = site.spec.page_size

    def page(_q: Query) -> Reply:
        script = (
            '<script src="/js/jquery-1.11.3.min.js"></script><script>\n'
            "function show(pn) {\n  $.ajax({\n"
            f'    url: "http://{site.netloc}/webapi/list",\n'
            '    dataType: "jsonp",\n    jsonp: "cb",\n'
            f"    data: {{ catid: 77, pn: pn, ps: {size} }},\n"
            "    success: function (d) { $.each(d.list, function (i, it) {"
            " $('.list').append('<li><a href=\"' + it.href + '\">' + it.title + '</a></li>'); }); }\n"
            "  });\n}\nshow(1);\n</script>"
        )
        return _shell(site, f'<ul class="list"></ul>{script}')

    def data(q: Query) -> Reply:
        items = site._items()
        n, k = _int(q, "ps", 10), _int(q, "pn", 1)
        rows = items[(k - 1) * n : k * n] if k >= 1 and n >= 1 else []
        payload = json.dumps({"list": [{"title": t, "href": h, "date": d} for t, h, d in rows]}, ensure_ascii=False)
        callback = (q.get("cb") or [""])[0]
        if not callback.replace("_", "").replace(".", "").isalnum():
            return Reply(400, b"bad callback", "text/plain")
        return Reply(200, f"{callback}({payload});".encode(), "application/javascript;charset=utf-8")

    site.routes[list_path(site)] = page
    site.routes["/js/jquery-1.11.3.min.js"] = lambda _q: _js("/*! jQuery v1.11.3 (vendored) */\n")
    site.routes["/webapi/list"] = data


def _html_in_json(site: Site) -> None:
    size = site.spec.page_size

    def page(_q: Query) -> Reply:
        script = (
            '<script>var pageConf = { url: "/common/loadListHtml", columnid: "3302", '
            f"pagesize: {size} }};</script>\n<script>\nfunction go(p) {{\n"
            "  $.getJSON(pageConf.url, { columnid: pageConf.columnid, pageIndex: p, pagesize: pageConf.pagesize },\n"
            '    function (r) { $("#listBox").html(r.data.html); pager(r.data.pageCount); });\n}\ngo(0);\n</script>'
        )
        return _shell(site, f'<div class="list-box" id="listBox"></div>{script}')

    def data(q: Query) -> Reply:
        items = site._items()
        n, k = _int(q, "pagesize", 10), _int(q, "pageIndex", 0)
        rows = items[k * n : (k + 1) * n] if k >= 0 and n >= 1 else []
        html = "<ul>" + site._li(rows) + "</ul>"
        return _json({"code": "0000", "data": {"html": html, "pageCount": math.ceil(len(items) / n)}})

    site.routes[list_path(site)] = page
    site.routes["/common/loadListHtml"] = data


def _trs_dynamic(site: Site) -> None:
    size = site.spec.page_size
    listmodel = """/* TRS listModel 2.3: 动静结合 lists */
function listModel(opts) {
  var args = opts.listArgs, bar = opts.pagebar;
  var vm = avalon.define({ $id: "list", list: [] });
  function turn(page) {
    $.ajax({ url: "/irs/front/list", type: "POST", dataType: "json",
      data: { channelid: args.channelid, classsql: args.classsql, sortfield: args.sortfield,
              page: page, prepage: bar.prepage },
      success: function (res) { vm.list = res.data; } });
  }
  if (opts.quickMode === "动静结合") { bindPager(turn, 2); } else { turn(1); }
}
"""

    def page(_q: Query) -> Reply:
        items = site._items()
        static = site._li(items[:size])
        script = (
            '<script src="/common/js/listmodel.js"></script><script>\n'
            'listModel({ quickMode: "动静结合", listArgs: { channelid: 19341, classsql: "chnlid=19341", '
            'sortfield: "-docorderpri,-docreltime" }, '
            f"pagebar: {{ prepage: {size}, recordCount: '{len(items)}' }} }});\n</script>"
        )
        twin = (
            '<ul class="dynamic" ms-controller="list" style="display:none"><li ms-repeat="list">'
            '<a ms-attr-href="el.chnldocurl">{{el.doctitle}}</a><span>{{el.docreltime}}</span></li></ul>'
        )
        return _shell(site, f'<ul class="static">{static}</ul>{twin}<div class="pagebar"></div>{script}')

    def data(q: Query) -> Reply | None:
        refused = _post_only(q)
        if refused:
            return refused
        items = site._items()
        n, k = _int(q, "prepage", 10), _int(q, "page", 1)
        rows = items[(k - 1) * n : k * n] if k >= 1 and n >= 1 else []
        records = [{"doctitle": t, "chnldocurl": h, "docreltime": f"{d} 10:00:00"} for t, h, d in rows]
        return _json({"data": records, "page": {"pagecount": math.ceil(len(items) / n), "recordcount": len(items)}})

    site.routes[list_path(site)] = page
    site.routes["/common/js/listmodel.js"] = lambda _q: _js(listmodel)
    site.routes["/irs/front/list"] = data


def _assembled_url(site: Site) -> None:
    size = site.spec.page_size

    def page(_q: Query) -> Reply:
        script = (
            "<script>\nvar seg = ['aj' + 'ax', 'nd' + 'bg', 'que' + 'ry'];\n"
            "var api = '/' + seg.join('/') + '.action';\n"
            f"var q = {{ lmid: '42', start: 0, count: {size} }};\n"
            "$.ajax({ url: api, data: q, success: function (r) { draw(r.rs); } });\n</script>"
        )
        return _shell(site, f'<div class="ybj-list"></div>{script}')

    def data(q: Query) -> Reply:
        if (q.get("lmid") or [""])[0] != "42":
            return _json({"rs": [], "msg": "栏目不存在"})
        items = site._items()
        start, n = _int(q, "start", 0), _int(q, "count", 10)
        rows = items[start : start + n] if start >= 0 and n >= 1 else []
        return _json({"rs": [{"wzbt": t, "wzlj": h, "fbsj": d} for t, h, d in rows], "zs": len(items)})

    site.routes[list_path(site)] = page
    site.routes["/ajax/ndbg/query.action"] = data
