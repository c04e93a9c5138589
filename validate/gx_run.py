"""Run the suites with Great Expectations (imported only here, only when validating):
ephemeral context, progress bars off, COMPLETE results whose unexpected rows come back by
``row_id``; the validation results and GX's Data Docs HTML are kept with the run."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .suites import Check

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]}


@dataclass(frozen=True)
class Unexpected:
    rule: str
    frame: str
    row_id: str


def _for_gx(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain object columns with None for missing: GX's pandas metrics expect classic dtypes."""
    return frame.astype(object).where(frame.notna(), None).reset_index(drop=True)


def run_checks(frames: dict[str, pd.DataFrame], checks: list[Check], docs_dir: Path | None
               ) -> tuple[list[Unexpected], list[dict[str, Any]]]:
    """Validate each frame against its suite; returns the unexpected rows and the results."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

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
            definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch,
                                                                                    suite=suite))
            checkpoint = context.checkpoints.add(gx.Checkpoint(name=f"zhidao-{name}",
                                                               validation_definitions=[definition],
                                                               actions=[], result_format=RESULT_FORMAT))
            outcome = checkpoint.run(batch_parameters={"dataframe": _for_gx(frame)})
            for result in outcome.run_results.values():
                results.append(json.loads(json.dumps(result.to_json_dict(), default=str)))  # type: ignore[no-untyped-call]
                for r in result.results:
                    config = r.expectation_config
                    assert config is not None and config.meta is not None
                    rule = str(config.meta["rule"])
                    for row in r.result.get("unexpected_index_list") or []:
                        unexpected.append(Unexpected(rule, name, str(row["row_id"])))
        if docs_dir is not None:  # once for all suites (an action per checkpoint re-renders the whole site)
            context.build_data_docs(site_names=["zhidao"])
    return unexpected, results
