"""Atomic replacement of files and directory sets: a reader sees the old or the new, never half."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush a file (or a directory entry list) to disk before it is swapped in."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def replace_file(new_file: Path, target: Path) -> None:
    """Move ``new_file`` over ``target`` in one rename (both in the same directory)."""
    fsync_path(new_file)
    os.replace(new_file, target)
    fsync_path(target.parent)


def swap_symlink(link: Path, target_dir: Path) -> None:
    """Point ``link`` at ``target_dir`` atomically: a new link is renamed over the old one."""
    staging_link = link.with_name(f".{link.name}.new")
    staging_link.unlink(missing_ok=True)
    # A relative target keeps the serving folder movable (and mountable on another machine).
    staging_link.symlink_to(os.path.relpath(target_dir, link.parent), target_is_directory=True)
    os.replace(staging_link, link)
    fsync_path(link.parent)


def prune_versions(versions_dir: Path, keep: int, current: Path) -> list[Path]:
    """Remove all but the newest ``keep`` complete versions; never the current one."""
    complete = sorted(
        (p for p in versions_dir.iterdir() if p.is_dir() and not p.name.endswith(".tmp")),
        key=lambda p: p.name,
    )
    removed = []
    live = current.resolve() if current.exists() else None
    for old in complete[:-keep] if keep > 0 else complete:
        if old.resolve() != live:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed
