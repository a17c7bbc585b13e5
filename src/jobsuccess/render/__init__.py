"""Rendering (an adapter): the HTML report and the score chart, from `jobsuccess.explain`'s
results. The core never imports this package.

    report(history, book, as_of=D)     one self-contained HTML page (``jobsuccess report``)
"""

from __future__ import annotations

from jobsuccess.render.report import report

__all__ = ["report"]
