"""Every asset a page or ``/docs`` loads, served from installed packages: nothing from a CDN.

* ``/static/...``: this package's own CSS and JavaScript (`static/`);
* ``/static/vendor/plotly.min.js``: the file the pinned ``plotly`` package ships (the chart
  library of every chart of the project, `jobsuccess.plot`);
* ``/static/vendor/swagger-ui-bundle.js``, ``swagger-ui.css``, ``redoc.standalone.js``,
  ``favicon.png``: the files the pinned ``fastapi-offline`` package ships, for ``/docs``
  (Swagger UI) and ``/redoc``, which FastAPI would otherwise load from a CDN.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final, TypedDict

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR: Final = "/static/vendor"
_CACHE: Final = {"Cache-Control": "public, max-age=86400"}


def _package_file(package: str, *parts: str) -> Path:
    return Path(str(files(package).joinpath(*parts)))


def _vendor() -> dict[str, Path]:
    offline = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
    found = {name: _package_file("fastapi_offline", "static", name) for name in offline}
    found["plotly.min.js"] = _package_file("plotly", "package_data", "plotly.min.js")
    return found


FILES: Final = _vendor()
OWN: Final = _package_file("jobsuccess.web", "static")
_OWN_NAMES: Final = frozenset(p.name for p in OWN.iterdir() if p.is_file())


@router.get(VENDOR + "/{name}")
def vendor(name: str) -> FileResponse:
    path = FILES.get(name)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no asset {name!r}")
    return FileResponse(path, headers=_CACHE)


@router.get("/static/{name}")
def own(name: str) -> FileResponse:
    if name not in _OWN_NAMES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no asset {name!r}")
    return FileResponse(OWN / name, headers={"Cache-Control": "no-cache"})


class _Schema(TypedDict):
    """What both documentation pages show: the app's OpenAPI schema, under its title."""

    openapi_url: str
    title: str


def _schema(request: Request) -> _Schema:
    return _Schema(
        openapi_url=request.app.openapi_url or "/openapi.json", title=f"{request.app.title}: API"
    )


@router.get("/docs")
def swagger(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        **_schema(request),
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url=f"{VENDOR}/favicon.png",
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        **_schema(request),
        redoc_js_url=f"{VENDOR}/redoc.standalone.js",
        redoc_favicon_url=f"{VENDOR}/favicon.png",
        with_google_fonts=False,
    )
