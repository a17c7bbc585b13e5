"""The web app served by ``jobsuccess serve`` at ``/``: My Stats for freelancers, search and
public profiles for clients, a support console for operators.

Same process, store, keys and roles as the API (`jobsuccess.service`): a page signs in with
an API key (`session`), then calls the API's own route functions (`jobsuccess.service.routes`)
for every figure it shows, so each rule, each role check and each output shape has one
implementation. Server-side rendered (Jinja2, `templates/`), a little JavaScript
(`static/app.js`: the chart and the two-date picker), every asset served from installed
packages (`assets`): nothing is loaded from the network.

    signin     /signin, /signout, / (each role's home)
    freelancer /freelancers/{id}[/changes|/ledger|/records|/forecast|/advice|/whatif|/appeals]
    client     /search, /profile/{id}
    console    /console[/freelancers/{id}|/appeals[/{id}]|/raters|/log|/lab]
"""

from __future__ import annotations

from fastapi import FastAPI

from jobsuccess.web import appeals, assets, client, console, freelancer, signin
from jobsuccess.web.errors import install
from jobsuccess.web.session import serializer


def mount(app: FastAPI) -> None:
    """Add the pages, their assets and their error pages to the service ``app``."""
    app.state.web_signer = serializer(app.state.db)
    for module in (assets, signin, freelancer, appeals, client, console):
        app.include_router(module.router)
    install(app)
