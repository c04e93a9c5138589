"""zhidao: Party-building instructor work records → checked data → quarterly meeting packet.

Importing the package is cheap: no pandas, click, OCR engine or great_expectations is
imported here. Phases live in subpackages: ``zhidao.ingest`` (the only code that reads user
files), ``zhidao.validate``, ``zhidao.reports`` (the only code that writes deliverables) and
``zhidao.pipeline`` (the orchestrator).
"""

__version__ = "0.1.0"
