"""The Related Work section: citation styles, templates in a sandboxed Jinja2 environment,
and building the section from matches and the bibliography (``render_section``)."""

from ..latex import Latex, Package
from .build import Rendered, SectionInfo, render_section
from .citer import Citer
from .entries import Group, RenderEntry
from .environment import (
    BUILTIN_DIR,
    TemplateInfo,
    find_template,
    list_templates,
    make_environment,
    template_files,
    template_text,
)
from .fields import bib_to_latex, bib_to_text
from .packages import required_packages, section_packages

__all__ = [
    "BUILTIN_DIR",
    "Citer",
    "Group",
    "Latex",
    "Package",
    "RenderEntry",
    "Rendered",
    "SectionInfo",
    "TemplateInfo",
    "bib_to_latex",
    "bib_to_text",
    "find_template",
    "list_templates",
    "make_environment",
    "render_section",
    "required_packages",
    "section_packages",
    "template_files",
    "template_text",
]
