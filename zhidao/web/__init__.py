"""The local web verification station (`zhidao serve`): upload, run with live progress, the
review queue, any record's fields, findings, instructors, the trace of a figure and the packet.

Flask is imported only by this package, and this package only by the `serve` and `users`
commands, so `zhidao --help` stays fast.
"""
