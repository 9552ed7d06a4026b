"""The error for bad input found after flag parsing (the cluster, the data, the study directory)."""


class StudyInputError(ValueError):
    """One line saying what is wrong and what is allowed; the CLI prints it and exits with code 2."""
