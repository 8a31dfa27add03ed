"""The Discord bot: ``/imagine`` and its buttons over Discord's HTTP interactions endpoint.

No gateway connection: Discord posts every interaction to ``POST /discord/interactions``, so
any number of replicas can sit behind one URL (with ``IMA_STORE_URL=redis://...`` shared).

* :mod:`~skill.serve.discord.config`: the settings (``DISCORD_*``) and Discord's limits;
* :mod:`~skill.serve.discord.verify`: the Ed25519 check of every request;
* :mod:`~skill.serve.discord.wire`: the interaction payload and Discord's codes;
* :mod:`~skill.serve.discord.door`: the endpoint: PING, ``/imagine``, button presses;
* :mod:`~skill.serve.discord.sink`: one interaction's answer, edited in place;
* :mod:`~skill.serve.discord.buttons`: the buttons under a picture and what a press says;
* :mod:`~skill.serve.discord.command`: the ``/imagine`` command, as registered;
* :mod:`~skill.serve.discord.rest`: the REST calls;
* :mod:`~skill.serve.discord.main`: ``ima-nano-banana serve discord [--register]``.

Its third-party packages (the ``discord`` extra: ``cryptography``, Starlette, uvicorn) load
only with this package's modules, never with the rest of the skill.
"""
