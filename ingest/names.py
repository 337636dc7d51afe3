"""Company and project names reduced to a comparable key, and fuzzy matching of those keys.

The same enterprise is written many ways: "四川某某增材科技有限公司", "某某增材科技（成都）有限公司",
"成都市某某增材科技股份有限公司". The past ranking lists carry no USCC (facts.md §5), so names are
the only link: the key drops legal forms (有限公司, 股份有限公司, 有限责任公司, 集团), anything in
brackets, and region prefixes (provinces and major cities, with 省/市/自治区), and folds full-width
characters (NFKC). Matching then scores keys with rapidfuzz (0–100).
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

_LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "控股集团", "集团", "有限合伙", "合伙企业", "分公司",
    "公司",
)
_PROVINCES = (
    "内蒙古", "黑龙江", "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾",
    "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
# Provincial capitals, the host province's cities, and the cities most AM firms register in.
# Ambiguous names that are also common words or brands (中山, 长城, 吉林 as a city) are left out.
_CITIES = (
    "成都", "绵阳", "德阳", "泸州", "宜宾", "自贡", "乐山", "南充", "达州", "遂宁", "内江", "眉山", "广安", "雅安",
    "资阳", "攀枝花", "广元", "巴中", "深圳", "广州", "东莞", "佛山", "珠海", "惠州", "苏州", "无锡", "常州", "南京",
    "南通", "扬州", "镇江", "泰州", "徐州", "昆山", "杭州", "宁波", "温州", "嘉兴", "绍兴", "湖州", "金华", "合肥",
    "芜湖", "武汉", "襄阳", "长沙", "株洲", "湘潭", "西安", "宝鸡", "郑州", "洛阳", "济南", "青岛", "烟台", "潍坊",
    "沈阳", "大连", "长春", "哈尔滨", "石家庄", "太原", "呼和浩特", "包头", "南宁", "柳州", "昆明", "贵阳", "拉萨",
    "兰州", "西宁", "银川", "乌鲁木齐", "海口", "福州", "厦门", "泉州", "南昌", "赣州", "天津", "唐山", "保定",
)
_REGION_SUFFIX = r"(?:壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)?"
_REGION = re.compile(
    "^(?:" + "|".join(sorted(_PROVINCES + _CITIES, key=len, reverse=True)) + ")" + _REGION_SUFFIX
)
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,3}?(?:新区|区|县)(?=[\u4e00-\u9fff]{2})")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_NOISE = re.compile(r"[\s\"'“”‘’《》<>「」『』·・.,，。:：;；!！?？、/\\|\-_—–~*#]+")
_PROJECT_SUFFIXES = ("项目",)


def _fold(text: str) -> str:
    """NFKC (full-width → half-width, so （ becomes ( ) and lower-cased Latin letters."""
    return unicodedata.normalize("NFKC", text).lower()


def _strip_prefix_regions(key: str) -> str:
    """Drop leading provinces/cities (and a district after them), never the whole name."""
    while True:
        match = _REGION.match(key)
        if not match or len(key) - match.end() < 3:  # "四川大学" stays; "大学" would match every university
            return key
        rest = key[match.end():]
        district = _DISTRICT.match(rest)
        key = rest[district.end():] if district else rest


def _strip_suffixes(key: str, suffixes: tuple[str, ...]) -> str:
    """``key`` with any of ``suffixes`` taken off its end, repeatedly, never below two characters."""
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                key, changed = key[: -len(suffix)], True
    return key


def _strip_legal_forms(key: str) -> str:
    return _strip_suffixes(key, _LEGAL_FORMS)


def normalise_company(name: str | None) -> str:
    """The comparison key of a company (or team) name; "" for no name.

    >>> normalise_company("四川某某增材科技（成都）股份有限公司")
    '某某增材科技'
    """
    if not name:
        return ""
    key = _BRACKETED.sub("", _fold(name))
    key = _NOISE.sub("", key)
    key = _strip_legal_forms(key)
    key = _strip_prefix_regions(key)
    return _strip_legal_forms(key)


def normalise_project(name: str | None) -> str:
    """The comparison key of a project name: folded, punctuation and a trailing 项目 dropped."""
    if not name:
        return ""
    key = _NOISE.sub("", _fold(name))
    for suffix in _PROJECT_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            key = key[: -len(suffix)]
    return key


def normalise_person(name: str | None) -> str:
    """A person's name for matching: folded, without spaces and the middle dot of transliterations."""
    return _NOISE.sub("", _fold(name or ""))


def similarity(a: str, b: str) -> float:
    """0–100 similarity of two keys (already normalised); 0 when either is empty."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    return float(fuzz.ratio(a, b))


# Industry words that follow the trade name (字号) in a company name, longest first. Two firms of one
# trade share them ("睿捷生物医学科技" / "宇达生物医学科技"): they must not make the names look alike.
_INDUSTRY_WORDS = tuple(sorted((
    "增材制造", "3d打印", "三维打印", "新材料", "生物医学", "生物医药", "生物医疗", "医疗器械", "科技", "技术", "材料",
    "装备", "制造", "智能", "生物", "医学", "医疗", "医药", "信息", "软件", "电子", "机械", "精密", "激光", "工程",
    "增材", "打印", "三维", "数字", "数控", "实业", "发展", "创新", "光电", "机电", "自动化", "设备", "仪器", "工业",
    "新能源", "能源", "环保", "航空", "航天", "模具", "粉末", "金属", "高分子", "复合", "口腔", "齿科", "健康",
    "冶金", "视觉", "光学", "传感", "控制", "系统", "网络", "数据", "云", "动力", "汽车", "电气", "化工", "陶瓷",
    "塑料", "树脂", "医学影像", "生命", "仿真", "设计", "科学", "研究院", "产业", "集团", "控股", "贸易", "服务",
), key=len, reverse=True))


def trade_name(key: str) -> str:
    """The distinctive part of a normalised company key: industry words stripped from its end."""
    return _strip_suffixes(key, _INDUSTRY_WORDS)


def company_similarity(a: str | None, b: str | None) -> float:
    """0–100 similarity of two company names after normalisation (see ``company_key_similarity``)."""
    return company_key_similarity(normalise_company(a), normalise_company(b))


def company_key_similarity(key_a: str, key_b: str) -> float:
    """0–100 similarity of two normalised company keys.

    When the trade names (字号) have little in common the names are of different firms, however
    alike their industry words: the score is then at most the trade names' own similarity.
    """
    overall = similarity(key_a, key_b)
    trade_a, trade_b = trade_name(key_a), trade_name(key_b)
    if trade_a == key_a and trade_b == key_b:
        return overall
    distinct = similarity(trade_a, trade_b)
    return overall if distinct >= 60 else min(overall, distinct)


def project_similarity(a: str | None, b: str | None) -> float:
    """0–100 similarity of two project names after normalisation."""
    return similarity(normalise_project(a), normalise_project(b))
