"""The pipeline: stages, their cache, the training matrix and the stage functions the CLI calls."""
