"""A local stack for tests and benchmarks: the broker and Redis started by the same infra scripts
that `make up` uses, on ports of the caller's choosing (so a running dev stack is left alone), and
service workers as OS processes that can be stopped, or killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Stack:
    kafka_port: int
    redis_port: int
    state_dir: Path
    brokers: int = 1
    """Nodes of the KRaft cluster (combined broker and controller); node i listens for clients
    on kafka_port + 2(i - 1)."""

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{self.kafka_port + 2 * i}" for i in range(self.brokers))

    def node_pid(self, node: int) -> int:
        return int((self.state_dir / "kafka" / f"node-{node}.pid").read_text())

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def script_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_PORT": str(self.kafka_port),
            "KAFKA_STATE_DIR": str(self.state_dir / "kafka"),
            "REDIS_PORT": str(self.redis_port),
            "REDIS_STATE_DIR": str(self.state_dir / "redis"),
        }

    def start(self) -> None:
        kafka = ["infra/kafka/kafkactl", "start", "--brokers", str(self.brokers)]
        for cmd in (["infra/redis/redisctl", "start"], kafka):
            subprocess.run(cmd, cwd=ROOT, env=self.script_env(), check=True)

    def stop(self) -> None:
        for cmd in (["infra/kafka/kafkactl", "stop"], ["infra/redis/redisctl", "stop"]):
            subprocess.run(cmd, cwd=ROOT, env=self.script_env(), check=False)


FAUST_READY = b"[^Worker]: Ready"
CONSOLE_READY = b"review console on http://"


@dataclass
class ServiceProcess:
    """One service worker as its own OS process, like `make up` runs it."""

    module: str
    env: dict[str, str]
    log_path: Path
    ready_marker: bytes = FAUST_READY
    """The log line that says the service is ready (faust's, or the console's own)."""
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, ready_timeout_s: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + ready_timeout_s
        while self.ready_marker not in self.log_path.read_bytes()[offset:]:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.module} exited; see {self.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.module} not ready; see {self.log_path}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no flush, no commit, no goodbye."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
