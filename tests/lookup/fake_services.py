"""A local HTTP server on 127.0.0.1 standing in for Crossref, arXiv, DBLP and Semantic
Scholar: it answers from tests/fixtures/lookup/papers.json in the formats the real services
document (Crossref's JSON ``message``, arXiv's Atom feed, DBLP's ``result.hits`` JSON and
``/rec/{key}.bib``, Semantic Scholar's ``data`` list), and can be told to answer the next
requests of a service with something else: a 429 with ``Retry-After``, an HTML error page,
a malformed body, a slow answer."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import unicodedata
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from paths import FIXTURES

PAPERS = FIXTURES / "lookup" / "papers.json"
SERVICES = ("crossref", "arxiv", "dblp", "semanticscholar")
Answer = tuple[int, dict[str, str], str]


@dataclass
class Scripted:
    """An answer given instead of the normal one, ``times`` times, after ``delay`` s."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    delay: float = 0.0
    path: str = ""
    #: after answering, close the connection without saying so (as an idle timeout does)
    drop: bool = False


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", text.lower())


def _similarity(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, " ".join(_words(a)), " ".join(_words(b))).ratio()


def _split(name: str) -> tuple[str, str]:
    given, _, family = name.rpartition(" ")
    return given, family


def _latex_name(name: str) -> str:
    return name.replace("\u00f8", "{\\o}").replace("\u00e1", "{\\'{a}}")


class FakeServices:
    """The four services under one local server: ``endpoints`` maps each to its base URL;
    ``requests`` lists (service, path) of every request; ``script`` queues other answers."""

    def __init__(self, papers: Path = PAPERS) -> None:
        self.papers: list[dict[str, Any]] = json.loads(papers.read_text("utf-8"))["papers"]
        self.requests: list[tuple[str, str]] = []
        #: the headers of each request, in the order of ``requests``
        self.headers: list[dict[str, str]] = []
        self.scripts: dict[str, list[Scripted]] = {s: [] for s in SERVICES}
        self._lock = threading.Lock()
        self.port = 0

    # ------------------------------------------------------------------ control

    @property
    def endpoints(self) -> dict[str, str]:
        return {s: f"http://127.0.0.1:{self.port}/{s}" for s in SERVICES}

    def script(self, service: str, answer: Scripted) -> None:
        self.scripts[service].append(answer)

    def count(self, service: str | None = None) -> int:
        return sum(1 for s, _ in self.requests if service is None or s == service)

    @contextmanager
    def running(self) -> Iterator[FakeServices]:
        services = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                status, headers, body, drop = services.answer(self.path, dict(self.headers))
                data = body.encode("utf-8")
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the slow-answer tests)
                if drop:
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                  daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    # ------------------------------------------------------------------ answers

    def answer(self, raw_path: str, headers: dict[str, str] | None = None
               ) -> tuple[int, dict[str, str], str, bool]:
        parts = urllib.parse.urlsplit(raw_path)
        service, _, path = parts.path.lstrip("/").partition("/")
        path = "/" + urllib.parse.unquote(path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append((service, raw_path))
            self.headers.append({k.lower(): v for k, v in (headers or {}).items()})
            queue = self.scripts.get(service, [])
            scripted = next((s for s in queue if s.path in raw_path), None)
            if scripted is not None:
                scripted.times -= 1
                if scripted.times <= 0:
                    queue.remove(scripted)
        drop = scripted is not None and scripted.drop
        if scripted is not None:
            time.sleep(scripted.delay)
            if scripted.status:
                return scripted.status, scripted.headers, scripted.body, drop
        handler = getattr(self, f"_{service}", None)
        if handler is None:
            return 404, {"Content-Type": "text/html"}, "<html><body>Not Found</body></html>", drop
        answer: Answer = handler(path, query)
        return (*answer, drop)

    def _published(self) -> list[dict[str, Any]]:
        return [p for p in self.papers if p["kind"] != "corr"]

    # Crossref: /works/{doi}, /works/{doi}/transform/application/x-bibtex, /works?query...
    def _crossref(self, path: str, query: dict[str, str]) -> Answer:
        json_type = {"Content-Type": "application/json",
                     "X-Rate-Limit-Limit": "50", "X-Rate-Limit-Interval": "1s"}
        if path.rstrip("/") == "/works":
            wanted = query.get("query.bibliographic", "")
            rows = int(query.get("rows", "20"))
            scored = sorted(((_similarity(wanted, p["title"]), p) for p in self.papers
                             if p.get("doi")), key=lambda sp: -sp[0])[:rows]
            items = [dict(self._crossref_work(p), score=round(80 * s, 3)) for s, p in scored]
            body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                    "message": {"facets": {}, "total-results": len(items), "items": items,
                                "items-per-page": rows, "query": {
                                    "start-index": 0, "search-terms": None}}}
            return 200, json_type, json.dumps(body)
        transform = "/transform/application/x-bibtex"
        doi = path[len("/works/"):].lower()
        bibtex = doi.endswith(transform)
        doi = doi[: -len(transform)] if bibtex else doi
        paper = next((p for p in self.papers if p.get("doi") == doi), None)
        if paper is None:
            return 404, {"Content-Type": "text/plain"}, "Resource not found."
        if bibtex:
            return 200, {"Content-Type": "application/x-bibtex"}, self._crossref_bibtex(paper)
        body = {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                "message": self._crossref_work(paper)}
        return 200, json_type, json.dumps(body)

    def _crossref_work(self, p: dict[str, Any]) -> dict[str, Any]:
        kind = {"conference": "proceedings-article", "journal": "journal-article"}[p["kind"]]
        date = {"date-parts": [[p["year"], 6]]}
        work: dict[str, Any] = {
            "indexed": {"date-parts": [[2024, 1, 5]], "timestamp": 1704412800000},
            "publisher": p.get("publisher", ""), "DOI": p["doi"], "type": kind,
            "created": date, "source": "Crossref", "is-referenced-by-count": 12,
            "title": [p["title"]], "prefix": p["doi"].split("/")[0], "member": "263",
            "author": [{"given": _split(a)[0], "family": _split(a)[1],
                        "sequence": "first" if i == 0 else "additional", "affiliation": []}
                       for i, a in enumerate(p["authors"])],
            "container-title": [p.get("journal") or p.get("booktitle", "")],
            "published-print": date, "published": date, "issued": date,
            "URL": f"https://doi.org/{p['doi']}", "page": p.get("pages", "")}
        if p.get("volume"):
            work["volume"] = p["volume"]
        return work

    def _crossref_bibtex(self, p: dict[str, Any]) -> str:
        kind = "article" if p["kind"] == "journal" else "inproceedings"
        venue = (f"journal={{{p['journal']}}}, volume={{{p.get('volume', '')}}}, "
                 if kind == "article" else f"booktitle={{{p['booktitle']}}}, ")
        authors = " and ".join(f"{_split(a)[1]}, {_split(a)[0]}" for a in p["authors"])
        first = _split(p["authors"][0])[1]
        return (f" @{kind}{{{first}_{p['year']}, title={{{p['title']}}}, "
                f"url={{http://dx.doi.org/{p['doi']}}}, DOI={{{p['doi']}}}, {venue}"
                f"publisher={{{p.get('publisher', '')}}}, author={{{authors}}}, "
                f"year={{{p['year']}}}, month=jun, pages={{{p.get('pages', '')}}} }}\n")

    # arXiv: /api/query?id_list=
    def _arxiv(self, path: str, query: dict[str, str]) -> Answer:
        atom = {"Content-Type": "application/atom+xml; charset=UTF-8"}
        wanted = query.get("id_list", "")
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom">\n'
                f'  <link href="http://arxiv.org/api/query?id_list={escape(wanted)}" '
                'rel="self" type="application/atom+xml"/>\n'
                f'  <title type="html">ArXiv Query: id_list={escape(wanted)}</title>\n'
                '  <id>http://arxiv.org/api/QbJxV1</id>\n'
                '  <updated>2024-01-05T00:00:00-05:00</updated>\n')
        count = ('  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/'
                 'opensearch/1.1/">{n}</opensearch:totalResults>\n')
        if not re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?|[a-z\-]+(\.[A-Z]{2})?/\d{7}", wanted):
            entry = ('  <entry>\n    <id>http://arxiv.org/api/errors#incorrect_id_format_for_'
                     f'{escape(wanted)}</id>\n    <title>Error</title>\n    <summary>incorrect '
                     f'id format for {escape(wanted)}</summary>\n  </entry>\n')
            return 200, atom, head + count.format(n=1) + entry + "</feed>\n"
        record = next((p for p in self._published() if p.get("arxiv") == wanted), None) or \
            next((p for p in self.papers if p.get("arxiv") == wanted), None)
        if record is None:
            return 200, atom, head + count.format(n=0) + "</feed>\n"
        year = record.get("arxiv_year", record["year"])
        ns = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'
        lines = [f"    <id>http://arxiv.org/abs/{wanted}v2</id>",
                 f"    <updated>{year}-11-02T10:00:00Z</updated>",
                 f"    <published>{year}-06-10T17:26:35Z</published>",
                 f"    <title>{escape(record.get('arxiv_title', record['title']))}</title>",
                 "    <summary>  A summary of the paper, on two\n lines.\n</summary>"]
        lines += [f"    <author>\n      <name>{escape(a)}</name>\n    </author>"
                  for a in record["authors"]]
        if record.get("arxiv_doi"):
            lines.append(f"    <arxiv:doi {ns}>{record['arxiv_doi']}</arxiv:doi>")
            lines.append(f'    <link title="doi" href="http://dx.doi.org/{record["arxiv_doi"]}"'
                         ' rel="related"/>')
        if record.get("journal_ref"):
            lines.append(f"    <arxiv:comment {ns}>Published at {record['journal_ref']}"
                         "</arxiv:comment>")
            lines.append(f"    <arxiv:journal_ref {ns}>{record['journal_ref']}"
                         "</arxiv:journal_ref>")
        lines += [f'    <link href="http://arxiv.org/abs/{wanted}v2" rel="alternate" '
                  'type="text/html"/>',
                  f'    <link title="pdf" href="http://arxiv.org/pdf/{wanted}v2" rel="related"'
                  ' type="application/pdf"/>',
                  f'    <arxiv:primary_category {ns} term="cs.LG" '
                  'scheme="http://arxiv.org/schemas/atom"/>',
                  '    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>']
        entry = "  <entry>\n" + "\n".join(lines) + "\n  </entry>\n"
        return 200, atom, head + count.format(n=1) + entry + "</feed>\n"

    # DBLP: /search/publ/api?q=&format=json, /rec/{key}.bib
    def _dblp(self, path: str, query: dict[str, str]) -> Answer:
        if path.startswith("/rec/") and path.endswith(".bib"):
            key = path[len("/rec/"):-len(".bib")]
            paper = next((p for p in self.papers if p["dblp"] == key), None)
            if paper is None:
                return 404, {"Content-Type": "text/html"}, "<html><body>Error 404</body></html>"
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, self._dblp_bibtex(paper)
        if path != "/search/publ/api":
            return 404, {"Content-Type": "text/html"}, "<html><body>Error 404</body></html>"
        words = _words(query.get("q", ""))
        hits = []
        for n, p in enumerate(self.papers):
            title_words = _words(p["title"])
            if words and all(any(t.startswith(w) for t in title_words) for w in words):
                hits.append({"@score": "6", "@id": str(4000 + n), "info": self._dblp_info(p),
                             "url": f"URL#{4000 + n}"})
        block: dict[str, Any] = {"@total": str(len(hits)), "@computed": str(len(hits)),
                                 "@sent": str(len(hits)), "@first": "0"}
        if hits:
            block["hit"] = hits
        body = {"result": {"query": " ".join(w + "*" for w in words),
                           "status": {"@code": "200", "text": "OK"},
                           "time": {"@unit": "msecs", "text": "2.41"}, "hits": block}}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _dblp_info(self, p: dict[str, Any]) -> dict[str, Any]:
        people = [{"@pid": f"{i}/{len(a)}", "text": a} for i, a in enumerate(p["authors"])]
        info: dict[str, Any] = {
            "authors": {"author": people[0] if len(people) == 1 else people},
            "title": p["title"] + ".", "venue": p["venue"], "year": str(p["year"]),
            "access": "open", "key": p["dblp"], "url": f"https://dblp.org/rec/{p['dblp']}"}
        if p["kind"] == "corr":
            info.update({"volume": f"abs/{p['arxiv']}", "type": "Informal and Other Publications",
                         "doi": f"10.48550/ARXIV.{p['arxiv']}",
                         "ee": f"https://doi.org/10.48550/arXiv.{p['arxiv']}"})
        else:
            info["type"] = ("Journal Articles" if p["kind"] == "journal"
                            else "Conference and Workshop Papers")
            if p.get("pages"):
                info["pages"] = p["pages"]
            if p.get("doi"):
                info.update({"doi": p["doi"].upper(), "ee": f"https://doi.org/{p['doi']}"})
            else:
                info["ee"] = f"https://openreview.net/forum?id={p['dblp'][-6:]}"
        return info

    def _dblp_bibtex(self, p: dict[str, Any]) -> str:
        authors = " and\n                  ".join(_latex_name(a) for a in p["authors"])
        fields = [("author", authors), ("title", p["title"])]
        if p["kind"] == "corr":
            kind = "article"
            fields += [("journal", "CoRR"), ("volume", f"abs/{p['arxiv']}"),
                       ("year", str(p["year"])), ("url", f"https://arxiv.org/abs/{p['arxiv']}"),
                       ("eprinttype", "arXiv"), ("eprint", p["arxiv"])]
        else:
            kind = "article" if p["kind"] == "journal" else "inproceedings"
            fields += [("journal", p["journal"])] if kind == "article" else \
                [("booktitle", p["booktitle"])]
            if p.get("volume"):
                fields.append(("volume", p["volume"]))
            if p.get("pages"):
                fields.append(("pages", p["pages"].replace("-", "--")))
            fields.append(("year", str(p["year"])))
            if p.get("doi"):
                fields.append(("doi", p["doi"].upper()))
            fields.append(("url", f"https://openreview.net/forum?id={p['dblp'][-6:]}"))
        fields += [("timestamp", "Thu, 04 Jan 2024 10:00:00 +0100"),
                   ("biburl", f"https://dblp.org/rec/{p['dblp']}.bib"),
                   ("bibsource", "dblp computer science bibliography, https://dblp.org")]
        body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields)
        return f"@{kind}{{DBLP:{p['dblp']},\n{body}\n}}\n"

    # Semantic Scholar: /graph/v1/paper/search/match?query=&fields=
    def _semanticscholar(self, path: str, query: dict[str, str]) -> Answer:
        json_type = {"Content-Type": "application/json"}
        if path != "/graph/v1/paper/search/match":
            return 404, json_type, json.dumps({"error": "Not found"})
        wanted = query.get("query", "")
        scored = sorted(((_similarity(wanted, p["title"]), p) for p in self._published()),
                        key=lambda sp: -sp[0])
        if not scored or scored[0][0] < 0.8:
            return 404, json_type, json.dumps({"error": "Title match not found"})
        score, p = scored[0]
        ids: dict[str, Any] = {"DBLP": p["dblp"], "CorpusId": 230000 + len(p["title"])}
        if p.get("arxiv"):
            ids["ArXiv"] = p["arxiv"]
        if p.get("doi"):
            ids["DOI"] = p["doi"]
        row = {"paperId": hashlib.sha1(p["title"].encode()).hexdigest(), "externalIds": ids,
               "title": p["title"], "matchScore": round(200 * score, 2),
               "authors": [{"authorId": str(1000 + i), "name": a}
                           for i, a in enumerate(p["authors"])],
               "year": p["year"], "venue": p.get("booktitle") or p.get("journal", ""),
               "publicationTypes": ["JournalArticle"] if p["kind"] == "journal"
               else ["Conference"],
               "journal": {"name": p.get("journal", ""), "pages": p.get("pages", "")}}
        return 200, json_type, json.dumps({"data": [row]})
