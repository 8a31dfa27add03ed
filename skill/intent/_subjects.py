"""Which subject a prompt is about, for the acknowledgement's emoji.

The first word that names a subject wins ("the first one mentioned"). Chinese words and
emoji are one alternation, longest first, so the more specific word wins where two start at
the same place (猫头鹰 is an owl, not a cat; 热狗 is food; 山羊 is a goat, not a mountain).
English is looked up word by word (two-word names first), which is much faster than a
pattern with word boundaries: this runs on every message.
"""

from __future__ import annotations

import re
from functools import cache

# (subject key, Chinese words and emoji, English words). A word listed twice keeps its first
# key, so the specific entries come first. English plurals are found by stripping -s/-es/-ies.
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("bird", "猫头鹰 海鸥", "owl seagull"),
    ("food", "热狗 海鲜", "hot_dog hotdog seafood catfish"),
    (
        "animal",
        "熊猫 山羊 海豚 海星 海龟 海獭 海狮 海豹 海马 龙虾",
        "sea_turtle sea_lion sea_otter",
    ),
    ("house", "海边小屋", "beach_house"),
    ("anime", "猫娘", "catgirl cat_girl"),
    ("cat", "猫 喵 🐱 🐈", "cat kitten kitty kitties kitteh meow"),
    (
        "dog",
        "狗 犬 汪星人 柯基 哈士奇 泰迪 金毛 拉布拉多 萨摩耶 🐶 🐕",
        "dog puppy pup doggo doggy doggie shiba shiba_inu corgi husky retriever labrador poodle "
        "bulldog dachshund pug chihuahua beagle samoyed terrier",
    ),
    (
        "bird",
        "鸟 鹦鹉 老鹰 雄鹰 企鹅 孔雀 鸽子 燕子 麻雀 天鹅 仙鹤 火烈鸟 凤凰 🐦",
        "bird parrot eagle hawk penguin peacock hummingbird sparrow swan dove pigeon flamingo "
        "phoenix robin crow raven",
    ),
    (
        "space",
        "星空 宇宙 太空 银河 星系 星云 宇航员 航天员 火箭 行星 星球 月球 外星 飞船 黑洞 星际 🚀",
        "galaxy galaxies nebula nebulae outer_space space universe cosmos cosmic astronaut rocket "
        "planet starry_sky starry_night stars moon spaceship milky_way black_hole alien",
    ),
    (
        "animal",
        "动物 宠物 兔子 小兔 兔兔 狐狸 狮子 老虎 大象 猴子 松鼠 仓鼠 恐龙 "
        "小猪 奶牛 绵羊 羊驼 狼 鹿 熊 "
        "骏马 小马 马儿 独角兽 蝴蝶 鲸鱼 金鱼 乌龟 青蛙 考拉 长颈鹿 斑马 浣熊 水獭 刺猬 龙 🐾",
        "animal pet panda rabbit bunny fox lion tiger bear wolf wolves deer horse pony elephant "
        "monkey squirrel hamster dinosaur dino pig cow sheep llama alpaca unicorn butterfly "
        "dolphin whale goldfish fish turtle frog dragon koala giraffe zebra raccoon otter "
        "hedgehog capybara",
    ),
    (
        "sea",
        "大海 海洋 海边 海滩 沙滩 海浪 波浪 浪花 海底 海面 海岸 海 🌊",
        "ocean sea beach wave underwater coast coastline shore seaside surf",
    ),
    (
        "landscape",
        "风景 山水 山脉 雪山 高山 森林 草原 瀑布 湖泊 湖 田野 田园 峡谷 沙漠 日落 日出 夕阳 晚霞 "
        "景色 山川 山峰 山谷 乡村 极光 火山 山 🏔 ⛰",
        "landscape scenery mountain forest woods valley waterfall lake meadow field desert "
        "canyon hill countryside sunset sunrise nature aurora northern_lights volcano glacier",
    ),
    (
        "flower",
        "花朵 鲜花 花束 花海 花园 花瓣 玫瑰 樱花 向日葵 郁金香 荷花 莲花 "
        "牡丹 桃花 梅花 菊花 薰衣草 "
        "百合 兰花 花 🌸 🌹 🌷",
        "flower floral rose tulip sunflower cherry_blossom sakura lotus orchid lily daisy "
        "lavender peony bouquet blossom",
    ),
    (
        "food",
        "食物 美食 蛋糕 汉堡 披萨 比萨 寿司 拉面 面条 火锅 水果 咖啡 "
        "奶茶 甜点 甜品 冰淇淋 饺子 包子 "
        "香蕉 草莓 早餐 午餐 晚餐 饭 菜肴 牛排 面包 甜甜圈 巧克力 🍔 🍕 🍣",
        "food burger hamburger pizza sushi ramen noodle cake cupcake dessert ice_cream coffee "
        "fruit banana strawberry breakfast dinner lunch meal dumpling sandwich salad steak "
        "bread croissant donut doughnut cookie chocolate taco pasta bubble_tea",
    ),
    (
        "city",
        "城市 都市 街道 街景 街头 夜景 高楼 摩天大楼 天际线 东京 上海 北京 纽约 香港 巴黎 伦敦 🏙",
        "city cities cityscape skyline street downtown skyscraper urban metropolis tokyo "
        "new_york paris london shanghai hong_kong",
    ),
    ("robot", "机器人 机甲 机械姬 赛博格 高达 🤖", "robot mecha android cyborg droid"),
    (
        "anime",
        "动漫 二次元 漫画 卡通 动画 日漫 手办 Q版 q版 萌系 宫崎骏 吉卜力 新海诚",
        "anime manga cartoon chibi ghibli waifu kawaii cel_shaded",
    ),
    (
        "portrait",
        "人像 肖像 头像 自拍 证件照 写真 美女 女孩 男孩 少女 女生 男生 "
        "女人 男人 老人 小孩 宝宝 婴儿 "
        "人物 模特 帅哥 公主 王子 女巫 战士 骑士 👤",
        "portrait headshot selfie avatar profile_picture profile_pic pfp face woman women man "
        "men girl boy lady ladies person people child children kid baby babies princess "
        "prince knight warrior wizard witch",
    ),
    (
        "car",
        "汽车 跑车 赛车 轿车 越野车 卡车 摩托 车 🚗",
        "car sports_car supercar vehicle truck motorcycle jeep tesla porsche ferrari lamborghini",
    ),
    ("logo", "标志 徽标 商标 图标 品牌标识 徽章", "logo icon emblem badge monogram wordmark"),
    (
        "house",
        "房子 房屋 房间 小屋 别墅 木屋 城堡 客厅 卧室 室内 住宅 屋 🏠",
        "house home cottage cabin villa mansion castle room bedroom living_room interior hut "
        "apartment",
    ),
)

_ZH: dict[str, str] = {}
_EN: dict[str, str] = {}
for _key, _zh_words, _en_words in _TABLE:
    for _word in _zh_words.split():
        _ZH.setdefault(_word, _key)
    for _word in _en_words.split():
        _EN.setdefault(_word.replace("_", " "), _key)

#: Single characters that name a subject only when not part of another word:
#: 海报 is a poster, 花生 a peanut, 雪花 a snowflake, 山东 a province, 车站 a station.
_NOT_AFTER: dict[str, str] = {"花": "雪烟天棉火窗印", "车": "风水火"}
_NOT_BEFORE: dict[str, str] = {
    "海": "报盗绵",
    "花": "生纹板哨钱费样式",
    "山": "寨东西楂",
    "车": "站道位",
    "龙": "虾",
}


# Longest first: at one position the longest word wins. Plain literals let `re` skip ahead
# to candidate first characters quickly. Compiled on first use (2 ms): an English message
# never needs it.
@cache
def _zh_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(_ZH, key=len, reverse=True)))


_EN_WORD = re.compile(r"[a-z]+")


def _english(word: str) -> str | None:
    key = _EN.get(word)
    if key is None and len(word) > 3 and word.endswith("s"):
        if word.endswith("ies"):
            key = _EN.get(word[:-3] + "y")
        key = key or _EN.get(word[:-1]) or (_EN.get(word[:-2]) if word.endswith("es") else None)
    return key


def _first_english(text: str) -> tuple[int, str] | None:
    words = list(_EN_WORD.finditer(text.lower()))
    for i, match in enumerate(words):
        if i + 1 < len(words) and words[i + 1].start() - match.end() == 1:
            pair = _english(f"{match.group()} {words[i + 1].group()}")
            if pair is not None:
                return match.start(), pair
        key = _english(match.group())
        if key is not None:
            return match.start(), key
    return None


def _first_chinese(text: str) -> tuple[int, str] | None:
    if text.isascii():
        return None
    for match in _zh_pattern().finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        if start > 0 and text[start - 1] in _NOT_AFTER.get(word, ""):
            continue
        if end < len(text) and text[end] in _NOT_BEFORE.get(word, ""):
            continue
        return start, _ZH[word]
    return None


def find_subject(text: str) -> str | None:
    """The subject key of the first subject word in ``text`` (already folded), or None."""
    found = [hit for hit in (_first_chinese(text), _first_english(text)) if hit is not None]
    return min(found)[1] if found else None
