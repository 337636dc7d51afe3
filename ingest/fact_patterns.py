"""Vocabulary of fact extraction and the spaCy matcher built from it.

Labels (注册资本, 成立于, 营业收入…), role words (首席技术官, 总经理…) and triggers are matched with a
``PhraseMatcher`` over the character tokens of ``ingest.nlp.char_tokenizer``: jieba segments the same
label differently by context (营业收入 / 营业|收入, 首席|技术|官张), one token per character never does.
Every phrase below is a match label; ``LABEL_KIND`` says which fact it introduces.
"""

from __future__ import annotations

import functools
import re

from spacy.matcher import PhraseMatcher

from ingest.nlp import char_tokenizer

LABELS: dict[str, tuple[str, ...]] = {
    "company_name": ("公司名称", "企业名称", "申报单位", "参赛单位", "申请单位", "单位名称", "参赛企业", "参赛主体",
                     "企业全称", "公司全称", "申报企业", "项目单位", "承担单位", "参赛团队", "团队名称"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "USCC", "纳税人识别号"),
    "registered_on": ("成立时间", "成立日期", "注册时间", "注册日期", "成立于", "注册于", "创立于", "创办于", "设立于",
                      "注册成立于", "成立时间为", "营业执照签发日期"),
    "registered_capital_cny": ("注册资本", "注册资金"),
    "employees": ("员工", "从业人员", "从业人数", "职工", "在职人员", "员工总数", "员工人数", "职工人数"),
    "revenue_cny": ("营业收入", "营业总收入", "主营业务收入", "营收", "销售收入", "销售额"),
    "total_assets_cny": ("资产总额", "总资产", "资产总计"),
    "rd_spend_cny": ("研发投入", "研发费用", "研发经费", "研发支出", "研究开发费用"),
}
# A date followed by one of these (…2024年8月1日，完成公司注册…) states the registration too.
REGISTRATION_EVENTS = ("完成公司注册", "完成工商注册", "注册成立", "正式成立", "完成注册")
ID_LABELS = ("身份证", "身份证号", "身份证号码", "证件号码")
TRADEMARK_TRIGGERS = ("商标",)

# Roles, longest first within a family so that 董事长兼总经理 wins over 总经理 (spans are filtered longest-first).
ROLES = (
    "董事长兼总经理", "董事长", "副董事长", "总经理", "副总经理", "执行董事", "董事", "监事", "首席执行官", "CEO",
    "首席技术官", "CTO", "首席运营官", "COO", "首席财务官", "CFO", "首席科学家", "首席顾问", "技术顾问", "顾问",
    "技术总监", "研发总监", "市场总监", "销售总监", "财务总监", "生产总监", "质量总监", "运营总监", "总工程师",
    "副总工程师", "软件架构师", "架构师", "法定代表人", "法人代表", "创始人", "联合创始人", "合伙人", "负责人",
    "项目负责人", "团队负责人", "联系人", "技术负责人", "核心成员", "总裁", "副总裁",
)
# Titles written straight after a name (四川大学田亮萍教授): only after an institution or a break.
TITLES = ("教授", "副教授", "研究员", "副研究员", "院士", "高级工程师", "博士生导师")
INSTITUTION_ENDINGS = ("大学", "学院", "研究院", "研究所", "医院", "公司", "中心", "实验室")

SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟谭"
    "陆汪范金廖贾夏付傅方邹熊秦江雷侯龙白孟万段郝孔邵史毛常康严武戴莫邱贺顾龚尹黎易乔赖文庞樊兰殷施陶洪翟安"
    "颜倪牛温芦季俞章鲁葛伍韦申尤毕聂丛焦向柳邢骆岳齐梅庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童"
    "欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵解强柴华车冉房边吉饶刁瞿戚丘古米池滕晋苑"
    "邬臧畅宫来苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花仇艾蓝都巩稽井"
    "练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薛伏岑习胥保蔺"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "夏侯", "轩辕",
                     "令狐", "宇文", "司徒", "申屠", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟")
# Words that start with a surname character but are not names (高新区, 公司, 金属…): never a person.
NOT_NAMES = frozenset((
    "公司", "本公司", "高新", "国家", "金属", "方案", "方面", "方式", "时间", "成本", "成形", "成都", "华为", "安全",
    "应用", "项目", "市场", "万元", "文化", "程序", "平台", "温度", "管理", "林业", "江苏", "江西", "湖南", "华东",
    "华南", "黄金", "宁波", "常州", "武汉", "和平", "于是", "向上", "向下", "关键", "包括", "全国", "全职", "全面",
    "明确", "明显", "时代", "成果", "成员", "成立", "史上", "计划", "计算", "章程", "强度", "能力", "以上", "以下",
))
# A name does not end in these: 王全安和… / 张三负责… stop before them.
NAME_STOP_CHARS = frozenset("和与及等负担兼为是在主带领先曾现任于的了将也已均各共同分")
STOP_WORDS = frozenset((
    "与", "和", "及", "以及", "同", "跟", "向", "为", "由", "是", "在", "对", "将", "把", "被", "给", "经", "让", "的",
    "了", "等", "如", "例如", "包括", "客户", "用户", "合作", "联合", "携手", "签订", "签署", "通过", "获得", "成为",
    "其中", "为了", "由于", "截至", "根据", "本", "该", "其", "系", "即", "原", "现", "仅", "供", "仅供", "报告",
    "来自", "属于", "委托", "提供", "服务", "隶属", "旗下", "控股", "下属", "所属", "及其", "并", "且", "或", "就",
    "依托", "加入", "入选", "获", "荣获", "授予", "认定", "评为", "股东", "投资", "收购", "并购", "拥有", "设立",
))
COMPANY_ENDINGS = ("有限责任公司", "股份有限公司", "有限公司")
PATENT_TYPES_STATED = {"发明": "invention", "实用新型": "utility", "外观设计": "design", "外观": "design"}

_NAME_CHARS = "[\u4e00-\u9fff]"
NAME_SHAPE = re.compile(rf"^(?:{_NAME_CHARS}{{2,4}}|{_NAME_CHARS}{{1,6}}[·•]{_NAME_CHARS}{{1,6}})$")


def is_surname_start(text: str) -> int:
    """Length of the surname ``text`` starts with (2 for 欧阳…, 1 for 王…), 0 when it starts with none."""
    if text[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if text[:1] and text[0] in SINGLE_SURNAMES else 0


def plausible_name(text: str, *, bounded: bool = False) -> bool:
    """A Chinese personal name: a known surname and one or two more characters, not a common word.

    Cut from running text, a name must not hold a character that usually follows one (王全安和… → 和);
    ``bounded`` (a table cell, whose ends are given) allows them: 王和福 is a name.
    """
    surname = is_surname_start(text)
    if not surname or not NAME_SHAPE.match(text) or text in NOT_NAMES or text[:2] in NOT_NAMES:
        return False
    return 1 <= len(text) - surname <= 2 and (bounded or not any(ch in NAME_STOP_CHARS for ch in text[surname:]))


def _phrases() -> dict[str, tuple[str, ...]]:
    return {
        **{f"label:{kind}": phrases for kind, phrases in LABELS.items()},
        "event:registered_on": REGISTRATION_EVENTS, "label:id": ID_LABELS, "trigger:trademark": TRADEMARK_TRIGGERS,
        "role": ROLES, "title": TITLES,
    }


@functools.lru_cache(maxsize=1)
def phrase_matcher() -> PhraseMatcher:
    """One matcher for every phrase, keyed ``label:<kind>``, ``event:…``, ``trigger:…``, ``role`` or ``title``."""
    nlp = char_tokenizer()
    matcher = PhraseMatcher(nlp.vocab)
    for key, phrases in _phrases().items():
        matcher.add(key, [nlp.make_doc(phrase) for phrase in phrases])
    return matcher
