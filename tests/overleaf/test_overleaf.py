"""Overleaf sync against a real git server (smart HTTP with a token, and file://)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from gitserver import GitServer, free_port, git

from relwork import overleaf
from relwork.config import Config, load_config
from relwork.errors import ConfigError, SyncError
from relwork.overleaf import SyncResult, redact_url, resolve_token, sync

SECTION = "\\section{Related Work}\nDeep nets \\citep{he2016deep} work.\n"
SECTION_2 = "\\section{Related Work}\nDeep nets \\citep{he2016deep} work well.\n"
BIB = "@inproceedings{he2016deep,\n  title = {Deep Residual Learning},\n  year = {2016}\n}\n"
NOTES = ["summaries/resnet.md", "summaries/gan.md"]


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config (identity, helpers) and no token from the shell."""
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("OVERLEAF_TOKEN", raising=False)


@pytest.fixture
def server(git_server: GitServer) -> GitServer:
    return git_server


def make_config(root: Path, remote: str, extra: str = "") -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "relwork.yaml").write_text(f"overleaf:\n  remote: {remote}\n{extra}")
    return load_config(root / "relwork.yaml")


@pytest.fixture
def project(tmp_path: Path, server: GitServer) -> Config:
    """A relwork project pointing at the HTTP server."""
    return make_config(tmp_path / "paper", server.url)


def run(config: Config, server: GitServer, section: str = SECTION, **kwargs: object) -> SyncResult:
    kwargs.setdefault("token", server.token)
    return sync(config, section_text=section, bib_text=BIB, notes=NOTES, **kwargs)  # type: ignore[arg-type]


def all_bytes_under(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
                    and not p.is_symlink())


# --- first sync and re-sync --------------------------------------------------------------


@pytest.mark.parametrize("transport", ["http", "file"])
def test_first_sync_into_existing_project(tmp_path: Path, server: GitServer,
                                          transport: str) -> None:
    remote = server.url if transport == "http" else server.file_url
    config = make_config(tmp_path / "paper", remote)
    start = server.head()
    main_tex = server.show("main.tex")

    result = run(config, server)

    assert result.status == "pushed"
    assert result.commit == server.head()
    assert server.log() == [result.commit, start]  # one commit on top, no rewrite
    assert sorted(server.files()) == ["main.tex", "related_work.bib", "related_work.tex"]
    assert server.show("related_work.tex") == SECTION
    assert server.show("related_work.bib") == BIB
    assert server.show("main.tex") == main_tex
    message = server.message()
    assert all(note in message for note in NOTES)
    assert "+Deep nets \\citep{he2016deep} work." in result.diff
    state = json.loads((config.root / ".relwork" / "overleaf-state.json").read_text())
    assert state["commit"] == result.commit
    assert set(state["files"]) == {"related_work.tex", "related_work.bib"}


def test_resync_without_change_makes_no_commit(project: Config, server: GitServer) -> None:
    first = run(project, server)
    second = run(project, server)
    assert second.status == "unchanged"
    assert second.commit is None
    assert server.head() == first.commit
    assert any("nothing to push" in m for m in second.messages)


def test_resync_with_change_fast_forwards(project: Config, server: GitServer) -> None:
    first = run(project, server)
    second = run(project, server, section=SECTION_2)
    assert second.status == "pushed"
    assert server.log()[:2] == [second.commit, first.commit]
    assert server.show("related_work.tex") == SECTION_2
    assert "+Deep nets \\citep{he2016deep} work well." in second.diff
    assert "-Deep nets \\citep{he2016deep} work." in second.diff


def test_working_copy_is_reset_to_the_server(project: Config, server: GitServer) -> None:
    run(project, server)
    workdir = project.root / ".relwork" / "overleaf"
    (workdir / "stray.txt").write_text("left behind\n")
    (workdir / "main.tex").write_text("local damage\n")
    server.web_edit({"intro.tex": "Intro.\n"})
    result = run(project, server, section=SECTION_2)
    assert result.status == "pushed"
    assert "stray.txt" not in server.files()
    assert server.show("main.tex") != "local damage\n"
    assert server.show("intro.tex") == "Intro.\n"


def test_dry_run_shows_diff_and_pushes_nothing(project: Config, server: GitServer) -> None:
    start = server.head()
    result = run(project, server, dry_run=True)
    assert result.status == "dry-run"
    assert result.commit is None
    assert "+++ b/related_work.tex" in result.diff
    assert "+Deep nets" in result.diff
    assert server.head() == start
    assert not (project.root / ".relwork" / "overleaf-state.json").exists()


@pytest.mark.git
def test_remote_head_branch_is_used(tmp_path: Path) -> None:
    with GitServer(tmp_path / "srv", branch="main").running() as srv:
        config = make_config(tmp_path / "paper", srv.url)
        result = run(config, srv)
        assert result.status == "pushed"
        assert srv.head("main") == result.commit


def test_unknown_configured_branch_is_refused(tmp_path: Path, server: GitServer) -> None:
    config = make_config(tmp_path / "paper", server.url, "  branch: drafts\n")
    start = server.head()
    with pytest.raises(SyncError) as err:
        run(config, server)
    text = err.value.format_message()
    assert "no branch 'drafts'" in text and "master" in text
    assert "relwork.yaml:3" in text  # names the config line
    assert server.head() == start


def test_server_rejects_push_to_another_branch(tmp_path: Path, server: GitServer) -> None:
    # The bridge accepts only the project's branch; relwork reports the server's reason.
    server.web_edit({"x.tex": "x\n"}, branch="other")
    config = make_config(tmp_path / "paper", server.url, "  branch: other\n")
    with pytest.raises(SyncError) as err:
        run(config, server)
    assert "only the project's branch master can be pushed" in err.value.format_message()
    assert server.files("other") == ["x.tex"]  # the branch is unchanged


# --- concurrent web edits ----------------------------------------------------------------


def test_web_edit_between_fetch_and_push_is_kept(project: Config, server: GitServer) -> None:
    web_commits: list[str] = []

    def co_author_edits(attempt: int) -> None:
        if attempt == 1:  # after relwork fetched and committed, before it pushes
            web_commits.append(server.web_edit({"main.tex": "% edited on the web\n"}))

    lines: list[str] = []
    result = run(project, server, before_push=co_author_edits, progress=lines.append)

    assert result.status == "pushed"
    assert server.head() == result.commit
    assert server.is_ancestor(web_commits[0], result.commit)  # the web edit is kept
    assert server.show("main.tex") == "% edited on the web\n"
    assert server.show("related_work.tex") == SECTION
    assert any("trying again" in m for m in result.messages)
    assert any("trying again" in line for line in lines)


def test_web_edit_during_receive_is_retried(project: Config, server: GitServer) -> None:
    # A tighter race: the edit lands after the server advertised its refs for the push.
    web_commits: list[str] = []

    def race(path: str) -> None:
        if not web_commits:
            web_commits.append(server.web_edit({"notes.tex": "web\n"}))

    server.before_receive = race
    result = run(project, server)
    assert result.status == "pushed"
    assert any("trying again" in m for m in result.messages)
    assert server.is_ancestor(web_commits[0], result.commit or "")
    assert server.show("notes.tex") == "web\n"
    assert server.show("related_work.tex") == SECTION


@pytest.mark.slow
def test_gives_up_after_max_retries(project: Config, server: GitServer) -> None:
    start = server.head()
    edits: list[int] = []

    def always(attempt: int) -> None:
        edits.append(attempt)
        server.web_edit({"main.tex": f"% edit {attempt}\n"})

    with pytest.raises(SyncError) as err:
        run(project, server, before_push=always, max_retries=2)
    assert edits == [1, 2, 3]
    assert "kept changing" in err.value.format_message()
    assert server.show("related_work.tex") is None
    assert server.is_ancestor(start, server.head())


# --- edits to relwork's own files on Overleaf -------------------------------------------


@pytest.mark.parametrize("transport", ["http", "file"])
def test_web_edit_to_managed_file_is_refused_then_overwritten(
        tmp_path: Path, server: GitServer, transport: str) -> None:
    remote = server.url if transport == "http" else server.file_url
    config = make_config(tmp_path / "paper", remote)
    run(config, server)
    edited = SECTION.replace("work.", "work, as my co-author wrote.")
    web = server.web_edit({"related_work.tex": edited}, message="Co-author fixes wording")

    with pytest.raises(SyncError) as err:
        run(config, server, section=SECTION_2)
    text = err.value.format_message()
    assert "related_work.tex was edited on Overleaf" in text
    assert "+Deep nets \\citep{he2016deep} work, as my co-author wrote." in text
    assert "-Deep nets \\citep{he2016deep} work." in text
    assert "Co-author fixes wording" in text
    assert "--overwrite" in text and "Markdown notes" in text
    assert "summaries/resnet.md" in text
    assert server.head() == web  # nothing pushed
    assert server.show("related_work.tex") == edited

    # A dry run sees the same refusal; with overwrite it shows what would replace it.
    with pytest.raises(SyncError):
        run(config, server, section=SECTION_2, dry_run=True)
    preview = run(config, server, section=SECTION_2, dry_run=True, overwrite=True)
    assert preview.status == "dry-run"
    assert "-Deep nets \\citep{he2016deep} work, as my co-author wrote." in preview.diff
    assert server.head() == web

    result = run(config, server, section=SECTION_2, overwrite=True)
    assert result.status == "pushed"
    assert server.show("related_work.tex") == SECTION_2
    assert server.is_ancestor(web, result.commit or "")  # the edit stays in history
    assert server.show("related_work.tex", web) == edited
    assert any("replaced the version on Overleaf" in m for m in result.messages)
    # The next sync trusts what relwork pushed again.
    assert run(config, server, section=SECTION_2).status == "unchanged"


def test_web_edit_to_managed_file_during_race_is_refused(project: Config,
                                                          server: GitServer) -> None:
    run(project, server)

    def co_author_edits_bib(attempt: int) -> None:
        if attempt == 1:
            server.web_edit({"related_work.bib": BIB + "@misc{extra, title={Extra}}\n"})

    with pytest.raises(SyncError) as err:
        run(project, server, section=SECTION_2, before_push=co_author_edits_bib)
    assert "related_work.bib was edited on Overleaf" in err.value.format_message()
    assert "+@misc{extra, title={Extra}}" in err.value.format_message()
    assert server.show("related_work.tex") == SECTION


def test_first_sync_with_foreign_file_at_managed_path(project: Config, server: GitServer) -> None:
    handwritten = "\\section{Related Work}\nWritten by hand on Overleaf.\n"
    web = server.web_edit({"related_work.tex": handwritten})
    with pytest.raises(SyncError) as err:
        run(project, server)
    text = err.value.format_message()
    assert "already exists in the Overleaf project and was not written by relwork" in text
    assert "-Written by hand on Overleaf." in text
    assert server.head() == web
    result = run(project, server, overwrite=True)
    assert result.status == "pushed"
    assert server.is_ancestor(web, result.commit or "")
    assert server.show("related_work.tex") == SECTION


def test_first_sync_with_identical_file_is_unchanged(project: Config, server: GitServer) -> None:
    web = server.web_edit({"related_work.tex": SECTION, "related_work.bib": BIB})
    result = run(project, server)
    assert result.status == "unchanged"
    assert server.head() == web


def test_managed_paths_from_config_in_a_folder(tmp_path: Path, server: GitServer) -> None:
    config = make_config(tmp_path / "paper", server.url,
                         "  tex: sections/related.tex\n  bib: refs/related.bib\n")
    result = run(config, server)
    assert result.status == "pushed"
    assert server.show("sections/related.tex") == SECTION
    assert server.show("refs/related.bib") == BIB


# --- tokens and secrets -----------------------------------------------------------------


def test_wrong_token_is_reported_and_never_written(project: Config, server: GitServer) -> None:
    wrong = "olp_wrong_token_8d7e6f5a"
    with pytest.raises(SyncError) as err:
        run(project, server, token=wrong)
    text = err.value.format_message()
    assert "rejected the token" in text
    assert "OVERLEAF_TOKEN" in text
    assert wrong not in text
    relwork_dir = project.root / ".relwork"
    assert wrong.encode() not in all_bytes_under(relwork_dir)
    assert wrong.encode() not in (relwork_dir / "overleaf" / ".git" / "config").read_bytes()
    assert server.show("related_work.tex") is None


def test_right_token_is_never_stored(tmp_path: Path, project: Config, server: GitServer,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Even a user whose git stores every credential must not get the token stored.
    store = tmp_path / "stored-credentials"
    gitconfig = tmp_path / "user.gitconfig"
    gitconfig.write_text(f"[credential]\n\thelper = store --file {store}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("OVERLEAF_TOKEN", server.token)
    lines: list[str] = []
    result = sync(project, section_text=SECTION, bib_text=BIB, notes=NOTES,
                  progress=lines.append)
    assert result.status == "pushed"
    assert not store.exists() or server.token not in store.read_text()
    relwork_dir = project.root / ".relwork"
    assert server.token.encode() not in all_bytes_under(relwork_dir)
    joined = "\n".join(lines + result.messages) + result.diff
    assert server.token not in joined
    assert "OVERLEAF_TOKEN" in joined


def test_token_from_git_credential_helper(tmp_path: Path, project: Config, server: GitServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "credentials"
    host = server.url.split("/")[2]
    store.write_text(f"http://git:{server.token}@{host}\n")
    gitconfig = tmp_path / "user.gitconfig"
    gitconfig.write_text(f"[credential]\n\thelper = store --file {store}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    token, origin = resolve_token(project)
    assert token == server.token and origin == "git credential helper"
    result = sync(project, section_text=SECTION, bib_text=BIB, notes=NOTES)
    assert result.status == "pushed"


def test_missing_token_says_how_to_set_it(project: Config, server: GitServer) -> None:
    with pytest.raises(SyncError) as err:
        sync(project, section_text=SECTION, bib_text=BIB, notes=NOTES)
    text = err.value.format_message()
    assert "none is set" in text and "OVERLEAF_TOKEN" in text


def test_password_in_remote_url_is_redacted(tmp_path: Path, server: GitServer) -> None:
    leaked = "olp_in_url_1234abcd"
    port = free_port()
    config = make_config(tmp_path / "paper", f"http://git:{leaked}@127.0.0.1:{port}/p.git")
    with pytest.raises(SyncError) as err:
        sync(config, section_text=SECTION, bib_text=BIB, notes=NOTES)
    assert leaked not in err.value.format_message()
    git_config = (config.root / ".relwork" / "overleaf" / ".git" / "config").read_text()
    assert leaked not in git_config
    assert f"http://127.0.0.1:{port}/p.git" in git_config


def test_password_in_remote_url_works_with_a_warning(tmp_path: Path, server: GitServer) -> None:
    url = server.url.replace("http://", f"http://git:{server.token}@")
    config = make_config(tmp_path / "paper", url)
    # the warning comes with the config, before any sync; it names the line, not the password
    [warning] = [p for p in config.problems if p.code == "config-password"]
    assert "contains a password" in warning.message
    assert str(warning.source).endswith("relwork.yaml:2")
    assert server.token not in str(warning)
    result = sync(config, section_text=SECTION, bib_text=BIB, notes=NOTES)
    assert result.status == "pushed"
    assert all(server.token not in m for m in result.messages)
    assert server.token.encode() not in all_bytes_under(config.root / ".relwork")


def test_redact_url() -> None:
    assert redact_url("https://git:s3cret@git.overleaf.com/abc") == \
        "https://git:***@git.overleaf.com/abc"
    assert redact_url("https://git.overleaf.com/abc") == "https://git.overleaf.com/abc"


# --- failures that leave everything intact ----------------------------------------------


def test_server_down_is_a_clear_error(tmp_path: Path) -> None:
    config = make_config(tmp_path / "paper", f"http://127.0.0.1:{free_port()}/project.git")
    out = config.resolve(config.output_tex)
    out.parent.mkdir(parents=True)
    out.write_text(SECTION)
    with pytest.raises(SyncError) as err:
        sync(config, section_text=SECTION, bib_text=BIB, notes=NOTES, token="olp_x_123456")
    text = err.value.format_message()
    assert "cannot reach the Overleaf git bridge" in text
    assert "local output is intact" in text
    assert "olp_x_123456" not in text
    assert out.read_text() == SECTION


@pytest.mark.slow
def test_server_that_never_answers_times_out(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relwork.overleaf.git.NETWORK_TIMEOUT", 2.0)
    with socket.socket() as silent:  # accepts connections, never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        config = make_config(tmp_path / "paper", f"http://127.0.0.1:{port}/project.git")
        with pytest.raises(SyncError) as err:
            sync(config, section_text=SECTION, bib_text=BIB, notes=NOTES, token="t0k3n_abcdef")
    assert "did not finish within 2 s" in err.value.format_message()


def test_missing_remote_is_a_config_error(tmp_path: Path) -> None:
    config = make_config(tmp_path / "paper", '""')
    with pytest.raises(ConfigError) as err:
        sync(config, section_text=SECTION, bib_text=BIB, notes=NOTES)
    assert err.value.exit_code == 2
    assert err.value.source == config.where("overleaf_remote")
    assert str(err.value.source).endswith("relwork.yaml:2")
    assert "overleaf.remote" in err.value.format_message()
    assert "relwork zip" in err.value.format_message()


def test_wrong_project_url(tmp_path: Path, server: GitServer) -> None:
    config = make_config(tmp_path / "paper", server.file_url + "-missing")
    with pytest.raises(SyncError) as err:
        sync(config, section_text=SECTION, bib_text=BIB, notes=NOTES)
    assert "no Overleaf project at" in err.value.format_message()


def test_symlinked_local_output_is_refused(project: Config, server: GitServer,
                                           tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.tex"
    secret.write_text("private\n")
    out = project.resolve(project.output_tex)
    out.parent.mkdir(parents=True)
    out.symlink_to(secret)
    start = server.head()
    with pytest.raises(SyncError) as err:
        run(project, server)
    assert "is a symbolic link" in err.value.format_message()
    assert server.head() == start
    assert secret.read_text() == "private\n"


def test_symlink_in_project_at_managed_path_is_refused(project: Config,
                                                       server: GitServer) -> None:
    web = server.web_edit({}, symlinks={"related_work.tex": "/etc/passwd"})
    with pytest.raises(SyncError) as err:
        run(project, server, overwrite=True)
    assert "symbolic link" in err.value.format_message()
    assert server.head() == web


def test_symlinked_folder_in_project_is_refused(tmp_path: Path, server: GitServer) -> None:
    web = server.web_edit({}, symlinks={"sections": "/tmp"})
    config = make_config(tmp_path / "paper", server.url, "  tex: sections/related.tex\n")
    with pytest.raises(SyncError) as err:
        run(config, server, overwrite=True)
    assert "sections" in err.value.format_message()
    assert "symbolic link" in err.value.format_message()
    assert server.head() == web


def test_oversized_file_is_refused(project: Config, server: GitServer) -> None:
    big = "%" * (overleaf.MAX_FILE_BYTES + 1)
    start = server.head()
    with pytest.raises(SyncError) as err:
        run(project, server, section=big)
    assert "over the 50 MiB limit" in err.value.format_message()
    assert server.head() == start


@pytest.mark.parametrize("bad", ["../outside.tex", "/abs/related.tex", ".git/config",
                                 "sub/.git/hooks.tex", "C:/related.tex", "sections/"])
def test_managed_path_outside_project_is_refused(tmp_path: Path, server: GitServer,
                                                 bad: str) -> None:
    config = make_config(tmp_path / "paper", server.url, f"  tex: {bad}\n")
    start = server.head()
    with pytest.raises(ConfigError) as err:
        run(config, server)
    assert "not a file path inside the project" in err.value.format_message()
    assert str(err.value.source).endswith("relwork.yaml:3") and "overleaf.tex" in str(err.value)
    assert server.head() == start and not (config.root / ".relwork").exists()


@pytest.mark.parametrize(("bad", "shown"), [
    ("a}b.tex", "'}'"), ("my section.tex", "space"), ("50%.tex", "'%'"), ("a#b.tex", "'#'"),
    ("sections\\related.tex", "'\\\\'"), ("a{b}.tex", "'{' '}'"), ("résumé.tex", "'é'"),
])
def test_managed_path_latex_cannot_input_is_refused(tmp_path: Path, bad: str,
                                                    shown: str) -> None:
    config = make_config(tmp_path / "paper", "https://git.overleaf.com/x", f"  tex: '{bad}'\n")
    with pytest.raises(ConfigError) as err:
        overleaf.check_paths(config)
    assert f"characters LaTeX cannot \\input: {shown}" in err.value.format_message()
    assert str(err.value.source).endswith("relwork.yaml:3")
    with pytest.raises(ConfigError):  # sync checks before any work
        sync(config, section_text=SECTION, bib_text=BIB, notes=NOTES)
    assert not (config.root / ".relwork").exists()


@pytest.mark.parametrize(("extra", "message"), [
    ("  tex: related_work.txt\n", "does not end in .tex"),
    ("  bib: refs.bibtex\n", "does not end in .bib"),
    ("  tex: x.tex\n  bib: x.tex\n", "does not end in .bib"),
    ("  tex: sections/related.tex\n", None),
])
def test_check_paths_wants_tex_and_bib_names(tmp_path: Path, extra: str,
                                             message: str | None) -> None:
    config = make_config(tmp_path / "paper", '""', extra)
    if message is None:
        overleaf.check_paths(config)
        return
    with pytest.raises(ConfigError, match=message):
        overleaf.check_paths(config)


def test_broken_working_copy_is_rebuilt(project: Config, server: GitServer) -> None:
    run(project, server)
    git_dir = project.root / ".relwork" / "overleaf" / ".git"
    (git_dir / "HEAD").write_text("garbage\n")
    result = run(project, server, section=SECTION_2)
    assert result.status == "pushed"
    assert server.show("related_work.tex") == SECTION_2


def test_working_copy_inside_users_repository(tmp_path: Path, server: GitServer) -> None:
    # The user's paper folder is itself a git repository: relwork must not commit there.
    root = tmp_path / "paper"
    root.mkdir()
    git("init", "--quiet", str(root))
    config = make_config(root, server.url)
    run(config, server)
    proc = subprocess.run(["git", "log", "--oneline"], cwd=root, capture_output=True)
    assert proc.returncode != 0 or proc.stdout == b""  # still no commits in the user's repo
    assert server.show("related_work.tex") == SECTION


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
def test_token_is_not_in_any_command_line(project: Config, server: GitServer) -> None:
    # While the push is in flight, no process (git, git-remote-http, helpers) has it in argv.
    seen: list[bytes] = []

    def scan(path: str) -> None:
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                seen.append(cmdline.read_bytes())
            except OSError:
                continue

    server.before_receive = scan
    assert run(project, server).status == "pushed"
    assert any(b"receive-pack" in c or b"push" in c for c in seen)  # git was running
    assert all(server.token.encode() not in c for c in seen)
    git_config = (project.root / ".relwork" / "overleaf" / ".git" / "config").read_text()
    assert "helper" not in git_config and server.token not in git_config


def test_managed_file_deleted_on_overleaf_is_written_again(project: Config,
                                                           server: GitServer) -> None:
    run(project, server)
    deletion = server.web_edit({"related_work.bib": None}, message="Remove bib")
    result = run(project, server)
    assert result.status == "pushed"
    assert server.is_ancestor(deletion, result.commit or "")
    assert server.show("related_work.bib") == BIB
    assert any("deleted on Overleaf" in m for m in result.messages)


def test_concurrent_sync_is_refused(project: Config, server: GitServer) -> None:
    inner: list[str] = []

    def second_sync(attempt: int) -> None:
        with pytest.raises(SyncError) as err:
            run(project, server)
        inner.append(err.value.format_message())

    assert run(project, server, before_push=second_sync).status == "pushed"
    assert "another 'relwork sync' is running" in inner[0]


def test_unwritable_working_copy_is_a_clear_error(project: Config, server: GitServer) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits: block the folder with a file instead
        relwork_dir = project.root / ".relwork"
        relwork_dir.mkdir()
        (relwork_dir / "overleaf").write_text("not a folder\n")
    else:
        (project.root / ".relwork").mkdir(mode=0o500)
    with pytest.raises(SyncError) as err:
        run(project, server)
    assert "nothing was pushed" in err.value.format_message()
    assert server.show("related_work.tex") is None


def test_git_version_parsing() -> None:
    assert overleaf.parse_git_version("git version 2.39.5") == (2, 39, 5)
    assert overleaf.parse_git_version("git version 2.37.1 (Apple Git-137.1)") == (2, 37, 1)
    assert overleaf.parse_git_version("git version 2.45.windows.1") == (2, 45)
    assert overleaf.parse_git_version("nonsense") is None
    installed = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    assert overleaf.parse_git_version(installed) >= overleaf.MIN_GIT  # type: ignore[operator]


def test_overleaf_resaving_the_file_is_not_a_foreign_edit(project: Config,
                                                           server: GitServer) -> None:
    # The web editor may store relwork's text with other line endings or trailing spaces.
    run(project, server)
    resaved = SECTION.replace("\n", "  \r\n") + "\r\n"
    web = server.web_edit({"related_work.tex": resaved, "main.tex": "% other edit\n"})
    same = run(project, server)
    assert same.status == "unchanged"  # no churn commit just for line endings
    assert server.head() == web
    changed = run(project, server, section=SECTION_2)
    assert changed.status == "pushed"
    assert server.show("related_work.tex") == SECTION_2


def test_text_digest_ignores_only_whitespace_round_trips() -> None:
    digest = overleaf.text_digest
    assert digest(b"a\nb\n") == digest(b"a  \r\nb\r\n\r\n") == digest("\ufeffa\nb".encode())
    assert digest("e\u0301\n".encode()) == digest("\u00e9\n".encode())
    assert digest(b"a\nb\n") != digest(b"a\nc\n")
    assert digest(b"a b\n") != digest(b"ab\n")
