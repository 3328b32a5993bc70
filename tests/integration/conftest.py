"""Session fixtures: one real Kafka broker and one real Redis for the whole integration tier,
on ports of their own (19092/19093 and 16379), with fresh state each session. Each test gets
its own topic prefix, so tests never see each other's messages or consumer groups."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from services.state.round_trip import RedisClient
from usewatch.admin import ensure_topics
from usewatch.localstack import ROOT, ServiceProcess, Stack

TEST_STATE = ROOT / ".run" / "test-stack"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    shutil.rmtree(TEST_STATE, ignore_errors=True)
    s = Stack(kafka_port=19092, redis_port=16379, state_dir=TEST_STATE)
    s.stop()  # left over from an interrupted session
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def prefix(stack: Stack) -> str:
    """A fresh namespace: topics `<prefix>generations`, ... created, consumer groups unused."""
    p = f"t{uuid.uuid4().hex[:10]}-"
    ensure_topics([stack.bootstrap], p)
    return p


@pytest.fixture
def service(stack: Stack, prefix: str) -> Iterator[Callable[[str], ServiceProcess]]:
    """Factory: `service("gateway")` starts `python -m services.gateway` against the test stack."""
    started: list[ServiceProcess] = []

    def start(name: str, **env: str) -> ServiceProcess:
        proc = ServiceProcess(
            module=f"services.{name}",
            env={
                **stack.script_env(),
                "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
                "REDIS_URL": stack.redis_url,
                "TOPIC_PREFIX": prefix,
                "FAUST_DATA_DIR": str(TEST_STATE / "faust"),
                **env,
            },
            log_path=TEST_STATE / "logs" / f"{prefix}{name}.log",
        )
        proc.start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


OWN_REDIS_PORT = 16479
OWN_REDIS_URL = f"redis://127.0.0.1:{OWN_REDIS_PORT}/0"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """A Redis of this test's own at OWN_REDIS_URL (the session's stays up for the others),
    persistent like the dev stack's and started on entry. `own_redis("kill")` is kill -9 (a
    crash: the append-only file stays), `own_redis("lose")` kill -9 and its files deleted (the
    store is gone), `own_redis("start")` brings it back."""
    state = tmp_path / "own-redis"
    env = {**os.environ, "REDIS_PORT": str(OWN_REDIS_PORT), "REDIS_STATE_DIR": str(state)}

    def ctl(command: str) -> None:
        if command == "lose":
            ctl("kill")
            shutil.rmtree(state)
            return
        subprocess.run([ROOT / "infra/redis/redisctl", command], env=env, check=True)

    ctl("start")
    try:
        yield ctl
    finally:
        ctl("stop")


REDIS_CLUSTER_PORT = 16701  # and the two after it


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[str]:
    """A three-master Redis Cluster on loopback (`redisctl cluster-start`), started the first
    time a test asks for it; yields the URL of one of its nodes."""
    env = {
        **os.environ,
        "REDIS_PORT": str(REDIS_CLUSTER_PORT),
        "REDIS_STATE_DIR": str(TEST_STATE / "redis-cluster"),
    }
    ctl = ROOT / "infra/redis/redisctl"
    subprocess.run([ctl, "cluster-stop"], env=env, check=True)  # left over from an interrupted run
    shutil.rmtree(TEST_STATE / "redis-cluster", ignore_errors=True)
    subprocess.run([ctl, "cluster-start"], env=env, check=True)
    try:
        yield f"redis://127.0.0.1:{REDIS_CLUSTER_PORT}/0"
    finally:
        subprocess.run([ctl, "cluster-stop"], env=env, check=True)


REDIS_KINDS = ["redis", "cluster"]
"""Every Redis store's contract runs on one Redis and on the three-master cluster."""


def redis_of(kind: str, request: pytest.FixtureRequest) -> RedisClient:
    """A client of the session's Redis ("redis") or of the Redis Cluster ("cluster")."""
    if kind == "cluster":
        return RedisCluster.from_url(request.getfixturevalue("redis_cluster"))
    stack: Stack = request.getfixturevalue("stack")
    return aioredis.from_url(stack.redis_url)


POSTGRES_PORT = 15432


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        pytest.fail("PostgreSQL is missing: run make setup (Debian's postgresql package)")
    return found[-1].parent


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1:15432 for this session (Debian's, run as
    the `postgres` user when the tests run as root, since the server refuses root), trusting
    local connections; yields the URL of its `usewatch` database."""
    bin_dir = _postgres_bin()
    base = Path(tempfile.mkdtemp(prefix="usewatch-pg-"))
    data = base / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
    subprocess.run(
        [*as_user, bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "usewatch"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-h 127.0.0.1 -p {POSTGRES_PORT} -k {data}"
    subprocess.run(
        [
            *as_user,
            bin_dir / "pg_ctl",
            "-D",
            data,
            "-o",
            options,
            "-w",
            "-l",
            data / "log",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            [
                bin_dir / "createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(POSTGRES_PORT),
                "-U",
                "usewatch",
                "usewatch",
            ],
            check=True,
        )
        yield f"postgresql://usewatch@127.0.0.1:{POSTGRES_PORT}/usewatch"
    finally:
        subprocess.run(
            [*as_user, bin_dir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], check=False
        )
        shutil.rmtree(base, ignore_errors=True)
