"""The Great Expectations project that keeps validation results and builds the Data Docs site.

A file-mode GX context under the data directory: every validation is stored, so the HTML
site (``<data dir>/great_expectations/gx/uncommitted/data_docs/local_site/index.html``)
lists the history of every checked table, rebuilt after each validation.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context import AbstractDataContext  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ValidationResultIdentifier,
)

SITE_NAME = "local_site"
# The home page lists this many latest validations (about two weeks of nightly runs); older
# pages stay on disk.
INDEX_LIMIT = 1000


def project_dir(data_dir: Path) -> Path:
    """Where the GX project (stores and Data Docs) lives."""
    return data_dir / "great_expectations"


def docs_index(data_dir: Path) -> Path:
    """The Data Docs home page."""
    return project_dir(data_dir) / "gx" / "uncommitted" / "data_docs" / SITE_NAME / "index.html"


def file_context(data_dir: Path) -> AbstractDataContext:
    """The persistent GX context of this data directory (created on first use)."""
    root = project_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    site = context.list_data_docs_sites()[SITE_NAME]
    if site["site_index_builder"].get("validation_results_limit") != INDEX_LIMIT:
        site["site_index_builder"]["validation_results_limit"] = INDEX_LIMIT
        site["show_how_to_buttons"] = False
        context.update_data_docs_site(SITE_NAME, site)
    return context


def build_docs(context: AbstractDataContext, results: Sequence[ValidationResultIdentifier]) -> Path:
    """Render ``results`` and the index of the Data Docs site; the page of the first result.

    Only the new results are rendered (the history is already on disk), and only our site
    (an ephemeral default site would go to a temporary folder).
    """
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=list(results))
    urls = context.get_docs_sites_urls(resource_identifier=results[0], site_name=SITE_NAME)
    return Path(unquote(urlparse(urls[0]["site_url"]).path))
