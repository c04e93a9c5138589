"""Validate: the dispatch rules over the frames the pipeline builds.

Pure functions over frames: nothing here reads user files or writes deliverables.
"""
