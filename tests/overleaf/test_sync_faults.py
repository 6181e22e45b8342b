"""Sync against a bridge that misbehaves: lost answers, redirects, refusals, renamed files,
stale locks, odd remote URLs; every outcome reported as it is, the token kept to its host."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from gitserver import GitServer

from relwork.config import Config, load_config
from relwork.errors import SyncError
from relwork.overleaf import SyncResult, sync

SECTION = "\\section{Related Work}\nDeep nets \\citep{he2016deep} work.\n"
SECTION_2 = "\\section{Related Work}\nDeep nets \\citep{he2016deep} work well.\n"
SECTION_3 = "\\section{Related Work}\nDeep nets \\citep{he2016deep} work very well.\n"
BIB = "@inproceedings{he2016deep,\n  title = {Deep Residual Learning},\n  year = {2016}\n}\n"
NOTES = ["summaries/resnet.md"]


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config (identity, helpers) and no token from the shell."""
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("OVERLEAF_TOKEN", raising=False)


def make_config(root: Path, remote: str, extra: str = "") -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "relwork.yaml").write_text(f"overleaf:\n  remote: {remote}\n{extra}")
    return load_config(root / "relwork.yaml")


@pytest.fixture
def project(tmp_path: Path, git_server: GitServer) -> Config:
    return make_config(tmp_path / "paper", git_server.url)


def run(config: Config, server: GitServer, section: str = SECTION,
        **kwargs: object) -> SyncResult:
    kwargs.setdefault("token", server.token)
    return sync(config, section_text=section, bib_text=BIB, notes=NOTES,  # type: ignore[arg-type]
                **kwargs)


def receive_posts(server: GitServer) -> int:
    return sum(1 for method, path, _ in server.requests
               if method == "POST" and path.endswith("git-receive-pack"))


# --- a push that landed is known to have landed --------------------------------------------


def test_push_whose_answer_is_dropped_is_reported_as_pushed(project: Config,
                                                           git_server: GitServer) -> None:
    server = git_server
    server.push_answer = "drop"
    result = run(project, server)
    assert result.status == "pushed"
    assert result.commit == server.head()
    assert server.show("related_work.tex") == SECTION
    assert any("answer" in m and "landed" in m for m in result.messages)
    # The next sync after a note edit knows the commit as relwork's own.
    server.push_answer = None
    again = run(project, server, section=SECTION_2)
    assert again.status == "pushed"
    assert server.show("related_work.tex") == SECTION_2


@pytest.mark.slow
def test_push_whose_answer_hangs_is_reported_as_pushed(project: Config, git_server: GitServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relwork.overleaf.git.NETWORK_TIMEOUT", 3.0)
    server = git_server
    server.push_answer = "hang"
    result = run(project, server)
    assert result.status == "pushed"
    assert result.commit == server.head()
    assert any("landed" in m for m in result.messages)
    server.push_answer = None
    assert run(project, server, section=SECTION_2).status == "pushed"


@pytest.mark.slow
def test_pending_commit_found_on_the_remote_is_accepted(project: Config,
                                                        git_server: GitServer) -> None:
    # A run that could not ask the server (killed, network gone) leaves its commit pending;
    # the next run finds it in the project's history and takes it as relwork's own.
    server = git_server
    first = run(project, server)
    state_file = project.root / ".relwork" / "overleaf-state.json"
    confirmed = json.loads(state_file.read_text())
    server.push_answer = "drop"
    second = run(project, server, section=SECTION_2)
    assert second.status == "pushed"
    pending_state = json.loads(state_file.read_text())
    # Put back the state a killed run leaves: the old confirmed push plus the pending one.
    confirmed["pending"] = {k: pending_state[k] for k in ("commit", "branch", "files",
                                                          "checksums")}
    state_file.write_text(json.dumps(confirmed))
    server.push_answer = None
    server.web_edit({"main.tex": "% a web edit on top\n"})
    third = run(project, server, section=SECTION_3)
    assert third.status == "pushed"
    assert server.show("related_work.tex") == SECTION_3
    assert server.is_ancestor(second.commit or "", third.commit or "")
    assert first.commit != second.commit


def test_push_whose_outcome_cannot_be_asked_is_left_pending(project: Config,
                                                             git_server: GitServer) -> None:
    # The push lands, its answer is lost, and the server then stops answering properly:
    # relwork must not claim "nothing was pushed"; the next run sorts it out.
    server = git_server
    run(project, server)

    def server_goes_wrong(path: str) -> None:
        server.redirect_to = "http://127.0.0.2:9"  # every later request: a redirect

    server.before_receive = server_goes_wrong
    server.push_answer = "drop"
    with pytest.raises(SyncError) as err:
        run(project, server, section=SECTION_2)
    text = err.value.format_message()
    assert "could not be asked whether" in text and "pending" in text
    assert "nothing was pushed" not in text
    assert server.show("related_work.tex") == SECTION_2  # it had landed
    server.before_receive = None
    server.push_answer = None
    server.redirect_to = None
    result = run(project, server, section=SECTION_3)
    assert result.status == "pushed"
    assert any("from an earlier run had landed" in m for m in result.messages)
    assert server.show("related_work.tex") == SECTION_3


def test_pending_commit_that_never_landed_is_dropped(project: Config,
                                                     git_server: GitServer) -> None:
    server = git_server
    run(project, server)
    state_file = project.root / ".relwork" / "overleaf-state.json"
    state = json.loads(state_file.read_text())
    state["pending"] = {"commit": "1" * 40, "branch": "master",
                        "files": {"related_work.tex": "2" * 40}, "checksums": {}}
    state_file.write_text(json.dumps(state))
    # A co-author edit is still caught: the pending record does not whitewash it.
    server.web_edit({"related_work.tex": "co-author text\n"})
    with pytest.raises(SyncError) as err:
        run(project, server, section=SECTION_2)
    assert "edited on Overleaf" in err.value.format_message()


# --- the server's reason is shown, and only real races are retried ---------------------------


def test_pre_receive_refusal_is_shown_and_not_retried(project: Config,
                                                      git_server: GitServer) -> None:
    server = git_server
    start = server.head()
    # The message even holds words a text-sniffing retry would take for a race.
    refusal = "error: this project is read-only for git; fetch first to see who can push"
    server.refuse_pushes(refusal)
    with pytest.raises(SyncError) as err:
        run(project, server)
    text = err.value.format_message()
    assert refusal in text
    assert "kept changing" not in text
    assert "nothing was pushed" in text
    assert receive_posts(server) == 1
    assert server.head() == start


@pytest.mark.slow
def test_gave_up_error_shows_the_servers_last_answer(project: Config,
                                                     git_server: GitServer) -> None:
    server = git_server

    def always(attempt: int) -> None:
        server.web_edit({"main.tex": f"% edit {attempt}\n"})

    with pytest.raises(SyncError) as err:
        run(project, server, before_push=always, max_retries=1)
    text = err.value.format_message()
    assert "kept changing" in text
    assert "rejected" in text and ("fetch first" in text or "non-fast-forward" in text)


# --- credentials for the configured remote only ------------------------------------------------


def test_redirect_to_another_host_gets_no_token(tmp_path: Path, git_server: GitServer) -> None:
    server = git_server
    # Another host (git compares host names: 127.0.0.2 is not 127.0.0.1) that asks for a
    # password and records what it gets.
    with GitServer(tmp_path / "elsewhere", host="127.0.0.2",
                   token="not-the-users-token").running() as other:
        server.redirect_to = other.url.rsplit("/", 1)[0]
        config = make_config(tmp_path / "paper", server.url)
        with pytest.raises(SyncError) as err:
            run(config, server)
        assert all(password != server.token for _, password in other.auth_seen)
        text = err.value.format_message()
        assert "redirect" in text and "nothing was pushed" in text
        assert server.token not in text
        assert other.show("related_work.tex") is None


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_token_only_in_the_environment_of_remote_commands(tmp_path: Path, project: Config,
                                                          git_server: GitServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # A git on PATH that logs each command and whether its environment holds the token,
    # then runs the real git.
    real = next(Path(d) / "git" for d in os.environ["PATH"].split(os.pathsep)
                if (Path(d) / "git").is_file())
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    log = tmp_path / "git.log"
    shim = shim_dir / "git"
    shim.write_text(
        "#!/bin/sh\n"
        f"if env | grep -q '{git_server.token}'; then t=token; else t=clean; fi\n"
        f'echo "$t $*" >> {log}\n'
        f'exec {real} "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{shim_dir}{os.pathsep}{os.environ['PATH']}")
    assert run(project, git_server).status == "pushed"
    lines = log.read_text().splitlines()
    with_token = [ln for ln in lines if ln.startswith("token ")]
    assert with_token, lines
    assert all(any(verb in ln for verb in (" ls-remote ", " fetch ", " push "))
               for ln in with_token), with_token
    assert any(" commit " in ln for ln in lines if ln.startswith("clean "))


# --- renamed or no longer included files -------------------------------------------------------


def test_renamed_managed_file_is_refused(project: Config, git_server: GitServer) -> None:
    server = git_server
    run(project, server)
    moved = server.web_edit({
        "related_work.tex": None, "sections/related.tex": SECTION,
        "main.tex": server.show("main.tex").replace(  # type: ignore[union-attr]
            "\\input{related_work}", "\\input{sections/related}"),
    }, message="Move the related work into sections/")
    with pytest.raises(SyncError) as err:
        run(project, server, section=SECTION_2)
    text = err.value.format_message()
    assert "related_work.tex was renamed on Overleaf to sections/related.tex" in text
    assert "overleaf.tex" in text and "sections/related.tex" in text
    assert "nothing was pushed" in text
    assert server.head() == moved
    assert server.show("related_work.tex") is None


def test_renamed_and_edited_managed_file_is_refused(project: Config,
                                                    git_server: GitServer) -> None:
    server = git_server
    long_section = SECTION + "".join(f"Line {i} about prior work.\n" for i in range(20))
    run(project, server, section=long_section)
    server.web_edit({"related_work.tex": None,
                     "chapters/prior.tex": long_section.replace("Line 3", "Line three")})
    with pytest.raises(SyncError) as err:
        run(project, server, section=SECTION_2)
    assert "renamed on Overleaf to chapters/prior.tex" in err.value.format_message()


def test_renamed_bib_names_overleaf_bib(project: Config, git_server: GitServer) -> None:
    server = git_server
    run(project, server)
    server.web_edit({"related_work.bib": None, "refs/cited.bib": BIB})
    with pytest.raises(SyncError) as err:
        run(project, server, section=SECTION_2)
    text = err.value.format_message()
    assert "related_work.bib was renamed on Overleaf to refs/cited.bib" in text
    assert "set overleaf.bib: refs/cited.bib" in text
    # --overwrite writes the old path again, and says so.
    result = run(project, server, section=SECTION_2, overwrite=True)
    assert result.status == "pushed"
    assert server.show("related_work.bib") == BIB
    assert any("renamed on Overleaf to refs/cited.bib" in m for m in result.messages)


def test_deleted_empty_bib_is_not_taken_for_a_rename(project: Config,
                                                     git_server: GitServer) -> None:
    server = git_server
    sync(project, section_text=SECTION, bib_text="", notes=NOTES, token=server.token)
    server.web_edit({"related_work.bib": None, "notes/empty.bib": ""})
    result = sync(project, section_text=SECTION_2, bib_text="", notes=NOTES,
                  token=server.token)
    assert result.status == "pushed"
    assert any("related_work.bib was deleted on Overleaf" in m for m in result.messages)


def test_following_the_rename_in_config_pushes_there(tmp_path: Path, project: Config,
                                                     git_server: GitServer) -> None:
    server = git_server
    run(project, server)
    server.web_edit({"related_work.tex": None, "sections/related.tex": SECTION})
    moved = make_config(project.root, server.url, "  tex: sections/related.tex\n")
    result = run(moved, server, section=SECTION_2)
    assert result.status == "pushed"
    assert server.show("sections/related.tex") == SECTION_2
    assert server.show("related_work.tex") is None


def test_section_no_longer_included_is_warned(project: Config, git_server: GitServer) -> None:
    server = git_server
    run(project, server)
    main = server.show("main.tex") or ""
    server.web_edit({"main.tex": main.replace("\\input{related_work}",
                                              "\\input{related_work_final}")})
    result = run(project, server, section=SECTION_2)
    assert result.status == "pushed"
    warning = [m for m in result.messages if "\\input" in m]
    assert warning and "related_work.tex" in warning[0]
    assert all("related_work.bib" not in m for m in warning)  # the bib is still used


def test_included_section_and_bib_give_no_warning(project: Config,
                                                  git_server: GitServer) -> None:
    server = git_server
    server.web_edit({"main.tex": "\\documentclass{article}\n\\begin{document}\n"
                                 "% \\input{old}\n\\include{./related_work.tex}\n"
                                 "\\bibliography{other,related_work}\n\\end{document}\n"})
    result = run(project, server)
    assert result.status == "pushed"
    assert not any("\\input" in m or "\\bibliography" in m for m in result.messages)


def test_input_in_a_sub_file_and_tex_primitive_form_count(tmp_path: Path,
                                                          git_server: GitServer) -> None:
    server = git_server
    server.web_edit({
        "main.tex": "\\documentclass{article}\n\\begin{document}\n\\input chapters/body\n"
                    "\\printbibliography\n\\end{document}\n",
        "chapters/body.tex": "\\subfile{related}\n\\addbibresource[label=x]{refs/rel.bib}\n",
    })
    config = make_config(tmp_path / "paper", server.url,
                         "  tex: chapters/related.tex\n  bib: refs/rel.bib\n")
    result = run(config, server)
    assert result.status == "pushed"
    assert not any(m.startswith("warning:") for m in result.messages), result.messages


def test_commented_out_input_and_missing_bib_are_warned(project: Config,
                                                        git_server: GitServer) -> None:
    server = git_server
    server.web_edit({"main.tex": "\\documentclass{article}\n\\begin{document}\n"
                                 "%\\input{related_work}\n\\bibliography{refs}\n"
                                 "\\end{document}\n"})
    result = run(project, server)
    assert result.status == "pushed"
    text = "\n".join(result.messages)
    assert "related_work.tex" in text and "related_work.bib" in text


# --- the remote URL, normalised ------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["{url}/", "{url}//", "HTTP://127.0.0.1:{port}/project.git",
                                     "http://127.0.0.1:{port}/project.git/"])
def test_cosmetic_remote_change_keeps_relwork_files(tmp_path: Path, git_server: GitServer,
                                                    variant: str) -> None:
    server = git_server
    config = make_config(tmp_path / "paper", server.url)
    run(config, server)
    port = server.url.split(":")[2].split("/")[0]
    changed = make_config(config.root, variant.format(url=server.url, port=port))
    result = run(changed, server, section=SECTION_2)
    assert result.status == "pushed"
    assert server.show("related_work.tex") == SECTION_2


def test_default_port_and_host_case_are_normalised() -> None:
    from relwork.overleaf.secrets import parse_remote

    assert parse_remote("HTTPS://Git.Overleaf.com:443/abc/").url == \
        "https://git.overleaf.com/abc"
    assert parse_remote("http://example.org:80/p").url == "http://example.org/p"
    assert parse_remote("https://example.org:8443/p").url == "https://example.org:8443/p"
    assert parse_remote("https://git.overleaf.com/abc").url == "https://git.overleaf.com/abc"


# --- relwork's own working copy recovers ----------------------------------------------------


@pytest.mark.parametrize("lock", ["index.lock", "HEAD.lock", "refs/heads/master.lock"])
def test_stale_git_lock_in_working_copy_is_removed(project: Config, git_server: GitServer,
                                                   lock: str) -> None:
    server = git_server
    run(project, server)
    stale = project.root / ".relwork" / "overleaf" / ".git" / lock
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("")  # what a killed 'git add' or 'git commit' leaves
    result = run(project, server, section=SECTION_2)
    assert result.status == "pushed"
    assert server.show("related_work.tex") == SECTION_2
    assert any(lock.rsplit("/", 1)[-1] in m and "removed" in m for m in result.messages)
    assert not stale.exists()


def test_unusable_working_copy_is_rebuilt_from_the_remote(project: Config,
                                                          git_server: GitServer) -> None:
    server = git_server
    run(project, server)
    index = project.root / ".relwork" / "overleaf" / ".git" / "index"
    index.write_bytes(b"DIRC not really an index")
    result = run(project, server, section=SECTION_2)
    assert result.status == "pushed"
    assert server.show("related_work.tex") == SECTION_2
