"""Reports: the only phase that writes deliverables (jsonl, csv, the packet, the manifest)."""
