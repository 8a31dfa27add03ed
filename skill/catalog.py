"""What we know of the Nano Banana models that the server does not say.

Ids and prices are the server's: they come from the live product list at run time and are
never written here. This module holds the rest: display names to fall back on, the expected
time of each model, how often to poll and to report progress, the fallback alternatives, and
the limits and timeouts the rest of the code uses (no magic numbers in logic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tier = Literal["balanced", "premium"]


@dataclass(frozen=True)
class ModelInfo:
    """Facts about one Nano Banana model that are ours, not the server's."""

    model_id: str
    #: Shown when the product list gives no name (it normally does: "Nano Banana 2").
    display_name: str
    #: Expected time, seconds (the skill card's table): the start notice and progress use it.
    eta_s: tuple[int, int]
    #: The skill card's fixed poll interval (seconds): used only when a caller asks for a
    #: fixed schedule; by default polls follow the expected time (:mod:`skill.ima.polling`).
    poll_interval_s: float
    #: Send a progress message this often (seconds).
    progress_interval_s: float
    tier: Tier

    @property
    def estimated_max_s(self) -> int:
        return self.eta_s[1]


NANO_BANANA_2 = ModelInfo(
    model_id="gemini-3.1-flash-image",
    display_name="Nano Banana 2",
    eta_s=(20, 40),
    poll_interval_s=5.0,
    progress_interval_s=15.0,
    tier="balanced",
)

NANO_BANANA_PRO = ModelInfo(
    model_id="gemini-3-pro-image",
    display_name="Nano Banana Pro",
    eta_s=(60, 120),
    poll_interval_s=5.0,
    progress_interval_s=30.0,
    tier="premium",
)

MODELS: dict[str, ModelInfo] = {m.model_id: m for m in (NANO_BANANA_2, NANO_BANANA_PRO)}

#: No model named and no saved preference: the balanced default.
DEFAULT_MODEL_ID = NANO_BANANA_2.model_id
#: Premium words ("最好", "best quality") pick this one.
PREMIUM_MODEL_ID = NANO_BANANA_PRO.model_id
#: Budget words ("最便宜", "cheapest") pick this model at this size.
BUDGET_MODEL_ID = NANO_BANANA_2.model_id
BUDGET_SIZE = "512px"

#: When a model fails, offer these two: another model first, then the same model at a
#: different size (the skill card's fallback table).
FALLBACK_MODEL: dict[str, str] = {
    NANO_BANANA_2.model_id: NANO_BANANA_PRO.model_id,
    NANO_BANANA_PRO.model_id: NANO_BANANA_2.model_id,
}

TASK_TYPES: tuple[str, ...] = ("text_to_image", "image_to_image")
#: The acknowledgement, said before the live product list is read, names a ratio or a size
#: only when it is one of these, which every Nano Banana model offers: it never promises a
#: picture that the next message has to refuse ("a 3:7 cat picture").
ACK_RATIOS: tuple[str, ...] = ("1:1", "16:9", "9:16", "4:3", "3:4")
ACK_SIZES: tuple[str, ...] = ("1K", "2K", "4K")
SIZES: tuple[str, ...] = ("512px", "1K", "2K", "4K")
MAX_SIZE = "4K"

# Links the person is given for key and credit problems (the skill card's error table).
API_KEY_URL = "https://www.imaclaw.ai/imaclaw/apikey"
SUBSCRIPTION_URL = "https://www.imaclaw.ai/imaclaw/subscription"

# --- limits and timeouts -------------------------------------------------------------------
#: The product list is re-read after this many seconds (ids and prices are the server's).
PRODUCT_LIST_TTL_S = 60.0
#: Give up waiting for a task after this long (the vendor's practice), unless --timeout says.
TASK_TIMEOUT_S = 600.0
#: One HTTP request may take this long before it counts as a network failure.
HTTP_TIMEOUT_S = 30.0
#: One client sends at most this many requests at once (and keeps as many connections);
#: the rest wait their turn (one process may serve a thousand conversations).
HTTP_MAX_IN_FLIGHT = 32
#: Safe requests (product list, detail, upload token) are tried at most this many times.
RETRY_ATTEMPTS = 4
RETRY_BACKOFF_BASE_S = 0.5
RETRY_BACKOFF_CAP_S = 8.0
#: A Retry-After longer than this is not waited for: the request fails as rate-limited.
RETRY_AFTER_CAP_S = 30.0
#: A create refused with 429 was not accepted, so it is tried once more after the server's
#: Retry-After when that wait fits in this budget (seconds of the run's clock) ...
CREATE_RETRY_BUDGET_S = 30.0
#: ... or after this long when the server named no wait.
CREATE_RETRY_WAIT_S = 1.0
#: image_to_image accepts at most this many input images (the product list's maxLimit).
MAX_INPUT_IMAGES = 14
#: A local input image larger than this is refused before anything is sent.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: A result image larger than this is not saved by ``run --out-dir`` (the link still works).
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
#: One message makes at most this many pictures ("画三张猫": three tasks); more asked for are
#: capped, and the person is told.
MAX_PICTURES = 4
#: A description longer than this (characters) is refused with a message that says so: it is
#: never cut short silently.
MAX_PROMPT_CHARS = 2000
#: A person's last job in a chat is remembered this long for follow-ups ("好的", "再来一张").
FOLLOWUP_MEMORY_S = 24 * 3600.0
#: Seen-event marks (deduplication of redelivered chat events) are kept this long.
DEDUP_TTL_S = 24 * 3600.0
#: ``demo``: the slowest model's longest expected time plays out in about this many real
#: seconds (the simulator and the conversation's clock are sped up alike).
DEMO_TARGET_S = 5.0
#: ``demo``: the key the built-in simulator accepts (not a real key; nothing is charged).
DEMO_KEY = "ima_sim_demo_key"
# --- polling (skill.ima.polling explains the schedule; bench/polling.py measures it) --------
#: The first poll, seconds after the create: a task rejected at once is reported by then, and
#: a finish even earlier than the promised range waits no longer than this.
POLL_FIRST_S = 5.0
#: Then one poll every this many seconds, on a grid counted from the first: the widest gap
#: that keeps the promise (a finished task is seen at most this late, half of it on average).
POLL_GAP_S = 3.0
#: The grid holds until this multiple of the expected maximum (the card's upper bound, or the
#: server's ``EET`` one when it is later): Nano Banana 2 80 s, Pro 240 s.
POLL_STEADY_SPAN = 2.0
#: No two polls closer than this (a poll made off the grid, say at once on resume).
POLL_MIN_GAP_S = 0.5
#: Past the grid the gap grows by this share of the time overdue, up to the cap.
POLL_OVERDUE_GROWTH = 0.25
POLL_OVERDUE_MAX_GAP_S = 15.0
#: Progress messages never claim more than this before the server says done.
PROGRESS_CAP_PERCENT = 95
#: Past the expected maximum, progress thins out: one message every this many intervals ...
PROGRESS_OVERDUE_EVERY = 2
#: ... and from this multiple of the maximum on, one last "still working" note, then quiet
#: until the picture or the deadline.
PROGRESS_STILL_WORKING_AT = 2.0


def model_info(model_id: str) -> ModelInfo:
    """The facts of a Nano Banana model; ``KeyError`` for any other model id."""
    return MODELS[model_id]


def is_nano_banana(model_id: str) -> bool:
    return model_id in MODELS
