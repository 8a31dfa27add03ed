"""``serve feishu --check``: is everything the bot needs there, and does Feishu accept it?

What it looks at, in order, each problem said in plain words (:class:`skill.render.ServeCheck`,
templates/serve_check.j2): the variables the mode needs (``FEISHU_APP_ID``,
``FEISHU_APP_SECRET``, with ``--webhook`` also ``FEISHU_VERIFICATION_TOKEN`` and
``FEISHU_ENCRYPT_KEY``; ``IMA_API_KEY``); the addresses (``FEISHU_BASE_URL``, ``IMA_BASE_URL``,
``IMA_IM_BASE_URL``: official hosts or loopback only); the tenant token endpoint (Feishu
accepts the credentials); the bot info endpoint (the app has the bot ability); the shared
store when ``IMA_STORE_URL`` is set. Nothing is sent to any chat.
"""

from __future__ import annotations

from collections.abc import Mapping

from skill import settings
from skill.channels._http import ChannelConfigError, ChannelError
from skill.channels.feishu_api import ENV_BASE_URL, FeishuApi, FeishuError
from skill.render import ServeCheck
from skill.serve.feishu.config import FeishuConfig

__all__ = ["check", "settings_problems"]

#: The key under which the check reads the store (nothing is written).
_PROBE_KEY = "feishu:check"


def settings_problems(
    config: FeishuConfig, env: Mapping[str, str], *, webhook: bool
) -> list[ServeCheck]:
    """What is missing or refused in the settings alone (no network)."""
    problems = [ServeCheck("missing", name=name) for name in config.missing(webhook=webhook)]
    if settings.api_key(env=env) is None:
        problems.append(ServeCheck("missing", name=settings.ENV_API_KEY))
    try:
        FeishuApi(app_id="", app_secret="", base_url=config.base_url)
    except ChannelConfigError:
        problems.append(ServeCheck("refused_url", name=ENV_BASE_URL))
    try:
        settings.endpoints(env)
    except settings.EndpointRefused as exc:
        problems.append(ServeCheck("refused_url", name=exc.variable))
    return problems


async def check(env: Mapping[str, str], *, webhook: bool) -> tuple[list[ServeCheck], bool]:
    """The lines to print, and whether the bot can start."""
    config = FeishuConfig.from_env(env)
    config.protect()
    problems = settings_problems(config, env, webhook=webhook)
    if any(p.problem == "refused_url" and p.name == ENV_BASE_URL for p in problems) or (
        not config.app_id or not config.app_secret
    ):
        return problems, False
    api = FeishuApi(app_id=config.app_id, app_secret=config.app_secret, base_url=config.base_url)
    bot_name: str | None = None
    try:
        await api.tenant_token()
    except FeishuError:
        problems.append(ServeCheck("credentials_refused"))
    except ChannelError:
        problems.append(ServeCheck("unreachable"))
    else:
        try:
            info = await api.bot_info()
            bot_name = str(info.get("app_name") or info.get("open_id"))
        except ChannelError:
            problems.append(ServeCheck("no_bot"))
    finally:
        await api.aclose()
    problems += await _store_problems(env)
    if problems or bot_name is None:
        return problems, False
    return [ServeCheck("ready", detail=bot_name)], True


async def _store_problems(env: Mapping[str, str]) -> list[ServeCheck]:
    if settings.store_url(env) is None:
        return []
    from skill.store import open_store

    try:
        store = open_store(env)
    except ValueError:
        return [ServeCheck("refused_url", name=settings.ENV_STORE_URL)]
    try:
        await store.note(_PROBE_KEY)
    except OSError:
        return [ServeCheck("store", name=settings.ENV_STORE_URL)]
    finally:
        await store.aclose()
    return []
