"""The sample web's agencies: who they are, which CMS family their site runs, what is odd.

Each oddity exists because real sites have it and the crawler must cope:
GBK pages, titles without a year, a robots.txt rule, a slow host, a host that
answers 500, an article that redirects to a foreign host, dead links, reports
published as pictures, two agencies sharing one portal host.
"""

from __future__ import annotations

from dataclasses import dataclass, field

YEARS = tuple(range(2019, 2026))


@dataclass(frozen=True)
class SiteSpec:
    agency_id: str
    name: str
    family: str  # static_list | hanweb_datastore | json_api | per_year_query | generic, or a DYNAMIC one
    host: int  # index into the host addresses (0 → 127.0.0.2 by default)
    region_code: str
    level: str
    kind: str = "department"
    parent_id: str = ""
    charset: str = "utf-8"  # or "gbk"
    formats: tuple[str, ...] = ("pdf",)  # attachment formats, cycled over the years
    style: str = "trs"  # synth HTML style
    page_size: int = 4
    year_in_title: bool = True
    robots: str = ""  # robots.txt body ("" → 404)
    slow: bool = False
    fail_500: bool = False
    foreign_redirect_year: int | None = None
    dead_article_year: int | None = None
    dead_attachment_year: int | None = None
    picture_years: tuple[int, ...] = ()
    prefix: str = ""  # path prefix when several agencies share a host
    etag: bool = True
    extra: dict[str, str] = field(default_factory=dict)


# fmt: off
SITES: tuple[SiteSpec, ...] = (
    SiteSpec("lc-sthjj", "聊城市生态环境局", "static_list", 0, "371500", "city", parent_id="lc-gov",
             formats=("pdf",), dead_attachment_year=2021),
    SiteSpec("lc-jyj", "聊城市教育局", "static_list", 1, "371500", "city", parent_id="lc-gov",
             charset="gbk", formats=("doc", "docx"), style="plain"),
    SiteSpec("lc-czj", "聊城市财政局", "static_list", 2, "371500", "city", parent_id="lc-gov",
             year_in_title=False, robots="User-agent: *\nDisallow: /xxgk/ndbg/202001/\n"),
    SiteSpec("lc-gaj", "聊城市公安局", "hanweb_datastore", 3, "371500", "city", parent_id="lc-gov"),
    SiteSpec("lc-rsj", "聊城市人力资源和社会保障局", "hanweb_datastore", 4, "371500", "city",
             parent_id="lc-gov", charset="gbk", formats=("docx",), style="spans"),
    SiteSpec("lc-zjj", "聊城市住房和城乡建设局", "json_api", 5, "371500", "city", parent_id="lc-gov"),
    SiteSpec("lc-wjw", "聊城市卫生健康委员会", "json_api", 6, "371500", "city", parent_id="lc-gov",
             formats=("docx", "pdf"), picture_years=(2019,)),
    SiteSpec("lc-slj", "聊城市水利局", "per_year_query", 7, "371500", "city", parent_id="lc-gov", etag=False),
    SiteSpec("lc-nyncj", "聊城市农业农村局", "per_year_query", 8, "371500", "city", parent_id="lc-gov",
             charset="gbk"),
    SiteSpec("lc-gov", "聊城市人民政府", "generic", 9, "371500", "city", kind="government",
             parent_id="sd-gov"),
    SiteSpec("lc-bgs", "聊城市人民政府办公室", "static_list", 9, "371500", "city", parent_id="lc-gov",
             prefix="/bgs", style="plain"),
    SiteSpec("lc-scjgj", "聊城市市场监督管理局", "static_list", 10, "371500", "city", parent_id="lc-gov",
             slow=True),
    SiteSpec("lc-yjj", "聊城市应急管理局", "static_list", 11, "371500", "city", parent_id="lc-gov",
             fail_500=True),
    SiteSpec("lc-swj", "聊城市商务局", "static_list", 12, "371500", "city", parent_id="lc-gov",
             foreign_redirect_year=2021, dead_article_year=2022),
    SiteSpec("gaotang", "高唐县人民政府", "hanweb_datastore", 13, "371526", "county", kind="government",
             parent_id="lc-gov", formats=("pdf", "docx")),
    SiteSpec("sd-gov", "山东省人民政府", "json_api", 14, "370000", "province", kind="government",
             charset="utf-8", formats=("pdf",)),
    # Lists built in the browser from an endpoint (SITES.md §2 and §4), one vendor each; see dynamic.py.
    SiteSpec("lc-zrzyj", "聊城市自然资源和规划局", "vue_gateway", 15, "371500", "city", parent_id="lc-gov",
             formats=("docx",), page_size=5),
    SiteSpec("lc-whlyj", "聊城市文化和旅游局", "jquery_post", 16, "371500", "city", parent_id="lc-gov",
             formats=("",), page_size=6),
    SiteSpec("lc-mzj", "聊城市民政局", "fetch_json_post", 17, "371500", "city", parent_id="lc-gov",
             formats=("docx", ""), page_size=5),
    SiteSpec("lc-tyjrj", "聊城市退役军人事务局", "jsonp", 18, "371500", "city", parent_id="lc-gov",
             formats=("",), page_size=4),
    SiteSpec("lc-jtysj", "聊城市交通运输局", "html_in_json", 19, "371500", "city", parent_id="lc-gov",
             formats=("", "docx"), page_size=5),
    SiteSpec("lc-tjj", "聊城市统计局", "trs_dynamic", 20, "371500", "city", parent_id="lc-gov",
             formats=("",), page_size=5),
    SiteSpec("lc-ybj", "聊城市医疗保障局", "assembled_url", 21, "371500", "city", parent_id="lc-gov",
             formats=("",), page_size=5),
)
DYNAMIC = ("vue_gateway", "jquery_post", "fetch_json_post", "jsonp", "html_in_json", "trs_dynamic", "assembled_url")
# fmt: on

# The hosts the benchmark multiplies: ordinary sites only (no deliberate failures).
TEMPLATES_FOR_BENCHMARK = tuple(s for s in SITES if not (s.slow or s.fail_500 or s.foreign_redirect_year or s.prefix))
