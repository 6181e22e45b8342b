"""Reading a service's body: JSON or XML, with an HTML error page or a malformed body
turned into a ``ServiceError`` that says which service sent it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from .http import Response, ServiceError


def _check_status(service: str, response: Response) -> None:
    if response.is_html():
        raise ServiceError(service, "format", f"an HTML page (HTTP {response.status}) "
                           "instead of data: the service or the endpoint URL is wrong")
    if response.status != 200:
        raise ServiceError(service, "http", f"HTTP {response.status}: "
                           f"{' '.join(response.body.split())[:120]}")


def json_body(service: str, response: Response) -> Any:
    """The JSON of a 200 answer; ``ServiceError`` for an HTML page, another status or bad
    JSON."""
    _check_status(service, response)
    try:
        return json.loads(response.body)
    except ValueError as exc:
        raise ServiceError(service, "format", f"malformed JSON ({exc})") from None


def xml_body(service: str, response: Response) -> ET.Element:
    """The XML root of a 200 answer; ``ServiceError`` as for ``json_body``."""
    _check_status(service, response)
    if "<!DOCTYPE" in response.body[:500] or "<!ENTITY" in response.body:
        raise ServiceError(service, "format", "XML with a DOCTYPE: not the Atom feed expected")
    try:
        return ET.fromstring(response.body)
    except ET.ParseError as exc:
        raise ServiceError(service, "format", f"malformed XML ({exc})") from None
