"""One module a command: ``main(args) -> exit code``. Imported lazily by ``skill.cli``."""
