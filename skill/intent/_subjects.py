"""Which subject a prompt is about, for the acknowledgement's emoji.

One alternation, searched once: the leftmost word that names a subject wins ("the first one
mentioned"). Where two subjects' words start at the same place, the entry listed first wins,
so the specific words come first: 猫头鹰 (owl) is a bird before 猫 is a cat, 热狗 is food.
"""

from __future__ import annotations

import re

_W = r"(?<![a-z])"  # English words only match whole ("cat" is not in "catalog")
_E = r"(?![a-z])"


def _en(words: str) -> str:
    return rf"{_W}(?:{words}){_E}"


# (subject key, pattern) in priority order; a key may appear more than once.
_TABLE: tuple[tuple[str, str], ...] = (
    ("bird", r"猫头鹰|" + _en(r"owls?")),
    ("food", r"热狗|" + _en(r"hot\s?dogs?|catfish")),
    (
        "animal",
        r"熊猫|山羊|海豚|海星|海龟|海獭|海狮|海豹|海马|"
        + _en(r"sea\s+(?:turtles?|lions?|otters?)"),
    ),
    ("bird", r"海鸥|" + _en(r"seagulls?")),
    ("food", r"海鲜|" + _en(r"seafood")),
    ("house", r"海边小屋|" + _en(r"beach\s+house")),
    ("anime", r"猫娘|" + _en(r"catgirls?|cat\s+girls?")),
    ("cat", r"猫|喵|🐱|🐈|" + _en(r"cats?|kittens?|kitty|kitties|kitteh|meow")),
    (
        "dog",
        r"狗|犬|汪星人|柯基|哈士奇|泰迪|金毛|拉布拉多|萨摩耶|🐶|🐕|"
        + _en(
            r"dogs?|pupp(?:y|ies)|pups?|doggo|doggy|doggie|shibas?|shiba\s+inu|corgis?|husk(?:y|ies)"
            r"|retrievers?|labradors?|poodles?|bulldogs?|dachshunds?|pugs?|chihuahuas?|beagles?"
            r"|samoyeds?|terriers?"
        ),
    ),
    (
        "bird",
        r"鸟|鹦鹉|老鹰|雄鹰|企鹅|孔雀|鸽子|燕子|麻雀|天鹅|仙鹤|火烈鸟|凤凰|🐦|"
        + _en(
            r"birds?|parrots?|eagles?|hawks?|penguins?|peacocks?|hummingbirds?|sparrows?|swans?"
            r"|doves?|pigeons?|flamingos?|phoenix|robins?|crows?|ravens?"
        ),
    ),
    (
        "animal",
        r"动物|宠物|兔子|小兔|兔兔|狐狸|狮子|老虎|大象|猴子|松鼠|仓鼠|恐龙|小猪|奶牛|绵羊|羊驼|狼|鹿|熊"
        r"|骏马|小马|马儿|独角兽|蝴蝶|鲸鱼|金鱼|乌龟|青蛙|考拉|长颈鹿|斑马|浣熊|水獭|刺猬|龙(?!虾)|🐾|"
        + _en(
            r"animals?|pets?|pandas?|rabbits?|bunn(?:y|ies)|fox(?:es)?|lions?|tigers?|bears?|wol(?:f|ves)"
            r"|deer|horses?|ponies|pony|elephants?|monkeys?|squirrels?|hamsters?|dinosaurs?|dinos?"
            r"|pigs?|cows?|sheep|llamas?|alpacas?|unicorns?|butterfl(?:y|ies)|dolphins?|whales?"
            r"|goldfish|fish|turtles?|frogs?|dragons?|koalas?|giraffes?|zebras?|raccoons?|otters?"
            r"|hedgehogs?|capybaras?"
        ),
    ),
    (
        "space",
        r"星空|宇宙|太空|银河|星系|星云|宇航员|航天员|火箭|行星|星球|月球|外星|飞船|黑洞|星际|🚀|"
        + _en(
            r"galax(?:y|ies)|nebulae?|outer\s+space|space|universe|cosmos|cosmic|astronauts?|rockets?"
            r"|planets?|starry\s+sky|starry\s+night|stars|moon|spaceships?|milky\s+way|black\s+holes?"
            r"|aliens?"
        ),
    ),
    (
        "sea",
        r"大海|海洋|海边|海滩|沙滩|海浪|波浪|浪花|海底|海面|海岸|海(?![报报鲜盗绵])|🌊|"
        + _en(r"oceans?|seas?|beach(?:es)?|waves?|underwater|coast(?:line)?|shore|seaside|surf"),
    ),
    (
        "landscape",
        r"风景|山水|山脉|雪山|高山|森林|草原|瀑布|湖泊|湖|田野|田园|峡谷|沙漠|日落|日出|夕阳|晚霞|自然风光"
        r"|景色|山川|山峰|山谷|乡村|极光|火山|山(?!羊|寨|东|西|楂)|🏔|⛰|"
        + _en(
            r"landscapes?|scenery|mountains?|forests?|woods|valleys?|waterfalls?|lakes?|meadows?"
            r"|fields?|deserts?|canyons?|hills?|countryside|sunsets?|sunrises?|nature|auroras?"
            r"|northern\s+lights|volcano(?:es)?|glaciers?"
        ),
    ),
    (
        "flower",
        r"花朵|鲜花|花束|花海|花园|花瓣|玫瑰|樱花|向日葵|郁金香|荷花|莲花|牡丹|桃花|梅花|菊花|薰衣草|百合"
        r"|兰花|(?<![雪烟天棉火窗印])花(?![生纹板哨钱费样式])|🌸|🌹|🌷|"
        + _en(
            r"flowers?|floral|roses?|tulips?|sunflowers?|cherry\s+blossoms?|sakura|lotus(?:es)?"
            r"|orchids?|lil(?:y|ies)|dais(?:y|ies)|lavender|peon(?:y|ies)|bouquets?|blossoms?"
        ),
    ),
    (
        "food",
        r"食物|美食|蛋糕|汉堡|披萨|比萨|寿司|拉面|面条|火锅|水果|咖啡|奶茶|甜点|甜品|冰淇淋|饺子|包子"
        r"|香蕉|草莓|早餐|午餐|晚餐|饭|菜肴|牛排|面包|甜甜圈|巧克力|🍔|🍕|🍣|"
        + _en(
            r"food|burgers?|hamburgers?|pizzas?|sushi|ramen|noodles?|cakes?|cupcakes?|desserts?"
            r"|ice\s+cream|coffee|fruits?|bananas?|strawberr(?:y|ies)|breakfast|dinner|lunch|meals?"
            r"|dumplings?|sandwich(?:es)?|salads?|steaks?|bread|croissants?|donuts?|doughnuts?"
            r"|cookies?|chocolate|tacos?|pasta|bubble\s+tea"
        ),
    ),
    (
        "city",
        r"城市|都市|街道|街景|街头|夜景|高楼|摩天大楼|天际线|东京|上海|北京|纽约|香港|巴黎|伦敦|🏙|"
        + _en(
            r"city|cities|cityscapes?|skylines?|streets?|downtown|skyscrapers?|urban|metropolis"
            r"|tokyo|new\s+york|paris|london|shanghai|hong\s+kong|neon\s+streets?"
        ),
    ),
    (
        "robot",
        r"机器人|机甲|机械姬|赛博格|高达|🤖|" + _en(r"robots?|mechas?|androids?|cyborgs?|droids?"),
    ),
    (
        "anime",
        r"动漫|二次元|漫画|卡通|动画|日漫|手办|Q版|萌系|宫崎骏|吉卜力|新海诚|"
        + _en(r"anime|manga|cartoons?|chibi|ghibli|waifu|kawaii|cel[\s\-]?shaded"),
    ),
    (
        "portrait",
        r"人像|肖像|头像|自拍|证件照|写真|美女|女孩|男孩|少女|女生|男生|女人|男人|老人|小孩|宝宝|婴儿|人物"
        r"|模特|帅哥|公主|王子|女巫|战士|骑士|👤|"
        + _en(
            r"portraits?|headshots?|selfies?|avatars?|profile\s+pic(?:ture)?|pfp|faces?|wom[ae]n|m[ae]n"
            r"|girls?|boys?|lad(?:y|ies)|person|people|child(?:ren)?|kids?|bab(?:y|ies)|princess(?:es)?"
            r"|princes?|knights?|warriors?|wizards?|witch(?:es)?|astronaut"
        ),
    ),
    (
        "car",
        r"汽车|跑车|赛车|轿车|越野车|卡车|摩托|(?<![风水火])车(?!站|道|位)|🚗|"
        + _en(
            r"cars?|sports\s+cars?|supercars?|vehicles?|trucks?|motorcycles?|jeeps?|teslas?"
            r"|porsches?|ferraris?|lamborghinis?"
        ),
    ),
    (
        "logo",
        r"logo|标志|徽标|商标|图标|品牌标识|徽章|"
        + _en(r"logos?|icons?|emblems?|badges?|monograms?|wordmarks?"),
    ),
    (
        "house",
        r"房子|房屋|房间|小屋|别墅|木屋|城堡|客厅|卧室|室内|住宅|屋|🏠|"
        + _en(
            r"houses?|homes?|cottages?|cabins?|villas?|mansions?|castles?|rooms?|bedrooms?"
            r"|living\s+rooms?|interiors?|huts?|apartments?"
        ),
    ),
)

_KEYS: dict[str, str] = {}
_parts: list[str] = []
for _i, (_key, _pattern) in enumerate(_TABLE):
    _KEYS[f"s{_i}"] = _key
    _parts.append(f"(?P<s{_i}>{_pattern})")
SUBJECT = re.compile("|".join(_parts), re.IGNORECASE)


def find_subject(text: str) -> str | None:
    """The subject key of the first subject word in ``text`` (already folded), or None."""
    match = SUBJECT.search(text)
    if match is None or match.lastgroup is None:
        return None
    return _KEYS[match.lastgroup]
