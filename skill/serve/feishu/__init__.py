"""``ima-nano-banana serve feishu``: a Feishu bot of its own, on the bots' shared foundation.

* :mod:`.config`: the app's settings (``FEISHU_*``) and the bot's limits;
* :mod:`.crypto`: the webhook's signature and AES-256-CBC decryption;
* :mod:`.events`: an event's payload (``im.message.receive_v1``, ``card.action.trigger``) read
  into what the bot needs: who, where, the words and the pictures;
* :mod:`.card` and :mod:`.sink`: the conversation as one card, replied in the thread of the
  person's message and edited in place; the picture shown in it; the alternatives as buttons;
* :mod:`.door`: the bot itself: events in (from either mode), :class:`skill.serve.Bot` behind;
* :mod:`.webhook`: ``POST /feishu/events`` (request-URL mode);
* :mod:`.longconn`: the official SDK's long connection (the default mode, no public URL);
* :mod:`.check` and :mod:`.command`: ``--check``, and the command's life until SIGTERM.

Nothing here is imported unless the command runs; lark-oapi only in the long-connection mode.
"""
