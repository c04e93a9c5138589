"""Run the suites with Great Expectations (imported only here, only when validating):
ephemeral context, progress bars off, COMPLETE results whose unexpected rows come back by
``row_id``; the validation results and GX's Data Docs HTML are kept with the run.

Each frame goes to GX indexed by its ``row_id`` with ``exclude_unexpected_values``: GX then
lists the unexpected rows as one list of ids per expectation. (With ``row_id`` as a plain column
GX looks every unexpected row's values up one ``DataFrame.at`` at a time, and the results repeat
them: at a province's 120,000 findings that was most of the expectations' time.)"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .suites import Check

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"],
                 "exclude_unexpected_values": True, "return_unexpected_index_query": False}


@dataclass(frozen=True)
class Unexpected:
    rule: str
    frame: str
    row_id: str


def _for_gx(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain object columns with None for missing (GX's pandas metrics expect classic dtypes),
    indexed by ``row_id``."""
    plain = frame.astype(object).where(frame.notna(), None)
    plain.index = pd.Index(frame["row_id"].astype(str), name="row_id")
    return plain


def unexpected_ids(index_list: list[Any] | None) -> list[str]:
    """The row ids of a result's ``unexpected_index_list``: with ``exclude_unexpected_values``
    GX gives ``[{"row_id": [ids…]}]``; one dict a row (``{"row_id": id, …}``) is read too."""
    ids: list[str] = []
    for entry in index_list or []:
        value = entry["row_id"]
        ids += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return ids


def run_checks(frames: dict[str, pd.DataFrame], checks: list[Check], docs_dir: Path | None
               ) -> tuple[list[Unexpected], list[dict[str, Any]]]:
    """Validate each frame against its suite; returns the unexpected rows and the results."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.validator.v1_validator import Validator

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        if docs_dir is not None:
            context.add_data_docs_site(site_name="zhidao", site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs_dir.resolve())},  # GX wants it absolute
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })
        source = context.data_sources.add_pandas("zhidao")
        unexpected: list[Unexpected] = []
        results: list[dict[str, Any]] = []
        for name, frame in frames.items():
            mine = [c for c in checks if c.frame == name]
            if not mine or frame.empty:
                continue
            suite = context.suites.add(gx.ExpectationSuite(name=name))
            for check in mine:
                suite.add_expectation(getattr(gx.expectations, check.expectation)(**check.kwargs,
                                                                                  meta={"rule": check.rule}))
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            parameters = {"dataframe": _for_gx(frame)}
            if docs_dir is None:  # nothing to render: validate without GX's results store
                suite_results = [Validator(batch_definition=batch, batch_parameters=parameters,
                                           result_format=RESULT_FORMAT).validate_expectation_suite(suite)]
            else:  # a checkpoint keeps each result in the context's store, which Data Docs render
                definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch,
                                                                                        suite=suite))
                checkpoint = context.checkpoints.add(gx.Checkpoint(name=f"zhidao-{name}",
                                                                   validation_definitions=[definition],
                                                                   actions=[], result_format=RESULT_FORMAT))
                suite_results = list(checkpoint.run(batch_parameters=parameters).run_results.values())
            for result in suite_results:
                results.append(json.loads(json.dumps(result.to_json_dict(), default=str)))  # type: ignore[no-untyped-call]
                for r in result.results:
                    config = r.expectation_config
                    assert config is not None and config.meta is not None
                    rule = str(config.meta["rule"])
                    unexpected += [Unexpected(rule, name, row_id)
                                   for row_id in unexpected_ids(r.result.get("unexpected_index_list"))]
        if docs_dir is not None:  # once for all suites (an action per checkpoint re-renders the whole site)
            context.build_data_docs(site_names=["zhidao"])
    return unexpected, results
