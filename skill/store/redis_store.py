"""The shared store: everything :class:`~skill.store.base.Store` keeps, in one Redis.

``IMA_STORE_URL=redis://host:port/db`` (see :func:`skill.store.open_store`) puts a bot's state
where all its replicas see it, so the same event reaching two replicas creates once and a
replica that dies leaves its jobs for another to finish. Needs the ``redis`` extra
(``pip install 'ima-nano-banana[redis]'``); nothing imports this module unless the variable is
set.

Keys, all under one prefix (default ``ima:``)::

    prefs:<user>             hash: task type -> {"model_id", "model_name", "credit", "last_used"}
    job:<job id>             one Job (JSON, through pydantic), the journal's record
    task:<task id>           -> its job's id (a job is found by any of its task ids)
    pending, pending:<user>  sorted sets of pending job ids, scored by when the create was sent
    memory:<chat+person>     the follow-up memory: {"at", "job"}, for FOLLOWUP_MEMORY_S
    hold:<chat+person>       a claim's random token, expiring unless its holder refreshes it
    seen:<key>               a seen event, for its ttl
    tally:<key>, note:<key>  counters (daily budgets) and a bot's notes, for their ttl
    aside:<key>:<stamp>      a record that could not be read, set aside for a week

Finished jobs expire after the journal's retention (a week); pending ones stay until they end.
Every text a caller supplied is redacted before it is written, as in the file journal. A record
that cannot be read is set aside with one log line and never stops a run. The key of the IMA
API is never given to this module; the URL's password is registered with the log redactor and
never appears in an error (the URL is shown without it).

Redis unreachable (or answering errors): every operation raises
:class:`~skill.store.base.StoreUnavailable`, an ``OSError``, within about
:data:`SOCKET_TIMEOUT_S` seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from skill import catalog
from skill.job import PENDING, Job
from skill.logs import redact, register_secret
from skill.store.base import StoreUnavailable
from skill.store.journal import JOURNAL_RETENTION_DAYS, stored_form, stored_id
from skill.store.prefs import Preference
from skill.store.redis_lease import RedisLease, ms

__all__ = ["DEFAULT_PREFIX", "LEASE_TTL_S", "RedisStore", "StoreURLRefused", "check_store_url"]

log = logging.getLogger("skill.store.redis")

DEFAULT_PREFIX = "ima:"
#: A claim ("a generation is running here") lives this long unless its holder refreshes it,
#: which it does every third of it: a replica that dies lets go within this time.
LEASE_TTL_S = 30.0
#: A command that gets no answer within this many seconds means the store is unavailable.
SOCKET_TIMEOUT_S = 2.0
#: Retries of a command whose connection failed (a restarted server, a dropped socket), with
#: a short backoff: enough for a reconnect, short enough to say "busy" within a second or two.
RETRIES = 2
RETRY_BACKOFF_BASE_S = 0.05
RETRY_BACKOFF_CAP_S = 0.25
#: Connections a process opens at most; a command finding them all busy waits for one up to
#: :data:`POOL_WAIT_S` (redis-py's plain pool refuses it at once, and a burst of events then
#: read as "the store is unavailable": people were told the service was busy while it was up).
MAX_CONNECTIONS = 100
POOL_WAIT_S = 10.0
#: Unreadable records are kept aside this long, for someone to look at.
ASIDE_TTL_S = 7 * 24 * 3600.0
FINISHED_TTL_S = JOURNAL_RETENTION_DAYS * 24 * 3600.0
#: Parts of a key kept readable as they are; anything else is hashed.
_PLAIN_PART = re.compile(r"[A-Za-z0-9_.@:-]{1,128}")
SCHEMES = frozenset({"redis", "rediss", "unix"})

# Lua, so that each is one atomic step however many replicas run it (the claim's: redis_lease).
_TALLY = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if ARGV[2] ~= '' and amount > 0 and current + amount > tonumber(ARGV[2]) then
  return false
end
local total = redis.call('INCRBY', KEYS[1], amount)
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return total
"""
_SET_ASIDE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class StoreURLRefused(ValueError):
    """``IMA_STORE_URL`` is not a Redis URL (said without the URL, which may hold a password)."""


def check_store_url(url: str) -> str:
    """``url`` as given when it is a Redis URL; else :class:`StoreURLRefused`."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise StoreURLRefused(
            "IMA_STORE_URL must be a redis://, rediss:// or unix:// URL (redis://host:port/db)"
        )
    return url


def shown_url(url: str) -> str:
    """The URL without its user and password: what a log line or an error may say."""
    parts = urlsplit(url)
    where = parts.hostname or ""
    if parts.port:
        where = f"{where}:{parts.port}"
    return f"{parts.scheme}://{where}{parts.path}"


def _part(value: str) -> str:
    """One part of a key: the id itself when it is plain, else a hash of it."""
    if _PLAIN_PART.fullmatch(value):
        return value
    return "#" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _pair(chat_id: str, user_id: str) -> str:
    raw = f"{chat_id}\x00{user_id}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:40]


def _str(value: object) -> str | None:
    """A reply of the client as text (it decodes replies; its types also allow bytes)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _created_score(job: Job) -> float:
    text = job.created_at
    if text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.timestamp()
    return datetime.now(timezone.utc).timestamp()


class RedisStore:
    """:class:`skill.store.base.Store` on Redis (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        lease_ttl_s: float = LEASE_TTL_S,
        socket_timeout_s: float = SOCKET_TIMEOUT_S,
    ) -> None:
        check_store_url(url)
        register_secret(urlsplit(url).password)
        self.url = shown_url(url)
        self.prefix = prefix
        self.lease_ttl_s = lease_ttl_s
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_WAIT_S,
            decode_responses=True,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=socket_timeout_s,
            retry=Retry(
                ExponentialBackoff(cap=RETRY_BACKOFF_CAP_S, base=RETRY_BACKOFF_BASE_S), RETRIES
            ),
        )
        self._redis: aioredis.Redis = aioredis.Redis.from_pool(pool)
        self._scripts: dict[str, Any] = {}

    # --- plumbing ------------------------------------------------------------------------------
    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @contextlib.asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        """Any failure of Redis as :class:`StoreUnavailable`, without the URL's password."""
        try:
            yield
        except (RedisError, OSError) as exc:
            if isinstance(exc, StoreUnavailable):
                raise
            raise StoreUnavailable(
                f"the store at {self.url} is unavailable ({type(exc).__name__})"
            ) from None

    async def _run_script(self, source: str, keys: list[str], args: list[Any]) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self._redis.register_script(source)
        async with self._guard():
            return await script(keys=keys, args=args)

    async def _set_aside(self, key: str, raw: str, why: str) -> None:
        """Move an unreadable record out of the way (if nobody replaced it meanwhile)."""
        aside = self._k("aside", key.removeprefix(self.prefix), _stamp())
        log.warning("set aside %s: %s", key, why)
        with contextlib.suppress(StoreUnavailable):
            await self._run_script(_SET_ASIDE, [key, aside], [raw, ms(ASIDE_TTL_S)])

    async def _load_job(self, key: str, raw: str | None) -> Job | None:
        if raw is None:
            return None
        try:
            return Job.model_validate_json(raw)
        except ValidationError as exc:
            await self._set_aside(key, raw, f"not a job ({type(exc).__name__})")
            return None

    async def ping(self) -> bool:
        """Whether the store answers now (health checks)."""
        try:
            async with self._guard():
                return bool(await self._redis.ping())
        except StoreUnavailable:
            return False

    # --- preferences -----------------------------------------------------------------------
    async def saved_model(self, user_id: str, task_type: str) -> str | None:
        async with self._guard():
            raw = _str(await self._redis.hget(self._k("prefs", _part(user_id)), task_type))
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
        except ValueError:
            return None
        model_id = entry.get("model_id") if isinstance(entry, dict) else None
        if isinstance(model_id, str) and catalog.is_nano_banana(model_id):
            return model_id
        return None

    async def save_model(
        self, user_id: str, task_type: str, *, model_id: str, model_name: str, credit: int | None
    ) -> None:
        if not catalog.is_nano_banana(model_id):
            raise ValueError(f"not a Nano Banana model: {model_id!r}")
        entry = Preference(
            model_id=model_id,
            model_name=model_name,
            credit=credit,
            last_used=datetime.now(timezone.utc).isoformat(),
        )
        async with self._guard():
            await self._redis.hset(
                self._k("prefs", _part(user_id)), task_type, json.dumps(entry.as_json())
            )

    async def clear_model(self, user_id: str, task_type: str | None = None) -> int:
        key = self._k("prefs", _part(user_id))
        async with self._guard():
            if task_type is not None:
                return int(await self._redis.hdel(key, task_type))
            fields = await self._redis.hkeys(key)
            return int(await self._redis.hdel(key, *fields)) if fields else 0

    # --- the journal ---------------------------------------------------------------------------
    async def record(self, job: Job) -> Job:
        previous = job.job_id
        job_id = stored_id(job)
        stored = stored_form(job, job_id)
        user = _part(stored.request.user_id)
        job_key = self._k("job", _part(job_id))
        task_keys = [self._k("task", _part(t)) for t in stored.task_ids]
        pending_keys = (self._k("pending"), self._k("pending", user))
        async with self._guard():
            pipe = self._redis.pipeline(transaction=True)
            pipe.set(job_key, stored.model_dump_json())
            for task_key in task_keys:
                pipe.set(task_key, job_id)
            if stored.status == PENDING:
                score = _created_score(stored)
                for pending in pending_keys:
                    pipe.zadd(pending, {job_id: score})
            else:
                for pending in pending_keys:
                    pipe.zrem(pending, job_id)
                for key in (job_key, *task_keys):
                    pipe.pexpire(key, ms(FINISHED_TTL_S))
            if previous is not None and previous != job_id:  # re-keyed by its first task
                pipe.delete(self._k("job", _part(previous)))
                for pending in pending_keys:
                    pipe.zrem(pending, previous)
            await pipe.execute()
        log.info(
            "journal: job %s %s (tasks %s, user=%s)",
            job_id,
            stored.status,
            ",".join(stored.task_ids) or "-",
            stored.request.user_id,
        )
        return stored

    async def job(self, key: str) -> Job | None:
        own_key = self._k("job", _part(key))
        async with self._guard():
            raw = _str(await self._redis.get(own_key))
        found = await self._load_job(own_key, raw)
        if found is not None and (found.job_id == key or key in found.task_ids):
            return found
        async with self._guard():
            job_id = _str(await self._redis.get(self._k("task", _part(key))))
            if job_id is None:
                return None
            job_key = self._k("job", _part(job_id))
            raw = _str(await self._redis.get(job_key))
        found = await self._load_job(job_key, raw)
        if found is not None and key in found.task_ids:
            return found
        return None

    async def pending(self, user_id: str | None = None) -> list[Job]:
        index = self._k("pending") if user_id is None else self._k("pending", _part(user_id))
        async with self._guard():
            ids = [str(_str(i)) for i in await self._redis.zrevrange(index, 0, -1)]
            if not ids:
                return []
            keys = [self._k("job", _part(i)) for i in ids]
            raws = [_str(r) for r in await self._redis.mget(keys)]
        found: list[Job] = []
        gone: list[str] = []
        for job_id, key, raw in zip(ids, keys, raws, strict=True):
            job = await self._load_job(key, raw)
            if job is None:
                gone.append(job_id)  # expired, or set aside just now
            elif job.status == PENDING and (user_id is None or job.request.user_id == user_id):
                found.append(job)
        if gone:
            with contextlib.suppress(StoreUnavailable):
                async with self._guard():
                    await self._redis.zrem(index, *gone)
        return found

    # --- the follow-up memory ------------------------------------------------------------------
    async def remember(self, job: Job) -> None:
        request = job.request
        safe = job.redacted(redact)  # as in the journal: a pasted key is never written down
        body = {"at": datetime.now(timezone.utc).isoformat(), "job": safe.model_dump(mode="json")}
        key = self._k("memory", _pair(request.chat_id, request.user_id))
        async with self._guard():
            await self._redis.set(key, json.dumps(body), px=ms(catalog.FOLLOWUP_MEMORY_S))

    async def last_job(self, chat_id: str, user_id: str) -> Job | None:
        key = self._k("memory", _pair(chat_id, user_id))
        async with self._guard():
            raw = _str(await self._redis.get(key))
        if raw is None:
            return None
        try:
            body = json.loads(raw)
            moment = datetime.fromisoformat(str(body["at"]))
            job = Job.model_validate(body["job"])
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            # A memory that cannot be read costs only the follow-up, never the run.
            await self._set_aside(key, raw, f"not a remembered job ({type(exc).__name__})")
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if datetime.now(timezone.utc) - moment > timedelta(seconds=catalog.FOLLOWUP_MEMORY_S):
            return None
        if (job.request.chat_id, job.request.user_id) != (chat_id, user_id):
            return None  # a hash collision is as good as nothing remembered
        return job

    # --- claims, seen events, counters, notes -----------------------------------------------
    async def hold(self, chat_id: str, user_id: str) -> RedisLease | None:
        key = self._k("hold", _pair(chat_id, user_id))
        token = secrets.token_hex(16)
        async with self._guard():
            taken = await self._redis.set(key, token, nx=True, px=ms(self.lease_ttl_s))
        if not taken:
            return None
        return RedisLease(self._run_script, key, token, self.lease_ttl_s)

    async def first_time(self, key: str, ttl_s: float) -> bool:
        async with self._guard():
            return bool(
                await self._redis.set(self._k("seen", _part(key)), "1", nx=True, px=ms(ttl_s))
            )

    async def tally(self, key: str, amount: int, *, limit: int | None, ttl_s: float) -> int | None:
        args = [amount, "" if limit is None else limit, ms(ttl_s)]
        total = await self._run_script(_TALLY, [self._k("tally", _part(key))], args)
        return None if total is None else int(total)

    async def put_note(self, key: str, note: Mapping[str, str], ttl_s: float) -> None:
        async with self._guard():
            await self._redis.set(self._k("note", _part(key)), json.dumps(dict(note)), px=ms(ttl_s))

    async def note(self, key: str) -> dict[str, str] | None:
        async with self._guard():
            raw = _str(await self._redis.get(self._k("note", _part(key))))
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        return {str(k): str(v) for k, v in value.items()}

    async def aclose(self) -> None:
        """Close the connections (a store out of reach has none to close)."""
        with contextlib.suppress(RedisError, OSError):
            await self._redis.aclose()
