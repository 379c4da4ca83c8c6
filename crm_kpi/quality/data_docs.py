"""The Great Expectations project that keeps validation results and builds the Data Docs site.

A file-mode GX context under the data directory, opened once per process. Each check only
stores its validation results (and links the page they will have); the pages of the run and
the home page (the index over every stored result) are rendered once per run, by
``build_index`` after the run (``crm_kpi.runner``, the Data Docs sensor): rendering costs
about a second per call, whatever the number of pages.
``<data dir>/great_expectations/gx/uncommitted/data_docs/local_site/index.html``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.core import ExpectationSuiteValidationResult  # noqa: E402
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


# One file context per project folder and process: opening one reads and validates its YAML
# (about a second on a busy machine), and every check of a run uses the same.
_CONTEXTS: dict[Path, AbstractDataContext] = {}


def file_context(data_dir: Path) -> AbstractDataContext:
    """The persistent GX context of this data directory (created on first use, then reused)."""
    root = project_dir(data_dir).absolute()
    context = _CONTEXTS.get(root)
    if context is None or not (root / "gx" / "great_expectations.yml").exists():
        context = _CONTEXTS[root] = _open_file_context(root)
    return context


def _open_file_context(root: Path) -> AbstractDataContext:
    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    site = context.list_data_docs_sites()[SITE_NAME]
    if site["site_index_builder"].get("validation_results_limit") != INDEX_LIMIT:
        site["site_index_builder"]["validation_results_limit"] = INDEX_LIMIT
        site["show_how_to_buttons"] = False
        context.update_data_docs_site(SITE_NAME, site)
    return context


class DocsSite:
    """The Data Docs of one data directory: stores results and tells where their pages go."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.context = file_context(data_dir)

    def store(
        self, result_id: ValidationResultIdentifier, result: ExpectationSuiteValidationResult
    ) -> None:
        """Keep ``result`` under ``result_id`` (listed by the next ``build_index``)."""
        self.context.validation_results_store.set(result_id, result)

    def page(self, results: Sequence[ValidationResultIdentifier]) -> Path | None:
        """Where the page of the first of ``results`` is (rendered by ``build_index``)."""
        if not results:
            return None
        urls = self.context.get_docs_sites_urls(
            resource_identifier=results[0], site_name=SITE_NAME, only_if_exists=False
        )
        return Path(unquote(urlparse(urls[0]["site_url"]).path))


def build_index(data_dir: Path) -> Path | None:
    """Render the pages of the latest run and the home page over every stored result, in one
    pass, once per run; the home page's path.

    The latest run is the run name of the newest stored result (the Dagster run id).
    ``None`` when nothing was ever validated under ``data_dir``.
    """
    if not project_dir(data_dir).exists():
        return None
    context = file_context(data_dir)
    stored = context.validation_results_store.list_keys()
    if not stored:
        return None
    latest = max(stored, key=lambda key: key.run_id.run_time)
    run_name = latest.run_id.run_name
    pages = [key for key in stored if run_name and key.run_id.run_name == run_name] or [latest]
    # Public API only: the run's pages with the index (``[]`` would render every result).
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=pages)
    index = docs_index(data_dir)
    return index if index.exists() else None
