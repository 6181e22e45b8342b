

def test_zip_main_tex_loads_exactly_the_required_packages(example_project: Path) -> None:
    from relwork.overleaf import main_tex

    _, packages = _section(example_project)
    main = main_tex(load_config(example_project / "relwork.yaml"), "natbib", packages)
    loaded = re.findall(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}", main)
    fonts = ["iftex", "fontenc", "inputenc", "lmodern", "fontspec"]  # any engine
    assert loaded[:5] == fonts
    assert sorted(loaded[5:]) == sorted(packages)
