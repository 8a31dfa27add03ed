"""The follow-up reading: what a message says about the chat's last picture.

"好的", "第二个", "再来一张", "换成竖图", "把它变成水彩画", "上一张图呢", "算了" (and "ok", "the
second one", "one more", "make it landscape", "make it darker", "where is my picture", "never
mind") mean nothing on their own: they refer to the last picture of the chat. This module says
which :class:`Followup` the words are; whether there is a last picture to follow, and what it
was, is the conversation's business (:mod:`skill.flow.followup`), not the parser's.

Short messages are matched whole, after :func:`squeeze` (case, spaces, punctuation and emoji
dropped; a thumbs-up is an "ok"), against word lists, typos included; longer ones only through
what the parser left of them (the prompt): nothing left but filler ("好的", "再", "please")
means the message only changed or repeated the last picture. Patterns compile on first use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from itertools import groupby

ACCEPT = "accept"
CHOOSE = "choose"
AGAIN = "again"
CHANGE = "change"
EDIT = "edit"
FETCH = "fetch"
DECLINE = "decline"
KINDS: tuple[str, ...] = (ACCEPT, CHOOSE, AGAIN, CHANGE, EDIT, FETCH, DECLINE)

#: Only messages this short (in characters) are matched whole against the word lists: a
#: follow-up is a few words, and longer text is a description.
SHORT_MAX = 40


class Followup:
    """What the words say about the last picture (``parse --json``'s ``followup``).

    Immutable. A plain class, not a dataclass: building a dataclass costs a millisecond at
    import, which ``parse`` and ``run``'s first reply would pay.
    """

    __slots__ = ("changes", "choice", "kind")

    kind: str
    choice: int | None
    changes: tuple[tuple[str, object], ...]

    def __init__(
        self, kind: str, choice: int | None = None, changes: tuple[tuple[str, object], ...] = ()
    ) -> None:
        #: One of :data:`KINDS`.
        object.__setattr__(self, "kind", kind)
        #: Which alternative (1 or 2) for ``choose``; else None.
        object.__setattr__(self, "choice", choice)
        #: For ``change``: what changes, as ``(key, value)`` pairs: ``model_id``, ``size``,
        #: ``aspect_ratio`` (``None``: back to the model's default shape), ``other_model``
        #: (True: the other Nano Banana model).
        object.__setattr__(self, "changes", changes)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Followup is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Followup):
            return NotImplemented
        return (self.kind, self.choice, self.changes) == (other.kind, other.choice, other.changes)

    def __hash__(self) -> int:
        return hash((self.kind, self.choice, self.changes))

    def __repr__(self) -> str:
        return f"Followup({self.kind!r}, choice={self.choice!r}, changes={self.changes!r})"

    @property
    def changed(self) -> Mapping[str, object]:
        """:attr:`changes` as a mapping."""
        return dict(self.changes)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "choice": self.choice, "changes": dict(self.changes)}


# --- squeezing ---------------------------------------------------------------------------------
_PUNCT = " \t\n\r\x00,.;:!?~\"'`()[]{}<>…—-_*/|#@&=+^%$，。；：！？～、“”‘’（）【】《》「」『』·・"
#: Emoji that say yes or no; every other emoji (and variation selectors) is dropped.
_EMOJI_WORDS = {"👍": "ok", "👌": "ok", "🆗": "ok", "✅": "ok", "🙆": "ok", "👎": "no", "🙅": "no"}
#: Punctuation and spaces out, the yes/no emoji as words: a small table (a table of every emoji
#: code point would cost a millisecond to build in each process that parses one message).
_SQUEEZE = str.maketrans({**dict.fromkeys(_PUNCT), **_EMOJI_WORDS})


@cache
def _emoji() -> re.Pattern[str]:
    """Emoji, variation selectors and the zero-width joiner (a character class: compiled in
    microseconds, on the first message with a character outside ASCII)."""
    return re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe00-\ufe0f\u200d]")


def squeeze(text: str) -> str:
    """``text`` lowercased, without spaces, punctuation or emoji (a thumbs-up is "ok")."""
    squeezed = text.lower().translate(_SQUEEZE)
    if squeezed.isascii():
        return squeezed
    return _emoji().sub("", squeezed)


def _collapse(text: str) -> str:
    """Runs of one character as one: "okkk" -> "ok", "嗯嗯嗯" -> "嗯", "yesss" -> "yes"."""
    return "".join(char for char, _ in groupby(text))


# --- the word lists (squeezed forms; typos people make are listed as they are) ----------------
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ACCEPT = _words(
    """
    好 好的 好滴 好哒 好嘞 好呀 好啊 好吧 好哇 好的呀 好的呢 好的吧 好得 好德 好de 嗯好 嗯好的
    可以 可以的 可以呀 可以啊 可以吧 可 行 行吧 行啊 行的 行呀 成 中 嗯 嗯呢 恩 嗯可以 嗯行 对 对的
    是的 是 要 要的 要啊 需要 需要的 来吧 来 试试 试试吧 试试看 试一下 试一试 试下 那试试 那就试试
    重试 重试吧 重试一下 重新试 重新试试 再试 再试一次 再试试 再试一下 没问题 当然 当然可以 好主意
    拜托了 麻烦了 麻烦你了 冲 冲冲冲 搞起 安排 安排上 整 好耶 换吧 换一个吧 就这么办 就这样办 同意
    ok okay okey okie oki okk k kk ok的 ok吧 ok呀 好的ok okok
    yes yeah yep yup ya yea yeh ye yas yse yess yesplease sure surething ofcourse ofc
    goahead goforit doit pleasedo please soundsgood fine alright allright letsdoit letsgo
    retry retryit retryplease tryagain tryitagain trythat tryit yestryagain okretry okdoit
    okgoahead yesgoahead whynot absolutely definitely go goon yesdoit okaytryagain
    oaky okat sur shure suer retyr rety tyragain tryagian goahed doitplease yessure oksure
    """
)
_DECLINE = _words(
    """
    不用 不用了 不用啦 不了 不要了 不要 算了 算了吧 算啦 算了算了 算了不用了 不用了谢谢 不了谢谢
    不必了 不必 不需要 不需要了 先不用 先不用了 先不了 先这样 先这样吧 没事 没事了 取消 取消吧
    不画了 别画了 停 停下 停吧 不想要了 不用麻烦了 罢了 拉倒吧 不要了谢谢 不要了吧 暂时不用
    谢谢 谢谢你 谢了 谢啦 多谢 感谢 好的谢谢 好谢谢 可以了 可以了谢谢 够了 好看 真好看 不错 太棒了
    真棒 很好 很棒 完美 漂亮 好的不用了 嗯不用了 不用谢谢
    no nope nah nay nop noo nothanks nothankyou nevermind nvm nvmd nevermid cancel stop
    forgetit notnow maybelater noneed dont dontbother itsfine thatsfine noitsok imgood imfine
    allgood thanks thankyou thx ty tysm thanku thank thnx thks nice cool great awesome perfect
    loveit lovely beautiful gorgeous amazing okthanks okaythanks thanksalot noimgood nothx
    """
)
_AGAIN = _words(
    """
    再来 再来一张 再来一个 再来一次 再来一幅 再画 再画一张 再画一个 再画一次 再画一幅
    再生成 再生成一张 再生成一次 再做一张 再出一张 再整一张 重来 重画 重新画 重新来
    重新生成 重新画一张 重新生成一张
    重新来一张 另一张 换一张 又一张 再给我一张 再给我来一张 再帮我画一张 再来一张吧 再画一张吧
    again another anotherone onemore onemoretime doitagain makeanother drawanother makeanotherone
    anotherpicture anotherimage anotherpic anotherversion redo regenerate remake redoit againplease
    onemoreplease anotheroneplease drawitagain makeitagain generateagain gen again agian agin
    anotehr anotehrone anoter anoterone onemroe anothr anothrone onemor
    """
)

#: Every word of the lists, with its kind; a word in two lists counts as the first of
#: decline, again, accept.
_KIND_OF: dict[str, str] = {
    **{w: ACCEPT for w in _ACCEPT},
    **{w: AGAIN for w in _AGAIN},
    **{w: DECLINE for w in _DECLINE},
}

# Patterns, on squeezed text, compiled on first use.
_COURTESY_HEAD = (
    r"(?:好的?|好滴|好哒|好嘞|好吧|嗯+|恩+|行|可以|那就?|就|是的|对|ok(?:ay)?的?|yes|yeah|yep|sure"
    r"|alright|please|pls|plz|hmm+|um+)"
)
_COURTESY_TAIL = r"(?:吧|啊|呀|哈+|呢|嘛|哦|喔|啦|please|pls|plz|thanks|thankyou|thx|谢谢|谢啦|ok)"


_PICTURE = r"(?:图片?|照片|画|那张|那幅|结果)"
#: "第二个", "the second one" (choose) and "上一张图呢", "where is my picture" (fetch), whole.
_WHOLE = (
    rf"{_COURTESY_HEAD}*(?:"
    # choose
    r"(?:我|我们)?(?:就|还是)?(?:用|选|要|试试?|来|换)?(?:第(?P<zh>[一二12])(?:个|种|项|号|条|款|张)?"
    r"|(?:方案|选项)(?P<zho>[一二12])|(?P<bare>[12])(?:号|个)?)"
    r"(?:方案|选项|吧|的|那个)?"
    r"|(?:illtake|letsgowith|letsdo|letstry|gowith|use|pick|choose|try|take|ill?go(?:with)?)?"
    r"(?:the)?(?:(?P<en>first|second|1st|2nd)(?:one|option|choice|alternative)?"
    r"|(?:option|choice|number|no|#|alternative)(?P<eno>[12]|one|two))"
    # fetch
    rf"|(?P<fetch>(?:我的|刚才的?|刚刚的?|之前的?|上一?张|上次的?|最后一张|那张|生成的)(?:那张)?{_PICTURE}?"
    r"(?:呢|在哪(?:里|儿)?|去哪了|怎么样了|好了(?:吗|没有?|嘛)?|发我|发给我|还没好吗?)?"
    rf"|{_PICTURE}?(?:呢|好了(?:吗|没有?|嘛)|(?:画|生成|做)好了(?:吗|没有?)?|出来了(?:吗|没)?"
    r"|完成了(?:吗|没)?|还没好(?:吗)?|怎么还没(?:好|出来)|进度(?:呢|怎么样了?)?"
    r"|(?:再|重新)发(?:我|给我)?(?:一次|一下|一遍)?|发(?:我|给我)(?:一下)?)"
    r"|where(?:s|is|are)?(?:my|the|我的)?(?:last|latest)?(?:picture|image|pic|photo|drawing|图片?|照片)s?"
    r"|whereisit|isit(?:ready|done|finished)(?:yet)?|(?:done|ready|finished)yet|anyupdates?"
    r"|(?:the|my)?(?:last|previous|latest)(?:one|picture|image|pic|photo)"
    r"|(?:send|show)(?:me)?(?:it|that|the(?:last)?(?:one|picture|image))(?:again)?"
    r"|resend(?:it)?|sendagain|mypicture|myimage|stillwaiting|howsitgoing|howisitgoing"
    r"|whatsthestatus|status|isitthereyet|hello)"
    rf"){_COURTESY_TAIL}*"
)


@cache
def _whole() -> re.Pattern[str]:
    return re.compile(_WHOLE)


_CHOICES = {"一": 1, "1": 1, "二": 2, "2": 2, "first": 1, "1st": 1, "one": 1}
_CHOICES.update({"second": 2, "2nd": 2, "two": 2})


#: What may be left of a message that only changes or repeats the last picture: Chinese filler
#: (a pattern, Chinese has no spaces) and English filler words.
@cache
def _zh_filler() -> re.Pattern[str]:
    return re.compile(
        r"(?:好的?|好滴|好哒|好嘞|嗯+|恩+|行|可以|那就?|就|请|麻烦你?|帮我|给我|再|重新|重|来|画|生成"
        r"|做|出|弄|改|换|一下|一次|一遍|[一1][张个幅次遍]|张|吧|啊|呀|哈+|呢|嘛|哦|啦|的|试试|试一下"
        r"|看看|效果|谢谢|这张|那张|它|同样|一样|尺寸|大小|比例|格式|样子|ok(?:ay)?|yes|sure|again)*"
    )


_EN_FILLER = _words(
    """
    ok okay yes yeah sure please pls plz thanks again agian one more another redo regenerate
    remake it this that the same picture image pic time version now try do make draw generate
    give me us instead but and then so just with in as a an to one's ones once
    """
)


#: Every character of the Chinese filler (a quick no before the pattern is compiled).
_ZH_FILLER_CHARS = frozenset(
    "好的滴哒嘞嗯恩行可以那就请麻烦你帮我给再重新来画生成做出弄改换一下次遍张个幅1吧啊呀哈呢嘛哦啦"
    "试看效果谢这它同样尺寸大小比例格式子okayessuregain"
)
#: Punctuation to spaces, for splitting what is left of a message into words.
_SPACES = str.maketrans(dict.fromkeys(_PUNCT, " "))


def _only_filler(prompt: str) -> bool:
    ascii_only = prompt.isascii()
    if not ascii_only and _emoji().search(prompt) is not None:
        return False  # "🐶" describes a picture
    for token in prompt.lower().translate(_SPACES).split():
        if token.isascii():
            if token not in _EN_FILLER:
                return False
        elif not set(token) <= _ZH_FILLER_CHARS or _zh_filler().fullmatch(token) is None:
            return False
    return True


#: A word of "again" anywhere in the message: "再", "重新", "again", "one more"...
@cache
def _again_cue() -> re.Pattern[str]:
    return re.compile(r"再|重新|重画|重来|again|another|one\s*more|redo|regenerate|remake", re.I)


@cache
def _edit_said() -> re.Pattern[str]:
    """Words that change the last picture itself, anywhere in what is left of the message."""
    return re.compile(
        r"(?:把|将|给|让|帮我把)\s*(?:它|他|她|这张|那张|这幅|那幅|这个|那个|上一张|刚才那张|图|图片|照片"
        r"|画面|这张图|那张图)"
        r"|(?:背景|颜色|天空|风格|画风|色调|头发|衣服|眼睛|表情|光线|天气|季节)\s*(?:换成|改成|变成|换为|改为"
        r"|弄成|调成|变|换|改)"
        r"|在\s*(?:这|那|上一|刚才那|刚刚那)\s*[张幅]\s*(?:图|图片|照片|画)?\s*(?:上|里)"
        r"|(?:它|这张图?|那张图?)\s*的?\s*(?:背景|颜色|风格)"
        r"|(?<![a-z])(?:make|turn|change|convert|edit|transform)\s+(?:it|this|that|him|her"
        r"|the\s+(?:picture|image|photo|last\s+one|background|sky|colou?rs?))(?![a-z])",
        re.I,
    )


#: Words one of which :func:`_edit_said` needs: plain substring tests before it compiles.
_EDIT_SAID_WORDS = (
    "把", "将", "给", "让", "在", "它", "这", "那", "背景", "颜色", "天空", "风格", "画风", "色调",
    "头发", "衣服", "眼睛", "表情", "光线", "天气", "季节", "make", "turn", "change", "convert",
    "edit", "transform",
)  # fmt: skip


@cache
def _edit_start() -> re.Pattern[str]:
    """An instruction that begins with an edit: "加一顶帽子", "变成水彩画", "add a hat"."""
    return re.compile(
        r"\s*(?:加上|加一|加个|加点|添加|添上|去掉|删掉|去除|擦掉|换掉|改成|变成|转成|调亮|调暗"
        r"|换成|改为|变为|再(?:亮|暗|大|小|鲜艳|清晰|柔和|明亮)|更(?:亮|暗|大|小|鲜艳|清晰|可爱)"
        r"|(?:[亮暗大小]|鲜艳|清晰|明亮)一?(?:点|些)"
        r"|(?:add|remove|put|erase|delete|replace|recolou?r|colou?ri[sz]e|brighten|darken"
        r"|crop|zoom|enhance|give\s+(?:it|him|her|them)|brighter|darker|bigger|smaller"
        r"|more\s+\w+|less\s+\w+)(?![a-z]))",
        re.I,
    )


#: The first characters an edit instruction can begin with ("加", "变", "add", "darker"...).
_EDIT_FIRST = frozenset("加添去删擦换改变转调再更亮暗大小鲜清明")


#: The English words an edit instruction can begin with (the first word of _edit_start's
#: English alternatives): a plain look-up keeps it uncompiled for a short description.
_EDIT_FIRST_WORDS = frozenset(
    (
        "add", "remove", "put", "erase", "delete", "replace", "recolor", "recolour", "colorize",
        "colorise", "colourize", "colourise", "brighten", "darken", "crop", "zoom", "enhance",
        "give", "brighter", "darker", "bigger", "smaller", "more", "less",
    )
)  # fmt: skip
#: Not ASCII, yet a case-insensitive "[a-z]" matches them (as "s", "i", "k", "i").
_LETTER_LIKE = "ſıKİ"


def _may_start_edit(prompt: str) -> bool:
    """Whether :func:`_edit_start` can match ``prompt``: a cheap test in front of it."""
    head = prompt.lstrip()
    first = head[:1]
    if first in _EDIT_FIRST:
        return True
    end = 0
    while end < len(head) and (
        ("a" <= head[end].lower() <= "z" and head[end].isascii()) or head[end] in _LETTER_LIKE
    ):
        end += 1
    word = head[:end]
    if not word.isascii():
        return True  # let the pattern judge these rare letters
    return word.lower() in _EDIT_FIRST_WORDS


def _is_edit(prompt: str) -> bool:
    if _may_start_edit(prompt) and _edit_start().match(prompt):
        return True
    low = prompt.lower()
    if not any(word in low for word in _EDIT_SAID_WORDS):
        return False
    return _edit_said().search(prompt) is not None


#: Repeated letters are looked through only in messages this short (squeezed).
_REPEATS_MAX = 12


@cache
def _prefixes() -> frozenset[str]:
    """Every beginning of a word of the lists: how far :func:`_said_in_words` reads on."""
    return frozenset(w[:end] for w in _ACCEPT | _DECLINE for end in range(1, len(w) + 1))


def _said_in_words(core: str) -> str | None:
    """A message made only of list words run together ("好的goahead", "算了nothanks"): the
    kind they say (one decline word makes it a decline), or None.

    Forward over the positions a split reaches, each read on only while it still begins a
    word (linear in the message whatever its repeats; a description stops at once).
    """
    prefixes = _prefixes()
    reached: dict[int, str] = {0: ACCEPT}
    start = 0
    while start < len(core):
        before = reached.get(start)
        if before is not None:
            end = start + 1
            while end <= len(core) and (word := core[start:end]) in prefixes:
                kind = DECLINE if word in _DECLINE else ACCEPT if word in _ACCEPT else None
                if kind is not None and reached.get(end) != DECLINE:
                    reached[end] = DECLINE if DECLINE in (kind, before) else ACCEPT
                end += 1
        start += 1
        if start > max(reached):
            return None  # nothing reaches this far
    return reached.get(len(core)) if core else None


#: The first characters of the list words, in front of :func:`_said_in_words`.
_FIRST = frozenset(w[0] for w in _ACCEPT | _DECLINE)
#: One instance a kind, for the answers that carry nothing else.
_PLAIN = {kind: Followup(kind) for kind in KINDS}


_CHOOSE_WORDS = ("第", "方案", "选项", "first", "second", "1st", "2nd", "option", "choice", "#")
_FETCH_ENDS = (
    "呢", "吗", "没", "有", "嘛", "哪", "哪里", "哪儿", "了", "我", "一下", "一次", "一遍", "进度",
    "图", "图片", "片", "照片", "画", "张", "幅", "结果", "ok", "please", "pls", "plz", "thanks",
    "thx", "谢谢", "吧", "啊", "呀",
)  # fmt: skip
_FETCH_STARTS = (
    "where", "is", "done", "ready", "finished", "any", "the", "my", "last", "previous", "latest",
    "send", "show", "resend", "still", "how", "what", "status", "hello", "ok", "yes", "sure",
    "please", "我", "刚", "之", "上", "最", "那", "生", "图", "画", "做", "出", "完", "还", "怎",
    "进", "再", "重", "发", "好", "嗯", "恩", "行", "可", "就", "是", "对",
)  # fmt: skip


def _may_be_whole(core: str) -> bool:
    """Whether :data:`_WHOLE` can match: plain substring tests, so that a description (most
    messages) never compiles it."""
    if any(word in core for word in _CHOOSE_WORDS) or core.startswith("no"):
        return True
    if len(core) <= _REPEATS_MAX and ("1" in core or "2" in core):
        return True
    if not core.startswith(_FETCH_STARTS):
        return False
    return core.isascii() or core.endswith(_FETCH_ENDS)


def _by_words(core: str) -> Followup | None:
    """A short message matched whole: decline, again, accept, choose or fetch."""
    kind = _KIND_OF.get(core)
    if kind is None and len(core) <= _REPEATS_MAX and len(set(core)) < len(core):
        kind = _KIND_OF.get(_collapse(core))  # typed repeats: "okkk", "嗯嗯嗯", "yesss"
    if kind is not None:
        return _PLAIN[kind]
    if not core:
        return None
    whole = _whole().fullmatch(core) if _may_be_whole(core) else None
    if whole is not None:
        if whole.group("fetch") is not None:
            return _PLAIN[FETCH]
        word = next(g for g in whole.groups() if g is not None)
        return Followup(CHOOSE, choice=_CHOICES.get(word, 1))
    said = _said_in_words(core) if core[0] in _FIRST else None
    return _PLAIN[said] if said is not None else None


def read(
    text: str,
    *,
    prompt: str,
    changes: Mapping[str, object],
    count: int,
    preference: str | None,
    value_words: bool,
    has_images: bool,
) -> Followup | None:
    """The follow-up ``text`` is, or None for a message that stands on its own.

    ``prompt`` is what the parser left of it; ``changes`` what it says about the model, size
    and shape; ``count`` how many pictures; ``preference`` the saved-choice words ("用 Pro" on
    its own is a lasting choice, not a follow-up); ``value_words`` budget or premium words;
    ``has_images`` a picture came with it (then it is a new request with that picture).
    """
    if has_images:
        return None
    if len(text) <= SHORT_MAX:
        found = _by_words(squeeze(text))
        if found is not None:
            return found
    if len(prompt) > SHORT_MAX:
        return None
    if _only_filler(prompt):
        again = _again_cue().search(text) is not None
        other = bool(changes.get("other_model"))
        if preference is not None and not (value_words or other or again):
            return None  # only the saved choice changes ("以后都用 Pro", "用默认的")
        if changes:
            return Followup(CHANGE, changes=tuple(changes.items()))
        if again or count > 1:
            return _PLAIN[AGAIN]
        return _PLAIN[ACCEPT] if prompt.strip() else None
    if _is_edit(prompt):
        return _PLAIN[EDIT]
    return None
