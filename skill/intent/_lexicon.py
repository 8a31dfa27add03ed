"""Parsing knowledge: every word list and pattern the parser uses.

All patterns run on the *normalized* text (full-width ASCII folded to half-width, see
:data:`FOLD`), case-insensitively. ``\\x00`` (:data:`CUT`) marks where a control word was
removed, so patterns treat it as a boundary like punctuation. The costliest patterns are
written in lowercase and compiled without IGNORECASE, for the text lowercased (see
:func:`_later_low`): that compiles in a third of the time. Word lists live here and not
in :mod:`skill.catalog`: they are knowledge of how people talk, not facts about the models.
"""

from __future__ import annotations

import re
from functools import cache

_I = re.IGNORECASE

#: Replaces every removed control word in the working text; a boundary for later patterns.
CUT = "\x00"

# Patterns behind a gate (a cheap scan, or the message's script) compile on first use: a
# process that parses one message (`parse`, `run` before its first reply) pays only for
# those its message needs. Each is declared with its type and registered with _later;
# reading `lx.NAME` the first time compiles it (module __getattr__) and keeps it here.
_LATER: dict[str, tuple[str, int]] = {}


def _later(name: str, pattern: str, flags: int = 0, *, starts: str | None = None) -> None:
    """Register ``pattern`` under ``name``; ``starts`` lists the characters (besides the first
    letter of an English word) a match can begin with. It becomes a lookahead in front: a
    search then spends one character test on each other position instead of trying every
    alternative of the pattern there (several times faster on a long message)."""
    if starts is not None:
        pattern = rf"(?=(?<![a-z0-9])[a-z]|[{starts}])(?:{pattern})"
    _LATER[name] = (pattern, flags)


def _later_low(name: str, pattern: str, *, starts: str | None = None) -> None:
    """Register ``pattern`` twice: as ``name`` without IGNORECASE, for the lowercased text
    (compiling a case-insensitive pattern costs two to three times as much: ``re`` looks up
    the cases of every literal), and as ``name_I`` with it, for the rare text whose
    lowercasing does not do what IGNORECASE does (see ``_Work`` in the parser). The pattern
    must be written in lowercase."""
    _later(name, pattern, starts=starts)
    _later(name + "_I", pattern, _I, starts=starts)


def __getattr__(name: str) -> re.Pattern[str]:
    try:
        pattern, flags = _LATER[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    compiled = re.compile(pattern, flags)
    globals()[name] = compiled  # from now on a plain attribute; a race compiles it twice
    return compiled


# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, ideographic space -> space, ratio colon -> ":".
# One code point to one code point, so positions in the folded text match the original and
# the prompt can be cut out of what the person actually wrote.
_fold: dict[int, int] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_fold[0x3000] = 0x20
_fold[0x2236] = ord(":")
FOLD = str.maketrans(_fold)

#: Control characters, lone surrogates and zero-width marks never reach a prompt.
JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")

_MARKS = r"\x00,.;:!?。、~\"'()\[\]{}<>《》「」『』【】…—\-+*/|#@&=_“”‘’"
_SEP = rf"\s{_MARKS}"
#: Start of a chunk: the text start, or after punctuation or a removed word (and any spaces).
_START = rf"(?:^|(?<=[{_MARKS}]))\s*"
_AW = r"(?<![a-z0-9])"  # ASCII word start (\b would treat Chinese characters as letters)
_AE = r"(?![a-z0-9])"  # ASCII word end
_S = r"[\s\-_.]*"  # what people put inside model names: "nano-banana 2", "nb_pro"


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Chinese character (CJK ideographs, extension A, compatibility
    ideographs).

    A scan, not a pattern: compiling a class this large costs 2 ms (``re`` walks every code
    point of it), more than scanning any message, which usually stops at its first character.
    """
    return not text.isascii() and any(
        "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"
        for ch in text
    )


#: A URL ends before trailing punctuation: "(https://x/a.png)," gives "https://x/a.png".
URL: re.Pattern[str]
_later(
    "URL",
    r"https?://[^\s<>\"'`，。！？、；）】」』\x00]*[^\s<>\"'`，。！？、；）】」』\x00.,;:!?)\]}>*]",
    _I,
)

# --- aspect ratio and size ------------------------------------------------------------------
_IN = (
    rf"(?:{_AW}(?:in|at|with|as|using)\s+(?:an?\s+|the\s+)?"
    r"|(?:要|用|做成|弄成|改成|设为|设成|换成)\s*)?"  # "要横屏的", "做成4K": the want goes too
)
#: 1920x1080, 1024*1024 px: a ratio (reduced) and a size (from the long side).
PIXELS: re.Pattern[str]
_later(
    "PIXELS",
    rf"{_IN}(?<![\d.])(?P<w>\d{{3,5}})\s*(?:x|×|\*)\s*(?P<h>\d{{3,5}})(?!\d)"
    r"(?:\s*(?:px|pixels?|像素))?(?:\s*(?:resolution|分辨率|的))?",
    _I,
)
#: Chinese numerals up to 99 ("三", "十六", "二十一"): in ratios and sizes.
HAN_DIGITS = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_HAN_NUMBER = r"(?:[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
_RATIO_HEAD = (
    rf"{_IN}(?:(?P<kw>(?:aspect\s+)?ratio(?:\s+of)?|宽高比|长宽比|画面比例|比例|画幅)\s*(?:[:=为是]\s*)?)?"
    r"(?<![\d.])"
)
_RATIO_DIGITS = r"(?P<w>\d{1,2})\s*(?::|比)\s*(?P<h>\d{1,2})(?![\d.])"
_RATIO_TAIL = (
    r"(?P<time>\s*(?:am|pm|a\.m|p\.m|o'?clock|点|分))?"
    r"(?:\s*(?:aspect\s+ratio|aspect|ratio|format|的比例|比例|画幅|尺寸|的))*"
)
#: "16:9", "16：9", "16 : 9", "16比9", "ratio 16:9", "比例16:9的".
RATIO: re.Pattern[str]
RATIO_I: re.Pattern[str]
_later_low(
    "RATIO",
    rf"{_RATIO_HEAD}{_RATIO_DIGITS}{_RATIO_TAIL}",
    starts="\\d要用做弄改设换宽长画比",
)
#: The characters of Chinese numerals; one right before 比 or K is the gate in front of the
#: patterns below (their extra alternatives cost as much to compile as the rest).
HAN_NUMERALS = "一二两三四五六七八九十"
#: RATIO, and also "十六比九".
RATIO_HAN: re.Pattern[str]
RATIO_HAN_I: re.Pattern[str]
_later_low(
    "RATIO_HAN",
    rf"{_RATIO_HEAD}(?:{_RATIO_DIGITS}"
    rf"|(?<![{HAN_NUMERALS}])(?P<hw>{_HAN_NUMBER})比(?P<hh>{_HAN_NUMBER})(?![{HAN_NUMERALS}]))"
    rf"{_RATIO_TAIL}",
    starts="\\d要用做弄改设换宽长画比" + HAN_NUMERALS,
)
#: Minutes that make "12:30" a clock time rather than a ratio.
CLOCK_MINUTES = frozenset({15, 20, 25, 30, 35, 40, 45, 50, 55})
RATIO_MAX_SIDE = 64
RATIO_MAX_ELONGATION = 8

_SIZE_HEAD = r"(?:(?:resolution|res|size|分辨率|清晰度|尺寸|画质)\s*(?:[:=为是]\s*|of\s+)?)?"
_SIZE_TAIL = r"(?:\s*(?:分辨率|高清|超清|超高清|画质|清晰度|resolution|res|uhd|hd|quality|的))*"
_SIZE_K_HEAD = rf"{_IN}{_SIZE_HEAD}(?:(?:超高清|高清|超清)\s*)?(?<![a-z0-9.])"
#: "4K", "4 k", "4K高清", "in 2K", "8K" (capped), "resolution: 1k".
SIZE_K: re.Pattern[str]
SIZE_K_I: re.Pattern[str]
_later_low(
    "SIZE_K",
    rf"{_SIZE_K_HEAD}(?P<k>\d{{1,2}})\s*k{_AE}{_SIZE_TAIL}",
    starts="\\d要用做弄改设换分清尺画超高",
)
#: The Chinese numerals SIZE_K_HAN takes before K.
SIZE_K_HAN_DIGITS = "一二两四八"
#: SIZE_K, and also "四K".
SIZE_K_HAN: re.Pattern[str]
SIZE_K_HAN_I: re.Pattern[str]
_later_low(
    "SIZE_K_HAN",
    rf"{_SIZE_K_HEAD}(?:(?P<k>\d{{1,2}})|(?<![{HAN_NUMERALS}])(?P<hk>[{SIZE_K_HAN_DIGITS}]))"
    rf"\s*k{_AE}{_SIZE_TAIL}",
    starts="\\d要用做弄改设换分清尺画超高" + SIZE_K_HAN_DIGITS,
)
#: "512", "512px", "1024px", "1080p".
SIZE_PX: re.Pattern[str]
_later(
    "SIZE_PX",
    rf"{_IN}{_SIZE_HEAD}(?<![a-z0-9.])(?P<n>512|1024|2048|4096)\s*(?P<unit>px|pixels?|像素)?{_AE}(?!\s*[x×*])"
    rf"|{_IN}(?<![a-z0-9.])(?P<p>720|1080|1440|2160|4320)p{_AE}",
    _I,
)
#: "4K" means 4K up to here; above it is capped at 4K with a notice.
SIZE_K_VALUES = {1: "1K", 2: "2K", 4: "4K"}
SIZE_K_CAP_FROM = 5
SIZE_K_CAP_UPTO = 32
SIZE_PX_VALUES = {512: "512px", 1024: "1K", 2048: "2K", 4096: "4K"}
#: "1080p" names the short side of a 16:9 frame.
SIZE_P_VALUES = {720: "1K", 1080: "2K", 1440: "2K", 2160: "4K", 4320: "8K"}
#: Long side of a pixel size -> size: up to 768 is 512px, up to 1536 is 1K, up to 3072 2K,
#: up to 6144 4K, beyond that capped.
PIXEL_SIZE_STEPS: tuple[tuple[int, str], ...] = ((768, "512px"), (1536, "1K"), (3072, "2K"))
PIXEL_SIZE_4K_UPTO = 6144

# --- how many pictures ------------------------------------------------------------------------
#: "画三张猫", "来4张", "两幅", "三个版本": several pictures (one task each). Not "三只猫" (three
#: cats in one picture), not "第二张" (that is which one), and "一张" stays what it always was.
COUNT_ZH: re.Pattern[str]
_later(
    "COUNT_ZH",
    # "把两张图合成一张", "这两张": the pictures given, not how many to make.
    rf"(?<![第\d一二两三四五六七八九十把将这那用])(?:(?P<n>[2-9]|[1-9]\d{{1,2}})|(?P<hn>{_HAN_NUMBER}))\s*"
    r"(?:张|幅|个版本|版本|种版本|份)(?:不同的?|不一样的)?"
    r"(?:(?:图片?|照片|相片|画|插画|作品)(?![\u4e00-\u9fff]))?",
    _I,
)
#: Chinese count words: the gate in front of COUNT_ZH (``in`` tests, no pattern to compile).
COUNT_ZH_WORDS = ("张", "幅", "版本", "份")
_EN_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "a couple of": 2, "a pair of": 2,
}  # fmt: skip
EN_NUMBERS = _EN_NUMBER_WORDS
#: "4 versions", "three different pictures of", "give me 2 options": one task a picture.
COUNT_EN: re.Pattern[str]
_later(
    "COUNT_EN",
    r"(?<![\w.])(?:(?P<n>[2-9]|[1-9]\d{1,2})|(?P<wn>two|three|four|five|six|seven|eight|nine|ten"
    r"|a\s+couple\s+of|a\s+pair\s+of))\s+"
    r"(?:(?:different|more|new|separate|distinct|other|alternative|unique|variations?\s+of)\s+)?"
    r"(?:versions?|variations?|variants?|pictures?|images?|pics?|photos?|options?|takes?|copies"
    r"|drafts?|renders?|shots?|illustrations?|wallpapers?"
    r"|more(?=\s*(?:$|[,.!?]|please|pls)))"
    rf"(?:\s+(?:of|for|showing|with|featuring))?{_AE}",
    _I,
)
#: A gate, on lowercase text (see the gates below); compiled for the first English message.
MAY_COUNT_EN: re.Pattern[str]
_later(
    "MAY_COUNT_EN",
    r"versions?|variations?|variants?|pictures|images|pics|photos|options|takes|copies|drafts"
    r"|renders|shots|illustrations|wallpapers|more",
)

# --- orientation words ---------------------------------------------------------------------
_ORIENT_TAIL = r"(?:\s*(?:的|格式|模式|构图|比例|画幅))*"
#: "不要竖图", "not vertical": the shape is not that one (the words go, no ratio is set).
_NOT_ZH = r"(?:(?P<not>不要|不想要|别|别用|不用|不是|非|不)\s*(?:用|要|做成|弄成)?\s*)?"
_NOT_EN = (
    rf"(?:(?P<not>{_AW}(?:not|no|never|don'?t\s+(?:want|make\s+it|do)|without)\s+"
    r"(?:an?\s+|in\s+)?))?"
)
ORIENT_ZH: re.Pattern[str]
ORIENT_ZH_I: re.Pattern[str]
_later_low(
    "ORIENT_ZH",
    _NOT_ZH
    + _IN
    + r"(?:(?P<wide>横(?:图|版|屏|向|幅|构图|画幅|板)|宽屏|宽幅|(?:电脑|桌面)(?:壁纸|背景))"
    r"|(?P<tall>竖(?:图|版|屏|向|幅|构图|画幅|板)|(?:手机|iphone|安卓|android)\s*(?:壁纸|屏保|锁屏|背景)"
    r"|(?:抖音|小红书)(?:封面|竖版)?)"
    r"|(?P<square>方图|方形图|正方形(?:的|图|构图)?|方版|1比1))" + _ORIENT_TAIL,
    starts="不别非要用做弄改设换横宽电桌竖手安抖小方正1",
)
_EN_ORIENT_WORDS = (
    r"(?P<wide>horizontal|widescreen|wide\s*screen|desktop\s+(?:wallpaper|background))"
    r"|(?P<tall>vertical|(?:phone|mobile|iphone|android|lock\s*screen)\s+(?:wallpaper|background)"
    r"|(?:instagram|ig|tiktok)\s+stor(?:y|ies))"
)
ORIENT_EN: re.Pattern[str]
_later(
    "ORIENT_EN",
    rf"{_NOT_EN}{_IN}{_AW}(?:{_EN_ORIENT_WORDS}){_AE}"
    r"(?:\s+(?:orientation|mode|format|layout|aspect(?:\s+ratio)?|ratio))?",
    _I,
    starts="要用做弄改设换",
)
#: "landscape", "portrait" and "square" also describe pictures ("a mountain landscape",
#: "a portrait of…"): they set the ratio only when qualified ("landscape mode") or said on
#: their own between separators ("a cat, landscape, 4K").
ORIENT_EN_AMBIGUOUS: re.Pattern[str]
_later(
    "ORIENT_EN_AMBIGUOUS",
    rf"(?P<make>{_AW}(?:make|keep)\s+it\s+)?{_NOT_EN}{_IN}{_AW}"
    rf"(?:(?P<wide>landscape)|(?P<tall>portrait)|(?P<square>square)){_AE}"
    r"(?P<qual>\s+(?:orientation|mode|format|layout|aspect(?:\s+ratio)?|ratio|crop|shape))?",
    _I,
    starts="要用做弄改设换",
)
ORIENT_RATIOS = {"wide": "16:9", "tall": "9:16", "square": "1:1"}
#: "a portrait wallpaper", "a landscape poster", "竖版海报" already: an orientation word right
#: before a kind of picture sets the shape anywhere in a sentence, and (like "square logo")
#: stays in the prompt, where it still describes the picture.
ORIENT_PICTURE: re.Pattern[str]
_later(
    "ORIENT_PICTURE",
    rf"(?<!not\s)(?<!no\s){_AW}(?:(?P<wide>landscape|horizontal)|(?P<tall>portrait|vertical))[\s\-]+"
    r"(?:wallpaper|poster|banner|cover|flyer|print|card|version|format|frame|screen|layout"
    r"|picture|image|pic|photo(?:graph)?|shot|illustration|painting|artwork|drawing|thumbnail)s?"
    rf"{_AE}",
    _I,
)
#: "square" right before a kind of picture ("a square logo", "square avatars") asks for a
#: square picture, yet still describes it: the ratio is set and the word stays in the prompt.
#: A square as the thing drawn ("a red square") is left alone.
SQUARE_PICTURE: re.Pattern[str]
_later(
    "SQUARE_PICTURE",
    rf"{_AW}square\s+(?:logo|icon|image|picture|pic|photo|avatar|profile\s+pic(?:ture)?"
    r"|poster|sticker|thumbnail|cover|album\s+cover|banner|print|card|canvas|emoji|badge|tile)s?"
    rf"{_AE}",
    _I,
)

# --- models ---------------------------------------------------------------------------------
#: Models outside the Nano Banana series: (display name, pattern).
OTHER_MODELS: tuple[tuple[str, str], ...] = (
    ("Midjourney", rf"mid{_S}journey(?:{_S}v?\d+(?:\.\d)?)?|mj{_S}v?\d+(?:\.\d)?|mj"),
    ("SeeDream", rf"see{_S}dream(?:{_S}\d(?:\.\d)?)?|即梦(?:ai)?|jimeng"),
    ("DALL·E", rf"dall{_S}[·]?{_S}e(?:{_S}\d)?"),
    ("Flux", rf"flux(?:{_S}(?:1(?:\.1)?|dev|pro|schnell|kontext|ultra))*"),
    (
        "Stable Diffusion",
        rf"stable{_S}diffusion(?:{_S}(?:xl|\d(?:\.\d)?))?|sdxl|sd{_S}(?:1\.5|2\.1|3\.5|3|xl)",
    ),
    ("GPT Image", rf"gpt{_S}image(?:{_S}1)?|gpt{_S}4o|chatgpt"),
    ("Imagen", rf"imagen(?:{_S}\d)?"),
    ("Ideogram", r"ideogram"),
    ("Recraft", r"recraft"),
    ("Kling", r"kling|可灵"),
    ("Wan", r"通义万相|wanx|wan{_S}2\.\d".replace("{_S}", _S)),
    ("Hunyuan", r"混元|hunyuan"),
    ("Qwen-Image", rf"qwen{_S}image"),
    ("Adobe Firefly", rf"adobe{_S}firefly"),
    ("文心一格", r"文心一格"),
)
_OTHER = "|".join(f"(?:{p})" for _, p in OTHER_MODELS)

_PRO_NAMES = (
    rf"gemini{_S}3(?:\.0)?{_S}pro(?:{_S}image)?(?:{_S}preview)?"
    rf"|nano{_S}banana{_S}pro|(?:纳米)?香蕉{_S}pro|banana{_S}pro|nb{_S}pro"
    # "Pro" on its own, not "professional", "GoPro", "iPhone 15 Pro" or "pro photographer".
    r"|(?<!\d\s)(?<!\d)(?<!macbook\s)(?<!ipad\s)pro(?![a-z0-9]|-[a-z]|\s*max"
    r"|\s+(?:photographers?|athletes?|players?|gamers?|skaters?|skateboarders?|surfers?"
    r"|wrestlers?|chefs?|golfers?|boxers?|tips?|cons?|bono))"
)
_NB2_NAMES = (
    rf"gemini{_S}3\.1{_S}flash(?:{_S}image)?(?:{_S}preview)?"
    rf"|gemini{_S}2\.5{_S}flash{_S}image(?:{_S}preview)?"
    rf"|nano{_S}banana(?:{_S}(?:2|two|二))?|纳米香蕉(?:{_S}(?:2|二))?|香蕉(?:{_S}(?:2|二))?"
    rf"|banana{_S}(?:2|two)|nb{_S}2"
)
#: Words that make a model named in a message a lasting choice ("以后都用 Pro", "默认用",
#: "我喜欢用", "always use", "from now on"): it is saved for every later picture.
_LASTING_LEAD = (
    r"(?:以后|今后|之后|往后|从现在开始|从现在起|从今以后|下次)[,\s]*(?:也|都|就|一直|总是|永远|全部)*\s*"
    r"(?:默认)?\s*(?:用|使用|选用|选|换成|改用|切换到|切换成|切到)"
    r"|(?:都|一直|总是|永远)\s*(?:用|使用)"
    r"|默认(?:都)?(?:用|使用|选)?|我?(?:比较|更|最|还是)?(?:喜欢|偏好|偏爱|爱用)(?:用)?"
    rf"|{_AW}(?:from\s+now\s+on,?\s+(?:always\s+)?(?:use|using)|always\s+(?:use|using)"
    r"|always|stick\s+with|stick\s+to|i\s+(?:prefer|like|love)(?:\s+(?:using|to\s+use))?|prefer)"
)
#: "用 Pro", "use Pro": for this picture; a lasting choice only when said on its own.
_USE_LEAD = (
    r"用|使用|选用|就用|还是用"
    rf"|{_AW}(?:use|using|go\s+with|pick|choose|select)"
)
#: "换成 Nano Banana 2", "switch to Pro": the last picture again on another model.
_SWITCH_LEAD = (
    r"换成|换用|换|改用|改成|切换到|切换成|切到|换回|用回"
    rf"|{_AW}(?:switch(?:ed)?\s+to|swap\s+to|change\s+to)"
)
_NEG_LEAD = (
    r"不要用|不要|别用|别|不用|不想用|不是|除了"
    rf"|{_AW}(?:don'?t\s+use|do\s+not\s+use|not|no|never|without|instead\s+of|rather\s+than)"
)
_NEUTRAL_LEAD = rf"{_AW}(?:in|on|by|through|try|make|set|with|via)|试试|试一下"
#: "这次用 Pro", "this time with Pro": for this picture only; the words go with the name.
_ONCE = rf"这次|这一次|本次|这回|{_AW}(?:this\s+time|just\s+this\s+once|for\s+this\s+one),?"
#: Words one of which the lasting-choice lead words (_LASTING_LEAD, the costliest group of
#: MODEL to compile) need: plain substring tests on the lowercased message. Without one, the
#: pattern is compiled with that group never matching (a sixth less to compile).
_LASTING_WORDS = (
    "以后", "今后", "之后", "往后", "从现在", "下次", "都", "一直", "总是", "永远", "默认",
    "喜欢", "偏好", "偏爱", "爱用", "from", "always", "stick", "prefer", "like", "love",
)  # fmt: skip


@cache
def _model(lasting: bool, flags: int) -> re.Pattern[str]:
    save = _LASTING_LEAD if lasting else "(?!)"
    source = (
        # Spaces only after a lead word: a leading \s* would rescan every run of spaces (slow).
        rf"(?:(?P<once>{_ONCE})\s*)?"
        rf"(?:(?:(?P<neg>{_NEG_LEAD})|(?P<save>{save})|(?P<use>{_USE_LEAD})"
        rf"|(?P<switch>{_SWITCH_LEAD})|(?P<neutral>{_NEUTRAL_LEAD}))\s*)?"
        rf"(?:{_AW}the\s+)?"
        rf"{_AW}(?:(?P<other>{_OTHER})|(?P<pro>{_PRO_NAMES})|(?P<nb2>{_NB2_NAMES})){_AE}"
        r"(?P<tail>(?:\s*(?:模型|model|版本?|version))?"
        r"(?:\s*(?P<deft>from\s+now\s+on|by\s+default|as\s+(?:my\s+|the\s+)?default(?:\s+model)?"
        r"|(?:my|the)\s+default(?:\s+model)?|(?:作为|设为|设成|当作?|当成)默认(?:模型)?"
        r"|以后都用(?:它|这个)?))?)"
    )
    starts = "这本不别除以今之往从下都一总永默我比更最还喜偏爱用使选就换改切试纳香即可通混文"
    return re.compile(rf"(?=(?<![a-z0-9])[a-z]|[{starts}])(?:{source})", flags)


def model_pattern(low: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """The model-name pattern for a message (``low``: lowercased); with the lasting-choice
    lead words only if it can hold them. ``ignore_case`` for the folded text where
    lowercasing will not do (see ``_Work`` in the parser)."""
    if ignore_case:  # the tests above are on lowercase text: here they could miss
        return _model(True, _I)
    return _model(any(map(low.__contains__, _LASTING_WORDS)), 0)


#: What may stand beside "用 Pro" for it to count as said on its own (a lasting choice).
ALONE_REST: re.Pattern[str]
_later("ALONE_REST", r"[\s\W_]*(?:(?:吧|啊|呀|哈|嘛|哦|好了|please|pls|plz)[\s\W_]*)*", _I)
#: "香蕉" on its own is a banana to draw; it names the model only with a lead or a tail.
BARE_BANANA = re.compile(r"(?:纳米)?香蕉")

# --- budget and premium words -----------------------------------------------------------------
_VALUE_LEAD = (
    r"用|使用|选|要|来个?|换成?"
    rf"|{_AW}(?:use|using|go\s+with|pick|choose|with|give\s+me|want)"
)
_BUDGET = (
    r"最便宜|便宜(?:一)?(?:点|些)|便宜的|省钱|省点钱|最省钱?|低成本|低价"
    rf"|{_AW}(?:cheapest|cheap(?:er)?|(?:on\s+a\s+)?budget|low[\s\-]?cost|inexpensive|economy|economical"
    r"|save\s+(?:money|credits|points))"
)
_PREMIUM = (
    r"最高(?:质量|画质|品质|清晰度)|(?:质量|画质|品质|效果)最(?:好|高|佳)|最佳(?:质量|画质|效果|模型)?"
    r"|最强的?|顶级(?:质量|画质|模型)?|最好的?"
    rf"|{_AW}(?:premium|(?:best|highest|top|max(?:imum)?)[\s\-]+quality|best\s+(?:model|version)"
    r"|best\s+possible|high[\s\-]?end|the\s+best)"
)
VALUE: re.Pattern[str]
_later(
    "VALUE",
    rf"(?:(?P<lead>{_VALUE_LEAD})\s*(?:the\s+|a\s+)?)?"
    rf"(?:(?P<budget>{_BUDGET})|(?P<premium>{_PREMIUM})){_AE}"
    r"(?P<tail>(?:\s*(?:的|模型|model|one|option|version|版本?|一点|点))*)",
    _I,
    starts="用使选要来换最便省低质画品效顶",
)
#: These mean "preferably" or "the best <thing>" unless a lead or a tail makes them about
#: the model: "最好是蓝色" is not a model choice, "用最好的" is.
VALUE_NEEDS_CONTEXT = frozenset({"最好", "最好的", "the best"})
VALUE_END: re.Pattern[str]
_later("VALUE_END", rf"\s*(?:$|[{_MARKS}])")

# --- preference phrases that name no model ------------------------------------------------------
_END = rf"(?=\s*(?:$|[{_SEP}]|吧|啊|呀|哈))"
CLEAR: re.Pattern[str]
_later(
    "CLEAR",
    r"(?:你|帮我)?推荐(?:一个|一款|个)?(?:模型|model)"
    rf"|(?:你|帮我)?推荐(?:一个|一款|个)?{_END}"
    r"|你(?:来)?(?:选|决定|看着办)(?:一个|个)?(?:模型)?|帮我选(?:一个|个)?(?:模型)?"
    r"|随便(?:哪个|一个)?模型|用默认的?(?:模型)?|默认的?模型?就(?:行|好|可以)|用回默认的?(?:模型)?"
    r"|恢复默认(?:模型|设置)?|试试(?:别的|其他的?|其它的?)(?:模型)?|用(?:别的|其他的?|其它的?)模型"
    r"|换(?:一个|一?个|)(?:别的|其他的?|其它的?)?模型|换(?:一个|个)?(?:别的|其他的?)"
    rf"|{_AW}(?:use\s+(?:the\s+)?default(?:\s+model)?|(?:the\s+)?default\s+model"
    r"|go\s+back\s+to\s+(?:the\s+)?default(?:\s+model)?|reset\s+(?:my\s+|the\s+)?(?:default|preference|model)s?"
    r"|recommend\s+(?:one|a\s+model|something|me\s+a\s+model|a\s+good\s+model)"
    r"|(?:you\s+)?(?:pick|choose|decide)\s+(?:one|for\s+me|the\s+model|a\s+model)"
    r"|try\s+(?:something|anything)\s+else|try\s+(?:another|a\s+different|some\s+other|other)\s+(?:model|one)"
    r"|use\s+(?:another|a\s+different|some\s+other)\s+model|whatever\s+model|any\s+model)" + _AE,
    _I,
    starts="你帮推随用默恢试换",
)

#: Among the clearing words, those that ask for the other model ("换个模型", "try another
#: model"): after a picture, that picture again on the other Nano Banana model.
OTHER_MODEL_WORDS: re.Pattern[str]
_later(
    "OTHER_MODEL_WORDS",
    r"别的|其他|其它|换(?:一个|一?个)?模型|another|different|something\s+else|anything\s+else"
    r"|other",
    _I,
)

#: "以后都用这个", "always use this one": a save when a model is named elsewhere.
SAVE_ALONE: re.Pattern[str]
SAVE_ALONE_I: re.Pattern[str]
_later_low(
    "SAVE_ALONE",
    r"(?:(?:以后|今后|之后|往后|从现在起|下次)[,\s]*)?(?:也|都|就|一直)(?:用|使用)(?:这个|它|这款|这一?个)(?:模型)?"
    r"|(?:设为|设成|作为)默认(?:模型)?"
    rf"|{_AW}(?:(?:always|from\s+now\s+on,?)\s+use\s+(?:this|that|it)(?:\s+(?:one|model))?"
    r"|from\s+now\s+on|make\s+(?:it|this|that)\s+(?:my\s+|the\s+)?default(?:\s+model)?)" + _AE,
    starts="以今之往从下也都就一设作",
)

# --- task words and edit wording -----------------------------------------------------------------
TASK_WORDS: re.Pattern[str]
_later(
    "TASK_WORDS",
    r"(?P<i2i>以图生图|图生图|图片生成图片|"
    rf"{_AW}(?:image[\s\-]*to[\s\-]*image|img2img|i2i){_AE})"
    rf"|(?P<t2i>文生图|文字生成图片|{_AW}(?:text[\s\-]*to[\s\-]*image|txt2img|t2i){_AE})"
    r"(?:\s*(?:模式|mode))?",
    _I,
)
#: Wording that edits a picture the person has (or should have) given.
EDIT = re.compile(
    r"(?=(?<![a-z0-9])[a-z]|[这那我上下附发原参风换去抠修变改转])(?:"  # see _later's starts
    r"(?:这|那|我的|上面的?|下面的?|附件的?|发的)(?:一)?(?:张|幅|个)?(?:图片?|照片|相片|图像|自拍|头像|截图)"
    r"|原图|参考图|参考这|风格迁移|换背景|去掉背景|抠图|P图|修图"
    r"|(?:换成|变成|改成|转成|转换成)[^,，。!！?？]{0,12}(?:风格|画风|样子|效果)"
    rf"|{_AW}(?:(?:this|that|these|my|the\s+(?:attached|uploaded|above|following))\s+"
    r"(?:photos?|images?|pictures?|pics?|selfies?|portraits?|drawings?|sketch(?:es)?|headshots?)"
    r"|style\s+transfer|edit\s+(?:it|this|my|the)|retouch|remove\s+the\s+background"
    r"|change\s+the\s+background))" + _AE,
    _I,
)

# --- request verbs ---------------------------------------------------------------------------
_ZH_LEAD = (
    r"请你?|麻烦(?:你|帮我)?|能不能|能否|可不可以|可以|帮我|帮忙|帮|给我|替我|为我|"
    r"我想要?|我要|想要|我需要|需要|再|重新|你|就|来"
)
_ZH_LEAD_ALONE = r"请你?|麻烦(?:你|帮我)?|帮我|给我|我想要?|我要|想要|我需要|帮忙"
_ZH_VERB_STRONG = r"画出|画(?![面风家中作室展廊质布板笔框册报卷师])|绘制|绘|生成(?!式)|创作|创建"
_ZH_VERB_WEAK = r"做|弄|搞|出|整|来|设计|制作|p"
ZH_REQUEST: re.Pattern[str]
ZH_REQUEST_I: re.Pattern[str]
_later_low(
    "ZH_REQUEST",
    rf"{_START}(?:(?:(?:{_ZH_LEAD})[\s\x00]*)*"
    rf"(?:{_ZH_VERB_STRONG}|(?:{_ZH_VERB_WEAK})(?=[一个张幅份套组只\x00]))"
    r"(?:一下|出来|出)?[\s\x00]*(?:[个张幅只](?![\s\x00]*$))?"
    rf"|(?:(?:{_ZH_LEAD_ALONE})[\s\x00]*)+)",
)
_EN_GREET = r"(?:hey|hi|hello|yo|ok|okay|alright|so)(?:\s+there)?[\s,!.\x00]+"
_EN_POLITE = (
    r"please|pls|plz|plse|kindly|(?:can|could|would|will)\s+(?:you|u)(?:\s+please)?"
    r"|i\s+(?:want|need|would\s+like|'d\s+like|wanna|would\s+love)(?:\s+(?:you|u))?(?:\s+to)?"
    r"|i'?d\s+like(?:\s+(?:you|u))?(?:\s+to)?|i'?m\s+looking\s+for|let'?s|go\s+ahead\s+and"
    r"|help\s+me(?:\s+to)?|just|quickly|now"
)
_EN_VERB = (
    r"draw|generate|create|make|paint|render|design|produce|imagine|illustrate|sketch"
    r"|give|gimme|show|gen|whip\s+up|come\s+up\s+with|visuali[sz]e"
)
#: Not request verbs but edit instructions: "make it blue", "make this photo look…".
_EN_VERB_NOT = (
    r"(?!\s+(?:it|this|that|these|those|them|him|her|my|its|me\s+(?:look|feel)"
    r"|the\s+(?:photo|image|picture|background|sky|colou?rs?)))"
)
_EN_GENERIC = (
    r"(?:(?:an?|the|one|some|another|new|more)[\s\x00]+)*(?:ai\s+)?(?:image|picture|pic|img|artwork|art)s?"
    r"\s*(?:of|showing|that\s+shows|depicting|featuring|with|:)(?=\s)"
)
EN_REQUEST: re.Pattern[str]
EN_REQUEST_I: re.Pattern[str]
_later_low(
    "EN_REQUEST",
    rf"{_START}(?:{_EN_GREET})*(?:(?:{_EN_POLITE}){_AE}[\s,!\x00]*)*"
    rf"(?:(?:to\s+|and\s+)?(?:{_EN_VERB}){_AE}{_EN_VERB_NOT}(?:\s+(?:me|us|for\s+me))?[\s\x00]*)?"
    rf"(?:{_EN_GENERIC})?",
)

# --- gates: cheap scans that skip a pattern family which cannot match --------------------
# They run on the message lowercased once (``low`` in the parser), without IGNORECASE: a
# case-insensitive alternation of words is scanned position by position, ten times slower
# than the same alternation on lowercase text, where ``re`` skips ahead to the first letters.
DIGIT = re.compile(r"\d")
LATIN = re.compile(r"[a-z]")
MAY_NAME_MODEL = re.compile(
    r"nano|banana|nb|pro|gemini|香蕉|mid|mj|see|即梦|dall|flux|stable|sd|gpt|imagen|ideogram"
    r"|recraft|kling|可灵|通义|wan|混元|hunyuan|qwen|firefly|文心",
)
MAY_VALUE = re.compile(
    r"便宜|省|低|最|质量|画质|品质|效果|顶级|cheap|budget|low|inexpensive|econom|save|premium"
    r"|best|highest|top|max|high",
)
MAY_CLEAR = re.compile(
    r"推荐|你|帮我选|随便|默认|试|别的|其他|其它|换|default|reset|recommend|pick|choose|decide"
    r"|try|another|different|whatever|any",
)
#: SAVE_ALONE's Chinese words need "用这" or "用它" ("都用这个"), or 默认.
MAY_SAVE_ALONE = re.compile(r"用这|用它|默认|always|from|make")
#: Cheap gates in front of the size patterns, whose optional lead words ("in", "用") make
#: them try every position of a message: most messages hold neither.
MAY_PIXELS = re.compile(r"\d{3}\s*[x×*]")
MAY_SIZE_PX = re.compile(r"512|1024|2048|4096|720p|1080p|1440p|2160p|4320p")
MAY_ORIENT_EN = re.compile(r"horizontal|vertical|wide|wallpaper|background|stor")
MAY_ORIENT_AMBIGUOUS = re.compile(r"landscape|portrait|square")
MAY_TASK_WORDS = re.compile(r"图|image|img|i2i|t2i|txt")
#: A match of EN_REQUEST that is not empty begins, at a chunk start, with a space (the start's
#: own ``\s*``) or a Latin letter (every request word): a Chinese message that only names a
#: model or a size ("用 Pro 画…,16:9,4K") never needs it.
MAY_EN_REQUEST = re.compile(rf"(?:^|(?<=[{_MARKS}]))[\sa-z]", _I)

# --- prompt clean-up ------------------------------------------------------------------------
#: Runs on whitespace-collapsed text, so one optional space is all there is to take.
CUT_RUN = re.compile(r" ?\x00[\x00 ]*")
WHITESPACE = re.compile(r"\s+")
_P = r",.;:!?~，。；：！？～、…"
PUNCT_RUN = re.compile(rf"([{_P}])(?:\s*[{_P}])+")
SPACE_BEFORE_PUNCT = re.compile(rf"\s+([{_P}])")
SPACE_AFTER_WIDE_PUNCT = re.compile(r"([，。；：！？～、…])\s+")
#: Stripped from both ends of the prompt (str.strip: linear, unlike a "[...]+$" pattern).
EDGE_CHARS = " \t\n" + _P + "-—_*#|/\\·"
#: Trailing patterns only look this far back from the end (keeps them linear on long text).
TAIL_WINDOW = 64
# The edge patterns below run only when the prompt's edge can hold what they take (a colon,
# an ASCII letter, a particle): compiled on first use.
LABEL: re.Pattern[str]
_later("LABEL", r"^(?:prompt|提示词|描述|内容|主题|画面|壁纸|subject)\s*[:：]\s*", _I)
TRAILING_POLITE = re.compile(
    # The lookahead: one test a position where no polite word can begin (see _later).
    r"(?=\s|(?<![a-z0-9])[a-z]|[谢感多好可行吧呀啊哦喔呢嘛哈啦噢一])"
    r"(?:\s*(?:谢谢你?|谢啦|谢了|感谢|多谢|好吗|好不好|可以吗|行吗|吧|呀|啊|哦|喔|呢|嘛|哈+|啦|噢|一下"
    rf"|{_AW}(?:please|pls|plz|thanks|thank\s+you|thx|ty|asap|for\s+me|if\s+you\s+can)))+$",
    _I,
)
LEADING_FUNCTION: re.Pattern[str]
_later(
    "LEADING_FUNCTION", r"^(?:(?:a|an|the)\s+)?(?:of|with|using|via|and|featuring|showing)\s+", _I
)
TRAILING_FUNCTION: re.Pattern[str]
_later("TRAILING_FUNCTION", r"\s+(?:a|an|the|of|in|with|at|on|and|for|using|via|by|to|as)$", _I)
EDGE_PARTICLE_CHARS = "的地得"
EDGE_PARTICLE: re.Pattern[str]
_later("EDGE_PARTICLE", rf"^[{EDGE_PARTICLE_CHARS}]+")
#: "一张，一碗奶茶": a measure word left alone before punctuation once its noun was cut.
MEASURE_CHARS = "一1张幅个"
DANGLING_MEASURE: re.Pattern[str]
_later("DANGLING_MEASURE", r"^[一1]?[张幅个](?=[,，:：])")
EMPTY_BRACKETS = re.compile(r"[(\[（【「『]\s*[)\]）】」』]")
GENERIC_ONLY = re.compile(
    r"(?:[一1]?[张幅个]?(?:图片?|图像|照片|相片|画儿?|作品|东西|壁纸|插画|插图|图画)"
    r"|(?:an?\s+|one\s+|some\s+)?(?:image|picture|pic|photo|img|drawing|something|anything"
    r"|wallpaper|art|artwork)s?|再?(?:一次|一遍|一张)|again|one\s+more(?:\s+time)?)",
    _I,
)
#: Something that can describe a picture: a letter, a digit, a Chinese character, an emoji.
MEANINGFUL = re.compile("[^\\W_]|[\U0001f300-\U0001faff\u2600-\u27bf]")
#: What ends a chunk for "said on its own" checks.
#: What ends a chunk of a chat message: punctuation, and a line break (people send one
#: thought a line: "a cat\nlandscape").
CHUNK_EDGE = frozenset(",.;:!?。、~()[]{}<>《》「」『』【】…—\x00，；：！？\n\r")
