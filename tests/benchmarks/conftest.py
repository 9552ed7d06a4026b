collect_ignore = ["conftest.py"]  # a fixture file, not a module of doctests (--doctest-modules)
