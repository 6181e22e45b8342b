"""A real git server standing in for the Overleaf git bridge in tests.

``GitServer`` keeps a bare repository and serves it over smart HTTP (``git http-backend``
as CGI behind ``http.server`` on 127.0.0.1, a free port) with HTTP basic auth (user
``git``, a token as password), like the bridge. A pre-receive hook rejects pushes to any
branch but the project's own and branch deletions; ``receive.denyNonFastForwards`` rejects
forced pushes. ``web_edit`` commits straight into the bare repository, as a co-author in
Overleaf's web editor would. ``file_url`` serves the same repository over ``file://``.

Switches for the ways a real bridge misbehaves: ``push_answer`` ("drop": apply the push,
then close the connection without an answer; "hang": apply it, then answer only when the
server stops), ``redirect_to`` (answer every request with a 302 to another URL),
``refuse_pushes(message)`` (the pre-receive hook refuses with that message), and ``host``
(serve on another loopback address, e.g. 127.0.0.2, which git treats as another host).
``auth_seen`` records every (user, password) the server was sent.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

_HOOK = """#!/bin/sh
# Mimic the Overleaf git bridge: only the project's branch, never deleted.
zero=0000000000000000000000000000000000000000
if [ -f "$GIT_DIR/refuse-message" ]; then
  cat "$GIT_DIR/refuse-message" >&2
  exit 1
fi
while read old new ref; do
  if [ "$ref" != "refs/heads/{branch}" ]; then
    echo "error: only the project's branch {branch} can be pushed, not $ref" >&2
    exit 1
  fi
  if [ "$new" = "$zero" ]; then
    echo "error: the project's branch cannot be deleted" >&2
    exit 1
  fi
done
exit 0
"""


def git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        stdin: bytes | None = None) -> str:
    """Run git (checked), return stdout as text."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(["git", *args], cwd=cwd, env=full_env, input=stdin,
                          capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
    return proc.stdout.decode()


class GitServer:
    """A bare repository ``project.git`` under ``base``, served over HTTP with a token."""

    def __init__(self, base: Path, *, token: str = "olp_test_token_5f2c9a",
                 branch: str = "master", files: dict[str, str] | None = None,
                 host: str = "127.0.0.1"):
        self.base = base
        self.host = host
        self.token = token
        self.branch = branch
        self.bare = base / "project.git"
        #: called (with the request path) before a push is handed to git; tests race with it
        self.before_receive: Callable[[str], None] | None = None
        #: (method, path, status) of every request, for assertions
        self.requests: list[tuple[str, str, int]] = []
        #: (user, password) of every Authorization header received, right or wrong
        self.auth_seen: list[tuple[str, str]] = []
        #: "drop" or "hang": what happens to the answer of a push the server applied
        self.push_answer: Literal["drop", "hang"] | None = None
        #: answer every request with a 302 to this URL prefix (plus the request's path)
        self.redirect_to: str | None = None
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        git("init", "--quiet", "--bare", "-b", branch, str(self.bare))
        git("config", "receive.denyNonFastForwards", "true", cwd=self.bare)
        git("config", "receive.denyDeletes", "true", cwd=self.bare)
        git("config", "http.receivepack", "true", cwd=self.bare)
        hook = self.bare / "hooks" / "pre-receive"
        hook.write_text(_HOOK.format(branch=branch))
        hook.chmod(0o755)
        self.web_edit(files if files is not None else {"main.tex": _MAIN_TEX},
                      message="Initial project")

    # -- repository -------------------------------------------------------------------

    @property
    def file_url(self) -> str:
        return self.bare.as_uri()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://{self.host}:{self._httpd.server_address[1]}/project.git"

    def refuse_pushes(self, message: str | None) -> None:
        """Make the pre-receive hook refuse every push with ``message`` (None: accept again)."""
        flag = self.bare / "refuse-message"
        if message is None:
            flag.unlink(missing_ok=True)
        else:
            flag.write_text(message + "\n")

    def head(self, branch: str | None = None) -> str:
        ref = f"refs/heads/{branch or self.branch}"
        return git("rev-parse", "--verify", "--quiet", ref, cwd=self.bare).strip()

    def show(self, path: str, rev: str | None = None) -> str | None:
        """Content of ``path`` at ``rev`` (default: branch head); None if absent."""
        proc = subprocess.run(["git", "show", f"{rev or self.head()}:{path}"], cwd=self.bare,
                              capture_output=True, timeout=60)
        return proc.stdout.decode() if proc.returncode == 0 else None

    def files(self, rev: str | None = None) -> list[str]:
        out = git("ls-tree", "-r", "--name-only", rev or self.head(), cwd=self.bare)
        return out.split()

    def log(self, rev: str | None = None) -> list[str]:
        """Commit ids from ``rev`` (default: head) back to the first commit."""
        return git("rev-list", rev or self.head(), cwd=self.bare).split()

    def message(self, rev: str | None = None) -> str:
        return git("log", "-1", "--format=%B", rev or self.head(), cwd=self.bare)

    def is_ancestor(self, older: str, newer: str) -> bool:
        proc = subprocess.run(["git", "merge-base", "--is-ancestor", older, newer],
                              cwd=self.bare, capture_output=True, timeout=60)
        return proc.returncode == 0

    def web_edit(self, files: dict[str, str | None], *, message: str = "Update on Overleaf",
                 branch: str | None = None, symlinks: dict[str, str] | None = None) -> str:
        """Commit ``files`` (None deletes) on top of the branch, as the web editor does."""
        ref = f"refs/heads/{branch or self.branch}"
        old = git("rev-parse", "--verify", "--quiet", ref, cwd=self.bare, env=None).strip() \
            if self._has_ref(ref) else ""
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"),
                   "GIT_AUTHOR_NAME": "Co Author", "GIT_AUTHOR_EMAIL": "co@example.org",
                   "GIT_COMMITTER_NAME": "Overleaf", "GIT_COMMITTER_EMAIL": "ol@example.org"}
            if old:
                git("read-tree", old, cwd=self.bare, env=env)
            entries = [(p, c, "100644") for p, c in files.items()]
            entries += [(p, t, "120000") for p, t in (symlinks or {}).items()]
            for path, content, mode in entries:
                if content is None:
                    # Why: --force-remove needs a work tree; a zero-mode index line does not.
                    git("update-index", "--index-info", cwd=self.bare, env=env,
                        stdin=f"0 {'0' * 40}\t{path}\n".encode())
                    continue
                blob = git("hash-object", "-w", "--stdin", cwd=self.bare,
                           stdin=content.encode()).strip()
                git("update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}",
                    cwd=self.bare, env=env)
            tree = git("write-tree", cwd=self.bare, env=env).strip()
            parents = ["-p", old] if old else []
            commit = git("commit-tree", tree, *parents, "-m", message, cwd=self.bare,
                         env=env).strip()
        git("update-ref", ref, commit, *([old] if old else []), cwd=self.bare)
        return commit

    def _has_ref(self, ref: str) -> bool:
        return subprocess.run(["git", "rev-parse", "--verify", "--quiet", ref], cwd=self.bare,
                              capture_output=True, timeout=60).returncode == 0

    # -- HTTP -------------------------------------------------------------------------

    def start(self) -> GitServer:
        handler = type("Handler", (_GitHandler,), {"git_server": self})
        self._stopping.clear()
        self._httpd = ThreadingHTTPServer((self.host, 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # release answers held back by push_answer="hang"
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @contextmanager
    def running(self) -> Iterator[GitServer]:
        self.start()
        try:
            yield self
        finally:
            self.stop()


_MAIN_TEX = r"""\documentclass{article}
\usepackage{natbib}
\begin{document}
\section{Introduction}
Our paper.
\input{related_work}
\bibliographystyle{plainnat}
\bibliography{related_work}
\end{document}
"""


class _GitHandler(BaseHTTPRequestHandler):
    """Smart HTTP through ``git http-backend`` (CGI), with basic auth like the bridge."""

    git_server: GitServer
    protocol_version = "HTTP/1.0"  # one request per connection: no keep-alive bookkeeping

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        return  # keep test output quiet

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self._serve()

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        self.git_server.auth_seen.append((user, password))
        return user == "git" and password == self.git_server.token

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        server = self.git_server
        path, _, query = self.path.partition("?")
        if server.redirect_to is not None:
            self.send_response(302)
            self.send_header("Location", server.redirect_to.rstrip("/") + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            server.requests.append((self.command, self.path, 302))
            return
        if not self._authorised():
            body = b"Authentication required\n"
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="Overleaf git bridge"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            server.requests.append((self.command, self.path, 401))
            return
        body = self._body() if self.command == "POST" else b""
        if self.command == "POST" and path.endswith("/git-receive-pack") \
                and server.before_receive is not None:
            server.before_receive(path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(server.base),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": "git",
            "REMOTE_ADDR": self.client_address[0],
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.0",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        proc = subprocess.run(["git", "http-backend"], input=body, env=env,
                              capture_output=True, timeout=120)
        if self.command == "POST" and path.endswith("/git-receive-pack") and server.push_answer:
            # The push is applied; its answer is lost (dropped now, or held until the end).
            if server.push_answer == "hang":
                server._stopping.wait()
            server.requests.append((self.command, self.path, 0))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        server.requests.append((self.command, self.path, status))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for 'server down' tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
