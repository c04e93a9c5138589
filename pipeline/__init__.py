"""The orchestrator: ingest → validate → report, as a straight line."""
