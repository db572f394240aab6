"""Where and when a run happened: date, CPUs, memory, CPU model, load, versions."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.targets import pg_server_version

ROOT = Path(__file__).resolve().parents[1]


def status_bytes(field_name: str, pid: int | str = "self") -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``) in bytes; 0 if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _run(*args: str, empty: str = "?") -> str:
    """The command's output; ``empty`` when it printed nothing, "?" when it cannot run."""
    try:
        out = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    except OSError:
        return "?"
    return out.stdout.strip() or empty


def _meminfo_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


@dataclass(frozen=True)
class Machine:
    date: str
    nproc: str
    memory: str
    cpu: str
    load: str
    python: str
    sqlite: str
    postgresql: str
    commit: str

    @classmethod
    def now(cls, pg_url: str | None) -> Machine:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        dirty = (
            " (working tree modified)"
            if _run("git", "status", "--porcelain", "src", empty="")
            else ""
        )
        return cls(
            date=_run("date", "-u"),
            nproc=_run("nproc"),
            memory=_meminfo_gib(),
            cpu=_cpu_model(),
            load=load,
            python=platform.python_version(),
            sqlite=sqlite3.sqlite_version,
            postgresql=pg_server_version(pg_url) if pg_url else "not used",
            commit=_run("git", "rev-parse", "--short", "HEAD") + dirty,
        )

    def markdown(self) -> list[str]:
        return [
            f"- date: {self.date}",
            f"- machine: {self.nproc} CPUs ({self.cpu}), {self.memory} RAM,"
            f" load average at start {self.load} (1/5/15 min)",
            f"- versions: Python {self.python}, SQLite {self.sqlite},"
            f" PostgreSQL server {self.postgresql}",
            f"- code: commit {self.commit}",
        ]
