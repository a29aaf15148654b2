"""Live reload: a new set of files replaces the old one only when all of it is good."""

from __future__ import annotations

import logging
from pathlib import Path

from .bundle import Bundle, load_bundle
from .yamlfile import ConfigError

log = logging.getLogger("helpline_bot.reload")

WATCHED = ("config.yaml", "flows", "messages", "directory", "crisis")


class Holder:
    """The bundle in service. Reading `.bundle` is a plain attribute read: no lock needed."""

    def __init__(self, root: Path, bundle: Bundle):
        self.root = root
        self.bundle = bundle
        self._stamp = self.stamp()

    def __call__(self) -> Bundle:
        return self.bundle

    def reload(self) -> bool:
        """Try the files as they are now; on any error keep serving the last good set."""
        self._stamp = self.stamp()
        try:
            fresh = load_bundle(self.root)
        except ConfigError as exc:
            for p in exc.problems:
                log.error("reload refused: %s", p)
            log.error(
                "reload refused: %d problem(s); still serving the last good set", len(exc.problems)
            )
            return False
        except Exception as exc:  # a bug must not take the bot down with it
            log.exception("reload failed (%s); still serving the last good set", type(exc).__name__)
            return False
        self.bundle = fresh
        log.info("reloaded: %d warning(s)", len(fresh.warnings))
        return True

    def stamp(self) -> tuple[tuple[str, int, int], ...]:
        """Names, sizes and mtimes of every watched file: cheap enough to poll each second."""
        found: list[tuple[str, int, int]] = []
        for name in WATCHED:
            path = self.root / name
            files = (
                [path] if path.is_file() else sorted(path.glob("*.yaml")) if path.is_dir() else []
            )
            for f in files:
                try:
                    st = f.stat()
                except OSError:
                    continue
                found.append((str(f), st.st_size, st.st_mtime_ns))
        return tuple(found)

    def changed(self) -> bool:
        return self.stamp() != self._stamp
